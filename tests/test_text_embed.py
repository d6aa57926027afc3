"""Embedding training (determinism, idf, word similarity) and evaluation metrics."""
from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fashion.text.corpus import TOKENS_SCHEMA
from fashion.text.embed import EmbedConfig, EmbedError, load_vectors, load_wordsim, train_embeddings, wordsim_spearman
from fashion.text.vectors import VectorsError
from fashion.text.evaluate import evaluate, load_truth

SENTENCES = [
    ["wool", "coat", "winter", "warm", "scarf"], ["leather", "jacket", "black", "boots"],
    ["silk", "dress", "summer", "sandals"], ["wool", "scarf", "winter", "coat", "cosy"],
    ["denim", "jeans", "white", "sneakers"], ["silk", "blouse", "office", "heels"],
]


def write_tokens(path, n_posts=60, seed=0):
    rng = np.random.default_rng(seed)
    rows = {name: [] for name in TOKENS_SCHEMA.names}
    for p in range(n_posts):
        words = list(SENTENCES[p % len(SENTENCES)])
        rng.shuffle(words)
        for field, toks, seg in (("caption", words[:3], words[3:]), ("comment", words[1:], [])):
            rows["post_id"].append(f"p{p}")
            rows["field"].append(field)
            rows["text_id"].append(f"p{p}/{field}")
            rows["lang"].append("en")
            rows["tokens"].append(toks)
            rows["hashtags"].append([])
            rows["segmented"].append(seg)
            rows["emojis"].append([])
            rows["handles"].append([])
            rows["cues"].append([])
    pq.write_table(pa.table(rows, schema=TOKENS_SCHEMA), path)


def test_word2vec_is_deterministic_with_one_worker(tmp_path):
    write_tokens(tmp_path / "tokens.parquet")
    config = EmbedConfig(vector_size=16, epochs=3, min_count=1, workers=1, seed=11)
    m1 = train_embeddings(tmp_path / "tokens.parquet", tmp_path / "a.npz", config, progress=False)
    m2 = train_embeddings(tmp_path / "tokens.parquet", tmp_path / "b.npz", config, progress=False)
    a, b = load_vectors(tmp_path / "a.npz"), load_vectors(tmp_path / "b.npz")
    assert a.index_to_key == b.index_to_key
    assert np.array_equal(a.vectors, b.vectors)
    # byte for byte (DVC hashes files): no save time or temp path in the archive
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.npz", "b.npz", "tokens.parquet"]  # no side files
    # per post: caption tokens + segmented = the sentence, comment = the sentence less one word
    assert m1["corpus_tokens"] == m2["corpus_tokens"] == sum(2 * len(SENTENCES[p % 6]) - 1 for p in range(60))
    vocabulary = len({w for s in SENTENCES for w in s})
    assert m1["vocabulary"] == vocabulary and m1["model"] == "word2vec"
    other = train_embeddings(tmp_path / "tokens.parquet", tmp_path / "c.npz",
                             EmbedConfig(vector_size=16, epochs=3, min_count=1, workers=1, seed=12), progress=False)
    assert other["vocabulary"] == vocabulary and not np.array_equal(load_vectors(tmp_path / "c.npz").vectors, a.vectors)


def test_idf_attribute_counts_posts(tmp_path):
    write_tokens(tmp_path / "tokens.parquet")
    train_embeddings(tmp_path / "tokens.parquet", tmp_path / "v.npz",
                     EmbedConfig(vector_size=8, epochs=1, min_count=1), progress=False)
    kv = load_vectors(tmp_path / "v.npz")
    # "wool" is in sentences 0 and 3: 20 of 60 posts; "denim" in 10
    assert kv.get_vecattr("wool", "idf") == pytest.approx(math.log(61 / 21) + 1, rel=1e-6)
    assert kv.get_vecattr("denim", "idf") == pytest.approx(math.log(61 / 11) + 1, rel=1e-6)


def test_fasttext_and_wordsim(tmp_path):
    write_tokens(tmp_path / "tokens.parquet")
    (tmp_path / "sim.tsv").write_text("word1\tword2\tscore\nwool\tscarf\t8\ndresses\tsummer\t6\n"
                                      "silk\tjeans\t1\nunknownword\tcoat\t5\n", encoding="utf-8")
    m = train_embeddings(tmp_path / "tokens.parquet", tmp_path / "f.npz",
                         EmbedConfig(model="fasttext", vector_size=8, epochs=2, min_count=1),
                         wordsim_path=tmp_path / "sim.tsv", progress=False)
    assert m["model"] == "fasttext"
    assert m["wordsim_pairs"] == 4 and m["wordsim_covered"] == 3  # "dresses" is lemmatised to "dress"
    assert m["spearman"] is not None and -1.0 <= m["spearman"] <= 1.0


def test_spearman_on_known_vectors():
    from gensim.models import KeyedVectors

    kv = KeyedVectors(2)
    kv.add_vectors(["a", "b", "c", "d"], np.array([[1, 0], [1, 0.1], [0, 1], [1, 1]], dtype=np.float32))
    pairs = [("a", "b", 9.0), ("a", "d", 5.0), ("a", "c", 0.5), ("a", "zzz", 3.0)]
    out = wordsim_spearman(kv, pairs)
    assert out["spearman"] == pytest.approx(1.0) and out["wordsim_coverage"] == 0.75


def test_wordsim_file_errors(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("word1\tword2\tscore\nwool\tcoat\n", encoding="utf-8")
    with pytest.raises(EmbedError, match=r"bad\.tsv:2: expected 3"):
        load_wordsim(bad)
    bad.write_text("wool\tcoat\t11\n", encoding="utf-8")
    with pytest.raises(EmbedError, match="outside 0-10"):
        load_wordsim(bad)
    bad.write_bytes("wool\tcoat\t5\nlaine\tmanteau\t6\n".encode("utf-8") + "pull\tjersey\t7\n".encode("latin-1")
                    + "fauteuil\tchaussé\t1\n".encode("latin-1"))
    with pytest.raises(EmbedError, match=r"bad\.tsv: not UTF-8 text \(byte offset 57: invalid continuation byte"):
        load_wordsim(bad)


def test_a_bad_wordsim_file_fails_before_training(tmp_path):
    write_tokens(tmp_path / "tokens.parquet")
    (tmp_path / "sim.tsv").write_bytes(b"wool\tcoat\t\xff\n")
    with pytest.raises(EmbedError, match=r"sim\.tsv: not UTF-8"):
        train_embeddings(tmp_path / "tokens.parquet", tmp_path / "v.npz", EmbedConfig(vector_size=8, epochs=1, min_count=1),
                         wordsim_path=tmp_path / "sim.tsv", progress=False)
    assert not (tmp_path / "v.npz").exists()


def test_project_wordsim_set_is_valid():
    pairs = load_wordsim("ontology/fashion_wordsim.tsv")
    assert 100 <= len(pairs) <= 150
    assert len({(a, b) for a, b, _ in pairs}) == len(pairs)


def test_missing_inputs_are_named(tmp_path):
    with pytest.raises(ValueError, match="normalize stage"):
        train_embeddings(tmp_path / "none.parquet", tmp_path / "v.npz", progress=False)
    with pytest.raises(VectorsError, match="embed stage"):
        load_vectors(tmp_path / "v.npz")
    (tmp_path / "out").mkdir()
    with pytest.raises(EmbedError, match="is a folder"):
        train_embeddings(tmp_path / "none.parquet", tmp_path / "out", progress=False)
    with pytest.raises(EmbedError, match="embed.model"):
        EmbedConfig(model="glove")


# -- evaluation ----------------------------------------------------------------------------------
def test_evaluation_hand_computed(tmp_path):
    pq.write_table(pa.table({
        "post_id": ["a", "a", "b", "c"], "item": pa.array([0, 1, 0, 0], pa.int32()),
        "category": ["coats", "shoes", "dresses", "bags"], "subcategory": [None, "heels", None, None],
        "brand": [None, None, None, None], "styles": [["classic"], ["classic"], [], []],
        "material": [["wool"], [], ["silk"], []]}), tmp_path / "truth.parquet")
    truth = load_truth(tmp_path / "truth.parquet", ["categories", "subcategories", "material", "styles", "brands"])
    assert truth["a"]["categories"] == {"coats", "shoes"}  # union of the post's items
    predictions = {"a": {"categories": ["coats", "jackets", "shoes"], "material": ["cotton"]},
                   "b": {"categories": ["coats"], "material": ["silk", "wool"]}}
    m = evaluate(predictions, truth, 2, ["categories", "subcategories", "material", "styles", "brands"])
    # categories: a top-2 = coats, jackets -> P@1 1, P@2 1/2, R@2 1/2; b: P@1 0, P 0, R 0; c: no prediction, R 0
    truth_only = {k: m["categories"][k] for k in ("posts", "predicted_posts", "precision@1", "precision@k",
                                                  "recall@k", "f1@k")}
    assert truth_only == {"posts": 3, "predicted_posts": 2, "precision@1": 0.5, "precision@k": 0.25,
                          "recall@k": round(0.5 / 3, 4), "f1@k": round(2 * 0.25 * (0.5 / 3) / (0.25 + 0.5 / 3), 4)}
    # honest: tp coats (a); fp jackets (a), coats (b); fn shoes (a), dresses (b), bags (c)
    assert m["categories"]["micro_precision@k"] == round(1 / 3, 4) and m["categories"]["micro_recall@k"] == 0.25
    assert m["material"]["precision@1"] == 0.5 and m["material"]["recall@k"] == 0.5
    assert m["subcategories"]["posts"] == 1 and m["subcategories"]["recall@k"] == 0.0
    assert "brands" not in m  # no post has a brand
