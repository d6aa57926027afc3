"""Hand-made ingest + predictions tables in the contracts' schemas, for the profiles, recommend
and look-book tests (tests/test_profiles*.py, test_recommend*.py, test_lookbook*.py)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image

LABEL = pa.struct([("label", pa.string()), ("score", pa.float64()), ("image", pa.float64()),
                   ("text", pa.float64()), ("source", pa.string())])
ATTRIBUTE = pa.struct([("group", pa.string()), ("label", pa.string()), ("score", pa.float64()),
                       ("image", pa.float64()), ("text", pa.float64()), ("source", pa.string())])
TEXT_LABEL = pa.struct([("label", pa.string()), ("score", pa.float64())])
PREDICTIONS_SCHEMA = pa.schema([
    ("post_id", pa.string()), ("image", pa.int32()), ("media", pa.string()), ("image_status", pa.string()),
    ("split", pa.string()), ("annotated", pa.bool_()), ("run", pa.string()),
    ("hint_categories", pa.list_(pa.string())), ("hint_subcategory", pa.string()),
    ("categories", pa.list_(LABEL)), ("subcategories", pa.list_(LABEL)), ("attributes", pa.list_(ATTRIBUTE)),
    ("brands", pa.list_(TEXT_LABEL)), ("styles", pa.list_(TEXT_LABEL)),
])
TRUTH_SCHEMA = pa.schema([("post_id", pa.string()), ("item", pa.int32()), ("category", pa.string()),
                          ("subcategory", pa.string()), ("brand", pa.string()), ("styles", pa.list_(pa.string())),
                          ("material", pa.list_(pa.string())), ("pattern", pa.list_(pa.string()))])
START = datetime(2017, 1, 1, tzinfo=timezone.utc)


def label(name: str, score: float = 0.9) -> dict:
    return {"label": name, "score": score, "image": score, "text": 0.0, "source": "image"}


def attribute(group: str, name: str, score: float = 0.9) -> dict:
    return {"group": group, "label": name, "score": score, "image": score, "text": 0.0, "source": "image"}


def prediction(post_id: str, image: int = 0, media: str | None = None, categories=(), subcategories=(),
               attributes=(), brands=(), styles=()) -> dict:
    return {"post_id": post_id, "image": image, "media": media, "image_status": "ok" if media else "no_image",
            "split": "train", "annotated": False, "run": "resnet18-pruning", "hint_categories": [],
            "hint_subcategory": None, "categories": [label(*c) if isinstance(c, tuple) else label(c) for c in categories],
            "subcategories": [label(*s) if isinstance(s, tuple) else label(s) for s in subcategories],
            "attributes": [attribute(*a) for a in attributes],
            "brands": [{"label": b, "score": 1.0} for b in brands], "styles": [{"label": s, "score": 1.0} for s in styles]}


def post(post_id: str, account: str, day: float, media: list[str] | None = None) -> dict:
    return {"post_id": post_id, "account": account, "taken_at": START + timedelta(days=day),
            "dump_root": "", "media": [{"path": m, "type": "image"} for m in (media or [])]}


def write_tables(root: Path, posts: list[dict], predictions: list[dict], truth: list[dict] | None = None,
                 annotated: list[str] | None = None) -> tuple[Path, Path]:
    """(predictions.parquet, ingest folder) under root; posts' dump_root is set to root/dump."""
    ingest = root / "ingest"
    ingest.mkdir(parents=True, exist_ok=True)
    dump = root / "dump"
    rows = [{**p, "dump_root": str(dump)} for p in posts]
    posts_schema = pa.schema([("post_id", pa.string()), ("account", pa.string()),
                              ("taken_at", pa.timestamp("us", tz="UTC")), ("dump_root", pa.string()),
                              ("media", pa.list_(pa.struct([("path", pa.string()), ("type", pa.string())])))])
    pq.write_table(pa.Table.from_pylist(rows, schema=posts_schema), ingest / "posts.parquet")
    pq.write_table(pa.Table.from_pylist(truth or [], schema=TRUTH_SCHEMA), ingest / "truth.parquet")
    pq.write_table(pa.table({"post_id": pa.array(annotated or [], pa.string())}), ingest / "annotated.parquet")
    path = root / "predictions.parquet"
    pq.write_table(pa.Table.from_pylist(sorted(predictions, key=lambda r: (r["post_id"], r["image"])),
                                        schema=PREDICTIONS_SCHEMA), path)
    return path, ingest


def write_image(dump: Path, relative: str, colour=(200, 60, 90), size: int = 48) -> str:
    target = dump / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (size, size), colour).save(target, "JPEG")
    return relative


def taste_world(root: Path, groups: int = 2, accounts_per_group: int = 6, posts: int = 10,
                images: bool = False) -> tuple[Path, Path]:
    """Accounts in taste groups: group g wears style s{g}, brand b{g}, and items of its own;
    every post also shows the common 'basic' style, so popularity alone knows nothing about
    a group. Enough structure for a recommender to beat popularity on the hold-out."""
    posts_rows, preds = [], []
    n = 0
    for g in range(groups):
        for a in range(accounts_per_group):
            account = f"acc{g}_{a}"
            for i in range(posts):
                n += 1
                post_id = str(1000 + n)
                # each post shows 2 of the group's 4 items, a different pair over time
                subs = [f"sub{g}_{(i + a) % 4}", f"sub{g}_{(i + a + 1) % 4}"]
                media = None
                if images:
                    media = write_image(root / "dump", f"{account}/{post_id}.jpg", (40 * g + 60, 120, 30 * a % 255))
                posts_rows.append(post(post_id, account, day=i * 20 + a, media=[media] if media else None))
                preds.append(prediction(post_id, media=media, categories=[f"cat{g}"], subcategories=subs,
                                        attributes=[("material", f"mat{g}"), ("pattern", "plain")],
                                        brands=[f"b{g}_{(i + a) % 3}"], styles=[f"s{g}", "basic"]))
    return write_tables(root, posts_rows, preds)
