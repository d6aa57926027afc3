"""Brand mentions read off raw text, their evidence, reply threads, negation and the score floors."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fashion.ontology import load_ontology
from fashion.text.calibrate import calibrate
from fashion.text.mentions import BrandMentions, Mentions, thread_cues
from fashion.text.normalize import TextNormalizer, item_words, plain_words


@pytest.fixture(scope="module")
def ontology():
    return load_ontology("ontology")


@pytest.fixture(scope="module")
def mentions(ontology):
    return BrandMentions(ontology, item_words(ontology), plain_words(ontology))


@pytest.mark.parametrize("text, cues, loose", [
    ("Guess what, I found the dress", [], ["guess"]),                 # sentence start, no context
    ("my coach at the gym", [], ["coach"]),                           # lower case
    ("Mind the Gap", [], ["gap"]),                                    # capitalised, but no brand context
    ("Love my new bag from Coach", ["coach"], ["coach"]),             # capitalised after "from"
    ("my Coach bag", ["coach"], ["coach"]),                           # capitalised before an item word
    ("Falda de Mango y camiseta", ["mango"], ["mango"]),              # context word of another language
    ("GUESS WHAT GUYS", [], ["guess"]),                               # capitals say nothing when shouting
    ("Blazer from H&M", ["h_and_m"], ["h_and_m"]),                    # written with &
    ("jeans from & Other Stories", ["and_other_stories"], ["and_other_stories"]),
    ("Cardigan från Other Stories", ["and_other_stories"], ["and_other_stories"]),  # without the article
    ("Levi's and Dr. Martens", [], ["levis", "dr_martens"]),           # found; no evidence needed for these
    ("#guess #weekend #scarpa", ["guess"], ["guess", "weekend", "scarpa"]),  # weak or item-word tags: no cue
    ("thanks @hm", ["h_and_m"], ["h_and_m"]),                         # a handle always counts
])
def test_mentions_and_their_evidence(mentions, text, cues, loose):
    found = mentions.find(text)
    assert (found.cues, found.loose) == (cues, loose)


@pytest.mark.parametrize("text, asks", [
    ("where is the top from?", True), ("var är klänningen ifrån?", True), ("woher ist der Rock?", True),
    ("il vient d'où le manteau ?", True), ("¿de dónde es?", True), ("dove hai preso la gonna?", True),
    ("love the top!", False), ("see you next week", False)])
def test_where_from_questions_in_six_languages(mentions, text, asks):
    assert mentions.find(text).asks_source is asks


def test_a_reply_to_a_where_from_question_names_its_brand_in_lower_case():
    question = Mentions([], [], True)
    reply = Mentions([], ["mango"], False)
    chatter = Mentions([], ["gap"], False)
    # with parent ids: only the reply to the question
    assert thread_cues([question, reply, chatter], [None, 0, None], [False, True, True]) == [[], ["mango"], []]
    # without: a comment opening with @handle answers the asking comment
    assert thread_cues([question, reply, chatter], [None, None, None], [False, True, False]) == [[], ["mango"], []]
    assert thread_cues([reply], [None], [True]) == [[]]  # nobody asked


def test_normalize_corpus_reads_reply_threads_from_parent_ids(tmp_path, ontology):
    from fashion.text.corpus import normalize_corpus
    from fashion.text.normalize import NormalizeConfig

    pq.write_table(pa.table({"post_id": ["p1", "p2"], "caption": ["Mango smoothie", "New skirt"],
                             "hashtags": [[], ["mango"]]}), tmp_path / "posts.parquet")
    pq.write_table(pa.table({"post_id": ["p1", "p1", "p2"], "comment_id": ["c1", "c2", "c3"],
                             "parent_id": [None, "c1", None],
                             "text": ["where is it from?", "@anna mango", "@bea mango"]}), tmp_path / "comments.parquet")
    normalize_corpus(tmp_path / "posts.parquet", tmp_path / "comments.parquet", tmp_path / "t.parquet", ontology,
                     NormalizeConfig(workers=1), progress=False)
    rows = {(r["post_id"], r["text_id"]): r["cues"] for r in pq.read_table(tmp_path / "t.parquet").to_pylist()}
    assert rows[("p1", "p1/caption")] == []          # a fruit
    assert rows[("p1", "c2")] == ["mango"]           # the answer to "where is it from?"
    assert rows[("p2", "c3")] == []                  # nobody asked
    assert rows[("p2", "p2/hashtags")] == ["mango"]  # a post hashtag beside the caption


def test_negated_garments_are_no_mentions(ontology):
    normalizer = TextNormalizer.from_ontology(ontology)
    assert normalizer.normalize("Not wearing heels today, just my wool coat").tokens == ["wool", "coat"]
    assert normalizer.normalize("Heute ohne Absätze").tokens == []
    assert "bag" in normalizer.normalize("never without my bag").tokens  # two negations cancel


class _Terms:
    facets = ["brands"]
    label_keys = ["zara", "mango"]

    @staticmethod
    def facet_slice(facet):
        return slice(0, 2)


def test_calibrate_picks_the_floor_with_the_best_honest_f1():
    # two true mentions score 20 and 15; a false one on a brand-free post 5; an abstention is free
    scores = np.array([[20.0, 0.0], [0.0, 15.0], [5.0, 0.0], [0.0, 0.0]])
    truth = [{"brands": {"zara"}}, {"brands": {"mango"}}, {"brands": set()}, {"brands": set()}]
    result = calibrate(scores, _Terms, truth, k=4, min_relative=0.4)["brands"]
    assert result["floor"] == 15.0 and result["micro_f1"] == 1.0
    assert result["micro_f1_unfloored"] == pytest.approx(0.8, abs=1e-4)
