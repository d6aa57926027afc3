"""posts.parquet / comments.parquet -> dataset folders of ``partitions`` parts, by account.

A post goes to bucket ``blake2b(account) mod partitions`` (fashion.scale.dataset.bucket), its
comments with it; a comment whose post is not in posts.parquet goes by its post id's hash. Within a
part, rows keep ingest's order, so a part is a small posts.parquet of its own and every later
stage can work part by part. Streamed in row batches: one open writer per part, memory bounded by
the post id -> bucket map.
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from fashion.scale.dataset import DatasetWriter, bucket


def _split(source: Path, target: Path, schema: pa.Schema, partitions: int, batch_rows: int, bucket_of) -> None:
    writer = DatasetWriter(target)
    try:
        with contextlib.ExitStack() as stack:
            parts = [stack.enter_context(pq.ParquetWriter(writer.part(i), schema)) for i in range(partitions)]
            with pq.ParquetFile(source) as table:
                for batch in table.iter_batches(batch_size=batch_rows):
                    buckets = bucket_of(batch)
                    for i in np.unique(buckets).tolist():
                        parts[i].write_batch(batch.filter(pa.array(buckets == i)))
            for part in parts:  # an empty part still holds the schema
                part.close()
        writer.publish(partitions)
    except BaseException:
        writer.discard()
        raise
    # the single file the split came from is replaced by the folder (publish moved it aside)


def partition_tables(out: Path, posts_schema: pa.Schema, comments_schema: pa.Schema, partitions: int,
                     batch_rows: int) -> None:
    """Turn ``out``/posts.parquet and comments.parquet (single files) into dataset folders."""
    post_bucket: dict[str, int] = {}

    def posts_buckets(batch: pa.RecordBatch) -> np.ndarray:
        ids = batch.column("post_id").to_pylist()
        accounts = batch.column("account").to_pylist()
        out_ = np.empty(len(ids), np.int64)
        for row, (post_id, account) in enumerate(zip(ids, accounts)):
            out_[row] = post_bucket[post_id] = bucket(account or "", partitions)
        return out_

    def comments_buckets(batch: pa.RecordBatch) -> np.ndarray:
        ids = batch.column("post_id").to_pylist()
        return np.array([post_bucket[p] if p in post_bucket else bucket(p or "", partitions) for p in ids], np.int64)

    for name, schema, bucket_of in (("posts", posts_schema, posts_buckets), ("comments", comments_schema, comments_buckets)):
        single = out / f"{name}.parquet"
        staged = out / f".{name}.single.parquet"
        os.replace(single, staged)
        try:
            _split(staged, single, schema, partitions, batch_rows, bucket_of)
        finally:
            staged.unlink(missing_ok=True)
