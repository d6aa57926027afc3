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

def sigmoid_fp32(x: torch.Tensor) -> torch.Tensor:
    """Sigmoid in float32 at least: in bf16 (CUDA autocast) it reaches exactly 1.0 from a logit of
    about 5.5, which ties the top scores and leaves BCE no gradient."""
    return torch.sigmoid(x.float() if x.dtype in (torch.float16, torch.bfloat16) else x)


OUTPUT_ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "relu": torch.relu,  # the paper: ReLU on every output, trained with MSE
    "sigmoid": sigmoid_fp32,
    "none": lambda x: x,  # logits, for BCE-with-logits losses
}


def output_activation(name: str) -> Callable[[torch.Tensor], torch.Tensor]:
    if name not in OUTPUT_ACTIVATIONS:
        raise ValueError(f"unknown output_activation {name!r}; choices: {sorted(OUTPUT_ACTIVATIONS)}")
    return OUTPUT_ACTIVATIONS[name]


def prior_bias(prior: torch.Tensor, activation: str) -> torch.Tensor:
    """Bias values that make an output start at `prior` [n] (label frequencies in [0,1]) when the
    features carry no signal yet: the frequency itself under ReLU (MSE regresses toward it),
    its logit under sigmoid. Clamped so that never-seen labels get a finite bias."""
    prior = prior.detach().to(torch.float64).clamp(1e-3, 1.0 - 1e-3)
    return prior if activation == "relu" else torch.log(prior / (1.0 - prior))  # sigmoid / logits


def _set_bias(bias: torch.Tensor, values: torch.Tensor) -> None:
    with torch.no_grad():  # an initialisation, not a forward-time edit
        bias.copy_(values.to(bias.dtype))


class _LinearPrior:
    """set_prior for heads whose outputs are one `self.linear` layer."""

    def set_prior(self, prior: torch.Tensor) -> None:
        """Start every output at its label frequency prior [n] (see prior_bias)."""
        _set_bias(self.linear.bias, prior_bias(prior, self.activation_name))


class CategoryHead(_LinearPrior, nn.Module):
    """Linear + output activation over the K categories; never sees hints."""

    def __init__(self, in_features: int, num_categories: int, activation: str = "relu") -> None:
        super().__init__()
        self.linear = nn.Linear(in_features, num_categories)
        self.activation_name = activation
        self._activation = output_activation(activation)

    def forward(self, features: torch.Tensor) -> torch.Tensor:  # [B,D] -> [B,K]
        return self._activation(self.linear(features))


class BaseHead(_LinearPrior, nn.Module):
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

    def _offset_factors(
        self, features: torch.Tensor, hinted: torch.Tensor, target_hint: torch.Tensor | None, dtype: torch.dtype
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The pre-activation offset is weight offset [B,n] (or [] without target hints) times
        sum(x) [B,1], which is 0 for unhinted samples.

        beta everywhere, alpha on hinted rows; whether a row is in range is the caller's business
        (its output is masked or never computed)."""
        scale = (features.sum(dim=1) * hinted).to(dtype)[:, None]  # [B,1]; 0 for unhinted samples
        alpha, beta = self.alpha.to(dtype), self.beta.to(dtype)  # no-ops unless under autocast
        return (beta if target_hint is None else torch.where(target_hint, alpha, beta)), scale


class PruningHead(_LinearPrior, _HintedHead):
    """Algorithm 1 (DynamicPruning) on one linear layer, vectorised over the batch.

    Per hinted sample: rows outside the union of the hinted categories' ranges are deactivated
    (output exactly 0 after the activation, and no gradient from that sample reaches the row's
    weights or bias); rows inside get +beta on their weights, hinted rows inside get +alpha
    instead. A hinted row outside every hinted range stays deactivated (the category hint wins).

    Forward = the base matmul plus a few elementwise ops on [B,n]; the active mask is one small
    matmul hints [B,K] @ range_mask [K,n], plus 1 on every row of an unhinted sample.
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
        hinted = category_hint.any(dim=1)  # [B]
        mask_dtype = self.range_mask.dtype
        unhinted = (~hinted).to(mask_dtype)[:, None]  # [B,1]
        active = torch.addmm(unhinted, category_hint.to(mask_dtype), self.range_mask) > 0  # [B,n]
        pre = self.linear(features)  # [B,n]
        # (W + offset)·x + b = W·x + b + offset·sum(x); out-of-range offsets are masked below
        pre = torch.addcmul(pre, *self._offset_factors(features, hinted, target_hint, pre.dtype))
        return torch.where(active, self._activation(pre), 0.0)


# LayersHead: up to this many multiply-adds (batch x packed rows x features) one dense matmul over
# every layer beats a matmul per category (measured on 2 CPU cores: ~0.1 ms of dense work vs
# tens of small ops).
DENSE_MAX_MACS = 1 << 24


class LayersHead(_HintedHead):
    """Algorithm 2 (DynamicLayers): one linear layer per category, sized to its range.

    The per-category layers are packed into one weight [S,D] (S = sum of range sizes) with
    `owner[s]` (category of packed row s) and `output_index[s]` (its unified output). Per sample
    the hinted categories' layers are selected (unhinted sample: all layers, no offsets), their
    rows get +beta (+alpha instead for hinted outputs), and the selected outputs are merged into
    the unified [B,n] tensor. Where selected ranges overlap on one output the MAX is taken (exact ties
    between layers share the gradient). Outputs covered by no selected layer are 0; an output in no
    category's range is always 0.

    Only selected layers are evaluated: per category, one matmul of its (contiguous) weight rows
    with the samples that select it, so a batch with one hinted category per sample costs about
    one base head, not K; the values are merged by a scatter (one layer per sample) or a
    scatter-amax. The (category, sample) pairs are found on the host (a sync per call). A batch
    with no hinted sample needs every layer for every sample: one dense matmul and a gather + amax
    over the precomputed `slots`.

    Small heads (batch·S·D <= dense_max_macs) skip the per-category loop: every layer runs on
    every sample in one dense matmul, unselected rows are masked to -inf before the same
    gather + amax. A handful of ops whatever the number of categories, which is cheaper than K
    tiny matmuls while the dense matmul costs little; same outputs and gradients.
    """

    def __init__(
        self,
        in_features: int,
        num_outputs: int,
        ranges: Sequence[Sequence[int]],
        alpha: float = 0.1,
        beta: float = 0.01,
        activation: str = "relu",
        dense_max_macs: int = DENSE_MAX_MACS,
    ) -> None:
        super().__init__(num_outputs, ranges, alpha, beta, activation)
        self.dense_max_macs = int(dense_max_macs)
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
        self._sizes = tuple(sizes)
        starts = [0]
        for size in sizes:
            starts.append(starts[-1] + size)
        self._starts = tuple(starts)
        self.register_buffer("layer_sizes", torch.tensor(sizes, dtype=torch.long), persistent=False)  # [K]
        self.register_buffer("layer_starts", torch.tensor(starts[:-1], dtype=torch.long), persistent=False)  # [K]
        # slots[j, p] = j-th packed row writing output p; outputs with fewer writers repeat their
        # first one (a max is unchanged by a repeat), so merging every layer by max is one row
        # gather + amax over j with no padding row. Outputs no range covers point at row 0 and
        # are zeroed afterwards by `in_some_range`.
        writers: list[list[int]] = [[] for _ in range(num_outputs)]
        for row, p in enumerate(output_index):
            writers[p].append(row)
        self._depth = max([1] + [len(rows) for rows in writers])
        slots = torch.zeros((self._depth, num_outputs), dtype=torch.long)  # [J,n]
        for p, rows in enumerate(writers):
            if rows:
                slots[:, p] = torch.tensor(rows + rows[:1] * (self._depth - len(rows)), dtype=torch.long)
        self.register_buffer("slots", slots.reshape(-1), persistent=False)  # [J·n]
        in_some_range = torch.tensor([bool(rows) for rows in writers], dtype=torch.bool)
        self.register_buffer("in_some_range", in_some_range, persistent=False)  # [n]
        self._all_covered = bool(in_some_range.all())

    def set_prior(self, prior: torch.Tensor) -> None:
        """Start every packed row at the prior [n] of the unified output it writes (see prior_bias)."""
        _set_bias(self.bias, prior_bias(prior, self.activation_name).index_select(0, self.output_index.cpu()))

    def category_layer(self, category: int) -> tuple[torch.Tensor, torch.Tensor, tuple[int, ...]]:
        """(weight [n_k,D], bias [n_k], unified output indices) of one category's layer (views)."""
        start, stop = self._starts[category], self._starts[category + 1]
        return self.weight[start:stop], self.bias[start:stop], self.ranges[category]

    def forward(
        self, features: torch.Tensor, category_hint: torch.Tensor, target_hint: torch.Tensor | None = None
    ) -> torch.Tensor:
        self._check(features, category_hint, target_hint)
        batch, num_outputs = features.shape[0], self.num_outputs
        hinted = category_hint.any(dim=1)  # [B]
        if batch * self.weight.shape[0] * features.shape[1] <= self.dense_max_macs:
            return self._dense_layers(features, category_hint, target_hint, hinted)
        if not bool(hinted.any()):  # host sync, as the pairs below
            return self._every_layer(features)
        selected = category_hint | ~hinted[:, None]  # [B,K]; unhinted -> every layer
        pairs = selected.t().nonzero()  # [N,2] (category, sample) pairs, grouped by category
        counts = selected.sum(dim=0).tolist()  # samples per category
        values, flat = self._selected_layers(features, pairs[:, 0], pairs[:, 1], counts)  # [T] values, [T] sample·n + output
        weight_offset, scale = self._offset_factors(features, hinted, target_hint, values.dtype)
        offsets = (weight_offset * scale).expand(batch, num_outputs)  # [B,n]
        values = self._activation(values + offsets.reshape(-1).index_select(0, flat))  # (W+offset)·x + b
        merged = values.new_zeros(batch * num_outputs)  # outputs no selected layer covers stay 0
        if pairs.shape[0] == batch:  # one layer per sample: a range holds distinct outputs, nothing overlaps
            merged = merged.scatter(0, flat, values)
        else:  # overlapping layers: max (include_self=False: the 0 fill takes no part)
            merged = merged.scatter_reduce(0, flat, values, "amax", include_self=False)
        return merged.view(batch, num_outputs)

    def _dense_layers(
        self, features: torch.Tensor, category_hint: torch.Tensor, target_hint: torch.Tensor | None,
        hinted: torch.Tensor,
    ) -> torch.Tensor:
        """Every layer on every sample (one matmul); unselected rows at -inf, merged by max
        over the layers writing each output, then offset and activation (no host sync).

        The offset of a row depends only on (sample, unified output), the same for every layer
        writing that output, and the activations are monotone: act(max_s v_s + offset) equals
        max_s act(v_s + offset) exactly, with a dozen ops over [S,B] (packed row, sample, where
        the row gathers are contiguous) and [B,n] instead of offsets gathered per packed row."""
        # -inf on the rows of every unselected layer of a hinted sample, folded into the matmul's
        # bias: a [K,B] where and a float row gather (a bool index_select or a masked_fill over
        # [S,B] costs 5-15x an add on CPU); -inf + anything finite stays -inf, and those entries
        # get no gradient (activation at -inf, or the `none` zeroing below)
        penalty = torch.where(category_hint.t() < hinted, float("-inf"), 0.0).to(self.bias.dtype)  # [K,B]
        values = torch.addmm(self.bias[:, None] + penalty[self.owner], self.weight, features.t())  # [S,B]
        merged = self._max_over_layers(values).t()  # [B,n]
        weight_offset, scale = self._offset_factors(features, hinted, target_hint, merged.dtype)
        out = self._activation(merged + weight_offset * scale)  # (W+offset)·x + b; -inf: no selected layer
        out = torch.where(out == float("-inf"), 0.0, out) if self.activation_name == "none" else out  # relu/sigmoid: 0
        return (out if self._all_covered else torch.where(self.in_some_range, out, 0.0)).contiguous()

    def _every_layer(self, features: torch.Tensor) -> torch.Tensor:
        """All samples unhinted: every layer, no offsets, merged by max; one dense matmul.

        Works on [S,B] (packed row, sample): that matmul and the row gathers are the faster layout."""
        values = self._activation(torch.addmm(self.bias[:, None], self.weight, features.t()))  # [S,B]
        merged = self._max_over_layers(values)  # [n,B]
        if not self._all_covered:
            merged = torch.where(self.in_some_range[:, None], merged, 0.0)
        return merged.t().contiguous()  # [B,n]

    def _max_over_layers(self, values: torch.Tensor) -> torch.Tensor:
        """[S,B] packed-row values -> [n,B] max over the rows writing each output (see `slots`)."""
        if values.shape[0] == 0:  # no layer has a row: a -inf row for the slots to point at
            values = values.new_full((1, values.shape[1]), float("-inf"))
        return values.index_select(0, self.slots).view(self._depth, self.num_outputs, values.shape[1]).amax(dim=0)

    def _selected_layers(
        self, features: torch.Tensor, pair_categories: torch.Tensor, pair_samples: torch.Tensor, counts: list[int]
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Each category's layer on the samples that select it, flattened category by category:
        values [T] and their flat output positions sample·n + unified output [T].

        Pair i (category k, sample b; pairs grouped by category) owns the n_k values
        T[first_i : first_i + n_k], which come from packed rows starts_k + 0..n_k-1: the positions
        are a handful of ops over [T], whatever the number of categories."""
        rows = features.index_select(0, pair_samples)  # [N,D], grouped by category (counts)
        values = GroupedLinear.apply(rows, self.weight, self.bias, tuple(counts), self._sizes)  # [T]
        pair_sizes = self.layer_sizes.index_select(0, pair_categories)  # [N]
        first = pair_sizes.cumsum(0) - pair_sizes  # [N] first value of each pair
        pair_of = torch.repeat_interleave(pair_sizes, output_size=values.shape[0])  # [T] pair of each value
        # packed row of value t = starts_k + (t - first_i) = t + (starts_k - first_i)
        shift = (self.layer_starts.index_select(0, pair_categories) - first).index_select(0, pair_of)
        packed = torch.arange(values.shape[0], device=values.device).add_(shift)  # [T]
        flat = (pair_samples * self.num_outputs).index_select(0, pair_of) + self.output_index.index_select(0, packed)
        return values, flat


class GroupedLinear(torch.autograd.Function):
    """Row group k of `rows` through row block k of the packed layer, for every k at once:
    values = cat_k( (rows_k [c_k,D] @ weight_k[n_k,D]^T + bias_k).view(-1) ) -> [sum_k c_k·n_k].

    One output buffer and, in backward, one weight-gradient buffer that every block writes into
    (autograd's split/cat would allocate and copy a full [S,D] gradient on top). Blocks with no
    rows get zero gradient. Computes in the dtype of `rows` (bf16/fp16 under autocast), gradients
    for weight and bias in their own dtype.
    """

    @staticmethod
    def forward(ctx, rows, weight, bias, counts, sizes):  # rows [N,D], weight [S,D], bias [S]
        dtype = rows.dtype
        weight_c, bias_c = weight.to(dtype), bias.to(dtype)
        products = [c * n for c, n in zip(counts, sizes)]
        out = rows.new_empty(sum(products))
        # one split per tensor (views made in C++) instead of four slices per category in Python
        blocks = zip(counts, sizes, rows.split(counts), weight_c.t().split(sizes, dim=1), bias_c.split(sizes),
                     out.split(products))
        for count, size, rows_k, weight_t_k, bias_k, out_k in blocks:
            if count and size:
                torch.addmm(bias_k, rows_k, weight_t_k, out=out_k.view(count, size))
        ctx.save_for_backward(rows, weight_c)
        ctx.counts, ctx.sizes, ctx.products, ctx.param_dtype = counts, sizes, products, weight.dtype
        return out

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_out):  # grad_out [T]
        rows, weight_c = ctx.saved_tensors
        grad_out = grad_out.to(rows.dtype).contiguous()
        need_rows, need_weight, need_bias = ctx.needs_input_grad[:3]
        counts, sizes = ctx.counts, ctx.sizes
        grad_rows = torch.zeros_like(rows) if need_rows else None
        grad_weight = weight_c.new_empty(weight_c.shape, dtype=ctx.param_dtype) if need_weight else None
        grad_bias = weight_c.new_empty(weight_c.shape[0], dtype=ctx.param_dtype) if need_bias else None
        no_blocks = [None] * len(sizes)
        blocks = zip(counts, sizes, grad_out.split(ctx.products), rows.split(counts), weight_c.split(sizes),
                     grad_rows.split(counts) if need_rows else no_blocks,
                     grad_weight.split(sizes) if need_weight else no_blocks,
                     grad_bias.split(sizes) if need_bias else no_blocks)
        for count, size, grad_k, rows_k, weight_k, grad_rows_k, grad_weight_k, grad_bias_k in blocks:
            if count and size:
                grad_k = grad_k.view(count, size)  # [c_k,n_k]
                if need_rows:
                    torch.mm(grad_k, weight_k, out=grad_rows_k)
                if need_weight:
                    if grad_weight.dtype == rows.dtype:
                        torch.mm(grad_k.t(), rows_k, out=grad_weight_k)
                    else:
                        grad_weight_k.copy_(grad_k.t().to(grad_weight.dtype) @ rows_k.to(grad_weight.dtype))
                if need_bias:
                    grad_bias_k.copy_(grad_k.sum(dim=0))  # summed in the compute dtype, as before, then cast
            elif size:  # a layer no sample selected gets no gradient
                if need_weight:
                    grad_weight_k.zero_()
                if need_bias:
                    grad_bias_k.zero_()
        return grad_rows, grad_weight, grad_bias, None, None
