"""Label priors for the demo world, derived once from the paper authors' text-mined labels.

Source (read once, offline; NOT read at run time): DynamicCNN_Models/Datasets/text-analysis/
of the authors' repository, 69,684 real Instagram images, each with its top-4 text-mined
category ids (1..13, same order as the ontology's categories) and top-4 subcategory ids.

- CATEGORY_PRIOR: how often each category is an image's top-1 category.
- CATEGORY_COOCCURRENCE: symmetrised counts of (top-1, top-2) category pairs, i.e.
  M[a][b] = #images with top-1 a and top-2 b + #images with top-1 b and top-2 a. The full
  top-4 lists are not used: every image has four ids, so all-pairs counts mostly measure the
  miner's filler, while the top-2 pairs carry the real associations (coats-jackets,
  blouses-tops, trousers-accessories, ...).
- SUBCATEGORY_TOP1: top-1 counts per subcategory word of the authors' list (their spelling),
  resolved to ontology subcategories at run time with `Ontology.resolve_subcategory`; words
  that do not resolve are dropped. Their parent assignments are ignored (some are wrong,
  e.g. sweater under jackets): the ontology decides the parent.

The authors' material/pattern/style labels were not used as priors: they are dominated by miner
artefacts (leather is the top material of 62% of images, checked the top pattern of 55%).
The hand-set tables at the end are plausible fashion knowledge, not measured.
"""
from __future__ import annotations

# Ontology category order: blouses_and_tunics, coats, dresses, jeans, jackets, jumpers_and_cardigans,
# skirts, tights_and_socks, tops_and_tshirts, trousers_and_shorts, shoes, bags, accessories.
CATEGORY_ORDER: tuple[str, ...] = (
    "blouses_and_tunics", "coats", "dresses", "jeans", "jackets", "jumpers_and_cardigans", "skirts",
    "tights_and_socks", "tops_and_tshirts", "trousers_and_shorts", "shoes", "bags", "accessories",
)

CATEGORY_PRIOR: tuple[int, ...] = (421, 2204, 7705, 1423, 2273, 8977, 2336, 133, 4820, 5792, 7644, 2127, 23829)

CATEGORY_COOCCURRENCE: tuple[tuple[int, ...], ...] = (
    (0, 8, 87, 40, 8, 42, 34, 0, 1686, 63, 59, 25, 170),
    (8, 0, 74, 54, 1513, 325, 217, 14, 78, 64, 453, 129, 1035),
    (87, 74, 0, 68, 167, 2198, 1251, 13, 502, 3272, 1476, 351, 2885),
    (40, 54, 68, 0, 222, 403, 78, 8, 390, 409, 597, 130, 315),
    (8, 1513, 167, 222, 0, 457, 73, 11, 269, 185, 460, 155, 573),
    (42, 325, 2198, 403, 457, 0, 338, 35, 1338, 3487, 2573, 321, 10751),
    (34, 217, 1251, 78, 73, 338, 0, 7, 329, 126, 479, 112, 364),
    (0, 14, 13, 8, 11, 35, 7, 0, 7, 42, 68, 3, 25),
    (1686, 78, 502, 390, 269, 1338, 329, 7, 0, 893, 696, 277, 1519),
    (63, 64, 3272, 409, 185, 3487, 126, 42, 893, 0, 1321, 129, 11825),
    (59, 453, 1476, 597, 460, 2573, 479, 68, 696, 1321, 0, 765, 6592),
    (25, 129, 351, 130, 155, 321, 112, 3, 277, 129, 765, 0, 2166),
    (170, 1035, 2885, 315, 573, 10751, 364, 25, 1519, 11825, 6592, 2166, 0),
)

SUBCATEGORY_TOP1: dict[str, int] = {
    "sweater": 17396, "dress": 14259, "legging": 3933, "shoe": 2616, "top": 2345, "skirt": 2309,
    "bag": 2164, "coat": 1778, "watch": 1756, "jacket": 1660, "jewellery": 1595, "boot": 1517,
    "jean": 978, "hat": 900, "cocktail": 893, "short": 885, "scarf": 830, "jumpsuit": 771,
    "shirt": 712, "trench": 700, "lightweight": 698, "espadrille": 624, "sandal": 578, "cardigan": 521,
    "vest": 492, "blazer": 486, "sleeve": 340, "slipper": 324, "ballet": 315, "blouse": 302,
    "trouser": 291, "heel": 278, "purse": 261, "sweatshirt": 230, "flat": 217, "sunglass": 202,
    "cape": 201, "belt": 167, "sweat": 160, "tote": 148, "fitness": 131, "sneaker": 123,
    "leatherjacket": 119, "handbag": 119, "glove": 113, "sock": 108, "tunic": 107, "jumper": 98,
    "jogger": 94, "pump": 84, "loafer": 84, "mule": 87, "hoodie": 72, "cap": 67, "waistcoat": 65,
    "ankle": 63, "playsuit": 63, "polo": 59, "trainer": 52, "brogue": 45, "parka": 43, "tights": 40,
    "tshirts": 37, "jersey": 34, "clog": 31, "shawl": 27, "shoulderbag": 26, "wellies": 24,
    "gilets": 23, "thigh": 22, "chino": 21, "clutchbag": 21, "flipflops": 19, "heeled": 11,
    "moccasin": 11, "cowboyboots": 7, "rucksack": 7,
}

# Outfit size: share of posts showing 1, 2, 3 or 4 items (hand-set; mean 2.25).
ITEMS_PER_POST: tuple[float, ...] = (0.27, 0.35, 0.24, 0.14)

# Body slot of each category: two items may share an outfit only if their slots do not clash.
CATEGORY_SLOT: dict[str, str] = {
    "blouses_and_tunics": "top", "tops_and_tshirts": "top", "jumpers_and_cardigans": "knit",
    "coats": "outer", "jackets": "outer", "dresses": "full", "jeans": "lower", "skirts": "lower",
    "trousers_and_shorts": "lower", "tights_and_socks": "legs", "shoes": "feet", "bags": "bag",
    "accessories": "accessory",
}
SLOT_CLASHES: frozenset[frozenset[str]] = frozenset({
    frozenset({"full", "lower"}), frozenset({"full", "top"}), frozenset({"full", "knit"}),
})
# Tights and socks only show under skirts, dresses and shorts: never with full-length legwear.
LEGWEAR_HIDDEN_BY: frozenset[str] = frozenset({"jeans", "trousers_and_shorts"})

# Hand-set material weights per category (ontology material keys); keys missing from the
# ontology are ignored, materials not listed get FALLBACK_MATERIAL_WEIGHT unless METAL.
MATERIAL_WEIGHTS: dict[str, dict[str, float]] = {
    "blouses_and_tunics": {"cotton": 5, "silk": 4, "viscose": 3, "linen": 2, "lace": 2, "satin": 1, "polyester": 1, "denim": 0.5},
    "coats": {"wool": 6, "cashmere": 2, "polyester": 2, "cotton": 2, "leather": 1, "imitation_leather": 1, "hardshell": 1, "felt": 1},
    "dresses": {"cotton": 4, "silk": 3, "viscose": 3, "lace": 2, "jersey": 2, "satin": 2, "ribbed": 1, "linen": 1, "denim": 1, "mesh": 0.5},
    "jeans": {"denim": 20, "cotton": 1, "imitation_leather": 0.5},
    "jackets": {"leather": 4, "denim": 3, "polyester": 2, "wool": 2, "imitation_leather": 2, "cotton": 1, "softshell": 1, "fleece": 1},
    "jumpers_and_cardigans": {"wool": 5, "cashmere": 3, "ribbed": 3, "cotton": 2, "sweat": 2, "mohair": 1, "fleece": 1, "crocheted": 1},
    "skirts": {"cotton": 3, "leather": 2, "denim": 2, "silk": 2, "wool": 2, "lace": 1, "satin": 1, "imitation_leather": 1},
    "tights_and_socks": {"synthetic": 4, "cotton": 3, "wool": 2, "mesh": 1, "lace": 0.5},
    "tops_and_tshirts": {"cotton": 8, "jersey": 3, "viscose": 2, "linen": 1, "lace": 1, "silk": 1, "ribbed": 1},
    "trousers_and_shorts": {"cotton": 4, "wool": 2, "linen": 2, "sweat": 2, "leather": 1, "viscose": 1, "polyester": 1, "cord": 1},
    "shoes": {"leather": 8, "synthetic": 2, "patent": 2, "textile": 2, "imitation_leather": 1},
    "bags": {"leather": 8, "imitation_leather": 2, "textile": 2, "cotton": 1, "braided": 1, "patent": 1},
    "accessories": {"leather": 3, "gold": 3, "silver": 3, "wool": 2, "cotton": 2, "silk": 1, "base_metal": 1, "synthetic": 1},
}
FALLBACK_MATERIAL_WEIGHT = 0.03
METAL_MATERIALS: frozenset[str] = frozenset({"silver", "gold", "base_metal", "platinum", "titanium"})
# Subcategories where metal is the natural material (jewellery, watches).
METAL_SUBCATEGORIES: frozenset[str] = frozenset({"jewellery", "watch"})

# Pattern weights: plain dominates real wardrobes; the others follow the rank order of the
# authors' mined pattern labels (checked > striped > colourful > floral > print > herringbone >
# marl > paisley > camouflage > burnout > animal print), flattened.
PATTERN_WEIGHTS: dict[str, float] = {
    "plain": 30, "checked": 6, "striped": 6, "colourful": 3, "floral": 5, "print": 3, "herringbone": 2,
    "marl": 2, "paisley": 1.5, "camouflage": 1.5, "burnout": 1, "animal_print": 2, "polka_dot": 2.5,
    "photo_print": 1, "print_striped": 1.5, "colour_gradient": 1,
}
# Style-driven pattern boosts (account styles -> patterns they like).
STYLE_PATTERNS: dict[str, tuple[str, ...]] = {
    "bohemian": ("floral", "paisley"), "preppy": ("striped", "checked"), "street": ("camouflage", "print", "photo_print"),
    "girly": ("polka_dot", "floral"), "vibrant": ("colourful", "colour_gradient"), "classic": ("herringbone", "checked"),
    "dramatic": ("animal_print",), "artsy": ("photo_print", "print"), "vintage": ("polka_dot", "paisley"),
    "seventies": ("paisley", "floral"), "fifties": ("polka_dot",), "western": ("checked",),
}
