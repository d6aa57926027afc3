"""Garment silhouettes as vector drawings in figure coordinates.

Figure coordinates: y runs from 0 (top of the head) to 1 (soles), x is the horizontal offset
from the body's centre line in the same unit (figure height). A `Drawing` collects polygons,
ellipses and lines per layer; `fashion.demo.render` rasterises the layers:

- ``body``  the garment's area (textured); ops with ``cut=True`` remove area (necklines, gaps)
- ``shade`` bands drawn darker on top (rib hems, cuffs, collars, pockets, soles)
- ``dark``  thin dark lines (creases, seams, plackets); ``light`` light lines (stitching, zips)
- ``skin``  skin re-painted over the garment (a face inside a hood)

The category decides silhouette and position; `Look` fields (length, neckline, sleeves, heel,
toe, fit, details) change the geometry so those attributes are visible too.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

Point = tuple[float, float]

# Body landmarks (figure units).
HEAD_Y, HEAD_R = 0.075, 0.052
NECK_Y = 0.13
SHOULDER_Y, SHOULDER_X = 0.165, 0.115
CHEST_Y = 0.21
WAIST_Y, WAIST_X = 0.40, 0.078
HIP_Y, HIP_X = 0.50, 0.105
CROTCH_Y = 0.555
KNEE_Y = 0.73
ANKLE_Y = 0.925
SOLE_Y = 0.985

# Garment kinds by body zone; categories map onto these in fashion.demo.looks.
UPPER_KINDS = ("tee", "tank", "blouse", "shirt", "tunic", "sweater", "cardigan", "hoodie")
OUTER_KINDS = ("jacket", "blazer", "gilet", "cape", "coat", "kimono")
LOWER_KINDS = ("skirt", "jeans", "trousers", "joggers", "leggings", "shorts")
FULL_KINDS = ("dress", "romper", "jumpsuit")
LEG_KINDS = ("tights", "socks")
SHOE_KINDS = ("heels", "boots", "ankle_boots", "sneakers", "sandals", "flats")
BAG_KINDS = ("handbag", "tote", "clutch", "shoulder_bag", "rucksack", "travel_bag")
ACCESSORY_KINDS = ("hat", "cap", "sunglasses", "scarf", "necklace", "belt", "gloves", "watch", "purse")


@dataclass(frozen=True)
class Look:
    """Everything the renderer needs to draw one item."""

    kind: str                   # garment kind (see the *_KINDS tuples)
    pattern: str = "plain"      # renderer pattern kind (fashion.demo.textures.pattern_kind)
    material: str = "cotton"    # renderer finish kind (fashion.demo.textures.FINISHES)
    colour: str = "black"       # colour name (textures.COLOURS)
    accent: str = "white"       # second colour of the pattern
    length: float = 1.0         # hem length multiplier (1 = the kind's usual length)
    neckline: str = "default"   # default | round | v | high | hood | collar | lapel | square | off_shoulder
    sleeves: str = "default"    # default | none | short | three_quarter | long
    heel: float = 0.0           # shoes: heel height 0..1
    heel_type: str = "default"  # default | flat | block | stiletto | wedge | platform
    toe: str = "round"          # round | pointed | square | open
    fit: float = 1.0            # width multiplier (fitted < 1 < boxy)
    details: tuple[str, ...] = ()  # pocket, zip, button, belt, crease, stitching, cuffs, left

    def has(self, detail: str) -> bool:
        return detail in self.details


@dataclass(frozen=True)
class Pose:
    """Small per-image variation of the body."""

    arm_spread: float = 0.0   # extra outward angle of the arms (figure units at the wrist)
    leg_spread: float = 0.0   # extra distance between the feet


@dataclass
class Op:
    kind: str                  # poly | ellipse | line | arc
    points: tuple[Point, ...]  # poly/line: vertices; ellipse: (centre, radii); arc: (centre, radii, angles)
    cut: bool = False
    width: float = 0.0         # line/arc width (figure units)


@dataclass
class Drawing:
    layers: dict[str, list[Op]] = field(default_factory=dict)

    def add(self, layer: str, op: Op) -> None:
        self.layers.setdefault(layer, []).append(op)

    def poly(self, layer: str, pts: list[Point], cut: bool = False) -> None:
        self.add(layer, Op("poly", tuple(pts), cut))

    def ellipse(self, layer: str, cx: float, cy: float, rx: float, ry: float, cut: bool = False) -> None:
        self.add(layer, Op("ellipse", ((cx, cy), (rx, ry)), cut))

    def line(self, layer: str, pts: list[Point], width: float) -> None:
        self.add(layer, Op("line", tuple(pts), False, width))

    def arc(self, layer: str, cx: float, cy: float, rx: float, ry: float, width: float,
            start: float = 180.0, end: float = 360.0) -> None:
        """Part of an ellipse outline; angles in degrees clockwise from 3 o'clock (default: top half)."""
        self.add(layer, Op("arc", ((cx, cy), (rx, ry), (start, end)), False, width))


# ---------------------------------------------------------------- skeleton helpers

def arm_path(side: int, pose: Pose) -> list[Point]:
    """Shoulder -> elbow -> wrist of one arm (side -1 left, +1 right)."""
    s = pose.arm_spread
    return [(side * 0.122, SHOULDER_Y + 0.01), (side * (0.150 + s * 0.5), 0.335), (side * (0.165 + s), 0.50)]


def hand_point(side: int, pose: Pose) -> Point:
    return (side * (0.168 + pose.arm_spread), 0.525)


def ankle_x(side: int, pose: Pose) -> float:
    return side * (0.058 + pose.leg_spread)


def _lerp(a: Point, b: Point, t: float) -> Point:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)


def _partial_path(path: list[Point], fraction: float) -> list[Point]:
    """The first `fraction` (by segment count, 0..1) of a polyline."""
    segments = len(path) - 1
    reach = max(0.0, min(1.0, fraction)) * segments
    out = [path[0]]
    for i in range(segments):
        if reach >= i + 1:
            out.append(path[i + 1])
        else:
            out.append(_lerp(path[i], path[i + 1], reach - i))
            break
    return out


def _tube(path: list[Point], w0: float, w1: float) -> list[Point]:
    """Polygon around a polyline whose width goes from w0 to w1."""
    left, right = [], []
    n = len(path)
    for i, (x, y) in enumerate(path):
        a = path[max(i - 1, 0)]
        b = path[min(i + 1, n - 1)]
        dx, dy = b[0] - a[0], b[1] - a[1]
        norm = max((dx * dx + dy * dy) ** 0.5, 1e-6)
        nx, ny = -dy / norm, dx / norm
        w = (w0 + (w1 - w0) * i / max(n - 1, 1)) / 2
        left.append((x + nx * w, y + ny * w))
        right.append((x - nx * w, y - ny * w))
    return left + right[::-1]


# ---------------------------------------------------------------- the body

def figure(pose: Pose, hair_long: bool) -> Drawing:
    """The model: skin layer (head, neck, torso, arms, legs), hair behind it and a fringe on top."""
    d = Drawing()
    d.ellipse("skin", 0.0, HEAD_Y, HEAD_R * 0.85, HEAD_R)
    d.poly("skin", [(-0.022, NECK_Y - 0.02), (0.022, NECK_Y - 0.02), (0.028, SHOULDER_Y + 0.01), (-0.028, SHOULDER_Y + 0.01)])
    d.poly("skin", [(-SHOULDER_X, SHOULDER_Y), (SHOULDER_X, SHOULDER_Y), (WAIST_X, WAIST_Y), (HIP_X, HIP_Y),
                    (-HIP_X, HIP_Y), (-WAIST_X, WAIST_Y)])
    for side in (-1, 1):
        d.poly("skin", _tube(arm_path(side, pose), 0.045, 0.032))
        hx, hy = hand_point(side, pose)
        d.ellipse("skin", hx, hy, 0.018, 0.026)
        ax = ankle_x(side, pose)
        d.poly("skin", [(side * 0.005, CROTCH_Y - 0.03), (side * HIP_X, HIP_Y), (ax + side * 0.024, ANKLE_Y),
                        (ax - side * 0.02, ANKLE_Y)])
        d.poly("skin", [(ax - 0.02 * side, ANKLE_Y - 0.01), (ax + 0.02 * side, ANKLE_Y - 0.01),
                        (ax + 0.055 * side, SOLE_Y), (ax - 0.02 * side, SOLE_Y)])
    # Hair: "hair" is painted behind the skin, "fringe" on top of it.
    d.ellipse("hair", 0.0, HEAD_Y - 0.008, HEAD_R * 1.02, HEAD_R * 1.0)
    if hair_long:
        d.poly("hair", [(-HEAD_R * 1.0, HEAD_Y - 0.01), (HEAD_R * 1.0, HEAD_Y - 0.01), (0.075, 0.21), (-0.075, 0.21)])
    d.ellipse("fringe", 0.0, HEAD_Y - 0.036, HEAD_R * 0.88, HEAD_R * 0.42)
    return d


# ---------------------------------------------------------------- garments

def _neckline(d: Drawing, look: Look, default: str, top_y: float) -> None:
    style = default if look.neckline == "default" else look.neckline
    if style == "round":
        d.ellipse("body", 0.0, top_y, 0.035, 0.03, cut=True)
    elif style == "v":
        d.poly("body", [(-0.04, top_y - 0.01), (0.04, top_y - 0.01), (0.0, top_y + 0.08)], cut=True)
    elif style == "square":
        d.poly("body", [(-0.045, top_y - 0.01), (0.045, top_y - 0.01), (0.045, top_y + 0.05), (-0.045, top_y + 0.05)], cut=True)
    elif style == "high":
        d.poly("body", [(-0.028, NECK_Y - 0.015), (0.028, NECK_Y - 0.015), (0.04, top_y + 0.01), (-0.04, top_y + 0.01)])
        d.poly("shade", [(-0.028, NECK_Y - 0.015), (0.028, NECK_Y - 0.015), (0.03, NECK_Y + 0.01), (-0.03, NECK_Y + 0.01)])
    elif style == "collar":
        d.ellipse("body", 0.0, top_y, 0.03, 0.025, cut=True)
        for side in (-1, 1):
            d.poly("shade", [(side * 0.005, top_y + 0.02), (side * 0.04, top_y - 0.012), (side * 0.05, top_y + 0.035)])
    elif style == "lapel":
        d.poly("body", [(-0.035, top_y - 0.01), (0.035, top_y - 0.01), (0.0, top_y + 0.11)], cut=True)
        for side in (-1, 1):
            d.poly("shade", [(side * 0.035, top_y - 0.01), (side * 0.07, top_y + 0.04), (side * 0.004, top_y + 0.11)])
    elif style == "hood":
        d.ellipse("body", 0.0, HEAD_Y + 0.005, HEAD_R * 1.25, HEAD_R * 1.25)
        d.ellipse("skin", 0.0, HEAD_Y + 0.012, HEAD_R * 0.7, HEAD_R * 0.8)
        d.ellipse("body", 0.0, top_y, 0.03, 0.025, cut=True)
    elif style == "off_shoulder":
        d.poly("body", [(-0.2, top_y - 0.05), (0.2, top_y - 0.05), (0.2, CHEST_Y - 0.005), (-0.2, CHEST_Y - 0.005)], cut=True)
        d.line("shade", [(-0.12, CHEST_Y), (0.12, CHEST_Y)], 0.012)


def _sleeves(d: Drawing, look: Look, pose: Pose, default: str, w0: float, w1: float) -> None:
    style = default if look.sleeves == "default" else look.sleeves
    reach = {"none": 0.0, "short": 0.26, "three_quarter": 0.72, "long": 1.0}[style]
    if reach <= 0:
        return
    for side in (-1, 1):
        path = _partial_path(arm_path(side, pose), reach)
        d.poly("body", _tube(path, w0 * look.fit, w1 * look.fit))


def _torso(d: Drawing, look: Look, hem_y: float, hem_x: float, shoulder_x: float = SHOULDER_X) -> None:
    f = look.fit
    d.poly("body", [(-shoulder_x * f, SHOULDER_Y), (-0.03, SHOULDER_Y - 0.012), (0.03, SHOULDER_Y - 0.012),
                    (shoulder_x * f, SHOULDER_Y), (0.105 * f, CHEST_Y + 0.03), (hem_x * f, hem_y),
                    (-hem_x * f, hem_y), (-0.105 * f, CHEST_Y + 0.03)])


def _buttons(d: Drawing, x: float, y0: float, y1: float, n: int) -> None:
    for i in range(n):
        y = y0 + (y1 - y0) * (i + 0.5) / n
        d.ellipse("dark", x, y, 0.007, 0.005)


def _open_front(d: Drawing, top: float, bottom: float, gap: float) -> None:
    d.poly("body", [(-gap, top), (gap, top), (gap * 1.3, bottom + 0.01), (-gap * 1.3, bottom + 0.01)], cut=True)


def draw_upper(look: Look, pose: Pose, open_front: bool = False) -> Drawing:
    """Tops worn on the torso: tee, tank, blouse, shirt, tunic, sweater, cardigan, hoodie."""
    d = Drawing()
    k = look.kind
    hem = {"tee": 0.47, "tank": 0.46, "blouse": 0.47, "shirt": 0.49, "tunic": 0.58, "sweater": 0.50,
           "cardigan": 0.52, "hoodie": 0.51}[k]
    hem = min(SHOULDER_Y + (hem - SHOULDER_Y) * look.length, 0.8)
    if k == "tank":
        d.poly("body", [(-0.07 * look.fit, CHEST_Y - 0.02), (0.07 * look.fit, CHEST_Y - 0.02), (0.1 * look.fit, hem), (-0.1 * look.fit, hem)])
        for side in (-1, 1):
            d.line("body", [(side * 0.05, CHEST_Y - 0.015), (side * 0.075, SHOULDER_Y - 0.005)], 0.012)
        _neckline(d, look, "round", CHEST_Y - 0.025)
        return d
    _torso(d, look, hem, 0.105)
    if k == "tee":
        _sleeves(d, look, pose, "short", 0.06, 0.05)
        _neckline(d, look, "round", SHOULDER_Y - 0.01)
    elif k == "blouse":
        _sleeves(d, look, pose, "three_quarter", 0.055, 0.075)
        _neckline(d, look, "collar", SHOULDER_Y - 0.01)
        _buttons(d, 0.0, SHOULDER_Y + 0.03, hem - 0.02, 4)
    elif k == "shirt":
        _sleeves(d, look, pose, "long", 0.055, 0.045)
        _neckline(d, look, "collar", SHOULDER_Y - 0.01)
        d.line("dark", [(0.0, SHOULDER_Y + 0.02), (0.0, hem)], 0.005)
        _buttons(d, 0.012, SHOULDER_Y + 0.03, hem - 0.02, 5)
    elif k == "tunic":
        _sleeves(d, look, pose, "three_quarter", 0.055, 0.07)
        _neckline(d, look, "v", SHOULDER_Y - 0.01)
    elif k in ("sweater", "cardigan", "hoodie"):
        _sleeves(d, look, pose, "long", 0.06, 0.048)
        d.poly("shade", [(-0.106 * look.fit, hem - 0.03), (0.106 * look.fit, hem - 0.03), (0.106 * look.fit, hem), (-0.106 * look.fit, hem)])
        for side in (-1, 1):  # rib cuffs
            wrist = arm_path(side, pose)
            d.poly("shade", _tube([_lerp(wrist[1], wrist[2], 0.85), wrist[2]], 0.05, 0.05))
        if k == "sweater":
            _neckline(d, look, "round", SHOULDER_Y - 0.01)
        elif k == "cardigan":
            _neckline(d, look, "v", SHOULDER_Y - 0.01)
            if open_front:
                _open_front(d, SHOULDER_Y + 0.06, hem, 0.02)
            else:
                d.line("dark", [(0.0, SHOULDER_Y + 0.07), (0.0, hem)], 0.005)
                _buttons(d, 0.012, SHOULDER_Y + 0.08, hem - 0.03, 5)
        else:
            _neckline(d, look, "hood", SHOULDER_Y - 0.01)
            d.poly("shade", [(-0.06, 0.40), (0.06, 0.40), (0.08, hem - 0.035), (-0.08, hem - 0.035)])
            for side in (-1, 1):
                d.line("light", [(side * 0.015, SHOULDER_Y), (side * 0.018, SHOULDER_Y + 0.09)], 0.006)
    return d


def draw_outer(look: Look, pose: Pose, open_front: bool = False) -> Drawing:
    """Outerwear over the torso: jacket, blazer, gilet, cape, coat, kimono."""
    d = Drawing()
    k = look.kind
    base_hem = {"jacket": 0.48, "blazer": 0.50, "gilet": 0.48, "cape": 0.56, "coat": 0.80, "kimono": 0.74}[k]
    hem = min(SHOULDER_Y + (base_hem - SHOULDER_Y) * look.length, 0.97)
    hem_x = 0.11 + (hem - 0.5) * 0.25 if hem > 0.5 else 0.107
    if k == "cape":
        d.poly("body", [(-0.04, SHOULDER_Y - 0.015), (0.04, SHOULDER_Y - 0.015), (0.2 * look.fit, hem), (-0.2 * look.fit, hem)])
        _neckline(d, look, "round", SHOULDER_Y - 0.012)
        return d
    _torso(d, look, hem, hem_x, shoulder_x=SHOULDER_X + 0.01)
    if k == "kimono":
        _sleeves(d, look, pose, "three_quarter", 0.08, 0.11)
        _open_front(d, SHOULDER_Y - 0.02, hem, 0.035)
        d.line("shade", [(-0.1, WAIST_Y), (0.1, WAIST_Y)], 0.02)  # sash
        for side in (-1, 1):  # contrasting front bands
            d.line("shade", [(side * 0.035, SHOULDER_Y - 0.015), (side * 0.045, hem)], 0.014)
        return d
    if k != "gilet":
        _sleeves(d, look, pose, "long", 0.066, 0.054)
    gap = 0.03 if open_front else 0.0
    _neckline(d, look, "lapel" if k in ("blazer", "coat") else "collar", SHOULDER_Y - 0.012)
    if gap:
        _open_front(d, SHOULDER_Y + 0.02, hem, gap)
    elif k in ("jacket", "gilet") or look.has("zip"):
        d.line("light", [(0.0, SHOULDER_Y + 0.03), (0.0, hem)], 0.008)
    else:
        _buttons(d, -0.025, SHOULDER_Y + 0.12, min(hem - 0.03, 0.52), 3)
        _buttons(d, 0.025, SHOULDER_Y + 0.12, min(hem - 0.03, 0.52), 3)
    if look.has("pocket") or k == "coat":
        for side in (-1, 1):
            d.poly("shade", [(side * 0.04, 0.40), (side * 0.09, 0.40), (side * 0.09, 0.415), (side * 0.04, 0.415)])
    if look.has("belt") or (k == "coat" and look.has("trench")):
        d.line("shade", [(-0.11, WAIST_Y), (0.11, WAIST_Y)], 0.02)
    return d


def _leg_quads(end_y: float, ankle_w: float, pose: Pose, flare: float = 1.0) -> list[list[Point]]:
    quads = []
    for side in (-1, 1):
        t = (end_y - HIP_Y) / (ANKLE_Y - HIP_Y)
        ax = ankle_x(side, pose)
        cx = side * 0.055 + (ax - side * 0.055) * t
        w = (0.052 + (ankle_w - 0.052) * t) * (flare if t > 0.6 else 1.0)
        quads.append([(side * 0.004, CROTCH_Y), (side * (HIP_X + 0.003), HIP_Y), (cx + side * w, end_y), (cx - side * w, end_y)])
    return quads


def draw_lower(look: Look, pose: Pose) -> Drawing:
    """Worn from the waist down: skirt, jeans, trousers, joggers, leggings, shorts."""
    d = Drawing()
    k = look.kind
    top = WAIST_Y - 0.005
    if k == "skirt":
        hem = WAIST_Y + 0.26 * look.length
        spread = (0.13 + 0.08 * look.length) * look.fit
        d.poly("body", [(-WAIST_X - 0.004, top), (WAIST_X + 0.004, top), (spread, hem), (-spread, hem)])
        d.poly("shade", [(-WAIST_X - 0.004, top), (WAIST_X + 0.004, top), (WAIST_X + 0.006, top + 0.018), (-WAIST_X - 0.006, top + 0.018)])
        if look.has("pleats"):
            for i in range(-3, 4):
                d.line("dark", [(i * 0.02, top + 0.03), (i * spread / 3.2, hem)], 0.004)
        return d
    default_end = {"jeans": ANKLE_Y, "trousers": ANKLE_Y, "joggers": ANKLE_Y - 0.01, "leggings": ANKLE_Y,
                   "shorts": 0.63}[k]
    end = HIP_Y + (default_end - HIP_Y) * look.length
    ankle_w = {"jeans": 0.042, "trousers": 0.06, "joggers": 0.036, "leggings": 0.03, "shorts": 0.06}[k] * look.fit
    flare = 1.7 if look.has("flare") else 1.0
    d.poly("body", [(-WAIST_X - 0.004, top), (WAIST_X + 0.004, top), (HIP_X + 0.004, HIP_Y), (0.0, CROTCH_Y + 0.005),
                    (-HIP_X - 0.004, HIP_Y)])
    for quad in _leg_quads(end, ankle_w, pose, flare):
        d.poly("body", quad)
    d.poly("shade", [(-WAIST_X - 0.004, top), (WAIST_X + 0.004, top), (WAIST_X + 0.006, top + 0.016), (-WAIST_X - 0.006, top + 0.016)])
    if k == "jeans":
        for side in (-1, 1):  # front pocket curves and outer seams in contrast stitching
            d.line("light", [(side * 0.03, top + 0.016), (side * 0.06, top + 0.05), (side * 0.085, top + 0.05)], 0.005)
            d.line("light", [(side * (HIP_X - 0.004), HIP_Y), (ankle_x(side, pose) + side * ankle_w * 0.8, end - 0.005)], 0.004)
        d.line("light", [(0.005, top + 0.02), (0.01, CROTCH_Y - 0.01)], 0.004)
    elif k in ("trousers", "shorts"):
        t = (end - HIP_Y) / (ANKLE_Y - HIP_Y)  # how far down the leg the hem is
        for side in (-1, 1):  # pressed creases down the leg centre
            hem_x = side * 0.055 * (1 - t) + ankle_x(side, pose) * t
            d.line("dark", [(side * 0.055, HIP_Y - 0.03), (hem_x, end)], 0.005)
    elif k == "joggers":
        for side in (-1, 1):  # elastic ankle cuffs and a side stripe
            ax = ankle_x(side, pose)
            d.poly("shade", [(ax - ankle_w * 1.05, end - 0.03), (ax + ankle_w * 1.05, end - 0.03), (ax + ankle_w * 1.05, end), (ax - ankle_w * 1.05, end)])
            d.line("light", [(side * (HIP_X - 0.002), HIP_Y), (ax + side * ankle_w * 0.9, end - 0.03)], 0.008)
        d.line("light", [(-0.02, top + 0.005), (-0.015, top + 0.05)], 0.004)
        d.line("light", [(0.02, top + 0.005), (0.015, top + 0.05)], 0.004)
    if look.has("pocket") and k != "jeans":
        for side in (-1, 1):
            d.line("dark", [(side * 0.035, top + 0.02), (side * 0.08, top + 0.07)], 0.005)
    if look.has("cuffs") and k == "jeans":
        for side in (-1, 1):
            ax = ankle_x(side, pose)
            d.poly("shade", [(ax - ankle_w, end - 0.02), (ax + ankle_w, end - 0.02), (ax + ankle_w, end), (ax - ankle_w, end)])
    return d


def draw_full(look: Look, pose: Pose) -> Drawing:
    """One-piece garments: dress (bodice + skirt), romper (bodice + shorts), jumpsuit."""
    d = Drawing()
    f = look.fit
    sleeves = look.sleeves if look.sleeves != "default" else "none"
    if sleeves == "none":
        d.poly("body", [(-0.075 * f, CHEST_Y - 0.025), (0.075 * f, CHEST_Y - 0.025), (WAIST_X * f, WAIST_Y + 0.01), (-WAIST_X * f, WAIST_Y + 0.01)])
        for side in (-1, 1):
            d.line("body", [(side * 0.055, CHEST_Y - 0.02), (side * 0.08, SHOULDER_Y - 0.005)], 0.013)
        neck_y = CHEST_Y - 0.03
    else:
        d.poly("body", [(-SHOULDER_X * f, SHOULDER_Y), (SHOULDER_X * f, SHOULDER_Y), (0.1 * f, CHEST_Y + 0.03),
                        (WAIST_X * f, WAIST_Y + 0.01), (-WAIST_X * f, WAIST_Y + 0.01), (-0.1 * f, CHEST_Y + 0.03)])
        _sleeves(d, look, pose, sleeves, 0.055, 0.05)
        neck_y = SHOULDER_Y - 0.01
    _neckline(d, look, "round" if sleeves != "none" else "square", neck_y)
    if look.kind == "dress":
        hem = WAIST_Y + 0.34 * look.length
        spread = (0.11 + 0.1 * look.length) * (1.25 if look.has("a_line") else 1.0) * (0.75 if look.has("bodycon") else 1.0)
        d.poly("body", [(-WAIST_X * f, WAIST_Y), (WAIST_X * f, WAIST_Y), (spread, hem), (-spread, hem)])
    else:
        end = 0.64 if look.kind == "romper" else ANKLE_Y
        d.poly("body", [(-WAIST_X * f, WAIST_Y), (WAIST_X * f, WAIST_Y), (HIP_X + 0.004, HIP_Y), (0.0, CROTCH_Y + 0.005), (-HIP_X - 0.004, HIP_Y)])
        for quad in _leg_quads(end, 0.07 if look.kind == "romper" else 0.065, pose):
            d.poly("body", quad)
    if look.has("belt"):
        d.line("shade", [(-WAIST_X - 0.01, WAIST_Y), (WAIST_X + 0.01, WAIST_Y)], 0.018)
    return d


def draw_legwear(look: Look, pose: Pose) -> Drawing:
    """Tights (hip to toe, thin and sheer) and socks (calf to toe)."""
    d = Drawing()
    top = HIP_Y if look.kind == "tights" else 0.80
    for side in (-1, 1):
        ax = ankle_x(side, pose)
        t = (top - HIP_Y) / (ANKLE_Y - HIP_Y)
        cx = side * 0.055 + (ax - side * 0.055) * t
        w_top = 0.05 - 0.026 * t
        d.poly("body", [(cx - w_top, top), (cx + w_top, top), (ax + 0.022, ANKLE_Y), (ax - 0.022, ANKLE_Y)])
        d.poly("body", [(ax - 0.02 * side, ANKLE_Y - 0.01), (ax + 0.02 * side, ANKLE_Y - 0.01), (ax + 0.05 * side, SOLE_Y - 0.005), (ax - 0.02 * side, SOLE_Y - 0.005)])
        if look.kind == "socks":
            d.poly("shade", [(cx - w_top, top), (cx + w_top, top), (cx + w_top, top + 0.015), (cx - w_top, top + 0.015)])
    if look.kind == "tights":
        d.poly("body", [(-0.06, HIP_Y - 0.01), (0.06, HIP_Y - 0.01), (0.0, CROTCH_Y)])
    return d


def draw_shoes(look: Look, pose: Pose) -> Drawing:
    """A pair seen from the side, toes pointing outwards; heel height lifts the heel."""
    d = Drawing()
    lift = 0.045 * look.heel
    for side in (-1, 1):
        ax = ankle_x(side, pose)
        heel_x, toe_x = ax - side * 0.028, ax + side * 0.075
        heel_top = SOLE_Y - 0.035 - lift
        toe_tip = (toe_x + side * (0.02 if look.toe == "pointed" else 0.0), SOLE_Y - 0.006)
        upper = [(heel_x, heel_top), (ax + side * 0.012, heel_top - 0.006), (toe_x - side * 0.015, SOLE_Y - 0.03),
                 toe_tip, (toe_x - side * 0.01, SOLE_Y), (ax, SOLE_Y - lift * 0.5), (heel_x, SOLE_Y - lift)]
        if look.toe == "square":
            upper[3] = (toe_x + side * 0.008, SOLE_Y - 0.025)
        if look.kind == "sandals" or look.toe == "open":
            d.line("body", [(heel_x, heel_top), (ax + side * 0.01, SOLE_Y - 0.03 - lift * 0.5), (toe_x, SOLE_Y - 0.015)], 0.012)
            d.line("body", [(heel_x, SOLE_Y - lift), (ax, SOLE_Y - lift * 0.5), (toe_x, SOLE_Y - 0.002)], 0.012)
            d.line("body", [(ax - 0.012, ANKLE_Y - 0.02), (ax + 0.014, ANKLE_Y - 0.02)], 0.01)
        else:
            d.poly("body", upper)
        if look.kind in ("boots", "ankle_boots"):
            shaft_top = KNEE_Y + 0.02 if look.kind == "boots" else 0.85
            t = (shaft_top - HIP_Y) / (ANKLE_Y - HIP_Y)
            cx = side * 0.055 + (ax - side * 0.055) * t
            w = 0.05 - 0.026 * t + 0.008
            d.poly("body", [(cx - w, shaft_top), (cx + w, shaft_top), (ax + 0.03, heel_top + 0.01), (ax - 0.03, heel_top + 0.01)])
        heel_type = look.heel_type
        if look.heel > 0.15:
            if heel_type == "wedge":
                d.poly("shade", [(heel_x, SOLE_Y - lift), (ax + side * 0.03, SOLE_Y - 0.004), (heel_x, SOLE_Y)])
            elif heel_type == "block":
                d.poly("body", [(heel_x - side * 0.002, SOLE_Y - lift), (heel_x + side * 0.02, SOLE_Y - lift), (heel_x + side * 0.018, SOLE_Y), (heel_x, SOLE_Y)])
            else:  # stiletto
                d.line("body", [(heel_x + side * 0.004, SOLE_Y - lift), (heel_x + side * 0.006, SOLE_Y)], 0.007)
        if look.kind == "sneakers" or heel_type == "platform":
            d.poly("light" if look.kind == "sneakers" else "shade",
                   [(heel_x, SOLE_Y - 0.014 - lift), (toe_x, SOLE_Y - 0.014), (toe_x, SOLE_Y), (heel_x, SOLE_Y)])
        if look.kind == "sneakers":
            d.line("light", [(ax - side * 0.005, SOLE_Y - 0.03), (ax + side * 0.03, SOLE_Y - 0.025)], 0.004)
    return d


def draw_bag(look: Look, pose: Pose) -> Drawing:
    """A bag beside the body: rectangle with its handle or strap on the hand's side."""
    d = Drawing()
    side = -1 if look.has("left") else 1
    hx, hy = hand_point(side, pose)
    k = look.kind
    if k == "rucksack":
        x0, x1, y0, y1 = side * 0.10, side * 0.22, 0.22, 0.47
        d.poly("body", [(x0, y0), (x1, y0), (x1, y1), (x0, y1)])
        d.line("shade", [(side * 0.06, SHOULDER_Y), (side * 0.085, 0.36)], 0.016)
        d.line("shade", [(-side * 0.06, SHOULDER_Y), (-side * 0.085, 0.36)], 0.016)
        d.poly("shade", [(x0 + side * 0.015, 0.36), (x1 - side * 0.015, 0.36), (x1 - side * 0.015, 0.44), (x0 + side * 0.015, 0.44)])
        return d
    sizes = {"handbag": (0.11, 0.085), "tote": (0.14, 0.13), "clutch": (0.09, 0.05), "shoulder_bag": (0.10, 0.08),
             "travel_bag": (0.17, 0.09)}
    w, h = sizes[k]
    w, h = w * look.fit, h * look.fit
    if k == "shoulder_bag":
        cx, top = side * 0.17, 0.47
        d.line("dark", [(-side * 0.09, SHOULDER_Y), (cx, top)], 0.007)
    elif k == "clutch":
        cx, top = hx + side * 0.01, hy - 0.015
    else:
        cx, top = hx + side * 0.02, hy + 0.04
    x0, x1 = cx - w / 2, cx + w / 2
    if k == "handbag":
        d.poly("body", [(x0 + 0.01, top), (x1 - 0.01, top), (x1, top + h), (x0, top + h)])
    else:
        d.poly("body", [(x0, top), (x1, top), (x1, top + h), (x0, top + h)])
    if k in ("handbag", "travel_bag"):
        d.arc("body", cx, top, w * 0.3, 0.05 if k == "handbag" else 0.035, 0.008)
    elif k == "tote":
        d.line("body", [(x0 + 0.025, top), (hx, hy), (x1 - 0.025, top)], 0.008)
    d.line("shade", [(x0 + 0.005, top + h * 0.3), (x1 - 0.005, top + h * 0.3)], 0.01)
    d.ellipse("light", cx, top + h * 0.35, 0.006, 0.006)
    return d


def draw_accessory(look: Look, pose: Pose) -> Drawing:
    """Small items, mostly near the head: hats, caps, sunglasses, scarves, necklaces; also belts etc."""
    d = Drawing()
    k = look.kind
    if k == "hat":
        d.ellipse("body", 0.0, HEAD_Y - 0.03, HEAD_R * 1.9, 0.014)
        d.poly("body", [(-HEAD_R * 0.85, HEAD_Y - 0.03), (HEAD_R * 0.85, HEAD_Y - 0.03), (HEAD_R * 0.7, HEAD_Y - 0.085), (-HEAD_R * 0.7, HEAD_Y - 0.085)])
        d.line("shade", [(-HEAD_R * 0.85, HEAD_Y - 0.04), (HEAD_R * 0.85, HEAD_Y - 0.04)], 0.01)
    elif k == "cap":
        d.ellipse("body", 0.0, HEAD_Y - 0.04, HEAD_R * 0.95, HEAD_R * 0.65)
        d.poly("body", [(0.0, HEAD_Y - 0.035), (HEAD_R * 1.8, HEAD_Y - 0.03), (HEAD_R * 1.7, HEAD_Y - 0.015), (0.0, HEAD_Y - 0.02)])
    elif k == "sunglasses":
        for side in (-1, 1):
            d.ellipse("body", side * 0.021, HEAD_Y + 0.0, 0.018, 0.013)
        d.line("body", [(-0.01, HEAD_Y - 0.004), (0.01, HEAD_Y - 0.004)], 0.005)
        d.line("body", [(-0.04, HEAD_Y - 0.004), (-0.05, HEAD_Y - 0.008)], 0.004)
        d.line("body", [(0.04, HEAD_Y - 0.004), (0.05, HEAD_Y - 0.008)], 0.004)
    elif k == "scarf":
        d.poly("body", [(-0.05, NECK_Y - 0.01), (0.05, NECK_Y - 0.01), (0.06, SHOULDER_Y + 0.02), (-0.06, SHOULDER_Y + 0.02)])
        d.poly("body", [(0.01, SHOULDER_Y), (0.05, SHOULDER_Y), (0.055, 0.33), (0.02, 0.33)])
        d.line("shade", [(0.02, 0.31), (0.055, 0.31)], 0.008)
    elif k == "necklace":
        d.arc("body", 0.0, NECK_Y + 0.005, 0.04, 0.06, 0.01, start=0.0, end=180.0)
        d.ellipse("body", 0.0, NECK_Y + 0.068, 0.016, 0.016)
        for side in (-1, 1):
            d.ellipse("body", side * HEAD_R * 0.8, HEAD_Y + 0.025, 0.007, 0.01)
    elif k == "belt":
        d.poly("body", [(-WAIST_X - 0.008, WAIST_Y - 0.012), (WAIST_X + 0.008, WAIST_Y - 0.012), (WAIST_X + 0.008, WAIST_Y + 0.008), (-WAIST_X - 0.008, WAIST_Y + 0.008)])
        d.poly("light", [(-0.012, WAIST_Y - 0.014), (0.012, WAIST_Y - 0.014), (0.012, WAIST_Y + 0.01), (-0.012, WAIST_Y + 0.01)])
    elif k == "gloves":
        for side in (-1, 1):
            path = arm_path(side, pose)
            d.poly("body", _tube([_lerp(path[1], path[2], 0.6), path[2]], 0.038, 0.036))
            hx, hy = hand_point(side, pose)
            d.ellipse("body", hx, hy, 0.021, 0.029)
    elif k == "watch":
        path = arm_path(-1, pose)
        d.poly("body", _tube([_lerp(path[1], path[2], 0.78), _lerp(path[1], path[2], 0.97)], 0.042, 0.042))
        cx, cy = _lerp(path[1], path[2], 0.875)
        d.ellipse("body", cx, cy, 0.026, 0.022)
        d.ellipse("light", cx, cy, 0.014, 0.012)
    else:  # purse: a small wallet held in the hand
        hx, hy = hand_point(1, pose)
        d.poly("body", [(hx - 0.03, hy - 0.02), (hx + 0.04, hy - 0.02), (hx + 0.04, hy + 0.02), (hx - 0.03, hy + 0.02)])
        d.line("light", [(hx - 0.03, hy - 0.005), (hx + 0.04, hy - 0.005)], 0.004)
    return d


def drawer(kind: str) -> Callable[..., Drawing]:
    """The drawing function for a garment kind."""
    for kinds, fn in ((UPPER_KINDS, draw_upper), (OUTER_KINDS, draw_outer), (LOWER_KINDS, draw_lower),
                      (FULL_KINDS, draw_full), (LEG_KINDS, draw_legwear), (SHOE_KINDS, draw_shoes),
                      (BAG_KINDS, draw_bag), (ACCESSORY_KINDS, draw_accessory)):
        if kind in kinds:
            return fn
    raise ValueError(f"unknown garment kind {kind!r}")


def draw(look: Look, pose: Pose, open_front: bool = False) -> Drawing:
    fn = drawer(look.kind)
    if fn in (draw_upper, draw_outer):
        return fn(look, pose, open_front)
    return fn(look, pose)
