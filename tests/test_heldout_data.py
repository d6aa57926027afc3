"""The hand-written held-out posts (tests/data/heldout_posts.jsonl) stay what the benchmark assumes."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from fashion.ontology import load_ontology

POSTS = Path(__file__).parent / "data" / "heldout_posts.jsonl"


def _posts():
    return [json.loads(line) for line in POSTS.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_heldout_set_covers_six_languages_and_posts_without_an_outfit():
    posts = _posts()
    assert len(posts) >= 100 and len({p["id"] for p in posts}) == len(posts)
    langs = Counter(p["lang"] for p in posts)
    assert set(langs) == {"en", "sv", "de", "fr", "es", "it"} and min(langs.values()) >= 15
    no_outfit = [p for p in posts if not p["outfit"]]
    assert len(no_outfit) >= len(posts) / 5
    assert all(not any(p["truth"].values()) for p in no_outfit)  # no outfit: empty truth everywhere
    assert sum(len(p["truth"]["categories"]) > 1 for p in posts) >= len(posts) / 3  # many multi-item


def test_heldout_truth_uses_ontology_keys_and_threads_are_consistent():
    ontology = load_ontology("ontology")
    keys = {"categories": set(ontology.category_keys()), "brands": set(ontology.brand_keys()),
            "material": set(ontology.value_keys("material")), "pattern": set(ontology.value_keys("pattern"))}
    for post in _posts():
        assert set(post["truth"]) == set(keys), post["id"]
        for facet, labels in post["truth"].items():
            assert set(labels) <= keys[facet], (post["id"], facet, labels)
        ids = [c["id"] for c in post.get("comments", [])]
        assert all(c.get("reply_to") in (None, *ids) for c in post.get("comments", [])), post["id"]
