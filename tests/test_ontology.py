"""The fashion ontology files and their loader: content, name resolution and validation errors."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from fashion.ontology import (
    CATEGORY_KEYS,
    CONCEPT_KINDS,
    GROUP_KEYS,
    LANGUAGES,
    OntologyError,
    build_ontology,
    compact_forms,
    load_ontology,
)

ROOT = Path(__file__).resolve().parents[1] / "ontology"


@pytest.fixture(scope="module")
def onto():
    return load_ontology(ROOT)


# ---------------------------------------------------------------------------------------------
# content


def test_thirteen_categories_in_fixed_order(onto):
    assert onto.category_keys() == list(CATEGORY_KEYS)
    assert CATEGORY_KEYS[0] == "blouses_and_tunics" and CATEGORY_KEYS[-1] == "accessories"
    assert all(c.name and c.keywords for c in onto.categories)


def test_subcategories_cover_every_category_with_valid_parents(onto):
    keys = onto.subcategory_keys()
    assert len(keys) == len(set(keys)) >= 92
    assert {s.parent for s in onto.subcategories} == set(CATEGORY_KEYS)
    assert all(re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)*", k) for k in keys)
    assert all(s.keywords for s in onto.subcategories)
    assert [s.key for s in onto.subcategories_of("jumperAndCartigens")] == [
        s.key for s in onto.subcategories if s.parent == "jumpers_and_cardigans"]
    with pytest.raises(KeyError):
        onto.subcategories_of("swimwear")


@pytest.mark.parametrize("key, parent", [
    ("pumps", "shoes"),            # the authors filed "pump" under tops
    ("thigh_high_socks", "tights_and_socks"),
    ("gilet", "jackets"),          # "waistcoat" was filed under coats
    ("jumper", "jumpers_and_cardigans"),  # "sweater" was filed under jackets
    ("espadrilles", "shoes"),
    ("scarf", "accessories"),
])
def test_reference_parent_mistakes_are_fixed(onto, key, parent):
    assert {s.key: s.parent for s in onto.subcategories}[key] == parent


def test_dropped_reference_words_are_not_subcategories(onto):
    keys = set(onto.subcategory_keys())
    assert not keys & {"collar", "sleeve", "thong", "dress", "shoe", "top"}


def test_attribute_groups_and_ids(onto):
    assert list(onto.attribute_groups) == list(GROUP_KEYS)
    ids = onto.attribute_ids()
    assert len(ids) == len(set(ids)) == sum(len(v) for v in onto.attribute_groups.values())
    assert ids[0] == "material:cashmere"
    groups_in_order = list(dict.fromkeys(i.split(":")[0] for i in ids))
    assert groups_in_order == list(GROUP_KEYS)
    assert {"pattern:striped", "material:leather", "heel_type:stiletto", "collection:autumn_winter"} <= set(ids)
    for values in onto.attribute_groups.values():
        assert all(v.synonyms and all(s == s.lower() for s in v.synonyms) for v in values)


def test_allowed_groups(onto):
    assert set(onto.allowed_groups) == set(CATEGORY_KEYS)
    assert all(len(groups) >= 1 for groups in onto.allowed_groups.values())
    assert set(onto.allowed_groups["shoes"]) == {
        "material", "pattern", "heel_type", "heel_height", "toe", "fastener", "occasion", "collection"}
    assert "collar" not in onto.allowed_groups["bags"]
    assert "heel_type" not in onto.allowed_groups["dresses"]
    assert "lining" in onto.allowed_groups["coats"]
    for groups in onto.allowed_groups.values():  # canonical order
        assert list(groups) == [g for g in GROUP_KEYS if g in groups]


def test_styles_and_brands(onto):
    assert 20 <= len(onto.styles) <= 22
    assert len(onto.brands) >= 1000
    keys = onto.brand_keys()
    assert len(keys) == len(set(keys))
    assert all(re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)*", k) for k in keys)
    ralph = next(b for b in onto.brands if b.key == "ralph_lauren")
    assert {"ralphlauren", "RalphLauren", "ralph lauren"} <= set(ralph.aliases)


def test_facet_terms_cover_every_facet(onto):
    assert onto.facets()[:2] == ["categories", "subcategories"] and onto.facets()[-2:] == ["styles", "brands"]
    for facet in onto.facets():
        terms = onto.facet_terms(facet)
        assert terms and all(words for words in terms.values()), facet
    assert "parka" in onto.facet_terms("categories")["coats"]
    assert "pinstripe" in onto.facet_terms("pattern")["striped"]
    assert "ralphlauren" in onto.facet_terms("brands")["ralph_lauren"]
    with pytest.raises(ValueError, match="unknown facet"):
        onto.facet_terms("colour")


def test_translations_cover_five_languages(onto):
    assert set(onto.translations) == set(LANGUAGES)
    vocabulary = {w for facet in onto.facets() if facet != "brands" for ws in onto.facet_terms(facet).values()
                  for w in ws}
    for lang, table in onto.translations.items():
        assert len(table) >= 40, lang
        assert all(word == word.lower() for word in table)
        assert set(table.values()) <= vocabulary
    assert onto.translations["sv"]["ull"] == "wool"
    assert onto.translations["de"]["kleid"] == "dress"
    assert onto.translations["fr"]["cuir"] == "leather"
    assert onto.translations["es"]["bolso"] == "bag"
    assert onto.translations["it"]["cappotto"] == "coat"


@pytest.mark.parametrize("symbol, word", [("👗", "dress"), ("👠", "shoes"), ("👢", "boots"), ("👜", "bag"),
                                          ("🧣", "scarf"), ("🕶", "sunglasses")])
def test_emoji_map(onto, symbol, word):
    assert word in onto.emoji[symbol]


def test_concept_lexicon(onto):
    assert len(onto.concepts) >= 300
    for term, probs in onto.concepts.items():
        assert set(probs) == set(CONCEPT_KINDS), term
        assert all(0.0 <= p <= 1.0 for p in probs.values()), term
    c = onto.concepts
    assert c["gap"]["brand"] < c["ralph lauren"]["brand"]
    assert c["silk"]["material"] > 0.9 and c["silk"]["brand"] == 0.0
    assert c["denim"]["material"] > c["denim"]["item"] > 0
    assert c["boots"]["item"] > 0.9
    # generated entries: every brand, material synonym and item keyword has its concept
    assert c["filippa k"]["brand"] > 0.5
    assert c["merino"]["material"] > 0.5
    assert c["parka"]["item"] > 0.5


# ---------------------------------------------------------------------------------------------
# name resolution


@pytest.mark.parametrize("name, key", [
    ("jumperAndCartigens", "jumpers_and_cardigans"),
    ("Jumper & Cardiagans", "jumpers_and_cardigans"),
    ("jumpers_and_cardigans", "jumpers_and_cardigans"),
    ("JUMPERS AND CARDIGANS", "jumpers_and_cardigans"),
    ("tichts_and_socks", "tights_and_socks"),
    ("tightsAndSocks", "tights_and_socks"),
    ("topsTshirts", "tops_and_tshirts"),
    ("Tops & T-shirts", "tops_and_tshirts"),
    ("trouser_and_shorts", "trousers_and_shorts"),
    ("trouserAndShorts", "trousers_and_shorts"),
    ("all_accessories", "accessories"),
    ("Blouse & Tunics", "blouses_and_tunics"),
    ("blouseAndTunics", "blouses_and_tunics"),
    ("Coat", "coats"),
    ("swimwear", None),
    ("", None),
    (None, None),
])
def test_resolve_category(onto, name, key):
    assert onto.resolve_category(name) == key


@pytest.mark.parametrize("name, category, key", [
    ("joggersAndSweats", None, "joggers"),
    ("Joggers & Sweats", "trouserAndShorts", "joggers"),
    ("Down Coats", None, "down_coat"),
    ("heels", None, "heels"),
    ("heels", "shoes", "heels"),
    ("heels", "dresses", None),            # never a subcategory of another category
    ("cocktail", "dresses", "cocktail_dress"),
    ("jumpers", "jumperAndCartigens", "jumper"),
    ("Maxi", "dresses", "maxi_dress"),
    ("Maxi", "skirts", "maxi_skirt"),
    ("Maxi", None, None),                  # shared label: ambiguous without its category
    ("Leggings", "tightsAndSocks", "footless_tights"),
    ("Leggings", None, "leggings"),        # spells a key exactly
    ("Athletic Jackets", "jumperAndCartigens", "track_top"),
    ("Athletic Jackets", "jackets", "athletic_jacket"),
    ("Parkas", None, "parka"),
    ("sneaker", None, "trainers"),
    ("balletpumps", None, "ballet_pumps"),
    ("Sport&Travel", None, "sport_travel_bag"),
    ("Cluth Bags", "bags", "clutch_bag"),
    ("wool_coat", None, "wool_coat"),
    ("hovercraft", None, None),
])
def test_resolve_subcategory(onto, name, category, key):
    assert onto.resolve_subcategory(name, category) == key


# The annotation tool's subcategory labels per category option value (as the tool shows them).
TOOL_SUBCATEGORIES = {
    "blouseAndTunics": ["Blouse", "Shirts", "Tunics"],
    "coats": ["Down Coats", "Parkas", "Short Coats", "Trench Coats", "Winter Coats", "Wool Coats"],
    "dresses": ["Casual", "Cocktail", "Denim", "Jeresy", "Knitted", "Maxi", "Shirt", "Work"],
    "jackets": ["Athletic Jackets", "Leather Jackets", "Denim Jackets", "Lightweight Jackets", "Blazers",
                "Gilets & WaistCoats", "Capes", "Down Jackets", "Winter Jackets", "Fleece Jackets",
                "Outdoor Jackets"],
    "jeans": ["Flares", "Skinny Fit", "Bootcut", "Denim Shorts", "Loose Fit", "Slim Fit", "Straight Leg"],
    "jumperAndCartigens": ["Athletic Jackets", "Hoodies", "Jumpers", "Sweat Shirts", "Cardigans", "Fleece Jumpers"],
    "skirts": ["Maxi", "A-Line", "Pencil", "Mini", "Denim", "Pleated", "Leather", "Bubble Hem"],
    "topsTshirts": ["Long Sleeve Tops", "Polo Shirts", "Vest Tops", "T-Shirts"],
    "trouserAndShorts": ["Chinos", "Joggers & Sweats", "Leggings", "Playsuits & Jumpsuits", "Shorts", "Trousers"],
    "tightsAndSocks": ["Knee High Socks", "Leggings", "Socks", "Tigh High Socks", "Tights"],
    "bags": ["Cluth Bags", "Hand Bags", "Tote Bags", "Shoulder Bags", "Rucksacks", "Sport & Travel Bags",
             "Laptop Bags"],
    "shoes": ["Ankle Boots", "Ballet Pumps", "Boots", "Flats & Lace-ups", "Flip-Flops & Beach Shoes", "Heels",
              "Mules & Clogs", "Outdoor Shoes", "Sandals", "Shoe Care", "Slippers", "Sports Shoes", "Trainers"],
    "accessories": ["Belts", "Gloves", "Hats & Caps", "Jewellery & Watches", "Purses", "Scarves and Shawls",
                    "Sunglasses"],
}


@pytest.mark.parametrize("tool_category", sorted(TOOL_SUBCATEGORIES))
def test_every_tool_subcategory_label_resolves_under_its_category(onto, tool_category):
    category = onto.resolve_category(tool_category)
    assert category is not None
    keys = [onto.resolve_subcategory(label, tool_category) for label in TOOL_SUBCATEGORIES[tool_category]]
    assert None not in keys, dict(zip(TOOL_SUBCATEGORIES[tool_category], keys))
    assert len(set(keys)) == len(keys)  # distinct labels stay distinct
    assert {onto_sub.parent for onto_sub in onto.subcategories if onto_sub.key in keys} == {category}


# The annotation tool's value lists per attribute key (spellings as the tool shows them).
TOOL_VALUES = {
    "Material": ["Braided", "Base Metal", "Cashmere", "Cord", "Cotton", "Crocheted", "Denim", "Felt", "Fleece",
                 "Gold", "Hardshell", "Imitation Leather", "Jersey", "Lace", "Leather", "Linen", "Mesh", "Mo Hair",
                 "Platinum", "Patent", "Polyester", "Ribbed", "Silver", "Silk", "Satin", "Synthetic", "SoftShell",
                 "Sweat", "Titanium", "Textile", "Viscose", "Wool"],
    "CollarType": ["Backless", "Boat Neck", "Button Down", "Cache-Coeur", "Contrast Collar", "Cowl Neck",
                   "Cup-Shaped Collar", "Cutaway Collar", "Double", "Envelope", "Henley", "High Collar", "Hood",
                   "Kent Collar", "Lapel Collar", "Lined", "Low Round Neck", "Low V-Neck", "Mandarin Collar",
                   "Mao Collar", "Off-the-shoulder", "Peter Pan Collar", "Polo Neck", "Polo Shirt", "Round Neck",
                   "Shawl Collar", "Shirt Collar", "Square Neck", "Turn-Down Neck", "Wing", "V-Neck",
                   "Volant Collar"],
    "Pattern": ["Animal Print", "Burnout", "Camouflage", "Checked", "Colour Gradient", "Colourful", "Floral",
                "Herringbone", "Marl", "Paisely", "PhotoPrint", "PrintStriped", "Plain", "Polka Dot", "Print",
                "Striped"],
    "Occasion": ["Party", "Evening", "Leisure", "Business", "Loungewear", "Traditional"],
    "Collection": ["Spring/Summer", "Autumn/Winter"],
    "HeelType": ["Block Heel", "Flat", "Funnel Heel", "Hidden Platform", "Hidden Wedge", "Platform",
                 "Platform Boots", "Platform Toe", "Stilleto", "Wedge"],
    "Toe": ["Open", "pointed", "Round", "Square Toe"],
    "Fastener": ["Buckle/Bow", "Laces", "Slip On", "Straps", "Velcro Fastening", "Zip"],
    "HeelHeight": ["High(over 3)", "Mid (1-3)", "To 1"],
    "Length": ["3/4 Length", "7/8 Length", "Calf-Length", "Cropped", "Extra Long", "Knee-Length", "Long",
               "Mid-Length", "Normal", "Short", "Thigh-Length"],
    "TrouserRise": ["Low", "Normal", "High"],
    "Lining": ["Cashmere", "Cotton", "Down", "Leather", "textile"],
}


@pytest.mark.parametrize("tool_key", sorted(TOOL_VALUES))
def test_every_tool_attribute_value_resolves(onto, tool_key):
    keys = [onto.resolve_value(tool_key, value) for value in TOOL_VALUES[tool_key]]
    assert None not in keys, dict(zip(TOOL_VALUES[tool_key], keys))
    assert len(set(keys)) == len(keys)


@pytest.mark.parametrize("export_key, group", [
    ("Pattern", "pattern"), ("Material", "material"), ("Occasion", "occasion"), ("Collartype", "collar"),
    ("CollarType", "collar"), ("Heeltype", "heel_type"), ("Heelheight", "heel_height"), ("Length", "length"),
    ("Toe", "toe"), ("fastener", "fastener"), ("Lining", "lining"), ("Trouserrise", "trouser_rise"),
    ("Collection", "collection"), ("heel_type", "heel_type"), ("Colour", None), ("Brand", None),
])
def test_resolve_group(onto, export_key, group):
    assert onto.resolve_group(export_key) == group


@pytest.mark.parametrize("export_key, kind", [
    ("Pattern", "group"), ("Brand", "brand"), ("Colour", "ignored"), ("otherdetails", "ignored"), ("Mood", None)])
def test_export_key_kind(onto, export_key, kind):
    assert onto.export_key_kind(export_key) == kind


@pytest.mark.parametrize("group, name, key", [
    ("Heeltype", "hiddnplatform", "hidden_platform"),
    ("Collartype", "peterpancollar", "peter_pan_collar"),
    ("Collartype", "Peter Pan Collar", "peter_pan_collar"),
    ("Collartype", "lowvneck", "low_v_neck"),
    ("fastener", "slip", "slip_on"),
    ("Heelheight", "high", "high"),
    ("Heelheight", "High(over 3)", "high"),
    ("Collection", "spring-summer", "spring_summer"),
    ("Collection", "Autumn/Winter", "autumn_winter"),
    ("Length", "Knee-Length", "knee_length"),
    ("Length", "3/4 Length", "three_quarter_length"),
    ("pattern", "Paisely", "paisley"),
    ("pattern", "stripes", "striped"),
    ("pattern", "pinstripe", "striped"),
    ("material", "faux leather", "imitation_leather"),
    ("material", "Imitation Leather", "imitation_leather"),
    ("Material", "Mo Hair", "mohair"),
    ("material", "unobtainium", None),
])
def test_resolve_value(onto, group, name, key):
    assert onto.resolve_value(group, name) == key


def test_resolve_value_unknown_group(onto):
    with pytest.raises(KeyError):
        onto.resolve_value("Colour", "black")


@pytest.mark.parametrize("name, key", [
    ("Classic / Conservative / Timeless/ Traditional / Crisp -Style", "classic"),
    ("classic / conservative / timeless/ traditional / crisp -style", "classic"),
    ("SPORTY / CASUAL / EASY/ PRACTICAL -STYLE", "sporty"),
    ("50's Style", "fifties"), ("50s style", "fifties"), ("70's Style", "seventies"),
    ("Street Style", "street"), ("boho", "bohemian"), ("punk", None),
])
def test_resolve_style(onto, name, key):
    assert onto.resolve_style(name) == key


@pytest.mark.parametrize("name, key", [
    ("RalphLauren", "ralph_lauren"), ("ralphlauren", "ralph_lauren"), ("ralph lauren", "ralph_lauren"),
    ("Ralph Lauren", "ralph_lauren"), ("Chloé", "chloe"), ("chloe", "chloe"), ("Hermès", "hermes"),
    ("H&M", "h_and_m"), ("hm", "h_and_m"), ("Dolce & Gabbana", "dolce_and_gabbana"),
    ("dolcegabbana", "dolce_and_gabbana"), ("louis vitton", "louis_vuitton"), ("Levi's", "levis"),
    ("Vans", "vans"), ("Van", None),  # no plural guessing for proper names
    ("", None), ("Not A Brand At All", None),
])
def test_resolve_brand(onto, name, key):
    assert onto.resolve_brand(name) == key


def test_compact_forms_ignore_spelling_conventions():
    assert "jumperandcartigens" in compact_forms("jumperAndCartigens")
    assert compact_forms("Jumper & Cardiagans") == ("jumperandcardiagans", "jumpercardiagans")
    assert compact_forms("Hermès") == ("hermes",)


def test_load_is_cached_per_resolved_root(onto, monkeypatch):
    assert load_ontology(ROOT) is onto
    monkeypatch.chdir(ROOT.parent)
    assert load_ontology("ontology") is onto
    assert load_ontology("./ontology/../ontology") is onto


# ---------------------------------------------------------------------------------------------
# validation errors, each on a copy of the ontology with one broken file


@pytest.fixture()
def broken(tmp_path):
    """Copy of the ontology; call with (file, old, new) to edit one file, returns the root."""
    root = tmp_path / "ontology"
    shutil.copytree(ROOT, root)

    def edit(file: str, old: str | None, new: str | None) -> Path:
        path = root / file
        if new is None and old is None:
            path.unlink()
        else:
            text = path.read_text(encoding="utf-8")
            assert old in text, f"test setup: {old!r} not in {file}"
            path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return root

    return edit


BROKEN = [
    pytest.param("subcategories.yaml", "{key: pumps, parent: shoes,", "{key: pumps, parent: tops,",
                 "pumps", "unknown parent 'tops'", id="unknown-parent"),
    pytest.param("subcategories.yaml", "  - {key: parka, parent: coats,", "  - {key: blouse, parent: coats,",
                 "blouse", "duplicate key", id="duplicate-subcategory"),
    pytest.param("subcategories.yaml", "  - {key: parka, parent: coats,", "  - {key: downcoat, parent: coats,",
                 "downcoat", "collides with 'down_coat'", id="colliding-subcategory-keys"),
    pytest.param("subcategories.yaml", "keywords: [parka, parkas, anorak, fishtail parka]", "keywords: []",
                 "parka", "empty keywords", id="empty-subcategory-keywords"),
    pytest.param("categories.yaml", "keywords: [skirt, skirts, miniskirt, maxiskirt, midiskirt]", "keywords: []",
                 "skirts", "empty keywords", id="empty-category-keywords"),
    pytest.param("categories.yaml", "  - key: coats\n", "  - key: coatz\n",
                 "coatz", "unknown category", id="unknown-category"),
    pytest.param("categories.yaml", "aliases: [Coat]", "aliases: [Coat, Dresses]",
                 "dresses", "collides with 'coats'", id="category-alias-clash"),
    pytest.param("allowed_groups.yaml", "  bags:                  [material, occasion, collection]",
                 "  bags:                  [material, occasion, colour]",
                 "bags", "unknown attribute group 'colour'", id="allowed-unknown-group"),
    pytest.param("allowed_groups.yaml", "  bags:  ", "  bagz:  ",
                 "bagz", "unknown category", id="allowed-unknown-category"),
    pytest.param("allowed_groups.yaml", "  bags:                  [material, occasion, collection]",
                 "  bags:                  []", "bags", "allows no attribute group", id="allowed-empty"),
    pytest.param("attributes.yaml", "  Toe: toe\n", "  Toe: toes\n",
                 "Toe", "unknown attribute group 'toes'", id="export-unknown-group"),
    pytest.param("attributes.yaml", "    - {key: platinum, synonyms: [platinum]}",
                 "    - {key: platinum, synonyms: []}", "material:platinum", "empty synonyms",
                 id="empty-synonyms"),
    pytest.param("attributes.yaml", "    - {key: titanium, synonyms: [titanium]}",
                 "    - {key: titanium, synonyms: [titanium]}\n    - {key: titanium, synonyms: [ti]}",
                 "material:titanium", "duplicate key", id="duplicate-value"),
    pytest.param("styles.yaml", "  - key: vintage\n", "  - key: Vintage Style\n",
                 "Vintage Style", "not snake_case", id="style-key-not-snake-case"),
    pytest.param("concepts.yaml", "  mango: {brand: 0.5}", "  mango: {brand: 1.5}",
                 "mango.brand", "in [0, 1]", id="probability-out-of-range"),
    pytest.param("concepts.yaml", "  mango: {brand: 0.5}", "  mango: {brand: 0.5}\n  mango: {brand: 0.4}",
                 "mango", "duplicate key", id="duplicate-yaml-key"),
    pytest.param("concepts.yaml", "  mango: {brand: 0.5}", "  mango: {fruit: 0.5}",
                 "mango", "unknown concept 'fruit'", id="unknown-concept"),
    pytest.param("translations.yaml", "    ull: wool\n", "    ull: woolly mammoth\n",
                 "sv.ull", "not an ontology keyword", id="translation-target-unknown"),
    pytest.param("translations.yaml", "  it:\n", "  la:\n", "la", "unknown language", id="unknown-language"),
    pytest.param("emoji.yaml", '  "👗": [dress]', '  "👗": []', "👗", "empty item words", id="emoji-empty"),
    pytest.param("brands.tsv", "\nzara\tZara\t", "\nzara\tZara\textra\t",
                 "line", "expected 3 tab-separated columns", id="brands-columns"),
    pytest.param("brands.tsv", "\nzara\tZara\t", "\nzara\tZara\tGucci|",
                 "zara", "collides with 'gucci'", id="brand-alias-clash"),
    pytest.param("categories.yaml", "categories:\n", "categories:\n  - [unclosed\n",
                 "line", "invalid YAML", id="malformed-yaml"),
    pytest.param("emoji.yaml", None, None, "(file)", "missing file", id="missing-file"),
]


@pytest.mark.parametrize("file, old, new, key, reason", BROKEN)
def test_validation_errors_name_file_key_and_reason(broken, file, old, new, key, reason):
    root = broken(file, old, new)
    with pytest.raises(OntologyError) as info:
        build_ontology(root)
    err = info.value
    assert Path(err.file).name == file
    assert err.key.startswith(key)
    assert reason in err.reason
    assert str(err) == f"{err.file}: {err.key}: {err.reason}"


def test_error_message_format_for_unknown_parent(broken, monkeypatch):
    root = broken("subcategories.yaml", "{key: pumps, parent: shoes,", "{key: pumps, parent: tops,")
    monkeypatch.chdir(root.parent)
    with pytest.raises(OntologyError, match=r"^ontology/subcategories\.yaml: pumps: unknown parent 'tops'$"):
        load_ontology("ontology")


def test_missing_folder(tmp_path):
    with pytest.raises(OntologyError, match="ontology folder not found"):
        build_ontology(tmp_path / "nowhere")


def test_unmodified_copy_loads(broken):
    root = broken("styles.yaml", "", "")  # no-op edit: a faithful copy must load cleanly
    assert build_ontology(root).category_keys() == list(CATEGORY_KEYS)
