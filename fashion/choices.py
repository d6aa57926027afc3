"""The names every setting may take, in one place: params.yaml validation (fashion.params), the
CLI flags and the libraries all read these tuples, so a new loss or backbone is added once.

Pure data: importing it costs nothing and pulls no library (every stage imports it through
fashion.params, so it is in every stage's DVC deps).
"""
from __future__ import annotations

DATASETS = ("deepfashion", "instagram")
BACKBONES = ("vgg16", "vgg16_bn", "resnet18", "resnet34", "resnet50")  # fashion.models.registry builds these
HEADS = ("base", "pruning", "layers")                                  # fashion.models.registry.HEADS
RUN_NAMES = tuple(f"{backbone}-{head}" for backbone in BACKBONES for head in HEADS)  # models/<dataset>/<run>

# training (fashion.train)
LOSSES = ("mse", "bce")
LOSS_REDUCTIONS = ("mean", "sum")
NORMALIZATIONS = ("train", "imagenet")
DEVICES = ("auto", "cpu", "cuda")
SCHEDULES = ("constant", "cosine")
AUGMENTS = ("none", "flip", "flip_shift")

# hints (fashion.data.hints): "paper" resolves per dataset (truth for DeepFashion, text for Instagram)
HINT_SOURCES = ("truth", "text", "predicted", "none")
HINT_SETTINGS = ("paper",) + HINT_SOURCES
LABEL_SOURCES = ("truth", "text")        # params `labels`: Instagram training/eval targets

# data and text
RANGE_SOURCES = ("truth", "ontology")    # ranges.instagram_source
EMBED_MODELS = ("word2vec", "fasttext")
LANGUAGE_DETECTORS = ("lingua", "stopwords")  # normalize.language_detector
RANK_FORMULAS = ("multiplicative", "linear")
TERM_WEIGHTINGS = ("tfidf", "idf", "none")

# scale-out (fashion.scale.engine): where the per-partition work of normalize / rank / predict runs
ENGINES = ("local", "dask")

# recommendations (fashion.recommend): the implicit model behind recommend.model
RECOMMENDERS = ("als", "bpr")
