"""Vectorised surface textures for the demo renderer: patterns, material finishes, backgrounds.

Every function works on whole pixel grids (numpy broadcasting, no per-pixel Python loops) and
draws its randomness from the numpy Generator it is given, so a seed fixes every pixel.
Pattern and material keys come from the ontology; `pattern_kind` / `material_kind` map any
spelling onto the renderer's own kinds by substring, so ontology spellings may vary.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

# Named colours (the annotation tool's "Colour" values) as sRGB 0..1.
COLOURS: dict[str, tuple[float, float, float]] = {
    "black": (0.08, 0.08, 0.09),
    "white": (0.93, 0.93, 0.91),
    "gray": (0.55, 0.56, 0.58),
    "beige": (0.84, 0.76, 0.62),
    "brown": (0.45, 0.28, 0.16),
    "blue": (0.16, 0.30, 0.62),
    "navy": (0.10, 0.14, 0.32),
    "red": (0.75, 0.12, 0.14),
    "pink": (0.94, 0.60, 0.70),
    "yellow": (0.95, 0.82, 0.25),
    "orange": (0.93, 0.50, 0.15),
    "green": (0.20, 0.52, 0.28),
    "olive": (0.42, 0.44, 0.20),
    "petrol": (0.08, 0.38, 0.45),
    "turkos": (0.20, 0.72, 0.72),
    "purple": (0.45, 0.22, 0.55),
    "golden": (0.83, 0.67, 0.25),
    "silver": (0.76, 0.77, 0.80),
}

# Renderer pattern kinds, matched against ontology pattern keys by substring (first hit wins).
PATTERN_KINDS: tuple[tuple[str, str], ...] = (
    ("animal", "animal_print"), ("leopard", "animal_print"), ("burn", "burnout"),
    ("camo", "camouflage"), ("check", "checked"), ("plaid", "plaid"), ("gradient", "colour_gradient"),
    ("colourful", "colourful"), ("colorful", "colourful"), ("floral", "floral"), ("flower", "floral"),
    ("herring", "herringbone"), ("marl", "marl"), ("paisl", "paisley"), ("photo", "photoprint"),
    ("printstrip", "pinstriped"), ("print_strip", "pinstriped"), ("pinstrip", "pinstriped"),
    ("dot", "dotted"), ("strip", "striped"), ("graphic", "print"), ("print", "print"),
    ("plain", "plain"), ("solid", "plain"),
)

# Renderer material finishes, matched like patterns.
MATERIAL_KINDS: tuple[tuple[str, str], ...] = (
    ("imitation", "faux_leather"), ("faux", "faux_leather"), ("patent", "patent"),
    ("leather", "leather"), ("suede", "suede"), ("denim", "denim"), ("chambray", "denim"),
    ("cashmere", "cashmere"), ("mohair", "wool"), ("mo_hair", "wool"), ("wool", "wool"),
    ("felt", "felt"), ("fleece", "fleece"), ("sweat", "sweat"), ("cord", "cord"),
    ("crochet", "crochet"), ("lace", "lace"), ("mesh", "mesh"), ("rib", "ribbed"), ("knit", "ribbed"),
    ("satin", "satin"), ("silk", "silk"), ("chiffon", "chiffon"), ("viscose", "viscose"),
    ("linen", "linen"), ("jersey", "jersey"), ("cotton", "cotton"), ("hardshell", "shell"),
    ("softshell", "shell"), ("down", "shell"), ("polyester", "synthetic"), ("synthetic", "synthetic"),
    ("textile", "synthetic"), ("velvet", "velvet"), ("sequin", "metallic"), ("metallic", "metallic"),
    ("gold", "gold"), ("silver", "silver"), ("platinum", "silver"), ("titanium", "silver"),
    ("metal", "silver"), ("braid", "crochet"),
)


def _kind(key: str, table: tuple[tuple[str, str], ...], default: str) -> str:
    folded = key.lower().replace(" ", "_").replace("-", "_")
    for needle, kind in table:
        if needle in folded:
            return kind
    return default


def pattern_kind(key: str) -> str:
    return _kind(key, PATTERN_KINDS, "print")


def material_kind(key: str) -> str:
    return _kind(key, MATERIAL_KINDS, "synthetic")


@dataclass(frozen=True)
class Finish:
    """How a material looks: colour names it comes in and its surface behaviour."""

    colours: tuple[str, ...]
    gloss: float = 0.0        # strength of the specular band
    grain: float = 0.02       # per-pixel noise amplitude
    grain_kind: str = "fine"  # fine | heather | twill | ribs | wales | fuzzy | sheen | quilt | holes | none
    alpha: float = 1.0        # opacity (sheer fabrics, tights)


FINISHES: dict[str, Finish] = {
    "leather": Finish(("black", "brown", "black", "red"), gloss=0.35, grain=0.015),
    "faux_leather": Finish(("black", "brown", "beige"), gloss=0.25, grain=0.02),
    "patent": Finish(("black", "red", "white"), gloss=0.6, grain=0.0, grain_kind="none"),
    "suede": Finish(("brown", "beige", "olive"), grain=0.06, grain_kind="fuzzy"),
    "denim": Finish(("blue", "blue", "navy", "black", "white"), grain=0.10, grain_kind="twill"),
    "wool": Finish(("gray", "beige", "brown", "navy", "olive", "black"), grain=0.10, grain_kind="heather"),
    "cashmere": Finish(("beige", "gray", "white", "pink"), grain=0.05, grain_kind="heather"),
    "felt": Finish(("gray", "red", "olive", "beige"), grain=0.05, grain_kind="fuzzy"),
    "fleece": Finish(("white", "pink", "gray", "beige"), grain=0.12, grain_kind="fuzzy"),
    "sweat": Finish(("gray", "black", "navy", "white"), grain=0.08, grain_kind="heather"),
    "cord": Finish(("brown", "beige", "olive", "orange"), grain=0.12, grain_kind="wales"),
    "crochet": Finish(("white", "beige", "yellow"), grain=0.05, grain_kind="holes", alpha=0.95),
    "lace": Finish(("white", "black", "pink", "beige"), grain=0.0, grain_kind="holes", alpha=0.9),
    "mesh": Finish(("black", "white"), grain=0.0, grain_kind="holes", alpha=0.85),
    "ribbed": Finish(("gray", "beige", "white", "navy", "pink"), grain=0.12, grain_kind="ribs"),
    "satin": Finish(("pink", "red", "golden", "petrol", "white"), gloss=0.3, grain=0.0, grain_kind="sheen"),
    "silk": Finish(("red", "pink", "white", "green", "purple", "petrol"), gloss=0.2, grain=0.0, grain_kind="sheen"),
    "chiffon": Finish(("pink", "white", "yellow", "turkos"), grain=0.0, grain_kind="sheen", alpha=0.8),
    "viscose": Finish(("green", "orange", "white", "purple"), grain=0.02, grain_kind="sheen"),
    "linen": Finish(("white", "beige", "olive"), grain=0.07, grain_kind="twill"),
    "jersey": Finish(("gray", "black", "white", "blue"), grain=0.03),
    "cotton": Finish(("white", "blue", "pink", "yellow", "beige", "gray"), grain=0.03),
    "shell": Finish(("black", "red", "navy", "olive", "yellow"), gloss=0.2, grain=0.02, grain_kind="quilt"),
    "synthetic": Finish(("black", "white", "red", "blue", "green"), gloss=0.1, grain=0.02),
    "velvet": Finish(("red", "navy", "green", "purple"), gloss=0.15, grain=0.05, grain_kind="fuzzy"),
    "metallic": Finish(("silver", "golden"), gloss=0.5, grain=0.08),
    "gold": Finish(("golden",), gloss=0.6, grain=0.01),
    "silver": Finish(("silver",), gloss=0.6, grain=0.01),
}


def finish(material_key: str) -> Finish:
    return FINISHES[material_kind(material_key)]


def smooth_noise(rng: np.random.Generator, shape: int | tuple[int, int], cells: int) -> np.ndarray:
    """Low-frequency noise in [0, 1] of `shape` (int = square): a random grid of about `cells`
    cells across the longer side, upsampled bicubically."""
    h, w = (shape, shape) if isinstance(shape, int) else shape
    ch = max(2, round(cells * h / max(h, w)))
    cw = max(2, round(cells * w / max(h, w)))
    grid = rng.random((ch, cw), dtype=np.float32)
    img = Image.fromarray(grid, mode="F").resize((w, h), Image.BICUBIC)
    return np.clip(np.asarray(img, dtype=np.float32), 0.0, 1.0)


def _hash01(i: np.ndarray, j: np.ndarray, salt: float) -> np.ndarray:
    """Deterministic pseudo-random value per integer cell (classic shader hash)."""
    return np.modf(np.abs(np.sin(i * 12.9898 + j * 78.233 + salt) * 43758.5453))[0]


def _soft(x: np.ndarray, sharp: float = 4.0) -> np.ndarray:
    return np.clip(x * sharp + 0.5, 0.0, 1.0)


def pattern_map(kind: str, xx: np.ndarray, yy: np.ndarray, period: float, rng: np.random.Generator,
                base: np.ndarray, accent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Colour [H,W,3] and opacity factor [H,W] of a pattern over pixel grids xx, yy.

    `period` is the motif size in pixels; `base`/`accent` are RGB triples (0..1).
    """
    u, v = xx / period, yy / period
    salt = float(rng.random() * 100.0)
    ones = np.ones_like(u)
    mix = None  # accent weight [H,W]
    colour = None
    if kind == "plain":
        mix = np.zeros_like(u)
    elif kind == "striped":
        mix = _soft(np.sin(2 * np.pi * v * 0.8))
    elif kind == "pinstriped":
        mix = _soft(np.cos(2 * np.pi * u * 1.2) - 0.75, 6.0)
    elif kind == "checked":
        a = _soft(np.sin(2 * np.pi * u * 0.6))
        b = _soft(np.sin(2 * np.pi * v * 0.6))
        mix = 0.5 * (a + b)
    elif kind == "plaid":
        a = _soft(np.sin(2 * np.pi * u * 0.5) - 0.5)
        b = _soft(np.sin(2 * np.pi * v * 0.5) - 0.5)
        thin = _soft(np.cos(2 * np.pi * u * 2.0) - 0.9, 8) + _soft(np.cos(2 * np.pi * v * 2.0) - 0.9, 8)
        mix = np.clip(0.45 * (a + b) + 0.6 * thin, 0, 1)
    elif kind == "dotted":
        ci, cj = np.floor(u), np.floor(v + 0.5 * (np.floor(u) % 2))
        du, dv = u - ci - 0.5, v + 0.5 * (np.floor(u) % 2) - cj - 0.5
        mix = _soft(0.28 - np.hypot(du, dv), 20)
    elif kind == "floral":
        s = 0.8
        ci, cj = np.floor(u * s), np.floor(v * s)
        du, dv = u * s - ci - 0.5, v * s - cj - 0.5
        r, th = np.hypot(du, dv), np.arctan2(dv, du) + _hash01(ci, cj, salt) * 6.283
        petals = 0.20 + 0.18 * np.abs(np.cos(2.5 * th))
        mix = np.maximum(_soft(petals - r, 25) * 1.0, 0) * (r > 0.07) + 0.5 * (r <= 0.07)
    elif kind == "herringbone":
        col = np.floor(u * 1.2)
        s = u * 1.2 - col
        direction = np.where(col % 2 == 0, 1.0, -1.0)
        mix = _soft(np.sin(2 * np.pi * (v * 1.5 + direction * s * 0.8)))
    elif kind == "animal_print":
        spots = _cell_distance(u * 0.9, v * 0.9, salt)
        ring = _soft(0.36 - spots, 20) * _soft(spots - 0.2, 20)
        mix = np.clip(ring + 0.45 * _soft(0.2 - spots, 20), 0, 1)
        base = np.array([0.86, 0.66, 0.36], np.float32)  # tan ground regardless of colour
        accent = np.array([0.12, 0.08, 0.05], np.float32)
    elif kind == "paisley":
        s = 0.7
        ci, cj = np.floor(u * s), np.floor(v * s)
        du, dv = u * s - ci - 0.5, v * s - cj - 0.5
        th = np.arctan2(dv, du) + 0.8
        r = np.hypot(du, dv)
        drop = 0.17 * (1.0 + 0.9 * np.cos(th)) ** 0.8  # teardrop outline radius
        outline = _soft(drop - r, 25) * _soft(r - (drop - 0.07), 25)
        mix = np.clip(outline + 0.6 * (r < 0.05), 0, 1)
    elif kind == "camouflage":
        n1 = smooth_noise(rng, u.shape, 6)
        n2 = smooth_noise(rng, u.shape, 9)
        level = np.clip(np.floor((0.65 * n1 + 0.35 * n2) * 4.0 - 0.5), 0, 3).astype(np.int64)
        palette = np.array([COLOURS["beige"], COLOURS["olive"], COLOURS["brown"], (0.16, 0.24, 0.12)], np.float32)
        colour = palette[level]
    elif kind == "marl":
        mix = (rng.random(u.shape, dtype=np.float32) > 0.55).astype(np.float32) * 0.7
    elif kind == "colour_gradient":
        span = max(float(yy.max() - yy.min()), 1.0)
        mix = np.clip((yy - yy.min()) / span, 0, 1)
    elif kind == "colourful":
        ci, cj = np.floor(u * 0.6), np.floor(v * 0.6 + 0.5 * _hash01(np.floor(u * 0.6), 0.0, salt))
        hue = _hash01(ci, cj, salt)
        colour = _hue_colours(hue)
    elif kind == "burnout":
        holes = smooth_noise(rng, u.shape, 10)
        return np.broadcast_to(base, u.shape + (3,)).copy(), 1.0 - 0.65 * _soft(holes - 0.55, 8)
    elif kind == "photoprint":
        chans = [smooth_noise(rng, u.shape, 4) for _ in range(3)]
        colour = np.stack(chans, axis=-1) * 0.9 + 0.05
    else:  # "print": small geometric triangles
        ci, cj = np.floor(u), np.floor(v)
        tri = (u - ci) + (v - cj) < 0.7
        mix = (tri & ((ci + cj) % 2 == 0)).astype(np.float32)
    if colour is None:
        colour = base[None, None, :] * (1.0 - mix[..., None]) + accent[None, None, :] * mix[..., None]
    return colour.astype(np.float32), ones


def _cell_distance(u: np.ndarray, v: np.ndarray, salt: float) -> np.ndarray:
    """Distance to the nearest jittered grid point (cellular noise), searching 3x3 cells."""
    ci, cj = np.floor(u), np.floor(v)
    best = np.full(u.shape, 9.0, np.float32)
    for di in (-1.0, 0.0, 1.0):  # 9 whole-array passes, not a per-pixel loop
        for dj in (-1.0, 0.0, 1.0):
            pi, pj = ci + di, cj + dj
            px = pi + 0.2 + 0.6 * _hash01(pi, pj, salt)
            py = pj + 0.2 + 0.6 * _hash01(pj, pi, salt + 1.0)
            best = np.minimum(best, np.hypot(u - px, v - py))
    return best


def _hue_colours(hue: np.ndarray) -> np.ndarray:
    """Bright colours from hue values in [0, 1) (HSV with s=0.75, v=0.9)."""
    k = (np.stack([hue * 6 + 5, hue * 6 + 3, hue * 6 + 1], axis=-1)) % 6
    return 0.9 - 0.9 * 0.75 * np.clip(np.minimum(k, 4 - k), 0, 1)


def surface(fin: Finish, xx: np.ndarray, yy: np.ndarray, period: float, centre_x: float,
            width: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Brightness multiplier [H,W] and opacity [H,W] of a material finish."""
    shape = xx.shape
    light = np.ones(shape, np.float32)
    kind = fin.grain_kind
    if kind == "fine":
        light += fin.grain * rng.standard_normal(shape, dtype=np.float32)
    elif kind == "heather":
        speck = rng.standard_normal(shape, dtype=np.float32)
        light += fin.grain * np.sign(speck) * np.abs(speck) ** 0.5
    elif kind == "twill":
        diag = np.sin(2 * np.pi * (xx + yy) / max(period * 0.18, 1.2))
        light += fin.grain * (0.8 * diag + 0.6 * rng.standard_normal(shape, dtype=np.float32))
        light += 0.12 * (smooth_noise(rng, shape, 5) - 0.5)  # fading
    elif kind == "ribs":
        light += fin.grain * np.sin(2 * np.pi * xx / max(period * 0.22, 1.5))
    elif kind == "wales":
        light += fin.grain * np.sign(np.sin(2 * np.pi * xx / max(period * 0.3, 2.0)))
    elif kind == "fuzzy":
        blur = smooth_noise(rng, shape, max(max(shape) // 3, 4))
        light += fin.grain * 2.0 * (blur - 0.5) + 0.5 * fin.grain * rng.standard_normal(shape, dtype=np.float32)
    elif kind == "sheen":
        light += 0.10 * np.sin(2 * np.pi * (xx * 0.6 + yy * 0.3) / max(period * 1.5, 4.0))
    elif kind == "quilt":
        light -= 0.18 * (0.5 + 0.5 * np.cos(2 * np.pi * yy / max(period * 0.7, 3.0)))
    alpha = np.full(shape, fin.alpha, np.float32)
    if kind == "holes":
        cell = max(period * 0.25, 2.0)
        holes = np.hypot((xx / cell) % 1 - 0.5, (yy / cell) % 1 - 0.5) < 0.28
        alpha = np.where(holes, fin.alpha * 0.35, fin.alpha).astype(np.float32)
    if fin.gloss:
        band = np.exp(-(((xx - centre_x) / max(width * 0.18, 1.0)) ** 2))
        light += fin.gloss * band - fin.gloss * 0.3
    return light, alpha


def background(rng: np.random.Generator, size: int) -> np.ndarray:
    """A varied backdrop [S,S,3]: two-colour vertical gradient, blotches, sometimes a floor."""
    top = rng.uniform(0.55, 0.97, 3).astype(np.float32)
    bottom = np.clip(top * rng.uniform(0.7, 1.05, 3), 0, 1).astype(np.float32)
    t = np.linspace(0.0, 1.0, size, dtype=np.float32)[:, None, None]
    img = top * (1 - t) + bottom * t
    img = np.broadcast_to(img, (size, size, 3)).copy()
    img *= (1.0 + 0.12 * (smooth_noise(rng, size, int(rng.integers(3, 8))) - 0.5))[..., None]
    if rng.random() < 0.6:  # floor
        floor_y = int(size * rng.uniform(0.78, 0.9))
        img[floor_y:] = img[floor_y:] * rng.uniform(0.6, 0.85) + rng.uniform(0.0, 0.1, 3).astype(np.float32)
    return np.clip(img, 0.0, 1.0)


# Outdoor backdrops by season (the annotation tool's collection values): an overcast grey-blue
# sky over snow or wet pavement in autumn/winter, a bright blue or golden sky over grass or sand
# in spring/summer. Each entry is a pair of RGB colours; a backdrop takes a random point between
# them (one mix for all channels, so a grey sky stays grey) plus a little per-channel jitter.
_SKIES: dict[str, tuple[tuple[tuple[float, ...], tuple[float, ...]], ...]] = {
    "autumn_winter": (((0.60, 0.63, 0.68), (0.78, 0.80, 0.85)), ((0.45, 0.48, 0.55), (0.62, 0.65, 0.72))),
    "spring_summer": (((0.40, 0.62, 0.85), (0.60, 0.80, 0.98)), ((0.90, 0.75, 0.45), (1.00, 0.88, 0.62))),
}
_GROUNDS: dict[str, tuple[tuple[tuple[float, ...], tuple[float, ...]], ...]] = {
    "autumn_winter": (((0.86, 0.88, 0.92), (0.97, 0.98, 1.00)), ((0.28, 0.29, 0.31), (0.42, 0.43, 0.45))),
    "spring_summer": (((0.22, 0.45, 0.15), (0.38, 0.62, 0.25)), ((0.80, 0.70, 0.48), (0.92, 0.82, 0.60))),
}


def _between(rng: np.random.Generator, low: tuple[float, ...], high: tuple[float, ...]) -> np.ndarray:
    mix = rng.random()
    colour = np.asarray(low) * (1 - mix) + np.asarray(high) * mix + rng.uniform(-0.02, 0.02, 3)
    return np.clip(colour, 0, 1).astype(np.float32)


def outdoor_background(rng: np.random.Generator, size: int, season: str) -> np.ndarray:
    """An outdoor backdrop [S,S,3] whose sky and ground show the season; snow falls in some winter shots."""
    if season not in _SKIES:
        raise ValueError(f"no outdoor backdrop for season {season!r} (known: {sorted(_SKIES)})")
    sky_lo, sky_hi = _SKIES[season][int(rng.integers(len(_SKIES[season])))]
    ground_lo, ground_hi = _GROUNDS[season][int(rng.integers(len(_GROUNDS[season])))]
    top = _between(rng, sky_lo, sky_hi)
    horizon = np.clip(top * rng.uniform(1.0, 1.12), 0, 1).astype(np.float32)
    t = np.linspace(0.0, 1.0, size, dtype=np.float32)[:, None, None]
    img = np.broadcast_to(top * (1 - t) + horizon * t, (size, size, 3)).copy()
    img *= (1.0 + 0.10 * (smooth_noise(rng, size, int(rng.integers(3, 8))) - 0.5))[..., None]
    ground_y = int(size * rng.uniform(0.72, 0.86))
    ground = _between(rng, ground_lo, ground_hi)
    img[ground_y:] = ground * (1.0 + 0.15 * (smooth_noise(rng, (size - ground_y, size), 6) - 0.5))[..., None]
    if season == "autumn_winter" and rng.random() < 0.5:  # falling snow
        flakes = rng.random((size, size)) < rng.uniform(0.01, 0.03)
        img[flakes] = 0.97
    return np.clip(img, 0.0, 1.0)
