"""Shrink params.yaml in place so the whole stage graph runs in a few minutes (CI only)."""
import sys

import yaml

TINY = {
    "ingest": {"partitions": 3},  # the end-to-end run goes through dataset folders (docs/scale.md)
    "demo": {"accounts": 4, "posts": 160, "deepfashion_images": 240, "image_size": 64, "comments_mean": 2},
    "embed": {"vector_size": 32, "epochs": 3, "min_count": 1},
    "images": {"image_size": 32},
    "train": {"epochs": 2, "batch_size": 16, "fc_width": 64},
}

path = sys.argv[1]
with open(path, encoding="utf-8") as fh:
    params = yaml.safe_load(fh)
for section, values in TINY.items():
    for key, value in values.items():
        if key not in params[section]:
            raise SystemExit(f"{path}: {section}.{key} missing; update .ci/shrink_params.py")
        params[section][key] = value
with open(path, "w", encoding="utf-8") as fh:
    yaml.safe_dump(params, fh, sort_keys=False)
