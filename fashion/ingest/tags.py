"""Hashtags and mentions from caption text (Unicode-aware, NFKC, lower case, no sigil)."""
from __future__ import annotations

import unicodedata
from typing import Iterable

HASH_SIGILS = "#\uff03"   # '#' and the full-width form Instagram also links
MENTION_SIGILS = "@\uff20"


def nfkc(text: str) -> str:
    """NFKC form: decomposed accents compose, full-width and ligature forms fold, so the same
    word typed two ways is one token downstream."""
    return unicodedata.normalize("NFKC", text)


def _is_tag_char(ch: str) -> bool:
    # letters, digits and combining marks of any script (Devanagari vowel signs, accents), '_', ZWJ/ZWNJ
    return ch == "_" or ch in "\u200c\u200d" or unicodedata.category(ch)[0] in "LNM"


def _is_word_char(ch: str) -> bool:
    return ch == "_" or unicodedata.category(ch)[0] in "LNM"


def _extract(text: str, sigils: str, allow_dots: bool) -> list[str]:
    text = nfkc(text)  # '＃' folds to '#'; composed letters keep a tag in one piece
    found: list[str] = []
    i, n, last_end = 0, len(text), -1
    while i < n:
        # "#a#b" chains tags; otherwise a sigil inside a word ("me@x.com") starts nothing
        if text[i] in sigils and (i == 0 or i == last_end or not _is_word_char(text[i - 1])):
            j = i + 1
            while j < n and (_is_tag_char(text[j]) or (allow_dots and text[j] == "." and j + 1 < n
                                                       and _is_tag_char(text[j + 1]))):
                j += 1
            word = text[i + 1:j]
            # "#1" is not a hashtag on Instagram: a tag needs a non-digit
            if word and not word.replace("_", "").isdigit():
                found.append(word.lower())
                last_end = j
            i = max(j, i + 1)
        else:
            i += 1
    return list(dict.fromkeys(found))


def extract_hashtags(text: str) -> list[str]:
    """`#Tag` words in order of first use, lower case, without '#', deduplicated."""
    return _extract(text, HASH_SIGILS, allow_dots=False)


def extract_mentions(text: str) -> list[str]:
    """`@handle` names (letters, digits, '_' and inner '.') in order, lower case, without '@'."""
    return _extract(text, MENTION_SIGILS, allow_dots=True)


def normalise_tags(values: Iterable[str], sigils: str) -> list[str]:
    """Tags given by an export's own field: sigil stripped, lower case, blanks and repeats dropped."""
    out = []
    for value in values:
        word = nfkc(value).strip().lstrip(sigils).strip().lower()
        if word:
            out.append(word)
    return list(dict.fromkeys(out))
