"""Demo images: DeepFashion list formats, visible attribute signals, and learnability."""
from __future__ import annotations

import json
import lzma
import random
import re
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from fashion.demo import deepfashion_layout as dfm
from fashion.demo import silhouettes as geo
from fashion.demo import instagram, render
from fashion.demo import textures as tx
from fashion.demo.generate import DemoConfig, write_instagram
from fashion.demo.world import World
from fashion.ontology import load_ontology

SIZE = 48
NAME_RE = re.compile(r"^img/[A-Z][A-Za-z-]*(_[A-Z][A-Za-z-]*)*/img_\d{8}\.jpg$")


@pytest.fixture(scope="module")
def ontology():
    return load_ontology()


@pytest.fixture(scope="module")
def df_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("deepfashion")
    dfm.write_deepfashion(root, seed=3, n_images=60, size=SIZE, quality=90)
    return root


def _rows(path: Path) -> tuple[int, str, list[list[str]]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return int(lines[0]), lines[1], [line.split() for line in lines[2:]]


# ---------------------------------------------------------------------------------- DeepFashion formats

def test_deepfashion_lists_have_count_header_and_rows(df_root):
    expected = {
        "Anno/list_category_cloth.txt": "category_name  category_type",
        "Anno/list_attr_cloth.txt": "attribute_name  attribute_type",
        "Anno/list_category_img.txt": "image_name  category_label",
        "Anno/list_attr_img.txt": "image_name  attribute_labels",
        "Anno/list_bbox.txt": "image_name  x_1  y_1  x_2  y_2",
        "Eval/list_eval_partition.txt": "image_name  evaluation_status",
    }
    for rel, header in expected.items():
        count, head, rows = _rows(df_root / rel)
        assert head == header and count == len(rows), rel
    count, _, rows = _rows(df_root / "Anno/list_category_cloth.txt")
    assert count == 50 and {r[-1] for r in rows} == {"1", "2", "3"}
    assert [r[0] for r in rows][:3] == ["Anorak", "Blazer", "Blouse"] and rows[-1] == ["Sundress", "3"]


def test_deepfashion_image_rows_agree_and_files_exist(df_root):
    _, _, attr_cloth = _rows(df_root / "Anno/list_attr_cloth.txt")
    names = [" ".join(r[:-1]) for r in attr_cloth]  # names may contain spaces: the type is the last token
    assert len(set(names)) == len(names) and all(r[-1] in "12345" for r in attr_cloth)
    _, _, cats = _rows(df_root / "Anno/list_category_img.txt")
    _, _, attrs = _rows(df_root / "Anno/list_attr_img.txt")
    _, _, boxes = _rows(df_root / "Anno/list_bbox.txt")
    _, _, parts = _rows(df_root / "Eval/list_eval_partition.txt")
    images = [r[0] for r in cats]
    assert len(images) == 60 == len(set(images))
    assert images == [r[0] for r in attrs] == [r[0] for r in boxes] == [r[0] for r in parts]
    imaged_ids = {dfm.category_id(n) for n in dfm.IMAGED}
    assert {r[1] for r in parts} == {"train", "val", "test"}  # the benchmark's three statuses, as the real partition
    for (name, label), attr_row, box_row, (_, split) in zip(cats, attrs, boxes, parts):
        assert NAME_RE.match(name), name
        assert int(label) in imaged_ids and split in ("train", "val", "test")
        values = [int(v) for v in attr_row[1:]]
        assert len(values) == len(names) and set(values) <= {1, -1}
        x1, y1, x2, y2 = (int(v) for v in box_row[1:])
        assert 0 <= x1 < x2 < SIZE and 0 <= y1 < y2 < SIZE
        with Image.open(df_root / name) as im:
            assert im.format == "JPEG" and im.size == (SIZE, SIZE)


def test_deepfashion_attributes_depend_on_category(df_root):
    _, _, attr_cloth = _rows(df_root / "Anno/list_attr_cloth.txt")
    names = [" ".join(r[:-1]) for r in attr_cloth]
    table = {a.name: a for a in dfm.ATTRIBUTES}
    category_names = [n for n, _ in dfm.CATEGORIES]
    _, _, cats = _rows(df_root / "Anno/list_category_img.txt")
    _, _, attrs = _rows(df_root / "Anno/list_attr_img.txt")
    for (_, label), row in zip(cats, attrs):
        category = category_names[int(label) - 1]
        on = [names[i] for i, v in enumerate(row[1:]) if v == "1"]
        assert 2 <= len(on) <= 4
        assert all(category in table[a].categories for a in on), (category, on)
        assert len({table[a].slot for a in on}) == len(on)
    maxi = table["maxi"].categories
    assert "Jeans" not in maxi and "Tee" not in maxi and "Dress" in maxi


def test_bbox_frames_the_garment():
    rng = random.Random(0)
    for index in range(15):
        product = dfm.sample_product(rng)
        pixels, (x1, y1, x2, y2) = dfm.render_image(product, f"bbox:{index}", 64)
        _, mask = dfm.render_view(product, f"bbox:{index}", 64)
        assert pixels.shape == (64, 64, 3) and pixels.dtype == np.uint8
        inside = mask[y1:y2 + 1, x1:x2 + 1]
        assert inside.sum() >= 0.98 * mask.sum()  # the whole garment is in the box
        assert (inside > 0.3).mean() >= 0.3  # and it fills the box, not just a corner of it
        assert (x2 - x1 + 1) * (y2 - y1 + 1) >= 0.2 * 64 * 64, (product.category, (x1, y1, x2, y2))


def test_bbox_is_tight_around_a_mask():
    mask = np.zeros((20, 20), np.float32)
    mask[5:9, 3:15] = 1.0
    mask[2, 7] = 0.2  # faint anti-aliasing fringe stays outside
    assert render.bbox(mask) == (3, 5, 14, 8)
    assert render.bbox(np.zeros((4, 4), np.float32)) is None


# ---------------------------------------------------------------------------------- visual signals

def test_every_ontology_pattern_and_material_has_a_rendering(ontology):
    patterns = [v.key for v in ontology.attribute_groups["pattern"]]
    kinds = {tx.pattern_kind(p) for p in patterns}
    assert len(kinds) >= len(patterns) - 1  # at most one pair shares a look
    for m in ontology.attribute_groups["material"]:
        assert tx.material_kind(m.key) in tx.FINISHES


def _render(looks, seed=0, size=64):
    rng = np.random.default_rng(seed)
    cam = render.frame(size, 0.0, 1.0, rng, jitter=0.0, zoom=(1.0, 1.0))
    model = render.Model(render.SKIN_TONES[0], render.HAIR_COLOURS[0], False, geo.Pose())
    backdrop = np.full((size, size, 3), 0.8, np.float32)
    return render.render_outfit(looks, cam, model, rng, backdrop=backdrop)


def test_patterns_and_materials_change_the_texture():
    def garment_std(pattern, material="cotton"):
        img, masks = _render([geo.Look("dress", pattern, material, "red", "white", length=1.4)])
        inside = masks[0] > 0.9
        return img[inside].std(axis=0).mean(), img[inside].mean(axis=0)

    plain_std, _ = garment_std("plain")
    for pattern in ("striped", "checked", "dotted", "floral", "herringbone", "animal_print", "paisley", "camouflage"):
        assert garment_std(pattern)[0] > plain_std + 0.03, pattern

    def grain(material):  # mean horizontal pixel difference inside the garment
        img, masks = _render([geo.Look("skirt", "plain", material, "blue", "white", length=1.5)], size=96)
        inner = (masks[0][:, 1:] > 0.99) & (masks[0][:, :-1] > 0.99)
        return float(np.abs(img[:, 1:] - img[:, :-1]).mean(axis=-1)[inner].mean())

    assert grain("denim") > 1.5 * grain("cotton")  # twill
    assert grain("wool") > 1.5 * grain("cotton")  # heather
    assert grain("satin") < grain("wool")  # smooth sheen


def test_length_heel_and_collar_change_geometry():
    def extent(look):
        _, masks = _render([look])
        rows = np.flatnonzero(masks[0].max(axis=1) > 0.3)
        return rows[0], rows[-1], float(masks[0].sum())

    assert extent(geo.Look("dress", length=1.6))[1] > extent(geo.Look("dress", length=0.5))[1] + 6
    assert extent(geo.Look("skirt", length=1.5))[1] > extent(geo.Look("skirt", length=0.5))[1] + 6
    assert extent(geo.Look("sweater", neckline="hood"))[0] < extent(geo.Look("sweater", neckline="round"))[0] - 3
    flat, high = extent(geo.Look("heels", heel=0.0)), extent(geo.Look("heels", heel=1.0))
    assert high[0] < flat[0]
    assert extent(geo.Look("jeans"))[1] > extent(geo.Look("shorts"))[1] + 10


def test_categories_sit_at_their_own_positions():
    def centre_row(kind):
        _, masks = _render([geo.Look(kind)])
        rows = np.arange(masks[0].shape[0])
        return float((masks[0].sum(axis=1) * rows).sum() / masks[0].sum())

    assert centre_row("hat") < centre_row("tee") < centre_row("skirt") < centre_row("sneakers")
    assert centre_row("trousers") > centre_row("jacket")


def test_pictured_items_are_visible_in_the_first_image(ontology):
    world = World(ontology, 8)
    posts = world.posts(world.accounts(3), 15, video_rate=0.0, carousel_rate=0.5, unnamed_item_rate=0.2,
                        phantom_item_rate=0.2)
    for post in posts:
        rendered = instagram.render_post(post, 64, 90)
        assert len(rendered.images) == post.n_images and len(rendered.items) + rendered.dropped == len(post.items)
        assert all(img[:2] == b"\xff\xd8" for img in rendered.images)
        again = instagram.render_post(post, 64, 90)
        assert again.images == rendered.images  # deterministic per post


# ---------------------------------------------------------------------------------- learnability

def _small_cnn(n_out: int) -> torch.nn.Module:
    def block(i, o):
        return [torch.nn.Conv2d(i, o, 3, padding=1), torch.nn.BatchNorm2d(o), torch.nn.ReLU(), torch.nn.MaxPool2d(2)]
    return torch.nn.Sequential(*block(3, 16), *block(16, 32), *block(32, 64), torch.nn.Flatten(),
                               torch.nn.Linear(64 * 4 * 4, n_out))


def _train(net, x, y, loss_fn, epochs):
    torch.manual_seed(0)
    opt = torch.optim.Adam(net.parameters(), 3e-3)
    order = torch.Generator().manual_seed(0)
    net.train()
    for _ in range(epochs):
        perm = torch.randperm(len(x), generator=order)
        for start in range(0, len(x), 32):
            batch = perm[start:start + 32]
            loss = loss_fn(net(x[batch]), y[batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
    net.eval()
    return net


def _load(paths: list[Path]) -> torch.Tensor:
    pixels = np.stack([np.asarray(Image.open(p).convert("RGB").resize((32, 32), Image.BILINEAR)) for p in paths])
    return torch.tensor(pixels.astype(np.float32) / 255.0).permute(0, 3, 1, 2)  # [N,3,32,32]


def test_deepfashion_categories_are_learnable(tmp_path):
    torch.set_num_threads(1)
    dfm.write_deepfashion(tmp_path, seed=1, n_images=400, size=64, quality=90)
    _, _, cats = _rows(tmp_path / "Anno/list_category_img.txt")
    _, _, parts = _rows(tmp_path / "Eval/list_eval_partition.txt")
    classes = sorted({int(c) for _, c in cats})
    x = _load([tmp_path / name for name, _ in cats])
    y = torch.tensor([classes.index(int(c)) for _, c in cats])
    train = torch.tensor([split == "train" for _, split in parts])  # product-level split: no shared items
    started = time.perf_counter()
    net = _train(_small_cnn(len(classes)), x[train], y[train], torch.nn.functional.cross_entropy, epochs=20)
    seconds = time.perf_counter() - started
    with torch.no_grad():
        pred = net(x[~train]).argmax(1)
    accuracy = float((pred == y[~train]).float().mean())
    chance = 1.0 / len(classes)
    majority = float(torch.bincount(y[~train]).max()) / int((~train).sum())
    print(f"DeepFashion demo category accuracy {accuracy:.3f} (chance {chance:.3f}, majority {majority:.3f}), "
          f"trained in {seconds:.1f}s")
    assert accuracy >= 3 * chance and accuracy > majority + 0.05


@pytest.mark.slow
def test_instagram_categories_are_learnable(tmp_path, ontology):
    torch.set_num_threads(1)
    config = DemoConfig(seed=1, posts=500, image_size=64, carousel_rate=0.0, video_rate=0.0)
    write_instagram(tmp_path, config, ontology, progress=False)
    categories = ontology.category_keys()
    truth = {r["imageid"]: {ontology.resolve_category(i["ItemCategory"]) for i in r["imageinfo"]["annotateddatajson"]}
             for r in json.loads((tmp_path / "annotations.json").read_text(encoding="utf-8"))}
    paths, labels = [], []
    for meta in sorted(tmp_path.glob("*/*.json.xz")):
        node = json.loads(lzma.decompress(meta.read_bytes()))["node"]
        paths.append(meta.with_name(meta.name[: -len(".json.xz")] + ".jpg"))
        labels.append([float(c in truth[node["id"]]) for c in categories])
    x, y = _load(paths), torch.tensor(labels)
    n_train = int(0.75 * len(x))
    net = _train(_small_cnn(len(categories)), x[:n_train], y[:n_train],
                 torch.nn.functional.binary_cross_entropy_with_logits, epochs=25)
    with torch.no_grad():
        scores = net(x[n_train:])
    test_y = y[n_train:]
    aucs = []
    for c in range(len(categories)):
        pos, neg = scores[test_y[:, c] == 1, c], scores[test_y[:, c] == 0, c]
        if len(pos) >= 3 and len(neg) >= 3:
            aucs.append(float((pos[:, None] > neg[None, :]).float().mean()))
    precision_at_1 = float(test_y[torch.arange(len(test_y)), scores.argmax(1)].mean())
    baseline = float(test_y[:, y[:n_train].mean(0).argmax()].mean())
    print(f"Instagram demo: mean per-category AUC {np.mean(aucs):.3f}, P@1 {precision_at_1:.3f} "
          f"(most-frequent baseline {baseline:.3f})")
    assert np.mean(aucs) > 0.7 and precision_at_1 > baseline
