"""LabelSpace (incl. ranges.json sections) and Hints validation."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
import torch

import fashion.models
from fashion.models import Hints, LabelSpace, LabelSpaceError

DEEPFASHION = {
    "categories": ["Blouse", "Jeans", "Cape"],
    "attributes": ["floral", "denim", "lace", "hooded"],
    "range": {"Blouse": [2, 0], "Jeans": [1, 0]},  # Cape missing -> empty range
    "counts": {"Blouse": 3},
}
INSTAGRAM = {
    "categories": ["coats", "shoes"],
    "subcategories": ["wool_coat", "heels", "sneakers"],
    "attributes": ["material:wool", "heel_type:stiletto", "pattern:plain"],
    "subcategory_range": {"coats": [0], "shoes": [1, 2]},
    "attribute_range": {"coats": [0, 2], "shoes": [1, 2]},
    "counts": {},
    "source": "truth",
}


def test_from_ranges_deepfashion_shape():
    space = LabelSpace.from_ranges(DEEPFASHION)
    assert space.scenario == "single"
    assert space.categories == ("Blouse", "Jeans", "Cape")
    assert space.attribute_range == ((0, 2), (0, 1), ())
    assert space.subcategories is None and space.subcategory_range is None
    assert (space.num_categories, space.num_attributes, space.num_subcategories) == (3, 4, 0)
    assert space.range_mask().tolist() == [
        [True, False, True, False],
        [True, True, False, False],
        [False, False, False, False],
    ]
    with pytest.raises(LabelSpaceError, match="single-class"):
        space.range_mask("subcategory")


def test_from_ranges_instagram_shape():
    space = LabelSpace.from_ranges(INSTAGRAM)
    assert space.scenario == "multi"
    assert space.subcategories == ("wool_coat", "heels", "sneakers")
    assert space.subcategory_range == ((0,), (1, 2))
    assert space.attribute_range == ((0, 2), (1, 2))
    assert space.range_mask("subcategory").tolist() == [[True, False, False], [False, True, True]]


@pytest.mark.parametrize(
    "change,message",
    [
        ({"range": {"Blouse": [9]}}, r"range: Blouse: index 9 outside 0\.\.3"),
        ({"range": {"Blouse": [1, 1]}}, "range: Blouse: duplicate"),
        ({"range": {"Blouse": ["1"]}}, "range: Blouse: index '1' is not an integer"),
        ({"range": {"Blouse": [True]}}, "not an integer"),
        ({"range": {"Skirt": [0]}}, r"range: unknown categories \['Skirt'\]"),
        ({"range": [[0]]}, "range: expected a mapping"),
        ({"categories": ["Blouse", "Blouse"]}, "categories: duplicate"),
        ({"categories": [], "range": {}}, "categories: empty"),
    ],
)
def test_from_ranges_rejects_bad_sections(change, message):
    with pytest.raises(LabelSpaceError, match=message):
        LabelSpace.from_ranges({**DEEPFASHION, **change})


def test_from_ranges_missing_keys():
    with pytest.raises(LabelSpaceError, match="missing 'range'"):
        LabelSpace.from_ranges({k: v for k, v in DEEPFASHION.items() if k != "range"})
    with pytest.raises(LabelSpaceError, match="missing 'attributes'"):
        LabelSpace.from_ranges({"categories": ["a"]})
    with pytest.raises(LabelSpaceError, match="missing 'subcategory_range'"):
        LabelSpace.from_ranges({k: v for k, v in INSTAGRAM.items() if k != "subcategory_range"})


def test_direct_construction_checks_lengths_and_pairing():
    with pytest.raises(LabelSpaceError, match="attribute_range: 1 index lists for 2 categories"):
        LabelSpace(["a", "b"], ["x"], [[0]])
    with pytest.raises(LabelSpaceError, match="given together"):
        LabelSpace(["a"], ["x"], [[0]], subcategories=["s"])
    space = LabelSpace(["a"], ["x", "y"], [[1, 0]], subcategories=["s"], subcategory_range=[[0]])
    assert space.attribute_range == ((0, 1),)


def test_hints_empty_and_validation():
    space = LabelSpace.from_ranges(INSTAGRAM)
    hints = Hints.empty(4, space)
    assert hints.category.shape == (4, 2) and hints.attribute.shape == (4, 3) and hints.subcategory.shape == (4, 3)
    assert not hints.category.any()
    hints.validate(4, space)
    with pytest.raises(ValueError, match=r"hints.category: expected shape \(5, 2\)"):
        hints.validate(5, space)
    with pytest.raises(ValueError, match="hints.attribute: expected dtype torch.bool"):
        Hints(category=hints.category, attribute=torch.zeros(4, 3)).validate(4, space)
    single = LabelSpace.from_ranges(DEEPFASHION)
    assert Hints.empty(2, single).subcategory is None
    with pytest.raises(ValueError, match="single-class"):
        Hints(
            torch.zeros(2, 3, dtype=torch.bool),
            torch.zeros(2, 4, dtype=torch.bool),
            torch.zeros(2, 1, dtype=torch.bool),
        ).validate(2, single)


def test_models_package_imports_no_text_ingest_demo_or_data():
    package = Path(fashion.models.__file__).parent
    imported = set()
    for source in package.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
    fashion_imports = {name for name in imported if name.startswith("fashion")}
    assert "fashion.models.heads" in fashion_imports
    # fashion.choices is pure data (the names params.yaml and the CLI accept)
    assert all(name.startswith("fashion.models") or name == "fashion.choices" for name in fashion_imports), fashion_imports
