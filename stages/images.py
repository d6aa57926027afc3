"""DVC stage `images`: decode, crop, resize -> data/processed/images/<dataset>/{images.npy,index.parquet,summary.json}."""
from __future__ import annotations

from fashion.data.errors import DataError
from fashion.data.stage import TRUTH, ImagesConfig, existing, run_images
from fashion.params import load_params


def main() -> None:
    config = ImagesConfig.from_params(load_params())
    try:
        run_images(config, truth=existing(TRUTH))
    except DataError as exc:
        raise SystemExit(f"images: {exc}") from None
    except OSError as exc:
        raise SystemExit(f"images: {exc.filename}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise SystemExit(f"images: {exc}") from None


if __name__ == "__main__":
    main()
