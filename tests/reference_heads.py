"""Literal, per-sample reference implementations of the paper's Algorithms 1 and 2.

For every sample they copy the layer weights and REWRITE weight rows as the paper describes
(deactivate / +beta / +alpha), then run that sample alone through the rewritten layer(s).
They read the parameters of a vectorised head (so gradients can be compared), run on the
features' device, and are used by the tests and by benchmarks/ (heads_bench, model_bench,
device_check). Deliberately slow; do not use for training.
"""
from __future__ import annotations

import torch

from fashion.models.heads import LayersHead, PruningHead


def _hint_lists(hint: torch.Tensor | None, batch: int) -> list[list[int]]:
    """Per sample, the indices set in a bool hint matrix [B,n] (no hint matrix: none).

    Read to the host once per call, as a per-sample implementation gets its hints (the authors'
    code took them as Python lists); reading the tensor element by element would cost more than
    the algorithm itself (about 1 µs per element on CPU, a device sync each on CUDA)."""
    if hint is None:
        return [[] for _ in range(batch)]
    return [[i for i, on in enumerate(row) if on] for row in hint.tolist()]


def reference_pruning(
    head: PruningHead, features: torch.Tensor, category_hint: torch.Tensor, target_hint: torch.Tensor | None = None
) -> torch.Tensor:
    """Algorithm 1: per sample, rewrite the rows of one weight copy, then y = act(W'x + b')."""
    alpha, beta = float(head.alpha), float(head.beta)
    num_outputs = head.num_outputs
    batch = features.shape[0]
    hinted_categories, hinted_outputs = _hint_lists(category_hint, batch), _hint_lists(target_hint, batch)
    rows = []
    for sample in range(batch):
        weight = head.linear.weight.clone()  # [n,D] per-sample copy
        bias = head.linear.bias.clone()  # [n]
        hinted = hinted_categories[sample]
        relevant: set[int] = set()
        if hinted:
            for k in hinted:
                relevant |= set(head.ranges[k])
            boosted = set(hinted_outputs[sample]) & relevant
            irrelevant = [r for r in range(num_outputs) if r not in relevant]
            weight[irrelevant] = 0.0  # deactivate the neuron (weights and bias)
            bias[irrelevant] = 0.0
            weight[sorted(relevant - boosted)] += beta
            weight[sorted(boosted)] += alpha
        output = head._activation(weight @ features[sample] + bias)  # [n]
        if hinted:  # a deactivated neuron emits 0 whatever the activation (sigmoid(0) would be 0.5)
            keep = torch.tensor([r in relevant for r in range(num_outputs)], device=output.device)
            output = torch.where(keep, output, torch.zeros((), dtype=output.dtype))
        rows.append(output)
    return torch.stack(rows)


def reference_layers(
    head: LayersHead, features: torch.Tensor, category_hint: torch.Tensor, target_hint: torch.Tensor | None = None
) -> torch.Tensor:
    """Algorithm 2: per sample, run each selected category's own (rewritten) layer; merge by max."""
    alpha, beta = float(head.alpha), float(head.beta)
    num_categories = category_hint.shape[1]
    batch = features.shape[0]
    hinted_categories, hinted_outputs = _hint_lists(category_hint, batch), _hint_lists(target_hint, batch)
    rows = []
    for sample in range(batch):
        hinted = hinted_categories[sample]
        selected = hinted if hinted else list(range(num_categories))
        boosted = set(hinted_outputs[sample])
        merged = torch.full((head.num_outputs,), float("-inf"), dtype=features.dtype, device=features.device)
        for k in selected:
            layer_weight, layer_bias, outputs = head.category_layer(k)
            if not outputs:
                continue
            weight = layer_weight.clone()  # [n_k,D] this sample's copy of category k's layer
            if hinted:
                alpha_rows = [j for j, p in enumerate(outputs) if p in boosted]
                beta_rows = [j for j, p in enumerate(outputs) if p not in boosted]
                weight[beta_rows] += beta
                weight[alpha_rows] += alpha
            values = head._activation(weight @ features[sample] + layer_bias)  # [n_k]
            index = torch.tensor(outputs, dtype=torch.long, device=features.device)
            merged = merged.scatter(0, index, torch.maximum(merged[index], values))
        rows.append(torch.where(torch.isinf(merged), torch.zeros((), dtype=merged.dtype), merged))
    return torch.stack(rows)
