"""Placebos in time and the launch-date sensitivity, for any method.

A placebo in time re-runs a method on the pre-launch data only, pretending the
project started at an earlier date; a design that finds "effects" there would
find them anywhere. The sensitivity re-runs the chosen method at every period
between the earliest and latest launch date the sources allow.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from gosmart.evidence.panel import FREQ, Panel, period_floor, period_label
from gosmart.evidence.result import MethodResult, PlaceboRun, gap_path
from gosmart.missing import finite

Estimator = Callable[..., MethodResult]
MAX_FAKE_DATES = 8
MAX_SENSITIVITY_DATES = 13
TIME_PLACEBO_MAX_SHARE = 0.2


def _evenly(items: list[Any], k: int) -> list[Any]:
    if len(items) <= k:
        return items
    picks = np.unique(np.round(np.linspace(0, len(items) - 1, k)).astype(int))
    return [items[i] for i in picks]


def time_placebos(
    panel: Panel, estimator: Estimator, min_pre: int
) -> tuple[list[PlaceboRun], dict[str, Any]]:
    """Fake launch dates inside the pre-period; returns the runs and a pass/fail summary."""
    pre = panel.truncated(panel.launch)
    valid = pre.y.dropna().index
    candidates = list(valid[min_pre:-1]) if len(valid) > min_pre + 1 else []
    runs, significant, tried = [], 0, 0
    for fake in _evenly(candidates, MAX_FAKE_DATES):
        res = estimator(pre.with_launch(fake))
        if not res.estimable:
            continue
        tried += 1
        sig = res.interval_excludes_zero() or (res.p_value is not None and res.p_value < 0.05)
        significant += int(sig)
        gaps = None
        if res.path is not None:
            gaps = gap_path(
                res.path.index, (res.path["observed"] - res.path["counterfactual"]).to_numpy()
            )
        runs.append(
            PlaceboRun(
                kind="time",
                unit=pd.Timestamp(fake).date().isoformat(),
                effect_avg=res.effect_avg,
                post_pre_ratio=res.details.get("post_pre_ratio"),
                pre_rmspe=res.pre_rmspe,
                path=gaps,
            )
        )
    share = significant / tried if tried else None
    summary = {
        "n_fake_dates": tried,
        "n_significant": significant,
        "passed": (share is not None and share <= TIME_PLACEBO_MAX_SHARE),
        "rule": (
            f"passes when at most {TIME_PLACEBO_MAX_SHARE:.0%} of fake launch dates in the "
            "pre-period show an effect whose 95% interval excludes zero"
        ),
    }
    if not tried:
        summary["note"] = "the pre-period is too short for a placebo in time"
    return runs, summary


def launch_dates(lo: pd.Timestamp, hi: pd.Timestamp, grain: str) -> list[pd.Timestamp]:
    """Every period start between two dates (at most MAX_SENSITIVITY_DATES, evenly spread)."""
    start, end = period_floor(lo, grain), period_floor(hi, grain)
    if end < start:
        start, end = end, start
    dates = list(pd.date_range(start, end, freq=FREQ[grain]))
    return _evenly(dates, MAX_SENSITIVITY_DATES)


def sensitivity_row(
    date: pd.Timestamp, res: MethodResult | None, grain: str | None = None
) -> dict[str, Any]:
    """One launch date of a sensitivity table: the estimate and its interval when one ran.

    `period` names the launch period at the series' grain ('2019' for annual data),
    the label a chart axis can show.
    """
    estimable = res is not None and res.estimable
    row: dict[str, Any] = {"launch": date.date().isoformat(), "estimable": estimable}
    if grain is not None:
        row["period"] = period_label(date, grain)
    if estimable:
        row.update(
            effect_avg=res.effect_avg,
            lo=res.effect_avg_lo,
            hi=res.effect_avg_hi,
            p_value=res.p_value,
        )
    return row


def launch_sensitivity(
    panel: Panel, estimator: Estimator, lo: pd.Timestamp, hi: pd.Timestamp
) -> tuple[list[PlaceboRun], list[dict[str, Any]]]:
    """The method re-run at every candidate launch date the sources allow."""
    runs, table = [], []
    for date in launch_dates(lo, hi, panel.grain):
        res = estimator(panel.with_launch(date))
        row = sensitivity_row(date, res, panel.grain)
        if res.estimable:
            row["pre_rmspe"] = res.pre_rmspe
            runs.append(
                PlaceboRun(
                    kind="launch_sensitivity",
                    unit=row["launch"],
                    effect_avg=finite(res.effect_avg),
                    post_pre_ratio=res.details.get("post_pre_ratio"),
                    pre_rmspe=res.pre_rmspe,
                )
            )
        else:
            row["reason"] = res.reason
        table.append(row)
    return runs, table
