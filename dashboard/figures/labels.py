"""The one label-placement rule: text written over a chart never lands on other text.

The server does not know how wide the reader's screen is, so labels are placed for the
narrowest plot a page draws (a 360 px phone less the axis margins): each label gets the
lowest row above the plot where, at that width, it clears every label already in the row.
On a wider screen the same rows only leave more room. Names that need not sit at a
point (which city a launch line belongs to) go to the legend instead, which plotly lays
out itself; values go where each has a row of its own (a category axis).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd

NARROWEST_PLOT_PX = 240.0  # a 360 px screen less the y axis, its title and the margins
ROW_PX = 20  # one row of 12 px labels with their border and a gap
GAP_PX = 4.0


def text_px(text: str, size: float) -> float:
    """An upper estimate of `text`'s width in px at font `size`: CJK and other wide
    characters one em, everything else 0.62 em (wider than the average Latin letter)."""
    return sum(size * (1.0 if _wide(ch) else 0.62) for ch in str(text))


def fraction(x: Any, lo: Any, hi: Any) -> float:
    """Where `x` lies between `lo` and `hi` (dates or numbers), clipped to 0..1."""
    if isinstance(x, date | pd.Timestamp | str):
        x, lo, hi = (pd.Timestamp(v).value for v in (x, lo, hi))
    span = float(hi) - float(lo)
    if span <= 0:
        return 0.5
    return min(1.0, max(0.0, (float(x) - float(lo)) / span))


def stack_rows(spans: Sequence[tuple[float, float]]) -> list[int]:
    """For each (left, right) span in px, the lowest row (0, 1, ...) where it overlaps no
    span placed before it; spans are placed left to right."""
    rows: list[list[tuple[float, float]]] = []
    placed = [0] * len(spans)
    for i in sorted(range(len(spans)), key=lambda i: spans[i][0]):
        left, right = spans[i]
        for r, taken in enumerate(rows):
            if all(right + GAP_PX <= a or left >= b + GAP_PX for a, b in taken):
                taken.append((left, right))
                placed[i] = r
                break
        else:
            rows.append([(left, right)])
            placed[i] = len(rows) - 1
    return placed


def label_rows(
    positions: Sequence[float], widths: Sequence[float], anchors: Sequence[str]
) -> list[int]:
    """Rows for labels at plot `positions` (0..1) `widths` px wide, anchored 'left',
    'center' or 'right' at their position, on the narrowest plot."""
    spans = []
    for pos, width, anchor in zip(positions, widths, anchors, strict=True):
        x = pos * NARROWEST_PLOT_PX
        left = {"left": x, "right": x - width}.get(anchor, x - width / 2)
        spans.append((left, left + width))
    return stack_rows(spans)


def inward_anchor(position: float) -> str:
    """A label's anchor that keeps it inside the plot: right of a point in the left half,
    left of one in the right half."""
    return "left" if position <= 0.5 else "right"


def wrap(text: str, max_px: float, size: float) -> str:
    """`text` broken into lines of at most `max_px` at font `size` ('<br>' between them, as
    plotly writes a line break): at spaces, or between wide (CJK) characters, which need none.
    A single word wider than `max_px` keeps a line of its own."""
    lines: list[str] = []
    line, last_wide = "", False
    for word in _words(text):
        wide = _wide(word[0])
        joined = f"{line}{word}" if not line or wide or last_wide else f"{line} {word}"
        if line and text_px(joined, size) > max_px:
            lines.append(line)
            joined = word
        line, last_wide = joined, wide
    return "<br>".join([*lines, line] if line else lines)


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


def _words(text: str) -> list[str]:
    """Words of `text`: runs of narrow characters split at spaces, each wide character alone."""
    words: list[str] = []
    current = ""
    for ch in str(text):
        if _wide(ch) or ch == " ":
            if current:
                words.append(current)
            current = ""
            if ch != " ":
                words.append(ch)
        else:
            current += ch
    if current:
        words.append(current)
    return words
