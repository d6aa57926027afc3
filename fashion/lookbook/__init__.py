"""The look-book: a static HTML site (Jinja2, every asset local) of the accounts, their posts with
predicted items / brands / styles, their profiles as bar charts and their recommendations."""
