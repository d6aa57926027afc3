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
