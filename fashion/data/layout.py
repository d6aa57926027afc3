"""File names of the images stage's output folder (data/processed/images/<dataset>/), shared by
the writer (fashion.data.images) and the readers (fashion.data.benchmark) without the readers
importing the image decoder."""
IMAGES_FILE, INDEX_FILE, SUMMARY_FILE = "images.npy", "index.parquet", "summary.json"
