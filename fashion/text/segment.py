"""Hashtag segmentation: wordsegment's Norvig unigram model, taught the ontology and the corpus.

wordsegment alone splits "#ootd" into "oo td" and knows nothing of brand handles or Swedish item
words. ``HashtagSegmenter.teach_words`` raises ontology words (keywords, synonyms, brand names,
translation words) and known fashion slang to a high count and ``teach_corpus`` adds the corpus'
own word frequencies, so "#woolcoat" -> wool coat, "#ootd" stays whole and "#ullkappa" -> ull kappa.

The search is a Viterbi dynamic programme over wordsegment's unigram scores (its unknown-word
penalty included): O(len * 24) dictionary lookups per tag. wordsegment's own recursive search
also conditions on the previous word and costs ~100x more (milliseconds per tag), too slow for
the paper's 1.8 M hashtags.
"""
from __future__ import annotations

import math
import unicodedata
from typing import Iterable, Mapping

import wordsegment

from fashion.text.lexicon import fold, split_words

# Fashion slang that is one word in use; segmenting would destroy it ("ootd" -> "oo td").
FASHION_SLANG = (
    "ootd", "ootn", "ootw", "wiwt", "lotd", "fotd", "motd", "fashionista", "fashionistas",
    "streetwear", "athleisure", "lookbook", "flatlay", "normcore", "instafashion", "instastyle",
    "boho", "preppy", "activewear", "loungewear", "knitwear",
)

# Rank in wordsegment's unigram list whose count taught words get: common, but far below
# function words, so a taught word wins a split without swallowing its neighbours.
TAUGHT_RANK = 1000


class HashtagSegmenter(wordsegment.Segmenter):
    """wordsegment.Segmenter that keeps non-ASCII letters and can be taught words."""

    def __init__(self, min_len: int = 4, max_len: int = 30):
        super().__init__()
        self.load()
        self.min_len = min_len
        self.max_len = max_len
        counts = sorted(self.unigrams.values(), reverse=True)
        self.taught_count = counts[min(TAUGHT_RANK, len(counts) - 1)]
        self._memo: dict[str, tuple[str, ...]] = {}
        self.phrase_units: dict[str, tuple[float, tuple[str, ...]]] = {}  # "leatherjacket" -> (count, words)
        self._table: dict | None = None
        self._prefixes: set[str] = set()

    @classmethod
    def clean(cls, text: str) -> str:
        # wordsegment's own clean() drops every non-ASCII letter ("sjal" would survive, "väska" not);
        # combining marks stay too, or a decomposed "ä" and Devanagari vowel signs vanish ("साड़ी").
        return "".join(ch for ch in fold(text)
                       if ch.isalnum() or unicodedata.category(ch)[0] == "M")

    def teach_words(self, words: Iterable[str], count: float | None = None) -> None:
        """Make each word of each phrase at least ``count`` frequent (default: taught_count); a
        multi-word phrase also becomes a unit, so its run-together spelling splits into it."""
        count = self.taught_count if count is None else count
        for phrase in words:
            parts = tuple(p for p in (self.clean(w) for w in split_words(phrase)) if p)
            for part in parts:
                if len(part) >= 2 and self.unigrams.get(part, 0.0) < count:  # single letters would split everything
                    self.unigrams[part] = count
            if len(parts) > 1:
                joined = "".join(parts)
                if self.phrase_units.get(joined, (0.0, ()))[0] < count:
                    self.phrase_units[joined] = (count, parts)
        self._memo.clear()
        self._table = None

    def teach_corpus(self, counts: Mapping[str, int], min_count: int = 3) -> int:
        """Add the corpus' word frequencies, rescaled to the model's total; returns words raised."""
        total = float(sum(counts.values()))
        if total <= 0:
            return 0
        scale = self.total / total
        raised = 0
        for word, n in counts.items():
            if n < min_count:
                continue
            key = self.clean(word)
            if key and self.unigrams.get(key, 0.0) < n * scale:
                self.unigrams[key] = n * scale
                raised += 1
        self._memo.clear()
        self._table = None
        return raised

    def split(self, hashtag: str) -> tuple[str, ...]:
        """Words of one hashtag (lower case, no '#'); short and very long tags stay whole."""
        hit = self._memo.get(hashtag)
        if hit is not None:
            return hit
        clean = self.clean(hashtag)
        if not clean:
            words: tuple[str, ...] = ()
        elif len(clean) < self.min_len or len(clean) > self.max_len:
            words = (clean,)
        else:
            words = self._viterbi(clean)
        self._memo[hashtag] = words
        return words


    def _scores(self) -> dict[str, tuple[float, tuple[str, ...] | None]]:
        """piece -> (log10 probability, phrase words or None), rebuilt after teaching; also the set
        of proper prefixes of those pieces, so the search stops extending a piece no word starts with."""
        if self._table is None:
            log_total = math.log10(self.total)
            table = {w: (math.log10(c) - log_total, None) for w, c in self.unigrams.items() if c > 0}
            for joined, (count, words) in self.phrase_units.items():
                logp = math.log10(count) - log_total
                if joined not in table or table[joined][0] < logp:
                    table[joined] = (logp, words)
            self._prefixes = {w[:k] for w in table for k in range(1, len(w))}
            self._table = table
        return self._table

    def _viterbi(self, text: str) -> tuple[str, ...]:
        """Most probable split under the unigram model: best[i] = max_j best[j] + log P(text[j:i]);
        a taught phrase unit ("leatherjacket" -> leather jacket) competes as one piece.

        Known pieces are relaxed forwards from each j only while text[j:i] is a prefix of some
        known piece; unknown pieces score unknown - (i - j) (wordsegment's 10 / (total * 10 ** len)),
        so the best unknown piece ending at i is unknown - i + max over the window of best[j] + j.
        A known piece always beats its unknown reading (counts >= 1 give log P >= -log10(total)),
        so this finds the best score of the exhaustive search over all pieces of up to ``limit``
        characters (exact ties between splits may resolve differently), in ~30% less time."""
        table = self._scores()
        prefixes = self._prefixes
        unknown = 1.0 - math.log10(self.total)
        limit = self.limit
        n = len(text)
        known = [-math.inf] * (n + 1)                      # best score reaching i with a known piece
        known_back: list[tuple[int, tuple[str, ...] | None]] = [(0, None)] * (n + 1)
        best = [0.0] * (n + 1)
        back: list[tuple[int, tuple[str, ...] | None]] = [(0, None)] * (n + 1)
        reach = [0.0] * (n + 1)                            # best[j] + j, for the unknown-piece window
        for i in range(n + 1):
            if i > 0:
                lo = max(0, i - limit)
                window = reach[lo:i]
                top = max(window)
                j = lo + window.index(top)
                score = unknown - i + top
                if known[i] >= score:
                    best[i], back[i] = known[i], known_back[i]
                else:
                    best[i], back[i] = score, (j, None)
                reach[i] = best[i] + i
            # relax known pieces starting at i
            base = best[i]
            for end in range(i + 1, min(n, i + limit) + 1):
                piece = text[i:end]
                hit = table.get(piece)
                if hit is not None and base + hit[0] > known[end]:
                    known[end], known_back[end] = base + hit[0], (i, hit[1])
                if piece not in prefixes:
                    break
        out: list[str] = []
        i = n
        while i > 0:
            j, words = back[i]
            out.extend(reversed(words) if words else (text[j:i],))
            i = j
        return tuple(reversed(out))


def build_segmenter(ontology_phrases: Iterable[str], corpus_counts: Mapping[str, int] | None = None,
                    min_len: int = 4, max_len: int = 30, min_corpus_count: int = 3,
                    slang: Iterable[str] = FASHION_SLANG) -> HashtagSegmenter:
    """A segmenter taught, in order, the corpus frequencies, the ontology phrases and the slang."""
    segmenter = HashtagSegmenter(min_len=min_len, max_len=max_len)
    if corpus_counts:
        segmenter.teach_corpus(corpus_counts, min_count=min_corpus_count)
    phrases = list(ontology_phrases)
    # A run-together spelling of a multi-word phrase ("leatherjacket" beside "leather jacket")
    # is not taught as a word: the phrase unit wins and the hashtag splits into the phrase.
    joined = {"".join(segmenter.clean(w) for w in split_words(p)) for p in phrases if len(split_words(p)) > 1}
    segmenter.teach_words(p for p in phrases if len(split_words(p)) > 1 or segmenter.clean(p) not in joined)
    segmenter.teach_words(slang, count=segmenter.taught_count * 10)
    segmenter._scores()  # build the log-probability table now, not inside the first text
    return segmenter
