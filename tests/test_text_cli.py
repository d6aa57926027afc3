"""`fashion annotate` and the normalize -> embed -> rank commands on a tiny corpus."""
from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fashion.cli import main


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A tiny ingest-shaped corpus with truth, run through normalize, embed and rank by the CLI."""
    d = tmp_path_factory.mktemp("text_cli")
    captions = ["My new wool coat #woolcoat #ootd", "Silk dress for the party #silkdress",
                "Leather jacket and boots today #leatherjacket", "Cosy wool jumper #knitwear",
                "Floral silk blouse at the office", "Black leather boots #boots"]
    posts = {"post_id": [], "caption": [], "hashtags": []}
    comments = {"post_id": [], "comment_id": [], "text": []}
    for i in range(60):
        pid = f"p{i}"
        posts["post_id"].append(pid)
        posts["caption"].append(captions[i % len(captions)])
        posts["hashtags"].append([])
        for j, text in enumerate(["love it 😍", f"where is the {captions[i % 6].split()[2]} from?"]):
            comments["post_id"].append(pid)
            comments["comment_id"].append(f"{pid}_{j}")
            comments["text"].append(text)
    pq.write_table(pa.table(posts), d / "posts.parquet")
    pq.write_table(pa.table(comments), d / "comments.parquet")
    truth_category = ["coats", "dresses", "jackets", "jumpers_and_cardigans", "blouses_and_tunics", "shoes"]
    pq.write_table(pa.table({"post_id": posts["post_id"], "item": pa.array([0] * 60, pa.int32()),
                             "category": [truth_category[i % 6] for i in range(60)],
                             "material": [[["wool"], ["silk"], ["leather"], ["wool"], ["silk"], ["leather"]][i % 6]
                                          for i in range(60)]}), d / "truth.parquet")
    assert main(["normalize", "--posts", str(d / "posts.parquet"), "--comments", str(d / "comments.parquet"),
                 "--out", str(d / "tokens.parquet"), "--workers", "1"]) == 0
    assert main(["embed", "--tokens", str(d / "tokens.parquet"), "--out", str(d / "vectors.kv"), "--min-count", "1",
                 "--vector-size", "16", "--epochs", "5", "--metrics", str(d / "embed.json")]) == 0
    assert main(["rank", "--tokens", str(d / "tokens.parquet"), "--vectors", str(d / "vectors.kv"),
                 "--out", str(d / "annotations.parquet"), "--truth", str(d / "truth.parquet"),
                 "--metrics", str(d / "text_mining.json")]) == 0
    return d


def test_stage_outputs_follow_the_contract(workdir):
    tokens = pq.read_table(workdir / "tokens.parquet")
    assert tokens.column_names == ["post_id", "field", "text_id", "lang", "tokens", "hashtags", "segmented",
                                   "emojis", "handles", "cues"]
    ann = pq.read_table(workdir / "annotations.parquet")
    assert ann.column_names == ["post_id", "facet", "rank", "term", "score", "share"]
    rows = ann.to_pylist()
    first = [r for r in rows if r["post_id"] == "p0" and r["facet"] == "categories"]
    assert [r["rank"] for r in first] == list(range(1, len(first) + 1)) and first[0]["term"] == "coats"
    assert sum(r["share"] for r in first) == pytest.approx(100.0)
    metrics = json.loads((workdir / "text_mining.json").read_text())
    assert metrics["formula"] == "multiplicative" and metrics["k"] == 4
    assert set(metrics["facets"]) == {"categories", "material"} == set(metrics["baseline"])
    for block in (metrics["facets"], metrics["baseline"]):
        assert set(block["categories"]) >= {"precision@1", "precision@k", "recall@k", "f1@k"}
    assert metrics["facets"]["categories"]["precision@1"] >= 0.8  # every caption names its item
    embed = json.loads((workdir / "embed.json").read_text())
    assert {"corpus_tokens", "vocabulary", "train_seconds", "spearman", "model"} <= set(embed)


def test_annotate_json(workdir, capsys):
    code = main(["annotate", "--caption", "Obsessed with my new wool coat", "--hashtag", "#winterstyle",
                 "--comment", "love the coat", "--vectors", str(workdir / "vectors.kv"), "--top-k", "3", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out) == ["categories", "subcategories", "materials", "patterns", "styles", "brands"]
    assert out["categories"][0]["term"] == "coats"
    assert out["materials"][0]["term"] == "wool"
    for picked in out.values():
        assert len(picked) <= 3
        assert all(set(p) == {"term", "score", "share"} for p in picked)
        if picked:
            assert sum(p["share"] for p in picked) == pytest.approx(100.0, abs=0.05)
            assert [p["score"] for p in picked] == sorted((p["score"] for p in picked), reverse=True)


def test_embed_names_a_missing_wordsim_file_and_skips_on_empty(workdir, tmp_path, capsys):
    args = ["embed", "--tokens", str(workdir / "tokens.parquet"), "--out", str(tmp_path / "v.kv"), "--min-count", "1",
            "--vector-size", "8", "--epochs", "1", "--metrics", str(tmp_path / "embed.json")]
    capsys.readouterr()
    assert main(args + ["--wordsim", str(tmp_path / "nowhere.tsv")]) == 1
    assert "nowhere.tsv: not found" in capsys.readouterr().err
    assert main(args + ["--wordsim", ""]) == 0
    embed = json.loads((tmp_path / "embed.json").read_text())
    assert embed["spearman"] is None and "wordsim_pairs" not in embed


def test_annotate_without_vectors_says_which_stage(tmp_path, capsys):
    code = main(["annotate", "--caption", "wool coat", "--vectors", str(tmp_path / "missing.kv"), "--json"])
    assert code == 1
    assert "embed stage" in capsys.readouterr().err


def test_annotate_does_not_count_a_caption_hashtag_twice(workdir, capsys):
    def run(*tags):
        args = ["annotate", "--caption", "Love my #wool-coat", "--vectors", str(workdir / "vectors.kv"), "--json"]
        for tag in tags:
            args += ["--hashtag", tag]
        assert main(args) == 0
        return json.loads(capsys.readouterr().out)

    alone = run()
    assert alone["materials"][0]["term"] == "wool"
    # "wool" is how an extractor stopping at '-' reads the caption's tag: already counted
    assert run("#wool", "＃Wool") == alone
    assert run("#silk")["materials"] != alone["materials"]


# The cases of issue 18's "Why": everyday words that are brand names, generic words inside brand
# names, and brands written the way people write them.
NO_BRAND = [
    ("Guess what, I finally found the perfect black dress", []),
    ("My coach at the gym says I need new trainers", []),
    ("See you next week! Wearing my comfy jeans", []),
    ("Mind the gap, London trip with my red coat", []),
    ("Mango and passion fruit smoothie for breakfast", []),
    ("Pink top and an orange scarf today", []),              # colour words inside Mink Pink, Boss Orange
    ("New socks and my favourite jeans", []),                # item words inside Happy Socks, Tommy Jeans
    ("Cosy cashmere jumper and black boots", []),            # material word inside FTC / Johnstons Cashmere
    ("Love this bag so much", ["where is it from?", "@anna it's vintage, sorry!"]),
]
BRANDS = [
    ("Love my new bag from Coach", [], [], {"coach"}),
    ("Dress by Next, shoes from Guess", [], [], {"next", "guess"}),
    ("Blazer from H&M and trench from & Other Stories", [], [], {"h_and_m", "and_other_stories"}),
    ("Cardigan från Other Stories", [], [], {"and_other_stories"}),       # without its article
    ("Ma nouvelle robe", ["elle vient d'où ?", "@anna zara"], [], {"zara"}),
    ("Loving my new top", ["where is the top from?", "@lisa it's from mango"], [], {"mango"}),
    ("Min nya kjol, så nöjd", [], ["#mango"], {"mango"}),                # hashtag beside a Swedish caption
    ("Gifted these by @happysocks", [], [], {"happy_socks"}),
]


def _annotate(workdir, capsys, caption, comments=(), hashtags=()):
    args = ["annotate", "--caption", caption, "--vectors", str(workdir / "vectors.kv"), "--json"]
    for c in comments:
        args += ["--comment", c]
    for h in hashtags:
        args += ["--hashtag", h]
    assert main(args) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("caption, comments", NO_BRAND)
def test_annotate_gives_no_false_brand(workdir, capsys, caption, comments):
    assert _annotate(workdir, capsys, caption, comments)["brands"] == []


@pytest.mark.parametrize("caption, comments, hashtags, brands", BRANDS)
def test_annotate_finds_brands_written_as_people_write_them(workdir, capsys, caption, comments, hashtags, brands):
    assert {p["term"] for p in _annotate(workdir, capsys, caption, comments, hashtags)["brands"]} == brands


def test_annotate_drops_what_is_not_worn(workdir, capsys):
    out = _annotate(workdir, capsys, "Not wearing heels today, just my wool coat")
    assert [p["term"] for p in out["categories"]] == ["coats"]
