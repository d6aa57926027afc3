"""What each post shows, as (post code, label code) pairs: from the predictions (streamed in
batches, every image of a post merged) and from the truth (annotated posts only).

A label is a "facet:label" string (facets in fashion.profiles.config.FACETS); `Vocabulary` gives
them codes in first-seen order and is shared by both sources, so their matrices line up."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from fashion.profiles.config import ProfilesError, item_label
from fashion.profiles.posts import PostIndex

PREDICTION_COLUMNS = ("post_id", "categories", "subcategories", "attributes", "brands", "styles")
_LABEL_BITS = 24   # label codes below 2**24 (a post x label key fits an int64 for 2**39 posts)


class Vocabulary:
    """"facet:label" -> code, codes in first-seen order."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self._code: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.keys)

    def code_of(self, key: str) -> int:
        code = self._code.get(key)
        if code is None:
            code = self._code[key] = len(self.keys)
            self.keys.append(key)
            if code >= 1 << _LABEL_BITS:
                raise ProfilesError(f"more than {1 << _LABEL_BITS} distinct labels")
        return code

    def codes(self, keys: pa.Array) -> np.ndarray:
        encoded = keys.dictionary_encode()
        table = np.array([self.code_of(k) for k in encoded.dictionary.to_pylist()] or [0], dtype=np.int32)
        return table[encoded.indices.to_numpy(zero_copy_only=False)]

    def facet_label(self, code: int) -> tuple[str, str]:
        facet, _, label = self.keys[code].partition(":")
        return facet, label


def _flat(column: pa.ChunkedArray | pa.Array, where: str) -> tuple[np.ndarray, pa.StructArray]:
    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if not pa.types.is_list(column.type) or not pa.types.is_struct(column.type.value_type):
        raise ProfilesError(f"{where}: expected list<struct{{label, score, ...}}>, got {column.type}")
    return pc.list_parent_indices(column).to_numpy(), pc.list_flatten(column)


def _kept(column, where: str, min_score: float, group: str | None = None) -> tuple[np.ndarray, pa.Array, np.ndarray]:
    """(row, label, score) of the list entries scoring >= min_score (of `group` when given)."""
    rows, flat = _flat(column, where)
    for name in ("label", "score") + (("group",) if group else ()):
        if flat.type.get_field_index(name) < 0:
            raise ProfilesError(f"{where}: entries have no field {name!r}")
    score = pc.fill_null(flat.field("score").cast(pa.float64()), 0.0)
    keep = pc.and_kleene(pc.greater_equal(score, min_score), pc.is_valid(flat.field("label")))
    if group:
        keep = pc.and_kleene(keep, pc.equal(flat.field("group"), group))
    keep = pc.fill_null(keep, False)
    mask = keep.to_numpy(zero_copy_only=False)
    return rows[mask], pc.filter(flat.field("label").cast(pa.string()), keep), score.to_numpy(zero_copy_only=False)[mask]


def _best(rows: np.ndarray, labels: pa.Array, score: np.ndarray, n_rows: int) -> np.ndarray:
    """Per row, its best-scoring label (None where none)."""
    best = np.full(n_rows, None, dtype=object)
    if len(rows):
        order = np.lexsort((-score, rows))
        first = order[np.r_[True, rows[order][1:] != rows[order][:-1]]]
        best[rows[first]] = np.asarray(labels.to_pylist(), dtype=object)[first]
    return best


def batch_events(batch: pa.RecordBatch | pa.Table, vocab: Vocabulary, min_score: float, where: str) -> tuple[np.ndarray, np.ndarray]:
    """(row in batch, label code) of every label a prediction row shows (duplicates possible)."""
    rows_out, codes_out = [], []
    for column, facet in (("categories", "category"), ("subcategories", "subcategory"), ("brands", "brand"),
                          ("styles", "style")):
        rows, labels, _ = _kept(batch.column(column), f"{where}: {column}", min_score)
        rows_out.append(rows)
        codes_out.append(vocab.codes(pc.binary_join_element_wise(facet, labels, ":")))
    best = {}
    for group in ("material", "pattern"):
        rows, labels, score = _kept(batch.column("attributes"), f"{where}: attributes", min_score, group)
        rows_out.append(rows)
        codes_out.append(vocab.codes(pc.binary_join_element_wise(group, labels, ":")))
        best[group] = _best(rows, labels, score, batch.num_rows)
    rows, labels, _ = _kept(batch.column("subcategories"), f"{where}: subcategories", min_score)
    # the image's best material and pattern go with each of its subcategories (attributes are per image)
    items = [item_label(s, best["material"][r], best["pattern"][r]) for r, s in zip(rows, labels.to_pylist())]
    rows_out.append(rows)
    codes_out.append(vocab.codes(pa.array(["item:" + i for i in items], pa.string())))
    return np.concatenate(rows_out).astype(np.int64), np.concatenate(codes_out).astype(np.int32)


def _unique_pairs(posts: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    keys = np.unique((posts << _LABEL_BITS) | labels.astype(np.int64))
    return keys >> _LABEL_BITS, (keys & ((1 << _LABEL_BITS) - 1)).astype(np.int32)


def prediction_events(path: Path, index: PostIndex, vocab: Vocabulary, min_score: float,
                      batch_rows: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(post codes, label codes) per batch, each (post, label) once over the whole file.

    The rows of a post (one per image) must be contiguous, as the predict stage writes them
    (sorted by post_id); the last post of a batch is carried into the next one."""
    path = Path(path)
    if not path.exists():
        raise ProfilesError(f"{path}: not found (run the predict stage first)")
    try:
        dataset = ds.dataset(path, format="parquet")
    except (pa.ArrowInvalid, OSError) as error:
        raise ProfilesError(f"{path}: not a readable Parquet table ({error})") from None
    missing = [c for c in PREDICTION_COLUMNS if c not in dataset.schema.names]
    if missing:
        raise ProfilesError(f"{path}: column(s) {', '.join(missing)} missing (see docs/contracts.md, Predictions)")
    done = np.zeros(len(index), dtype=bool)
    carry: pa.Table | None = None
    batches = dataset.to_batches(columns=list(PREDICTION_COLUMNS), batch_size=batch_rows)
    for batch in _with_end(batches):
        table = pa.Table.from_batches([batch]) if batch is not None else None
        if carry is not None:
            table = carry if table is None else pa.concat_tables([carry, table])
        if table is None or table.num_rows == 0:
            continue
        posts = index.codes(table.column("post_id").combine_chunks(), str(path))
        if batch is not None:  # hold the last post back: its other images may be in the next batch
            cut = _last_run(posts)
            carry, table, posts = table.slice(cut), table.slice(0, cut), posts[:cut]
        else:
            carry = None
        if table.num_rows == 0:
            continue
        seen_before = done[posts]
        if seen_before.any():
            post = table.column("post_id")[int(np.flatnonzero(seen_before)[0])]
            raise ProfilesError(f"{path}: the rows of post {post} are not contiguous (the predict stage writes them "
                                "sorted by post_id)")
        rows, codes = batch_events(table, vocab, min_score, str(path))
        done[posts] = True
        yield _unique_pairs(posts[rows], codes)


def _with_end(batches):
    yield from batches
    yield None


def _last_run(posts: np.ndarray) -> int:
    """Start of the trailing run of equal post codes."""
    differ = np.flatnonzero(posts != posts[-1])
    return int(differ[-1]) + 1 if len(differ) else 0


def read_truth(ingest: Path) -> tuple[pd.DataFrame, np.ndarray]:
    """(truth items, annotated post ids) of the ingest (contracts: truth.parquet, annotated.parquet)."""
    frames = []
    for name, columns in (("truth.parquet", ["post_id", "category", "subcategory", "brand", "styles", "material",
                                             "pattern"]), ("annotated.parquet", ["post_id"])):
        path = Path(ingest) / name
        if not path.exists():
            raise ProfilesError(f"{path}: not found (run the ingest stage first)")
        try:
            frames.append(pd.read_parquet(path, columns=columns))
        except (pa.ArrowInvalid, OSError, KeyError, ValueError) as error:
            raise ProfilesError(f"{path}: not a readable Parquet table with {', '.join(columns)} ({error})") from None
    truth, annotated = frames
    return truth, annotated["post_id"].astype(str).unique()


def truth_events(truth: pd.DataFrame, index: PostIndex, vocab: Vocabulary) -> tuple[np.ndarray, np.ndarray, int]:
    """(post codes, label codes, truth rows left out because their post is not in the dump).
    The ingest reports those posts too (metrics/ingest.json truth_posts_not_in_dump)."""
    if truth.empty:
        return np.zeros(0, np.int64), np.zeros(0, np.int32), 0
    ids = pa.array(truth["post_id"].astype(str).tolist(), pa.string())
    known = np.isin(np.asarray(ids.to_pylist(), dtype=object), np.asarray([str(k) for k in index.post_ids], dtype=object))
    left_out = int((~known).sum())
    truth = truth[known].reset_index(drop=True)
    posts = index.codes(pa.array(truth["post_id"].astype(str).tolist(), pa.string()), "truth.parquet") if len(truth) else np.zeros(0, np.int64)
    rows, keys = [], []

    def add(row: int, key: str) -> None:
        rows.append(row)
        keys.append(key)

    for row, item in enumerate(truth.itertuples(index=False)):
        if isinstance(item.category, str):
            add(row, f"category:{item.category}")
        if isinstance(item.brand, str):
            add(row, f"brand:{item.brand}")
        for group in ("styles", "material", "pattern"):
            for label in ([] if getattr(item, group) is None else list(getattr(item, group))):
                add(row, f"{'style' if group == 'styles' else group}:{label}")
        if isinstance(item.subcategory, str):
            add(row, f"subcategory:{item.subcategory}")
            material = list(item.material)[0] if item.material is not None and len(item.material) else None
            pattern = list(item.pattern)[0] if item.pattern is not None and len(item.pattern) else None
            add(row, "item:" + item_label(item.subcategory, material, pattern))
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int32), left_out
    codes = vocab.codes(pa.array(keys, pa.string()))
    post_codes, label_codes = _unique_pairs(posts[np.asarray(rows)], codes)
    return post_codes, label_codes, left_out
