"""Brand mentions read off the raw text (case and punctuation kept), with the evidence they carry.

Normalised tokens lose what tells "wearing Coach" from "my coach at the gym": capitals, "&",
the word before. This module looks at the NFKC text itself. A brand is found as 1-4 consecutive
raw words whose spelling-insensitive form (``fashion.ontology.compact_forms``: "H&M" = "hm" =
"handm", "Other Stories" = "& Other Stories", "Levi's" = "levis") names one ontology brand, and
the mention is *evidence* for it when

* it is written with "&" ("H&M", "Pull&Bear"), or
* it is capitalised (or ALL CAPS in a text that is not) and follows a brand-context word ("from",
  "by", "wearing", "c/o", "x"; "från", "von", "chez", "de", "di", ...), or
* it is capitalised and followed by an item word ("my Coach bag", "Mango skirt");
* a whole handle spelling a brand ("@hm") is evidence too, and so is a whole hashtag ("#guess") unless
  the concept lexicon gives that spelling P(brand) below ``TAG_BRAND_MIN`` ("#weekend", "#set") or
  it is an ontology word of its own ("#scarpa" is an Italian shoe before it is a brand).

``loose`` lists every brand mentioned, evidence or not: in a reply to a "where is it from?"
question (``asks_source``; the thread logic is in ``thread_cues``) any mention counts, even a
lower-case "it's from mango". The ranker lets a brand whose name is an everyday word (the
concept lexicon gives it P(brand) below ``rank.brand_concept_min``) score only through evidence.
"""
from __future__ import annotations

import re
from typing import NamedTuple, Sequence

from fashion.ontology import compact_forms

MAX_WORDS = 4
TAG_BRAND_MIN = 0.25
# Words after which a capitalised name is a brand ("a dress from Guess"), per language; lower case.
BRAND_CONTEXT = frozenset({
    "from", "by", "wearing", "wear", "wore", "worn", "in", "at", "c/o", "x", "&", "+", "via", "thanks",
    "från", "av", "hos", "med",                           # sv
    "von", "aus", "bei", "trage", "trägt", "mit",         # de
    "de", "chez", "par", "du", "avec",                    # fr
    "en", "por", "con", "llevo",                          # es
    "di", "da", "indosso",                                # it
})
_WORD_RE = re.compile(r"[^\W_](?:[\w'’&.\-]*[^\W_])?|&")
_TAG_RE = re.compile(r"[#@]([^\W_](?:[\w.]*[^\W_])?)")
# "Where is it from?" in the six languages (folded text).
_ASKS = re.compile("|".join((
    r"\bwhere\b[^?]*\b(?:from|get|got|buy|bought|find|found)\b", r"\bwhere'?s\b", r"\b(?:brand|link)\b[^.!]*\?",
    r"\bwho makes\b", r"\bvar\b[^?]*\b(?:ifrån|från|köpt|köper|hittar|hittade)\b", r"\bmärke\b",
    r"\bwoher\b", r"\bwo\b[^?]*\b(?:gekauft|her|bekommen|gibt)\b", r"\bmarke\b",
    r"\bd'où\b", r"\bvient d'où\b", r"\boù\b[^?]*\b(?:acheté|achète|trouvé|trouve)\b", r"\bmarque\b",
    r"\bde dónde\b", r"\bdónde\b[^?]*\b(?:compraste|comprar|compras|encontraste)\b", r"\bmarca\b",
    r"\bda dove\b", r"\bdove\b[^?]*\b(?:preso|presa|comprato|comprata|trovato|trovata)\b",
)))


class Mentions(NamedTuple):
    cues: list[str]     # brand keys mentioned with evidence, in text order (repeats kept)
    loose: list[str]    # every brand key mentioned
    asks_source: bool   # the text asks where something is from


class BrandMentions:
    """Finds brand mentions in raw text; built once from the ontology."""

    def __init__(self, ontology, item_words: frozenset[str] = frozenset(), plain_tags: frozenset[str] = frozenset()):
        forms: dict[str, set[str]] = {}
        concept: dict[str, float] = {}  # form -> least P(brand) of the names spelling it
        for brand in ontology.brands:
            for name in (brand.key.replace("_", " "), brand.name, *brand.aliases):
                p = ontology.concepts.get(name.lower(), {}).get("brand", 1.0)
                for form in compact_forms(name):
                    if len(form) >= 2:
                        forms.setdefault(form, set()).add(brand.key)
                        concept[form] = min(concept.get(form, 1.0), p)
        self.tag_ok = {form for form, p in concept.items() if p >= TAG_BRAND_MIN and form not in plain_tags}
        # a form two brands share names neither
        self.forms = {form: next(iter(keys)) for form, keys in forms.items() if len(keys) == 1}
        self.prefixes = {form[:k] for form in self.forms for k in range(1, len(form) + 1)}
        self.item_words = item_words
        self._compact: dict[str, tuple[str, ...]] = {}

    def _word_forms(self, word: str) -> tuple[str, ...]:
        hit = self._compact.get(word)
        if hit is None:
            hit = compact_forms(word)
            if len(self._compact) < 200_000:
                self._compact[word] = hit
        return hit

    def tag_ok_for(self, tag: str) -> bool:
        """Whether a whole hashtag is evidence for the brand it spells (see the module docstring)."""
        return any(form in self.tag_ok for form in compact_forms(tag))

    def brand_of(self, name: str) -> str | None:
        """The brand a hashtag, handle or phrase spells, or None."""
        for form in compact_forms(name):
            key = self.forms.get(form)
            if key is not None:
                return key
        return None

    def find(self, text: str) -> Mentions:
        """Mentions in one NFKC text (case kept)."""
        spans = [(m.start(), m.end()) for m in _WORD_RE.finditer(text)]
        words = [text[a:b] for a, b in spans]
        # a phrase's compact forms are its words' compact forms run together ("Other" + "Stories")
        compact = [self._word_forms(w) for w in words]
        tagged = [a > 0 and text[a - 1] in "#@" for a, _ in spans]
        shouting = sum(w.isupper() for w in words) > len(words) / 2
        forms, prefixes = self.forms, self.prefixes
        cues: list[str] = []
        loose: list[str] = []
        i = 0
        while i < len(words):
            found = None
            if not tagged[i] and words[i] != "&":  # hashtags and handles come whole, below
                joined = ["", ""]
                for n in range(1, min(MAX_WORDS, len(words) - i) + 1):
                    if n > 1 and tagged[i + n - 1]:
                        break
                    parts = compact[i + n - 1]
                    joined = [joined[0] + parts[0], joined[1] + parts[-1]]
                    if joined[0] not in prefixes and joined[1] not in prefixes:
                        break
                    key = forms.get(joined[0]) or forms.get(joined[1])
                    if key is not None:
                        found = (n, key)  # the longest match wins
            if found is None:
                i += 1
                continue
            n, key = found
            loose.append(key)
            if self._evidence(words, i, n, shouting):
                cues.append(key)
            i += n
        if "#" in text or "@" in text:
            for match in _TAG_RE.finditer(text):
                key = self.brand_of(match.group(1))
                if key is not None:
                    loose.append(key)
                    if match.group(0)[0] == "@" or self.tag_ok_for(match.group(1)):
                        cues.append(key)
        return Mentions(cues, loose, bool(_ASKS.search(text.lower())))

    def _evidence(self, words: Sequence[str], i: int, n: int, shouting: bool) -> bool:
        phrase = words[i:i + n]
        if any("&" in w for w in phrase) or (i and words[i - 1] == "&"):
            return True
        if shouting or not phrase[0][:1].isupper():  # capitals say nothing in a text that shouts
            return False
        before = words[i - 1].lower() if i else ""
        after = words[i + n].lower() if i + n < len(words) else ""
        return before in BRAND_CONTEXT or after in self.item_words


def thread_cues(mentions: Sequence[Mentions], parents: Sequence[int | None], starts_with_handle: Sequence[bool]
                ) -> list[list[str]]:
    """Per comment of one post, its brand cues plus, for a reply to a "where is it from?" comment,
    every brand it mentions. ``parents[i]`` is the index of the comment i answers (None: top level
    or unknown); when no comment of the post has one, a comment opening with an @handle answers
    any asking comment."""
    asked = [m.asks_source for m in mentions]
    any_asked = any(asked)
    threaded = any(p is not None for p in parents)  # the post's replies are linked: trust the links
    out = []
    for i, m in enumerate(mentions):
        parent = parents[i]
        if threaded:
            reply = parent is not None and 0 <= parent < len(mentions) and asked[parent]
        else:
            reply = any_asked and starts_with_handle[i] and not asked[i]
        out.append(list(m.loose) if reply else list(m.cues))
    return out
