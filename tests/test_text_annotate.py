"""`fashion annotate` for batches: JSON lines (file or standard input), caption/comment files, the
language and notes of every answer, and one Annotator for many posts giving what one post alone gets."""
from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fashion.cli import main
from fashion.ontology import load_ontology
from fashion.text.corpus import normalize_corpus
from fashion.text.embed import EmbedConfig, train_embeddings
from fashion.text.normalize import NormalizeConfig, TextNormalizer
from fashion.text.pipeline import Annotator
from fashion.text.rank import RankConfig

REPO = Path(__file__).resolve().parents[1]
CAPTIONS = ["My new wool coat #woolcoat", "Silk dress for the party #silkdress", "Leather jacket and boots today",
            "Cosy wool jumper #knitwear", "Floral silk blouse at the office", "Black leather boots #boots"]
FACETS = ["categories", "subcategories", "materials", "patterns", "styles", "brands"]
NOTHING_MATCHED = "text language not one of en/sv/de/fr/es/it: nothing matched"


@pytest.fixture(scope="module")
def vectors(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("annotate")
    n = 48
    pq.write_table(pa.table({"post_id": [f"p{i}" for i in range(n)], "caption": [CAPTIONS[i % 6] for i in range(n)],
                             "hashtags": [[] for _ in range(n)]}), d / "posts.parquet")
    pq.write_table(pa.table({"post_id": [f"p{i}" for i in range(n)], "comment_id": [f"c{i}" for i in range(n)],
                             "text": ["love it, where is it from?"] * n}), d / "comments.parquet")
    normalize_corpus(d / "posts.parquet", d / "comments.parquet", d / "tokens.parquet", load_ontology("ontology"),
                     NormalizeConfig(workers=1), progress=False)
    train_embeddings(d / "tokens.parquet", d / "vectors.npz", EmbedConfig(vector_size=100, epochs=5, min_count=1),
                     progress=False)
    return d / "vectors.npz"


@pytest.fixture(scope="module")
def annotator(vectors) -> Annotator:
    return Annotator(vectors, load_ontology("ontology"), RankConfig())


def run(capsys, *args, stdin: bytes | None = None, monkeypatch=None) -> tuple[int, list, list[str]]:
    """Exit status, the JSON lines printed, the stderr lines."""
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
    capsys.readouterr()
    code = main(["annotate", *args])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err.splitlines()


BATCH = [{"post_id": "a", "caption": "Obsessed with my new wool coat", "comments": ["love the coat"],
          "hashtags": ["#winterstyle"]},
         {"post_id": "b", "caption": "Silk dress for the party", "extra key": "ignored"},
         {"post_id": "c", "caption": "Новое шерстяное пальто"},
         {"post_id": 7, "comments": ["black leather boots", "where from?"]}]


def _lines(posts) -> bytes:
    return "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in posts).encode("utf-8")


def test_jsonl_file_and_stdin_give_one_line_per_post_in_order(vectors, tmp_path, capsys, monkeypatch):
    (tmp_path / "posts.jsonl").write_bytes(_lines(BATCH) + b"\n")  # a trailing blank line is no post
    code, out, err = run(capsys, "--jsonl", str(tmp_path / "posts.jsonl"), "--vectors", str(vectors))
    assert code == 0 and err == []
    assert [o["post_id"] for o in out] == ["a", "b", "c", 7]
    assert all(list(o) == ["post_id", "language", "notes"] + FACETS for o in out)
    assert out[0]["categories"][0]["term"] == "coats" and out[1]["materials"][0]["term"] == "silk"
    assert out[3]["materials"][0]["term"] == "leather" and out[3]["language"] == "en"  # comments only
    assert out[2]["language"] == "und" and out[2]["notes"] == [NOTHING_MATCHED]
    for flags in (["-"], ["--jsonl", "-"]):
        assert run(capsys, *flags, "--vectors", str(vectors), stdin=_lines(BATCH), monkeypatch=monkeypatch)[1] == out


def test_a_jsonl_answer_equals_the_single_post_answer(vectors, tmp_path, capsys):
    post = BATCH[0]
    (tmp_path / "one.jsonl").write_bytes(_lines([post]))
    _, batch, _ = run(capsys, "--jsonl", str(tmp_path / "one.jsonl"), "--vectors", str(vectors))
    _, single, _ = run(capsys, "--caption", post["caption"], "--comment", post["comments"][0],
                       "--hashtag", post["hashtags"][0], "--vectors", str(vectors), "--json")
    assert batch[0] == {"post_id": "a", **single[0]}
    # the same post from files: caption file, one comment per line (blank lines skipped)
    (tmp_path / "caption.txt").write_text(post["caption"] + "\n", encoding="utf-8")
    (tmp_path / "comments.txt").write_text("\n" + post["comments"][0] + "\n\n", encoding="utf-8")
    _, from_files, _ = run(capsys, "--caption-file", str(tmp_path / "caption.txt"), "--comments-file",
                           str(tmp_path / "comments.txt"), "--hashtag", post["hashtags"][0], "--vectors", str(vectors),
                           "--json")
    assert from_files == single


def test_bad_lines_are_reported_in_place_and_the_batch_goes_on(vectors, tmp_path, capsys):
    data = (_lines(BATCH[:1]) + b'{"post_id": "x", "caption": \n' + b'["not", "an object"]\n'
            + b'{"post_id": "y", "comments": "one string"}\n' + b'{"caption": "caf\xe9"}\n' + _lines(BATCH[1:2]))
    (tmp_path / "mixed.jsonl").write_bytes(data)
    code, out, err = run(capsys, "--jsonl", str(tmp_path / "mixed.jsonl"), "--vectors", str(vectors))
    assert code == 1
    assert [o["post_id"] for o in out] == ["a", None, None, "y", None, "b"]
    errors = {o["line"]: o["error"] for o in out if "error" in o}
    assert list(errors) == [2, 3, 4, 5]
    assert errors[2].startswith("line 2: not valid JSON")
    assert errors[3] == "line 3: expected a JSON object (one post), got list"
    assert errors[4] == "line 4: comments must be a list of strings"
    assert errors[5].startswith("line 5: not UTF-8")
    assert err == [f"fashion annotate: {tmp_path / 'mixed.jsonl'}: {errors[n]}" for n in errors]
    assert "Traceback" not in "".join(err)


@pytest.mark.parametrize("caption", ["Новое шерстяное пальто и платье", "فستان أحمر جميل للحفلة", "红色连衣裙和高跟鞋"],
                         ids=["cyrillic", "arabic", "chinese"])
def test_unknown_language_says_why_the_answer_is_empty(vectors, capsys, caption):
    code, out, _ = run(capsys, "--caption", caption, "--vectors", str(vectors), "--json")
    assert code == 0
    assert out[0]["language"] == "und" and out[0]["notes"] == [NOTHING_MATCHED]
    assert all(out[0][f] == [] for f in FACETS)


def test_text_mode_prints_language_and_notes(vectors, capsys):
    capsys.readouterr()
    assert main(["annotate", "--caption", "红色连衣裙", "--vectors", str(vectors)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["language", "und"] and lines[1] == f"{'note':14s} {NOTHING_MATCHED}"
    assert [line.split()[0] for line in lines[2:]] == FACETS


def test_language_and_notes(annotator):
    assert annotator.annotate("Min nya röda klänning är så fin")["language"] == "sv"
    english = annotator.annotate("wool coat")
    assert english["language"] == "en" and english["notes"] == []
    assert annotator.annotate("the weather is nice today")["notes"] == ["no word of the post matches an ontology term"]
    assert annotator.annotate("")["notes"] == ["post has no text: nothing matched"]
    emoji = annotator.annotate("👗👠")
    assert emoji["language"] == "und" and emoji["categories"]
    assert emoji["notes"] == ["text has no words: matched through emojis or hashtags only"]
    # a caption in an unknown language, comments in English: the post is English
    mixed = annotator.annotate("红色连衣裙", ["love this wool coat"])
    assert mixed["language"] == "en" and mixed["materials"][0]["term"] == "wool"


def test_lazy_segmenter_normalises_like_the_stage_and_is_built_only_for_hashtags(vectors):
    ontology = load_ontology("ontology")
    fresh = Annotator(vectors, ontology, RankConfig())
    fresh.annotate("wool coat, no tags")
    assert fresh.normalizer.segmenter._segmenter is None
    from fashion.text.vectors import load_vectors

    kv = load_vectors(vectors)
    eager = TextNormalizer.from_ontology(ontology, corpus_counts=dict(zip(kv.index_to_key,
                                                                          kv.expandos["count"].tolist())))
    texts = ["#woolcoat and #silkdress", "#ootd #leatherjacket #ullkappa", "Min #röda klänning"]
    assert fresh.normalizer.normalize_many(texts) == eager.normalize_many(texts)
    assert fresh.normalizer.segmenter._segmenter is not None


def test_a_post_scores_the_same_alone_and_after_others(vectors):
    """After a post of ten words, a post adding one word computes that word's cosines alone: a
    matrix-vector product, whose float32 rounding differs from the matrix product a fresh run uses
    for all eleven. The answer must not depend on what came before it in a batch."""
    ontology = load_ontology("ontology")
    base = "coat silk leather boots jacket party office floral black cosy"
    batch = Annotator(vectors, ontology, RankConfig())
    for word in ("dress", "wool", "jumper", "blouse"):
        batch.annotate(base)
        after_others = batch.annotate(f"{word} {base}")
        assert after_others == Annotator(vectors, ontology, RankConfig()).annotate(f"{word} {base}"), word


def test_input_problems_are_one_line(vectors, tmp_path, capsys):
    v = ["--vectors", str(vectors)]
    (tmp_path / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    for args, message in (
            (["--jsonl", str(tmp_path / "none.jsonl")], f"{tmp_path / 'none.jsonl'}: JSON-lines file not found"),
            (["--jsonl", str(tmp_path)], f"{tmp_path}: is a folder, not a JSON-lines file"),
            (["--caption-file", str(tmp_path / "latin1.txt")],
             f"{tmp_path / 'latin1.txt'}: not UTF-8 text (byte offset 3: unexpected end of data)"),
            (["--comments-file", str(tmp_path / "none.txt")], f"{tmp_path / 'none.txt'}: comments file not found")):
        capsys.readouterr()
        assert main(["annotate", *args, *v]) == 1
        assert capsys.readouterr().err == f"fashion annotate: {message}\n"
    assert main(["annotate", "--jsonl", "-", "--caption", "wool", *v]) == 2   # do not mix
    assert main(["annotate", *v]) == 2                                          # nothing to annotate
