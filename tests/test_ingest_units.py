"""Ingest building blocks: tag extraction, time parsing, path containment, reject rows."""
from __future__ import annotations

import os
from datetime import datetime, timezone

import pytest

from fashion.ingest.fields import parse_timestamp
from fashion.ingest.paths import DumpRoot, PathEscape, media_name
from fashion.ingest.rejects import REASON_CODES, Reject
from fashion.ingest.tags import HASH_SIGILS, MENTION_SIGILS, extract_hashtags, extract_mentions, normalise_tags


@pytest.mark.parametrize("text, tags", [
    ("New #Dress and #dress again", ["dress"]),
    ("#Zürich#Fashion chained", ["zürich", "fashion"]),
    ("Hindi #साड़ी and Greek #Φόρεμα", ["साड़ी", "φόρεμα"]),
    ("full width ＃Kleid", ["kleid"]),
    ("not tags: a#b, #123, # alone", []),
    ("#2018style #tag_with_underscore.", ["2018style", "tag_with_underscore"]),
    ("", []),
])
def test_hashtags(text, tags):
    assert extract_hashtags(text) == tags


@pytest.mark.parametrize("text, handles", [
    ("by @Zara. and @h.m_official, thanks", ["zara", "h.m_official"]),
    ("mail me@example.com", []),
    ("@a@b", ["a", "b"]),
    ("@Łódź_Style!", ["łódź_style"]),
])
def test_mentions(text, handles):
    assert extract_mentions(text) == handles


def test_given_tags_are_normalised():
    assert normalise_tags(["#Summer", "summer", " Linen ", "", "#"], "#") == ["summer", "linen"]


def test_tags_are_nfkc():
    """Decomposed and composed spellings are one tag; full-width sigils and letters fold to ASCII."""
    composed, decomposed = "kl\u00e4nning", "kla\u0308nning"
    assert extract_hashtags(f"#{decomposed} #{composed}") == [composed]
    assert extract_hashtags("＃ｄｒｅｓｓ and ＃Ｄｒｅｓｓ") == ["dress"]
    assert extract_mentions("＠Ｚａｒａ＿ｏｆｆｉｃｉａｌ") == ["zara_official"]
    assert normalise_tags(["＃Ｄｒｅｓｓ", decomposed, composed], HASH_SIGILS) == ["dress", composed]
    assert normalise_tags(["＠ｍａｎｇｏ", "mango"], MENTION_SIGILS) == ["mango"]


@pytest.mark.parametrize("value, expected", [
    (1514800000, datetime(2018, 1, 1, 9, 46, 40, tzinfo=timezone.utc)),
    (1514800000.5, datetime(2018, 1, 1, 9, 46, 40, 500000, tzinfo=timezone.utc)),
    ("1514800000", datetime(2018, 1, 1, 9, 46, 40, tzinfo=timezone.utc)),
    (1514800000123, datetime(2018, 1, 1, 9, 46, 40, 123000, tzinfo=timezone.utc)),  # milliseconds
    ("2020-03-01T12:00:00.000Z", datetime(2020, 3, 1, 12, tzinfo=timezone.utc)),
    ("2020-03-01T14:00:00+02:00", datetime(2020, 3, 1, 12, tzinfo=timezone.utc)),
    ("2020-03-01 12:00:00", datetime(2020, 3, 1, 12, tzinfo=timezone.utc)),  # naive = UTC
])
def test_timestamps_are_utc(value, expected):
    parsed = parse_timestamp(value)
    assert parsed == expected and parsed.utcoffset().total_seconds() == 0


@pytest.mark.parametrize("value, error", [
    (True, TypeError), ([1], TypeError), (None, TypeError), ("soon", ValueError),
    (float("nan"), ValueError), (-5, ValueError), (10 ** 30, ValueError), ("9999-01-01T00:00:00Z", ValueError),
])
def test_bad_timestamps(value, error):
    with pytest.raises(error):
        parse_timestamp(value)


def test_names_cannot_escape_the_dump(tmp_path):
    root = DumpRoot(tmp_path / "dump")
    folder = tmp_path / "dump" / "a"
    folder.mkdir(parents=True)
    (folder / "ok.jpg").write_bytes(b"x")
    assert root.resolve_name(folder, "ok.jpg") == folder / "ok.jpg"
    assert root.resolve_name(folder, "sub/new.jpg") == folder / "sub" / "new.jpg"
    for bad in ("../../x.jpg", "/etc/passwd", "C:\\x.jpg", "..", "", "a\x00b"):
        with pytest.raises(PathEscape):
            root.resolve_name(folder, bad)
    os.symlink(tmp_path, folder / "up")  # a link inside the dump that points above it
    with pytest.raises(PathEscape):
        root.resolve_name(folder, "up/secret.jpg")
    # containment is judged on the resolved path: a detour that lands inside is the same file
    assert root.resolve_name(folder, "up/dump/a/ok.jpg") == folder / "up" / "dump" / "a" / "ok.jpg"
    assert root.relative(folder / "ok.jpg") == "a/ok.jpg"


def test_media_names_come_from_url_paths():
    assert media_name("https://scontent.cdninstagram.com/v/t51/123_n.jpg?stp=dst&_nc=1") == "123_n.jpg"
    assert media_name("http://x.example/") == ""
    assert media_name("images/a.jpg") == "images/a.jpg"


def test_reject_rows():
    reject = Reject("alice/x.json.xz", "", "corrupt_xz", "Compressed file ended before the end-of-stream marker")
    assert reject.row() == {"source": "alice/x.json.xz", "record": "", "code": "corrupt_xz",
                            "reason": "corrupt_xz: alice/x.json.xz: Compressed file ended before the end-of-stream marker"}
    with pytest.raises(ValueError):
        Reject("a", "", "no_such_code", "x")
    assert len(REASON_CODES) == len(set(REASON_CODES))
