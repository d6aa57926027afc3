"""torchvision backbones as feature extractors: images [B,3,H,W] -> features [B,F].

Weights are random by default. `pretrained=True` loads torchvision's ImageNet weights ONLY from
the local torch hub cache, torch.hub.get_dir()/checkpoints/<torchvision's file name>, with
weights_only=True; nothing is ever downloaded.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import torch
from torch import nn
from torchvision import models as tv

# name -> (torchvision constructor, its default weights enum entry)
_TORCHVISION = {
    "vgg16": (tv.vgg16, tv.VGG16_Weights.DEFAULT),
    "vgg16_bn": (tv.vgg16_bn, tv.VGG16_BN_Weights.DEFAULT),
    "resnet18": (tv.resnet18, tv.ResNet18_Weights.DEFAULT),
    "resnet34": (tv.resnet34, tv.ResNet34_Weights.DEFAULT),
    "resnet50": (tv.resnet50, tv.ResNet50_Weights.DEFAULT),
}


class PretrainedWeightsError(FileNotFoundError):
    """Pretrained weights requested but not usable from the local cache."""


def pretrained_path(name: str) -> Path:
    """Where torchvision would cache `name`'s default ImageNet weights (not downloaded here)."""
    _, weights = _TORCHVISION[name]
    file_name = os.path.basename(urlparse(weights.url).path)
    return Path(torch.hub.get_dir()) / "checkpoints" / file_name


def _load_state(name: str) -> dict[str, Any]:
    path = pretrained_path(name)
    if not path.is_file():
        _, weights = _TORCHVISION[name]
        raise PretrainedWeightsError(
            f"pretrained weights for {name}: expected {path} (torchvision's file; nothing is downloaded — "
            f"fetch {weights.url} on a machine with internet and copy it there, set TORCH_HOME to the "
            f"folder above hub/, or use pretrained=False)"
        )
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # corrupt or non-tensor pickle: refuse with the path, not a traceback
        raise PretrainedWeightsError(f"pretrained weights for {name}: cannot load {path}: {error}") from error
    if not isinstance(state, dict):
        raise PretrainedWeightsError(f"pretrained weights for {name}: {path} is not a state dict")
    return state


def _torchvision_model(name: str, pretrained: bool) -> nn.Module:
    constructor, _ = _TORCHVISION[name]
    model = constructor(weights=None)
    if pretrained:
        state = _load_state(name)
        try:
            model.load_state_dict(state)
        except RuntimeError as error:
            raise PretrainedWeightsError(
                f"pretrained weights for {name}: {pretrained_path(name)} does not match torchvision's {name}: {error}"
            ) from error
    return model


def _vgg16_features(pretrained: bool, batch_norm: bool = False) -> nn.Module:
    """torchvision's VGG16 `features` (same layers and state-dict keys as vgg16().features,
    or vgg16_bn().features with batch_norm=True).

    Built with torchvision's own make_layers/cfgs and its initialisation, without the
    unused 4096-wide classifier (102 M parameters, ~3 s and ~400 MB per build on CPU).
    """
    name = "vgg16_bn" if batch_norm else "vgg16"
    features = tv.vgg.make_layers(tv.vgg.cfgs["D"], batch_norm=batch_norm)
    for module in features.modules():
        if isinstance(module, nn.Conv2d):  # as torchvision.models.VGG.__init__
            nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            nn.init.constant_(module.bias, 0)
        elif isinstance(module, nn.BatchNorm2d):
            nn.init.constant_(module.weight, 1)
            nn.init.constant_(module.bias, 0)
    if pretrained:
        state = _load_state(name)
        prefix = "features."
        features_state = {key[len(prefix) :]: value for key, value in state.items() if key.startswith(prefix)}
        try:
            features.load_state_dict(features_state)
        except RuntimeError as error:
            raise PretrainedWeightsError(
                f"pretrained weights for {name}: {pretrained_path(name)} does not match torchvision's {name}: {error}"
            ) from error
    return features


def build_vgg16(pretrained: bool = False, vgg_pool: int = 1) -> tuple[nn.Module, int]:
    """VGG16 convolutional part + AdaptiveAvgPool2d(vgg_pool) + flatten -> [B, 512·vgg_pool²].

    vgg_pool=1 (default) works for any image size >= 32 px; vgg_pool=7 is torchvision's own
    7×7 pool, the paper's 224-px path.
    """
    if vgg_pool not in (1, 7):
        raise ValueError(f"vgg_pool must be 1 or 7, got {vgg_pool!r}")
    backbone = nn.Sequential(_vgg16_features(pretrained), nn.AdaptiveAvgPool2d(vgg_pool), nn.Flatten())
    return backbone, 512 * vgg_pool * vgg_pool


def build_vgg16_bn(pretrained: bool = False, vgg_pool: int = 1) -> tuple[nn.Module, int]:
    """VGG16 with batch norm after every conv (torchvision's vgg16_bn), otherwise as build_vgg16.

    The demo trains from scratch on CPU for a few epochs; plain VGG16 barely moves from its
    random start in that budget, while the batch-normalised variant learns.
    """
    if vgg_pool not in (1, 7):
        raise ValueError(f"vgg_pool must be 1 or 7, got {vgg_pool!r}")
    features = _vgg16_features(pretrained, batch_norm=True)
    return nn.Sequential(features, nn.AdaptiveAvgPool2d(vgg_pool), nn.Flatten()), 512 * vgg_pool * vgg_pool


def _build_resnet(name: str, pretrained: bool) -> tuple[nn.Module, int]:
    resnet = _torchvision_model(name, pretrained)
    feature_dim = resnet.fc.in_features
    resnet.fc = nn.Identity()  # keep torchvision's global average pool; features [B, 512|2048]
    return resnet, feature_dim


# ResNet builders share the VGG builder's signature; vgg_pool does not apply (global average pool).
def build_resnet18(pretrained: bool = False, vgg_pool: int = 1) -> tuple[nn.Module, int]:
    return _build_resnet("resnet18", pretrained)


def build_resnet34(pretrained: bool = False, vgg_pool: int = 1) -> tuple[nn.Module, int]:
    return _build_resnet("resnet34", pretrained)


def build_resnet50(pretrained: bool = False, vgg_pool: int = 1) -> tuple[nn.Module, int]:
    return _build_resnet("resnet50", pretrained)
