"""params.yaml: the one source of defaults, read and checked for meaning in one place.

Every stage script and every CLI command that takes `--params` calls `load_params`, which checks
the WHOLE file against `SCHEMA` before any work starts, so a bad value in `train` fails the
first stage (`demo_data`), not the training stage an hour later. An error names its key and the
reason: ``params.yaml: beta: expected a number >= 0, got 'abc'``. Library configs validate their
own fields with `check` (same rules, same messages), so a CLI flag is held to the rule of the
key it overrides.
"""
from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from fashion import choices

DEFAULT_PATH = "params.yaml"


class ParamsError(ValueError):
    """A params value (or a setting that stands for one) breaks its rule; names the key."""


@dataclass(frozen=True)
class Rule:
    kind: str                                   # int | number | bool | str | choice | paths | floors
    low: float | None = None                    # inclusive lower bound (int / number)
    high: float | None = None                   # upper bound (int / number)
    high_open: bool = False                     # high itself is not allowed
    low_open: bool = False                      # low itself is not allowed
    options: tuple = ()                         # choice
    why: str = ""                               # shown with a violated bound

    def describe(self) -> str:
        if self.kind == "choice":
            return "one of " + ", ".join(map(str, self.options))
        if self.kind == "paths":
            return "a non-empty list of paths"
        if self.kind == "floors":
            return "a mapping of facet names to numbers >= 0"
        noun = {"int": "an integer", "number": "a number", "bool": "true or false", "str": "a string"}[self.kind]
        bounds = []
        if self.low is not None:
            bounds.append(f"{'>' if self.low_open else '>='} {self.low:g}")
        if self.high is not None:
            bounds.append(f"{'<' if self.high_open else '<='} {self.high:g}")
        return noun + (" " + " and ".join(bounds) if bounds else "")


def _int(low: float | None = None, high: float | None = None) -> Rule:
    return Rule("int", low, high)


def _num(low: float | None = None, high: float | None = None, high_open: bool = False, low_open: bool = False,
         why: str = "") -> Rule:
    return Rule("number", low, high, high_open, low_open, why=why)


def _choice(options: tuple) -> Rule:
    return Rule("choice", options=tuple(options))


SHARE = _num(0.0, 1.0)
COUNT = _int(1)
BOOL = Rule("bool")

# key (dotted) -> rule. Every key params.yaml may hold; an unknown key is an error (a typo such as
# `train.epoch` would otherwise be ignored and the default silently used).
SCHEMA: dict[str, Rule] = {
    "seed": _int(0),
    # negative boosts would push the hinted rows below the unhinted ones: the opposite of a hint
    "alpha": _num(0.0, why="a boost for the hinted attribute; negative values would demote it"),
    "beta": _num(0.0, why="a boost for the hinted category's range; negative values would demote it"),
    "demo.seed": _int(0),
    "demo.accounts": COUNT,
    "demo.posts": COUNT,
    "demo.deepfashion_images": COUNT,
    "demo.image_size": _int(16),
    "demo.video_rate": SHARE,
    "demo.carousel_rate": SHARE,
    "demo.unnamed_item_rate": SHARE,
    "demo.phantom_item_rate": SHARE,
    "demo.comments_mean": _num(0.0),
    "demo.no_outfit_rate": SHARE,
    "demo.everyday_rate": SHARE,
    "demo.negation_rate": SHARE,
    "demo.brand_name_rate": SHARE,
    "demo.preference_drift": SHARE,
    "ingest.paths": Rule("paths"),
    "ingest.max_image_pixels": COUNT,
    "ingest.partitions": COUNT,
    "engine": _choice(choices.ENGINES),
    "dask.scheduler": Rule("str"),
    "dask.workers": COUNT,
    "dask.retries": _int(0),
    "normalize.workers": COUNT,
    "normalize.min_hashtag_len_to_segment": COUNT,
    "normalize.max_hashtag_len_to_segment": COUNT,
    "normalize.min_corpus_count": COUNT,
    "normalize.chunk_texts": COUNT,
    "normalize.row_group_rows": COUNT,
    "normalize.dedupe_cache": _int(0),
    "normalize.dedupe_max_chars": _int(0),
    "normalize.batch_tokenize": COUNT,
    "normalize.language_detector": _choice(choices.LANGUAGE_DETECTORS),
    "embed.model": _choice(choices.EMBED_MODELS),
    "embed.vector_size": COUNT,
    "embed.window": COUNT,
    "embed.epochs": COUNT,
    "embed.min_count": COUNT,
    "embed.sg": _choice((0, 1)),
    "embed.workers": COUNT,
    "embed.similarity_tsv": Rule("str"),
    "rank.formula": _choice(choices.RANK_FORMULAS),
    "rank.top_k": COUNT,
    "rank.w_cosine": _num(0.0),
    "rank.w_tfidf": _num(0.0),
    "rank.w_term": _num(0.0),
    "rank.w_concept": _num(0.0),
    "rank.per_token_terms": COUNT,
    "rank.min_cosine": _num(-1.0, 1.0),
    "rank.max_edit_ratio": SHARE,
    "rank.min_fuzzy_len": COUNT,
    "rank.exact_boost": _num(0.0),
    "rank.term_weighting": _choice(choices.TERM_WEIGHTINGS),
    "rank.min_cosine_quantile": _num(0.0, 1.0, high_open=True),
    "rank.min_relative_score": SHARE,
    "rank.remove_components": _int(0),
    "rank.caption_weight": _num(0.0),
    "rank.comment_weight": _num(0.0),
    "rank.usertags_weight": _num(0.0),
    "rank.hashtags_weight": _num(0.0),
    "rank.batch_posts": COUNT,
    "rank.brand_cosine": BOOL,
    "rank.brand_concept_min": SHARE,
    "rank.min_score_multiplicative": Rule("floors"),
    "rank.min_score_linear": Rule("floors"),
    "ranges.instagram_source": _choice(choices.RANGE_SOURCES),
    "images.image_size": _int(8),
    "images.crop_bbox": BOOL,
    "images.instagram_center_width": _num(0.0, 1.0, low_open=True),
    "images.val_share": _num(0.0, 1.0, high_open=True, low_open=True),
    "images.max_image_pixels": COUNT,
    "images.workers": COUNT,
    "images.deepfashion_limit": _int(0),
    "labels": _choice(choices.LABEL_SOURCES),
    "hints.source": _choice(choices.HINT_SETTINGS),
    "hints.rate": SHARE,
    "hints.attribute_rate": SHARE,
    "train.epochs": COUNT,
    "train.batch_size": COUNT,
    "train.lr": _num(0.0, low_open=True),
    "train.momentum": _num(0.0, 1.0, high_open=True),
    "train.weight_decay": _num(0.0),
    "train.fc_width": COUNT,
    "train.loss": _choice(choices.LOSSES),
    "train.loss_reduction": _choice(choices.LOSS_REDUCTIONS),
    "train.schedule": _choice(choices.SCHEDULES),
    "train.warmup_epochs": _num(0.0),
    "train.prior_bias": BOOL,
    "train.augment": _choice(choices.AUGMENTS),
    "train.amp": BOOL,
    "train.normalization": _choice(choices.NORMALIZATIONS),
    "train.device": _choice(choices.DEVICES),
    "train.pretrained": BOOL,
    "report.tolerance_pp": _num(0.0),
    "report.vgg_backbone": _choice(choices.BACKBONES),
    "report.resnet_backbone": _choice(choices.BACKBONES),
    "report.per_class_sample": COUNT,
    "predict.run": _choice(choices.RUN_NAMES),
    "predict.base_run": _choice(choices.RUN_NAMES),
    "predict.top_k": COUNT,
    "predict.text_weight": SHARE,
    "predict.hint_categories": _int(0),
    "predict.bootstrap": _int(10),
    "predict.batch_size": COUNT,
    "predict.max_image_pixels": COUNT,
    "predict.max_images": COUNT,
    "predict.max_upload_bytes": _int(1024),
    "predict.max_caption_chars": COUNT,
    "predict.max_comments": _int(0),
    "profiles.min_score": _num(0.0, 1.0, low_open=True, why="a predicted label scoring 0 is no label"),
    "profiles.batch_rows": COUNT,
    "recommend.model": _choice(choices.RECOMMENDERS),
    "recommend.factors": COUNT,
    "recommend.iterations": COUNT,
    "recommend.regularization": _num(0.0),
    "recommend.alpha": _num(0.0),
    "recommend.learning_rate": _num(0.0, low_open=True),
    "recommend.neighbours": COUNT,
    "recommend.top_n": COUNT,
    "recommend.k": COUNT,
    "recommend.holdout_share": _num(0.0, 1.0, high_open=True, low_open=True),
    "recommend.bootstrap": _int(10),
    "recommend.similar_accounts": COUNT,
    "lookbook.thumbnails": COUNT,
    "lookbook.thumb_size": _int(16),
    "lookbook.bars": COUNT,
}
SECTIONS = sorted({key.split(".")[0] for key in SCHEMA if "." in key})


def check(key: str, value: Any, where: str = DEFAULT_PATH) -> Any:
    """`value` if it keeps SCHEMA[key]'s rule, else ParamsError naming `where: key`."""
    rule = SCHEMA[key]

    def fail(expected: str) -> ParamsError:
        return ParamsError(f"{where}: {key}: expected {expected}, got {value!r}")

    if rule.kind == "choice":
        if isinstance(value, bool) or value not in rule.options:
            raise fail(rule.describe())
        return value
    if rule.kind == "bool":
        if not isinstance(value, bool):
            raise fail(rule.describe())
        return value
    if rule.kind == "str":
        if not isinstance(value, str):
            raise fail(rule.describe())
        return value
    if rule.kind == "paths":
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
            raise fail(rule.describe())
        return value
    if rule.kind == "floors":
        if not isinstance(value, dict) or not all(
                isinstance(k, str) and not isinstance(v, bool) and isinstance(v, (int, float))
                and math.isfinite(v) and v >= 0 for k, v in value.items()):
            raise fail(rule.describe())
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise fail(rule.describe())
    if rule.kind == "int" and not (isinstance(value, int) or float(value).is_integer()):
        raise fail(rule.describe())
    if not math.isfinite(value):
        raise fail(rule.describe())
    too_low = rule.low is not None and (value <= rule.low if rule.low_open else value < rule.low)
    too_high = rule.high is not None and (value >= rule.high if rule.high_open else value > rule.high)
    if too_low or too_high:
        raise fail(rule.describe() + (f" ({rule.why})" if rule.why else ""))
    return value


def validate(params: dict[str, Any], where: str = DEFAULT_PATH) -> None:
    """Check every key of `params` (missing keys are the reading stage's concern: it names them)."""
    for name, value in params.items():
        if isinstance(value, dict) and name in SECTIONS:
            for key, inner in value.items():
                _check_known(f"{name}.{key}", inner, where)
        else:
            _check_known(name, value, where)


def _check_known(key: str, value: Any, where: str) -> None:
    if key not in SCHEMA:
        close = difflib.get_close_matches(key, SCHEMA, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise ParamsError(f"{where}: {key}: unknown key{hint}; known keys are listed in fashion/params.py SCHEMA")
    check(key, value, where)


def load_params(path: str | Path = DEFAULT_PATH) -> dict[str, Any]:
    """Read and validate params.yaml; a problem is a SystemExit with one line naming file and key."""
    path = Path(path)
    if not path.is_file():
        raise SystemExit(f"{path}: not found (run from the repo root, or pass --params)")
    try:
        with path.open(encoding="utf-8") as fh:
            params = yaml.safe_load(fh) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise SystemExit(f"{path}: not valid YAML ({error})") from None
    if not isinstance(params, dict):
        raise SystemExit(f"{path}: top level must be a mapping")
    try:
        validate(params, str(path))
    except ParamsError as error:
        raise SystemExit(str(error)) from None
    return params


def load_optional(path: str | Path | None) -> dict[str, Any] | None:
    """CLI defaults: the validated params file, or None when the default file is absent (the CLI
    then keeps the library defaults, which tests hold equal to params.yaml). An explicitly named
    file that is missing is an error."""
    if path is None:
        return None
    if str(path) == DEFAULT_PATH and not Path(path).is_file():
        return None
    return load_params(path)


def section(params: dict[str, Any], name: str) -> dict[str, Any]:
    """Return params[name], failing with a message that names the missing key."""
    if name not in params or not isinstance(params[name], dict):
        raise SystemExit(f"params.yaml: missing section '{name}'")
    return params[name]


def value(params: dict[str, Any], key: str) -> Any:
    """params at a dotted key ("train.epochs"), failing with the key named when it is absent."""
    node: Any = params
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise SystemExit(f"params.yaml: missing key {key}")
        node = node[part]
    return node


def add_params_flag(parser, help_text: str = "") -> None:
    """The `--params PATH` flag the CLI commands share."""
    parser.add_argument("--params", default=DEFAULT_PATH, metavar="PATH",
                        help=help_text or f"defaults from this params file (default {DEFAULT_PATH}; "
                        "absent default file: built-in defaults, which equal the committed params.yaml)")

