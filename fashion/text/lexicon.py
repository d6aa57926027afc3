"""Per-language word resources: spaCy stop words, spacy-lookups-data lemma tables, ontology translations.

Everything here is offline: stop words come from ``spacy.lang.<xx>.stop_words`` and lemmas from the
lookup tables shipped in the ``spacy-lookups-data`` package (no model download). The same
``Lexicon.normalize_words`` turns both post words and ontology keywords into comparable forms, so
"dresses", "klänningar" and the keyword "dress" all meet at "dress".
"""
from __future__ import annotations

import gzip
import importlib.util
import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping, Sequence

LANGUAGES: tuple[str, ...] = ("en", "sv", "de", "fr", "es", "it")

# Garments named by plural-only nouns: the English lookup table would turn "shorts" into the
# length word "short" and "tights" into "tight", merging an item with an adjective.
PLURALIA_TANTUM = frozenset({
    "shorts", "tights", "leggings", "jeans", "jeggings", "trousers", "pants", "glasses",
    "sunglasses", "knickers", "joggers", "clothes", "overalls", "dungarees", "pyjamas", "pajamas",
    "briefs", "boxers", "flats", "pumps", "chinos", "culottes", "capris", "sweatpants", "trainers",
    "skinnies", "slacks", "hotpants", "flip-flops", "wellies",
})

_WORD_SPLIT = re.compile(r"[\s_]+")
_CLITICS = frozenset({"s", "m", "re", "ve", "ll", "d"})


class LexiconError(RuntimeError):
    """A language resource is missing from the installed packages."""


@lru_cache(maxsize=None)
def stop_words(lang: str) -> frozenset[str]:
    """spaCy's stop-word list for ``lang`` (lower case).

    The ``spacy/lang/<xx>/stop_words.py`` file is executed on its own (it only defines a set):
    importing the ``spacy.lang.<xx>`` package would also import spaCy, thinc and torch and build
    the French tokenizer exceptions, which costs ~15 s for nothing here.
    """
    spec = importlib.util.find_spec("spacy")
    if spec is None or not spec.submodule_search_locations:
        raise LexiconError("spacy: not installed")
    path = Path(list(spec.submodule_search_locations)[0]) / "lang" / lang / "stop_words.py"
    if not path.exists():
        raise LexiconError(f"{path}: spaCy has no stop-word list for {lang!r}")
    module_spec = importlib.util.spec_from_file_location(f"_fashion_stop_words_{lang}", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return frozenset(w.lower() for w in module.STOP_WORDS)


@lru_cache(maxsize=None)
def lemma_table(lang: str) -> dict:
    """spacy-lookups-data lemma lookup for ``lang`` as shipped: word form -> lemma (French values
    are lists of alternatives; German nouns are capitalised). ``lookup_lemma`` reads it."""
    import spacy_lookups_data

    path = Path(str(spacy_lookups_data.get_file(f"{lang}_lemma_lookup.json")))
    gz = path.with_name(path.name + ".gz")
    source = gz if gz.exists() else path
    if not source.exists():
        raise LexiconError(f"{source}: spacy-lookups-data has no lemma lookup for {lang!r}")
    opener = gzip.open if source.suffix == ".gz" else open
    with opener(source, "rt", encoding="utf-8") as fh:
        return json.load(fh)


def lookup_lemma(lang: str, word: str) -> str | None:
    """Lower-case lemma of a lower-case word, or None when the table does not list it. Tries the
    capitalised form too (German nouns: "kleider" -> "Kleider" -> "kleid")."""
    table = lemma_table(lang)
    lemma = table.get(word)
    if lemma is None:
        lemma = table.get(word.capitalize())
    if isinstance(lemma, list):  # French lists alternatives; the first is the common one
        lemma = lemma[0] if lemma else None
    return lemma.lower() if lemma is not None else None


@lru_cache(maxsize=None)
def _lemma_values(lang: str) -> frozenset[str]:
    """Lower-case lemmas of ``lang``'s lookup table (base forms are values, not keys: "love")."""
    out: set[str] = set()
    for value in lemma_table(lang).values():
        if isinstance(value, list):
            out.update(v.lower() for v in value)
        else:
            out.add(value.lower())
    return frozenset(out)


def is_dictionary_word(word: str, languages=LANGUAGES) -> bool:
    """True when a lower-case word is a form or lemma in a lookup table, or a stop word, of any
    of ``languages``: a real word, so never a misspelling of something else ("love", "kino")."""
    return any(word in stop_words(lang) or lookup_lemma(lang, word) is not None or word in _lemma_values(lang)
               for lang in languages)


def preload(languages=LANGUAGES) -> None:
    """Load every lemma table and stop list now (before fork(), so workers share them)."""
    for lang in languages:
        stop_words(lang)
        lemma_table(lang)


def fold(text: str) -> str:
    """NFKC, then lower case: the one form text mining compares words in (a decomposed "ä" is
    one letter, full-width letters and "＃" fold to ASCII)."""
    return unicodedata.normalize("NFKC", text).lower()


def split_words(phrase: str) -> list[str]:
    """Lower-case NFKC words of an ontology phrase (spaces/underscores separate words)."""
    return [w for w in _WORD_SPLIT.split(fold(phrase).strip()) if w]


def ontology_phrases(ontology) -> list[str]:
    """Every phrase the ontology matches on, in a fixed order: facet keywords, synonyms and brand
    names, emoji words, translation sources and targets (lower case, duplicates dropped)."""
    phrases: dict[str, None] = {}
    for facet in ontology.facets():
        for keywords in ontology.facet_terms(facet).values():
            phrases.update((k.lower(), None) for k in keywords)
    for item_words in ontology.emoji.values():
        phrases.update((p.lower(), None) for p in item_words)
    for table in ontology.translations.values():
        for source, target in table.items():
            phrases[source.lower()] = None
            phrases[target.lower()] = None
    return list(phrases)


def ontology_words(ontology) -> frozenset[str]:
    """Every lower-case word of the ontology's phrases."""
    return frozenset(w for phrase in ontology_phrases(ontology) for w in split_words(phrase))


def protected_words(ontology) -> frozenset[str]:
    """English words never dropped as stop words: one-word item/attribute/style keywords ("top",
    "down"), emoji words and translation targets. Brand names are not protected: "next", "only"
    or "his" would otherwise turn every sentence into a brand mention; words inside multi-word
    phrases are not either (the phrase "and other stories" is matched without its "and")."""
    words: set[str] = set()
    for facet in ontology.facets():
        if facet == "brands":
            continue
        for keywords in ontology.facet_terms(facet).values():
            words.update(k.lower() for k in keywords if len(split_words(k)) == 1)
    for item_words in ontology.emoji.values():
        words.update(p.lower() for p in item_words if len(split_words(p)) == 1)
    for table in ontology.translations.values():
        words.update(t.lower() for t in table.values() if len(split_words(t)) == 1)
    return frozenset(words)


@dataclass
class Lexicon:
    """Stop words, lemmas and translations for the supported languages, with a per-word cache.

    ``translations[lang][word]`` gives English words for a single foreign word;
    ``phrase_translations[lang][(w1, w2, ...)]`` the same for multi-word sources ("stickad tröja").
    """

    protected: frozenset[str] = frozenset()  # English words never treated as stop words
    translations: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    phrase_translations: Mapping[str, Mapping[tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)
    min_word_len: int = 2
    _cache: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_ontology(cls, ontology, min_word_len: int = 2) -> "Lexicon":
        single: dict[str, dict[str, tuple[str, ...]]] = {}
        phrases: dict[str, dict[tuple[str, ...], tuple[str, ...]]] = {}
        for lang, table in ontology.translations.items():
            for source, target in table.items():
                src = tuple(split_words(source))
                dst = tuple(split_words(target))
                if len(src) == 1:
                    single.setdefault(lang, {})[src[0]] = dst
                elif src:
                    phrases.setdefault(lang, {})[src] = dst
        return cls(protected=protected_words(ontology), translations=single,
                   phrase_translations=phrases, min_word_len=min_word_len)

    def is_stop(self, word: str, lang: str) -> bool:
        """English stop words (unless an ontology word) and, for other languages, that language's
        stop words (German "hat" is "has", not a hat: protection is English-only)."""
        if lang in LANGUAGES and lang != "en" and word in stop_words(lang):
            return True
        return word in stop_words("en") and word not in self.protected

    def lemma(self, word: str, lang: str) -> str:
        if word in PLURALIA_TANTUM:
            return word
        if lang in LANGUAGES and lang != "en":
            lemma = lookup_lemma(lang, word)
            if lemma is not None:
                return lemma
        return lookup_lemma("en", word) or word

    def normalize_word(self, word: str, lang: str) -> tuple[str, ...]:
        """Lower-case word -> its normalised English-side forms; () for stop words and noise."""
        key = (lang, word)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        result = self._normalize_word(word, lang)
        self._cache[key] = result
        return result

    def _normalize_word(self, word: str, lang: str) -> tuple[str, ...]:
        if "'" in word and word not in self.protected:
            head, _, tail = word.rpartition("'")
            if lang in ("fr", "it"):
                stem = tail  # elided article/pronoun: l'estate, j'adore
            elif word.endswith("n't"):
                stem = word[:-3]
            elif tail in _CLITICS:
                stem = head  # girl's, i'm, we're
            else:
                stem = word.replace("'", "")
            return self.normalize_word(stem, lang) if stem != word else ()
        if len(word) < self.min_word_len or not any(ch.isalpha() for ch in word):
            return ()
        table = self.translations.get(lang, {})
        if word in table:
            return self._english(table[word])
        if self.is_stop(word, lang):
            return ()
        lemma = self.lemma(word, lang)
        if lemma in table:
            return self._english(table[lemma])
        if lemma != word and self.is_stop(lemma, lang):
            return ()
        return (lemma,)

    def _english(self, words: Iterable[str]) -> tuple[str, ...]:
        out: list[str] = []
        for w in words:
            out.extend(self.normalize_word(w, "en"))
        return tuple(out)

    def normalize_words(self, words: Sequence[str], lang: str) -> list[str]:
        """Normalise a word sequence: multi-word translations first, then word by word."""
        phrases = self.phrase_translations.get(lang)
        sizes = range(max(map(len, phrases)), 1, -1) if phrases else ()
        out: list[str] = []
        i, n = 0, len(words)
        while i < n:
            if phrases:
                matched = False
                for size in sizes:
                    if i + size <= n:
                        target = phrases.get(tuple(words[i:i + size]))
                        if target is not None:
                            out.extend(self._english(target))
                            i += size
                            matched = True
                            break
                if matched:
                    continue
            out.extend(self.normalize_word(words[i], lang))
            i += 1
        return out
