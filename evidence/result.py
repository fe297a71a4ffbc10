"""What one method returns: an effect row, its path and its placebos, or why not.

Effects are stored in the indicator's own units. Relative effects are fractions
of the counterfactual; so is `mde_rel`. A method that cannot give an honest number returns
`estimable=False` with a reason and no figures at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from gosmart.missing import finite
from gosmart.texts import Message


@dataclass
class PlaceboRun:
    """One placebo: a donor treated in turn, a fake date, a dropped donor or a tried date."""

    kind: str  # 'space' | 'time' | 'leave_one_out' | 'launch_sensitivity'
    unit: str
    effect_avg: float | None
    post_pre_ratio: float | None = None
    pre_rmspe: float | None = None
    path: list[list[Any]] | None = None  # [[period_start iso, gap], ...]


@dataclass
class MethodResult:
    method: str
    estimable: bool
    reason: str
    effect_avg: float | None = None
    effect_avg_lo: float | None = None
    effect_avg_hi: float | None = None
    effect_rel: float | None = None
    effect_rel_lo: float | None = None
    effect_rel_hi: float | None = None
    effect_cum: float | None = None
    effect_cum_lo: float | None = None
    effect_cum_hi: float | None = None
    p_value: float | None = None
    p_value_kind: str | None = None
    p_value_min: float | None = None  # a permutation p-value's floor, 1 / (J + 1)
    se: float | None = None  # standard error of effect_avg, where the method has one
    mde: float | None = None  # minimum detectable effect (80% power, 5% two-sided)
    mde_rel: float | None = None  # the same as a fraction of the post-period counterfactual
    # a log-scale fit's MDE is asymmetric in levels: the downward side (negative), where it is
    mde_lo: float | None = None
    mde_rel_lo: float | None = None
    mde_kind: str | None = None  # what the MDE rests on (placebo spread or model SE)
    pre_rmspe: float | None = None
    pre_fit_r2: float | None = None
    path: pd.DataFrame | None = None  # index period; observed, counterfactual, lo, hi
    placebos: list[PlaceboRun] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    pre_start: pd.Timestamp | None = None
    pre_end: pd.Timestamp | None = None
    post_start: pd.Timestamp | None = None
    post_end: pd.Timestamp | None = None

    def interval_excludes_zero(self) -> bool:
        lo, hi = self.effect_avg_lo, self.effect_avg_hi
        return lo is not None and hi is not None and (lo > 0 or hi < 0)


def not_estimable(method: str, why: Message | str, **details: Any) -> MethodResult:
    """The honest answer when a method cannot run: no numbers, one reason ("not estimable
    because <why>")."""
    reason = Message("not_estimable", why=why)
    return MethodResult(method=method, estimable=False, reason=reason, details=dict(details))


def gap_path(index: pd.Index, gaps: np.ndarray) -> list[list[Any]]:
    return [
        [pd.Timestamp(t).date().isoformat(), finite(g)] for t, g in zip(index, gaps, strict=True)
    ]


def effect_path(
    index: pd.Index,
    observed: np.ndarray,
    counterfactual: np.ndarray,
    lo: np.ndarray | float = np.nan,
    hi: np.ndarray | float = np.nan,
) -> pd.DataFrame:
    """A method's path: observed, counterfactual and its band (NaN until inference sets it)."""
    return pd.DataFrame(
        {"observed": observed, "counterfactual": counterfactual, "lo": lo, "hi": hi}, index=index
    )


def rmspe(gaps: np.ndarray) -> float:
    """Root mean squared gap over the finite gaps (NaN when there are none)."""
    gaps = gaps[np.isfinite(gaps)]
    return float(np.sqrt(np.mean(gaps**2))) if gaps.size else float("nan")


def pre_fit_r2(y_pre: np.ndarray, resid_pre: np.ndarray) -> float:
    """Share of the pre-period variance the fit explains (NaN for a flat pre-period)."""
    sst = float(np.sum((y_pre - y_pre.mean()) ** 2))
    return 1 - float(np.sum(resid_pre**2)) / sst if sst > 0 else float("nan")


def window_bounds(index: pd.Index, post: np.ndarray, present: np.ndarray) -> dict[str, Any]:
    """First and last pre and post periods that hold a value."""
    pre_idx = index[(~post) & present]
    post_idx = index[post & present]
    return {
        "pre_start": pre_idx.min() if len(pre_idx) else None,
        "pre_end": pre_idx.max() if len(pre_idx) else None,
        "post_start": post_idx.min() if len(post_idx) else None,
        "post_end": post_idx.max() if len(post_idx) else None,
    }


def summarise_gaps(
    observed: np.ndarray, counterfactual: np.ndarray, post: np.ndarray
) -> tuple[float, float, float]:
    """Average and cumulative post-period gap, and the gap relative to the counterfactual."""
    ok = post & np.isfinite(observed) & np.isfinite(counterfactual)
    gaps = observed[ok] - counterfactual[ok]
    avg = float(np.mean(gaps))
    cum = float(np.sum(gaps))
    denom = float(np.sum(counterfactual[ok]))
    rel = cum / denom if denom != 0 else float("nan")
    return avg, cum, rel
