"""get_model: every backbone × head × scenario, shapes, hints, errors, local-only pretrained weights."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
import torch
from torch import nn

from fashion.models import (
    Hints,
    LabelSpace,
    PretrainedWeightsError,
    available_models,
    count_parameters,
    get_model,
    pretrained_path,
)
from fashion.models.backbones import build_resnet18, build_vgg16
from torchvision import models as tv

SINGLE = LabelSpace(["top", "shoe", "bag"], [f"a{i}" for i in range(6)], [[0, 1, 2], [2, 3], [4]])
MULTI = LabelSpace(
    ["top", "shoe", "bag"],
    [f"a{i}" for i in range(6)],
    [[0, 1, 2], [2, 3], [4]],
    subcategories=["tee", "heels", "sneakers", "tote"],
    subcategory_range=[[0], [1, 2], [3]],
)
SPACES = {"single": SINGLE, "multi": MULTI}
FEATURE_DIMS = {"vgg16": 512, "resnet18": 512, "resnet34": 512, "resnet50": 2048}


@pytest.fixture(autouse=True, scope="module")
def single_thread():
    """Tiny tensors gain nothing from threads, and on shared cores thread hand-offs dominate."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def hints_for(space: LabelSpace, batch: int) -> Hints:
    hints = Hints.empty(batch, space)
    hints.category[0, 1] = True  # sample 0: "shoe"; sample 1 stays unhinted
    hints.attribute[0, 3] = True
    if hints.subcategory is not None:
        hints.subcategory[0, 2] = True
    return hints


def test_available_models():
    assert available_models() == {
        "backbones": ["resnet18", "resnet34", "resnet50", "vgg16", "vgg16_bn"],
        "heads": ["base", "layers", "pruning"],
    }


@pytest.mark.parametrize("backbone", sorted(FEATURE_DIMS))
@pytest.mark.parametrize("head", ["base", "pruning", "layers"])
@pytest.mark.parametrize("scenario", ["single", "multi"])
def test_every_combination_builds_and_decodes(backbone, head, scenario):
    space = SPACES[scenario]
    model = get_model(backbone, head, space, fc_width=16)
    assert model.fc[0].in_features == FEATURE_DIMS[backbone]
    assert model.scenario == scenario and (model.backbone_name, model.head_name) == (backbone, head)
    features = torch.randn(2, 16)
    out = model.decode(features, hints_for(space, 2))
    expected = {"category": (2, 3), "attributes": (2, 6)}
    if scenario == "multi":
        expected["subcategories"] = (2, 4)
    assert {key: tuple(value.shape) for key, value in out.items()} == expected
    assert all(torch.all(value >= 0) for value in out.values())  # paper default: ReLU outputs


@pytest.mark.parametrize("backbone", ["vgg16", "resnet18"])
@pytest.mark.parametrize("head", ["base", "pruning", "layers"])
@pytest.mark.parametrize("scenario", ["single", "multi"])
def test_forward_at_32px(backbone, head, scenario):
    torch.manual_seed(0)
    space = SPACES[scenario]
    model = get_model(backbone, head, space, fc_width=16).eval()
    images = torch.randn(2, 3, 32, 32)
    hints = hints_for(space, 2)
    with torch.no_grad():
        features = model.encode(images)
        hinted = model(images, hints)
        plain = model.decode(features)
    assert features.shape == (2, 16)
    assert hinted["category"].shape == (2, 3) and hinted["attributes"].shape == (2, 6)
    torch.testing.assert_close(hinted["category"], plain["category"], rtol=0, atol=0)
    torch.testing.assert_close(hinted["attributes"][1], plain["attributes"][1])  # sample 1 unhinted
    if head == "base":
        torch.testing.assert_close(hinted["attributes"], plain["attributes"], rtol=0, atol=0)
    else:  # "shoe" range is attributes 2, 3 (and subcategories 1, 2): everything else is off
        assert torch.all(hinted["attributes"][0, [0, 1, 4, 5]] == 0)
        if scenario == "multi":
            assert torch.all(hinted["subcategories"][0, [0, 3]] == 0)


def test_gradients_flow_end_to_end_and_skip_inactive_rows():
    torch.manual_seed(1)
    model = get_model("resnet18", "pruning", SINGLE, fc_width=8)
    hints = Hints.empty(2, SINGLE)
    hints.category[:, 0] = True  # both samples hint "top": attribute rows 3, 4, 5 are inactive
    out = model(torch.randn(2, 3, 32, 32), hints)
    (out["attributes"].sum() + out["category"].sum()).backward()
    assert model.backbone.conv1.weight.grad.abs().sum() > 0
    assert model.fc[0].weight.grad.abs().sum() > 0
    grad = model.attribute_head.linear.weight.grad
    assert torch.all(grad[3:] == 0)


def test_output_activation_and_dropout_options():
    torch.manual_seed(2)
    model = get_model("resnet18", "layers", SINGLE, fc_width=8, output_activation="none", dropout=0.5)
    assert sum(isinstance(m, nn.Dropout) for m in model.fc) == 2
    features = torch.randn(4, 8) * 10
    logits = model.decode(features)
    assert (logits["category"] < 0).any()  # logits, not ReLU outputs
    backbone_features = torch.rand(4, 512)
    model.train()
    assert not torch.equal(model.fc(backbone_features), model.fc(backbone_features))  # dropout active
    model.eval()
    torch.testing.assert_close(model.fc(backbone_features), model.fc(backbone_features), rtol=0, atol=0)
    sigmoid = get_model("resnet18", "base", SINGLE, fc_width=8, output_activation="sigmoid")
    values = sigmoid.decode(torch.randn(3, 8))["attributes"]
    assert torch.all((values > 0) & (values < 1))


def test_seeded_builds_are_identical():
    torch.manual_seed(3)
    first = get_model("resnet18", "layers", MULTI, fc_width=8).state_dict()
    torch.manual_seed(3)
    second = get_model("resnet18", "layers", MULTI, fc_width=8).state_dict()
    assert first.keys() == second.keys()
    assert all(torch.equal(first[key], second[key]) for key in first)


def test_parameter_groups_partition_the_parameters():
    model = get_model("resnet18", "pruning", MULTI, fc_width=8)
    groups = model.parameter_groups()
    ids = [id(p) for group in groups.values() for p in group]
    assert len(ids) == len(set(ids)) == len(list(model.parameters()))
    assert sum(p.numel() for p in model.head_parameters()) == (8 * 3 + 3) + (8 * 6 + 6) + (8 * 4 + 4)
    assert count_parameters(model) == sum(p.numel() for p in model.parameters())
    for parameter in groups["backbone"]:
        parameter.requires_grad_(False)
    assert count_parameters(model, trainable_only=True) == sum(p.numel() for p in groups["fc"] + groups["heads"])


def test_layers_head_packs_one_layer_per_category():
    model = get_model("resnet18", "layers", MULTI, fc_width=8)
    assert model.attribute_head.weight.shape == (3 + 2 + 1, 8)
    assert model.subcategory_head.weight.shape == (1 + 2 + 1, 8)


def test_vgg16_features_match_torchvision_layout_and_pool_option():
    with torch.device("meta"):  # no allocation: only names and shapes
        reference = tv.vgg16(weights=None).features.state_dict()
    backbone, dim = build_vgg16()
    ours = backbone[0].state_dict()
    assert {k: tuple(v.shape) for k, v in ours.items()} == {k: tuple(v.shape) for k, v in reference.items()}
    assert dim == 512
    model = get_model("vgg16", "base", SINGLE, fc_width=8, vgg_pool=7)
    assert model.fc[0].in_features == 512 * 7 * 7
    with pytest.raises(ValueError, match="vgg_pool must be 1 or 7"):
        get_model("vgg16", "base", SINGLE, vgg_pool=3)


@pytest.mark.parametrize(
    "kwargs,message",
    [
        (
            {"backbone": "alexnet"},
            r"unknown backbone 'alexnet'; choices: \['resnet18', 'resnet34', 'resnet50', 'vgg16', 'vgg16_bn'\]",
        ),
        ({"head": "attention"}, r"unknown head 'attention'; choices: \['base', 'layers', 'pruning'\]"),
        ({"output_activation": "tanh"}, "unknown output_activation 'tanh'; choices"),
        ({"fc_width": 0}, "fc_width must be a positive integer"),
        ({"dropout": 1.0}, r"dropout must be in \[0, 1\)"),
        ({"alpha": float("nan")}, "alpha must be finite"),
    ],
)
def test_bad_arguments_are_rejected(kwargs, message):
    arguments = {"backbone": "resnet18", "head": "pruning", "space": SINGLE, **kwargs}
    with pytest.raises(ValueError, match=message):
        get_model(**arguments)


def test_bad_inputs_are_rejected():
    model = get_model("resnet18", "pruning", SINGLE, fc_width=8)
    with pytest.raises(ValueError, match=r"images: expected float \[B,3,H,W\]"):
        model.encode(torch.zeros(2, 32, 32, 3))
    with pytest.raises(ValueError, match="images: expected a normalised float tensor"):
        model.encode(torch.zeros(2, 3, 32, 32, dtype=torch.uint8))
    with pytest.raises(ValueError, match=r"hints.category: expected shape \(2, 3\)"):
        model.decode(torch.randn(2, 8), Hints.empty(3, SINGLE))


@pytest.fixture
def torch_home(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize("backbone", ["vgg16", "resnet18", "resnet50"])
def test_pretrained_without_cache_names_the_expected_file(torch_home, backbone):
    expected = torch_home / "hub" / "checkpoints" / pretrained_path(backbone).name
    assert pretrained_path(backbone) == expected
    with pytest.raises(PretrainedWeightsError, match=f"expected {expected}"):
        get_model(backbone, "base", SINGLE, pretrained=True)
    assert not expected.exists()  # nothing was downloaded


def test_pretrained_loads_resnet18_from_local_cache(torch_home):
    torch.manual_seed(4)
    source = tv.resnet18(weights=None)
    path = pretrained_path("resnet18")
    path.parent.mkdir(parents=True)
    torch.save(source.state_dict(), path)
    torch.manual_seed(5)  # different random init: equality below proves the file was loaded
    backbone, dim = build_resnet18(pretrained=True)
    assert dim == 512 and isinstance(backbone.fc, nn.Identity)
    torch.testing.assert_close(backbone.conv1.weight, source.conv1.weight, rtol=0, atol=0)
    torch.testing.assert_close(backbone.layer4[1].bn2.running_var, source.layer4[1].bn2.running_var, rtol=0, atol=0)


def test_pretrained_loads_vgg16_features_from_a_full_checkpoint(torch_home):
    torch.manual_seed(6)
    features, _ = build_vgg16()
    state = {f"features.{key}": value for key, value in features[0].state_dict().items()}
    state["classifier.6.bias"] = torch.zeros(1000)  # the checkpoint's classifier is ignored
    path = pretrained_path("vgg16")
    path.parent.mkdir(parents=True)
    torch.save(state, path)
    torch.manual_seed(7)
    loaded, _ = build_vgg16(pretrained=True)
    torch.testing.assert_close(loaded[0][28].weight, features[0][28].weight, rtol=0, atol=0)


@dataclass
class NotTensors:
    payload: str = "code"


def test_pretrained_refuses_pickled_objects_and_mismatched_files(torch_home):
    path = pretrained_path("resnet18")
    path.parent.mkdir(parents=True)
    torch.save({"conv1.weight": NotTensors()}, path)
    with pytest.raises(PretrainedWeightsError, match=f"cannot load {path}"):
        build_resnet18(pretrained=True)
    torch.save({"conv1.weight": torch.zeros(1)}, path)
    with pytest.raises(PretrainedWeightsError, match="does not match torchvision's resnet18"):
        build_resnet18(pretrained=True)


@pytest.mark.parametrize("head", ["pruning", "layers"])
def test_state_dict_round_trip_keeps_outputs_and_omits_derived_index_buffers(head):
    torch.manual_seed(8)
    trained = get_model("resnet18", head, MULTI, fc_width=8, alpha=0.3, beta=0.05).eval()
    state = trained.state_dict()
    assert "attribute_head.alpha" in state and "attribute_head.beta" in state
    assert not any(key.endswith(("range_mask", "owner", "output_index", "slots")) for key in state)
    torch.manual_seed(9)
    restored = get_model("resnet18", head, MULTI, fc_width=8, alpha=0.3, beta=0.05).eval()
    restored.load_state_dict(state)
    images, hints = torch.randn(2, 3, 32, 32), hints_for(MULTI, 2)
    with torch.no_grad():
        expected, got = trained(images, hints), restored(images, hints)
    for key in expected:
        torch.testing.assert_close(got[key], expected[key], rtol=0, atol=0)
