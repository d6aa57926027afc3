"""Decode one image file into a small square uint8 array (optionally cropped to a bbox first).

Kept free of pandas/pyarrow so that spawned decoder processes start quickly.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

ORIENTATION_TAG = 0x0112          # EXIF Orientation
SWAPS_AXES = {5, 6, 7, 8}          # orientations shown rotated by 90 degrees


class ImageRejected(Exception):
    """An image that cannot enter the benchmark; `reason` is a short code for the summary."""

    def __init__(self, reason: str, detail: str = ""):
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


@dataclass(frozen=True)
class DecodeJob:
    path: str
    bbox: tuple[int, int, int, int] | None  # x1, y1, x2, y2 in original pixels; None = whole image
    center_width: float = 1.0  # without a bbox: keep this share of the width around the centre
    exif_transpose: bool = False  # decode as displayed (EXIF Orientation applied), not as stored


def safe_join(root: str | os.PathLike, relative: str) -> Path | None:
    """root/relative, or None when the relative path is empty, absolute, has a drive, or climbs
    out of root. Lexical on purpose: symlinks are not resolved, so an image folder linked in
    from another disk (common for DeepFashion's img/) is fine."""
    if not relative or os.path.isabs(relative):
        return None
    normal = os.path.normpath(relative)
    if (os.path.isabs(normal) or os.path.splitdrive(normal)[0] or normal in (os.curdir, os.pardir)
            or normal.startswith(os.pardir + os.sep)):
        return None
    return Path(root) / normal


def _orientation(img: Image.Image) -> int:
    try:
        value = img.getexif().get(ORIENTATION_TAG, 1)
    except Exception:  # a broken EXIF block does not spoil the pixels: show them as stored
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _crop_box(bbox, width: int, height: int, center_width: float = 1.0) -> tuple[int, int, int, int]:
    if bbox is None:
        margin = int(round(width * (1.0 - center_width) / 2.0)) if center_width < 1.0 else 0
        return margin, 0, max(margin + 1, width - margin), height
    x1, y1, x2, y2 = bbox
    x1, y1 = max(0, x1), max(0, y1)
    x2, y2 = min(width, x2), min(height, y2)
    if x2 <= x1 or y2 <= y1:
        raise ImageRejected("bad_bbox", f"{tuple(bbox)} is empty inside a {width}x{height} image")
    return x1, y1, x2, y2


def decode_image(path: str | os.PathLike, size: int, bbox=None, max_pixels: int = 40_000_000,
                 center_width: float = 1.0, exif_transpose: bool = False) -> np.ndarray:
    """-> uint8 [size, size, 3]: RGB, cropped to bbox (clamped to the image) or, without one, to the
    central `center_width` share of the width (full height), resized (no padding).

    exif_transpose: turn the picture as its EXIF Orientation says first (phone photos); bbox and
    center_width then refer to the displayed picture. Off for DeepFashion, whose bboxes are in
    stored-pixel coordinates."""
    if not 0.0 < center_width <= 1.0:
        raise ValueError(f"center_width must be in (0, 1], got {center_width!r}")
    previous_cap = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = max_pixels  # PIL's own bomb guard too; restored so callers keep theirs
    try:
        with Image.open(path) as img:  # reads the header only
            width, height = img.size  # stored size, from the header: the cap holds before decoding
            if width * height > max_pixels:
                raise ImageRejected("too_many_pixels", f"{width}x{height} > {max_pixels}")
            orientation = _orientation(img) if exif_transpose else 1
            swapped = orientation in SWAPS_AXES
            shown_w, shown_h = (height, width) if swapped else (width, height)
            x1, y1, x2, y2 = _crop_box(bbox, shown_w, shown_h, center_width)
            if img.format == "JPEG":
                # Let libjpeg decode at 1/2..1/8 scale while the crop still exceeds the target size.
                want = (math.ceil(shown_w * size / (x2 - x1)), math.ceil(shown_h * size / (y2 - y1)))
                img.draft("RGB", want[::-1] if swapped else want)
                scale_x, scale_y = img.size[0] / width, img.size[1] / height
                if swapped:
                    scale_x, scale_y = scale_y, scale_x
                x1, x2 = math.floor(x1 * scale_x), max(math.floor(x1 * scale_x) + 1, math.ceil(x2 * scale_x))
                y1, y2 = math.floor(y1 * scale_y), max(math.floor(y1 * scale_y) + 1, math.ceil(y2 * scale_y))
            shown = ImageOps.exif_transpose(img) if orientation != 1 else img
            rgb = shown.convert("RGB").crop((x1, y1, x2, y2))
            small = rgb.resize((size, size), Image.Resampling.BILINEAR)
            return np.asarray(small, dtype=np.uint8)  # [size, size, 3]
    except ImageRejected:
        raise
    except FileNotFoundError:
        raise ImageRejected("missing_file", str(path)) from None
    except Image.DecompressionBombError as exc:
        raise ImageRejected("too_many_pixels", str(exc)) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageRejected("unreadable", f"{type(exc).__name__}: {exc}") from None
    finally:
        Image.MAX_IMAGE_PIXELS = previous_cap


def decode_job(job_and_settings: tuple[DecodeJob, int, int]) -> tuple[np.ndarray | None, str, str]:
    """Process-pool entry point: -> (pixels [size, size, 3] or None, reason, detail)."""
    job, size, max_pixels = job_and_settings
    try:
        return decode_image(job.path, size, job.bbox, max_pixels, job.center_width, job.exif_transpose), "", ""
    except ImageRejected as rejected:
        return None, rejected.reason, rejected.detail
