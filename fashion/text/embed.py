"""tokens.parquet -> gensim word vectors (Word2Vec or FastText) + fashion word-similarity Spearman.

The corpus is one line per post (its tokens and segmented hashtag words, rows in file order),
written once to a temporary text file and trained with gensim's ``corpus_file`` mode: gensim then
reads it in C without Python per-sentence overhead, several times faster per epoch.

The vectors are saved as ``vectors.npz`` (fashion.text.vectors: .npy arrays + JSON, no pickle) with,
per word, an ``idf`` (smoothed inverse document frequency over posts, ``ln((1 + N) / (1 + df)) + 1``)
that the rank step and ``fashion annotate`` use, so a single post is scored with the corpus' idf.

Determinism: with ``workers=1`` the same tokens and seed give identical vectors. gensim hashes
seed strings with Python's ``hash`` unless told otherwise (randomised per process by
PYTHONHASHSEED), so a fixed ``hashfxn`` is passed.
"""
from __future__ import annotations

import csv
import hashlib
import io
import math
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from tqdm import tqdm

from fashion.text.posts import check_tokens, iter_post_tables, post_changes
from fashion.text.vectors import VectorsError, WordVectors, load_vectors  # noqa: F401  (load_vectors: API)

MODELS = ("word2vec", "fasttext")
IDF_ATTR = "idf"


class EmbedError(ValueError):
    """Bad embedding input or parameter; the message names the file/parameter and the reason."""


@dataclass(frozen=True)
class EmbedConfig:
    """Knobs of the embed stage (params.yaml section ``embed`` plus the global seed)."""

    model: str = "word2vec"
    vector_size: int = 100
    window: int = 5
    epochs: int = 50
    min_count: int = 2
    sg: int = 0
    workers: int = 1
    seed: int = 7

    def __post_init__(self):
        if self.model not in MODELS:
            raise EmbedError(f"embed.model: {self.model!r} is not one of {', '.join(MODELS)}")
        for name in ("vector_size", "window", "epochs", "min_count", "workers"):
            if int(getattr(self, name)) < 1:
                raise EmbedError(f"embed.{name}: must be >= 1, got {getattr(self, name)!r}")
        if self.sg not in (0, 1):
            raise EmbedError(f"embed.sg: must be 0 (CBOW) or 1 (skip-gram), got {self.sg!r}")


def stable_hash(text: str) -> int:
    """Process-independent string hash for gensim's ``hashfxn``."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


@dataclass
class CorpusFile:
    path: Path
    posts: int
    tokens: int
    document_frequency: Counter


def write_corpus_file(tokens_path: str | Path, out_path: Path, progress: bool = False) -> CorpusFile:
    """One line per post (its rows' tokens then segmented words, space-separated) + document
    frequencies over posts. Vectorised per batch of posts with Arrow; posts without words are skipped."""
    df: Counter = Counter()
    posts = tokens = 0
    bar = tqdm(desc="corpus", unit="post", disable=not progress, mininterval=1.0)
    with open(out_path, "w", encoding="utf-8") as fh:
        for table in iter_post_tables(tokens_path, batch_posts=20_000, batch_rows=200_000):
            words, word_post, n_posts = _post_words(table)
            bar.update(n_posts)
            if len(words) == 0:
                continue
            # document frequency: distinct (post, word) pairs, counted per word
            encoded = words.dictionary_encode()
            ids = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
            vocab = encoded.dictionary.to_pylist()
            pairs = np.unique(word_post * len(vocab) + ids)
            counts = np.bincount(pairs % len(vocab), minlength=len(vocab))
            df.update(dict(zip(vocab, counts.tolist())))
            # one line per post: offsets of each post's run of words
            offsets = np.searchsorted(word_post, np.arange(n_posts + 1)).astype(np.int32)
            lines = pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), words), " ")
            lines = pc.filter(lines, pc.greater(pc.utf8_length(lines), 0))
            if len(lines):
                fh.write("\n".join(lines.to_pylist()))
                fh.write("\n")
            posts += len(lines)
            tokens += len(words)
    bar.close()
    return CorpusFile(out_path, posts, tokens, df)


def _post_words(table: pa.Table) -> tuple[pa.Array, np.ndarray, int]:
    """Words of a batch in corpus order (row, then tokens before segmented) and their post index."""
    change = post_changes(table)
    row_post = np.cumsum(change) - 1
    parts, keys = [], []
    for column_rank, column in enumerate(("tokens", "segmented")):
        lists = table.column(column).combine_chunks()
        flat = pc.list_flatten(lists).cast(pa.string())
        parent = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False).astype(np.int64)
        parts.append(flat)
        keys.append(parent * 2 + column_rank)
    words = pa.concat_arrays(parts)
    key = np.concatenate(keys)
    keep = pc.and_(pc.greater(pc.utf8_length(words), 0),
                   pc.invert(pc.match_substring_regex(words, r"\s"))).to_numpy(zero_copy_only=False)
    order = np.argsort(key, kind="stable")           # row order; tokens, then segmented, in place
    order = order[keep[order]]
    return words.take(pa.array(order)), row_post[key[order] // 2], int(change.sum())


def train_vectors(corpus: CorpusFile, config: EmbedConfig):
    """Train gensim on the corpus file; returns KeyedVectors with the ``idf`` attribute set."""
    from gensim.models import FastText, Word2Vec

    cls = Word2Vec if config.model == "word2vec" else FastText
    model = cls(corpus_file=str(corpus.path), vector_size=config.vector_size, window=config.window,
                epochs=config.epochs, min_count=config.min_count, sg=config.sg, workers=config.workers,
                seed=config.seed, hashfxn=stable_hash)
    kv = model.wv
    if len(kv.index_to_key) == 0:
        raise EmbedError(f"no word reaches embed.min_count={config.min_count}: the corpus is too small")
    n = corpus.posts
    idf = np.array([math.log((1 + n) / (1 + corpus.document_frequency.get(w, 0))) + 1.0
                    for w in kv.index_to_key], dtype=np.float32)
    kv.allocate_vecattrs(attrs=[IDF_ATTR], types=[np.float32])
    kv.expandos[IDF_ATTR][:] = idf
    return kv


def load_wordsim(path: str | Path) -> list[tuple[str, str, float]]:
    """word1<TAB>word2<TAB>score (0-10) rows; a header line starting with 'word1' is skipped."""
    path = Path(path)
    if not path.exists():
        raise EmbedError(f"{path}: not found")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EmbedError(f"{path}: not UTF-8 text (byte offset {exc.start}: {exc.reason})") from None
    except OSError as exc:
        raise EmbedError(f"{path}: cannot read: {exc.strerror or exc}") from None
    pairs: list[tuple[str, str, float]] = []
    with io.StringIO(text, newline="") as fh:
        for lineno, row in enumerate(csv.reader(fh, delimiter="\t"), start=1):
            if not row or row[0].startswith("#") or (lineno == 1 and row[0].strip().lower() == "word1"):
                continue
            if len(row) != 3:
                raise EmbedError(f"{path}:{lineno}: expected 3 tab-separated fields, got {len(row)}")
            try:
                score = float(row[2])
            except ValueError:
                raise EmbedError(f"{path}:{lineno}: score {row[2]!r} is not a number") from None
            if not 0.0 <= score <= 10.0:
                raise EmbedError(f"{path}:{lineno}: score {score} outside 0-10")
            pairs.append((row[0].strip().lower(), row[1].strip().lower(), score))
    return pairs


def wordsim_spearman(kv, pairs: list[tuple[str, str, float]], to_token: Callable[[str], str] = lambda w: w
                     ) -> dict:
    """Spearman correlation of cosine vs human score on the pairs whose (normalised) words both have
    vectors; ``coverage`` is the share of pairs evaluated. spearman is None below 3 pairs."""
    from scipy.stats import spearmanr

    gold, cos = [], []
    for a, b, score in pairs:
        ta, tb = to_token(a), to_token(b)
        if ta in kv.key_to_index and tb in kv.key_to_index:
            gold.append(score)
            cos.append(float(kv.similarity(ta, tb)))
    rho = None
    if len(gold) >= 3 and len(set(gold)) > 1 and len(set(cos)) > 1:
        rho = float(spearmanr(gold, cos).statistic)
    return {"spearman": rho, "wordsim_pairs": len(pairs), "wordsim_covered": len(gold),
            "wordsim_coverage": round(len(gold) / len(pairs), 4) if pairs else 0.0}


def train_embeddings(tokens_path: str | Path, out_path: str | Path, config: EmbedConfig = EmbedConfig(),
                     wordsim_path: str | Path | None = None, progress: bool = True) -> dict:
    """tokens.parquet -> ``out_path`` (vectors.npz, see fashion.text.vectors); returns metrics/embed.json."""
    from fashion.text.lexicon import Lexicon

    pairs = load_wordsim(wordsim_path) if wordsim_path is not None else None  # bad file: fail before training
    out_path = Path(out_path)
    if out_path.is_dir():
        raise EmbedError(f"{out_path}: is a folder; give the vectors file to write (e.g. {out_path / 'vectors.npz'})")
    check_tokens(tokens_path)  # missing or damaged (any part): one error before any progress bar
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_path.parent, prefix=".corpus-") as tmp:
        corpus = write_corpus_file(tokens_path, Path(tmp) / "corpus.txt", progress=progress)
        if corpus.tokens == 0:
            raise EmbedError(f"{tokens_path}: no tokens to train on")
        started = time.perf_counter()
        kv = train_vectors(corpus, config)
        seconds = time.perf_counter() - started
    WordVectors.from_keyed_vectors(kv, config.model).save(out_path)
    metrics = {"model": config.model, "corpus_posts": corpus.posts, "corpus_tokens": corpus.tokens,
               "vocabulary": len(kv.index_to_key), "train_seconds": round(seconds, 3),
               "vector_size": config.vector_size, "epochs": config.epochs, "workers": config.workers}
    if pairs is not None:
        lexicon = Lexicon()
        metrics.update(wordsim_spearman(kv, pairs, lambda w: lexicon.lemma(w, "en")))
    else:
        metrics["spearman"] = None
    return metrics
