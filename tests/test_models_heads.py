"""Dynamic heads: vectorised implementations vs the literal per-sample references, gradients, semantics."""
from __future__ import annotations

from functools import partial

import pytest
import torch
from torch import nn

from fashion.models import BaseHead, FashionModel, Hints, LabelSpace, LayersHead, PruningHead
from fashion.models.heads import CategoryHead
from fashion.models.registry import head_builder
from tests.reference_heads import reference_layers, reference_pruning

# LayersHead has two code paths (a matmul per selected category; one dense matmul over every layer
# for small heads): both are checked against the literal reference.
GROUPED, DENSE = 0, 1 << 62  # dense_max_macs forcing either path
HEADS = {
    "pruning": (PruningHead, reference_pruning),
    "layers": (partial(LayersHead, dense_max_macs=GROUPED), reference_layers),
    "layers_dense": (partial(LayersHead, dense_max_macs=DENSE), reference_layers),
}
REGISTRY_NAME = {"pruning": "pruning", "layers": "layers", "layers_dense": "layers"}
D = 6  # tiny feature width


def random_ranges(generator: torch.Generator, num_categories: int, num_outputs: int) -> list[list[int]]:
    """Overlapping ranges; category 1 empty; the last output in no range."""
    ranges = []
    for k in range(num_categories):
        if k == 1:
            ranges.append([])
            continue
        size = int(torch.randint(1, num_outputs // 2 + 1, (1,), generator=generator))
        ranges.append(sorted(torch.randperm(num_outputs - 1, generator=generator)[:size].tolist()))
    return ranges


def random_hints(generator: torch.Generator, batch: int, num_categories: int, num_outputs: int):
    """Mix of unhinted rows, one hinted category and several hinted categories; random target hints."""
    category = torch.zeros(batch, num_categories, dtype=torch.bool)
    for b in range(batch):
        kind = b % 4  # 0 unhinted, 1 one category, 2-3 several categories
        if kind == 0:
            continue
        count = 1 if kind == 1 else int(torch.randint(2, num_categories + 1, (1,), generator=generator))
        category[b, torch.randperm(num_categories, generator=generator)[:count]] = True
    target = torch.rand(batch, num_outputs, generator=generator) < 0.3
    target[0] = True  # an unhinted sample with target hints: they must be ignored
    return category, target


def make_head(kind: str, num_outputs: int, ranges, alpha: float, beta: float, activation: str, seed: int = 0):
    torch.manual_seed(seed)
    return HEADS[kind][0](D, num_outputs, ranges, alpha=alpha, beta=beta, activation=activation).double()


@pytest.mark.parametrize("kind", sorted(HEADS))
@pytest.mark.parametrize("activation", ["relu", "sigmoid", "none"])
@pytest.mark.parametrize("alpha,beta", [(0.1, 0.01), (0.7, -0.2), (0.0, 0.0)])
@pytest.mark.parametrize("seed", [0, 1])
def test_vectorised_head_equals_literal_reference(kind, activation, alpha, beta, seed):
    generator = torch.Generator().manual_seed(seed)
    num_categories, num_outputs, batch = 5, 11, 12
    ranges = random_ranges(generator, num_categories, num_outputs)
    head = make_head(kind, num_outputs, ranges, alpha, beta, activation, seed)
    reference = HEADS[kind][1]
    category, target = random_hints(generator, batch, num_categories, num_outputs)
    features = torch.randn(batch, D, generator=generator, dtype=torch.float64, requires_grad=True)
    weights = torch.randn(batch, num_outputs, generator=generator, dtype=torch.float64)

    for target_hint in (target, None):
        fast = head(features, category, target_hint)
        fast_grads = torch.autograd.grad((fast * weights).sum(), [features, *head.parameters()])
        slow = reference(head, features, category, target_hint)
        slow_grads = torch.autograd.grad((slow * weights).sum(), [features, *head.parameters()])
        assert fast.shape == (batch, num_outputs)
        torch.testing.assert_close(fast, slow, rtol=1e-12, atol=1e-12)
        for got, expected in zip(fast_grads, slow_grads):
            torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind", sorted(HEADS))
@pytest.mark.parametrize("scenario", ["one_hint_each", "one_category_space"])
def test_one_selected_layer_per_sample_equals_literal_reference(kind, scenario):
    """The layers head merges without a max when every sample selects exactly one layer."""
    generator = torch.Generator().manual_seed(4)
    num_outputs, batch = 9, 10
    if scenario == "one_hint_each":  # every sample hints exactly one of 4 categories
        ranges = [[0, 1, 2, 3], [2, 3, 4], [5, 6, 7], [0, 7]]
        category = torch.zeros(batch, 4, dtype=torch.bool)
        category[torch.arange(batch), torch.randint(0, 4, (batch,), generator=generator)] = True
    else:  # one category: an unhinted sample selects that single layer too, without offsets
        ranges = [[1, 3, 4, 8]]
        category = torch.rand(batch, 1, generator=generator) < 0.5
    head = make_head(kind, num_outputs, ranges, 0.3, 0.05, "relu", seed=4)
    target = torch.rand(batch, num_outputs, generator=generator) < 0.4
    features = torch.randn(batch, D, generator=generator, dtype=torch.float64, requires_grad=True)
    weights = torch.randn(batch, num_outputs, generator=generator, dtype=torch.float64)
    fast = head(features, category, target)
    slow = HEADS[kind][1](head, features, category, target)
    torch.testing.assert_close(fast, slow, rtol=1e-12, atol=1e-12)
    for got, expected in zip(
        torch.autograd.grad((fast * weights).sum(), [features, *head.parameters()]),
        torch.autograd.grad((slow * weights).sum(), [features, *head.parameters()]),
    ):
        torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind", sorted(HEADS))
@pytest.mark.parametrize("activation", ["relu", "sigmoid", "none"])
def test_all_unhinted_batch_equals_literal_reference(kind, activation):
    """No sample hinted (hints=None at decode): layers merges every layer by max in one dense pass."""
    generator = torch.Generator().manual_seed(6)
    num_categories, num_outputs, batch = 5, 11, 7
    ranges = random_ranges(generator, num_categories, num_outputs)
    head = make_head(kind, num_outputs, ranges, 0.4, 0.1, activation, seed=6)
    category = torch.zeros(batch, num_categories, dtype=torch.bool)
    target = torch.rand(batch, num_outputs, generator=generator) < 0.5  # ignored: nothing is hinted
    features = torch.randn(batch, D, generator=generator, dtype=torch.float64, requires_grad=True)
    weights = torch.randn(batch, num_outputs, generator=generator, dtype=torch.float64)
    fast = head(features, category, target)
    assert fast.is_contiguous()
    slow = HEADS[kind][1](head, features, category, target)
    torch.testing.assert_close(fast, slow, rtol=1e-12, atol=1e-12)
    for got, expected in zip(
        torch.autograd.grad((fast * weights).sum(), [features, *head.parameters()]),
        torch.autograd.grad((slow * weights).sum(), [features, *head.parameters()]),
    ):
        torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind", sorted(HEADS))
def test_float32_head_matches_reference_within_rounding(kind):
    generator = torch.Generator().manual_seed(3)
    ranges = random_ranges(generator, 4, 9)
    torch.manual_seed(3)
    head = HEADS[kind][0](D, 9, ranges, alpha=0.1, beta=0.01)
    category, target = random_hints(generator, 8, 4, 9)
    features = torch.randn(8, D, generator=generator)
    torch.testing.assert_close(head(features, category, target), HEADS[kind][1](head, features, category, target))


def single_and_multi_spaces():
    generator = torch.Generator().manual_seed(11)
    categories = [f"c{k}" for k in range(4)]
    attributes = [f"a{i}" for i in range(10)]
    single = LabelSpace(categories, attributes, random_ranges(generator, 4, 10))
    multi = LabelSpace(
        categories,
        attributes,
        random_ranges(generator, 4, 10),
        subcategories=[f"s{i}" for i in range(7)],
        subcategory_range=random_ranges(generator, 4, 7),
    )
    return {"single": single, "multi": multi}


@pytest.mark.parametrize("kind", sorted(HEADS))
@pytest.mark.parametrize("scenario", ["single", "multi"])
def test_model_decode_uses_the_right_ranges_and_hints(kind, scenario):
    space = single_and_multi_spaces()[scenario]
    torch.manual_seed(5)
    model = FashionModel(nn.Identity(), D, space, head_builder(REGISTRY_NAME[kind], 0.2, 0.03, "relu"), fc_width=D).double()
    for head in (model.attribute_head, model.subcategory_head):
        if isinstance(head, LayersHead):
            head.dense_max_macs = DENSE if kind == "layers_dense" else GROUPED
    generator = torch.Generator().manual_seed(5)
    batch = 10
    category, attribute = random_hints(generator, batch, space.num_categories, space.num_attributes)
    subcategory = None
    if scenario == "multi":
        subcategory = torch.rand(batch, space.num_subcategories, generator=generator) < 0.3
    hints = Hints(category=category, attribute=attribute, subcategory=subcategory)
    features = torch.randn(batch, D, generator=generator, dtype=torch.float64)
    out = model.decode(features, hints)
    reference = HEADS[kind][1]
    torch.testing.assert_close(out["attributes"], reference(model.attribute_head, features, category, attribute))
    assert tuple(model.attribute_head.ranges) == space.attribute_range
    if scenario == "multi":
        assert tuple(model.subcategory_head.ranges) == space.subcategory_range
        torch.testing.assert_close(
            out["subcategories"], reference(model.subcategory_head, features, category, subcategory)
        )
        assert out["subcategories"].shape == (batch, space.num_subcategories)
    else:
        assert "subcategories" not in out
    unhinted = model.decode(features, None)
    torch.testing.assert_close(out["category"], unhinted["category"], rtol=0, atol=0)


def test_pruning_hand_computed():
    head = PruningHead(2, 3, [[0, 1], [2]], alpha=0.5, beta=0.1, activation="none")
    with torch.no_grad():
        head.linear.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]))
        head.linear.bias.copy_(torch.tensor([0.0, 1.0, 2.0]))
    x = torch.tensor([[2.0, 3.0]] * 3)  # sum(x) = 5
    category = torch.tensor([[True, False], [True, False], [False, False]])
    target = torch.tensor([[False, True, True], [False, False, False], [True, True, True]])
    out = head(x, category, target)
    # sample 0: row0 (W+β)x = 2+0.5; row1 hinted (W+α)x+1 = 3+2.5+1; row2 hinted but out of range -> 0
    # sample 1: rows 0,1 get β; row 2 out of range; sample 2 unhinted: plain W x + b, hints ignored
    expected = torch.tensor([[2.5, 6.5, 0.0], [2.5, 4.5, 0.0], [2.0, 4.0, 7.0]])
    torch.testing.assert_close(out, expected)


@pytest.mark.parametrize("path", [GROUPED, DENSE])
def test_layers_hand_computed_overlap_takes_max(path):
    head = LayersHead(2, 3, [[0, 1], [1, 2]], alpha=0.0, beta=0.0, activation="none", dense_max_macs=path)
    with torch.no_grad():
        # category 0 layer: outputs 0, 1; category 1 layer: outputs 1, 2
        head.weight.copy_(torch.tensor([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0], [0.0, 3.0]]))
        head.bias.zero_()
    x = torch.tensor([[1.0, 1.0]] * 4)
    category = torch.tensor([[True, False], [False, True], [True, True], [False, False]])
    out = head(x, category, None)
    expected = torch.tensor(
        [
            [1.0, 2.0, 0.0],  # only category 0 selected: output 2 is 0
            [0.0, 1.0, 3.0],  # only category 1
            [1.0, 2.0, 3.0],  # both: output 1 = max(2, 1), not the mean 1.5
            [1.0, 2.0, 3.0],  # unhinted: every layer, overlaps by max
        ]
    )
    torch.testing.assert_close(out, expected)


@pytest.mark.parametrize("kind", sorted(HEADS))
def test_outputs_of_a_sample_do_not_depend_on_other_samples(kind):
    generator = torch.Generator().manual_seed(21)
    ranges = random_ranges(generator, 4, 9)
    head = make_head(kind, 9, ranges, 0.1, 0.01, "relu")
    category, target = random_hints(generator, 8, 4, 9)
    features = torch.randn(8, D, generator=generator, dtype=torch.float64)
    order = torch.randperm(8, generator=generator)
    batched = head(features, category, target)
    permuted = head(features[order], category[order], target[order])
    torch.testing.assert_close(permuted, batched[order])
    for b in range(8):
        alone = head(features[b : b + 1], category[b : b + 1], target[b : b + 1])
        torch.testing.assert_close(alone[0], batched[b])


@pytest.mark.parametrize("kind", sorted(HEADS))
def test_unhinted_sample_ignores_target_hints_and_gets_no_offsets(kind):
    ranges = [[0, 1, 2], [2, 3], [4]]
    head = make_head(kind, 6, ranges, 5.0, 3.0, "none")
    features = torch.randn(3, D, dtype=torch.float64)
    category = torch.zeros(3, 3, dtype=torch.bool)
    with_targets = head(features, category, torch.ones(3, 6, dtype=torch.bool))
    torch.testing.assert_close(with_targets, head(features, category, None))
    if kind == "pruning":  # exactly the base computation W x + b
        torch.testing.assert_close(with_targets, head.linear(features))
    else:  # every category's layer, no offsets; output 5 is in no range
        assert torch.all(with_targets[:, 5] == 0)
        weight, bias, _ = head.category_layer(2)
        torch.testing.assert_close(with_targets[:, 4], (features @ weight.T + bias)[:, 0])


@pytest.mark.parametrize("kind", sorted(HEADS))
def test_empty_range_category_hint_silences_the_head(kind):
    head = make_head(kind, 5, [[0, 1], []], 0.1, 0.01, "sigmoid")
    features = torch.randn(2, D, dtype=torch.float64)
    category = torch.tensor([[False, True], [False, True]])
    assert torch.all(head(features, category, torch.ones(2, 5, dtype=torch.bool)) == 0)


@pytest.mark.parametrize("kind", sorted(HEADS))
def test_gradients_reach_active_rows_only(kind):
    generator = torch.Generator().manual_seed(8)
    ranges = [[0, 1, 2], [2, 3], [4, 5], [6, 7, 0]]
    head = make_head(kind, 9, ranges, 0.1, 0.01, "none")
    # no sample is unhinted and no sample hints category 2 or 3 -> rows 4..8 must get no gradient
    category = torch.tensor([[True, False, False, False], [False, True, False, False], [True, True, False, False]])
    target = torch.ones(3, 9, dtype=torch.bool)
    features = torch.randn(3, D, generator=generator, dtype=torch.float64)
    out = head(features, category, target)
    (out * torch.randn(3, 9, generator=generator, dtype=torch.float64)).sum().backward()
    if kind == "pruning":
        weight_grad, bias_grad = head.linear.weight.grad, head.linear.bias.grad
        active_rows, inactive_rows = [0, 1, 2, 3], [4, 5, 6, 7, 8]
    else:
        weight_grad, bias_grad = head.weight.grad, head.bias.grad
        active_rows = [s for s, k in enumerate(head.owner.tolist()) if k in (0, 1)]
        inactive_rows = [s for s, k in enumerate(head.owner.tolist()) if k not in (0, 1)]
    assert torch.all(weight_grad[inactive_rows] == 0) and torch.all(bias_grad[inactive_rows] == 0)
    assert torch.all(weight_grad[active_rows].abs().sum(dim=1) > 0)
    assert torch.all(bias_grad[active_rows] != 0)
    assert {name for name, _ in head.named_buffers()} >= {"alpha", "beta"}
    assert "alpha" not in dict(head.named_parameters()) and "beta" not in dict(head.named_parameters())


def test_pruning_sample_gives_no_gradient_to_its_inactive_rows():
    head = make_head("pruning", 4, [[0, 1], [2, 3]], 0.1, 0.01, "relu")
    features = torch.randn(1, D, dtype=torch.float64)
    head(features, torch.tensor([[True, False]]), None).sum().backward()
    assert torch.all(head.linear.weight.grad[2:] == 0) and torch.all(head.linear.bias.grad[2:] == 0)


def test_base_head_ignores_hints():
    torch.manual_seed(0)
    head = BaseHead(D, 7, activation="relu")
    features = torch.randn(4, D)
    plain = head(features)
    hinted = head(features, torch.ones(4, 3, dtype=torch.bool), torch.rand(4, 7) < 0.5)
    torch.testing.assert_close(plain, hinted, rtol=0, atol=0)
    torch.testing.assert_close(plain, torch.relu(head.linear(features)))


@pytest.mark.parametrize("kind", sorted(HEADS))
def test_bad_hint_shapes_are_rejected(kind):
    head = make_head(kind, 5, [[0, 1], [2]], 0.1, 0.01, "relu")
    features = torch.randn(2, D, dtype=torch.float64)
    with pytest.raises(ValueError, match="category_hint"):
        head(features, torch.zeros(2, 3, dtype=torch.bool))
    with pytest.raises(ValueError, match="category_hint"):
        head(features, torch.zeros(2, 2))
    with pytest.raises(ValueError, match="target_hint"):
        head(features, torch.zeros(2, 2, dtype=torch.bool), torch.zeros(2, 4, dtype=torch.bool))


def test_unknown_activation_is_rejected():
    with pytest.raises(ValueError, match="output_activation"):
        PruningHead(D, 3, [[0]], activation="tanh")


@pytest.mark.parametrize("path", [GROUPED, DENSE])
def test_layers_head_without_any_range_outputs_zeros_and_backpropagates(path):
    head = LayersHead(D, 3, [[], []], activation="sigmoid", dense_max_macs=path)
    features = torch.randn(2, D, requires_grad=True)
    out = head(features, torch.tensor([[True, False], [False, False]]), None)
    assert out.shape == (2, 3) and torch.all(out == 0)
    out.sum().backward()
    assert torch.all(features.grad == 0)


@pytest.mark.parametrize("path", [GROUPED, DENSE])
def test_layers_overlap_ties_share_the_gradient(path):
    head = LayersHead(2, 1, [[0], [0]], alpha=0.0, beta=0.0, activation="none", dense_max_macs=path)
    with torch.no_grad():
        head.weight.copy_(torch.tensor([[1.0, 2.0], [1.0, 2.0]]))  # both layers give the same value
        head.bias.zero_()
    out = head(torch.tensor([[1.0, 1.0]]), torch.tensor([[True, True]]), None)
    out.sum().backward()
    torch.testing.assert_close(head.weight.grad, torch.full((2, 2), 0.5))


@pytest.mark.parametrize("path", [GROUPED, DENSE])
def test_layers_three_way_tie_splits_the_gradient_evenly(path):
    head = LayersHead(2, 1, [[0], [0], [0]], alpha=0.0, beta=0.0, activation="none", dense_max_macs=path)
    with torch.no_grad():
        head.weight.copy_(torch.tensor([[1.0, 2.0]] * 3))
        head.bias.zero_()
    head(torch.tensor([[1.0, 1.0]]), torch.tensor([[True, True, True]]), None).sum().backward()
    torch.testing.assert_close(head.weight.grad, torch.full((3, 2), 1 / 3))
    torch.testing.assert_close(head.bias.grad, torch.full((3,), 1 / 3))


@pytest.mark.parametrize("kind", sorted(HEADS))
def test_empty_batch(kind):
    head = make_head(kind, 5, [[0, 1], [2]], 0.1, 0.01, "relu")
    features = torch.zeros(0, D, dtype=torch.float64, requires_grad=True)
    out = head(features, torch.zeros(0, 2, dtype=torch.bool), torch.zeros(0, 5, dtype=torch.bool))
    assert out.shape == (0, 5)
    out.sum().backward()


@pytest.mark.parametrize("kind", sorted(HEADS))
def test_bad_ranges_are_rejected(kind):
    with pytest.raises(ValueError, match=r"ranges\[1\]: indices must be distinct and within 0..3"):
        HEADS[kind][0](D, 4, [[0], [4]])
    with pytest.raises(ValueError, match=r"ranges\[0\]"):
        HEADS[kind][0](D, 4, [[1, 1]])


def test_layers_head_takes_the_dense_path_only_while_it_is_small():
    head = LayersHead(D, 4, [[0, 1], [2, 3]], dense_max_macs=10 * 4 * D)  # 4 packed rows
    calls = []
    original = head._dense_layers
    head._dense_layers = lambda *a: calls.append(a[0].shape[0]) or original(*a)
    category = torch.tensor([[True, False]] * 11)
    head(torch.randn(10, D), category[:10], None)
    head(torch.randn(11, D), category, None)
    assert calls == [10]  # 10 x 4 x D fits the budget, 11 samples take the grouped path


def test_sigmoid_outputs_stay_float32_under_bf16_autocast():
    """bf16 sigmoid reaches exactly 1.0 from a logit of ~5.5: ties at the top, no BCE gradient."""
    head = CategoryHead(2, 3, activation="sigmoid")
    with torch.no_grad():
        head.linear.weight.copy_(torch.tensor([[6.0, 0.0], [3.0, 0.0], [9.0, 0.0]]))
        head.linear.bias.zero_()
    features = torch.tensor([[1.0, 0.0]])
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = head(features).detach()
    assert out.dtype == torch.float32
    assert out[0, 2] < 1.0 and out[0, 0] < out[0, 2]  # 9 still ranks above 6, nothing saturated
    assert float(out[0, 0]) == pytest.approx(float(torch.sigmoid(torch.tensor(6.0))), abs=2e-2)
