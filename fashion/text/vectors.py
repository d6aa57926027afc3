"""Word vectors on disk without pickle: ``vectors.npz``, one uncompressed zip archive of

* ``meta.json``      {"format": "fashion-word-vectors", "version": 1, "model", "words", "vector_size",
                     and for fasttext "min_n", "max_n", "bucket"} (UTF-8 JSON)
* ``vocab.json``     the words, in gensim's index order (most frequent first; UTF-8 JSON list)
* ``vectors.npy``    [words, vector_size] float32: the trained word vectors
* ``idf.npy``        [words] float32: ln((1 + N) / (1 + df)) + 1 over the N corpus posts
* ``count.npy``      [words] int64: corpus frequency (gensim's ``count``)
* ``vectors_ngrams.npy``  fasttext only, [bucket, vector_size] float32: character n-gram buckets

gensim's native ``.kv`` is a pickle, so loading a file someone hands you could run code. Here every
array is read with ``allow_pickle=False`` and the rest is JSON, so ``np.load(path, allow_pickle=False)``
also opens the arrays. One archive rather than loose files so a write replaces all parts at once
(fashion.io.atomic_path); fixed member order and timestamps keep the bytes reproducible for DVC.

``WordVectors`` offers what the rank step uses of gensim's KeyedVectors (``index_to_key``,
``key_to_index``, ``vectors``, ``vector_size``, ``expandos``, ``get_vector``, ``get_vecattr``)
without importing gensim; for fasttext ``get_vector`` of an unknown word averages its n-gram
buckets exactly as gensim 4's FastTextKeyedVectors does (same hashes, same float32 sums).
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Sequence

import numpy as np

FORMAT = "fashion-word-vectors"
VERSION = 1
MODELS = ("word2vec", "fasttext")
_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest zip timestamp: no build time in the bytes
_PICKLE_PROTOCOLS = {bytes([0x80, p]) for p in range(2, 6)}
_EMBED_HINT = "the embed stage writes them (`python -m stages.embed`, `dvc repro embed` or `fashion embed`)"


class VectorsError(ValueError):
    """A word-vectors file is missing, damaged or not ours; the message names it and the reason."""


class WordVectors:
    """Vocabulary, vectors and per-word attributes of one trained model (see module doc)."""

    def __init__(self, words: Sequence[str], vectors: np.ndarray, idf: np.ndarray, count: np.ndarray,
                 model: str = "word2vec", min_n: int = 0, max_n: int = 0, vectors_ngrams: np.ndarray | None = None):
        self.model = model
        self.index_to_key = list(words)
        self.key_to_index = {w: i for i, w in enumerate(self.index_to_key)}
        self.vectors = vectors
        self.vector_size = int(vectors.shape[1])
        self.expandos = {"idf": idf, "count": count}
        self.min_n, self.max_n = int(min_n), int(max_n)
        self.vectors_ngrams = vectors_ngrams
        self.bucket = 0 if vectors_ngrams is None else int(vectors_ngrams.shape[0])

    @property
    def subwords(self) -> bool:
        """Whether unknown words get vectors from character n-grams (fasttext)."""
        return self.model == "fasttext" and self.bucket > 0

    @classmethod
    def from_keyed_vectors(cls, kv, model: str) -> "WordVectors":
        """The arrays of a trained gensim KeyedVectors (shared, not copied); ``idf`` must be set."""
        count = kv.expandos.get("count")
        count = np.zeros(len(kv.index_to_key), np.int64) if count is None else np.asarray(count, np.int64)
        if model == "fasttext":
            return cls(kv.index_to_key, kv.vectors, kv.expandos["idf"], count, model,
                       kv.min_n, kv.max_n, kv.vectors_ngrams)
        return cls(kv.index_to_key, kv.vectors, kv.expandos["idf"], count, model)

    def get_vecattr(self, word: str, attr: str):
        return self.expandos[attr][self.key_to_index[word]]

    def get_vector(self, word: str) -> np.ndarray:
        """The word's vector; fasttext: the mean of its n-gram buckets for an unknown word (zeros
        when it has none), gensim's FastTextKeyedVectors.get_vector step by step."""
        index = self.key_to_index.get(word)
        if index is not None:
            return self.vectors[index]
        if not self.subwords:
            raise KeyError(f"word {word!r} not in vocabulary")
        out = np.zeros(self.vectors_ngrams.shape[1], dtype=np.float32)
        hashes = ngram_hashes(word, self.min_n, self.max_n, self.bucket)
        if not hashes:
            return out
        for h in hashes:  # one float32 add per n-gram, in gensim's order: the same bits
            out += self.vectors_ngrams[h]
        return out / len(hashes)

    # -- writing ----------------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        """Write the archive atomically (a reader sees the old file or the new one, never a mix)."""
        from fashion.io import atomic_path

        meta = {"format": FORMAT, "version": VERSION, "model": self.model, "words": len(self.index_to_key),
                "vector_size": self.vector_size}
        if self.model == "fasttext":
            meta.update(min_n=self.min_n, max_n=self.max_n, bucket=self.bucket)
        arrays = [("vectors.npy", np.asarray(self.vectors, np.float32)),
                  ("idf.npy", np.asarray(self.expandos["idf"], np.float32)),
                  ("count.npy", np.asarray(self.expandos["count"], np.int64))]
        if self.model == "fasttext":
            arrays.append(("vectors_ngrams.npy", np.asarray(self.vectors_ngrams, np.float32)))
        with atomic_path(path, suffix=".npz") as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as zf:
            _write_member(zf, "meta.json", json.dumps(meta, sort_keys=True).encode("utf-8"))
            _write_member(zf, "vocab.json", json.dumps(self.index_to_key, ensure_ascii=False).encode("utf-8"))
            for name, array in arrays:
                info = zipfile.ZipInfo(name, _DATE)
                info.external_attr = 0o644 << 16
                with zf.open(info, "w", force_zip64=array.nbytes > 1 << 30) as fh:
                    np.lib.format.write_array(fh, np.ascontiguousarray(array), version=(1, 0), allow_pickle=False)


def _write_member(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, _DATE)
    info.external_attr = 0o644 << 16
    zf.writestr(info, data)


# -- reading --------------------------------------------------------------------------------------
def load_vectors(path: str | Path) -> WordVectors:
    """Read and check a ``vectors.npz``; any problem is one VectorsError naming the file."""
    path = Path(path)
    if not path.exists():
        raise VectorsError(f"{path}: vectors not found; {_EMBED_HINT}")
    if path.is_dir():
        raise VectorsError(f"{path}: is a folder, not a word-vectors file")
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
        if not head:
            raise VectorsError(f"{path}: empty file (0 bytes), not a word-vectors file")
        if head[:2] in _PICKLE_PROTOCOLS:
            raise VectorsError(f"{path}: a Python pickle (gensim's old .kv format?), refused: unpickling can "
                               f"run code; rerun the embed stage to write vectors.npz")
        try:
            zf = zipfile.ZipFile(path)
        except zipfile.BadZipFile:
            if head == b"PK\x03\x04":
                raise VectorsError(f"{path}: cut short or damaged (its zip directory is missing)") from None
            raise VectorsError(f"{path}: not a word-vectors file (no zip archive)") from None
        with zf:
            return _read(path, zf)
    except OSError as exc:
        raise VectorsError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _read(path: Path, zf: zipfile.ZipFile) -> WordVectors:
    names = set(zf.namelist())
    for name in ("meta.json", "vocab.json", "vectors.npy", "idf.npy", "count.npy"):
        if name not in names:
            raise VectorsError(f"{path}: not a word-vectors file (no {name} inside)")
    meta = _json(path, zf, "meta.json")
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise VectorsError(f"{path}: meta.json: not a {FORMAT} file")
    if meta.get("version") != VERSION:
        raise VectorsError(f"{path}: format version {meta.get('version')!r}, this code reads version {VERSION}")
    model = meta.get("model")
    if model not in MODELS:
        raise VectorsError(f"{path}: meta.json: model {model!r} is not one of {', '.join(MODELS)}")
    words = _json(path, zf, "vocab.json")
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise VectorsError(f"{path}: vocab.json: not a list of words")
    if len(set(words)) != len(words):
        raise VectorsError(f"{path}: vocab.json: a word is listed twice")
    n = len(words)
    vectors = _array(path, zf, "vectors.npy", np.float32, 2)
    if vectors.shape[0] != n or n == 0:
        raise VectorsError(f"{path}: vectors.npy has {vectors.shape[0]} rows for {n} words")
    idf = _array(path, zf, "idf.npy", np.float32, 1)
    count = _array(path, zf, "count.npy", np.int64, 1)
    for name, array in (("idf.npy", idf), ("count.npy", count)):
        if len(array) != n:
            raise VectorsError(f"{path}: {name} has {len(array)} values for {n} words")
    if model == "word2vec":
        return WordVectors(words, vectors, idf, count, model)
    if "vectors_ngrams.npy" not in names:
        raise VectorsError(f"{path}: fasttext vectors without vectors_ngrams.npy")
    settings = {k: meta.get(k) for k in ("min_n", "max_n", "bucket")}
    if not all(isinstance(v, int) and v >= 0 for v in settings.values()) or settings["min_n"] > settings["max_n"]:
        raise VectorsError(f"{path}: meta.json: fasttext settings {settings} are not 0 <= min_n <= max_n, bucket >= 0")
    ngrams = _mapped_array(path, zf, "vectors_ngrams.npy", np.float32, 2)
    if ngrams.shape != (settings["bucket"], vectors.shape[1]):
        raise VectorsError(f"{path}: vectors_ngrams.npy is {ngrams.shape}, meta.json says "
                           f"({settings['bucket']}, {vectors.shape[1]})")
    return WordVectors(words, vectors, idf, count, model, settings["min_n"], settings["max_n"], ngrams)


def _member(path: Path, zf: zipfile.ZipFile, name: str):
    info = zf.getinfo(name)
    if info.compress_type != zipfile.ZIP_STORED:  # the embed stage never compresses: no zip bombs
        raise VectorsError(f"{path}: {name} is compressed, not written by the embed stage")
    return zf.open(info)


def _json(path: Path, zf: zipfile.ZipFile, name: str):
    try:
        with _member(path, zf, name) as fh:
            return json.loads(fh.read().decode("utf-8"))
    except (zipfile.BadZipFile, EOFError) as exc:
        raise VectorsError(f"{path}: {name}: damaged ({exc})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise VectorsError(f"{path}: {name}: not UTF-8 JSON ({exc})") from None


def _array(path: Path, zf: zipfile.ZipFile, name: str, dtype, ndim: int) -> np.ndarray:
    try:
        with _member(path, zf, name) as fh:
            array = np.lib.format.read_array(fh, allow_pickle=False)
            if fh.read(1):
                raise ValueError("bytes after the array")
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:  # CRC mismatch, cut short, bad header
        raise VectorsError(f"{path}: {name}: damaged ({exc})") from None
    if array.dtype != np.dtype(dtype) or array.ndim != ndim:
        raise VectorsError(f"{path}: {name}: expected {ndim}-D {np.dtype(dtype)}, got {array.ndim}-D {array.dtype}")
    return array


def _mapped_array(path: Path, zf: zipfile.ZipFile, name: str, dtype, ndim: int) -> np.ndarray:
    """A stored member memory-mapped read-only: fasttext's n-gram buckets are GBs (2M x dim float32)
    of which a post touches a few rows. Bounds and header are checked; its CRC is not (that would
    read it all)."""
    info = zf.getinfo(name)
    if info.compress_type != zipfile.ZIP_STORED:
        raise VectorsError(f"{path}: {name} is compressed, not written by the embed stage")
    try:
        with open(path, "rb") as fh:
            fh.seek(info.header_offset)
            local = fh.read(30)
            if len(local) != 30 or local[:4] != b"PK\x03\x04":
                raise ValueError("no local zip header")
            start = info.header_offset + 30 + int.from_bytes(local[26:28], "little") + int.from_bytes(local[28:30], "little")
            fh.seek(start)
            version = np.lib.format.read_magic(fh)
            read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                           (2, 0): np.lib.format.read_array_header_2_0}.get(version)
            if read_header is None:
                raise ValueError(f".npy format version {version} not supported")
            shape, fortran, found = read_header(fh)
            offset = fh.tell()
    except (ValueError, EOFError) as exc:
        raise VectorsError(f"{path}: {name}: damaged ({exc})") from None
    if found != np.dtype(dtype) or len(shape) != ndim or fortran:
        raise VectorsError(f"{path}: {name}: expected {ndim}-D C-order {np.dtype(dtype)}, got {len(shape)}-D {found}")
    nbytes = int(np.prod(shape, dtype=np.int64)) * found.itemsize
    if offset - start + nbytes != info.file_size or offset + nbytes > path.stat().st_size:
        raise VectorsError(f"{path}: {name}: damaged (its size does not match its shape {shape})")
    if nbytes == 0:
        return np.zeros(shape, dtype=found)
    return np.memmap(path, dtype=found, mode="r", offset=offset, shape=shape)


# -- fasttext n-gram hashing ----------------------------------------------------------------------
def _ft_hash(data: bytes) -> int:
    """fastText's FNV-1a variant (gensim ``ft_hash_bytes``): bytes taken as signed chars."""
    h = 2166136261
    for b in data:
        h = ((h ^ ((b - 256 if b > 127 else b) & 0xFFFFFFFF)) * 16777619) & 0xFFFFFFFF
    return h


def ngram_hashes(word: str, min_n: int, max_n: int, bucket: int) -> list[int]:
    """Bucket of every character n-gram of "<word>" (gensim ``ft_ngram_hashes``: n counts UTF-8
    characters, the bare "<" and ">" are not n-grams)."""
    raw = f"<{word}>".encode("utf-8")
    size = len(raw)
    out: list[int] = []
    for i in range(size):
        if raw[i] & 0xC0 == 0x80:  # continuation byte: no n-gram starts inside a character
            continue
        j, n = i, 1
        while j < size and n <= max_n:
            j += 1
            while j < size and raw[j] & 0xC0 == 0x80:
                j += 1
            if n >= min_n and not (n == 1 and (i == 0 or j == size)):
                out.append(_ft_hash(raw[i:j]) % bucket)
            n += 1
    return out
