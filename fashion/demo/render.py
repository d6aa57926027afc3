"""Rasterise garment drawings onto a model and encode deterministic JPEGs (numpy + PIL only).

Vector layers are drawn with PIL at 2x and box-filtered down (anti-aliasing); textures are
whole-grid numpy expressions from `fashion.demo.textures`. Nothing here loops over pixels.
"""
from __future__ import annotations

import functools
import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from fashion.demo import silhouettes as geo
from fashion.demo import textures as tx

SUPERSAMPLE = 2
JPEG_QUALITY = 90

SKIN_TONES = ((0.96, 0.80, 0.69), (0.90, 0.72, 0.58), (0.78, 0.57, 0.42), (0.55, 0.38, 0.26), (0.36, 0.24, 0.16))
HAIR_COLOURS = ((0.10, 0.07, 0.05), (0.35, 0.22, 0.12), (0.78, 0.62, 0.35), (0.55, 0.20, 0.10), (0.2, 0.2, 0.2))

# Paint order of zones: what is drawn later covers what was drawn earlier.
ZONE_ORDER = {**{k: 0 for k in geo.LEG_KINDS}, **{k: 1 for k in geo.LOWER_KINDS}, **{k: 1 for k in geo.FULL_KINDS},
              **{k: 2 for k in geo.SHOE_KINDS}, **{k: 3 for k in geo.UPPER_KINDS}, **{k: 4 for k in geo.OUTER_KINDS},
              **{k: 5 for k in geo.ACCESSORY_KINDS}, **{k: 6 for k in geo.BAG_KINDS}}


@dataclass(frozen=True)
class Camera:
    """Maps figure coordinates to pixels: px = centre_x + x * scale, py = top + y * scale."""

    size: int
    scale: float
    centre_x: float
    top: float

    def to_px(self, x: float, y: float) -> tuple[float, float]:
        return ((self.centre_x + x * self.scale) * SUPERSAMPLE, (self.top + y * self.scale) * SUPERSAMPLE)


def frame(size: int, y0: float, y1: float, rng: np.random.Generator, fill: float = 0.9,
          jitter: float = 0.04, zoom: tuple[float, float] = (0.95, 1.05)) -> Camera:
    """A camera showing figure rows y0..y1 over about `fill` of the image height, jittered."""
    scale = size * fill / (y1 - y0) * float(rng.uniform(*zoom))
    centre = size / 2 + float(rng.uniform(-jitter, jitter)) * size
    top = (size - (y1 - y0) * scale) / 2 - y0 * scale + float(rng.uniform(-jitter, jitter)) * size
    return Camera(size, scale, centre, top)


def rasterise(ops: list[geo.Op], cam: Camera) -> np.ndarray:
    """Coverage mask [S,S] float32 in 0..1 of a layer's ops (cuts erase)."""
    big = cam.size * SUPERSAMPLE
    img = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(img)
    for op in ops:
        ink = 0 if op.cut else 255
        if op.kind == "poly":
            draw.polygon([cam.to_px(x, y) for x, y in op.points], fill=ink)
        elif op.kind == "ellipse":
            (cx, cy), (rx, ry) = op.points
            x0, y0 = cam.to_px(cx - rx, cy - ry)
            x1, y1 = cam.to_px(cx + rx, cy + ry)
            draw.ellipse([x0, y0, max(x1, x0 + 1), max(y1, y0 + 1)], fill=ink)
        elif op.kind == "line":
            width = max(1, round(op.width * cam.scale * SUPERSAMPLE))
            draw.line([cam.to_px(x, y) for x, y in op.points], fill=ink, width=width, joint="curve")
        elif op.kind == "arc":
            (cx, cy), (rx, ry), (start, end) = op.points
            x0, y0 = cam.to_px(cx - rx, cy - ry)
            x1, y1 = cam.to_px(cx + rx, cy + ry)
            width = max(1, round(op.width * cam.scale * SUPERSAMPLE))
            draw.arc([x0, y0, max(x1, x0 + 1), max(y1, y0 + 1)], start, end, fill=ink, width=width)
        else:
            raise ValueError(f"unknown drawing op {op.kind!r}")
    small = img.resize((cam.size, cam.size), Image.BOX)
    return np.asarray(small, dtype=np.float32) / 255.0


def _erode(mask: np.ndarray) -> np.ndarray:
    """4-neighbour minimum (outside counts as empty)."""
    padded = np.pad(mask, 1)
    return np.minimum.reduce([padded[1:-1, 1:-1], padded[:-2, 1:-1], padded[2:, 1:-1], padded[1:-1, :-2], padded[1:-1, 2:]])


def _region(mask: np.ndarray) -> tuple[slice, slice] | None:
    """Bounding slices of a mask's non-zero pixels (work is limited to them)."""
    rows = np.flatnonzero(mask.max(axis=1) > 0)
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask.max(axis=0) > 0)
    return slice(int(rows[0]), int(rows[-1]) + 1), slice(int(cols[0]), int(cols[-1]) + 1)


def _paint(img: np.ndarray, mask: np.ndarray, colour) -> np.ndarray:
    """Blend a flat colour into `img` (in place) where `mask` covers it."""
    region = _region(mask)
    if region is not None:
        m = mask[region][..., None]
        img[region] = img[region] * (1.0 - m) + np.asarray(colour, np.float32) * m
    return img


@functools.lru_cache(maxsize=8)
def _grids(size: int) -> tuple[np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    yy.setflags(write=False)
    xx.setflags(write=False)
    return yy, xx


@dataclass
class Model:
    """The person wearing the items (varies per account/image)."""

    skin: tuple[float, float, float]
    hair: tuple[float, float, float]
    hair_long: bool
    pose: geo.Pose


def random_model(rng: np.random.Generator) -> Model:
    return Model(
        skin=SKIN_TONES[int(rng.integers(len(SKIN_TONES)))],
        hair=HAIR_COLOURS[int(rng.integers(len(HAIR_COLOURS)))],
        hair_long=bool(rng.random() < 0.6),
        pose=geo.Pose(arm_spread=float(rng.uniform(0.0, 0.035)), leg_spread=float(rng.uniform(0.0, 0.02))),
    )


def paint_item(img: np.ndarray, look: geo.Look, drawing: geo.Drawing, cam: Camera, rng: np.random.Generator,
               skin) -> tuple[np.ndarray, np.ndarray]:
    """Paint one item over `img` (in place); returns the image and the item's opacity mask [S,S]."""
    size = cam.size
    body = rasterise(drawing.layers.get("body", []), cam)
    region = _region(body)
    if region is None:
        return img, body
    yy, xx = _grids(size)
    yy, xx = yy[region], xx[region]
    period = max(3.0, cam.scale * 0.06)
    phase_x, phase_y = rng.uniform(0, period, 2).astype(np.float32)
    base = np.asarray(tx.COLOURS[look.colour], np.float32) * float(rng.uniform(0.9, 1.08))
    accent = np.asarray(tx.COLOURS[look.accent], np.float32)
    colour, pattern_alpha = tx.pattern_map(look.pattern, xx + phase_x, yy + phase_y, period, rng, np.clip(base, 0, 1), accent)
    fin = tx.FINISHES[look.material]
    centre_x = (region[1].start + region[1].stop) / 2
    width = float(region[1].stop - region[1].start)
    light, fin_alpha = tx.surface(fin, xx + phase_x, yy + phase_y, period, centre_x - size * 0.05, width, rng)
    texture = np.clip(colour * light[..., None], 0.0, 1.0)
    local = body[region]
    alpha = local * fin_alpha * pattern_alpha
    edge = np.clip(local - _erode(local), 0, 1) * 0.45  # outline keeps same-colour items apart
    painted = img[region] * (1.0 - alpha[..., None]) + texture * alpha[..., None]
    img[region] = painted * (1.0 - edge[..., None])
    mask = np.zeros_like(body)
    mask[region] = alpha
    if "shade" in drawing.layers:
        shade = rasterise(drawing.layers["shade"], cam) * body
        img *= (1.0 - 0.3 * shade)[..., None]
        mask = np.maximum(mask, shade)
    if "dark" in drawing.layers:
        _paint(img, rasterise(drawing.layers["dark"], cam), base * 0.35)
    if "light" in drawing.layers:
        stitch = (0.88, 0.66, 0.30) if look.material == "denim" else (0.92, 0.92, 0.90)
        _paint(img, rasterise(drawing.layers["light"], cam), stitch)
    if "skin" in drawing.layers:
        _paint(img, rasterise(drawing.layers["skin"], cam), skin)
    return img, mask


def render_outfit(looks: list[geo.Look], cam: Camera, model: Model, rng: np.random.Generator,
                  backdrop: np.ndarray | None = None, with_model: bool = True) -> tuple[np.ndarray, list[np.ndarray]]:
    """Image [S,S,3] float 0..1 of the model wearing `looks`, and each look's VISIBLE mask [S,S].

    Outerwear is drawn open at the front when a top or one-piece is worn under it, so both show.
    """
    size = cam.size
    img = tx.background(rng, size) if backdrop is None else backdrop.copy()
    if with_model:
        body = geo.figure(model.pose, model.hair_long)
        for layer, colour in (("hair", model.hair), ("skin", model.skin), ("fringe", model.hair)):
            _paint(img, rasterise(body.layers[layer], cam), colour)
    has_inner = any(l.kind in geo.UPPER_KINDS or l.kind in geo.FULL_KINDS for l in looks)
    order = sorted(range(len(looks)), key=lambda i: (ZONE_ORDER[looks[i].kind], i))
    masks: list[np.ndarray] = [np.zeros((size, size), np.float32) for _ in looks]
    for i in order:
        look = looks[i]
        open_front = (has_inner and look.kind in geo.OUTER_KINDS) or (look.kind == "cardigan" and rng.random() < 0.3)
        drawing = geo.draw(look, model.pose, open_front=open_front)
        img, mask = paint_item(img, look, drawing, cam, rng, model.skin)
        for j in order[: order.index(i)]:  # later items hide earlier ones
            masks[j] = masks[j] * (1.0 - mask)
        masks[i] = mask
    return np.clip(img, 0.0, 1.0), masks


def finish_image(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Global photo variation (exposure, colour cast, sensor noise) -> uint8 [S,S,3]."""
    img = img * float(rng.uniform(0.9, 1.1)) + rng.uniform(-0.03, 0.03, 3).astype(np.float32)
    img = img + rng.standard_normal(img.shape, dtype=np.float32) * 0.012
    return (np.clip(img, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def jpeg_bytes(pixels: np.ndarray, quality: int = JPEG_QUALITY) -> bytes:
    """Deterministic baseline JPEG of a uint8 [H,W,3] array."""
    buf = io.BytesIO()
    Image.fromarray(pixels, mode="RGB").save(buf, format="JPEG", quality=quality, optimize=False, progressive=False)
    return buf.getvalue()


def bbox(mask: np.ndarray, threshold: float = 0.3) -> tuple[int, int, int, int] | None:
    """(x1, y1, x2, y2) pixel box around a mask (inclusive), or None when empty."""
    rows = np.nonzero(mask.max(axis=1) > threshold)[0]
    cols = np.nonzero(mask.max(axis=0) > threshold)[0]
    if rows.size == 0 or cols.size == 0:
        return None
    return int(cols[0]), int(rows[0]), int(cols[-1]), int(rows[-1])
