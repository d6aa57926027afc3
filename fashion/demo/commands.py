"""`fashion demo-data --out data/raw --seed N --accounts N --posts N --deepfashion-images N --image-size N ...`."""
from __future__ import annotations

import argparse
import sys
import time



def register(subparsers) -> None:
    from fashion.demo.generate import DemoConfig

    d = DemoConfig()
    parser = subparsers.add_parser(
        "demo-data", help="generate the demo world (Instagram dump + DeepFashion set)",
        description="Writes OUT/instagram (Instaloader layout + annotations.json), OUT/deepfashion "
                    "(benchmark formats) and OUT/demo_manifest.json. Same arguments -> identical files.")
    parser.add_argument("--out", required=True, help="output folder (e.g. data/raw)")
    parser.add_argument("--seed", type=int, default=d.seed)
    parser.add_argument("--accounts", type=int, default=d.accounts)
    parser.add_argument("--posts", type=int, default=d.posts)
    parser.add_argument("--deepfashion-images", type=int, default=d.deepfashion_images)
    parser.add_argument("--image-size", type=int, default=d.image_size, help="side of the JPEGs in pixels")
    parser.add_argument("--video-rate", type=float, default=d.video_rate)
    parser.add_argument("--carousel-rate", type=float, default=d.carousel_rate)
    parser.add_argument("--unnamed-item-rate", type=float, default=d.unnamed_item_rate,
                        help="share of pictured items the text never names")
    parser.add_argument("--phantom-item-rate", type=float, default=d.phantom_item_rate,
                        help="named-but-not-pictured items per pictured item")
    parser.add_argument("--comments-mean", type=float, default=d.comments_mean)
    for name, what in (("no-outfit-rate", "share of posts without an outfit (food, travel, hair)"),
                       ("everyday-rate", "share of texts with everyday words that are brand or item names"),
                       ("negation-rate", "share of captions negating a garment not in the picture"),
                       ("brand-name-rate", "per branded item: named by display name or in a where-from reply")):
        parser.add_argument(f"--{name}", type=float, default=getattr(d, name.replace("-", "_")), help=what)
    parser.add_argument("--ontology", default="ontology", help="ontology folder")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from fashion.demo.generate import DemoConfig, generate_demo
    from fashion.ontology import OntologyError, load_ontology

    config = DemoConfig(seed=args.seed, accounts=args.accounts, posts=args.posts,
                        deepfashion_images=args.deepfashion_images, image_size=args.image_size,
                        video_rate=args.video_rate, carousel_rate=args.carousel_rate,
                        unnamed_item_rate=args.unnamed_item_rate, phantom_item_rate=args.phantom_item_rate,
                        comments_mean=args.comments_mean, no_outfit_rate=args.no_outfit_rate,
                        everyday_rate=args.everyday_rate, negation_rate=args.negation_rate,
                        brand_name_rate=args.brand_name_rate)
    try:
        config.validate()
        ontology = load_ontology(args.ontology)
        started = time.perf_counter()
        manifest = generate_demo(config, args.out, ontology, progress=not args.no_progress)
    except (ValueError, OntologyError) as exc:
        print(f"fashion demo-data: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"fashion demo-data: cannot write {args.out}: {exc.strerror or exc} ({exc.filename or args.out})",
              file=sys.stderr)
        return 1
    ig, df = manifest["counts"]["instagram"], manifest["counts"]["deepfashion"]
    print(f"demo-data: {ig['posts']} posts ({ig['images']} images, {ig['comments']} comments), "
          f"{df['images']} DeepFashion images -> {args.out} in {time.perf_counter() - started:.1f}s")
    return 0
