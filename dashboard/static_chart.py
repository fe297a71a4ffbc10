"""A chart as a static SVG drawn on the server, for a phone that has no plotly.js yet.

It is drawn from the very Plotly figure the page's interactive chart shows (the same store
rows, the same traces): each line trace as a polyline broken where the figure breaks it,
the launch and event lines and bands of its layout, the y range's two ends and the first
and last period as labels, the legend's names. Nothing is smoothed, thinned or invented;
hover, zoom and the numbered marks wait for plotly.js, which replaces this drawing.
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from gosmart.dashboard.kiosk.format import significant
from gosmart.missing import is_missing

WIDTH, HEIGHT = 412, 300  # a phone's width; scaled to its box as an <img>
PLOT = {"left": 52, "right": 12, "top": 34, "bottom": 30}
FONT = "system-ui, -apple-system, 'Segoe UI', 'Noto Sans TC', sans-serif"
LEGEND_ROW = 18


def _x(value: Any) -> float | None:
    """A period as a number on the time axis (seconds), None for a break."""
    if is_missing(value):
        return None
    return pd.Timestamp(value).value / 1e9


def _lines(fig: go.Figure) -> list[dict[str, Any]]:
    """The figure's line traces as points (None where the line stops), in drawing order."""
    out = []
    for trace in fig.data:
        if trace.type != "scatter" or "lines" not in (trace.mode or "lines"):
            continue
        xs, ys = list(trace.x or ()), list(trace.y or ())
        points = [
            None if _x(x) is None or is_missing(y) else (_x(x), float(y))
            for x, y in zip(xs, ys, strict=False)
        ]
        if any(p is not None for p in points):
            line = trace.line or {}
            out.append(
                {
                    "points": points,
                    "color": line.color or "#444",
                    "width": line.width or 1.5,
                    "name": trace.name or "",
                    "legend": trace.showlegend is not False,
                }
            )
    return out


def _marks(fig: go.Figure) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The layout's full-height vertical lines and shaded bands (launch, events)."""
    lines, bands = [], []
    for shape in fig.layout.shapes or ():
        x0, x1 = _x(shape.x0), _x(shape.x1)
        if x0 is None or x1 is None:
            continue
        if shape.type == "line" and x0 == x1:
            lines.append({"x": x0, "color": shape.line.color or "#444", "dash": shape.line.dash})
        elif shape.type == "rect":
            bands.append({"x0": min(x0, x1), "x1": max(x0, x1), "fill": shape.fillcolor})
    return lines, bands


def _year(seconds: float) -> str:
    return f"{pd.Timestamp(seconds * 1e9):%Y}"


def svg(fig: go.Figure, *, title: str | None = None) -> str:
    """The figure's lines, marks and labels as an SVG document."""
    traces = _lines(fig)
    vlines, bands = _marks(fig)
    legend = [t for t in traces if t["legend"] and t["name"]][::-1]  # the project's city first
    height = HEIGHT + LEGEND_ROW * len(legend)
    title = title if title is not None else (fig.layout.title.text or "")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" font-family="{escape(FONT)}" font-size="12">',
        f'<rect width="{WIDTH}" height="{height}" fill="#fff"/>',
    ]
    if title:
        parts.append(f'<text x="{PLOT["left"]}" y="20" font-size="14">{escape(title)}</text>')
    points = [p for t in traces for p in t["points"] if p is not None]
    if not points:
        return "".join([*parts, "</svg>"])
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x_lo, x_hi = min(xs), max(xs)
    y_lo, y_hi = min(ys), max(ys)
    if x_hi == x_lo:
        x_hi = x_lo + 1
    if y_hi == y_lo:
        y_lo, y_hi = y_lo - 1, y_hi + 1
    left, top = PLOT["left"], PLOT["top"]
    w = WIDTH - left - PLOT["right"]
    h = HEIGHT - top - PLOT["bottom"]

    def px(x: float) -> float:
        return round(left + (x - x_lo) / (x_hi - x_lo) * w, 1)

    def py(y: float) -> float:
        return round(top + (y_hi - y) / (y_hi - y_lo) * h, 1)

    parts.append(
        f'<path d="M{left} {top}V{top + h}H{left + w}" fill="none" stroke="#bbb" stroke-width="1"/>'
    )
    for band in bands:
        a, b = max(band["x0"], x_lo), min(band["x1"], x_hi)
        if a < b:
            parts.append(
                f'<rect x="{px(a)}" y="{top}" width="{round(px(b) - px(a), 1)}" height="{h}" '
                f'fill="{escape(str(band["fill"] or "#eee"))}"/>'
            )
    for trace in traces:
        parts.append(_polyline(trace, px, py))
    for line in vlines:
        if x_lo <= line["x"] <= x_hi:
            dash = "" if line["dash"] in (None, "solid") else ' stroke-dasharray="4 3"'
            parts.append(
                f'<path d="M{px(line["x"])} {top}V{top + h}" stroke="{escape(line["color"])}" '
                f'stroke-width="1.5"{dash}/>'
            )
    label = 'fill="#555" text-anchor="end"'
    parts.append(f'<text x="{left - 4}" y="{top + 4}" {label}>{significant(y_hi)}</text>')
    parts.append(f'<text x="{left - 4}" y="{top + h}" {label}>{significant(y_lo)}</text>')
    base = top + h + 18
    parts.append(f'<text x="{left}" y="{base}" fill="#555">{_year(x_lo)}</text>')
    parts.append(
        f'<text x="{left + w}" y="{base}" fill="#555" text-anchor="end">{_year(x_hi)}</text>'
    )
    for n, trace in enumerate(legend):
        y = HEIGHT + LEGEND_ROW * n + 8
        parts.append(
            f'<path d="M{left} {y}h18" stroke="{escape(trace["color"])}" '
            f'stroke-width="{min(trace["width"], 4)}"/>'
            f'<text x="{left + 24}" y="{y + 4}">{escape(trace["name"])}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _polyline(trace: dict[str, Any], px: Any, py: Any) -> str:
    """One trace as a path: a new segment after each break, a dot for a lone point."""
    d: list[str] = []
    run: list[tuple[float, float]] = []
    for point in [*trace["points"], None]:
        if point is not None and all(math.isfinite(v) for v in point):
            run.append(point)
            continue
        if len(run) == 1:
            x, y = run[0]
            d.append(f"M{px(x)} {py(y)}h0.1")
        elif run:
            d.append("M" + "L".join(f"{px(x)} {py(y)}" for x, y in run))
        run = []
    return (
        f'<path class="trace" d="{"".join(d)}" fill="none" stroke="{escape(trace["color"])}" '
        f'stroke-width="{trace["width"]}" stroke-linejoin="round" stroke-linecap="round"/>'
    )
