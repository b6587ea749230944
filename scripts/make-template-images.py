#!/usr/bin/env python3
"""Regenerate the PNG images of the Passline "loyalty" pass template.

Usage:
    python3 scripts/make-template-images.py [TEMPLATE_DIR]

TEMPLATE_DIR defaults to PassTemplates/loyalty (relative to the repository
root, i.e. the parent of this script's folder). The script writes:

    TEMPLATE_DIR/icon.png, icon@2x.png, icon@3x.png        29x29 pt
    TEMPLATE_DIR/logo.png, logo@2x.png, logo@3x.png        160x50 pt
    TEMPLATE_DIR/strip.png, strip@2x.png, strip@3x.png     375x144 pt ("base" tier)
    TEMPLATE_DIR/variants/<tier>/strip*.png                 one strip set per other tier

Standard library only (zlib + struct). The PNG encoder writes IHDR, one IDAT
and IEND only (8-bit RGBA, colour type 6, filter 0 on every row, zlib level 9),
with no time stamps or other metadata, so the output is byte-for-byte
deterministic: running the script twice produces identical files.

Everything is drawn with simple geometry in point units; each image is
rendered at 1x, 2x and 3x. Curved edges are anti-aliased by supersampling.
"""

from __future__ import annotations

import math
import os
import struct
import sys
import zlib

# ---------------------------------------------------------------------------
# Colours (background, foreground, label) per tier. Keep in sync with
# PassTemplates/loyalty/pass.json (base) and template.json (variants).
# ---------------------------------------------------------------------------
TIERS = {
    "base": ((38, 50, 56), (255, 255, 255), (176, 190, 197)),
    "silver": ((96, 108, 118), (255, 255, 255), (220, 226, 230)),
    "gold": ((122, 90, 24), (255, 255, 255), (250, 224, 160)),
}
DEFAULT_TIER = "base"

ICON_BG = TIERS["base"][0]
WHITE = (255, 255, 255)

SCALES = (1, 2, 3)
ICON_PT = (29, 29)
LOGO_PT = (160, 50)
STRIP_PT = (375, 144)


# ---------------------------------------------------------------------------
# PNG encoder
# ---------------------------------------------------------------------------
def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def encode_png(width: int, height: int, rgba: bytes | bytearray) -> bytes:
    """Encode 8-bit RGBA pixels (row-major, 4 bytes per pixel) as PNG."""
    stride = width * 4
    if len(rgba) != stride * height:
        raise ValueError("pixel buffer size does not match the image size")
    raw = bytearray()
    for y in range(height):
        raw.append(0)  # filter type 0 (None)
        raw += rgba[y * stride:(y + 1) * stride]
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", zlib.compress(bytes(raw), 9))
        + _chunk(b"IEND", b"")
    )


def write_png(path: str, width: int, height: int, rgba: bytes | bytearray) -> None:
    data = encode_png(width, height, rgba)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    print(f"wrote {path} ({width}x{height}, {len(data)} bytes)")


# ---------------------------------------------------------------------------
# A tiny raster canvas: 8-bit straight-alpha RGBA, drawing in point units.
# ---------------------------------------------------------------------------
class Canvas:
    def __init__(self, width_pt: int, height_pt: int, scale: int,
                 fill: tuple[int, int, int, int] = (0, 0, 0, 0)):
        self.scale = scale
        self.w = width_pt * scale
        self.h = height_pt * scale
        self.px = bytearray(bytes(fill) * (self.w * self.h))

    def blend(self, i: int, color: tuple[int, int, int], alpha: float) -> None:
        """Composite `color` with opacity `alpha` over pixel index i (source-over)."""
        if alpha <= 0.0:
            return
        p = self.px
        o = i * 4
        if alpha >= 1.0:
            p[o], p[o + 1], p[o + 2], p[o + 3] = color[0], color[1], color[2], 255
            return
        da = p[o + 3] / 255.0
        out_a = alpha + da * (1.0 - alpha)
        k = da * (1.0 - alpha)
        for c in range(3):
            p[o + c] = int(round((color[c] * alpha + p[o + c] * k) / out_a))
        p[o + 3] = int(round(out_a * 255.0))

    def fill_shape(self, inside, bbox_pt, color, alpha: float = 1.0, ss: int = 3) -> None:
        """Fill the region where inside(x_pt, y_pt) is true, anti-aliased by
        ss x ss supersampling. bbox_pt = (x0, y0, x1, y1) bounds the shape."""
        s = self.scale
        x0 = max(0, int(math.floor(bbox_pt[0] * s)))
        y0 = max(0, int(math.floor(bbox_pt[1] * s)))
        x1 = min(self.w, int(math.ceil(bbox_pt[2] * s)))
        y1 = min(self.h, int(math.ceil(bbox_pt[3] * s)))
        offs = [(k + 0.5) / ss for k in range(ss)]
        n = float(ss * ss)
        for py in range(y0, y1):
            ys = [(py + o) / s for o in offs]
            row = py * self.w
            for px in range(x0, x1):
                xs = [(px + o) / s for o in offs]
                hits = 0
                for y in ys:
                    for x in xs:
                        if inside(x, y):
                            hits += 1
                if hits:
                    self.blend(row + px, color, alpha * hits / n)

    def fill_rect(self, x0, y0, x1, y1, color, alpha: float = 1.0) -> None:
        """Axis-aligned rectangle; exact when the edges sit on whole pixels."""
        self.fill_shape(lambda x, y: x0 <= x < x1 and y0 <= y < y1,
                        (x0, y0, x1, y1), color, alpha, ss=2)


# ---------------------------------------------------------------------------
# Shapes (predicates in point units)
# ---------------------------------------------------------------------------
def rounded_rect(x0, y0, x1, y1, r):
    def inside(x, y):
        if x < x0 or x >= x1 or y < y0 or y >= y1:
            return False
        cx = min(max(x, x0 + r), x1 - r)
        cy = min(max(y, y0 + r), y1 - r)
        dx, dy = x - cx, y - cy
        return dx * dx + dy * dy <= r * r
    return inside


def pawn(left, top, size):
    """Chess pawn silhouette inside the square box (left, top, size x size):
    ball head, collar disc, flared (concave) body and a two-step base.
    Returns (predicate, bbox)."""
    def n(x, y):  # to normalised box coordinates
        return (x - left) / size, (y - top) / size

    head_c, head_r = (0.5, 0.20), 0.14
    collar = rounded_rect(0.31, 0.35, 0.69, 0.43, 0.04)
    body_top, body_bot = 0.30, 0.80
    ring = rounded_rect(0.19, 0.775, 0.81, 0.855, 0.03)
    plinth = rounded_rect(0.14, 0.85, 0.86, 0.94, 0.035)

    def inside(x, y):
        u, v = n(x, y)
        du, dv = u - head_c[0], v - head_c[1]
        if du * du + dv * dv <= head_r * head_r:
            return True
        if collar(u, v) or ring(u, v) or plinth(u, v):
            return True
        if body_top <= v <= body_bot:
            t = (v - body_top) / (body_bot - body_top)
            half = 0.075 + 0.205 * t ** 2.4
            return abs(u - 0.5) <= half
        return False

    bbox = (left + 0.13 * size, top + 0.05 * size, left + 0.87 * size, top + 0.95 * size)
    return inside, bbox


# ---------------------------------------------------------------------------
# Images
# ---------------------------------------------------------------------------
def draw_icon(scale: int) -> Canvas:
    w, h = ICON_PT
    c = Canvas(w, h, scale)
    c.fill_shape(rounded_rect(0, 0, w, h, 6.5), (0, 0, w, h), ICON_BG, ss=4)
    shape, bbox = pawn(3.0, 2.6, 23.0)
    c.fill_shape(shape, bbox, WHITE, ss=4)
    return c


def draw_logo(scale: int) -> Canvas:
    """White pawn on the left, a framed 2x9 checkerboard band on the right,
    on a transparent background (works on every tier colour)."""
    w, h = LOGO_PT
    c = Canvas(w, h, scale)
    shape, bbox = pawn(1.0, 3.0, 44.0)
    c.fill_shape(shape, bbox, WHITE, ss=3)

    cols, rows, sq = 9, 2, 12
    bx0, by0 = 48, 13
    bx1, by1 = bx0 + cols * sq, by0 + rows * sq
    # 1-pt frame, 1 pt away from the squares.
    frame_out = rounded_rect(bx0 - 2, by0 - 2, bx1 + 2, by1 + 2, 1.5)
    frame_in = rounded_rect(bx0 - 1, by0 - 1, bx1 + 1, by1 + 1, 0.5)
    c.fill_shape(lambda x, y: frame_out(x, y) and not frame_in(x, y),
                 (bx0 - 2, by0 - 2, bx1 + 2, by1 + 2), WHITE, ss=3)
    for r in range(rows):
        for col in range(cols):
            light = (r + col) % 2 == 0
            c.fill_rect(bx0 + col * sq, by0 + r * sq, bx0 + (col + 1) * sq,
                        by0 + (r + 1) * sq, WHITE, 1.0 if light else 0.30)
    return c


def _smoothstep(e0: float, e1: float, x: float) -> float:
    t = min(1.0, max(0.0, (x - e0) / (e1 - e0)))
    return t * t * (3.0 - 2.0 * t)


def _mix(a, b, t):
    return tuple(int(round(a[i] + (b[i] - a[i]) * t)) for i in range(3))


def draw_strip(scale: int, tier: str) -> Canvas:
    """Flat (perspective-free) chessboard on the right that fades into the
    background colour towards the left, where Wallet overlays the primary
    field; a large pawn in the tier's label colour sits on the board. All key
    content stays inside the central 123-pt band (y 10.5 ... 133.5 pt)."""
    bg, _fg, label = TIERS[tier]
    w_pt, h_pt = STRIP_PT
    c = Canvas(w_pt, h_pt, scale)
    w, h = c.w, c.h
    sq = 18 * scale                       # 8 rows of 18 pt fill the 144-pt height
    # Per-column colour of a "light" square: label colour blended into the
    # background with a strength that fades in from left to right.
    light_cols = []
    for x in range(w):
        xpt = (x + 0.5) / scale
        f = _smoothstep(0.30 * w_pt, 0.80 * w_pt, xpt)
        light_cols.append(_mix(bg, label, 0.22 * f))
    dark = bytes((bg[0], bg[1], bg[2], 255))
    rows = []
    for phase in (0, 1):
        row = bytearray()
        for x in range(w):
            col = (w - 1 - x) // sq       # board anchored at the right edge
            if (col + phase) % 2 == 0:
                lc = light_cols[x]
                row += bytes((lc[0], lc[1], lc[2], 255))
            else:
                row += dark
        rows.append(bytes(row))
    px = bytearray()
    for y in range(h):
        px += rows[(y // sq) % 2]
    c.px = px

    # Large pawn, vertically centred (y 17 ... 127 pt), on the right.
    size = 116.0
    shape, bbox = pawn(w_pt - 42.0 - size / 2.0 - 20.0, (h_pt - size) / 2.0, size)
    # soft drop shadow for depth, then the pawn itself
    sh_shape, sh_bbox = pawn(w_pt - 42.0 - size / 2.0 - 20.0 + 2.5,
                             (h_pt - size) / 2.0 + 2.5, size)
    c.fill_shape(sh_shape, sh_bbox, (0, 0, 0), alpha=0.25, ss=2)
    c.fill_shape(shape, bbox, label, ss=3)
    return c


def main(argv: list[str]) -> int:
    repo_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if len(argv) > 2:
        print("usage: python3 scripts/make-template-images.py [TEMPLATE_DIR]", file=sys.stderr)
        return 2
    out = argv[1] if len(argv) == 2 else os.path.join(repo_root, "PassTemplates", "loyalty")

    def name(base: str, scale: int) -> str:
        return f"{base}.png" if scale == 1 else f"{base}@{scale}x.png"

    for s in SCALES:
        c = draw_icon(s)
        write_png(os.path.join(out, name("icon", s)), c.w, c.h, c.px)
    for s in SCALES:
        c = draw_logo(s)
        write_png(os.path.join(out, name("logo", s)), c.w, c.h, c.px)
    for tier in TIERS:
        folder = out if tier == DEFAULT_TIER else os.path.join(out, "variants", tier)
        for s in SCALES:
            c = draw_strip(s, tier)
            write_png(os.path.join(folder, name("strip", s)), c.w, c.h, c.px)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
