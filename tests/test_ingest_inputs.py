"""Ingest: every PATH's post count in the metrics, and a PATH that gives no post is warned about
(CLI and stage) and, with `fashion ingest --strict`, fails the run."""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from fashion.ingest import IngestConfig, ingest, no_post_warnings
from fashion.ingest.commands import register
from ingest_fixtures import build_annotations, build_instaloader, build_scraper, jpeg_bytes

REPO = Path(__file__).resolve().parents[1]
QUIET = IngestConfig(progress=False)


def cli(*argv: str) -> int:
    """`fashion ingest ARGV` in this process (the ingest sub-command alone, as fashion.cli builds it)."""
    parser = argparse.ArgumentParser(prog="fashion")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["ingest", *argv, "--no-progress"])
    return args.func(args)


@pytest.fixture
def dumps(tmp_path):
    """A good dump, an empty folder and a folder of files that are no posts."""
    good = build_instaloader(tmp_path / "good")
    empty = tmp_path / "empty"
    (empty / "sub").mkdir(parents=True)  # folders without files hold nothing either
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "notes.csv").write_text("a,b\n")
    (junk / "photo.jpg").write_bytes(jpeg_bytes())
    return good, empty, junk


def test_every_path_is_listed_with_its_post_count_in_the_order_given(tmp_path, dumps):
    good, empty, junk = dumps
    export = build_scraper(tmp_path / "scraper") / "carol" / "carol.json"
    metrics = ingest([str(export), junk, good, empty, tmp_path / "nowhere"], tmp_path / "out", QUIET)
    assert metrics["inputs"] == [
        {"path": str(export), "posts": 2},
        {"path": str(junk), "posts": 0,
         "no_post": "2 reject row(s): orphan_media, unrecognised_file; see rejects.parquet"},
        {"path": str(good), "posts": 4},
        {"path": str(empty), "posts": 0, "no_post": "no files in it"},
        {"path": str(tmp_path / "nowhere"), "posts": 0, "no_post": "no such file or folder"},
    ]
    assert sum(entry["posts"] for entry in metrics["inputs"]) == metrics["posts"] == 6
    assert no_post_warnings(metrics) == [
        f"{junk}: no post found (2 reject row(s): orphan_media, unrecognised_file; see rejects.parquet)",
        f"{empty}: no post found (no files in it)",
        f"{tmp_path / 'nowhere'}: no post found (no such file or folder)"]


def test_skipped_files_and_annotation_exports(tmp_path):
    """A folder of profile files only is named for what was skipped; an annotation export gives
    truth, not posts, and is not warned about."""
    profile = tmp_path / "profile"
    profile.mkdir()
    (profile / "id").write_text("99")
    export = build_annotations(tmp_path / "truth")
    metrics = ingest([profile, export], tmp_path / "out", IngestConfig(progress=False, ontology_root=str(REPO / "ontology")))
    assert metrics["inputs"] == [{"path": str(profile), "posts": 0, "no_post": "1 file(s) skipped"},
                                 {"path": str(export), "posts": 0}]
    assert metrics["truth_items"] == 4


def test_cli_warns_for_each_path_without_posts_and_strict_fails(tmp_path, dumps, capsys):
    good, empty, junk = dumps
    assert cli(str(empty), str(junk), "--out", str(tmp_path / "out")) == 0  # a warning only
    err = capsys.readouterr().err
    assert f"fashion ingest: {empty}: no post found (no files in it)\n" in err
    assert f"fashion ingest: {junk}: no post found (2 reject row(s)" in err
    assert cli(str(good), str(empty), "--out", str(tmp_path / "out"), "--strict") == 1
    err = capsys.readouterr().err
    assert f"{empty}: no post found" in err and str(good) + ":" not in err
    assert "--strict: 1 PATH(s) gave no post" in err
    assert cli(str(good), "--out", str(tmp_path / "out"), "--strict", "--metrics", str(tmp_path / "m.json")) == 0
    assert "no post found" not in capsys.readouterr().err
    assert json.loads((tmp_path / "m.json").read_text())["inputs"] == [{"path": str(good), "posts": 4}]


def test_stage_warns_and_keeps_its_exit_code(tmp_path):
    build_scraper(tmp_path / "raw")
    (tmp_path / "empty").mkdir()
    (tmp_path / "params.yaml").write_text("ingest:\n  paths: [raw, empty]\n  max_image_pixels: 1000000\n  partitions: 1\n")
    result = subprocess.run([sys.executable, str(REPO / "stages" / "ingest.py")], capture_output=True, text=True,
                            cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "ingest: empty: no post found (no files in it)" in result.stderr
    metrics = json.loads((tmp_path / "metrics" / "ingest.json").read_text())
    assert metrics["inputs"] == [{"path": "raw", "posts": 2},
                                 {"path": "empty", "posts": 0, "no_post": "no files in it"}]
