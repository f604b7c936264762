"""The web app's icon as PNGs of any size, drawn here from the same shapes as icon.svg: no image files kept."""

from __future__ import annotations

import struct
import zlib

import numpy as np

BACKGROUND = (0x2A, 0x77, 0x5A)  # the page's green
FOREGROUND = (0xFF, 0xFF, 0xFF)
# The shapes of icon.svg, on its 100-unit square: a figure seated on a mat, under a sun-like ring.
HEAD = (50.0, 30.0, 9.0)  # a disc: centre x, centre y, radius
BODY = (50.0, 58.0, 20.0, 6.0)  # a ring, its lower half cut off by the mat: centre x, centre y, radius, stroke
MAT = (18.0, 70.0, 82.0, 78.0)  # a bar: left, top, right, bottom


def _coverage(distance: np.ndarray, unit: float) -> np.ndarray:
    """Turn a signed distance (negative inside) into how much of each pixel the shape covers, for smooth edges."""
    return np.clip(0.5 - distance / unit, 0.0, 1.0)


def icon_png(size: int) -> bytes:
    """Return the icon as a PNG of `size` × `size` pixels (full bleed, so it can be shown masked, as Android does)."""
    unit = 100.0 / size  # one pixel, in the drawing's units
    y, x = np.mgrid[0:size, 0:size].astype(np.float64) * unit + unit / 2
    head = np.hypot(x - HEAD[0], y - HEAD[1]) - HEAD[2]
    ring = np.abs(np.hypot(x - BODY[0], y - BODY[1]) - BODY[2]) - BODY[3] / 2
    ring = np.maximum(ring, y - BODY[1])  # only the upper half: arms raised in an arc
    left, top, right, bottom = MAT
    mat = np.maximum(np.maximum(left - x, x - right), np.maximum(top - y, y - bottom))
    cover = np.maximum.reduce([_coverage(head, unit), _coverage(ring, unit), _coverage(mat, unit)])
    pixels = np.empty((size, size, 3), dtype=np.uint8)
    for channel in range(3):
        pixels[..., channel] = np.round(BACKGROUND[channel] + (FOREGROUND[channel] - BACKGROUND[channel]) * cover)
    return _png(pixels)


def _png(pixels: np.ndarray) -> bytes:
    """Encode RGB pixels as a PNG: each row behind a filter byte of 0, deflated."""
    height, width, _ = pixels.shape
    rows = np.concatenate([np.zeros((height, 1), dtype=np.uint8), pixels.reshape(height, width * 3)], axis=1)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8 bits, RGB, no interlace
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows.tobytes(), 9))
            + chunk(b"IEND", b""))
