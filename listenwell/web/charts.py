"""Small inline-SVG charts, drawn from numbers only (nothing from a post reaches them)."""
from __future__ import annotations

from datetime import date

from markupsafe import Markup

WIDTH, HEIGHT, PAD = 160, 40, 3


MIN_POINTS = 4  # fewer days than this make a line that says nothing: the figure alone is shown


def trend_chart(points: list[tuple[date, float]], label: str = "") -> Markup:
    """A 0–100 sparkline, dates spaced by real time, when there are at least MIN_POINTS days of history;
    otherwise the latest figure, with how many days there are."""
    pts = [(d, max(0.0, min(100.0, float(v)))) for d, v in points if v is not None]
    title = "".join(c for c in label if c.isalnum() or c in " _-")  # a sinew name, never user text
    if len(pts) < MIN_POINTS:
        if not pts:
            return Markup('<span class="figure no-history">–</span>')
        days = len(pts)
        return Markup(f'<span class="figure" title="{title}: {days} day{"s" if days != 1 else ""} of history, '
                      f'too few for a trend line">{pts[-1][1]:.0f}</span>'
                      f'<span class="small muted"> ({days} day{"s" if days != 1 else ""} of history)</span>')
    head = (f'<svg class="spark" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{title} trend, {len(pts)} snapshots">')
    body = [f'<line x1="0" y1="{HEIGHT - PAD}" x2="{WIDTH}" y2="{HEIGHT - PAD}" stroke="#e2e8f0"/>']
    if pts:
        first, last = pts[0][0], pts[-1][0]
        span = max((last - first).days, 1)

        def xy(d: date, v: float) -> tuple[float, float]:
            x = PAD + ((d - first).days / span) * (WIDTH - 2 * PAD) if len(pts) > 1 else WIDTH / 2
            y = HEIGHT - PAD - v / 100 * (HEIGHT - 2 * PAD)
            return x, y

        coords = [xy(d, v) for d, v in pts]
        if len(coords) > 1:
            line = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            body.append(f'<polyline points="{line}" fill="none" stroke="#2563eb" stroke-width="2"/>')
        x, y = coords[-1]
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#2563eb"/>')
    return Markup(head + "".join(body) + "</svg>")
