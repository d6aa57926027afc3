"""Backbones and (dynamic) heads: images + hints -> category / attribute / subcategory scores."""
from fashion.models.backbones import PretrainedWeightsError, pretrained_path
from fashion.models.heads import BaseHead, CategoryHead, LayersHead, PruningHead
from fashion.models.labels import Hints, LabelSpace, LabelSpaceError
from fashion.models.model import FashionModel, count_parameters
from fashion.models.registry import BACKBONES, HEADS, available_models, get_model

__all__ = [
    "BACKBONES",
    "HEADS",
    "BaseHead",
    "CategoryHead",
    "FashionModel",
    "Hints",
    "LabelSpace",
    "LabelSpaceError",
    "LayersHead",
    "PretrainedWeightsError",
    "PruningHead",
    "available_models",
    "count_parameters",
    "get_model",
    "pretrained_path",
]
