"""Lines stop where the data stops: a line drawn across missing periods would read as data.

Stored values have no rows for periods without data, so a plain line joins the periods on
either side of a gap. `break_lines` puts a null point after each gap (plotly stops a line
at a null), found from the periods' spacing at the series' grain.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from gosmart.vocab import Grain

# Calendar unit of each grain, and how many of it make one step.
STEP = {
    Grain.ANNUAL: ("Y", 1),
    Grain.MONTHLY: ("M", 1),
    Grain.WEEKLY: ("D", 7),
    Grain.DAILY: ("D", 1),
}


def gap_after(periods: Any, grain: str | None, every: int = 1) -> np.ndarray:
    """True where the next period is more than `every` steps of `grain` later."""
    p = np.asarray(periods, dtype="datetime64[D]")
    if grain not in STEP or len(p) < 2:
        return np.zeros(max(len(p) - 1, 0), dtype=bool)
    unit, size = STEP[grain]
    return np.diff(p.astype(f"datetime64[{unit}]").astype("int64")) > size * every


def break_lines(
    periods: Any, grain: str | None, x: Sequence, *ys: Sequence, every: int = 1
) -> tuple[list, ...]:
    """`x` and each of `ys` with a null point after every gap (its x repeats the last one)."""
    at = np.flatnonzero(gap_after(periods, grain, every)) + 1
    if not len(at):
        return (iso_days(x), *(list(y) for y in ys))
    xs = np.asarray(iso_days(x), dtype=object)
    out = [np.insert(xs, at, xs[at - 1]).tolist()]
    out += [np.insert(np.asarray(list(y), dtype=object), at, None).tolist() for y in ys]
    return tuple(out)


def iso_days(x: Sequence) -> list:
    """Dates as ISO day strings (what a figure's JSON carries), anything else as it is."""
    values = np.asarray(x)
    if np.issubdtype(values.dtype, np.datetime64):
        return np.datetime_as_string(values.astype("datetime64[D]")).tolist()
    return list(x)
