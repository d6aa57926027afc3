"""DVC stage `demo_data`: params.yaml `demo` -> data/raw/{instagram,deepfashion,demo_manifest.json}."""
from __future__ import annotations

import time

from fashion.demo import DemoConfig, generate_demo
from fashion.ontology import load_ontology
from fashion.params import load_params, section

OUT = "data/raw"


def main() -> int:
    try:
        config = DemoConfig.from_params(section(load_params(), "demo"))
    except ValueError as exc:
        raise SystemExit(f"params.yaml: {exc}") from None
    started = time.perf_counter()
    try:
        manifest = generate_demo(config, OUT, load_ontology())
    except OSError as exc:
        raise SystemExit(f"demo_data: cannot write {OUT}: {exc.strerror or exc} ({exc.filename or OUT})") from None
    ig, df = manifest["counts"]["instagram"], manifest["counts"]["deepfashion"]
    # Generation time is printed, never written: the outputs must stay byte-identical.
    print(f"demo_data: {ig['posts']} posts ({ig['images']} images, {ig['comments']} comments), "
          f"{df['images']} DeepFashion images -> {OUT} in {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
