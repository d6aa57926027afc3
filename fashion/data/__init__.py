"""Data side of the image benchmarks: label ranges, compact image arrays, benchmark loading, hints.

Never imports fashion.text (text outputs are read through annotations.parquet only), nor models/train.
"""
