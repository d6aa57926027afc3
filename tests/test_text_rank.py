"""Ranking formulas on hand-computed examples, vectorised scores vs a naive per-pair loop, Levenshtein."""
from __future__ import annotations

import random

import numpy as np
import pyarrow as pa
import pytest
from gensim.models import KeyedVectors

from fashion.ontology import load_ontology
from fashion.text.levenshtein import close_pairs, distances
from fashion.text.lexicon import Lexicon, is_dictionary_word
from fashion.text.posts import PostText
from fashion.text.rank import (BASELINE, Embedding, Occurrences, RankConfig, Ranker, post_occurrences, top_k)
from fashion.text.terms import TermSpace, keyword_form


class TinyOntology:
    """The three methods TermSpace.build reads, over a hand-written vocabulary."""

    def __init__(self, facets: dict[str, dict[str, tuple[str, ...]]], concepts: dict[str, dict[str, float]]):
        self._facets = facets
        self.concepts = concepts

    def facets(self):
        return list(self._facets)

    def facet_terms(self, facet):
        return self._facets[facet]


ONTOLOGY = TinyOntology(
    {"categories": {"coats": ("coat",), "jackets": ("jacket",), "dresses": ("dress",)},
     "material": {"wool": ("wool",)},
     "brands": {"zara": ("zara",)}},
    {"wool": {"material": 0.9}, "zara": {"brand": 0.8}, "coat": {"item": 0.5}})


def tiny_vectors(words: dict[str, tuple[float, ...]], idf: dict[str, float]) -> KeyedVectors:
    kv = KeyedVectors(len(next(iter(words.values()))))
    kv.add_vectors(list(words), np.array(list(words.values()), dtype=np.float32))
    kv.allocate_vecattrs(attrs=["idf"], types=[np.float32])
    kv.expandos["idf"][:] = [idf[w] for w in kv.index_to_key]
    return kv


@pytest.fixture(scope="module")
def kv():
    return tiny_vectors({"coat": (1, 0, 0), "jacket": (0.8, 0.6, 0), "wool": (0, 1, 0), "dress": (0, 0, 1)},
                        {"coat": 1.5, "jacket": 2.0, "wool": 1.0, "dress": 1.0})


# The hand-computed expectations follow the authors' formula: tf-idf weighting, no quantile floor
# (params.yaml, and so RankConfig's defaults, choose term_weighting none and a 0.999 floor).
AUTHORS = {"term_weighting": "tfidf", "min_cosine_quantile": 0.0}


def ranker(kv, formula="multiplicative", **kw):
    terms = TermSpace.build(ONTOLOGY, Lexicon())
    return Ranker(terms, RankConfig(formula=formula, **{**AUTHORS, **kw}), Embedding(kv) if formula != BASELINE else None)


POST = PostText("p", [("caption", ["coat", "jacket"], [], [])])


def labels(r: Ranker, post: PostText) -> dict:
    return top_k(r.score([post]), r.terms, 4)[0]


def test_multiplicative_hand_computed(kv):
    # tf 1/2 each; tfidf coat .75, jacket 1.0; caption weight 2; cos(coat, jacket) = .8, cos(jacket, wool) = .6
    out = labels(ranker(kv), POST)
    coats = 2 * 10 * 1 * 0.75 + 2 * 0.8 ** 2 * 1.0      # exact coat + jacket~coat = 16.28
    jackets = 2 * 10 * 1 * 1.0 + 2 * 0.8 ** 2 * 0.75    # exact jacket + coat~jacket = 20.96
    assert [t for t, _, _ in out["categories"]] == ["jackets", "coats"]  # dress: cosine 0, no signal
    assert out["categories"][0][1] == pytest.approx(jackets)
    assert out["categories"][1][1] == pytest.approx(coats)
    assert out["categories"][0][2] == pytest.approx(100 * jackets / (jackets + coats))
    assert out["material"] == [("wool", pytest.approx(2 * 0.6 ** 2 * 1.0 * (1 + 0.9)), pytest.approx(100.0))]
    assert "brands" not in out  # no signal -> no rows


def test_linear_hand_computed(kv):
    out = labels(ranker(kv, "linear"), POST)
    # a term scores max over tokens of w_f * (w_cos * cos + w_term * exact) + w_f * w_tfidf * tfidf / max tfidf
    coats = max(2 * (0.4 + 0.2) + 2 * 0.2 * 0.75, 2 * 0.4 * 0.8 + 2 * 0.2 * 1.0) + 0.2 * 0.5  # + w_concept * P(item)
    jackets = max(2 * (0.4 + 0.2) + 2 * 0.2 * 1.0, 2 * 0.4 * 0.8 + 2 * 0.2 * 0.75)
    wool = 2 * 0.4 * 0.6 + 2 * 0.2 * 1.0 + 0.2 * 0.9
    assert dict((t, s) for t, s, _ in out["categories"]) == {"coats": pytest.approx(coats),
                                                             "jackets": pytest.approx(jackets)}
    assert out["material"][0][1] == pytest.approx(wool)


@pytest.mark.parametrize("weighting,coats,jackets", [
    # caption weight 2, exact boost 10, cos(coat, jacket)^2 = .64; idf coat 1.5, jacket 2.0
    ("none", 2 * 10 + 2 * 0.64, 2 * 10 + 2 * 0.64),                          # no idf: a tie
    ("idf", 2 * 10 * 1.5 + 2 * 0.64 * 2.0, 2 * 10 * 2.0 + 2 * 0.64 * 1.5)])
def test_multiplicative_term_weighting(kv, weighting, coats, jackets):
    out = labels(ranker(kv, term_weighting=weighting), POST)
    assert dict((t, s) for t, s, _ in out["categories"]) == {"coats": pytest.approx(coats),
                                                             "jackets": pytest.approx(jackets)}
    assert out["material"][0][1] == pytest.approx(2 * 0.6 ** 2 * (2.0 if weighting == "idf" else 1.0) * (1 + 0.9))


def test_min_cosine_quantile_raises_the_threshold_to_random_pair_level(kv):
    # word-pair cosines: coat-jacket .8, jacket-wool .6, the other four 0 -> 0.9 quantile = .7
    r = ranker(kv, term_weighting="none", min_cosine_quantile=0.9)
    assert r.min_cosine == pytest.approx(0.7)
    out = labels(r, POST)
    assert "material" not in out  # jacket~wool (.6) no longer counts
    assert dict((t, s) for t, s, _ in out["categories"]) == {"coats": pytest.approx(21.28),
                                                             "jackets": pytest.approx(21.28)}
    assert ranker(kv, min_cosine=0.75, min_cosine_quantile=0.9).min_cosine == pytest.approx(0.75)


def test_min_relative_score_drops_weak_labels(kv):
    # coats 16.28 vs jackets 20.96: kept at 0.4 x best, dropped at 0.8 x best
    r = ranker(kv, min_relative_score=0.8)
    assert [t for t, _, _ in top_k(r.score([POST]), r.terms, 4, min_relative=0.8)[0]["categories"]] == ["jackets"]


def test_out_of_vocabulary_falls_back_to_edit_distance(kv):
    post = PostText("p", [("caption", ["zarra"], [], [])])
    out = labels(ranker(kv), post)
    # tf 1, idf of an unknown word = the highest idf (2.0); lev(zarra, zara) = 1; caption weight 2
    assert out == {"brands": [("zara", pytest.approx(2.0 / (1 + (2 * 1) ** 2) * (1 + 0.8)), pytest.approx(100.0))]}


FUZZY_ONTOLOGY = TinyOntology(
    {"categories": {"coats": ("coat",), "dresses": ("dress",)},
     "brands": {"lole": ("lole",), "bench": ("bench",), "kio": ("kio",), "lino": ("120% lino",),
                "adidas": ("adidas",), "gucci": ("gucci",), "balenciaga": ("balenciaga",)}}, {})


@pytest.mark.parametrize("tokens", [["love"], ["beach"], ["cat", "sofa"], ["ins", "kino"], ["kiso"]])
def test_words_are_not_taken_for_misspelt_terms(tokens):
    # love/beach have vectors, cat/kino/kiso none; brand terms none: every pair is 1 edit
    # (within max_edit_ratio), but a dictionary word or a short token is no misspelling
    vecs = tiny_vectors({"coat": (1, 0, 0), "dress": (0, 1, 0), "love": (0, 0, 1), "beach": (0.3, 0.3, 0.9)},
                        {"coat": 1.0, "dress": 1.0, "love": 1.0, "beach": 1.0})
    r = Ranker(TermSpace.build(FUZZY_ONTOLOGY, Lexicon()), RankConfig(**AUTHORS), Embedding(vecs))
    assert labels(r, PostText("p", [("caption", tokens, [], [])])) == {}
    # the paper's baseline stays plain edit distance
    assert "brands" in labels(Ranker(r.terms, RankConfig(**AUTHORS), None, formula=BASELINE),
                              PostText("p", [("caption", ["love", "beach", "kino"], [], [])]))


@pytest.mark.parametrize("token, brand", [("addidas", "adidas"), ("guccii", "gucci"), ("balenciga", "balenciaga")])
def test_misspelt_long_names_still_match(kv, token, brand):
    r = Ranker(TermSpace.build(FUZZY_ONTOLOGY, Lexicon()), RankConfig(**AUTHORS), Embedding(kv))
    assert [t for t, _, _ in labels(r, PostText("p", [("caption", [token], [], [])]))["brands"]] == [brand]


def test_dictionary_words_in_every_supported_language():
    for word in ("love", "beach", "sofa", "birthday", "kino", "ins", "klänning", "robe", "bolso"):
        assert is_dictionary_word(word), word
    for word in ("addidas", "guccii", "balenciga", "zarra", "ootd"):
        assert not is_dictionary_word(word), word


def test_real_sentences_get_no_brand_from_one_edit(kv):
    from fashion.ontology import load_ontology
    from fashion.text.normalize import TextNormalizer

    ontology = load_ontology("ontology")
    normalizer = TextNormalizer.from_ontology(ontology)
    # no word has a vector here: every token is string-matched against every ontology term
    r = Ranker(TermSpace.build(ontology, normalizer.lexicon), RankConfig(**AUTHORS), Embedding(kv))
    for text in ("Happy birthday mom! Love you so much", "Beautiful sunset at the beach with my friends",
                 "My cat is sleeping on the sofa", "Ich gehe heute mit meinen Freunden ins Kino"):
        out = labels(r, PostText("p", [("caption", normalizer.normalize(text).tokens, [], [])]))
        assert "brands" not in out and "categories" not in out, (text, out)
    out = labels(r, PostText("p", [("caption", normalizer.normalize("my new addidas sneakers").tokens, [], [])]))
    assert out["brands"][0][0] == "adidas"


@pytest.mark.parametrize("keyword, form", [
    ("Cotton On", ("cottonon",)), ("t shirt", ("tshirt",)), ("night out", ("nightout",)), ("no heel", ("noheel",)),
    ("ten points", ("tenpoints",)), ("studio75", ("studio75",)), ("and less", ("andless",)), ("l * space", ("lspace",)),
    ("the kooples", ("kooples",)),                  # the one word left is a name, not an everyday word
    ("street style", ("street", "style")), ("t-shirt", ("t-shirt",)), ("wool", ("wool",)), ("stilettos", ("stiletto",))])
def test_a_phrase_that_shrinks_to_an_everyday_word_is_run_together(keyword, form):
    assert keyword_form(keyword, Lexicon.from_ontology(load_ontology("ontology"))) == form


def test_everyday_words_do_not_stand_for_phrases_that_contain_them(kv):
    """"cotton" is no mention of the brand Cotton On, "shirt" of a t-shirt, "heel" of no heel, "night"
    of a night out; the run-together forms still match hashtags and handles."""
    from fashion.text.normalize import TextNormalizer

    ontology = load_ontology("ontology")
    normalizer = TextNormalizer.from_ontology(ontology)
    r = Ranker(TermSpace.build(ontology, normalizer.lexicon), RankConfig(**AUTHORS), Embedding(kv))
    text = "Organic cotton shirt with high heels for the night, from the studio down the west street"
    out = labels(r, PostText("p", [("caption", normalizer.normalize(text).tokens, [], [])]))
    picked = {(facet, term) for facet, rows in out.items() for term, _, _ in rows}
    assert picked.isdisjoint({("brands", "cotton_on"), ("brands", "nine_west"), ("brands", "studio_75"),
                              ("subcategories", "t_shirt"), ("heel_type", "flat"), ("occasion", "party")}), out
    assert ("material", "cotton") in picked  # the word itself still counts for what it names
    tagged = labels(r, PostText("p", [("caption", ["tshirt"], ["nightout"], ["cottonon"])]))
    assert tagged["brands"][0][0] == "cotton_on" and tagged["subcategories"][0][0] == "t_shirt"
    assert tagged["occasion"][0][0] == "party"


def test_edit_distance_baseline(kv):
    post = PostText("p", [("caption", ["jacket", "wol"], [], []), ("comment", ["zara"], [], [])])
    out = labels(ranker(kv, BASELINE), post)
    assert out["categories"] == [("jackets", pytest.approx(2.0), pytest.approx(100.0))]
    assert out["material"] == [("wool", pytest.approx(2 * (1 - 1 / 4)), pytest.approx(100.0))]
    assert out["brands"] == [("zara", pytest.approx(1.0), pytest.approx(100.0))]


def test_per_token_terms_keeps_each_tokens_best(kv):
    out = labels(ranker(kv, per_token_terms=1), POST)
    assert dict((t, s) for t, s, _ in out["categories"]) == {"coats": pytest.approx(15.0), "jackets": pytest.approx(20.0)}


def test_hashtag_words_use_hashtag_weight_and_phrases_match(kv):
    onto = TinyOntology({"subcategories": {"wool_coat": ("wool coat",), "coat": ("coat",)}}, {})
    r = Ranker(TermSpace.build(onto, Lexicon()), RankConfig(**AUTHORS), Embedding(kv))
    post = PostText("p", [("caption", [], ["wool", "coat"], [])])
    assert post_occurrences(post, r.config, r.terms.phrases, r.terms.max_phrase) == [
        ("wool", 3.0), ("coat", 3.0), ("wool coat", 3.0)]
    out = dict((t, s) for t, s, _ in labels(r, post)["subcategories"])
    # tf 1/3 each; idf wool 1, coat 1.5, phrase 1.25 (mean); phrase vector (coat + wool)/|.|, cos .707 to each
    half = 0.5  # cos^2
    assert out["wool_coat"] == pytest.approx(3 * 10 * 1.25 / 3 + 3 * half * 1.5 / 3 + 3 * half * 1.0 / 3)
    assert out["coat"] == pytest.approx(3 * 10 * 1.5 / 3 + 3 * half * 1.25 / 3)


def _naive(r: Ranker, post: PostText, kv) -> np.ndarray:
    """Per-pair reference of Ranker.score for one post (same definitions, plain loops)."""
    cfg, terms = r.config, r.terms
    occ = post_occurrences(post, cfg, terms.phrases, terms.max_phrase)
    counts = {}
    for tok, _ in occ:
        counts[tok] = counts.get(tok, 0) + 1
    emb = Embedding(kv)
    tfidf = {t: counts[t] / len(occ) * emb.idf([t])[0] for t in counts}
    top_tfidf = max(tfidf.values())
    scores = np.zeros(len(terms.term_text))
    brand = terms.term_facet == terms.facets.index("brands")
    for tok, w in dict.fromkeys(occ):
        tv, tok_has = emb.vectors([tok])
        vals = []
        for j, term in enumerate(terms.term_text):
            exact = tok == term
            if r.formula != BASELINE and brand[j]:
                # brands: spelling only (an exact spelling is a cosine-1 pair); everyday-word brands never
                if terms.term_concept[j] < cfg.brand_concept_min:
                    continue
                if exact:
                    vals.append((j, w * cfg.exact_boost if r.formula == "multiplicative"
                                 else w * (cfg.w_cosine + cfg.w_term)))
                    continue
            both = r.formula != BASELINE and tok_has[0] and terms.has_vector[j] and not brand[j]
            if both:
                cos = float(tv[0] @ terms.vectors[j])
                if cos < cfg.min_cosine and not exact:
                    continue
                if r.formula == "multiplicative":
                    v = w * (cfg.exact_boost if exact else 1) * cos ** 2
                else:
                    v = w * (cfg.w_cosine * max(cos, 0) + cfg.w_term * exact)
            else:
                lev = _python_distance(tok, term)
                if lev > int(cfg.max_edit_ratio * max(len(tok), len(term))):
                    continue
                if lev and r.formula != BASELINE and (len(tok) < cfg.min_fuzzy_len or is_dictionary_word(tok)):
                    continue
                sim = 1 - lev / max(len(tok), len(term), 1)
                if r.formula == "multiplicative":
                    v = 1 / (1 + (w * lev) ** 2)
                elif r.formula == "linear":
                    v = w * (cfg.w_cosine * sim + cfg.w_term * exact)
                else:
                    v = w * sim
            if v > 0:
                vals.append((j, v))
        for f in range(len(terms.facets)):
            best = sorted((x for x in vals if terms.term_facet[x[0]] == f), key=lambda x: (-x[1], x[0]))
            for j, v in best[:cfg.per_token_terms]:
                if r.formula == "multiplicative":
                    weight = {"tfidf": max(tfidf[tok], 1e-4), "idf": float(emb.idf([tok])[0]),
                              "none": 1.0}[cfg.term_weighting]
                    scores[j] += weight * v
                elif r.formula == "linear":
                    scores[j] = max(scores[j], v + w * cfg.w_tfidf * tfidf[tok] / top_tfidf)
                else:
                    scores[j] += v
    labels = terms.label_scores(scores[None, :])[0]
    if r.formula != BASELINE:  # cues score the brands the tokens gave nothing
        cued = np.zeros_like(labels)
        for field, *_, cues in (row for row in post.rows if len(row) > 4):
            for key in cues:
                j = terms.label_keys.index(key)
                value = cfg.field_weight(field) * (cfg.exact_boost if r.formula == "multiplicative"
                                                   else cfg.w_cosine + cfg.w_term)
                cued[j] = cued[j] + value if r.formula == "multiplicative" else max(cued[j], value)
        labels = np.where(labels > 0, labels, cued)
    return r._concepts(labels[None, :])[0]


@pytest.mark.parametrize("formula,weighting", [("multiplicative", "tfidf"), ("multiplicative", "idf"),
                                               ("multiplicative", "none"), ("linear", "tfidf"), (BASELINE, "tfidf")])
def test_vectorised_scores_equal_naive_per_pair_loop(formula, weighting):
    rng = np.random.default_rng(3)
    words = ["coat", "jacket", "wool", "dress", "silk", "blouse", "boots", "heels", "zara", "mango", "love", "nice"]
    kv = tiny_vectors({w: tuple(rng.normal(size=6)) for w in words}, {w: float(rng.uniform(1, 3)) for w in words})
    onto = TinyOntology(
        {"categories": {"coats": ("coat", "parka"), "dresses": ("dress", "gown"), "shoes": ("boots", "heels")},
         "subcategories": {"wool_coat": ("wool coat",), "silk_blouse": ("silk blouse", "blouse")},
         "material": {"wool": ("wool",), "silk": ("silk", "satin")},
         "brands": {"zara": ("zara",), "mango": ("mango",), "gucci": ("gucci",)}},
        {"wool": {"material": 0.7}, "zara": {"brand": 0.9}, "mango": {"brand": 0.5}, "gown": {"item": 0.4}})
    pick = random.Random(5)
    vocab = words + ["parca", "gucci", "guci", "woool", "xyz"]
    posts = [PostText(f"p{i}", [(field, [pick.choice(vocab) for _ in range(pick.randint(0, 6))],
                                 [pick.choice(vocab) for _ in range(pick.randint(0, 3))],
                                 [pick.choice(vocab)] if pick.random() < 0.3 else [],
                                 [pick.choice(["zara", "mango", "gucci"])] if pick.random() < 0.3 else [])
                                for field in pick.sample(["caption", "comment", "comment", "hashtags"], 3)])
             for i in range(12)]
    r = Ranker(TermSpace.build(onto, Lexicon()), RankConfig(formula=formula, per_token_terms=2, min_cosine=0.1, min_cosine_quantile=0.0,
                                                                 term_weighting=weighting),
               Embedding(kv) if formula != BASELINE else None, formula=formula)
    fast = r.score(posts)
    for p, post in enumerate(posts):
        np.testing.assert_allclose(fast[p], _naive(r, post, kv), rtol=1e-5, atol=1e-9)
    # the Arrow path (tokens.parquet batches) gives the same occurrences
    table = pa.table({"post_id": [p.post_id for p in posts for _ in p.rows],
                      "field": [row[0] for p in posts for row in p.rows],
                      "tokens": [row[1] for p in posts for row in p.rows],
                      "segmented": [row[2] for p in posts for row in p.rows],
                      "handles": [row[3] for p in posts for row in p.rows],
                      "cues": [row[4] for p in posts for row in p.rows]})
    occ, ids = Occurrences.from_table(table, r.config, r.terms)
    assert ids == [p.post_id for p in posts]
    np.testing.assert_allclose(r.score_occurrences(occ), fast, rtol=1e-9, atol=1e-12)


def _python_distance(a: str, b: str) -> int:
    """Textbook dynamic programme: the reference rapidfuzz must agree with."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_levenshtein_matches_dynamic_programming_on_random_pairs(seed):
    rng = random.Random(seed)
    alphabet = "abcdéäß-"
    a = ["".join(rng.choice(alphabet[:rng.randint(2, 8)]) for _ in range(rng.randint(0, 12))) for _ in range(80)]
    b = ["".join(rng.choice(alphabet[:rng.randint(2, 8)]) for _ in range(rng.randint(0, 12))) for _ in range(50)] + a[:5]
    ia, ib = np.meshgrid(np.arange(len(a)), np.arange(len(b)), indexing="ij")
    ref = np.array([_python_distance(a[i], b[j]) for i, j in zip(ia.ravel(), ib.ravel())])
    assert np.array_equal(distances(a, b, ia.ravel(), ib.ravel()), ref)
    for ratio in (0.0, 0.25, 0.3, 0.5):
        i, j, d = close_pairs(a, b, ratio)
        want = {(x, y, r) for x, y, r in zip(ia.ravel().tolist(), ib.ravel().tolist(), ref.tolist())
                if r <= int(ratio * max(len(a[x]), len(b[y])))}
        assert set(zip(i.tolist(), j.tolist(), d.tolist())) == want
    assert _python_distance("kitten", "sitting") == 3 and distances(["kitten"], ["sitting"], [0], [0])[0] == 3


@pytest.mark.parametrize("batch_posts, batch_rows", [(1, 1), (2, 3), (10, 100)])
def test_post_tables_never_split_a_post(tmp_path, batch_posts, batch_rows):
    import pyarrow.parquet as pq

    from fashion.text.posts import iter_post_tables

    ids = ["a"] * 5 + ["b"] + ["c"] * 7
    pq.write_table(pa.table({"post_id": ids, "field": ["comment"] * 13, "tokens": [["x"]] * 13,
                             "segmented": [[]] * 13, "handles": [[]] * 13, "cues": [[]] * 13}), tmp_path / "t.parquet")
    batches = [t.column("post_id").to_pylist() for t in iter_post_tables(tmp_path / "t.parquet", batch_posts,
                                                                         batch_rows=batch_rows)]
    assert [x for b in batches for x in b] == ids
    assert all(sum(p in b for b in batches) == 1 for p in "abc")


def test_all_but_the_top_removes_mean_and_top_direction():
    kv = tiny_vectors({"x": (10, 1, 0), "y": (10, -1, 0), "z": (10, 0, 1)}, {"x": 1.0, "y": 1.0, "z": 1.0})
    raw, _ = Embedding(kv).vectors(["x", "y", "z"])
    assert raw[0] @ raw[1] > 0.97  # one narrow cone
    # centred: x (0, 1, -1/3), y (0, -1, -1/3), z (0, 0, 2/3); top direction (0, 1, 0) removed
    post, has = Embedding(kv, remove_components=1).vectors(["x", "y", "z", "x y"])
    np.testing.assert_allclose(post[:3], [[0, 0, -1], [0, 0, -1], [0, 0, 1]], atol=1e-6)
    np.testing.assert_allclose(post[3], [0, 0, -1], atol=1e-6)  # a phrase averages processed words
    assert has.all()
