"""Hand-set wardrobe knowledge: which attribute values make sense for which garment kind.

Only keys that exist in the loaded ontology are used (see `World`), so these tables can name
values an edited ontology lacks without breaking anything.
"""
from __future__ import annotations

# Probability that an optional attribute group (anything but material/pattern) is filled in.
OPTIONAL_GROUP_RATE = 0.4

COLLARS_BY_KIND: dict[str, tuple[str, ...]] = {
    "tee": ("round_neck", "v_neck", "low_round_neck", "boat_neck", "henley", "square_neck"),
    "tank": ("round_neck", "v_neck", "low_v_neck", "square_neck", "backless"),
    "blouse": ("shirt_collar", "peter_pan_collar", "v_neck", "volant_collar", "mandarin_collar", "off_the_shoulder",
               "cache_coeur", "boat_neck"),
    "shirt": ("shirt_collar", "button_down", "kent_collar", "cutaway_collar", "mandarin_collar", "contrast_collar"),
    "tunic": ("v_neck", "round_neck", "mandarin_collar", "boat_neck"),
    "sweater": ("round_neck", "v_neck", "polo_neck", "high_collar", "shawl_collar", "cowl_neck", "turn_down_neck"),
    "cardigan": ("v_neck", "round_neck", "shawl_collar"),
    "hoodie": ("hood",),
    "jacket": ("lapel_collar", "shirt_collar", "high_collar", "hood", "mandarin_collar", "turn_down_neck"),
    "blazer": ("lapel_collar", "shawl_collar"),
    "gilet": ("high_collar", "v_neck", "hood"),
    "cape": ("round_neck", "high_collar"),
    "dress": ("v_neck", "round_neck", "square_neck", "off_the_shoulder", "boat_neck", "high_collar", "backless",
              "cache_coeur", "shirt_collar", "low_v_neck"),
    "jumpsuit": ("v_neck", "round_neck", "square_neck", "off_the_shoulder"),
}

LENGTHS_BY_KIND: dict[str, tuple[str, ...]] = {
    "dress": ("short", "thigh_length", "mid_length", "knee_length", "calf_length", "long", "extra_long"),
    "skirt": ("short", "thigh_length", "mid_length", "knee_length", "calf_length", "long", "extra_long"),
    "jeans": ("normal", "cropped", "seven_eighth_length", "long"),
    "trousers": ("normal", "cropped", "seven_eighth_length", "three_quarter_length", "long", "short"),
    "joggers": ("normal", "seven_eighth_length", "long"),
    "leggings": ("normal", "seven_eighth_length", "three_quarter_length", "cropped"),
    "shorts": ("short", "thigh_length", "mid_length"),
    "jumpsuit": ("normal", "seven_eighth_length", "long"),
}
# Subcategories that fix the length (a maxi dress is long).
LENGTHS_BY_SUBCATEGORY: dict[str, tuple[str, ...]] = {
    "maxi_dress": ("long", "extra_long"), "maxi_skirt": ("long", "extra_long"), "mini_skirt": ("short", "thigh_length"),
    "denim_shorts": ("short",), "shorts": ("short", "thigh_length", "mid_length"), "cocktail_dress": ("knee_length", "mid_length", "short"),
}

SHOE_VALUES: dict[str, dict[str, tuple[str, ...]]] = {
    "heels": {"heel_type": ("stiletto", "block_heel", "funnel_heel", "platform", "wedge"), "heel_height": ("high", "mid"),
              "toe": ("pointed", "round", "open", "square_toe"), "fastener": ("straps", "slip_on", "buckle_bow")},
    "boots": {"heel_type": ("block_heel", "flat", "platform_boots", "stiletto"), "heel_height": ("low", "mid", "high"),
              "toe": ("round", "pointed", "square_toe"), "fastener": ("zip", "laces", "slip_on", "buckle_bow")},
    "ankle_boots": {"heel_type": ("block_heel", "flat", "stiletto", "hidden_wedge"), "heel_height": ("low", "mid", "high"),
                    "toe": ("round", "pointed", "square_toe"), "fastener": ("zip", "laces", "slip_on")},
    "sneakers": {"heel_type": ("flat", "platform", "hidden_wedge"), "heel_height": ("low",), "toe": ("round",),
                 "fastener": ("laces", "velcro_fastening", "slip_on")},
    "sandals": {"heel_type": ("flat", "wedge", "block_heel", "platform"), "heel_height": ("low", "mid", "high"),
                "toe": ("open",), "fastener": ("straps", "buckle_bow", "slip_on")},
    "flats": {"heel_type": ("flat",), "heel_height": ("low",), "toe": ("round", "pointed", "square_toe"),
              "fastener": ("slip_on", "laces", "buckle_bow")},
}

OCCASION_WEIGHTS: dict[str, float] = {"leisure": 6, "party": 2, "business": 2, "evening": 1.5, "loungewear": 1, "traditional": 0.3}
# Occasion follows what is worn (garment kind as drawn), so the picture shows it: trainers and
# hoodies are leisure, blazers business, heels and clutches party/evening. Kinds not listed use
# OCCASION_WEIGHTS.
_LEISURE = {"leisure": 8, "loungewear": 1, "party": 0.5, "business": 0.3, "evening": 0.2, "traditional": 0.1}
_BUSINESS = {"business": 7, "leisure": 1.5, "evening": 1, "party": 0.3, "loungewear": 0.1, "traditional": 0.2}
_PARTY = {"party": 5, "evening": 4, "leisure": 0.8, "business": 0.5, "loungewear": 0.1, "traditional": 0.3}
_LOUNGE = {"loungewear": 5, "leisure": 4, "party": 0.1, "business": 0.1, "evening": 0.1, "traditional": 0.1}
OCCASION_BY_KIND: dict[str, dict[str, float]] = {
    **{k: _LEISURE for k in ("tee", "tank", "hoodie", "shorts", "jeans", "sneakers", "sandals", "rucksack",
                             "travel_bag", "cap", "sunglasses")},
    **{k: _BUSINESS for k in ("blazer", "shirt", "trousers", "coat", "tote", "watch", "gilet")},
    **{k: _PARTY for k in ("heels", "clutch", "necklace", "jumpsuit")},
    **{k: _LOUNGE for k in ("joggers", "leggings", "socks")},
}

# Seasons: the annotation tool's collection values. A post's season follows its date, and what
# people wear follows the season (coats, knits, boots in winter; dresses, sandals, linen in summer),
# so the collection label can be read off the picture.
SEASONS: tuple[str, ...] = ("spring_summer", "autumn_winter")


def season_of(month: int) -> str:
    return "spring_summer" if 4 <= month <= 9 else "autumn_winter"


SEASON_CATEGORY_FACTOR: dict[str, dict[str, float]] = {
    "autumn_winter": {"coats": 3.0, "jackets": 1.6, "jumpers_and_cardigans": 2.2, "tights_and_socks": 2.0,
                      "dresses": 0.5, "skirts": 0.6, "tops_and_tshirts": 0.45, "blouses_and_tunics": 0.8},
    "spring_summer": {"coats": 0.2, "jackets": 0.6, "jumpers_and_cardigans": 0.3, "tights_and_socks": 0.3,
                      "dresses": 1.8, "skirts": 1.6, "tops_and_tshirts": 1.9, "blouses_and_tunics": 1.3},
}
SEASON_SUBCATEGORY_FACTOR: dict[str, dict[str, float]] = {
    "autumn_winter": {"boots": 3.0, "ankle_boots": 3.0, "cowboy_boots": 2.0, "wellies": 2.0, "sandals": 0.1,
                      "flip_flops": 0.1, "espadrilles": 0.2, "shorts": 0.2, "denim_shorts": 0.2, "down_coat": 3.0,
                      "winter_coat": 3.0, "parka": 2.0, "down_jacket": 3.0, "winter_jacket": 3.0, "scarf": 3.0,
                      "gloves": 3.0, "sunglasses": 0.3},
    "spring_summer": {"sandals": 3.0, "flip_flops": 3.0, "espadrilles": 3.0, "shorts": 3.0, "denim_shorts": 3.0,
                      "boots": 0.3, "ankle_boots": 0.4, "cowboy_boots": 0.5, "wellies": 0.2, "down_coat": 0.1,
                      "winter_coat": 0.1, "parka": 0.3, "down_jacket": 0.1, "winter_jacket": 0.1, "scarf": 0.3,
                      "gloves": 0.1, "sunglasses": 3.0},
}
SEASON_MATERIAL_FACTOR: dict[str, dict[str, float]] = {
    "autumn_winter": {"wool": 4.0, "cashmere": 4.0, "fleece": 4.0, "mohair": 3.0, "cord": 3.0, "felt": 3.0,
                      "leather": 1.5, "linen": 0.15, "chiffon": 0.3, "lace": 0.5},
    "spring_summer": {"linen": 4.0, "cotton": 2.0, "chiffon": 3.0, "lace": 2.0, "jersey": 1.5, "silk": 1.5,
                      "wool": 0.15, "cashmere": 0.15, "fleece": 0.1, "mohair": 0.15, "cord": 0.3, "felt": 0.2},
}

# Materials whose items are nearly always plain.
MOSTLY_PLAIN_MATERIALS: frozenset[str] = frozenset({
    "leather", "imitation_leather", "patent", "denim", "gold", "silver", "base_metal", "platinum", "titanium",
    "hardshell", "softshell", "mesh", "lace", "crocheted",
})

# Colour names an account may favour (textures.COLOURS keys).
PALETTE: tuple[str, ...] = (
    "black", "white", "gray", "beige", "brown", "blue", "navy", "red", "pink", "yellow", "orange", "green",
    "olive", "petrol", "turkos", "purple", "golden",
)
ACCENTS: tuple[str, ...] = ("white", "black", "navy", "red", "beige", "golden", "pink", "green", "yellow")
# Annotation colour for patterns whose renderer ignores the item's own colour.
MULTICOLOUR_PATTERNS: frozenset[str] = frozenset({"colourful", "photoprint", "camouflage", "animal_print"})

# Style prior: top-1 counts of the authors' mined style labels (text-analysis/image-styles),
# "50s"/"50's" and "70s"/"70's" merged; resolved through Ontology.resolve_style.
STYLE_TOP1: dict[str, int] = {
    "trendy": 46014, "sporty": 9368, "feminine": 7297, "classic": 1775, "chic": 1665, "girly": 957, "dramatic": 796,
    "elegant": 549, "street": 432, "business": 267, "vintage": 200, "bohemian": 100, "preppy": 68, "vibrant": 60,
    "sophisticated": 36, "western": 32, "seventies": 31, "fifties": 19, "tomboy": 10, "artsy": 8,
}

FIRST_NAMES: tuple[str, ...] = (
    "lisa", "emma", "sofia", "mia", "clara", "nora", "elin", "julia", "anna", "lea", "chiara", "lucia", "ines",
    "marta", "giulia", "freja", "alice", "maja", "zoe", "ida", "olivia", "hanna", "camille", "paula", "greta",
)
LAST_NAMES: tuple[str, ...] = (
    "Berg", "Lind", "Moreau", "Rossi", "Garcia", "Schmidt", "Larsson", "Dubois", "Bianchi", "Lopez", "Weber",
    "Nilsson", "Martin", "Romano", "Fernandez", "Becker", "Holm", "Laurent", "Ricci", "Ruiz",
)
HANDLE_SUFFIXES: tuple[str, ...] = (
    "styles", "wears", "closet", "diary", "looks", "inspo", "blog", "mode", "chic", "edit", "daily", "journal",
)
LOCATIONS: dict[str, tuple[str, ...]] = {
    "en": ("London, United Kingdom", "New York, New York", "Los Angeles, California", "Sydney, Australia"),
    "sv": ("Stockholm, Sweden", "Göteborg, Sweden", "Malmö, Sweden"),
    "de": ("Berlin, Germany", "München, Germany", "Hamburg, Germany"),
    "fr": ("Paris, France", "Lyon, France"),
    "es": ("Madrid, Spain", "Barcelona, Spain"),
    "it": ("Milano, Italy", "Roma, Italy"),
}
