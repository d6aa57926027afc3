"""Normalise one text: tokens (lemmas, stop words out, translated), hashtags, emojis, handles.

Per text: NFKC (decomposed accents compose, full-width forms fold), lower case, URLs dropped, NLTK TweetTokenizer(reduce_len=True); "#tags" and "@handles"
pulled out; emojis recognised with the emoji package and mapped to item words through
ontology.emoji; the language detected offline; words lemmatised, stop words dropped and
foreign ontology words translated (fashion.text.lexicon); hashtags segmented with the taught
wordsegment model and their words normalised the same way.

Speed: TweetTokenizer is the dominant cost (~150 us per short text through NLTK's regex engine),
so ``tokenize_many`` tokenizes a batch of texts in one call, joined by a private-use separator
that no token can span (each separator comes back as a token of its own). Every later step is a
dict lookup cached per word, hashtag or emoji.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Mapping, NamedTuple, Sequence

import emoji
from nltk.tokenize import TweetTokenizer

from fashion.text.langid import UNDETERMINED, LanguageDetector, build_detector
from fashion.text.lexicon import Lexicon, fold, ontology_phrases, split_words
from fashion.text.mentions import BrandMentions, Mentions, thread_cues
from fashion.text.segment import HashtagSegmenter, build_segmenter

SEPARATOR = "\ue000"  # Unicode private use: never in real text (stripped from inputs)
_JOIN = f" {SEPARATOR} "
_URL_RE = re.compile(r"(?:https?://|www\.)\S+")
_EMOJI_JOINERS = ("\ufe0f", "\u200d", "\u20e3")  # variation selector, zero-width joiner, keycap
_SKIN_TONES = frozenset(chr(c) for c in range(0x1F3FB, 0x1F400))
_JOINER_RE = re.compile("[\ufe0f\u200d\u20e3\U0001F3FB-\U0001F3FF]")
_LENGTHENED_RE = re.compile(r"(.)\1{2,}")  # TweetTokenizer(reduce_len=True) keeps 3 of a run


def tag_key(tag: str) -> str:
    """Comparable form of a hashtag whichever extractor found it: NFKC, lower case, runs cut to
    3 as the tokenizer does, up to the first character that is no letter, digit, mark or '_'
    (the tokenizer keeps "#red-shoes" whole, an extractor stopping at '-' gives "red")."""
    tag = _LENGTHENED_RE.sub(r"\1\1\1", fold(tag).lstrip("#"))
    for i, ch in enumerate(tag):
        if ch != "_" and ch not in "\u200c\u200d" and unicodedata.category(ch)[0] not in "LNM":
            return tag[:i]
    return tag


def extra_hashtags(tags: Iterable[str], caption_hashtags: Iterable[str]) -> list[str]:
    """A post's own hashtag list less the tags its caption already has (compared by ``tag_key``:
    the list may come from another extractor): folded, without '#', deduplicated, in order."""
    seen = {tag_key(t) for t in caption_hashtags}
    extra = [fold(t).lstrip("#") for t in tags]
    return [t for t in dict.fromkeys(extra) if t and tag_key(t) not in seen]


# Negation: the words after one of these, up to NEGATION_SCOPE words or the clause's end, are not
# mentions ("not wearing heels today", "inga klackar idag", "ohne Absätze", "sans talons").
NEGATORS = frozenset({
    "not", "no", "never", "without", "don't", "didn't", "doesn't", "isn't", "wasn't", "nor",
    "inte", "ingen", "inga", "utan", "aldrig", "nicht", "kein", "keine", "keinen", "ohne", "nie",
    "pas", "sans", "jamais", "sin", "nunca", "non", "senza", "mai",
})
CLAUSE_BREAKS = frozenset({"but", "just", "only", "men", "bara", "aber", "sondern", "mais", "juste", "pero", "sino", "solo", "ma"})
NEGATION_SCOPE = 5
_PUNCTUATION = frozenset(".,;:!?…()\"")


def _is_word(tok: str) -> bool:
    """A token with a letter that is no domain, e-mail or time ("don't", "t-shirt", "h&m")."""
    return any(c.isalpha() for c in tok) and not any(c in "./@:" for c in tok)


class NormalizedText(NamedTuple):
    lang: str
    tokens: list[str]
    hashtags: list[str]
    segmented: list[str]
    emojis: list[str]
    handles: list[str]
    cues: list[str] = []        # brand keys mentioned with evidence (fashion.text.mentions)
    loose: list[str] = []       # every brand key mentioned (they count in a reply to a "where from?")
    asks_source: bool = False   # the text asks where something is from


def strip_emoji_modifiers(symbol: str) -> str:
    """Emoji without variation selectors and skin tones ("❤️" -> "❤", "👍🏽" -> "👍")."""
    return "".join(ch for ch in symbol if ch != "\ufe0f" and ch not in _SKIN_TONES)


def emoji_word_map(ontology_emoji: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """ontology.emoji keyed by the bare emoji (modifiers stripped)."""
    return {strip_emoji_modifiers(k): tuple(v) for k, v in ontology_emoji.items()}


def _merge_emoji_parts(tokens: list[str]) -> list[str]:
    """TweetTokenizer splits "❤️" into "❤" + "\\ufe0f" and breaks some joiner sequences: glue them."""
    merged: list[str] = []
    for tok in tokens:
        if merged and (tok[0] in _EMOJI_JOINERS or tok[0] in _SKIN_TONES or merged[-1][-1] == "\u200d") \
                and not merged[-1].isascii():
            merged[-1] += tok
        else:
            merged.append(tok)
    return merged


def _emoji_symbols(tok: str) -> list[str]:
    """Emojis in a non-word token: the whole token if it is one, else its single-char emojis."""
    if tok in emoji.EMOJI_DATA:
        return [tok]
    bare = strip_emoji_modifiers(tok)
    if bare in emoji.EMOJI_DATA:
        return [tok]
    return [ch for ch in bare if ch in emoji.EMOJI_DATA]


class TextNormalizer:
    """Turns raw texts into ``NormalizedText``; every resource is built once and cached per word."""

    def __init__(self, lexicon: Lexicon, detector: LanguageDetector, segmenter: HashtagSegmenter,
                 emoji_words: Mapping[str, Sequence[str]], batch_tokenize: int = 32,
                 mentions: BrandMentions | None = None):
        self.lexicon = lexicon
        self.mentions = mentions
        self.detector = detector
        self.segmenter = segmenter
        self.emoji_words = emoji_word_map(emoji_words)
        self.batch_tokenize = max(1, batch_tokenize)
        self.tokenizer = TweetTokenizer(preserve_case=True, reduce_len=True, match_phone_numbers=False)
        self._hashtag_cache: dict[tuple[str, str], tuple[str, ...]] = {}
        self._emoji_cache: dict[str, tuple[str, ...]] = {}

    @classmethod
    def from_ontology(cls, ontology, corpus_counts: Mapping[str, int] | None = None,
                      min_hashtag_len: int = 4, max_hashtag_len: int = 30, min_corpus_count: int = 3,
                      batch_tokenize: int = 32, language_detector: str = "lingua") -> "TextNormalizer":
        lexicon = Lexicon.from_ontology(ontology)
        detector = build_detector(language_detector, ontology.translations, lexicon.protected)
        segmenter = build_segmenter(ontology_phrases(ontology), corpus_counts, min_len=min_hashtag_len,
                                    max_len=max_hashtag_len, min_corpus_count=min_corpus_count)
        return cls(lexicon, detector, segmenter, ontology.emoji, batch_tokenize=batch_tokenize,
                   mentions=BrandMentions(ontology, item_words(ontology), plain_words(ontology)))

    # -- tokenizing ---------------------------------------------------------------------------
    @staticmethod
    def prepare(text: str) -> str:
        # NFKC first: a decomposed "ä" would otherwise split the word at its mark, and full-width
        # letters and "＃" would not be letters and hashtags of the scripts the lexicon knows.
        text = fold(text).replace("’", "'")
        if SEPARATOR in text:
            text = text.replace(SEPARATOR, " ")
        if "http" in text or "www." in text:
            text = _URL_RE.sub(" ", text)
        return text

    def tokenize_many(self, texts: Sequence[str]) -> list[list[str]]:
        """TweetTokenizer tokens of each prepared text, tokenizing ``batch_tokenize`` texts per call."""
        out: list[list[str]] = []
        step = self.batch_tokenize
        for start in range(0, len(texts), step):
            batch = texts[start:start + step]
            tokens = self.tokenizer.tokenize(_JOIN.join(batch))
            current: list[str] = []
            parts = [current]
            for tok in tokens:
                if tok == SEPARATOR:
                    current = []
                    parts.append(current)
                else:
                    current.append(tok)
            if len(parts) != len(batch):  # cannot happen with the separator stripped; stay exact anyway
                parts = [self.tokenizer.tokenize(t) for t in batch]
            out.extend(parts)
        return out

    # -- one text -----------------------------------------------------------------------------
    def _emoji_to_words(self, symbol: str) -> tuple[str, ...]:
        hit = self._emoji_cache.get(symbol)
        if hit is None:
            phrases = self.emoji_words.get(strip_emoji_modifiers(symbol), ())
            words = (w for p in phrases for w in self.lexicon.normalize_words(split_words(p), "en"))
            hit = tuple(dict.fromkeys(words))  # 👠 -> heels, heel, shoes: "heel" once
            self._emoji_cache[symbol] = hit
        return hit

    def segment_hashtag(self, hashtag: str, lang: str) -> tuple[str, ...]:
        """Normalised words of one hashtag in a text of language ``lang``."""
        key = (lang, hashtag)
        hit = self._hashtag_cache.get(key)
        if hit is None:
            words = self.segmenter.split(hashtag)
            hit = tuple(self.lexicon.normalize_words(list(words), lang if lang != UNDETERMINED else "en"))
            self._hashtag_cache[key] = hit
        return hit

    def from_tokens(self, tokens: list[str], has_joiners: bool = True) -> NormalizedText:
        """``has_joiners``: the text holds emoji modifiers/joiners whose split tokens need gluing."""
        words: list[str] = []
        hashtags: list[str] = []
        handles: list[str] = []
        emojis: list[str] = []
        negated: list[bool] = []  # per word: inside a negation ("not wearing heels today")
        scope = 0
        if has_joiners:
            tokens = _merge_emoji_parts(tokens)
        for tok in tokens:
            if tok.isalpha():  # the common case first
                lower = tok.lower()
                if lower in NEGATORS:  # a second negation cancels the first ("never without my bag")
                    scope = 0 if scope else NEGATION_SCOPE + 1
                elif lower in CLAUSE_BREAKS:
                    scope = 0
                words.append(tok)
                negated.append(scope > 0)
                scope = max(scope - 1, 0)
                continue
            if tok in _PUNCTUATION:
                scope = 0
                continue
            first = tok[0]
            if first == "#":
                tag = tok.lstrip("#")
                if tag:
                    hashtags.append(tag)
            elif first == "@":
                if len(tok) > 1:
                    handles.append(tok[1:])
            elif _is_word(tok):
                if tok.lower() in NEGATORS:
                    scope = 0 if scope else NEGATION_SCOPE + 1
                words.append(tok)
                negated.append(scope > 0)
                scope = max(scope - 1, 0)
            elif not tok.isascii():
                emojis.extend(_emoji_symbols(tok))
        lang = self.detector.detect(words)
        norm_lang = lang if lang != UNDETERMINED else "en"
        if any(negated):  # what the text says is not worn is no mention of it
            words = [w for w, neg in zip(words, negated) if not neg]
        out = self.lexicon.normalize_words(words, norm_lang)
        for symbol in emojis:
            out.extend(self._emoji_to_words(symbol))
        segmented: list[str] = []
        for tag in hashtags:
            segmented.extend(self.segment_hashtag(tag, lang))
        return NormalizedText(lang, out, hashtags, segmented, emojis, handles)

    @staticmethod
    def plain_words(tokens: Sequence[str]) -> list[str]:
        """The words of a tokenized text that its language is detected from (no hashtags,
        handles, emoji, domains or times)."""
        return [t for t in tokens if t.isalpha() or (t[0] not in "#@" and _is_word(t))]

    def normalize(self, text: str) -> NormalizedText:
        return self.normalize_many([text])[0]

    def normalize_many(self, texts: Sequence[str]) -> list[NormalizedText]:
        prepared = [self.prepare(t) for t in texts]
        joiners = [_JOINER_RE.search(t) is not None for t in prepared]
        out = [self.from_tokens(toks, j) for toks, j in zip(self.tokenize_many(prepared), joiners)]
        if self.mentions is not None:  # brands are read off the text with its capitals
            out = [o._replace(cues=m.cues, loose=m.loose, asks_source=m.asks_source)
                   for o, m in zip(out, map(self.brand_mentions, texts))]
        return out

    def brand_mentions(self, text: str) -> Mentions:
        """Brand mentions of one raw text (NFKC, case kept, URLs out)."""
        text = unicodedata.normalize("NFKC", text)
        if "http" in text or "www." in text:
            text = _URL_RE.sub(" ", text)
        return self.mentions.find(text)

    def post_rows(self, caption: str, comments: Sequence[str], hashtags: Sequence[str] = ()) -> list[tuple]:
        """One ad-hoc post as ranker rows (field, tokens, segmented, handles, brand cues): the
        caption, its post-level hashtags missing from it, then the comments (a comment opening
        with an @handle answers any "where is it from?" comment before it: no parent ids here)."""
        return self.post_texts(caption, comments, hashtags)[0]

    def post_texts(self, caption: str, comments: Sequence[str], hashtags: Sequence[str] = ()):
        """(post_rows, the normalised caption and comments in that order, the extra hashtags)."""
        rows: list[tuple] = []
        caption_tags: list[str] = []
        lang = "en"
        normalized = []
        if caption:
            text = self.normalize(caption)
            normalized.append(text)
            rows.append(("caption", text.tokens, text.segmented, text.handles, list(text.cues)))
            caption_tags, lang = text.hashtags, text.lang
        extra = extra_hashtags(hashtags, caption_tags)
        if extra:
            rows.append(("hashtags", [], self.normalize_hashtags(extra, lang), [], self.name_cues(extra, hashtags=True)))
        texts = self.normalize_many(list(comments)) if comments else []
        normalized.extend(texts)
        cues = thread_cues(texts, [None] * len(texts), [c.lstrip().startswith("@") for c in comments])
        rows.extend(("comment", t.tokens, t.segmented, t.handles, c) for t, c in zip(texts, cues))
        return rows, normalized, extra

    def name_cues(self, names: Iterable[str], hashtags: bool = False) -> list[str]:
        """Brand keys of user tags (or, ``hashtags``, post hashtags) that spell a brand ("hm";
        "zara_official" does not); a hashtag only where a whole hashtag is evidence (mentions.py)."""
        if self.mentions is None:
            return []
        return [key for name in names if (key := self.mentions.brand_of(name)) is not None
                and (not hashtags or self.mentions.tag_ok_for(name))]

    def normalize_hashtags(self, hashtags: Iterable[str], lang: str = "en") -> list[str]:
        """Normalised words of a list of hashtags (post-level tags outside any text)."""
        words: list[str] = []
        for tag in hashtags:
            tag = fold(tag).lstrip("#")
            if tag:
                words.extend(self.segment_hashtag(tag, lang))
        return words

    def username_words(self, name: str, lang: str = "en") -> tuple[str, ...]:
        """Normalised words of one user handle: split at '_', '.', other non-letters and digits,
        each piece segmented like a hashtag ("zara_official" -> zara, official; "mango.girl" ->
        mango, girl; "ralphlauren" -> ralph, lauren). () when the handle is one word already,
        which counts as a handle of its own."""
        name = fold(name).lstrip("@")
        words: list[str] = []
        # pieces: runs of letters and marks ("_", ".", digits separate: "h2o.style" -> h, o, style)
        pieces = "".join(ch if unicodedata.category(ch)[0] in "LM" else " " for ch in name).split()
        for piece in pieces:
            words.extend(self.segment_hashtag(piece, lang))
        return () if tuple(words) == (name,) else tuple(words)

    def term_words(self, phrase: str) -> tuple[str, ...]:
        return phrase_tokens(phrase, self.lexicon)


def plain_words(ontology) -> frozenset[str]:
    """Compact forms of every one-word ontology keyword that is no brand (items, attribute values,
    styles) and of the translation sources: a hashtag spelling one names that, not a brand."""
    from fashion.ontology import compact_forms

    words = {k for facet in ontology.facets() if facet != "brands" for keys in ontology.facet_terms(facet).values()
             for k in keys}
    words |= {source for table in ontology.translations.values() for source in table}
    return frozenset(f for w in words if " " not in w.strip() for f in compact_forms(w))


def item_words(ontology) -> frozenset[str]:
    """Lower-case one-word item keywords and their translations: a capitalised word before one of
    them is a brand ("my Coach bag", "Mango rok")."""
    words = {k.lower() for c in ontology.categories for k in c.keywords}
    words |= {k.lower() for s in ontology.subcategories for k in s.keywords}
    for table in ontology.translations.values():
        words |= {source.lower() for source, target in table.items() if target.lower() in words}
    return frozenset(w for w in words if " " not in w)


_PHRASE_TOKENIZER = TweetTokenizer(preserve_case=True, reduce_len=True, match_phone_numbers=False)


def phrase_pieces(phrase: str) -> list[str]:
    """The tokenizer's pieces of an ontology phrase, before words are picked and normalised
    ("studio75" -> studio, 75)."""
    return _PHRASE_TOKENIZER.tokenize(TextNormalizer.prepare(phrase))


def phrase_tokens(phrase: str, lexicon: Lexicon) -> tuple[str, ...]:
    """An ontology phrase in token form (English), exactly as a post would normalise it."""
    tokens = phrase_pieces(phrase)
    words = [t for t in tokens if any(c.isalpha() for c in t) and not any(c in "./@:" for c in t)]
    return tuple(lexicon.normalize_words(words, "en"))


@dataclass(frozen=True)
class NormalizeConfig:
    """Knobs of the normalize stage (params.yaml section ``normalize``)."""

    workers: int = 2
    min_hashtag_len_to_segment: int = 4
    max_hashtag_len_to_segment: int = 30
    min_corpus_count: int = 3        # corpus words seen this often teach the hashtag segmenter
    chunk_texts: int = 2000          # texts per worker task
    row_group_rows: int = 100_000    # rows per Parquet row group
    dedupe_cache: int = 200_000      # distinct short texts remembered across chunks
    dedupe_max_chars: int = 200      # only texts up to this length are remembered
    batch_tokenize: int = 32         # texts per TweetTokenizer call
    language_detector: str = "lingua"  # lingua (lingua-language-detector) | stopwords (fashion.text.langid)
