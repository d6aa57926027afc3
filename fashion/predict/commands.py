"""`fashion bundle | predict | serve`: apply the trained models without DVC.

    fashion predict IMAGE... [--caption TEXT] [--comment TEXT]... [--hashtag TAG]... [--model DIR] [--json]
    fashion predict --dump PATH... --out DIR
    fashion serve [--host 127.0.0.1] [--port 8000] [--model DIR]

Defaults come from params.yaml (`--params`): the bundle is models/bundles/instagram/<predict.run>.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from fashion.params import add_params_flag, load_optional

VECTORS = "models/embeddings/vectors.npz"


def register(sub) -> None:
    p = sub.add_parser("bundle", help="a training run -> models/bundles/<dataset>/<run>/ (model.pt + bundle.json)")
    p.add_argument("--dataset", default="instagram", choices=("deepfashion", "instagram"))
    p.add_argument("--run", required=True, help="<backbone>-<head>, e.g. resnet18-pruning")
    p.set_defaults(func=_bundle)

    p = sub.add_parser("predict", help="what is in a post (IMAGE... + text), or in every post of a new dump (--dump)")
    p.add_argument("images", nargs="*", metavar="IMAGE", help="the post's image files")
    p.add_argument("--caption", default="")
    p.add_argument("--comment", action="append", default=[], help="a comment (repeatable)")
    p.add_argument("--hashtag", action="append", default=[], help="a post hashtag (repeatable)")
    p.add_argument("--model", default=None, help="bundle folder (default models/bundles/instagram/<predict.run>)")
    p.add_argument("--base-model", default=None, help="--dump: the image-only bundle (default <predict.base_run>)")
    p.add_argument("--vectors", default=VECTORS, help="the embed stage's word vectors")
    p.add_argument("--dump", nargs="+", default=None, metavar="PATH", help="scrape dump(s) to predict whole")
    p.add_argument("--out", default=None, help="--dump: output folder")
    p.add_argument("--json", action="store_true", help="print JSON")
    add_params_flag(p)
    p.set_defaults(func=_predict)

    p = sub.add_parser("serve", help="HTTP service: POST /predict, GET /health, /docs")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--model", default=None, help="bundle folder (default models/bundles/instagram/<predict.run>)")
    p.add_argument("--vectors", default=VECTORS)
    add_params_flag(p)
    p.set_defaults(func=_serve)


def _fail(command: str, error: Exception | str, code: int = 1) -> int:
    print(f"fashion {command}: {error}", file=sys.stderr)
    return code


def _rank_config(params):
    from fashion.params import section
    from fashion.text.config import config_from
    from fashion.text.rank import RankConfig

    return RankConfig() if params is None else config_from(RankConfig, section(params, "rank"), "rank")


def _bundle(args) -> int:
    from fashion.predict.bundle import BundleError, bundle_run

    try:
        print(bundle_run(args.dataset, args.run))
    except BundleError as error:
        return _fail("bundle", error)
    return 0


def _service(args, params):
    from fashion.predict.config import PredictSettings
    from fashion.predict.post import PostPredictor

    settings = PredictSettings.from_params(params)
    return PostPredictor.load(args.model or settings.bundle_dir(), args.vectors, settings, _rank_config(params))


def _predict(args) -> int:
    from fashion.predict.bundle import BundleError
    from fashion.predict.config import PredictError, PredictSettings
    from fashion.predict.post import PostError

    params = load_optional(args.params)
    if args.dump:
        if args.images or not args.out:
            return _fail("predict", "--dump PATH... needs --out DIR and no IMAGE arguments", 2)
        from fashion.predict.dump import predict_dump

        settings = PredictSettings.from_params(params)
        base = args.base_model or settings.bundle_dir(settings.base_run)
        try:
            result = predict_dump(args.dump, args.out, params, settings, args.vectors, args.model or settings.bundle_dir(),
                                  base if Path(base).is_dir() else None)
        except (PredictError, BundleError, ValueError, OSError) as error:
            return _fail("predict", error)
        summary = {k: result["predict"].get(k) for k in ("posts", "rows", "images", "evaluated_posts", "run")}
        summary["variants"] = result["predict"].get("variants", {})
        print(json.dumps(summary, indent=None if args.json else 2))
        return 0
    if not (args.images or args.caption or args.comment or args.hashtag):
        return _fail("predict", "give IMAGE files and/or --caption/--comment/--hashtag (or --dump PATH... --out DIR)", 2)
    started = time.perf_counter()
    try:
        service = _service(args, params)
    except (BundleError, FileNotFoundError, ValueError) as error:
        return _fail("predict", error)
    loaded = time.perf_counter()
    try:
        result = service.predict(args.images, args.caption, args.comment, args.hashtag)
    except PostError as error:
        return _fail("predict", error)
    result["seconds"]["startup"] = round(loaded - started, 6)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    print(f"run {result['run']}; hint {', '.join(result['hint_categories']) or 'none'}"
          f"{' / ' + result['hint_subcategory'] if result['hint_subcategory'] else ''}")
    for entry in result["images"]:
        print(f"image {entry['image'] if entry['image'] is not None else '-'}")
        for facet in ("categories", "subcategories", "attributes", "brands", "styles"):
            shown = ", ".join(
                (f"{e['group']}:" if "group" in e else "") + f"{e['label']} {e['score']:.2f}"
                + (f" ({e['source']})" if "source" in e else "") for e in entry[facet]) or "-"
            print(f"  {facet:14s} {shown}")
    return 0


def _serve(args) -> int:
    from fashion.predict.bundle import BundleError
    from fashion.predict.serve import serve

    try:
        service = _service(args, load_optional(args.params))
    except (BundleError, FileNotFoundError, ValueError) as error:
        return _fail("serve", error)
    serve(service, args.host, args.port)
    return 0
