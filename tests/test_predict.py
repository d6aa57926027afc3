"""fashion.predict: bundles, fusion, the four-variant evaluation, --dump and `fashion predict`."""
import io
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import yaml

sys.path.insert(0, str(Path(__file__).parent))
from ingest_fixtures import build_annotations, build_instaloader  # noqa: E402
from predict_fixtures import jpeg_bytes, make_bundle, make_run, make_vectors, ranges_section, summary  # noqa: E402

from fashion.cli import main  # noqa: E402
from fashion.models import LabelSpace, get_model  # noqa: E402
from fashion.predict.bundle import BundleError, hints_for, load_predictor, write_bundle  # noqa: E402
from fashion.predict.config import PredictSettings  # noqa: E402
from fashion.predict.evaluate import evaluate_variants, per_post  # noqa: E402
from fashion.predict.fuse import LabelIndex, describe, fuse, text_hints, text_scores  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bundles(tmp_path_factory):
    root = tmp_path_factory.mktemp("bundles")
    return {"pruning": make_bundle(root, head="pruning"), "base": make_bundle(root, head="base"), "root": root}


def test_library_defaults_equal_the_committed_params():
    committed = yaml.safe_load((REPO / "params.yaml").read_text())
    assert PredictSettings.from_params(committed) == PredictSettings()
    with pytest.raises(ValueError, match="predict.text_weight"):
        PredictSettings(text_weight=1.5)


def test_bundle_loads_alone_and_scores_like_the_trained_model(bundles, tmp_path):
    moved = tmp_path / "elsewhere"
    shutil.copytree(bundles["pruning"], moved)  # nothing outside the folder is needed
    predictor = load_predictor(moved)
    bundle = json.loads((moved / "bundle.json").read_text())
    assert bundle["preprocessing"]["image_size"] == 32 and bundle["preprocessing"]["center_width"] == 0.5
    assert bundle["hint_rule"] == "text" and bundle["head"] == "pruning" and bundle["model"]["alpha"] == 0.1
    reference = get_model("resnet18", "pruning", LabelSpace.from_ranges(ranges_section()), fc_width=8)
    reference.load_state_dict(torch.load(moved / "model.pt", weights_only=True))
    reference.eval()
    pixels = np.stack([predictor.prepare(io.BytesIO(jpeg_bytes(colour=c))) for c in ((200, 0, 0), (0, 0, 200))])
    hints = hints_for(predictor.space, [[10], []], [[], []])  # shoes hinted on the first image only
    got = predictor.scores(pixels, hints)
    x = (torch.from_numpy(pixels).permute(0, 3, 1, 2).float() / 255 - 0.5) / 0.25
    with torch.no_grad():
        want = reference(x, hints)
    for name in want:
        np.testing.assert_allclose(got[name], want[name].numpy(), rtol=1e-5, atol=1e-6)
    outside = [i for i in range(predictor.space.num_attributes) if i not in predictor.space.attribute_range[10]]
    assert np.all(got["attributes"][0, outside] == 0) and np.any(got["attributes"][1, outside] > 0)


def _edit(bundle_dir: Path, tmp_path: Path, change) -> Path:
    copy = tmp_path / "edited"
    shutil.copytree(bundle_dir, copy)
    data = json.loads((copy / "bundle.json").read_text())
    change(data, copy)
    (copy / "bundle.json").write_text(json.dumps(data))
    return copy


@pytest.mark.parametrize("change, message", [
    (lambda d, p: d.update(format="something-else"), "not a model bundle"),
    (lambda d, p: d.update(version=99), "bundle version 99"),
    (lambda d, p: (p / "model.pt").write_bytes(b"\x00" * 64), "SHA-256 differs"),
    (lambda d, p: d["label_space"]["categories"].reverse(), "label space differs"),
    (lambda d, p: d["label_space"].update(attributes=d["label_space"]["attributes"][:-1]), "label_space|does not fit"),
    (lambda d, p: d["preprocessing"].update(std=[0.0, 1.0, 1.0]), "positive stds"),
    (lambda d, p: d.pop("model"), "incomplete bundle"),
])
def test_a_bundle_that_does_not_fit_is_refused_naming_the_file(bundles, tmp_path, change, message):
    edited = _edit(bundles["pruning"], tmp_path, change)
    with pytest.raises(BundleError, match=message) as error:
        load_predictor(edited)
    assert str(edited) in str(error.value)


class Payload:  # an arbitrary class: loading it would run pickle's object construction
    def __reduce__(self):
        return (print, ("unpickled!",))


def test_pickled_weights_are_never_unpickled(bundles, tmp_path):
    import hashlib

    def swap(data, path):
        torch.save({"weights": Payload()}, path / "model.pt")  # needs full unpickling
        data["weights"]["sha256"] = hashlib.sha256((path / "model.pt").read_bytes()).hexdigest()
    with pytest.raises(BundleError, match="weights_only=True"):
        load_predictor(_edit(bundles["pruning"], tmp_path, swap))


def test_missing_bundle_and_other_label_space_are_refused(bundles, tmp_path):
    with pytest.raises(BundleError, match="no such bundle folder"):
        load_predictor(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(BundleError, match="bundle.json: not found"):
        load_predictor(tmp_path / "empty")
    other = LabelSpace(categories=("coats",), attributes=("material:wool",), attribute_range=((0,),))
    with pytest.raises(BundleError, match="label space does not match: categories"):
        load_predictor(bundles["pruning"], expected_space=other)


def test_write_bundle_refuses_a_run_of_another_dataset(tmp_path):
    run = make_run(tmp_path)
    with pytest.raises(BundleError, match="expected 'deepfashion'"):
        write_bundle(run, ranges_section(), summary(), tmp_path / "out", "deepfashion")
    assert not (tmp_path / "out").exists()


SPACE = LabelSpace(categories=("coats", "shoes"), attributes=("material:wool", "material:leather", "pattern:plain"),
                   attribute_range=((0, 2), (1, 2)), subcategories=("wool_coat", "boots"),
                   subcategory_range=((0,), (1,)))


def test_text_scores_hints_and_sources():
    index = LabelIndex.of(SPACE)
    mined = {"categories": [("shoes", 0.7), ("coats", 0.3)], "subcategories": [("wool_coat", 1.0)],
             "material": [("leather", 1.0)], "brands": [("zara", 1.0)], "unknown_facet": [("x", 1.0)]}
    text = text_scores(mined, index, SPACE)
    np.testing.assert_allclose(text["category"], [0.3, 0.7])
    np.testing.assert_allclose(text["attributes"], [0.0, 1.0, 0.0])
    # one hinted category (the best mined); the mined subcategory lies outside its range
    assert text_hints(mined, index, SPACE, 1) == ([1], [])
    assert text_hints(mined, index, SPACE, 2) == ([1, 0], [0])
    assert text_hints({}, index, SPACE, 1) == ([], [])
    image = {"category": np.array([0.9, 0.0], np.float32), "subcategories": np.array([0.2, 0.1], np.float32),
             "attributes": np.array([0.6, 0.0, 0.5], np.float32)}
    np.testing.assert_allclose(fuse(image["category"], text["category"], 0.5), [0.6, 0.35])
    fields = describe(image, text, mined, SPACE, index, 0.5, k=1)
    assert fields["categories"] == [{"label": "coats", "score": 0.6, "image": 0.9, "text": 0.3, "source": "both"}]
    by_group = {(e["group"], e["label"]): e["source"] for e in fields["attributes"]}
    assert by_group == {("material", "leather"): "text", ("pattern", "plain"): "image"}
    assert fields["brands"] == [{"label": "zara", "score": 1.0}]


def test_metrics_by_hand_and_paired_intervals():
    scores = np.array([[0.9, 0.5, 0.0], [0.0, 0.0, 0.0], [0.1, 0.8, 0.7]])
    truth = np.array([[1, 0, 0], [0, 1, 0], [0, 1, 1]])
    counts = per_post(scores, truth, k=3)
    assert counts["hit1"].tolist() == [1, 0, 1] and counts["hitk"].tolist() == [1, 0, 2]
    assert counts["predicted"].tolist() == [2, 0, 3]  # zero scores are no predictions
    result = evaluate_variants({"text": {"f": scores}, "image": {"f": np.zeros_like(scores)},
                                "dynamic": {"f": scores}, "fused": {"f": scores}}, {"f": truth}, 200, 0)
    text = result["variants"]["text"]["f"]
    assert text["p@1"] == pytest.approx(2 / 3, abs=1e-6) and text["p@3"] == pytest.approx(1 / 3, abs=1e-6)
    assert text["r@3"] == pytest.approx((1 + 0 + 1) / 3, abs=1e-6)
    assert text["f1"] == pytest.approx(2 * 3 / (2 * 3 + 2 + 1), abs=1e-6)
    assert text["p@1_low"] <= text["p@1"] <= text["p@1_high"]
    same = result["differences"]["fused-dynamic"]["f"]
    assert same["p@1"] == same["p@1_low"] == same["p@1_high"] == 0.0  # paired: identical variants never differ
    assert result["differences"]["dynamic-image"]["f"]["p@1"] == pytest.approx(2 / 3, abs=1e-6)


@pytest.fixture(scope="module")
def dump_run(bundles, tmp_path_factory):
    """`fashion predict --dump` on the ingest fixtures' Instaloader dump with an annotation export."""
    root = tmp_path_factory.mktemp("dump")
    dump = build_instaloader(root / "dump")
    build_annotations(dump)
    vectors = make_vectors(root / "vectors.npz")
    out = root / "out"
    code = main(["predict", "--dump", str(dump), "--out", str(out), "--model", str(bundles["pruning"]),
                 "--base-model", str(bundles["base"]), "--vectors", str(vectors), "--params", "params.yaml"])
    return code, out


def test_dump_predicts_every_image_and_evaluates_on_its_truth(dump_run):
    code, out = dump_run
    assert code == 0
    table = pd.read_parquet(out / "predictions.parquet")
    rows = {(r.post_id, r.image): r.image_status for r in table.itertuples()}
    assert rows[("2001", 0)] == rows[("2001", 1)] == "ok"   # a carousel: a row per image
    assert ("1003", None) in {(p, None if pd.isna(i) else i) for p, i in rows}  # the video post: text only
    assert rows[("1002", 0)] == "ok"
    assert set(table["split"]) == {"new"} and set(table["run"]) == {"resnet18-pruning"}
    first = table[(table.post_id == "1001") & (table.image == 0)].iloc[0]
    assert first.annotated and {"source", "label", "score"} <= set(first.categories[0])
    metrics = json.loads((out / "predict.json").read_text())
    assert metrics["evaluated_posts"] >= 1 and set(metrics["variants"]) == {"text", "image", "dynamic", "fused"}
    assert set(metrics["variants"]["fused"]) == {"categories", "subcategories", "attributes"}
    assert (out / "text_mining.json").is_file() and (out / "ingest" / "posts.parquet").is_file()


def test_dump_outputs_are_deterministic(dump_run, bundles, tmp_path):
    _, out = dump_run
    dump = out.parent / "dump"
    again = tmp_path / "again"
    assert main(["predict", "--dump", str(dump), "--out", str(again), "--model", str(bundles["pruning"]),
                 "--base-model", str(bundles["base"]), "--vectors", str(out.parent / "vectors.npz")]) == 0
    assert (again / "predictions.parquet").read_bytes() == (out / "predictions.parquet").read_bytes()


def test_a_media_path_cannot_leave_its_dump(bundles, tmp_path):
    from fashion.predict.stage import Timings, _items

    (tmp_path / "secret.jpg").write_bytes(jpeg_bytes())
    (tmp_path / "dump").mkdir()
    (tmp_path / "dump" / "cut.jpg").write_bytes(jpeg_bytes()[:120])
    (tmp_path / "dump" / "big.jpg").write_bytes(jpeg_bytes(300, 300))
    media = [{"path": p, "type": "image"} for p in ("../secret.jpg", "/etc/passwd", "cut.jpg", "big.jpg", "gone.jpg")]
    posts = pd.DataFrame({"post_id": ["1"], "dump_root": [str(tmp_path / "dump")], "media": [media]})
    items = _items(posts, load_predictor(bundles["pruning"]), PredictSettings(max_image_pixels=10_000), Timings())
    assert [i.status for i in items] == ["unsafe_path", "unsafe_path", "unreadable", "too_many_pixels", "missing_file"]


def test_cli_single_post_with_and_without_a_caption(bundles, tmp_path, capsys):
    image = tmp_path / "look.jpg"
    image.write_bytes(jpeg_bytes())
    vectors = make_vectors(tmp_path / "vectors.npz")
    common = [str(image), "--model", str(bundles["pruning"]), "--vectors", str(vectors), "--json"]
    assert main(["predict", *common]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert plain["hint_categories"] == [] and len(plain["images"]) == 1
    assert all(e["source"] == "image" for e in plain["images"][0]["categories"])
    assert main(["predict", *common, "--caption", "My new wool coat and leather boots from Zara"]) == 0
    texted = json.loads(capsys.readouterr().out)
    assert texted["hint_categories"] and texted["hint_categories"][0] in ("coats", "shoes")
    sources = {e["label"]: e["source"] for e in texted["images"][0]["categories"]}
    assert sources.get(texted["hint_categories"][0]) in ("text", "both")
    assert texted["seconds"]["startup"] > texted["seconds"]["total"]  # loading dominates one post


def test_cli_refuses_a_bad_image_and_a_missing_bundle(bundles, tmp_path, capsys):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8 truncated")
    vectors = make_vectors(tmp_path / "vectors.npz")
    assert main(["predict", str(bad), "--model", str(bundles["pruning"]), "--vectors", str(vectors)]) == 1
    assert "unreadable: image 0" in capsys.readouterr().err
    assert main(["predict", str(bad), "--model", str(tmp_path / "none"), "--vectors", str(vectors)]) == 1
    assert "no such bundle folder" in capsys.readouterr().err
