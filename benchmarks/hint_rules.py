"""Predicted-hint rules on the trained DeepFashion models (an analysis script, not a test).

The leakage-free protocol hints each DeepFashion image with the model's own top-1 category. This
script scores the dynamic models' attributes again with other rules for turning the category
scores [B,K] into hints, and prints the attribute P@3 gain over the label-frequency baseline with
its 95 % paired-bootstrap interval (fashion.metrics.gain_over_frequency_baseline, seeded by `seed`
as the run metrics are). The rules:
    top1        the protocol's rule (equals leakage_free in metrics/deepfashion/*.json)
    top2, top3  the k best-scoring categories (pruning: union of ranges; layers: max over layers)
    share0.3    top-1 when its share of the summed scores is >= 0.3, else no hint
    none        no hint at all
The rules are fashion.data.hints.PREDICTED_RULES, the registry the protocols use.

Needs `dvc repro` first (reads params.yaml, data/processed/ and models/deepfashion/).
Usage: python benchmarks/hint_rules.py [--rules top1 top2 top3 share0.3 none] [--backbones vgg16_bn resnet18]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from fashion import metrics  # noqa: E402
from fashion import train as T  # noqa: E402
from fashion.data import transforms as TX  # noqa: E402
from fashion.data.hints import predicted_rule  # noqa: E402
from fashion.params import load_params  # noqa: E402
from fashion.train.forward import predicted_hints  # noqa: E402
from fashion.train.stage import PROCESSED  # noqa: E402


def attribute_scores(model, bench, space, normalize, rule: str, batch_size: int) -> np.ndarray:
    """Attribute scores [N,P] with category hints from the model's own scores under `rule`
    (fashion.data.hints.PREDICTED_RULES)."""
    out = np.zeros((len(bench.images), space.num_attributes), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, len(bench.images), batch_size):
            index = np.arange(start, min(start + batch_size, len(bench.images)))
            features = model.encode(normalize(bench.images[index]))
            category = model.decode(features, None)["category"].float()  # hint-independent
            hints = predicted_hints(category, space, rule)
            out[index] = model.decode(features, hints)["attributes"].float().numpy()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rules", nargs="+", default=["top1", "top2", "top3", "share0.3", "none"])
    parser.add_argument("--backbones", nargs="+", default=["vgg16_bn", "resnet18"])
    args = parser.parse_args()
    for rule in args.rules:
        predicted_rule(rule)  # an unknown rule fails before any model is loaded
    params = load_params()
    inputs = T.load_inputs(PROCESSED, "deepfashion")
    frequency = T.attribute_frequency(inputs.train)
    print(f"DeepFashion val ({len(inputs.val.images)} images): attribute P@3 gain over the label-frequency "
          f"baseline, pp [95 %], seed {params['seed']}")
    for backbone in args.backbones:
        for head in ("pruning", "layers"):
            config = T.TrainConfig.from_params(params, "deepfashion", backbone, head)
            model_dir = REPO / "models" / "deepfashion" / config.run_name
            if not (model_dir / "model.pt").is_file():
                raise SystemExit(f"{model_dir}/model.pt: missing; run `dvc repro` first")
            model = T.build_model(config, inputs.space)
            model.load_state_dict(torch.load(model_dir / "model.pt", weights_only=True))
            normalization = json.loads((model_dir / "model.json").read_text())["normalization"]
            normalize = TX.Normalizer(normalization["mean"], normalization["std"], torch.device("cpu"))
            cells = []
            for rule in args.rules:
                scores = attribute_scores(model.eval(), inputs.val, inputs.space, normalize, rule, config.eval_batch_size)
                gain = metrics.gain_over_frequency_baseline(scores, inputs.val.attributes, frequency, k=3,
                                                            seed=config.seed)
                cells.append(f"{rule} {gain['p@3'] * 100:+.1f} [{gain['p@3_low'] * 100:+.1f}, "
                             f"{gain['p@3_high'] * 100:+.1f}]")
            print(f"  {config.run_name:18} " + "  ".join(cells), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
