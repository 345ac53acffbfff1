"""Share of voice, drawn: a bar per day, stacked by who was talked about (us first, then each competitor).

SVG for the HTML digest and the web, PNG for e-mail (mail clients drop inline SVG). Drawn from numbers
only; the names go in the legend, which the templates escape.
"""
from __future__ import annotations

from typing import Any

from delivery.chart_png import AXIS, WHITE, encode_png

# us in the house blue, competitors in distinct muted colours (cycled past six)
PALETTE = ["#2563eb", "#f59e0b", "#10b981", "#8b5cf6", "#ef4444", "#64748b", "#ec4899", "#14b8a6"]


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _columns(sov: dict[str, Any]) -> list[list[int]]:
    """Per day, each entity's count, in entity order."""
    entities = sov["entities"]
    days = len(entities[0]["per_day"]) if entities else 0
    return [[e["per_day"][i]["posts"] for e in entities] for i in range(days)]


def share_chart_svg(sov: dict[str, Any], width: int = 560, height: int = 120, inline_style: bool = True) -> str:
    """``inline_style=False`` for pages whose Content-Security-Policy forbids style attributes (the web app)."""
    columns = _columns(sov)
    top = max([sum(c) for c in columns] + [1])
    gap = 4
    bar = (width - gap * (len(columns) + 1)) / max(len(columns), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 18}" '
             f'viewBox="0 0 {width} {height + 18}"'
             + (' style="max-width:100%;height:auto;"' if inline_style else ' class="chart"') + ' role="img" '
             f'aria-label="Posts about us and about each competitor per day, last {len(columns)} days">']
    for i, counts in enumerate(columns):
        x = gap + i * (bar + gap)
        y = float(height)
        for index, n in enumerate(counts):
            if not n:
                continue
            h = n / top * height
            y -= h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{colour(index)}"/>')
        day = sov["entities"][0]["per_day"][i]["day"]
        if i % 2 == 0 or len(columns) <= 8:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{height + 13}" font-size="9" text-anchor="middle" '
                         f'fill="#64748b">{day.day}/{day.month}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


def share_chart_png(sov: dict[str, Any], width: int = 560, height: int = 120) -> bytes:
    rows = [bytearray(bytes(WHITE) * width) for _ in range(height)]

    def fill(x0: int, x1: int, y0: int, y1: int, rgb: tuple[int, int, int]) -> None:
        x0, x1 = max(0, x0), min(width, x1)
        for y in range(max(0, y0), min(height, y1)):
            rows[y][x0 * 3:x1 * 3] = bytes(rgb) * (x1 - x0)

    columns = _columns(sov)
    top = max([sum(c) for c in columns] + [1])
    gap = 4
    bar = (width - gap * (len(columns) + 1)) / max(len(columns), 1)
    usable = height - 2
    for i, counts in enumerate(columns):
        x0 = int(gap + i * (bar + gap))
        x1 = int(x0 + bar)
        base = usable
        for index, n in enumerate(counts):
            h = round(n / top * usable)
            fill(x0, x1, base - h, base, _rgb(colour(index)))
            base -= h
    fill(0, width, usable, usable + 1, AXIS)
    return encode_png(width, height, rows)
