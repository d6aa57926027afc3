"""Text normalisation: segmentation, emojis/handles, languages, lemmas, translations, corpus files."""
from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from nltk.tokenize import TweetTokenizer

from fashion.ontology import load_ontology
from fashion.text.corpus import CorpusError, count_words, normalize_corpus
from fashion.text.langid import LanguageDetector, LinguaDetector, build_detector
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


@pytest.fixture(scope="module", params=["lingua", "stopwords"])
def detector(request, ontology):
    return build_detector(request.param, ontology.translations, protected_words(ontology))


@pytest.mark.parametrize("lang, sentence", [
    ("en", "what a beautiful outfit, I want it all"),
    ("sv", "vilken fin tröja, var har du köpt den"),
    ("de", "das ist wirklich ein sehr schönes Outfit"),
    ("fr", "elle est vraiment trop belle cette tenue"),
    ("es", "me gusta mucho tu estilo, es precioso"),
    ("it", "che bello questo look, dove lo hai comprato"),
])
def test_language_detector(detector, lang, sentence):
    assert detector.detect(sentence.lower().replace(",", "").split()) == lang


def test_language_detector_defaults(detector):
    assert detector.detect([]) == "und"
    assert detector.detect(["привет", "как", "дела"]) == "und"  # no Latin-script word: none of the six
    assert detector.detect(["مرحبا", "بكم"]) == "und"
    assert detector.detect(["привет", "my", "new", "dress"]) == "en"  # only the Latin words vote
    assert detector.detect(["gorgeous", "outfit"]) == "en"


def test_lingua_is_the_default_detector(ontology):
    from fashion.text.normalize import NormalizeConfig, TextNormalizer

    assert NormalizeConfig().language_detector == "lingua"
    assert isinstance(TextNormalizer.from_ontology(ontology).detector, LinguaDetector)
    assert isinstance(TextNormalizer.from_ontology(ontology, language_detector="stopwords").detector, LanguageDetector)
    with pytest.raises(ValueError, match="language_detector"):
        build_detector("langdetect", {}, ())


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


# -- Unicode forms -------------------------------------------------------------------------------
def _nfd(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFD", text)


@pytest.mark.parametrize("text", ["min nya klänning och väska", "#klänning #crème", "Röcke und Kleider #röcke"])
def test_decomposed_text_normalises_like_composed(normalizer, text):
    composed, decomposed = normalizer.normalize(text), normalizer.normalize(_nfd(text))
    assert decomposed == composed
    assert composed.tokens or composed.segmented


def test_decomposed_swedish_is_translated(normalizer):
    out = normalizer.normalize(_nfd("min nya klänning och väska"))
    assert out.lang == "sv" and out.tokens == ["ny", "dress", "bag"]


def test_full_width_letters_and_hash_fold(normalizer):
    out = normalizer.normalize("ｄｒｅｓｓ ｓｈｏｅｓ ＃ｒｅｄｓｈｏｅｓ")
    assert out.lang == "en" and out.tokens == ["dress", "shoe"]
    assert out.hashtags == ["redshoes"] and out.segmented == ["red", "shoe"]


def test_segmenter_clean_keeps_combining_marks():
    from fashion.text.segment import HashtagSegmenter

    assert HashtagSegmenter.clean(_nfd("Klänning")) == "klänning"   # composed again, not "klanning"
    assert HashtagSegmenter.clean("साड़ी!") == "साड़ी"               # Devanagari vowel signs and nukta kept
    assert HashtagSegmenter.clean("#red-shoes_2") == "redshoes2"


def test_non_latin_hashtags_keep_their_vowel_signs(normalizer):
    out = normalizer.normalize("#साड़ी #kurta")
    assert out.hashtags[0] == "साड़ी" and out.segmented[0] == "साड़ी"


def test_count_words_composes_decomposed_words():
    assert count_words(pa.array([_nfd("klänning och väska")])) == {"klänning": 1, "och": 1, "väska": 1}


# -- post-level hashtags against the caption's --------------------------------------------------
@pytest.mark.parametrize("a, b", [("red-shoes", "red"), ("Red", "red"), ("＃ｒｅｄ", "red"),
                                  ("loooooove", "looove"), (_nfd("crème"), "crème"), ("साड़ी", "साड़ी")])
def test_tag_key_compares_extractors(a, b):
    from fashion.text.normalize import tag_key

    assert tag_key(a) == tag_key(b)


def test_tag_key_keeps_different_tags_apart():
    from fashion.text.normalize import tag_key

    assert len({tag_key(t) for t in ["redshoes", "red", "shoes", "red_shoes", "ootd2018", "ootd"]}) == 6


def test_caption_hashtags_are_not_added_again(tmp_path, ontology):
    # posts.parquet's list as an extractor stopping at '-' and keeping repeats gives it
    caption = "Love my #red-shoes today ＃ootd #loooove"
    _write(tmp_path, [("p1", caption, ["red", "ootd", "loooove", "summer"])], [("p1", "c1", "nice")])
    out = tmp_path / "tokens.parquet"
    normalize_corpus(tmp_path / "posts.parquet", tmp_path / "comments.parquet", out, ontology,
                     NormalizeConfig(workers=1), progress=False)
    rows = pq.read_table(out).to_pylist()
    assert [r["field"] for r in rows] == ["caption", "hashtags", "comment"]
    assert rows[0]["hashtags"] == ["red-shoes", "ootd", "looove"]
    assert rows[1]["hashtags"] == ["summer"] and rows[1]["segmented"] == ["summer"]


# -- user tags -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name, words", [
    ("zara_official", ("zara", "official")),
    ("mango.girl", ("mango", "girl")),
    ("ralphlauren", ("ralph", "lauren")),     # segmented like a hashtag
    ("anna_b_1990", ("anna",)),               # digits split; one-letter pieces go like in text
    ("the.dress.edit", ("dress", "edit")),    # stop words go
    ("zara", ()),                             # one word: the handle itself counts, not twice
])
def test_username_words(normalizer, name, words):
    assert normalizer.username_words(name) == words


def _write_with_usertags(tmp_path, posts, comments):
    pq.write_table(pa.table({"post_id": [p[0] for p in posts], "caption": [p[1] for p in posts],
                             "hashtags": [p[2] for p in posts],
                             "usertags": pa.array([p[3] for p in posts], pa.list_(pa.string()))}),
                   tmp_path / "posts.parquet")
    pq.write_table(pa.table({"post_id": [c[0] for c in comments], "comment_id": [c[1] for c in comments],
                             "text": [c[2] for c in comments]}), tmp_path / "comments.parquet")


def test_usertags_rows(tmp_path, ontology):
    posts = [("p1", "Ny klänning idag", [], ["zara_official", "mango.girl", "zara_official", "anna"]),
             ("p2", "hello", [], []), ("p3", None, ["silkdress"], None)]
    _write_with_usertags(tmp_path, posts, [("p1", "c1", "love it"), ("p2", "c2", "nice")])
    tables = []
    for workers in (1, 2):
        out = tmp_path / f"tokens-{workers}.parquet"
        normalize_corpus(tmp_path / "posts.parquet", tmp_path / "comments.parquet", out, ontology,
                         NormalizeConfig(workers=workers, chunk_texts=1), progress=False)
        tables.append(pq.read_table(out))
    assert tables[0].equals(tables[1])
    rows = tables[0].to_pylist()
    assert [(r["post_id"], r["field"], r["text_id"]) for r in rows] == [
        ("p1", "caption", "p1/caption"), ("p1", "usertags", "p1/usertags"), ("p1", "comment", "c1"),
        ("p2", "caption", "p2/caption"), ("p2", "comment", "c2"), ("p3", "hashtags", "p3/hashtags")]
    tags = rows[1]
    assert tags["handles"] == ["zara_official", "mango.girl", "anna"] and tags["tokens"] == []
    assert tags["segmented"] == ["zara", "official", "mango", "girl"] and tags["lang"] == "sv"


def test_usertags_reach_the_ranker_once_per_word(tmp_path, ontology):
    from fashion.text.lexicon import Lexicon
    from fashion.text.posts import iter_post_tables
    from fashion.text.rank import Occurrences, RankConfig
    from fashion.text.terms import TermSpace

    _write_with_usertags(tmp_path, [("p1", "Out today", [], ["zara_official", "mango"])], [("p1", "c1", "wow")])
    out = tmp_path / "tokens.parquet"
    normalize_corpus(tmp_path / "posts.parquet", tmp_path / "comments.parquet", out, ontology,
                     NormalizeConfig(workers=1), progress=False)
    config = RankConfig(usertags_weight=1.5)
    terms = TermSpace.build(ontology, Lexicon.from_ontology(ontology))
    table = next(iter(iter_post_tables(out, 10, batch_rows=100)))
    occ, _ = Occurrences.from_table(table, config, terms)
    got = sorted((occ.tokens[t], w) for t, w in zip(occ.token.tolist(), occ.weight.tolist()))
    assert got == [("mango", 1.5), ("official", 1.5), ("today", 2.0), ("wow", 1.0), ("zara", 1.5),
                   ("zara_official", 1.5)]


def test_posts_without_usertags_column_say_to_rerun_ingest(tmp_path, ontology, capsys):
    _write(tmp_path, [("p1", "hello", [])], [("p1", "c1", "wow")])
    normalize_corpus(tmp_path / "posts.parquet", tmp_path / "comments.parquet", tmp_path / "t.parquet", ontology,
                     NormalizeConfig(workers=1), progress=False)
    err = capsys.readouterr().err
    assert "posts.parquet: no usertags column" in err and "rerun ingest" in err
    assert [r["field"] for r in pq.read_table(tmp_path / "t.parquet").to_pylist()] == ["caption", "comment"]
