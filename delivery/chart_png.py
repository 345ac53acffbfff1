"""The digest chart as a PNG, for mail clients that do not render SVG (Gmail, Outlook).

Same picture as ``digest.chart_svg``: a bar per day, positive (green) and negative (red) stacked at
the bottom, neutral (grey) above. Pure Python: rows of RGB bytes, zlib, and the PNG chunks.
"""
from __future__ import annotations

import struct
import zlib
from typing import Any

WHITE = (255, 255, 255)
GREY = (203, 213, 225)
GREEN = (34, 197, 94)
RED = (239, 68, 68)
AXIS = (148, 163, 184)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def encode_png(width: int, height: int, rows: list[bytearray]) -> bytes:
    raw = b"".join(b"\x00" + bytes(row) for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 9))
            + _chunk(b"IEND", b""))


def chart_png(series: list[dict[str, Any]], width: int = 560, height: int = 140) -> bytes:
    rows = [bytearray(bytes(WHITE) * width) for _ in range(height)]

    def fill(x0: int, x1: int, y0: int, y1: int, colour: tuple[int, int, int]) -> None:
        x0, x1 = max(0, x0), min(width, x1)
        for y in range(max(0, y0), min(height, y1)):
            rows[y][x0 * 3:x1 * 3] = bytes(colour) * (x1 - x0)

    top = max([s["posts"] for s in series] + [1])
    gap = 4
    bar = (width - gap * (len(series) + 1)) / max(len(series), 1)
    usable = height - 2
    for i, s in enumerate(series):
        x0 = int(gap + i * (bar + gap))
        x1 = int(x0 + bar)
        total = round(s["posts"] / top * usable)
        positive = round(s["positive"] / top * usable)
        negative = round(s["negative"] / top * usable)
        base = usable
        fill(x0, x1, base - total, base, GREY)
        fill(x0, x1, base - positive, base, GREEN)
        fill(x0, x1, base - positive - negative, base - positive, RED)
    fill(0, width, usable, usable + 1, AXIS)
    return encode_png(width, height, rows)
