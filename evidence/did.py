"""Difference-in-differences against comparison cities, with an event study.

With one treated city the two-way fixed-effects estimate equals the change in the
gap between the city and the comparison mean, which is what is computed here.
Inference says which assumption it rests on: with 19 or more comparison cities,
a permutation over them (each treated in turn, Conley & Taber 2011 style); with
fewer, a Newey-West (HAC) t-test on the gap series. City-clustered standard errors
from the statsmodels two-way fixed-effects fit are kept in `details` when there are
enough cities to cluster (they are known to be too small with one treated city).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm

from gosmart.evidence.ols import fit_hac
from gosmart.evidence.panel import ComparisonWindow, NotEstimable, Panel, comparison_window
from gosmart.evidence.result import (
    MethodResult,
    PlaceboRun,
    effect_path,
    gap_path,
    not_estimable,
    pre_fit_r2,
    rmspe,
    window_bounds,
)
from gosmart.missing import finite
from gosmart.texts import Message
from gosmart.vocab import Method

METHOD = Method.DID
MIN_PRE = 2
MIN_PERMUTATION = 19
MIN_CLUSTERS = 10


def seasonal_dummies(index: pd.Index, grain: str) -> np.ndarray | None:
    """Month-of-year (or quarter) dummies without the first level, or None."""
    if grain == "monthly":
        season = np.asarray(index.month)
        levels = range(2, 13)
    elif grain == "quarterly":
        season = np.asarray(index.quarter)
        levels = range(2, 5)
    else:
        return None
    return np.column_stack([(season == m).astype(float) for m in levels])


def _did(y: np.ndarray, controls: np.ndarray, post: np.ndarray) -> tuple[float, np.ndarray]:
    gap = y - controls.mean(axis=1)
    return float(np.nanmean(gap[post]) - np.nanmean(gap[~post])), gap


def event_bins(index: pd.Index, launch: pd.Timestamp, grain: str) -> np.ndarray:
    """Event time: periods since launch for annual data, whole years since launch otherwise."""
    if grain == "annual":
        return np.asarray(index.year - launch.year)
    months = (index.year - launch.year) * 12 + (index.month - launch.month)
    return np.floor(np.asarray(months) / 12).astype(int)


def event_study(gap: np.ndarray, bins: np.ndarray, ok: np.ndarray) -> dict[int, float]:
    """Mean gap per event-time bin minus the last pre-launch bin (the reference)."""
    ref = -1 if np.any(ok & (bins == -1)) else int(bins[ok & (bins < 0)].max())
    base = float(np.mean(gap[ok & (bins == ref)]))
    return {int(k): float(np.mean(gap[ok & (bins == k)]) - base) for k in np.unique(bins[ok])}


def pretrend_test(
    gap: np.ndarray, post: np.ndarray, ok: np.ndarray, grain: str
) -> dict[str, float | None]:
    """Slope of the pre-launch gap on time (HAC); parallel trends make it zero."""
    rows = ok & ~post
    n = int(rows.sum())
    if n < 3:
        return {"slope": None, "p_value": None, "n_pre": n}
    t = np.arange(len(gap), dtype=float)[rows]
    x = sm.add_constant(t)
    est, _, p, _, _ = fit_hac(gap[rows], x).coef(1)
    return {"slope": finite(est), "p_value": finite(p), "n_pre": n}


def difference_in_differences(panel: Panel, *, inference: bool = True) -> MethodResult:
    """DiD estimate of the treated city against the comparison mean."""
    try:
        cw = comparison_window(panel, min_pre=MIN_PRE, min_donors=1)
    except NotEstimable as exc:
        return not_estimable(METHOD, exc.message)
    ok = cw.fit_rows
    y = cw.y.to_numpy(dtype=float)
    x = cw.donors.to_numpy(dtype=float)
    post = cw.post
    est, gap = _did(y, x, post)
    pre_gap = float(np.mean(gap[ok & ~post]))
    cf = x.mean(axis=1) + pre_gap
    n_post = int((ok & post).sum())
    cf_post_sum = float(np.sum(cf[ok & post]))
    resid_pre = gap[ok & ~post] - pre_gap
    r2 = pre_fit_r2(y[ok & ~post], resid_pre)
    n_controls = x.shape[1]
    bins = event_bins(cw.y.index, panel.launch, panel.grain)
    details = {
        "comparison_cities": list(cw.donors.columns),
        "dropped_comparison_cities": cw.dropped,
        "n_pre": int((ok & ~post).sum()),
        "n_post": n_post,
        "event_study": {str(k): finite(v) for k, v in event_study(gap, bins, ok).items()},
        "event_time_unit": "year" if panel.grain != "daily" else "year",
        "pretrend": pretrend_test(gap, post, ok, panel.grain),
    }
    result = MethodResult(
        method=METHOD,
        estimable=True,
        reason=Message("reason_did_one" if n_controls == 1 else "reason_did", n=n_controls),
        effect_avg=finite(est),
        effect_cum=finite(est * n_post),
        effect_rel=finite(est * n_post / cf_post_sum) if cf_post_sum else None,
        pre_rmspe=finite(rmspe(resid_pre)),
        pre_fit_r2=finite(r2),
        details=details,
        **window_bounds(cw.y.index, post, ok),
    )
    path = effect_path(cw.y.index, y, cf)
    result.path = path
    if not inference:
        return result
    if n_controls >= MIN_PERMUTATION:
        _permutation(result, cw, est, n_post, cf_post_sum, path)
    else:
        _hac(result, gap, post, ok, cw.y.index, panel.grain, n_post, cf_post_sum, path)
    if n_controls + 1 >= MIN_CLUSTERS:
        result.details["cluster_robust"] = _twfe_clustered(cw)
    return result


def _permutation(
    result: MethodResult,
    cw: ComparisonWindow,
    est: float,
    n_post: int,
    cf_post_sum: float,
    path: pd.DataFrame,
) -> None:
    x = cw.donors.to_numpy(dtype=float)
    ok, post = cw.fit_rows, cw.post
    null, gaps = [], []
    for j in range(x.shape[1]):
        ej, gj = _did(x[ok, j], np.delete(x[ok], j, axis=1), post[ok])
        null.append(ej)
        full = np.full(len(ok), np.nan)
        full[ok] = gj - np.mean(gj[~post[ok]])
        gaps.append(full)
        result.placebos.append(
            PlaceboRun(
                kind="space",
                unit=str(cw.donors.columns[j]),
                effect_avg=finite(ej),
                path=gap_path(cw.y.index, full),
            )
        )
    null_a = np.asarray(null)
    q_lo, q_hi = np.quantile(null_a, [0.025, 0.975])
    result.effect_avg_lo, result.effect_avg_hi = finite(est - q_hi), finite(est - q_lo)
    result.effect_cum_lo = finite(result.effect_avg_lo * n_post)
    result.effect_cum_hi = finite(result.effect_avg_hi * n_post)
    if cf_post_sum:
        result.effect_rel_lo = finite(result.effect_cum_lo / cf_post_sum)
        result.effect_rel_hi = finite(result.effect_cum_hi / cf_post_sum)
    result.p_value = (1 + int(np.sum(np.abs(null_a) >= abs(est)))) / (len(null_a) + 1)
    result.p_value_kind = Message("pkind_did_permutation", n=len(null_a))
    g = np.vstack(gaps)
    band_lo, band_hi = np.nanquantile(g, [0.025, 0.975], axis=0)
    path["lo"] = path["counterfactual"].to_numpy() + band_lo
    path["hi"] = path["counterfactual"].to_numpy() + band_hi
    result.details["interval_note"] = (
        "95% interval from the 2.5-97.5% quantiles of the placebo estimates"
    )


def _hac(
    result: MethodResult,
    gap: np.ndarray,
    post: np.ndarray,
    ok: np.ndarray,
    index: pd.Index,
    grain: str,
    n_post: int,
    cf_post_sum: float,
    path: pd.DataFrame,
) -> None:
    cols = [np.ones(len(gap)), post.astype(float)]
    season = seasonal_dummies(index, grain)
    n_pre = int((ok & ~post).sum())
    if season is not None and n_pre >= 24:
        cols.extend(season.T)
        result.details["seasonal_dummies"] = True
    design = np.column_stack(cols)[ok]
    n = int(ok.sum())
    if n - design.shape[1] < 2:
        result.details["inference_note"] = "too few periods for a HAC standard error"
        return
    res = fit_hac(gap[ok], design)
    est, _, p, lo, hi = res.coef(1)
    # with seasonal dummies the gap regression can move the point estimate slightly
    result.effect_avg = finite(est)
    result.effect_cum = finite(est * n_post)
    result.effect_avg_lo, result.effect_avg_hi = finite(lo), finite(hi)
    result.effect_cum_lo, result.effect_cum_hi = finite(lo * n_post), finite(hi * n_post)
    if cf_post_sum:
        result.effect_rel = finite(est * n_post / cf_post_sum)
        result.effect_rel_lo = finite(lo * n_post / cf_post_sum)
        result.effect_rel_hi = finite(hi * n_post / cf_post_sum)
    result.p_value = finite(p)
    result.p_value_kind = Message("pkind_did_hac", lags=res.lags)
    half = res.t_crit() * res.resid_sd
    path["lo"] = path["counterfactual"].to_numpy() - half
    path["hi"] = path["counterfactual"].to_numpy() + half
    result.details["interval_note"] = (
        "95% interval from the HAC t-test; band is the counterfactual ± t·σ of the gap residuals"
    )


def _twfe_clustered(cw: ComparisonWindow) -> dict[str, float | None]:
    """Two-way fixed effects with city-clustered errors (statsmodels), for reference."""
    frame = pd.concat([cw.y.rename("__treated__"), cw.donors], axis=1)
    frame = frame[cw.fit_rows]
    long = frame.stack().rename("y").reset_index()
    long.columns = ["period", "unit", "y"]
    post_periods = set(frame.index[cw.post[cw.fit_rows]])
    long["d"] = ((long["unit"] == "__treated__") & long["period"].isin(post_periods)).astype(float)
    units = pd.get_dummies(long["unit"], drop_first=True, dtype=float)
    periods = pd.get_dummies(long["period"], drop_first=True, dtype=float)
    x = pd.concat([long[["d"]], units, periods], axis=1)
    x.insert(0, "const", 1.0)
    groups = pd.factorize(long["unit"])[0]
    res = sm.OLS(long["y"].to_numpy(), x.to_numpy()).fit(
        cov_type="cluster", cov_kwds={"groups": groups}, use_t=True
    )
    return {
        "effect": finite(res.params[1]),
        "se": finite(res.bse[1]),
        "p_value": finite(res.pvalues[1]),
        "note": "city-clustered SE; too small with a single treated city, shown for reference",
    }
