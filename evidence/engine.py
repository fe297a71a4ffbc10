"""Run every design the data allow for one project × indicator and pick the strongest.

Order of preference: synthetic difference-in-differences (made for short panels),
synthetic control, difference-in-differences, interrupted time series,
before/after (only when nothing else can run). Each estimable method gets
placebos in time and an evidence level; the primary result is the one with the
highest level (ties go to the earlier method in that order), and only it gets the
launch-date sensitivity. Every result then carries its verdict, what the data
could have detected and what would strengthen it (in `details`). No exception
escapes: a failure becomes a "not estimable because ..." result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from gosmart.evidence.before_after import before_after
from gosmart.evidence.did import difference_in_differences, pretrend_test
from gosmart.evidence.its import MIN_PRE as ITS_MIN_PRE
from gosmart.evidence.its import interrupted_time_series
from gosmart.evidence.panel import Panel
from gosmart.evidence.placebo import (
    launch_dates,
    launch_sensitivity,
    sensitivity_row,
    time_placebos,
)
from gosmart.evidence.result import MethodResult, not_estimable
from gosmart.evidence.sdid import MIN_PRE as SDID_MIN_PRE
from gosmart.evidence.sdid import synthetic_did
from gosmart.evidence.strength import (
    agreement,
    cap_for_break_at_launch,
    cap_for_scale,
    evidence_level,
    scale_check,
    strengthen,
)
from gosmart.evidence.synth import synthetic_control
from gosmart.evidence.verdict import verdict_details
from gosmart.missing import finite
from gosmart.texts import Message
from gosmart.vocab import Method

COMPARISON_METHODS = [
    (Method.SDID, synthetic_did, SDID_MIN_PRE),
    (Method.SYNTHETIC_CONTROL, synthetic_control, 3),
    (Method.DID, difference_in_differences, 2),
]
WEIGHTED_DESIGNS = (Method.SDID, Method.SYNTHETIC_CONTROL)


@dataclass
class Evaluation:
    results: list[MethodResult]
    primary: MethodResult | None
    levels: dict[str, tuple[int, str]] = field(default_factory=dict)
    agreement: str = ""
    # when nothing runs at the default date: the best design at each date the sources allow
    fallback_sensitivity: list[dict[str, Any]] = field(default_factory=list)


def _safe(method: str, fn, panel: Panel) -> MethodResult:
    try:
        return fn(panel)
    except (ValueError, np.linalg.LinAlgError, ZeroDivisionError) as exc:
        return not_estimable(method, Message("computation_failed", error=str(exc)))


def to_levels(result: MethodResult) -> None:
    """Turn a log-scale result back into the indicator's units (in place)."""
    if not result.estimable or result.path is None:
        return
    p = result.path
    post = np.asarray(p.index >= result.post_start) if result.post_start is not None else None
    log_avg = (result.effect_avg_lo, result.effect_avg, result.effect_avg_hi)
    result.path = np.exp(p)
    obs, cf = result.path["observed"].to_numpy(), result.path["counterfactual"].to_numpy()
    ok = post & np.isfinite(obs) & np.isfinite(cf)
    gaps = obs[ok] - cf[ok]
    cf_sum, cf_mean = float(cf[ok].sum()), float(cf[ok].mean())
    result.effect_avg, result.effect_cum = finite(gaps.mean()), finite(gaps.sum())
    result.effect_rel = finite(gaps.sum() / cf_sum)
    if result.mde is not None:
        log_mde = result.mde
        result.mde_rel, result.mde_rel_lo = finite(np.expm1(log_mde)), finite(np.expm1(-log_mde))
        result.mde = finite(result.mde_rel * cf_mean)
        result.mde_lo = finite(result.mde_rel_lo * cf_mean)
        if isinstance(result.details.get("mde"), dict):
            result.details["mde"].update(
                value=result.mde,
                relative=result.mde_rel,
                value_lo=result.mde_lo,
                relative_lo=result.mde_rel_lo,
                log_points=finite(log_mde),
            )
    lo, _, hi = log_avg
    if lo is not None and hi is not None:
        rel_lo, rel_hi = float(np.expm1(lo)), float(np.expm1(hi))
        result.effect_rel_lo, result.effect_rel_hi = finite(rel_lo), finite(rel_hi)
        result.effect_avg_lo, result.effect_avg_hi = (
            finite(rel_lo * cf_mean),
            finite(rel_hi * cf_mean),
        )
        result.effect_cum_lo, result.effect_cum_hi = (
            finite(rel_lo * cf_sum),
            finite(rel_hi * cf_sum),
        )
    result.pre_rmspe = None if result.pre_rmspe is None else result.pre_rmspe
    result.details["scale"] = "log"
    result.details["scale_note"] = (
        "fitted on the log scale because a data break lies in the window; paths and effects "
        "are shown back in the indicator's units, intervals and the minimum detectable "
        "effect converted from the log-scale average (relative interval × counterfactual); "
        "pre-RMSPE, standard error and placebo effects are in log points"
    )


def _add_sc_pretrend(result: MethodResult, panel: Panel) -> None:
    p = result.path
    gap = (p["observed"] - p["counterfactual"]).to_numpy()
    ok = np.isfinite(gap)
    post = np.asarray(p.index >= panel.post_start)
    result.details["pretrend"] = pretrend_test(gap, post, ok, panel.grain)


def _pre_mean(panel: Panel, result: MethodResult) -> float | None:
    """The treated series' mean level over the result's pre-launch window, in its units."""
    y = panel.values[panel.treated]
    if result.pre_start is not None and result.pre_end is not None:
        y = y[(y.index >= result.pre_start) & (y.index <= result.pre_end)]
    y = np.exp(y) if panel.scale == "log" else y
    return finite(y.mean()) if y.notna().any() else None


def _own_series(fn, end: pd.Timestamp | None):
    """An own-series method whose post-period stops where a shared shock begins."""
    if end is None:
        return fn

    def run(p: Panel, **kw) -> MethodResult:
        res = fn(p.truncated(end) if end > p.launch else p, **kw)
        if res.estimable and end > p.launch:
            res.details["post_window_end"] = pd.Timestamp(end).date().isoformat()
            res.details["post_window_note"] = (
                "post-period stops before a shock that hit every city (no comparison "
                "series here to difference it out)"
            )
        return res

    return run


def evaluate(
    panel: Panel,
    launch_min: pd.Timestamp | None = None,
    launch_max: pd.Timestamp | None = None,
    own_series_end: pd.Timestamp | None = None,
    break_at_launch: bool = False,
) -> Evaluation:
    """All designs for one panel, their placebos and levels, and the primary choice.

    `own_series_end` cuts the post-period of the designs without a comparison
    group (ITS, before/after) at the first shared shock after launch.
    """
    methods = list(COMPARISON_METHODS) + [
        (
            Method.ITS,
            _own_series(interrupted_time_series, own_series_end),
            ITS_MIN_PRE.get(panel.grain, 6),
        )
    ]
    results: list[MethodResult] = []
    levels: dict[str, tuple[int, str]] = {}
    fns = {}
    for name, fn, min_pre in methods:
        fns[name] = fn
        res = _safe(name, fn, panel)
        if res.estimable:
            if name in WEIGHTED_DESIGNS:
                _add_sc_pretrend(res, panel)
            runs, summary = time_placebos(panel, lambda p, f=fn, n=name: _safe(n, f, p), min_pre)
            res.placebos.extend(runs)
            res.details["time_placebo"] = summary
            res.details["scale_check"] = scale_check(
                res, _pre_mean(panel, res), panel.scale == "log"
            )
            levels[name] = cap_for_scale(res, evidence_level(res, summary))
            if break_at_launch:
                levels[name] = cap_for_break_at_launch(levels[name])
        results.append(res)
    if not any(r.estimable for r in results):
        fns["before_after"] = _own_series(before_after, own_series_end)
        res = _safe("before_after", fns["before_after"], panel)
        if res.estimable:
            levels["before_after"] = evidence_level(res, None)
        results.append(res)
    order = [r.method for r in results]
    estimable = [r for r in results if r.estimable]
    primary = None
    if estimable:
        primary = max(estimable, key=lambda r: (levels[r.method][0], -order.index(r.method)))
        if launch_min is not None and launch_max is not None and launch_min != launch_max:
            fn = fns[primary.method]
            runs, table = launch_sensitivity(
                panel, lambda p, f=fn, n=primary.method: _safe(n, f, p), launch_min, launch_max
            )
            primary.placebos.extend(runs)
            primary.details["launch_sensitivity"] = table
    if panel.scale == "log":
        for r in results:
            to_levels(r)
    for r in results:
        if r.estimable:
            r.details["verdict"] = verdict_details(r)
            more = strengthen(r, levels.get(r.method, (None,))[0])
            r.details["strengthen"] = more.as_dict() if more is not None else None
    ev = Evaluation(results=results, primary=primary, levels=levels, agreement=agreement(results))
    if primary is None and launch_min is not None and launch_max is not None:
        ev.fallback_sensitivity = _best_design_by_date(
            panel, launch_min, launch_max, own_series_end
        )
    return ev


def _best_design_by_date(
    panel: Panel, lo: pd.Timestamp, hi: pd.Timestamp, own_series_end: pd.Timestamp | None
) -> list[dict[str, Any]]:
    table = []
    for date in launch_dates(lo, hi, panel.grain):
        ev = evaluate(panel.with_launch(date), own_series_end=own_series_end)
        p = ev.primary
        row = sensitivity_row(date, p, panel.grain)
        if p is not None:  # keys in reading order: which design, then its estimate
            row = {"launch": row["launch"], "estimable": True, "method": p.method} | row
            row["evidence_level"] = ev.levels[p.method][0]
        table.append(row)
    return table
