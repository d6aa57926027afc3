"""A small DeepFashion-style set (Category and Attribute Prediction Benchmark formats).

Names and types of the 50 categories and of the attribute subset are those of the real
benchmark (Anno/list_category_cloth.txt, Anno/list_attr_cloth.txt), written here as tables.
Only 15 categories get images; each image shows one garment on a model with 2-4 attributes,
and every attribute used has a visible rendering (texture, fabric finish, shape or part).
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fashion.demo import silhouettes as geo
from fashion.demo import render
from fashion.demo import textures as tx
from fashion.demo.instagram import numpy_rng

# The benchmark's 50 categories: (name, type) with type 1 upper, 2 lower, 3 full body; ids are 1-based.
CATEGORIES: tuple[tuple[str, int], ...] = (
    ("Anorak", 1), ("Blazer", 1), ("Blouse", 1), ("Bomber", 1), ("Button-Down", 1), ("Cardigan", 1), ("Flannel", 1),
    ("Halter", 1), ("Henley", 1), ("Hoodie", 1), ("Jacket", 1), ("Jersey", 1), ("Parka", 1), ("Peacoat", 1),
    ("Poncho", 1), ("Sweater", 1), ("Tank", 1), ("Tee", 1), ("Top", 1), ("Turtleneck", 1), ("Capris", 2),
    ("Chinos", 2), ("Culottes", 2), ("Cutoffs", 2), ("Gauchos", 2), ("Jeans", 2), ("Jeggings", 2), ("Jodhpurs", 2),
    ("Joggers", 2), ("Leggings", 2), ("Sarong", 2), ("Shorts", 2), ("Skirt", 2), ("Sweatpants", 2),
    ("Sweatshorts", 2), ("Trunks", 2), ("Caftan", 3), ("Cape", 3), ("Coat", 3), ("Coverup", 3), ("Dress", 3),
    ("Jumpsuit", 3), ("Kaftan", 3), ("Kimono", 3), ("Nightdress", 3), ("Onesie", 3), ("Robe", 3), ("Romper", 3),
    ("Shirtdress", 3), ("Sundress", 3),
)

# Categories that get images: name -> (garment kind, relative frequency). Frequencies roughly
# follow the benchmark (dresses and tees common, coats and kimonos rare), flattened.
IMAGED: dict[str, tuple[str, float]] = {
    "Dress": ("dress", 3.0), "Tee": ("tee", 3.0), "Blouse": ("blouse", 2.5), "Shorts": ("shorts", 2.0),
    "Skirt": ("skirt", 2.0), "Tank": ("tank", 2.0), "Cardigan": ("cardigan", 1.5), "Sweater": ("sweater", 1.5),
    "Jacket": ("jacket", 1.5), "Romper": ("romper", 1.2), "Jeans": ("jeans", 1.2), "Joggers": ("joggers", 1.0),
    "Hoodie": ("hoodie", 1.0), "Coat": ("coat", 0.8), "Kimono": ("kimono", 0.8),
}

UPPER = ("Blouse", "Tee", "Tank", "Sweater", "Cardigan", "Hoodie", "Jacket")
LOWER = ("Shorts", "Skirt", "Jeans", "Joggers")
TOPS = ("Blouse", "Tee", "Tank", "Sweater")
DRESSY = ("Dress", "Skirt")


@dataclass(frozen=True)
class Attribute:
    name: str               # the benchmark's attribute name
    type: int               # 1 texture, 2 fabric, 3 shape, 4 part, 5 style (the real type)
    slot: str               # attributes sharing a slot exclude each other
    effect: tuple[tuple[str, object], ...]  # Look field -> value ("details" values are added)
    categories: tuple[str, ...]


def _a(name: str, type_: int, slot: str, categories: tuple[str, ...], **effect) -> Attribute:
    return Attribute(name, type_, slot, tuple(effect.items()), categories)


NON_DENIM = ("Dress", "Tee", "Blouse", "Skirt", "Tank", "Cardigan", "Sweater", "Romper", "Hoodie", "Kimono", "Shorts", "Joggers")
ATTRIBUTES: tuple[Attribute, ...] = tuple(sorted((
    _a("striped", 1, "pattern", NON_DENIM + ("Jacket",), pattern="striped"),
    _a("floral", 1, "pattern", ("Dress", "Blouse", "Skirt", "Kimono", "Romper", "Tank", "Shorts", "Tee"), pattern="floral"),
    _a("dotted", 1, "pattern", ("Dress", "Blouse", "Skirt", "Romper", "Tee"), pattern="dotted"),
    _a("checked", 1, "pattern", ("Blouse", "Skirt", "Dress", "Coat", "Shorts"), pattern="checked"),
    _a("paisley", 1, "pattern", ("Kimono", "Dress", "Blouse", "Skirt"), pattern="paisley"),
    _a("leopard", 1, "pattern", ("Dress", "Skirt", "Coat", "Blouse", "Tee"), pattern="animal_print"),
    _a("camouflage", 1, "pattern", ("Jacket", "Joggers", "Shorts", "Hoodie", "Tee"), pattern="camouflage"),
    _a("graphic", 1, "pattern", ("Tee", "Tank", "Hoodie", "Sweater"), pattern="print"),
    _a("plaid", 2, "pattern", ("Skirt", "Coat", "Blouse", "Shorts"), pattern="plaid"),
    _a("herringbone", 2, "pattern", ("Coat", "Jacket", "Skirt"), pattern="herringbone"),
    _a("denim", 2, "fabric", ("Jeans", "Shorts", "Jacket", "Skirt", "Dress", "Romper"), material="denim", colour="blue"),
    _a("leather", 2, "fabric", ("Jacket", "Skirt", "Shorts", "Coat"), material="leather", colour="black"),
    _a("faux leather", 2, "fabric", ("Jacket", "Skirt", "Joggers"), material="faux_leather", colour="brown"),
    _a("suede", 2, "fabric", ("Jacket", "Skirt", "Coat"), material="suede", colour="brown"),
    _a("knit", 2, "fabric", ("Sweater", "Cardigan", "Dress", "Skirt"), material="ribbed"),
    _a("ribbed", 2, "fabric", ("Tank", "Tee", "Sweater", "Dress"), material="ribbed"),
    _a("lace", 2, "fabric", ("Blouse", "Dress", "Skirt", "Shorts", "Tank", "Kimono", "Romper"), material="lace"),
    _a("chiffon", 2, "fabric", ("Blouse", "Dress", "Kimono", "Skirt", "Romper"), material="chiffon"),
    _a("mesh", 2, "fabric", ("Tee", "Tank", "Skirt"), material="mesh"),
    _a("cotton", 2, "fabric", ("Tee", "Tank", "Shorts", "Joggers", "Hoodie", "Blouse", "Dress"), material="cotton"),
    _a("velvet", 2, "fabric", ("Dress", "Skirt", "Jacket", "Kimono"), material="velvet"),
    _a("sequin", 2, "fabric", ("Dress", "Skirt", "Tank"), material="metallic"),
    _a("maxi", 3, "length", DRESSY, length=1.6),
    _a("midi", 3, "length", DRESSY, length=1.2),
    _a("mini", 3, "length", DRESSY, length=0.5),
    _a("cropped", 3, "length", TOPS + ("Jacket", "Hoodie", "Jeans"), length=0.75),
    _a("fitted", 3, "fit", TOPS + ("Dress", "Jacket"), fit=0.85),
    _a("boxy", 3, "fit", TOPS + ("Jacket", "Coat"), fit=1.25),
    _a("skinny", 3, "fit", ("Jeans", "Joggers"), fit=0.78),
    _a("bodycon", 3, "fit", ("Dress",), fit=0.85, details="bodycon"),
    _a("flare", 3, "flare", ("Jeans",), details="flare"),
    _a("a-line", 3, "flare", DRESSY, details="a_line", fit=1.2),
    _a("v-neck", 4, "neck", ("Tee", "Blouse", "Sweater", "Dress", "Tank", "Romper", "Cardigan"), neckline="v"),
    _a("crew neck", 4, "neck", ("Tee", "Sweater", "Dress", "Tank"), neckline="round"),
    _a("hooded", 4, "neck", ("Jacket", "Coat", "Cardigan"), neckline="hood"),
    _a("off-the-shoulder", 4, "neck", ("Blouse", "Dress", "Romper"), neckline="off_shoulder"),
    _a("sleeveless", 4, "sleeve", ("Dress", "Blouse", "Romper"), sleeves="none"),
    _a("long-sleeve", 4, "sleeve", ("Tee", "Blouse", "Dress", "Romper"), sleeves="long"),
    _a("pocket", 4, "detail", ("Jeans", "Shorts", "Jacket", "Coat", "Joggers", "Hoodie"), details="pocket"),
    _a("zip", 4, "detail", ("Jacket", "Hoodie", "Coat"), details="zip"),
    _a("belted", 4, "detail", ("Dress", "Coat", "Kimono"), details="belt"),
), key=lambda a: a.name))

# Words that make folder names read like the benchmark's product titles.
TITLE_WORDS = ("Classic", "Relaxed", "Everyday", "Sheer", "Woven", "Textured", "Soft", "Pleated-Front", "Tie-Front",
               "Embroidered", "Layered", "Smocked", "Ruffled", "Easy", "Lightweight")
SPLIT_SHARES = (("train", 0.7), ("val", 0.15), ("test", 0.15))
NAME_WIDTH = 64  # column where the value columns start (the real lists pad names like this)


@dataclass
class Product:
    """One item folder's garment: category, attributes and colours (its images vary the view)."""

    folder: str
    category: str
    attributes: tuple[Attribute, ...]
    look: geo.Look
    split: str
    n_images: int


@dataclass
class DeepFashionImage:
    name: str            # img/<folder>/img_XXXXXXXX.jpg
    category_id: int     # 1-based
    attribute_values: tuple[int, ...]  # one 1/-1 per ATTRIBUTES entry
    bbox: tuple[int, int, int, int]
    split: str


def category_id(name: str) -> int:
    return [n for n, _ in CATEGORIES].index(name) + 1


def sample_product(rng: random.Random) -> Product:
    names = list(IMAGED)
    category = rng.choices(names, weights=[IMAGED[n][1] for n in names])[0]
    kind = IMAGED[category][0]
    allowed = [a for a in ATTRIBUTES if category in a.categories]
    rng.shuffle(allowed)
    want = rng.randint(2, 4)
    chosen: list[Attribute] = []
    for attr in allowed:
        if len(chosen) == want:
            break
        if all(attr.slot != c.slot for c in chosen):
            chosen.append(attr)
    fields: dict = {"details": set()}
    for attr in chosen:
        for key, value in attr.effect:
            if key == "details":
                fields["details"].add(value)
            else:
                fields[key] = value
    material = fields.pop("material", rng.choice(("cotton", "synthetic", "jersey", "viscose", "linen")))
    colour = fields.pop("colour", None) or rng.choice(tx.FINISHES[material].colours + ("black", "white", "navy", "red", "pink"))
    accent = rng.choice([c for c in ("white", "black", "navy", "red", "golden", "beige") if c != colour])
    details = tuple(sorted(fields.pop("details") | ({"left"} if rng.random() < 0.5 else set())))
    look = geo.Look(kind=kind, material=material, colour=colour, accent=accent, details=details, **fields)
    words = [a.name.replace(" ", "_").title() for a in chosen if a.type in (1, 2, 3)][:2]  # "Faux_Leather"
    if rng.random() < 0.5 or not words:
        words.insert(0, rng.choice(TITLE_WORDS))
    folder = "_".join(words + [category])
    r, split = rng.random(), "train"
    acc = 0.0
    for name, share in SPLIT_SHARES:
        acc += share
        if r < acc:
            split = name
            break
    return Product(folder, category, tuple(chosen), look, split, 1 + min(int(rng.expovariate(0.6)), 5))


def garment_extent(look: geo.Look, pose: geo.Pose) -> tuple[float, float]:
    """Top and bottom (figure y) of a garment's drawing."""
    ys = []
    for op in geo.draw(look, pose).layers.get("body", []):
        if op.cut:
            continue
        if op.kind == "ellipse":
            (cx, cy), (rx, ry) = op.points
            ys += [cy - ry, cy + ry]
        elif op.kind == "arc":
            (cx, cy), (rx, ry), _ = op.points
            ys += [cy - ry, cy + ry]
        else:
            ys += [y for _, y in op.points]
    return min(ys), max(ys)


def companion(product: Product, rng: random.Random) -> geo.Look | None:
    """A plain second garment the model also wears (as in real shop photos), or None."""
    if rng.random() > 0.35:
        return None
    colour = rng.choice(("black", "white", "beige", "gray", "navy"))
    if product.category in UPPER:
        return geo.Look(kind=rng.choice(("jeans", "trousers", "skirt")), material="cotton", colour=colour)
    if product.category in LOWER:
        return geo.Look(kind=rng.choice(("tee", "tank")), material="cotton", colour=colour)
    return None


def render_image(product: Product, key: str, size: int) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """uint8 [S,S,3] image of the product on a model, and the garment's bbox (x1, y1, x2, y2)."""
    pixels, mask = render_view(product, key, size)
    return pixels, render.bbox(mask) or (0, 0, size - 1, size - 1)


def render_view(product: Product, key: str, size: int) -> tuple[np.ndarray, np.ndarray]:
    """uint8 [S,S,3] image of the product on a model, and the garment's visible mask [S,S]."""
    rng = numpy_rng(key)
    prng = random.Random(key)
    model = render.random_model(rng)
    top, bottom = garment_extent(product.look, model.pose)
    margin = 0.06 * (bottom - top) + 0.02
    cam = render.frame(size, max(top - margin, -0.05), bottom + margin, rng, fill=0.88, jitter=0.04, zoom=(0.92, 1.02))
    extra = companion(product, prng)
    looks = [product.look] + ([extra] if extra else [])
    pixels, masks = render.render_outfit(looks, cam, model, rng)
    return render.finish_image(pixels, rng), masks[0]


def build_products(seed: int, n_images: int) -> list[Product]:
    """Products whose image counts add up to exactly `n_images`."""
    rng = random.Random(f"{seed}:deepfashion")
    products: list[Product] = []
    total = 0
    while total < n_images:
        product = sample_product(rng)
        product.n_images = min(product.n_images, n_images - total)
        products.append(product)
        total += product.n_images
    return products


def attribute_vector(product: Product) -> tuple[int, ...]:
    names = {a.name for a in product.attributes}
    return tuple(1 if a.name in names else -1 for a in ATTRIBUTES)


def _row(name: str, value: str) -> str:
    return f"{name:<{NAME_WIDTH - 1}} {value}"


def write_lists(root: Path, images: list[DeepFashionImage]) -> None:
    """The benchmark's annotation lists: count line, header line, one row per entry."""
    anno, evaluation = root / "Anno", root / "Eval"
    anno.mkdir(parents=True, exist_ok=True)
    evaluation.mkdir(parents=True, exist_ok=True)

    def write(path: Path, header: str, rows: list[str]) -> None:
        path.write_text(f"{len(rows)}\n{header}\n" + "".join(r + "\n" for r in rows), encoding="utf-8")

    write(anno / "list_category_cloth.txt", "category_name  category_type",
          [f"{name:<15}{ctype}" for name, ctype in CATEGORIES])
    write(anno / "list_attr_cloth.txt", "attribute_name  attribute_type",
          [f"{a.name:<29}{a.type}" for a in ATTRIBUTES])
    write(anno / "list_category_img.txt", "image_name  category_label",
          [_row(im.name, str(im.category_id)) for im in images])
    write(anno / "list_attr_img.txt", "image_name  attribute_labels",
          [_row(im.name, " ".join(f"{v:2d}" for v in im.attribute_values)) for im in images])
    write(anno / "list_bbox.txt", "image_name  x_1  y_1  x_2  y_2",
          [_row(im.name, " ".join(f"{v:03d}" for v in im.bbox)) for im in images])
    write(evaluation / "list_eval_partition.txt", "image_name  evaluation_status",
          [_row(im.name, im.split) for im in images])


def write_deepfashion(root: Path, seed: int, n_images: int, size: int, quality: int, progress=None) -> dict:
    """Render and write the whole set under `root` (which must be empty). Returns counts."""
    products = build_products(seed, n_images)
    images: list[DeepFashionImage] = []
    numbering: dict[str, int] = {}
    for p_index, product in enumerate(products):
        folder = root / "img" / product.folder
        folder.mkdir(parents=True, exist_ok=True)
        for view in range(product.n_images):
            numbering[product.folder] = numbering.get(product.folder, 0) + 1
            name = f"img/{product.folder}/img_{numbering[product.folder]:08d}.jpg"
            pixels, box = render_image(product, f"{seed}:deepfashion:{p_index}:{view}", size)
            (root / name).write_bytes(render.jpeg_bytes(pixels, quality))
            images.append(DeepFashionImage(name, category_id(product.category), attribute_vector(product), box, product.split))
            if progress is not None:
                progress.update(1)
    write_lists(root, images)
    per_category: dict[str, int] = {}
    for im in images:
        cname = CATEGORIES[im.category_id - 1][0]
        per_category[cname] = per_category.get(cname, 0) + 1
    splits: dict[str, int] = {}
    for im in images:
        splits[im.split] = splits.get(im.split, 0) + 1
    return {"images": len(images), "products": len(products), "categories": dict(sorted(per_category.items())),
            "attributes": len(ATTRIBUTES), "splits": dict(sorted(splits.items()))}
