"""Offline language detection for short social-media texts (en, sv, de, fr, es, it).

Two detectors with one interface, ``detect(words) -> code``:

* ``LinguaDetector`` (the default, ``normalize.language_detector: lingua``): lingua-language-
  detector restricted to the six languages (its n-gram models ship in the wheel). On the
  hand-written held-out captions it names 120 of 120 languages right, the detector below 119
  (benchmarks/heldout_text.py); it costs ~40 us per text and ~1.4 s to load once.
* ``LanguageDetector`` (``stopwords``): the project's own stop-word + trigram model.

Each language gets a profile built from its spaCy stop-word list plus the ontology's
translation words for it (English: the ontology's own words):
  * a word list: a stop word is strong evidence, shared by the languages that list it;
  * a character trigram model ("^kl", "klä", ...) with add-alpha smoothing, so words that are
    in no list still vote through their spelling (å/ä/ö, "sch", "gli", "ción", ...).
A text's score for a language is the sum over its words of the stop-word bonus plus the word's
mean trigram log-probability relative to the other languages; the default language (English)
starts with a small bonus. Word scores are cached.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from typing import Iterable, Mapping, Sequence

from fashion.choices import LANGUAGE_DETECTORS
from fashion.text.lexicon import LANGUAGES, stop_words

UNDETERMINED = "und"
DETECTORS = LANGUAGE_DETECTORS  # fashion.choices: params validation reads the same names
_LINGUA_NAMES = {"en": "ENGLISH", "sv": "SWEDISH", "de": "GERMAN", "fr": "FRENCH", "es": "SPANISH", "it": "ITALIAN"}
# All detectable languages write in Latin script: a word without a Latin letter (Arabic, Cyrillic,
# Devanagari...) is evidence for none of them, not a vote for whichever scores its trigrams best.
_LATIN_LETTER = re.compile(r"[A-Za-z\u00C0-\u024F\u1E00-\u1EFF]")


def _trigrams(word: str) -> list[str]:
    padded = f"^{word}$"
    return [padded[i:i + 3] for i in range(len(padded) - 2)]


class LanguageDetector:
    """Stop-word + character-trigram language identifier. ``detect(words)`` -> language code."""

    def __init__(self, vocabularies: Mapping[str, Iterable[str]], stop_sets: Mapping[str, Iterable[str]],
                 default: str = "en", stop_weight: float = 3.0, default_bonus: float = 1.0,
                 alpha: float = 0.5):
        self.languages = tuple(vocabularies)
        if default not in self.languages:
            raise ValueError(f"default language {default!r} has no profile")
        self.default = default
        self.stop_weight = stop_weight
        self.default_bonus = default_bonus
        self.stop_sets = {lang: frozenset(stop_sets.get(lang, ())) for lang in self.languages}
        counts = {lang: Counter(g for w in set(words) for g in _trigrams(w))
                  for lang, words in vocabularies.items()}
        space = set().union(*counts.values())
        self._logp: dict[str, dict[str, float]] = {}
        self._unseen: dict[str, float] = {}
        for lang, c in counts.items():
            total = sum(c.values()) + alpha * (len(space) + 1)
            self._logp[lang] = {g: math.log((n + alpha) / total) for g, n in c.items()}
            self._unseen[lang] = math.log(alpha / total)
        self._cache: dict[str, tuple[float, ...]] = {}

    @classmethod
    def from_resources(cls, translations: Mapping[str, Mapping[str, str]], english_words: Iterable[str] = (),
                       languages: Sequence[str] = LANGUAGES, **kwargs) -> "LanguageDetector":
        """Profiles from spaCy stop words plus ontology translation words per language."""
        vocab: dict[str, set[str]] = {}
        stops: dict[str, frozenset[str]] = {}
        for lang in languages:
            stops[lang] = stop_words(lang)
            words = set(w for w in stops[lang] if w.isalpha())
            for source in translations.get(lang, {}):
                words.update(source.lower().split())
            if lang == "en":
                words.update(w for w in english_words if w.isalpha())
                for table in translations.values():
                    for target in table.values():
                        words.update(target.lower().split())
            vocab[lang] = words
        return cls(vocab, stops, **kwargs)

    def word_scores(self, word: str) -> tuple[float, ...]:
        """Per-language evidence of one lower-case word (cached)."""
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        grams = _trigrams(word)
        char = [sum(self._logp[lang].get(g, self._unseen[lang]) for g in grams) / len(grams)
                for lang in self.languages]
        mean = sum(char) / len(char)
        listed = [word in self.stop_sets[lang] for lang in self.languages]
        shared = sum(listed) or 1
        scores = tuple(c - mean + (self.stop_weight / shared if is_stop else 0.0)
                       for c, is_stop in zip(char, listed))
        self._cache[word] = scores
        return scores

    def detect(self, words: Sequence[str]) -> str:
        """Language of a text given its lower-case alphabetic words; "und" when it has none in
        Latin script."""
        cache = self._cache
        rows = [cache.get(w) or self.word_scores(w) for w in words if w.isalpha() and _LATIN_LETTER.search(w)]
        if not rows:
            return UNDETERMINED
        totals = [sum(column) for column in zip(*rows)]
        # Instagram fashion text is mostly English: the default language gets a fixed head start,
        # so two or three words without any stop word do not flip it on spelling alone.
        totals[self.languages.index(self.default)] += self.default_bonus
        best = max(range(len(totals)), key=lambda i: (totals[i], self.languages[i] == self.default))
        return self.languages[best]


class LinguaDetector:
    """lingua-language-detector over the supported languages, same interface as LanguageDetector.

    A text without a Latin-script word is "und"; one lingua cannot decide on (too short, equally
    likely) gets the default language, as the stop-word detector's head start does."""

    def __init__(self, languages: Sequence[str] = LANGUAGES, default: str = "en"):
        from lingua import Language, LanguageDetectorBuilder

        if default not in languages:
            raise ValueError(f"default language {default!r} is not detected")
        self.languages = tuple(languages)
        self.default = default
        self._code = {getattr(Language, _LINGUA_NAMES[lang]): lang for lang in self.languages}
        self._detector = LanguageDetectorBuilder.from_languages(*self._code).build()
        self._detector.detect_language_of("preload")  # load the models now (before fork: workers share them)
        self._cache: dict[str, str] = {}

    def detect(self, words: Sequence[str]) -> str:
        latin = [w for w in words if w.isalpha() and _LATIN_LETTER.search(w)]
        if not latin:
            return UNDETERMINED
        text = " ".join(latin)
        hit = self._cache.get(text)
        if hit is None:
            found = self._detector.detect_language_of(text)
            hit = self._code.get(found, self.default) if found is not None else self.default
            if len(self._cache) < 100_000:  # short texts repeat ("love it", "so pretty")
                self._cache[text] = hit
        return hit


def build_detector(kind: str, translations: Mapping[str, Mapping[str, str]], english_words: Iterable[str] = ()):
    """``lingua`` or ``stopwords`` (see the module docstring)."""
    if kind == "lingua":
        return LinguaDetector()
    if kind == "stopwords":
        return LanguageDetector.from_resources(translations, english_words)
    raise ValueError(f"normalize.language_detector: {kind!r} is not one of {', '.join(DETECTORS)}")
