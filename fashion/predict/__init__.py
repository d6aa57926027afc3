"""Applying trained models to posts: model bundles, text + image fusion, the predict stage,
`fashion predict` and `fashion serve`.

Imports fashion.models, fashion.data and fashion.text (text mining itself never imports models);
nothing in training imports this package, so an edit here retrains nothing.
"""
