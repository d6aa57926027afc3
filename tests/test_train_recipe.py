"""Training recipe knobs: lr schedule, augmentation, loss reduction, prior biases, CPU autocast."""
import math

import numpy as np
import pytest
import torch

from fashion import train as T
from fashion.data import transforms as TX
from fashion.train import runtime
from fashion.models import Hints, get_model
from tests.test_train import make_config, make_inputs, make_space, one_thread, paths_for  # noqa: F401 (autouse)


# --------------------------------------------------------------------------------------------
# Learning-rate schedule


def rates(config: T.TrainConfig, steps: int) -> list[float]:
    return [r for epoch in range(config.epochs) for r in T.epoch_learning_rates(config, epoch, steps)]


def test_constant_schedule_is_the_paper_lr_on_every_step():
    config = make_config(False, epochs=3, lr=0.1)
    assert rates(config, 4) == [0.1] * 12


def test_warmup_rises_linearly_then_cosine_decays_to_zero():
    config = make_config(False, epochs=3, lr=0.2, schedule="cosine", warmup_epochs=1.0)
    got = rates(config, 4)  # 12 steps: 4 warm-up, 8 cosine
    assert got[:4] == pytest.approx([0.05, 0.1, 0.15, 0.2])
    expected_cosine = [0.1 * (1 + math.cos(math.pi * i / 8)) for i in range(8)]
    assert got[4:] == pytest.approx(expected_cosine)
    assert all(a >= b for a, b in zip(got[4:], got[5:]))  # never rises after the warm-up
    assert 0 < got[-1] < 0.01


def test_fractional_warmup_with_constant_schedule():
    config = make_config(False, epochs=2, lr=1.0, warmup_epochs=0.5)
    assert rates(config, 4) == pytest.approx([0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])


def test_training_sets_the_scheduled_lr_on_the_optimizer(tmp_path, monkeypatch):
    inputs = make_inputs(multi=False)  # 16 samples, batch 8: two steps per epoch
    config = make_config(False, head="base", epochs=2, lr=0.05, schedule="cosine", warmup_epochs=0.5)
    seen = []
    original = torch.optim.SGD.step

    def record(self, *args, **kwargs):
        seen.append(self.param_groups[0]["lr"])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.SGD, "step", record)
    T.fit(config, inputs, paths_for(tmp_path, config, live=False))
    assert seen == pytest.approx(rates(config, 2))


def test_decaying_schedule_resumes_only_with_the_same_epochs():
    constant = make_config(False, epochs=2)
    assert "epochs" not in constant.resume_key()
    cosine = make_config(False, epochs=2, schedule="cosine")
    assert cosine.resume_key()["epochs"] == 2


@pytest.mark.parametrize("field, value", [("schedule", "step"), ("warmup_epochs", -1.0), ("augment", "rotate"),
                                          ("loss_reduction", "max")])
def test_config_rejects_unknown_recipe_values(field, value):
    with pytest.raises(ValueError, match=field):
        make_config(False, **{field: value})


# --------------------------------------------------------------------------------------------
# Augmentation


def test_no_augmentation_returns_the_batch_itself():
    images = torch.randn(4, 3, 8, 8)
    assert TX.augment_batch(images, "none", torch.Generator().manual_seed(0)) is images


def test_flip_mirrors_some_images_and_keeps_the_others():
    images = torch.randn(64, 3, 8, 8)
    out = TX.augment_batch(images, "flip", torch.Generator().manual_seed(0))
    same = [torch.equal(o, i) for o, i in zip(out, images)]
    mirrored = [torch.equal(o, i.flip(2)) for o, i in zip(out, images)]
    assert all(s or m for s, m in zip(same, mirrored))
    assert 16 < sum(mirrored) < 48  # about half
    again = TX.augment_batch(images, "flip", torch.Generator().manual_seed(0))
    assert torch.equal(out, again)  # a seeded generator gives the same batch


def shifted(image: torch.Tensor, dy: int, dx: int) -> torch.Tensor:
    """Literal translation by (dy, dx) with zero fill: out[y, x] = image[y + dy, x + dx]."""
    _, height, width = image.shape
    out = torch.zeros_like(image)
    for y in range(height):
        for x in range(width):
            if 0 <= y + dy < height and 0 <= x + dx < width:
                out[:, y, x] = image[:, y + dy, x + dx]
    return out


def test_flip_shift_translates_each_image_by_at_most_its_reach():
    images = torch.randn(12, 3, 32, 32) + 5.0  # no zeros in the input: fill is recognisable
    out = TX.augment_batch(images, "flip_shift", torch.Generator().manual_seed(3))
    reach = 32 // 16
    moved = 0
    for image, result in zip(images, out):
        matches = [
            (dy, dx)
            for source in (image, image.flip(2))
            for dy in range(-reach, reach + 1)
            for dx in range(-reach, reach + 1)
            if torch.equal(result, shifted(source, dy, dx))
        ]
        assert matches, "every output is a flipped-or-not, shifted copy of its input"
        moved += matches[0] != (0, 0)
    assert moved >= 6


# --------------------------------------------------------------------------------------------
# Loss reduction


def test_loss_reductions_on_a_hand_computed_case():
    outputs = {"category": torch.tensor([[1.0, 0.0], [0.5, 0.5]]), "attributes": torch.tensor([[0.0, 0.0, 1.0]] * 2)}
    targets = {"category": torch.tensor([[1.0, 0.0], [1.0, 0.0]]), "attributes": torch.tensor([[1.0, 0.0, 1.0]] * 2)}
    # squared errors: category [[0,0],[.25,.25]], attributes [[1,0,0],[1,0,0]]
    mean = T.compute_loss(outputs, targets, "mse", "mean")
    assert float(mean) == pytest.approx(0.5 / 4 + 2 / 6)
    summed = T.compute_loss(outputs, targets, "mse", "sum")
    assert float(summed) == pytest.approx((0 + 0.5) / 2 + (1 + 1) / 2)


# --------------------------------------------------------------------------------------------
# Prior biases


@pytest.mark.parametrize("head", ["base", "pruning", "layers"])
@pytest.mark.parametrize("activation", ["relu", "sigmoid"])
def test_prior_biases_make_a_signal_free_model_output_the_label_frequencies(head, activation):
    space = make_space(multi=True)
    torch.manual_seed(0)
    model = get_model("resnet18", head, space, fc_width=8, output_activation=activation)
    priors = {
        "category": torch.tensor([0.5, 0.25, 0.0, 1.0], dtype=torch.float64),
        "attributes": torch.linspace(0.05, 0.95, len(space.attributes), dtype=torch.float64),
        "subcategories": torch.linspace(0.9, 0.1, len(space.subcategories), dtype=torch.float64),
    }
    model.set_output_priors(priors)
    outputs = model.decode(torch.zeros(3, 8), Hints.empty(3, space))  # no signal, unhinted
    for name, prior in priors.items():
        expected = prior.clamp(1e-3, 1 - 1e-3).float().expand(3, -1)
        torch.testing.assert_close(outputs[name], expected, atol=1e-6, rtol=1e-5)


def test_prior_biases_are_checked_against_the_output_widths():
    space = make_space(multi=False)
    model = get_model("resnet18", "base", space, fc_width=8)
    with pytest.raises(ValueError, match="attributes prior has shape"):
        model.set_output_priors({"attributes": torch.zeros(3)})
    with pytest.raises(ValueError, match="unknown outputs"):
        model.set_output_priors({"subcategories": torch.zeros(6)})


def test_training_with_prior_bias_starts_from_the_train_frequencies(tmp_path):
    inputs = make_inputs(multi=False)
    config = make_config(False, head="layers", prior_bias=True)
    priors = T.output_priors(inputs.train)
    np.testing.assert_allclose(priors["attributes"].numpy(), inputs.train.attributes.mean(axis=0), rtol=1e-6)
    model = T.build_model(config, inputs.space)
    model.set_output_priors(priors)
    packed = model.attribute_head.bias.detach()
    expected = priors["attributes"].clamp(1e-3, 1 - 1e-3)[model.attribute_head.output_index]
    torch.testing.assert_close(packed, expected.float())
    fitted = T.fit(config, inputs, paths_for(tmp_path, config, live=False))
    assert math.isfinite(fitted.train_loss)


# --------------------------------------------------------------------------------------------
# Autocast dtype


def test_cpu_autocast_uses_bf16_only_where_the_cpu_has_matrix_units(monkeypatch):
    cpu = torch.device("cpu")
    monkeypatch.setattr(runtime, "cpu_has_bf16_matmul", lambda: True)
    assert T.amp_dtype(cpu, True) == torch.bfloat16
    assert T.amp_dtype(cpu, False) is None
    monkeypatch.setattr(runtime, "cpu_has_bf16_matmul", lambda: False)
    assert T.amp_dtype(cpu, True) is None


def test_bf16_training_on_cpu_learns_like_float32(tmp_path, monkeypatch):
    """Autocast on CPU (what AMX machines get) trains to finite, lower losses; forced on here."""
    monkeypatch.setattr(runtime, "cpu_has_bf16_matmul", lambda: True)
    inputs = make_inputs(multi=True)
    config = make_config(True, head="layers", epochs=3, lr=0.02, amp=True)
    fitted = T.fit(config, inputs, paths_for(tmp_path, config, live=False))
    losses = [h["train_loss"] for h in fitted.history]
    assert all(math.isfinite(v) for v in losses) and losses[-1] < losses[0]
    assert all(p.dtype == torch.float32 for p in fitted.model.parameters())  # weights stay float32
