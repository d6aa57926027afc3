"""Output tables (docs/contracts.md, Ingest) written in row batches so memory stays flat."""
from __future__ import annotations

import contextlib
import os
import sys
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from fashion.io import atomic_path

UTC_MICROS = pa.timestamp("us", tz="UTC")
STRINGS = pa.list_(pa.string())

POSTS_SCHEMA = pa.schema([
    ("post_id", pa.string()), ("shortcode", pa.string()), ("account", pa.string()),
    ("taken_at", UTC_MICROS), ("caption", pa.string()), ("hashtags", STRINGS), ("mentions", STRINGS),
    ("usertags", STRINGS),
    ("media", pa.list_(pa.struct([("path", pa.string()), ("type", pa.string())]))),
    ("like_count", pa.int64()), ("comment_count", pa.int64()),
    ("source_format", pa.string()), ("source", pa.string()), ("dump_root", pa.string()),
])
COMMENTS_SCHEMA = pa.schema([
    ("post_id", pa.string()), ("comment_id", pa.string()), ("parent_id", pa.string()),
    ("author", pa.string()), ("created_at", UTC_MICROS), ("text", pa.string()),
])
REJECTS_SCHEMA = pa.schema([
    ("source", pa.string()), ("record", pa.string()), ("reason", pa.string()), ("code", pa.string()),
])
# Attribute groups of the ontology, in contract order: one list<string> column each in truth.parquet.
TRUTH_GROUPS = ("material", "pattern", "occasion", "collar", "heel_type", "length", "toe", "fastener",
                "lining", "trouser_rise", "heel_height", "collection")
TRUTH_SCHEMA = pa.schema([
    ("post_id", pa.string()), ("item", pa.int32()), ("category", pa.string()), ("subcategory", pa.string()),
    ("brand", pa.string()), ("styles", STRINGS), *[(group, STRINGS) for group in TRUTH_GROUPS],
])

# Every post an annotation export covers, in export order: truth.parquet has rows only for items,
# so a post annotated as showing none (food, travel) is known from here alone.
ANNOTATED_SCHEMA = pa.schema([("post_id", pa.string())])


class BatchedParquetWriter:
    """Rows appended one at a time, flushed every `batch_rows` as a row group into a temp file that
    replaces `target` only when the writer closes without error."""

    def __init__(self, target: str | os.PathLike, schema: pa.Schema, batch_rows: int = 2000):
        self.target = target
        self.schema = schema
        self.batch_rows = batch_rows
        self.rows: list[dict[str, Any]] = []
        self.count = 0
        self._stack = contextlib.ExitStack()
        self._writer: pq.ParquetWriter | None = None

    def __enter__(self) -> "BatchedParquetWriter":
        tmp = self._stack.enter_context(atomic_path(self.target, suffix=".parquet"))
        self._writer = pq.ParquetWriter(tmp, self.schema)
        return self

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        self.count += 1
        if len(self.rows) >= self.batch_rows:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self._writer.write_table(pa.Table.from_pylist(self.rows, schema=self.schema))
            self.rows = []

    def __exit__(self, exc_type, exc, tb) -> bool:
        # atomic_path (in the stack) renames the temp file on success and deletes it on error
        try:
            if exc_type is None:
                self.flush()
            self._writer.close()
        except BaseException:
            self._stack.__exit__(*sys.exc_info())
            raise
        return self._stack.__exit__(exc_type, exc, tb)
