"""Generate the whole demo world: Instagram dump, DeepFashion set and a manifest.

Each tree is written into a temporary sibling folder (`<out>/instagram.tmp-XXXX`) and renamed
into place at the end, so an interrupted run never leaves a half-written dump behind.
"""
from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from tqdm import tqdm

from fashion.demo import chatter, deepfashion_layout, instagram
from fashion.demo.captions import TextGenerator, fan_names
from fashion.demo.world import World
from fashion.io import replace_tree, write_json
from fashion.ontology import Ontology


@dataclass(frozen=True)
class DemoConfig:
    seed: int = 2018
    accounts: int = 60
    posts: int = 1500
    deepfashion_images: int = 1400
    image_size: int = 96
    video_rate: float = 0.03
    carousel_rate: float = 0.2
    unnamed_item_rate: float = 0.25
    phantom_item_rate: float = 0.15
    comments_mean: float = 4.0
    jpeg_quality: int = 90
    # messy text (fashion.demo.chatter); 0 keeps the clean text model
    no_outfit_rate: float = 0.15     # posts showing no outfit (food, travel, hair, birthdays): no item, no brand
    everyday_rate: float = 0.3       # everyday words that are brand/item names ("guess what", "my coach")
    negation_rate: float = 0.1       # "not wearing heels today" for an item not in the picture
    brand_name_rate: float = 0.3     # per branded item: its display name ("H&M", "from Guess") or a reply naming it
    preference_drift: float = 0.4    # share of an account's last post drawn with its drifted tastes (fashion.demo.world)

    def validate(self) -> None:
        """Raise ValueError naming the first bad setting."""
        checks = [
            ("accounts", self.accounts >= 1, "must be >= 1"),
            ("posts", self.posts >= 0, "must be >= 0"),
            ("deepfashion_images", self.deepfashion_images >= 0, "must be >= 0"),
            ("image_size", 32 <= self.image_size <= 1024, "must be between 32 and 1024"),
            ("comments_mean", self.comments_mean >= 0, "must be >= 0"),
            ("jpeg_quality", 1 <= self.jpeg_quality <= 95, "must be between 1 and 95"),
        ]
        for name in ("video_rate", "carousel_rate", "unnamed_item_rate", "phantom_item_rate", "no_outfit_rate",
                     "everyday_rate", "negation_rate", "brand_name_rate", "preference_drift"):
            value = getattr(self, name)
            checks.append((name, 0.0 <= value <= 1.0, "must be a share between 0 and 1"))
        for name, ok, reason in checks:
            if not ok:
                raise ValueError(f"demo.{name}: {reason} (got {getattr(self, name)!r})")

    @classmethod
    def from_params(cls, params: dict) -> "DemoConfig":
        """From params.yaml's `demo` section; unknown keys are an error."""
        fields = set(cls.__dataclass_fields__)
        unknown = sorted(set(params) - fields)
        if unknown:
            raise ValueError(f"demo: unknown setting(s) {unknown}; known: {sorted(fields)}")
        kinds = {name: type(getattr(cls(), name)) for name in fields}
        values = {}
        for key, value in params.items():
            try:
                values[key] = kinds[key](value)
            except (TypeError, ValueError):
                raise ValueError(f"demo.{key}: expected a {kinds[key].__name__}, got {value!r}") from None
        config = cls(**values)
        config.validate()
        return config


def _temp_tree(out: Path, name: str) -> Path:
    tmp = Path(tempfile.mkdtemp(prefix=f"{name}.tmp-", dir=out))
    tmp.chmod(0o755)  # mkdtemp makes it private; the finished tree is an ordinary folder
    return tmp



def write_instagram(root: Path, config: DemoConfig, ontology: Ontology, progress: bool) -> dict:
    world = World(ontology, config.seed)
    accounts = world.accounts(config.accounts)
    posts = world.posts(accounts, config.posts, video_rate=config.video_rate, carousel_rate=config.carousel_rate,
                        unnamed_item_rate=config.unnamed_item_rate, phantom_item_rate=config.phantom_item_rate,
                        no_outfit_rate=config.no_outfit_rate, preference_drift=config.preference_drift)
    rates = chatter.MessyRates(config.no_outfit_rate, config.everyday_rate, config.negation_rate,
                               config.brand_name_rate)
    gen = TextGenerator(ontology)
    names = instagram.ToolNames(ontology)
    commenters = fan_names(config.seed) + [a.username for a in accounts]
    annotations = []
    counts = {"posts": 0, "images": 0, "videos": 0, "carousels": 0, "comments": 0, "replies": 0, "items": 0,
              "unnamed_items": 0, "phantom_items": 0, "hidden_items_dropped": 0, "no_outfit_posts": 0}
    per_category: dict[str, int] = {}
    for post in tqdm(posts, desc="demo posts", unit="post", disable=not progress):
        folder = instagram.account_folder(root, post.account)
        rendered = instagram.render_post(post, config.image_size, config.jpeg_quality)
        text = instagram.post_text(post, rendered.items, gen, commenters, config.comments_mean, rates)
        instagram.write_post(folder, post, rendered, text.caption, text.comments, text.tagged, config.image_size)
        annotations.append(instagram.annotation(post, rendered.items, names, ontology))
        counts["posts"] += 1
        counts["images"] += len(rendered.images)
        counts["videos"] += post.media == "video"
        counts["carousels"] += post.media == "carousel"
        counts["comments"] += len(text.comments)
        counts["replies"] += sum(len(c.replies) for c in text.comments)
        counts["items"] += len(rendered.items)
        counts["unnamed_items"] += sum(1 for it, n in zip(post.items, post.named) if not n and it in rendered.items)
        counts["phantom_items"] += len(post.phantoms)
        counts["hidden_items_dropped"] += rendered.dropped
        counts["no_outfit_posts"] += not rendered.items
        for item in rendered.items:
            per_category[item.category] = per_category.get(item.category, 0) + 1
    (root / "annotations.json").write_text(json.dumps(annotations, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    counts["accounts"] = len({p.account.username for p in posts})
    counts["items_per_category"] = dict(sorted(per_category.items()))
    return counts


def generate_demo(config: DemoConfig, out: str | Path, ontology: Ontology, progress: bool = True) -> dict:
    """Write <out>/instagram, <out>/deepfashion and <out>/demo_manifest.json; return the manifest.

    Same config -> byte-identical files (no clock, fixed JPEG/xz settings, seeded everything).
    """
    config.validate()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    noise = ("unnamed_item_rate", "phantom_item_rate", "no_outfit_rate", "everyday_rate", "negation_rate",
             "brand_name_rate", "preference_drift")
    manifest: dict = {"seed": config.seed, "sizes": {}, "counts": {},
                      "noise": {k: getattr(config, k) for k in noise}}
    manifest["sizes"] = {k: v for k, v in asdict(config).items() if k != "seed" and k not in noise}
    tmp = _temp_tree(out, "instagram")
    try:
        manifest["counts"]["instagram"] = write_instagram(tmp, config, ontology, progress)
        replace_tree(tmp, out / "instagram")
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    tmp = _temp_tree(out, "deepfashion")
    try:
        with tqdm(total=config.deepfashion_images, desc="demo deepfashion", unit="img", disable=not progress) as bar:
            manifest["counts"]["deepfashion"] = deepfashion_layout.write_deepfashion(
                tmp, config.seed, config.deepfashion_images, config.image_size, config.jpeg_quality, bar)
        replace_tree(tmp, out / "deepfashion")
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    write_json(out / "demo_manifest.json", manifest)
    return manifest
