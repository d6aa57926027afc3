"""Image transforms of the training and evaluation batches: normalisation statistics, the
uint8 -> normalised-float conversion on the device, and training-time augmentation.

Images stay uint8 [N,H,W,3] on the host; each batch is indexed out, moved to the device and
converted there: x = (pixel/255 - mean) / std per channel.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from torch.nn import functional as F

from fashion.choices import NORMALIZATIONS

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def channel_stats(images: np.ndarray, chunk: int = 512) -> tuple[list[float], list[float]]:
    """Per-channel mean and std of uint8 images [N,H,W,3] on the 0..1 scale (streamed, float64)."""
    if images.ndim != 4 or images.shape[-1] != 3 or len(images) == 0:
        raise ValueError(f"images: expected uint8 [N,H,W,3] with N > 0, got {images.dtype} {images.shape}")
    total = np.zeros(3)
    total_sq = np.zeros(3)
    for start in range(0, len(images), chunk):
        block = np.asarray(images[start : start + chunk], dtype=np.float64) / 255.0  # [b,H,W,3]
        total += block.sum(axis=(0, 1, 2))
        total_sq += np.square(block).sum(axis=(0, 1, 2))
    count = images.shape[0] * images.shape[1] * images.shape[2]
    mean = total / count
    std = np.sqrt(np.maximum(total_sq / count - mean**2, 0.0))
    std = np.where(std > 1e-6, std, 1.0)  # a constant channel: centre it, do not blow it up
    return mean.tolist(), std.tolist()


class Normalizer:
    """uint8 [B,H,W,3] numpy batch -> normalised float [B,3,H,W] on the device, in one affine op."""

    def __init__(self, mean: Sequence[float], std: Sequence[float], device: torch.device):
        mean_t = torch.tensor(mean, dtype=torch.float32, device=device).view(1, 3, 1, 1)
        std_t = torch.tensor(std, dtype=torch.float32, device=device).view(1, 3, 1, 1)
        self.scale = 1.0 / (255.0 * std_t)  # [1,3,1,1]
        self.shift = -mean_t / std_t  # [1,3,1,1]
        self.device = device

    def __call__(self, batch: np.ndarray) -> torch.Tensor:
        pixels = torch.from_numpy(np.ascontiguousarray(batch)).to(self.device, non_blocking=True)  # uint8 [B,H,W,3]
        x = pixels.permute(0, 3, 1, 2).float().contiguous()  # [B,3,H,W]
        return x.mul_(self.scale).add_(self.shift)


def normalization_stats(kind: str, train_images: np.ndarray) -> tuple[list[float], list[float]]:
    """(mean, std) per channel for `kind`: "imagenet" (torchvision's constants, the right choice
    with pretrained weights) or "train" (the train split's own statistics)."""
    if kind not in NORMALIZATIONS:
        raise ValueError(f"normalization must be one of {NORMALIZATIONS}, got {kind!r}")
    if kind == "imagenet":
        return list(IMAGENET_MEAN), list(IMAGENET_STD)
    return channel_stats(train_images)


def augment_batch(images: torch.Tensor, kind: str, generator: torch.Generator) -> torch.Tensor:
    """Training-time augmentation of a normalised batch [B,3,H,W] (same shape back).

    flip: each image mirrored left-right with probability 1/2. flip_shift: also translated by up
    to H/16 px each way (at least 1), the uncovered border filled with 0 (the normalised mean).
    Random draws come from `generator` (CPU), so a seeded epoch is reproducible on any device."""
    if kind == "none":
        return images
    batch, _, height, width = images.shape
    flip = (torch.rand(batch, generator=generator) < 0.5).to(images.device)
    images = torch.where(flip[:, None, None, None], images.flip(3), images)
    if kind == "flip_shift":
        reach = max(1, height // 16)
        dy, dx = (torch.randint(0, 2 * reach + 1, (2, batch), generator=generator)).to(images.device)
        padded = F.pad(images, (reach, reach, reach, reach))  # [B,3,H+2r,W+2r]
        rows = (dy[:, None] + torch.arange(height, device=images.device))[:, None, :, None]  # [B,1,H,1]
        padded = padded.gather(2, rows.expand(batch, 3, height, width + 2 * reach))  # [B,3,H,W+2r]
        cols = (dx[:, None] + torch.arange(width, device=images.device))[:, None, None, :]  # [B,1,1,W]
        images = padded.gather(3, cols.expand(batch, 3, height, width))  # [B,3,H,W]
    return images
