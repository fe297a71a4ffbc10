"""Missing values become None: the one test for "no value", for the store and the pages alike.

pandas and numpy mark an unknown value as NaN, NaT or NA; the store holds NULL and the
pages print a dash. `is_missing` recognises every such marker (and never a list or a
string, which are values), and `finite` turns a number into a plain float or None, so a
computation that broke (NaN, an infinity) never stores a fake number.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd


def is_missing(value: Any) -> bool:
    """None, NaN (any float type), NaT or pandas' NA; anything else is a value."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return value != value
    if isinstance(value, np.datetime64 | np.timedelta64):
        return bool(np.isnat(value))
    return False


def or_none(value: Any) -> Any:
    """The value itself, or None where it is missing."""
    return None if is_missing(value) else value


def finite(x: Any) -> float | None:
    """A plain float, or None for NaN/inf/None (never store a fake number)."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None
