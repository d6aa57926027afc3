"""Build reports/lookbook/ from the profiles, recommendations, predictions and the ingest.

The site is written to a temp folder beside the target and swapped in whole. Page names come
from account names reduced to [a-z0-9._-] (unique), thumbnails are resized copies of each
post's first image (a path that climbs out of its dump root is never opened); nothing links
outside the site."""
from __future__ import annotations

import re
import shutil
import tempfile
from importlib import resources
from pathlib import Path

import jinja2
import pandas as pd
from PIL import Image, UnidentifiedImageError

from fashion.data.decode import safe_join
from fashion.io import replace_tree
from fashion.lookbook.config import LookbookError, LookbookSettings
from fashion.profiles.config import display

CHART_FACETS = ("item", "brand", "style", "category", "material", "pattern")
CHART_TITLES = {"item": "Items", "brand": "Brands", "style": "Styles", "category": "Categories",
                "material": "Materials", "pattern": "Patterns"}
KIND_TITLES = {"items": "Items", "brands": "Brands", "styles": "Styles"}
CHART_WIDTH, LABEL_WIDTH, BAR_WIDTH, ROW = 360, 140, 100, 20


def _read(path: Path, columns: list[str], made_by: str) -> pd.DataFrame:
    if not Path(path).exists():
        raise LookbookError(f"{path}: not found ({made_by})")
    try:
        return pd.read_parquet(path, columns=columns)
    except (OSError, ValueError, KeyError) as error:
        raise LookbookError(f"{path}: not a readable Parquet table with {', '.join(columns)} ({error})") from None


def page_names(accounts: list[str]) -> dict[str, str]:
    """account -> file name under accounts/ (safe characters only, unique)."""
    out, used = {}, set()
    for account in sorted(accounts):
        stem = re.sub(r"[^a-z0-9._-]", "_", account.lower()).strip(".") or "account"
        name, n = stem, 1
        while name in used:
            n += 1
            name = f"{stem}-{n}"
        used.add(name)
        out[account] = f"{name}.html"
    return out


def _thumbnail(source: Path | None, target: Path, size: int) -> bool:
    if source is None or not source.is_file():
        return False
    try:
        with Image.open(source) as img:
            img.draft("RGB", (size, size))
            img = img.convert("RGB")
            side = min(img.size)
            left, top = (img.width - side) // 2, (img.height - side) // 2
            img.crop((left, top, left + side, top + side)).resize((size, size), Image.LANCZOS).save(
                target, "JPEG", quality=85, optimize=True)
        return True
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError):
        return False


def _chart(rows: pd.DataFrame, truth: pd.DataFrame, facet: str, bars: int) -> dict | None:
    rows = rows[rows["facet"] == facet].head(bars)
    if rows.empty:
        return None
    truth_share = dict(zip(truth.loc[truth["facet"] == facet, "label"], truth.loc[truth["facet"] == facet, "share"]))
    out = []
    for i, r in enumerate(rows.itertuples(index=False)):
        trend = "" if pd.isna(r.trend) else (f" ↑{100 * r.trend:.1f}" if r.trend > 0.0005 else
                                             (f" ↓{-100 * r.trend:.1f}" if r.trend < -0.0005 else " →"))
        label = display(facet, r.label)
        w = round(max(1.0, BAR_WIDTH * r.share), 1)
        tw = round(BAR_WIDTH * truth_share[r.label], 1) if r.label in truth_share else None
        out.append({"y": i * ROW, "label": label if len(label) <= 22 else label[:21] + "…", "w": w, "tw": tw,
                    "tx": LABEL_WIDTH + max(w, tw or 0.0) + 4,
                    "text": f"{100 * r.share:.0f} % ({r.posts}/{r.account_posts}){trend}"})
    return {"title": CHART_TITLES[facet], "bars": out, "width": CHART_WIDTH,
            "height": len(out) * ROW + 4, "x0": LABEL_WIDTH}


def _labels(entries, facet: str, min_score: float) -> list[str]:
    return [display(facet, e["label"]) for e in (entries if entries is not None else []) if e["score"] >= min_score]


def build_lookbook(profiles: Path, recommendations: Path, predictions: Path, ingest: Path, out: Path,
                   settings: LookbookSettings, min_score: float, model: str) -> dict:
    """Write the site; returns {accounts, pages, thumbnails, missing_thumbnails}."""
    prof = _read(profiles, ["source", "account", "facet", "label", "posts", "account_posts", "share", "trend"],
                 "run the profiles stage first")
    recs = _read(recommendations, ["account", "kind", "rank", "label", "score", "reason"], "run the recommend stage first")
    posts = _read(Path(ingest) / "posts.parquet", ["post_id", "account", "taken_at", "dump_root"], "run the ingest stage first")
    preds = _read(predictions, ["post_id", "image", "media", "image_status", "subcategories", "brands", "styles"],
                  "run the predict stage first")
    first = preds.sort_values(["post_id", "image"], na_position="last").drop_duplicates("post_id")
    posts = posts.merge(first, on="post_id", how="left")
    accounts = sorted(posts["account"].dropna().unique().tolist())
    pages = page_names(accounts)
    env = jinja2.Environment(loader=jinja2.PackageLoader("fashion.lookbook", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        (tmp / "assets").mkdir()
        (tmp / "accounts").mkdir()
        (tmp / "thumbs").mkdir()
        static = resources.files("fashion.lookbook") / "static"
        for name in ("lookbook.css", "lookbook.js"):
            (tmp / "assets" / name).write_bytes((static / name).read_bytes())
        counts = {"thumbnails": 0, "missing_thumbnails": 0}
        cards = []
        for account in accounts:
            mine = posts[posts["account"] == account].sort_values(["taken_at", "post_id"], ascending=[False, False])
            shown = []
            for p in mine.head(settings.thumbnails).itertuples(index=False):
                source = None
                if isinstance(p.media, str) and p.image_status == "ok" and isinstance(p.dump_root, str):
                    source = safe_join(p.dump_root, p.media)
                thumb_name = f"{re.sub(r'[^0-9A-Za-z_-]', '_', str(p.post_id))}.jpg"
                ok = _thumbnail(source, tmp / "thumbs" / thumb_name, settings.thumb_size)
                counts["thumbnails" if ok else "missing_thumbnails"] += 1
                shown.append({"post_id": p.post_id, "thumb": f"../thumbs/{thumb_name}" if ok else None,
                              "date": pd.Timestamp(p.taken_at).strftime("%Y-%m-%d"),
                              "garments": _labels(p.subcategories, "subcategory", min_score),
                              "brands": _labels(p.brands, "brand", min_score),
                              "styles": _labels(p.styles, "style", min_score)})
            predicted = prof[(prof["source"] == "predicted") & (prof["account"] == account)]
            truth = prof[(prof["source"] == "truth") & (prof["account"] == account)]
            charts = [c for c in (_chart(predicted, truth, f, settings.bars) for f in CHART_FACETS) if c]
            mine_recs = recs[recs["account"] == account].sort_values(["kind", "rank"])
            rec_blocks = [{"title": title, "rows": [{"label": display(kind[:-1], r.label) if kind != "items"
                                                     else display("item", r.label), "score": r.score, "reason": r.reason}
                                                    for r in mine_recs[mine_recs["kind"] == kind].itertuples(index=False)]}
                          for kind, title in KIND_TITLES.items()]
            similar = [{"name": r.label, "page": pages[r.label], "score": r.score}
                       for r in mine_recs[mine_recs["kind"] == "account"].itertuples(index=False) if r.label in pages]
            styles = [display("style", s) for s in predicted.loc[predicted["facet"] == "style", "label"].head(2)]
            info = {"name": account, "posts": int(len(mine)), "styles": styles,
                    "truth_posts": int(truth["account_posts"].iloc[0]) if len(truth) else 0}
            html = env.get_template("account.html.j2").render(
                title=account, subtitle="account page", root="../", account=info, recommendations=rec_blocks,
                similar=similar, charts=charts, posts=shown, thumb_size=settings.thumb_size)
            (tmp / "accounts" / pages[account]).write_text(html, encoding="utf-8")
            cover = next((s["thumb"] for s in shown if s["thumb"]), None)
            cards.append({"name": account, "page": f"accounts/{pages[account]}", "posts": info["posts"],
                          "styles": styles, "thumb": cover[3:] if cover else None})
        index = env.get_template("index.html.j2").render(
            title="Accounts", subtitle=f"{len(accounts)} accounts", root="", accounts=cards, posts=int(len(posts)),
            model=model, thumb_size=settings.thumb_size)
        (tmp / "index.html").write_text(index, encoding="utf-8")
        tmp.chmod(0o755)
        replace_tree(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {"accounts": len(accounts), "pages": len(accounts) + 1, **counts}

