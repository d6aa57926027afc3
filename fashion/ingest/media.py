"""Media checks: the file is there, inside the dump, non-empty, and (images) decodes fully within
the pixel cap. Videos are checked for presence and size only; they are never decoded."""
from __future__ import annotations

import contextlib
import os
import stat
import struct
import warnings
from typing import Iterator

from PIL import Image, UnidentifiedImageError

from fashion.ingest.paths import DumpRoot
from fashion.ingest.records import MediaRef


@contextlib.contextmanager
def pixel_cap(max_pixels: int) -> Iterator[None]:
    """PIL's decompression-bomb limit set to `max_pixels`, then restored. PIL refuses images above
    twice the limit itself; check_media rejects those between 1x and 2x (so PIL's warning is muted)."""
    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            yield
    finally:
        Image.MAX_IMAGE_PIXELS = previous


def check_media(root: DumpRoot, ref: MediaRef, max_pixels: int) -> tuple[str, str] | None:
    """None when usable, else (reason code, detail). Call inside `pixel_cap(max_pixels)`."""
    if not root.contains(ref.path):
        return "path_escape", f"{ref.rel} resolves to {os.path.realpath(ref.path)}, outside the dump folder"
    try:
        info = os.stat(ref.path)
    except FileNotFoundError:
        return "media_missing", f"{ref.rel}: not found" + (" (broken link)" if os.path.islink(ref.path) else "")
    except OSError as exc:
        return "media_missing", f"{ref.rel}: {exc.strerror}"
    if not stat.S_ISREG(info.st_mode):
        return "media_missing", f"{ref.rel}: not a regular file"
    if info.st_size == 0:
        return "media_empty", f"{ref.rel}: zero bytes"
    if ref.type != "image":
        return None
    try:
        with Image.open(ref.path) as image:
            width, height = image.size
            if width * height > max_pixels:
                return "media_too_large", f"{ref.rel}: {width}x{height} pixels exceeds max_image_pixels={max_pixels}"
            image.verify()  # structure/CRC checks; the image cannot be used after verify
        with Image.open(ref.path) as image:
            image.load()    # full decode: catches truncated files that verify() lets through
    except Image.DecompressionBombError as exc:
        return "media_too_large", f"{ref.rel}: {exc}"
    except UnidentifiedImageError:
        return "media_not_image", f"{ref.rel}: not an image PIL can identify"
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error) as exc:
        return "media_truncated", f"{ref.rel}: {exc}"
    return None
