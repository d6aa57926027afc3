"""vectors.npz (fashion.text.vectors): exact round trip of trained vectors, rank parity with gensim's
in-memory KeyedVectors, fastText n-gram hashing, and one clear error per kind of damaged file."""
from __future__ import annotations

import io
import json
import pickle
import zipfile

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fashion.text.corpus import TOKENS_SCHEMA
from fashion.text.embed import EmbedConfig, train_vectors, write_corpus_file
from fashion.text.lexicon import Lexicon
from fashion.text.posts import PostText
from fashion.text.rank import Embedding, RankConfig, Ranker
from fashion.text.terms import TermSpace
from fashion.text.vectors import VectorsError, WordVectors, load_vectors, ngram_hashes

SENTENCES = [
    ["wool", "coat", "winter", "warm", "scarf"], ["leather", "jacket", "black", "boots"],
    ["silk", "dress", "summer", "sandals"], ["wool", "scarf", "winter", "coat", "cosy"],
    ["denim", "jeans", "white", "sneakers"], ["silk", "blouse", "office", "heels"], ["klänning", "röd", "fin"],
]
ONTOLOGY_FACETS = {
    "categories": {"coats": ("coat", "parka"), "dresses": ("dress", "gown"), "shoes": ("sneakers", "boots")},
    "material": {"wool": ("wool",), "silk": ("silk",), "leather": ("leather",)},
}
# in and out of the vocabulary, phrases, misspellings, non-Latin scripts, emoji
POSTS = [PostText("a", [("caption", ["wool", "coat", "cosy"], ["winter", "coat"], []), ("comment", ["woool"], [], [])]),
         PostText("b", [("caption", ["silk", "gown", "red"], [], []), ("hashtags", [], ["summer", "dress"], [])]),
         PostText("c", [("caption", ["leathr", "sneakerz", "платье", "红色"], [], ["zara"])]),
         PostText("d", [("comment", ["klänning", "👗"], [], [])])]


class Ontology:
    """What TermSpace.build reads of fashion.ontology.Ontology, for two small facets."""
    concepts: dict = {}

    def facets(self):
        return list(ONTOLOGY_FACETS)

    def facet_terms(self, facet):
        return ONTOLOGY_FACETS[facet]


@pytest.fixture(scope="module", params=["word2vec", "fasttext"])
def trained(request, tmp_path_factory):
    """(in-memory gensim KeyedVectors, model name, saved vectors.npz) for each model."""
    d = tmp_path_factory.mktemp(f"vectors_{request.param}")
    rows = {name: [] for name in TOKENS_SCHEMA.names}
    for p in range(42):
        words = SENTENCES[p % len(SENTENCES)]
        for name, value in (("post_id", f"p{p}"), ("field", "caption"), ("text_id", f"p{p}/caption"), ("lang", "en"),
                            ("tokens", words[:3]), ("hashtags", []), ("segmented", words[3:]), ("emojis", []),
                            ("handles", []), ("cues", [])):
            rows[name].append(value)
    pq.write_table(pa.table(rows, schema=TOKENS_SCHEMA), d / "tokens.parquet")
    corpus = write_corpus_file(d / "tokens.parquet", d / "corpus.txt")
    kv = train_vectors(corpus, EmbedConfig(model=request.param, vector_size=8, epochs=2, min_count=1))
    WordVectors.from_keyed_vectors(kv, request.param).save(d / "vectors.npz")
    return kv, request.param, d / "vectors.npz"


def test_round_trip_is_exact(trained):
    kv, model, path = trained
    wv = load_vectors(path)
    assert wv.model == model and wv.index_to_key == kv.index_to_key
    for mine, theirs in ((wv.vectors, kv.vectors), (wv.expandos["idf"], kv.expandos["idf"]),
                         (wv.expandos["count"], kv.expandos["count"])):
        assert mine.dtype == theirs.dtype and np.array_equal(mine, theirs)
    assert wv.get_vecattr("wool", "idf") == kv.get_vecattr("wool", "idf")
    if model == "fasttext":
        assert (wv.min_n, wv.max_n, wv.bucket) == (kv.min_n, kv.max_n, kv.bucket)
        assert np.array_equal(wv.vectors_ngrams, kv.vectors_ngrams)
        for word in ("wool", "woool", "платье", "红色连衣裙", "👗", "a", ""):
            assert np.array_equal(wv.get_vector(word), kv.get_vector(word)), word
    else:
        with pytest.raises(KeyError):
            wv.get_vector("woool")
    # plain NumPy opens the arrays without pickle
    with np.load(path, allow_pickle=False) as npz:
        assert np.array_equal(npz["vectors"], kv.vectors)


def test_same_vectors_same_bytes(trained, tmp_path):
    kv, model, path = trained
    WordVectors.from_keyed_vectors(kv, model).save(tmp_path / "again.npz")
    assert (tmp_path / "again.npz").read_bytes() == path.read_bytes()  # DVC hashes the file


@pytest.mark.parametrize("formula", ["multiplicative", "linear"])
def test_rank_through_the_file_equals_rank_in_memory(trained, formula):
    kv, _, path = trained
    config = RankConfig(formula=formula, min_cosine=0.3)

    def scores(vectors):
        terms = TermSpace.build(Ontology(), Lexicon())
        return Ranker(terms, config, Embedding(vectors, config.remove_components)).score(POSTS)

    in_memory, from_file = scores(kv), scores(load_vectors(path))
    assert np.array_equal(in_memory, from_file)
    assert (in_memory > 0).any()


def test_ngram_hashes_match_gensim():
    from gensim.models.fasttext import ft_ngram_hashes

    for word in ("wool", "klänning", "платье", "红色连衣裙", "👗🏽", "a", "", "x" * 40, "e\u0301"):
        for min_n, max_n in ((3, 6), (1, 2), (2, 9)):
            assert ngram_hashes(word, min_n, max_n, 2_000_000) == ft_ngram_hashes(word, min_n, max_n, 2_000_000)


def test_save_replaces_the_file_atomically(trained, tmp_path, monkeypatch):
    kv, model, path = trained
    target = tmp_path / "v.npz"
    target.write_bytes(path.read_bytes())
    monkeypatch.setattr(np.lib.format, "write_array", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError, match="disk full"):
        WordVectors.from_keyed_vectors(kv, model).save(target)
    assert target.read_bytes() == path.read_bytes()       # the old file is untouched
    assert [p.name for p in tmp_path.iterdir()] == ["v.npz"]  # no temp file left behind


# -- damaged files --------------------------------------------------------------------------------
def _flip_vector_byte(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo("vectors.npy")
    local = info.header_offset + 30 + len(info.filename) + len(info.extra)
    at = local + info.file_size - 1  # the last byte of the last vector
    return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:]


DAMAGES = {
    "random bytes": (lambda p, good: p.write_bytes(np.random.default_rng(0).bytes(4096)), "not a word-vectors file"),
    "truncated": (lambda p, good: p.write_bytes(good[: len(good) // 2]), "cut short or damaged"),
    "empty": (lambda p, good: p.write_bytes(b""), "empty file"),
    "folder": (lambda p, good: p.mkdir(), "is a folder"),
    "missing": (lambda p, good: None, "vectors not found; the embed stage"),
    "pickle": (lambda p, good: p.write_bytes(pickle.dumps({"vectors": 1}, protocol=4)), "pickle .* refused"),
    "bad checksum": (lambda p, good: p.write_bytes(_flip_vector_byte(good)), r"vectors\.npy: damaged .*CRC"),
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_damaged_file_is_one_clear_error(trained, tmp_path, damage):
    _, _, good = trained
    make, reason = DAMAGES[damage]
    target = tmp_path / "vectors.npz"
    make(target, good.read_bytes())
    with pytest.raises(VectorsError, match=reason) as info:
        load_vectors(target)
    message = str(info.value)
    assert message.startswith(str(target) + ": ") and "\n" not in message


def test_a_foreign_zip_or_bad_shapes_are_named(trained, tmp_path):
    _, _, good = trained
    with zipfile.ZipFile(tmp_path / "other.npz", "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(VectorsError, match="no meta.json inside"):
        load_vectors(tmp_path / "other.npz")
    # vocabulary one word short of the vectors
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(tmp_path / "short.npz", "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "vocab.json":
                data = json.dumps(json.loads(data)[1:]).encode("utf-8")
            dst.writestr(name, data)
    with pytest.raises(VectorsError, match=r"vectors\.npy has \d+ rows for \d+ words"):
        load_vectors(tmp_path / "short.npz")
