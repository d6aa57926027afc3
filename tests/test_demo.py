"""Demo world: determinism, Instaloader layout, annotation export, outfit rules, text noise, CLI."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import lzma
import os
import random
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from fashion.cli import main as cli_main
from fashion.demo import DemoConfig, generate_corpus, generate_demo, priors, textures, wardrobe
from fashion.demo.captions import CHATTER, ITEM_COMMENTS, OPENERS, TextGenerator
from fashion.demo.world import World
from fashion.ontology import load_ontology

TINY = dict(accounts=5, posts=24, deepfashion_images=30, image_size=48, comments_mean=3.0)
BASE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}_UTC")
FILE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}_UTC(_\d+\.jpg|\.jpg|\.mp4|\.json\.xz|_comments\.json|\.txt)$")


@pytest.fixture(scope="module")
def ontology():
    return load_ontology()


def _hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def dumps(tmp_path_factory, ontology):
    """Two runs with the same seed, one with another seed."""
    out = {}
    for name, seed in (("a", 11), ("b", 11), ("c", 12)):
        root = tmp_path_factory.mktemp(f"demo_{name}")
        generate_demo(DemoConfig(seed=seed, **TINY), root, ontology, progress=False)
        out[name] = root
    return out


def _posts(root: Path) -> list[tuple[Path, dict]]:
    """(metadata path, node) for every post of an Instaloader dump."""
    posts = []
    for meta in sorted((root / "instagram").glob("*/*.json.xz")):
        wrapper = json.loads(lzma.decompress(meta.read_bytes()))
        posts.append((meta, wrapper))
    return posts


def _text_of(meta: Path) -> str:
    base = meta.name[: -len(".json.xz")]
    parts = []
    caption = meta.with_name(base + ".txt")
    if caption.exists():
        parts.append(caption.read_text(encoding="utf-8"))
    comments = meta.with_name(base + "_comments.json")
    if comments.exists():
        for c in json.loads(comments.read_text(encoding="utf-8")):
            parts.append(c["text"])
            parts.extend(a["text"] for a in c["answers"])
    return "\n".join(parts)


# ---------------------------------------------------------------------------------- determinism

def test_same_seed_gives_identical_files(dumps):
    a, b = _hashes(dumps["a"]), _hashes(dumps["b"])
    assert a == b
    assert any(k.startswith("instagram/") for k in a) and any(k.startswith("deepfashion/") for k in a)


def test_other_seed_gives_other_files(dumps):
    a, c = _hashes(dumps["a"]), _hashes(dumps["c"])
    shared = set(a) & set(c)
    assert a != c
    assert sum(a[k] != c[k] for k in shared) >= len(shared) // 2


def test_identical_across_processes_and_hash_seeds(dumps, tmp_path):
    script = ("import sys; from fashion.demo import DemoConfig, generate_demo; from fashion.ontology import load_ontology; "
              f"generate_demo(DemoConfig(seed=11, **{TINY!r}), sys.argv[1], load_ontology(), progress=False)")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True, env=env, cwd=Path(__file__).parents[1])
    assert _hashes(tmp_path) == _hashes(dumps["a"])


def test_no_temporary_trees_left_and_rerun_replaces(tmp_path, ontology):
    config = DemoConfig(seed=3, accounts=2, posts=3, deepfashion_images=2, image_size=32)
    generate_demo(config, tmp_path, ontology, progress=False)
    (tmp_path / "instagram" / "stale.txt").write_text("old", encoding="utf-8")
    generate_demo(config, tmp_path, ontology, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deepfashion", "demo_manifest.json", "instagram"]
    assert not (tmp_path / "instagram" / "stale.txt").exists()


# ---------------------------------------------------------------------------------- Instaloader layout

def test_instaloader_file_names_and_metadata(dumps):
    root = dumps["a"] / "instagram"
    accounts = [p for p in root.iterdir() if p.is_dir()]
    assert len(accounts) == TINY["accounts"]
    for folder in accounts:
        for f in folder.iterdir():
            assert FILE_RE.match(f.name), f
    posts = _posts(dumps["a"])
    assert len(posts) == TINY["posts"]
    kinds = set()
    for meta, wrapper in posts:
        assert wrapper["instaloader"] == {"version": "4.10", "node_type": "Post"}
        node = wrapper["node"]
        base = meta.name[: -len(".json.xz")]
        assert node["owner"]["username"] == meta.parent.name
        assert node["id"].isdigit() and node["shortcode"]
        assert time.strftime("%Y-%m-%d_%H-%M-%S_UTC", time.gmtime(node["taken_at_timestamp"])) == base
        kinds.add(node["__typename"])
        if node["__typename"] == "GraphSidecar":
            children = node["edge_sidecar_to_children"]["edges"]
            assert len(children) >= 2 and all({"id", "display_url", "is_video"} <= set(c["node"]) for c in children)
            assert all(meta.with_name(f"{base}_{i}.jpg").is_file() for i in range(1, len(children) + 1))
            assert not meta.with_name(f"{base}.jpg").exists()
        else:
            assert meta.with_name(f"{base}.jpg").is_file()
        video = meta.with_name(f"{base}.mp4")
        assert node["is_video"] == (node["__typename"] == "GraphVideo") == video.exists()
        if video.exists():
            assert video.read_bytes()[4:8] == b"ftyp" and len(video.read_bytes()) > 100
        edges = node["edge_media_to_caption"]["edges"]
        txt = meta.with_name(f"{base}.txt")
        if edges:
            assert txt.read_text(encoding="utf-8") == edges[0]["node"]["text"]
        assert isinstance(node["edge_media_preview_like"]["count"], int)
    assert kinds <= {"GraphImage", "GraphSidecar", "GraphVideo"} and "GraphImage" in kinds


def test_comments_shape_newest_first_with_replies(dumps):
    seen_reply = False
    for meta, wrapper in _posts(dumps["a"]):
        base = meta.name[: -len(".json.xz")]
        path = meta.with_name(f"{base}_comments.json")
        count = wrapper["node"]["edge_media_to_comment"]["count"]
        if not path.exists():
            assert count == 0
            continue
        comments = json.loads(path.read_text(encoding="utf-8"))
        assert isinstance(comments, list) and comments
        times = [c["created_at"] for c in comments]
        assert times == sorted(times, reverse=True)
        total = 0
        for c in comments:
            assert {"id", "created_at", "text", "owner", "likes_count", "answers"} <= set(c)
            assert isinstance(c["id"], str) and c["id"].isdigit()
            assert c["created_at"] > wrapper["node"]["taken_at_timestamp"] and c["owner"]["username"]
            for a in c["answers"]:
                assert isinstance(a["id"], int) and a["owner"]["username"] == meta.parent.name
                assert a["text"].startswith("@" + c["owner"]["username"])
                seen_reply = True
            total += 1 + len(c["answers"])
        assert total == count
    assert seen_reply


# ---------------------------------------------------------------------------------- annotation export

def test_annotations_resolve_through_the_ontology(dumps, ontology):
    root = dumps["a"] / "instagram"
    records = json.loads((root / "annotations.json").read_text(encoding="utf-8"))
    post_ids = {w["node"]["id"] for _, w in _posts(dumps["a"])}
    assert {r["imageid"] for r in records} == post_ids
    n_items = 0
    for r in records:
        assert re.fullmatch(r"[0-9a-f]{24}", r["_id"]["$oid"])
        info = r["imageinfo"]
        assert info["annotated"] is True and info["imageid"] == r["imageid"]
        assert info["fashionistausername"] == r["fashionistausername"]
        assert info["styles"] and all(ontology.resolve_style(s) for s in info["styles"])
        categories = [ontology.resolve_category(it["ItemCategory"]) for it in info["annotateddatajson"]]
        assert None not in categories and len(set(categories)) == len(categories)
        for item, category in zip(info["annotateddatajson"], categories):
            n_items += 1
            sub = ontology.resolve_subcategory(item["ItemSubCategory"], category)
            assert sub and next(s for s in ontology.subcategories if s.key == sub).parent == category
            attrs = item["FinalizeAnnotatedAttributes"]
            groups = {}
            for key, values in attrs.items():
                if key in ("Brand", "Colour", "otherdetails"):
                    continue
                group = ontology.resolve_group(key)
                assert group in ontology.allowed_groups[category], (category, key)
                groups[group] = [ontology.resolve_value(group, v) for v in values]
                assert None not in groups[group], (key, values)
            for must in ("material", "pattern"):
                if must in ontology.allowed_groups[category]:
                    assert len(groups[must]) == 1
            brand = attrs["Brand"][0]
            assert brand == "" or ontology.resolve_brand(brand)
            assert attrs["Colour"] and attrs["Colour"][0]
    assert n_items >= TINY["posts"]


# ---------------------------------------------------------------------------------- world rules

def test_outfits_follow_allowed_groups_and_body_slots(ontology):
    world = World(ontology, 5)
    accounts = world.accounts(4)
    rng = random.Random(0)
    parent = {s.key: s.parent for s in ontology.subcategories}
    for i in range(600):
        items = world.sample_outfit(rng, accounts[i % 4], 1 + i % 12)
        assert 1 <= len(items) <= 4
        assert len({it.category for it in items}) == len(items)
        slots = [priors.CATEGORY_SLOT[it.category] if it.kind not in ("dress", "romper", "jumpsuit") else "full" for it in items]
        assert len(set(slots)) == len(slots)
        if "full" in slots:
            assert not {"top", "knit", "lower"} & set(slots)
        cats = {it.category for it in items}
        assert not ("tights_and_socks" in cats and cats & {"jeans", "trousers_and_shorts"})
        for it in items:
            assert parent[it.subcategory] == it.category
            allowed = ontology.allowed_groups[it.category]
            assert set(it.attributes) <= set(allowed)
            for must in ("material", "pattern"):
                assert (must in it.attributes) == (must in allowed)
            for group, values in it.attributes.items():
                assert len(values) == 1 and values[0] in {v.key for v in ontology.attribute_groups[group]}
            if it.subcategory == "leather_jacket":
                assert it.values("material") == ("leather",)


@pytest.mark.parametrize("month", [1, 6])
def test_first_item_follows_the_real_category_prior(ontology, month):
    """The real prior, reweighted by what the season makes people wear."""
    world = World(ontology, 9)
    neutral = dataclasses.replace(world.accounts(1)[0], category_boost=(1.0,) * 13)
    rng = random.Random(1)
    counts = np.zeros(13)
    for _ in range(3000):
        counts[world.cat_index[world.sample_outfit(rng, neutral, month)[0].category]] += 1
    prior = np.array(priors.CATEGORY_PRIOR, float) * np.array(world.season_category_factor[wardrobe.season_of(month)])
    assert np.corrcoef(counts, prior)[0, 1] > 0.95
    assert world.categories[int(counts.argmax())] == "accessories"


def _season_counts(world, account, month: int, n: int, seed: int):
    rng = random.Random(seed)
    categories, materials, occasions = Counter(), Counter(), Counter()
    for _ in range(n):
        for it in world.sample_outfit(rng, account, month):
            categories[it.category] += 1
            materials.update(it.values("material"))
            occasions.update((it.kind, o) for o in it.values("occasion"))
    return categories, materials, occasions


def test_what_is_worn_follows_the_season_so_the_collection_shows(ontology):
    world = World(ontology, 4)
    account = dataclasses.replace(world.accounts(1)[0], category_boost=(1.0,) * 13)
    winter_cats, winter_materials, _ = _season_counts(world, account, 1, 1500, 0)
    summer_cats, summer_materials, _ = _season_counts(world, account, 7, 1500, 0)
    for category in ("coats", "jumpers_and_cardigans"):
        assert winter_cats[category] > 3 * summer_cats[category], category
    for category in ("dresses", "tops_and_tshirts"):
        assert summer_cats[category] > 2 * winter_cats[category], category
    assert winter_materials["wool"] > 5 * summer_materials["wool"]
    assert summer_materials["linen"] > 5 * winter_materials["linen"]
    rng = random.Random(1)
    for month, season in ((2, "autumn_winter"), (6, "spring_summer")):
        for _ in range(200):
            for it in world.sample_outfit(rng, account, month):
                assert it.values("collection") in ((), (season,))


def test_occasion_follows_the_garment_kind(ontology):
    world = World(ontology, 6)
    account = world.accounts(1)[0]
    _, _, occasions = _season_counts(world, account, 3, 4000, 2)

    def share(kind: str, occasion: str) -> float:
        total = sum(n for (k, _), n in occasions.items() if k == kind)
        return occasions[(kind, occasion)] / total

    assert share("sneakers", "leisure") > 0.7
    assert share("blazer", "business") > 0.6
    assert share("heels", "party") + share("heels", "evening") > 0.7


def _saturation(pixels: np.ndarray) -> float:
    mean = pixels.reshape(-1, 3).astype(float).mean(axis=0)
    return float(mean.max() - mean.min())


@pytest.mark.parametrize("size", [32, 96])
def test_outdoor_backdrop_shows_the_season(size):
    """Grey winter skies over snow or pavement, coloured summer skies over grass or sand."""
    for seed in range(100):
        winter = textures.outdoor_background(np.random.default_rng(seed), size, "autumn_winter")
        summer = textures.outdoor_background(np.random.default_rng(seed), size, "spring_summer")
        assert winter.shape == summer.shape == (size, size, 3)
        top, bottom = slice(0, size // 6), slice(size - size // 12, size)
        assert _saturation(winter[top]) < 0.2 < 0.3 < _saturation(summer[top])
        assert _saturation(winter[bottom]) < 0.15 < 0.25 < _saturation(summer[bottom])
    with pytest.raises(ValueError, match="no outdoor backdrop for season 'monsoon'"):
        textures.outdoor_background(np.random.default_rng(0), size, "monsoon")


def test_outdoor_posts_show_their_season_in_the_sky(tmp_path, ontology, monkeypatch):
    """With every post shot outdoors, the sky of each picture tells its season (file date)."""
    from fashion.demo import instagram

    monkeypatch.setattr(instagram, "OUTDOOR_RATE", 1.0)
    generate_demo(DemoConfig(seed=5, **{**TINY, "posts": 40, "deepfashion_images": 2}), tmp_path, ontology,
                  progress=False)
    from PIL import Image

    seen = Counter()
    for picture in sorted((tmp_path / "instagram").glob("*/*.jpg")):
        month = int(picture.name[5:7])
        pixels = np.asarray(Image.open(picture).convert("RGB"), dtype=float) / 255.0
        corner = pixels[: pixels.shape[0] // 8, : pixels.shape[1] // 8]  # sky, left of the figure
        season = wardrobe.season_of(month)
        seen[season] += 1
        if season == "autumn_winter":
            assert _saturation(corner) < 0.25, picture.name
        else:
            assert _saturation(corner) > 0.25, picture.name
    assert min(seen.values()) >= 5, seen


def test_phantoms_are_absent_from_the_picture(ontology):
    world = World(ontology, 2)
    account = world.accounts(1)[0]
    rng = random.Random(3)
    n_items = n_phantoms = 0
    for _ in range(300):
        items = world.sample_outfit(rng, account, 3)
        phantoms = world.phantom_items(rng, account, items, 1.0, 3)
        n_items += len(items)
        n_phantoms += len(phantoms)
        assert not {p.category for p in phantoms} & {it.category for it in items}
        assert len({p.category for p in phantoms}) == len(phantoms)
        assert world.phantom_items(rng, account, items, 0.0, 3) == []
    assert n_phantoms >= 0.9 * n_items


# ---------------------------------------------------------------------------------- text noise

def _category_matchers(ontology):
    """Per category: regex of its words (keywords, subcategory words, translations, emoji)."""
    words: dict[str, set[str]] = {c.key: {k.lower() for k in c.keywords} for c in ontology.categories}
    for s in ontology.subcategories:
        words[s.parent] |= {k.lower() for k in s.keywords}
    for table in ontology.translations.values():
        for foreign, english in table.items():
            for cat, ws in words.items():
                if english.lower() in ws:
                    ws.add(foreign.lower())
    emoji = {cat: {e for e, ws in ontology.emoji.items() if {w.lower() for w in ws} & words[cat]} for cat in words}
    out = {}
    for cat, ws in words.items():
        pattern = "|".join(re.escape(w) for w in sorted(ws, key=len, reverse=True))
        out[cat] = (re.compile(rf"(?<!\w)(?:{pattern})(?!\w)", re.IGNORECASE), emoji[cat],
                    {re.sub(r"[^\w]", "", w) for w in ws})
    return out


def _named(text: str, matchers) -> set[str]:
    hashtags = [h.lower() for h in re.findall(r"#(\w+)", text)]
    named = set()
    for cat, (regex, emoji, compact) in matchers.items():
        if regex.search(text) or any(e in text for e in emoji) or any(c and c in h for h in hashtags for c in compact):
            named.add(cat)
    return named


def _truth(root: Path, ontology) -> dict[str, set[str]]:
    records = json.loads((root / "instagram" / "annotations.json").read_text(encoding="utf-8"))
    return {r["imageid"]: {ontology.resolve_category(i["ItemCategory"]) for i in r["imageinfo"]["annotateddatajson"]}
            for r in records}


# the messy-text rates off: these tests count what the item noise alone names
CLEAN_TEXT = {"no_outfit_rate": 0.0, "everyday_rate": 0.0, "negation_rate": 0.0, "brand_name_rate": 0.0}


def _noise_dump(tmp_path_factory, ontology, unnamed: float, phantom: float) -> Path:
    root = tmp_path_factory.mktemp(f"noise_{unnamed}_{phantom}")
    config = DemoConfig(seed=21, accounts=4, posts=40, deepfashion_images=0, image_size=32, comments_mean=2.0,
                        unnamed_item_rate=unnamed, phantom_item_rate=phantom, carousel_rate=0.0,
                        **CLEAN_TEXT)
    generate_demo(config, root, ontology, progress=False)
    return root


def test_rate_zero_names_every_pictured_category(tmp_path_factory, ontology):
    root = _noise_dump(tmp_path_factory, ontology, 0.0, 0.0)
    matchers = _category_matchers(ontology)
    truth = _truth(root, ontology)
    manifest = json.loads((root / "demo_manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["instagram"]["unnamed_items"] == 0
    assert manifest["counts"]["instagram"]["phantom_items"] == 0
    for meta, wrapper in _posts(root):
        named = _named(_text_of(meta), matchers)
        assert truth[wrapper["node"]["id"]] <= named, (meta.name, truth[wrapper["node"]["id"]], named)


def test_rate_one_names_no_item(tmp_path_factory, ontology):
    root = _noise_dump(tmp_path_factory, ontology, 1.0, 0.0)
    matchers = _category_matchers(ontology)
    assert sum(len(v) for v in _truth(root, ontology).values()) >= 40
    for meta, _ in _posts(root):
        text = _text_of(meta)
        hits = [cat for cat, (regex, emoji, _) in matchers.items() if regex.search(text) or any(e in text for e in emoji)]
        assert hits == [], (meta.name, hits, text)


def test_phantom_rate_adds_categories_not_in_the_picture(tmp_path_factory, ontology):
    root = _noise_dump(tmp_path_factory, ontology, 0.0, 1.0)
    matchers = _category_matchers(ontology)
    truth = _truth(root, ontology)
    extra = [len(_named(_text_of(meta), matchers) - truth[w["node"]["id"]]) for meta, w in _posts(root)]
    assert sum(e > 0 for e in extra) >= 0.8 * len(extra)
    manifest = json.loads((root / "demo_manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["instagram"]["phantom_items"] >= 0.8 * manifest["counts"]["instagram"]["items"]


def test_templates_never_name_items_by_accident(ontology):
    gen = TextGenerator(ontology)
    for table in (CHATTER, ITEM_COMMENTS, OPENERS):
        for lang, templates in table.items():
            assert gen._clean_templates(templates) == list(templates), lang
    assert all(not gen.names_item(w) for ws in gen.style_words.values() for w in ws)


def test_captions_use_languages_hashtags_handles_and_emoji(dumps):
    captions = []
    for meta, _ in _posts(dumps["a"]):
        txt = meta.with_name(meta.name[: -len(".json.xz")] + ".txt")
        if txt.exists():
            captions.append(txt.read_text(encoding="utf-8"))
    joined = "\n".join(captions)
    assert "#" in joined and "@" in joined
    assert any(tag in joined for tag in ("#ootd", "#outfitoftheday", "#fashionblogger", "#ltkunder100"))
    assert re.search(r"[\U0001F300-\U0001FAFF❤]", joined)


def test_corpus_generator_is_deterministic_and_fast(ontology):
    first = list(generate_corpus(300, 5.0, 4, ontology))
    assert first == list(generate_corpus(300, 5.0, 4, ontology))
    assert first != list(generate_corpus(300, 5.0, 5, ontology))
    assert set(first[0]) == {"post_id", "account", "caption", "hashtags", "comments"}
    assert len({p["post_id"] for p in first}) == 300
    mean_comments = np.mean([len(p["comments"]) for p in first])
    assert 5.0 <= mean_comments <= 8.0  # top-level ~5 plus owner replies
    started = time.perf_counter()
    n_comments = sum(len(p["comments"]) for p in generate_corpus(3000, 20.0, 6, ontology))
    seconds = time.perf_counter() - started
    print(f"corpus: {3000 / seconds:.0f} posts/s, {n_comments / seconds:.0f} comments/s")
    assert 3000 / seconds > 200  # generous floor on a shared, loaded 2-core machine


# ---------------------------------------------------------------------------------- config and CLI

def test_config_from_params_rejects_unknown_and_bad_values():
    assert DemoConfig.from_params({"posts": 5, "image_size": 64}).posts == 5
    with pytest.raises(ValueError, match="unknown setting"):
        DemoConfig.from_params({"postz": 5})
    with pytest.raises(ValueError, match="demo.unnamed_item_rate"):
        DemoConfig.from_params({"unnamed_item_rate": 1.5})
    with pytest.raises(ValueError, match="demo.posts: expected a int"):
        DemoConfig.from_params({"posts": "many"})


def test_cli_writes_the_world_and_reports_bad_arguments(tmp_path, capsys):
    out = tmp_path / "raw"
    assert cli_main(["demo-data", "--out", str(out), "--posts", "4", "--accounts", "2", "--deepfashion-images", "3",
                     "--image-size", "32", "--no-progress"]) == 0
    manifest = json.loads((out / "demo_manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["instagram"]["posts"] == 4 and manifest["counts"]["deepfashion"]["images"] == 3
    assert cli_main(["demo-data", "--out", str(out), "--phantom-item-rate", "2", "--no-progress"]) == 2
    assert "demo.phantom_item_rate" in capsys.readouterr().err
    blocker = tmp_path / "a_file"
    blocker.write_text("x", encoding="utf-8")
    assert cli_main(["demo-data", "--out", str(blocker), "--posts", "1", "--no-progress"]) == 1
    assert "cannot write" in capsys.readouterr().err


# ---------------------------------------------------------------------------------- messy text
def _messy_dump(root: Path, ontology) -> Path:
    config = DemoConfig(seed=23, accounts=4, posts=60, deepfashion_images=0, image_size=32, comments_mean=2.0,
                        carousel_rate=0.0, no_outfit_rate=0.3, everyday_rate=1.0, negation_rate=1.0,
                        brand_name_rate=1.0)
    generate_demo(config, root, ontology, progress=False)
    return root


def _post_texts(root: Path) -> dict[str, str]:
    """post id -> caption + every comment and reply text."""
    out = {}
    for meta in (root / "instagram").glob("*/*.json.xz"):
        node = json.loads(lzma.decompress(meta.read_bytes()))["node"]
        edges = node["edge_media_to_caption"]["edges"]
        texts = [edges[0]["node"]["text"]] if edges else []
        comments = meta.with_name(meta.name.replace(".json.xz", "_comments.json"))
        if comments.exists():
            for c in json.loads(comments.read_text(encoding="utf-8")):
                texts += [c["text"]] + [a["text"] for a in c.get("answers", [])]
        out[node["id"]] = "\n".join(texts)
    return out


def test_messy_text_posts_without_outfit_name_no_item_and_are_annotated_empty(tmp_path, ontology):
    root = _messy_dump(tmp_path / "a", ontology)
    truth, texts = _truth(root, ontology), _post_texts(root)
    matchers = _category_matchers(ontology)
    empty = [pid for pid, cats in truth.items() if not cats]
    manifest = json.loads((root / "demo_manifest.json").read_text())
    assert manifest["counts"]["instagram"]["no_outfit_posts"] == len(empty) >= 8
    assert manifest["noise"]["no_outfit_rate"] == 0.3
    for pid in empty:
        assert _named(texts[pid].replace("#", " "), matchers) <= {"tops_and_tshirts"}, texts[pid]  # "top of the world"
    everyday = re.compile(r"(?i)\b(guess|coach|next|gap|mango|top|boss)\b")
    assert sum(bool(everyday.search(texts[p])) for p in truth if truth[p]) >= len(truth) / 2
    assert any(re.search(r"(?i)\b(not wearing|no|skipped the|inga|ohne|pas de|sin|senza|niente)\b", texts[p])
               for p in truth if truth[p])
    # the same config gives the same bytes
    again = _messy_dump(tmp_path / "b", ontology)
    assert _post_texts(again) == texts
    assert (again / "instagram" / "annotations.json").read_bytes() == (root / "instagram" / "annotations.json").read_bytes()
