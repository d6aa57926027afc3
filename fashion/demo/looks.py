"""From ontology labels to drawable looks: which garment kind a subcategory is drawn as, and
how attribute values (length, collar, heel height, heel type, toe, fastener) change its shape.

Keys are ontology keys; unknown keys fall back to the category's default kind, so an edited
ontology still renders.
"""
from __future__ import annotations

from fashion.demo import silhouettes as geo
from fashion.demo import textures as tx

CATEGORY_DEFAULT_KIND: dict[str, str] = {
    "blouses_and_tunics": "blouse", "coats": "coat", "dresses": "dress", "jeans": "jeans", "jackets": "jacket",
    "jumpers_and_cardigans": "sweater", "skirts": "skirt", "tights_and_socks": "tights", "tops_and_tshirts": "tee",
    "trousers_and_shorts": "trousers", "shoes": "flats", "bags": "handbag", "accessories": "hat",
}

SUBCATEGORY_KIND: dict[str, str] = {
    "blouse": "blouse", "shirt": "shirt", "tunic": "tunic",
    "down_coat": "coat", "parka": "coat", "short_coat": "coat", "trench_coat": "coat", "winter_coat": "coat", "wool_coat": "coat",
    "athletic_jacket": "jacket", "leather_jacket": "jacket", "denim_jacket": "jacket", "lightweight_jacket": "jacket",
    "blazer": "blazer", "gilet": "gilet", "cape": "cape", "down_jacket": "jacket", "winter_jacket": "jacket",
    "fleece_jacket": "jacket", "outdoor_jacket": "jacket",
    "track_top": "hoodie", "hoodie": "hoodie", "jumper": "sweater", "sweatshirt": "sweater", "cardigan": "cardigan",
    "fleece_jumper": "sweater",
    "knee_high_socks": "socks", "footless_tights": "tights", "socks": "socks", "thigh_high_socks": "tights", "tights": "tights",
    "long_sleeve_top": "tee", "polo_shirt": "tee", "vest_top": "tank", "t_shirt": "tee",
    "chinos": "trousers", "joggers": "joggers", "leggings": "leggings", "playsuit_jumpsuit": "jumpsuit", "shorts": "shorts",
    "trousers": "trousers",
    "ankle_boots": "ankle_boots", "ballet_pumps": "flats", "boots": "boots", "flats_lace_ups": "flats",
    "flip_flops": "sandals", "heels": "heels", "mules_clogs": "flats", "outdoor_shoes": "ankle_boots",
    "sandals": "sandals", "slippers": "flats", "sports_shoes": "sneakers", "trainers": "sneakers",
    "espadrilles": "flats", "pumps": "heels", "loafers": "flats", "cowboy_boots": "boots", "wellies": "boots",
    "brogues": "flats",
    "clutch_bag": "clutch", "handbag": "handbag", "tote_bag": "tote", "shoulder_bag": "shoulder_bag",
    "rucksack": "rucksack", "sport_travel_bag": "travel_bag", "laptop_bag": "tote",
    "belt": "belt", "gloves": "gloves", "hats_and_caps": "hat", "jewellery": "necklace", "watch": "watch",
    "purse": "purse", "scarf": "scarf", "sunglasses": "sunglasses",
}
# Subcategories nobody wears (shoe polish): never put in a picture.
UNWEARABLE_SUBCATEGORIES: frozenset[str] = frozenset({"shoe_care"})

# Per-subcategory shape tweaks (Look field overrides).
SUBCATEGORY_SHAPE: dict[str, dict] = {
    "parka": {"neckline": "hood", "length": 0.8}, "short_coat": {"length": 0.62}, "trench_coat": {"details": ("belt",)},
    "down_coat": {"length": 0.85}, "athletic_jacket": {"details": ("zip",)}, "track_top": {"details": ("zip",)},
    "long_sleeve_top": {"sleeves": "long"}, "polo_shirt": {"neckline": "collar"},
    "skinny_jeans": {"fit": 0.8}, "loose_fit_jeans": {"fit": 1.35}, "flares": {"details": ("flare",)},
    "bootcut_jeans": {"details": ("flare",), "fit": 0.9}, "denim_shorts": {"length": 0.3}, "slim_fit_jeans": {"fit": 0.9},
    "maxi_skirt": {"length": 1.55}, "mini_skirt": {"length": 0.5}, "pencil_skirt": {"fit": 0.68},
    "a_line_skirt": {"fit": 1.25}, "pleated_skirt": {"details": ("pleats",)}, "bubble_hem_skirt": {"fit": 1.1, "length": 0.7},
    "maxi_dress": {"length": 1.55}, "cocktail_dress": {"length": 0.75}, "jersey_dress": {"fit": 0.85, "details": ("bodycon",)},
    "shirt_dress": {"neckline": "collar", "sleeves": "short"}, "knitted_dress": {"sleeves": "long"},
    "work_dress": {"sleeves": "short", "fit": 0.9}, "chinos": {"fit": 0.9},
    "heels": {"heel": 0.85, "heel_type": "stiletto", "toe": "pointed"}, "pumps": {"heel": 0.7, "heel_type": "stiletto"},
    "boots": {"heel": 0.3, "heel_type": "block"}, "ankle_boots": {"heel": 0.35, "heel_type": "block"},
    "cowboy_boots": {"heel": 0.3, "heel_type": "block", "toe": "pointed"}, "mules_clogs": {"toe": "square"},
    "flip_flops": {"toe": "open"}, "loafers": {"toe": "round"},
}

LENGTH_FACTOR: dict[str, float] = {  # skirts, dresses, coats, tops: hem position multiplier
    "short": 0.55, "thigh_length": 0.42, "mid_length": 0.72, "knee_length": 0.95, "normal": 1.0,
    "calf_length": 1.25, "three_quarter_length": 1.15, "seven_eighth_length": 1.35, "long": 1.5,
    "extra_long": 1.7, "cropped": 0.6,
}
LEG_LENGTH_FACTOR: dict[str, float] = {  # trousers and jeans
    "short": 0.3, "thigh_length": 0.25, "mid_length": 0.45, "knee_length": 0.55, "normal": 1.0,
    "calf_length": 0.75, "three_quarter_length": 0.8, "seven_eighth_length": 0.9, "long": 1.0,
    "extra_long": 1.03, "cropped": 0.8,
}
NECKLINE_OF_COLLAR: dict[str, str] = {
    "v_neck": "v", "low_v_neck": "v", "cache_coeur": "v", "round_neck": "round", "low_round_neck": "round",
    "boat_neck": "round", "peter_pan_collar": "collar", "high_collar": "high", "polo_neck": "high",
    "mandarin_collar": "high", "mao_collar": "high", "hood": "hood", "lapel_collar": "lapel",
    "shawl_collar": "lapel", "off_the_shoulder": "off_shoulder", "backless": "square", "square_neck": "square",
}  # every other collar (shirt, kent, cutaway, button-down, polo, wing, ...) draws as "collar"
HEEL_OF_HEIGHT: dict[str, float] = {"high": 1.0, "mid": 0.55, "low": 0.2}
HEEL_TYPE_SHAPE: dict[str, str] = {
    "stiletto": "stiletto", "funnel_heel": "block", "block_heel": "block", "wedge": "wedge", "hidden_wedge": "wedge",
    "platform": "platform", "platform_boots": "platform", "platform_toe": "platform", "hidden_platform": "platform",
    "flat": "flat",
}
TOE_SHAPE: dict[str, str] = {"pointed": "pointed", "round": "round", "square_toe": "square", "open": "open"}

# Finish used when an item has no material value.
DEFAULT_FINISH: dict[str, str] = {"jeans": "denim", "accessories": "leather"}


def kind_of(category: str, subcategory: str | None, length: str | None = None) -> str:
    kind = SUBCATEGORY_KIND.get(subcategory or "", CATEGORY_DEFAULT_KIND[category])
    if kind in ("trousers", "joggers") and length in ("short", "thigh_length", "mid_length"):
        kind = "shorts"
    return kind


def look_of(category: str, subcategory: str | None, attributes: dict[str, tuple[str, ...]], colour: str,
            accent: str, variant: int) -> geo.Look:
    """The drawable look of an item; `variant` (any int) picks free choices such as bag side."""
    first = {group: values[0] for group, values in attributes.items() if values}
    length = first.get("length")
    kind = kind_of(category, subcategory, length)
    if kind == "hat" and variant % 3 == 0:
        kind = "cap"
    fields: dict = dict(SUBCATEGORY_SHAPE.get(subcategory or "", {}))
    details = set(fields.pop("details", ()))
    if length:
        table = LEG_LENGTH_FACTOR if kind in ("jeans", "trousers", "joggers", "leggings") else LENGTH_FACTOR
        fields["length"] = table.get(length, 1.0)
    if "collar" in first:
        fields["neckline"] = NECKLINE_OF_COLLAR.get(first["collar"], "collar")
    if "heel_height" in first:
        fields["heel"] = HEEL_OF_HEIGHT.get(first["heel_height"], 0.5)
    if "heel_type" in first:
        fields["heel_type"] = HEEL_TYPE_SHAPE.get(first["heel_type"], "block")
        if fields["heel_type"] == "flat":
            fields["heel"] = 0.0
        elif fields.get("heel", 0.0) < 0.2:
            fields["heel"] = 0.5
    if "toe" in first:
        fields["toe"] = TOE_SHAPE.get(first["toe"], "round")
    if "zip" in attributes.get("fastener", ()):
        details.add("zip")
    if variant % 2:
        details.add("left")
    if variant % 5 == 0:
        details.add("pocket")
    material = attributes.get("material", ())
    pattern = attributes.get("pattern", ())
    finish = tx.material_kind(material[0]) if material else DEFAULT_FINISH.get(category, "cotton")
    return geo.Look(
        kind=kind,
        pattern=tx.pattern_kind(pattern[0]) if pattern else "plain",
        material=finish,
        colour=colour,
        accent=accent,
        details=tuple(sorted(details)),
        **fields,
    )
