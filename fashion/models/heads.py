"""Output heads. Each does one job, for the whole batch at once (no per-sample loops).

Dependent heads (attributes, subcategories) share one call signature:
    head(features [B,D], category_hint bool [B,K], target_hint bool [B,n] | None) -> [B,n]
where `target_hint` marks hinted attributes (or subcategories). A sample whose category_hint row
is all False is *unhinted*: every row is active and no offset is added (as the base head).

Offsets: the paper adds beta to the weights of every row in the hinted category's range and alpha
to the hinted row. Here a hinted row gets +alpha INSTEAD of +beta. Since (W_r + c)·x + b_r =
W_r·x + c·sum(x) + b_r, the shifted weights are never materialised: one matmul plus a per-sample,
per-row offset times sum(x). alpha and beta are fixed hyper-parameters (buffers), not learned.
"""
from __future__ import annotations

import math
from typing import Callable, Sequence

import torch
from torch import nn

from fashion.models.labels import ranges_to_mask

OUTPUT_ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "relu": torch.relu,  # the paper: ReLU on every output, trained with MSE
    "sigmoid": torch.sigmoid,
    "none": lambda x: x,  # logits, for BCE-with-logits losses
}


def output_activation(name: str) -> Callable[[torch.Tensor], torch.Tensor]:
    if name not in OUTPUT_ACTIVATIONS:
        raise ValueError(f"unknown output_activation {name!r}; choices: {sorted(OUTPUT_ACTIVATIONS)}")
    return OUTPUT_ACTIVATIONS[name]


class CategoryHead(nn.Module):
    """Linear + output activation over the K categories; never sees hints."""

    def __init__(self, in_features: int, num_categories: int, activation: str = "relu") -> None:
        super().__init__()
        self.linear = nn.Linear(in_features, num_categories)
        self.activation_name = activation
        self._activation = output_activation(activation)

    def forward(self, features: torch.Tensor) -> torch.Tensor:  # [B,D] -> [B,K]
        return self._activation(self.linear(features))


class BaseHead(nn.Module):
    """Plain linear dependent head: accepts hints for a uniform signature and ignores them."""

    def __init__(self, in_features: int, num_outputs: int, activation: str = "relu") -> None:
        super().__init__()
        self.linear = nn.Linear(in_features, num_outputs)
        self.activation_name = activation
        self._activation = output_activation(activation)

    def forward(
        self, features: torch.Tensor, category_hint: torch.Tensor | None = None, target_hint: torch.Tensor | None = None
    ) -> torch.Tensor:  # [B,D] -> [B,n]
        return self._activation(self.linear(features))


class _HintedHead(nn.Module):
    """Shared state of the dynamic heads: ranges, alpha/beta buffers, activation."""

    def __init__(
        self,
        num_outputs: int,
        ranges: Sequence[Sequence[int]],
        alpha: float,
        beta: float,
        activation: str,
    ) -> None:
        super().__init__()
        for name, value in (("alpha", alpha), ("beta", beta)):
            if not math.isfinite(float(value)):
                raise ValueError(f"{name} must be finite, got {value!r}")
        self.num_outputs = num_outputs
        self.ranges: tuple[tuple[int, ...], ...] = tuple(tuple(int(i) for i in r) for r in ranges)
        if not self.ranges:
            raise ValueError("ranges: need one index list per category, got none")
        for k, indices in enumerate(self.ranges):
            if len(set(indices)) != len(indices) or any(not 0 <= i < num_outputs for i in indices):
                raise ValueError(f"ranges[{k}]: indices must be distinct and within 0..{num_outputs - 1}")
        self.activation_name = activation
        self._activation = output_activation(activation)
        self.register_buffer("alpha", torch.tensor(float(alpha)))
        self.register_buffer("beta", torch.tensor(float(beta)))
        # Index buffers derive from the label space, so they are rebuilt, never loaded (persistent=False).
        # float so that "in the range of any hinted category" is one small matmul
        self.register_buffer("range_mask", ranges_to_mask(self.ranges, num_outputs).float(), persistent=False)  # [K,n]

    def _covered(self, category_hint: torch.Tensor) -> torch.Tensor:
        """bool [B,n]: output lies in the range of at least one hinted category."""
        return (category_hint.to(self.range_mask.dtype) @ self.range_mask) > 0

    def _check(self, features: torch.Tensor, category_hint: torch.Tensor, target_hint: torch.Tensor | None) -> None:
        batch, num_categories = features.shape[0], self.range_mask.shape[0]
        if category_hint.dtype != torch.bool or tuple(category_hint.shape) != (batch, num_categories):
            raise ValueError(
                f"category_hint: expected bool ({batch}, {num_categories}), "
                f"got {category_hint.dtype} {tuple(category_hint.shape)}"
            )
        if target_hint is not None and (
            target_hint.dtype != torch.bool or tuple(target_hint.shape) != (batch, self.num_outputs)
        ):
            raise ValueError(
                f"target_hint: expected bool ({batch}, {self.num_outputs}), "
                f"got {target_hint.dtype} {tuple(target_hint.shape)}"
            )


class PruningHead(_HintedHead):
    """Algorithm 1 (DynamicPruning) on one linear layer, vectorised over the batch.

    Per hinted sample: rows outside the union of the hinted categories' ranges are deactivated
    (output exactly 0 after the activation, and no gradient from that sample reaches the row's
    weights or bias); rows inside get +beta on their weights, hinted rows inside get +alpha
    instead. A hinted row outside every hinted range stays deactivated (the category hint wins).
    """

    def __init__(
        self,
        in_features: int,
        num_outputs: int,
        ranges: Sequence[Sequence[int]],
        alpha: float = 0.1,
        beta: float = 0.01,
        activation: str = "relu",
    ) -> None:
        super().__init__(num_outputs, ranges, alpha, beta, activation)
        self.linear = nn.Linear(in_features, num_outputs)

    def forward(
        self, features: torch.Tensor, category_hint: torch.Tensor, target_hint: torch.Tensor | None = None
    ) -> torch.Tensor:
        self._check(features, category_hint, target_hint)
        unhinted = ~category_hint.any(dim=1, keepdim=True)  # [B,1]
        in_range = self._covered(category_hint)  # [B,n]; all False for unhinted samples
        active = in_range | unhinted  # [B,n]
        if target_hint is None:
            hinted_rows = torch.zeros_like(in_range)
        else:
            hinted_rows = in_range & target_hint  # [B,n]
        zero = self.beta.new_zeros(())
        offset = torch.where(hinted_rows, self.alpha, torch.where(in_range, self.beta, zero))  # [B,n]
        pre = self.linear(features) + offset.to(features.dtype) * features.sum(dim=1, keepdim=True)  # [B,n]
        return torch.where(active, self._activation(pre), torch.zeros((), dtype=pre.dtype, device=pre.device))


class LayersHead(_HintedHead):
    """Algorithm 2 (DynamicLayers): one linear layer per category, sized to its range.

    The per-category layers are packed into one weight [S,D] (S = sum of range sizes) with
    `owner[s]` (category of packed row s) and `output_index[s]` (its unified output). One matmul
    evaluates every layer for every sample; per sample the hinted categories' layers are selected
    (unhinted sample: all layers, no offsets), their rows get +beta (+alpha instead for hinted
    outputs), and the selected outputs are merged into the unified [B,n] tensor. Where selected ranges overlap on one output the MAX is taken
    (ties share the gradient equally).
    Outputs covered by no selected layer are 0; an output in no category's range is always 0.
    """

    def __init__(
        self,
        in_features: int,
        num_outputs: int,
        ranges: Sequence[Sequence[int]],
        alpha: float = 0.1,
        beta: float = 0.01,
        activation: str = "relu",
    ) -> None:
        super().__init__(num_outputs, ranges, alpha, beta, activation)
        sizes = [len(r) for r in self.ranges]
        total = sum(sizes)
        self.weight = nn.Parameter(torch.empty(total, in_features))  # [S,D]
        self.bias = nn.Parameter(torch.empty(total))  # [S]
        # same initialisation as a separate nn.Linear(in_features, size) per category (fan_in = D)
        if total > 0:  # zero-size init warns; an all-empty label space has no layers to initialise
            nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
            bound = 1.0 / math.sqrt(in_features) if in_features > 0 else 0.0
            nn.init.uniform_(self.bias, -bound, bound)
        owner = [k for k, size in enumerate(sizes) for _ in range(size)]
        output_index = [i for r in self.ranges for i in r]
        self.register_buffer("owner", torch.tensor(owner, dtype=torch.long), persistent=False)  # [S]
        self.register_buffer("output_index", torch.tensor(output_index, dtype=torch.long), persistent=False)  # [S]
        starts = [0]
        for size in sizes:
            starts.append(starts[-1] + size)
        self._starts = tuple(starts)
        # slots[j, p] = j-th packed row writing output p, or S (a -inf padding row) when fewer:
        # the max over overlapping layers becomes one row gather + amax over j, no scatter.
        depth = max([1] + [output_index.count(p) for p in set(output_index)])
        slots = torch.full((depth, num_outputs), total, dtype=torch.long)  # [J,n]
        filled = [0] * num_outputs
        for row, p in enumerate(output_index):
            slots[filled[p], p] = row
            filled[p] += 1
        self.register_buffer("slots", slots.reshape(-1), persistent=False)  # [J·n]
        self._depth = depth

    def category_layer(self, category: int) -> tuple[torch.Tensor, torch.Tensor, tuple[int, ...]]:
        """(weight [n_k,D], bias [n_k], unified output indices) of one category's layer (views)."""
        start, stop = self._starts[category], self._starts[category + 1]
        return self.weight[start:stop], self.bias[start:stop], self.ranges[category]

    def forward(
        self, features: torch.Tensor, category_hint: torch.Tensor, target_hint: torch.Tensor | None = None
    ) -> torch.Tensor:
        self._check(features, category_hint, target_hint)
        # Work on [S,B] (packed row, sample): row gathers of contiguous tensors are cheap.
        batch = features.shape[0]
        hinted = category_hint.any(dim=1)  # [B]
        selected_categories = category_hint | ~hinted[:, None]  # [B,K]; unhinted -> every layer
        selected = selected_categories.t().contiguous().index_select(0, self.owner)  # [S,B]
        boosted = selected & hinted  # [S,B]; no offsets for unhinted samples
        if target_hint is None:
            alpha_rows = torch.zeros_like(boosted)
        else:
            alpha_rows = boosted & target_hint.t().contiguous().index_select(0, self.output_index)  # [S,B]
        zero = self.beta.new_zeros(())
        offset = torch.where(alpha_rows, self.alpha, torch.where(boosted, self.beta, zero))  # [S,B]
        pre = torch.addmm(self.bias[:, None], self.weight, features.t())  # [S,B]
        pre = torch.addcmul(pre, offset.to(pre.dtype), features.sum(dim=1))  # (W+offset)·x + b
        lowest = torch.full((), float("-inf"), dtype=pre.dtype, device=pre.device)
        values = torch.where(selected, self._activation(pre), lowest)  # [S,B]
        padded = torch.cat([values, lowest.expand(1, batch)])  # [S+1,B]
        merged = padded.index_select(0, self.slots).view(self._depth, self.num_outputs, batch).amax(dim=0)  # [n,B]
        covered = self._covered(selected_categories)  # [B,n]
        return torch.where(covered, merged.t(), torch.zeros((), dtype=pre.dtype, device=pre.device))
