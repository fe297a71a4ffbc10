"""Colours and the Plotly template: Okabe-Ito (colour-blind safe), large readable type."""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

# Okabe & Ito (2008) palette, colour-blind safe; the project's city is always the first colour.
# Its orange, sky blue and yellow are darkened (same hues) so every line and marker stands
# 3:1 against the white plot (WCAG 1.4.11): #E69F00 -> #B87800, #56B4E9 -> #3A8AC0,
# #F0E442 -> #8F8600. The kiosk's dark screen keeps the originals (dashboard/kiosk/figures.py).
PALETTE = ["#0072B2", "#B87800", "#009E73", "#CC79A7", "#3A8AC0", "#D55E00", "#8F8600", "#000000"]
TREATED = PALETTE[0]
COUNTERFACTUAL = "#555555"
BAND = "rgba(85, 85, 85, 0.18)"
EVENT = "#D55E00"
LAUNCH = "#000000"
FONT_FAMILY = "'Noto Sans TC', 'Noto Sans CJK TC', 'Microsoft JhengHei', system-ui, sans-serif"

TEMPLATE = go.layout.Template(
    layout=go.Layout(
        colorway=PALETTE,
        font={"family": FONT_FAMILY, "size": 15, "color": "#1a1a1a"},
        title={"font": {"size": 19}},
        paper_bgcolor="white",
        plot_bgcolor="white",
        xaxis={"gridcolor": "#e6e6e6", "linecolor": "#888", "zeroline": False},
        # long tick labels (1,800,000) push the axis title out instead of under it
        yaxis={"gridcolor": "#e6e6e6", "linecolor": "#888", "zeroline": False, "automargin": True},
        legend={"orientation": "h", "y": -0.18},
        margin={"l": 60, "r": 20, "t": 60, "b": 60},
        hoverlabel={"font": {"family": FONT_FAMILY}},
    )
)
pio.templates["gosmart"] = TEMPLATE
pio.templates.default = "gosmart"


def value_ticks(lang: str) -> dict:
    """Tick format of a value axis or colour bar. Plotly's SI suffixes (120k, 1.4M) are Latin
    abbreviations a Chinese reader does not use, so zh shows whole numbers with separators."""
    return {"tickformat": ","} if lang == "zh" else {}
