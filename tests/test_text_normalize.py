"""Text normalisation: segmentation, emojis/handles, languages, lemmas, translations, corpus files."""
from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from nltk.tokenize import TweetTokenizer

from fashion.ontology import load_ontology
from fashion.text.corpus import CorpusError, count_words, normalize_corpus
from fashion.text.langid import LanguageDetector
from fashion.text.lexicon import protected_words
from fashion.text.normalize import NormalizeConfig, TextNormalizer
from fashion.text.segment import build_segmenter


@pytest.fixture(scope="module")
def ontology():
    return load_ontology("ontology")


@pytest.fixture(scope="module")
def normalizer(ontology):
    return TextNormalizer.from_ontology(ontology)


# -- hashtags ------------------------------------------------------------------------------------
@pytest.mark.parametrize("tag, words", [
    ("woolcoat", ("wool", "coat")),
    ("leatherjacket", ("leather", "jacket")),
    ("ootd", ("ootd",)),                 # fashion slang stays whole
    ("ootdfashion", ("ootd", "fashion")),
    ("ralphlauren", ("ralph", "lauren")),  # brand phrase unit
    ("ullkappa", ("ull", "kappa")),        # Swedish ontology words are taught too
    ("hm", ("hm",)),                       # shorter than min length: untouched
])
def test_hashtag_segmentation(normalizer, tag, words):
    assert normalizer.segmenter.split(tag) == words


def test_segmented_hashtags_are_normalised_like_words(normalizer):
    out = normalizer.normalize("#WoolCoat #ootd #leatherjacket #blackdresses")
    assert out.hashtags == ["woolcoat", "ootd", "leatherjacket", "blackdresses"]
    assert out.segmented == ["wool", "coat", "ootd", "leather", "jacket", "black", "dress"]
    assert out.tokens == []  # hashtags are not plain tokens


def test_segmenter_learns_corpus_words(ontology):
    from fashion.text.lexicon import ontology_phrases

    plain = build_segmenter(ontology_phrases(ontology))
    taught = build_segmenter(ontology_phrases(ontology), corpus_counts={"sommar": 500, "klänning": 400, "the": 5000})
    assert plain.split("sommarklänning") != ("sommar", "klänning")
    assert taught.split("sommarklänning") == ("sommar", "klänning")


def test_max_length_keeps_long_tags_whole(ontology):
    from fashion.text.lexicon import ontology_phrases

    seg = build_segmenter(ontology_phrases(ontology), max_len=10)
    assert seg.split("blackleatherjacket") == ("blackleatherjacket",)


# -- emojis, handles, urls -----------------------------------------------------------------------
def test_emojis_handles_and_urls(normalizer):
    out = normalizer.normalize("Love it ❤️ 👗👠 nice😍 👍🏽 @Zara_Official see https://t.co/abc and www.zara.com/x")
    assert out.emojis == ["❤️", "👗", "👠", "😍", "👍🏽"]
    assert out.handles == ["zara_official"]
    assert "dress" in out.tokens and "heel" in out.tokens and "shoe" in out.tokens  # 👗 👠 via ontology.emoji
    assert "love" in out.tokens and "nice" in out.tokens
    assert not any("zara" in t or "t.co" in t or "http" in t for t in out.tokens)


def test_emoji_only_text_is_undetermined(normalizer):
    out = normalizer.normalize("😍😍🔥")
    assert out.lang == "und" and out.tokens == [] and out.emojis == ["😍", "😍", "🔥"]


def test_batched_tokenization_matches_tweet_tokenizer(normalizer):
    texts = ["sooooo cute!!!!!! :) #ootd", "@anna_b look... at this", "", "t-shirt & jeans <3", "a\ue000b ok",
             "🇸🇪 flag 👩‍❤️‍👨", "1.5 dots . . . end"]
    prepared = [normalizer.prepare(t) for t in texts]
    reference = TweetTokenizer(preserve_case=True, reduce_len=True, match_phone_numbers=False)
    assert normalizer.tokenize_many(prepared) == [reference.tokenize(t) for t in prepared]


def test_stop_words_go_ontology_words_stay(normalizer):
    out = normalizer.normalize("The top and the trousers were on the chair")
    assert out.tokens == ["top", "trousers", "chair"]  # "top" is a stop word in spaCy and an item here


# -- languages, lemmas, translations ------------------------------------------------------------
SENTENCES = [
    ("en", "I really love this dress, where did you get those shoes?", {"dress", "shoe"}),
    ("sv", "Jag älskar min nya klänning och kjolen är av ull", {"dress", "skirt", "wool"}),
    ("de", "Ich trage heute ein Kleid aus Seide und meine neuen Stiefel", {"dress", "silk", "boot"}),
    ("fr", "J'adore cette robe en soie avec une veste en cuir", {"dress", "silk", "jacket", "leather"}),
    ("es", "Me encanta este vestido de seda con una chaqueta de cuero", {"dress", "silk", "jacket", "leather"}),
    ("it", "Adoro questo vestito di seta con una giacca di pelle", {"dress", "silk", "jacket", "leather"}),
]


@pytest.mark.parametrize("lang, text, english", SENTENCES)
def test_multilingual_sentences_map_to_english_ontology_words(normalizer, lang, text, english):
    out = normalizer.normalize(text)
    assert out.lang == lang
    assert english <= set(out.tokens)


def test_lemmas_from_lookup_tables(normalizer):
    out = normalizer.normalize("She was wearing dresses and carrying bags, shorts and leggings")
    assert out.tokens == ["wear", "dress", "carry", "bag", "shorts", "leggings"]  # plural-only garments kept


def test_multiword_translation(normalizer):
    assert normalizer.normalize("Mon sac à main est parfait").tokens == ["handbag", "parfait"]


@pytest.mark.parametrize("lang, sentence", [
    ("en", "what a beautiful outfit, I want it all"),
    ("sv", "vilken fin tröja, var har du köpt den"),
    ("de", "das ist wirklich ein sehr schönes Outfit"),
    ("fr", "elle est vraiment trop belle cette tenue"),
    ("es", "me gusta mucho tu estilo, es precioso"),
    ("it", "che bello questo look, dove lo hai comprato"),
])
def test_language_detector(ontology, lang, sentence):
    detector = LanguageDetector.from_resources(ontology.translations, protected_words(ontology))
    assert detector.detect(sentence.lower().replace(",", "").split()) == lang


def test_language_detector_defaults(ontology):
    detector = LanguageDetector.from_resources(ontology.translations, protected_words(ontology))
    assert detector.detect([]) == "und"
    assert detector.detect(["gorgeous", "outfit"]) == "en"  # no stop word: English head start wins


# -- corpus files --------------------------------------------------------------------------------
def _write(tmp_path, posts, comments):
    pq.write_table(pa.table({"post_id": [p[0] for p in posts], "caption": [p[1] for p in posts],
                             "hashtags": [p[2] for p in posts]}), tmp_path / "posts.parquet")
    pq.write_table(pa.table({"post_id": [c[0] for c in comments], "comment_id": [c[1] for c in comments],
                             "text": [c[2] for c in comments]}), tmp_path / "comments.parquet")


def test_normalize_corpus_order_dedupe_orphans_and_workers(tmp_path, ontology):
    posts = [("p1", "My new wool coat #woolcoat", ["woolcoat", "winter"]), ("p2", None, []),
             ("p3", "Ny klänning idag", ["klänning"])]
    comments = [("p3", "c5", "love it 😍"), ("p1", "c1", "love it 😍"), ("zz", "c9", "orphan comment"),
                ("p1", "c2", "where is the coat from @anna?"), ("p3", "c6", "love it 😍")]
    _write(tmp_path, posts, comments)
    tables = []
    for workers in (1, 2):
        out = tmp_path / f"tokens-{workers}.parquet"
        stats = normalize_corpus(tmp_path / "posts.parquet", tmp_path / "comments.parquet", out, ontology,
                                 NormalizeConfig(workers=workers, chunk_texts=2), progress=False)
        tables.append(pq.read_table(out))
        assert stats["texts"] == 7 and stats["orphan_comments"] == 1
        assert stats["normalized_texts"] < stats["texts"]  # "love it 😍" normalised once
    assert tables[0].equals(tables[1])  # 1 and 2 workers: identical files
    rows = tables[0].to_pylist()
    assert [(r["post_id"], r["field"], r["text_id"]) for r in rows] == [
        ("p1", "caption", "p1/caption"), ("p1", "hashtags", "p1/hashtags"), ("p1", "comment", "c1"),
        ("p1", "comment", "c2"), ("p3", "caption", "p3/caption"), ("p3", "hashtags", "p3/hashtags"),
        ("p3", "comment", "c5"), ("p3", "comment", "c6"), ("zz", "comment", "c9")]
    assert rows[0]["segmented"] == ["wool", "coat"] and rows[0]["tokens"] == ["new", "wool", "coat"]
    assert rows[1]["hashtags"] == ["winter"]  # only the tag missing from the caption
    assert rows[3]["handles"] == ["anna"]
    assert rows[4]["lang"] == "sv" and "dress" in rows[4]["tokens"]
    assert rows[5]["segmented"] == ["dress"]  # post-level tag, in the caption's language


def test_normalize_corpus_missing_column_names_the_file(tmp_path, ontology):
    pq.write_table(pa.table({"post_id": ["p1"], "caption": ["x"]}), tmp_path / "posts.parquet")
    pq.write_table(pa.table({"post_id": ["p1"], "comment_id": ["c"], "text": ["t"]}), tmp_path / "comments.parquet")
    with pytest.raises(CorpusError, match=r"posts\.parquet: missing column\(s\) hashtags"):
        normalize_corpus(tmp_path / "posts.parquet", tmp_path / "comments.parquet", tmp_path / "t.parquet", ontology,
                         NormalizeConfig(workers=1), progress=False)
    assert not (tmp_path / "t.parquet").exists()


def test_count_words_skips_hashtags_handles_urls():
    counts = count_words(pa.array(["Wool coat #woolcoat @zara https://x.io/a coat", None]))
    assert counts == {"wool": 1, "coat": 2}


def test_posts_with_only_tags_keep_their_rows(tmp_path, ontology):
    posts = [("p1", None, ["silkblouse"]), ("p2", "hello", []), ("p3", None, ["silkdress"])]
    _write(tmp_path, posts, [("p2", "c1", "nice")])
    out = tmp_path / "tokens.parquet"
    normalize_corpus(tmp_path / "posts.parquet", tmp_path / "comments.parquet", out, ontology,
                     NormalizeConfig(workers=1, row_group_rows=1), progress=False)
    rows = pq.read_table(out).to_pylist()
    assert [(r["post_id"], r["field"]) for r in rows] == [("p1", "hashtags"), ("p2", "caption"), ("p2", "comment"),
                                                          ("p3", "hashtags")]
    assert rows[0]["segmented"] == ["silk", "blouse"] and rows[3]["segmented"] == ["silk", "dress"]


def test_viterbi_finds_the_best_split_of_an_exhaustive_search():
    import itertools
    import math

    from fashion.text.segment import HashtagSegmenter

    seg = HashtagSegmenter()
    seg.teach_words(["ootd", "wool", "coat"])
    table = seg._scores()

    def score(pieces):
        return sum(table[p][0] if p in table else 1.0 - math.log10(seg.total) - len(p) for p in pieces)

    for text in ["woolcoat", "ootdlook", "redxqzcoat", "abcdefgh", "bluejeans", "qqqwool"]:
        best = max(score([text[a:b] for a, b in zip((0, *cuts), (*cuts, len(text)))])
                   for r in range(len(text)) for cuts in itertools.combinations(range(1, len(text)), r))
        assert score(seg.split(text)) == pytest.approx(best)
