"""Difference-in-differences against comparison cities, with an event study.

With one treated city the two-way fixed-effects estimate equals the change in the
gap between the city and the comparison mean, which is what is computed here.
Inference says which assumption it rests on: with 19 or more comparison cities,
a permutation over them (each treated in turn, Conley & Taber 2011 style; its
p-value is at least 1/(J+1)); with fewer but a long series (MIN_HAC_PERIODS), a
Newey-West (HAC) t-test on the gap series; with a short series but at least
MIN_PLACEBOS_SE cities, a t-test with the placebo standard error (Arkhangelsky et
al. 2021, Algorithm 4); otherwise no interval and no p-value. City-clustered standard errors
from the statsmodels two-way fixed-effects fit are kept in `details` when there are
enough cities to cluster (they are known to be too small with one treated city).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from gosmart.evidence.inference import (
    MIN_HAC_PERIODS,
    MIN_PLACEBOS_SE,
    no_inference,
    permutation_p,
    placebo_se,
    post_cf_mean,
    se_interval,
    set_mde,
    spread,
)
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
) -> dict[str, float | str | None]:
    """Slope of the pre-launch gap on time; parallel trends make it zero.

    HAC errors from MIN_HAC_PERIODS points on; below, classical OLS errors, which
    serial correlation makes too small: the test then rejects parallel trends too
    often, the cautious side for an evidence level.
    """
    rows = ok & ~post
    n = int(rows.sum())
    if n < 3:
        return {"slope": None, "p_value": None, "n_pre": n}
    t = np.arange(len(gap), dtype=float)[rows]
    x = sm.add_constant(t)
    if n >= MIN_HAC_PERIODS:
        est, _, p, _, _ = fit_hac(gap[rows], x).coef(1)
        kind = "hac"
    else:
        ols = sm.OLS(gap[rows], x).fit()
        est, p, kind = float(ols.params[1]), float(ols.pvalues[1]), "classical"
    return {"slope": finite(est), "p_value": finite(p), "n_pre": n, "se_kind": kind}


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
    null, gaps = _placebos(cw)
    result.se = placebo_se(null)
    cf_mean = post_cf_mean(cf, ok & post)
    n_obs = int(ok.sum())
    if n_controls >= MIN_PERMUTATION:
        _add_placebo_runs(result, cw, null, gaps)
        _permutation(result, est, null, gaps, n_post, cf_post_sum, path)
        set_mde(result, result.se, "placebo", n_controls - 1, cf_mean, n=n_controls)
    elif n_obs >= MIN_HAC_PERIODS:
        se = _hac(result, gap, post, ok, cw.y.index, panel.grain, n_post, cf_post_sum, path)
        set_mde(result, se, "model", result.details.get("hac_df"), cf_mean)
    elif result.se is not None:
        _add_placebo_runs(result, cw, null, gaps)
        _placebo_se_test(result, est, n_controls, gaps, n_post, cf_post_sum, path)
        set_mde(result, result.se, "placebo", n_controls - 1, cf_mean, n=n_controls)
    else:
        no_inference(
            result,
            Message(
                "did_no_inference",
                n=n_obs,
                hac=MIN_HAC_PERIODS,
                n_cities=n_controls,
                need=MIN_PLACEBOS_SE,
            ),
        )
    if n_controls + 1 >= MIN_CLUSTERS:
        result.details["cluster_robust"] = _twfe_clustered(cw)
    return result


def _placebos(cw: ComparisonWindow) -> tuple[np.ndarray, list[np.ndarray]]:
    """Each comparison city against the mean of the others: its DiD and its gap path."""
    x = cw.donors.to_numpy(dtype=float)
    ok, post = cw.fit_rows, cw.post
    null, gaps = [], []
    if x.shape[1] < 2:
        return np.asarray(null), gaps
    for j in range(x.shape[1]):
        ej, gj = _did(x[ok, j], np.delete(x[ok], j, axis=1), post[ok])
        null.append(ej)
        full = np.full(len(ok), np.nan)
        full[ok] = gj - np.mean(gj[~post[ok]])
        gaps.append(full)
    return np.asarray(null), gaps


def _add_placebo_runs(
    result: MethodResult, cw: ComparisonWindow, null: np.ndarray, gaps: list[np.ndarray]
) -> None:
    for j, (ej, gj) in enumerate(zip(null, gaps, strict=True)):
        result.placebos.append(
            PlaceboRun(
                kind="space",
                unit=str(cw.donors.columns[j]),
                effect_avg=finite(ej),
                path=gap_path(cw.y.index, gj),
            )
        )


def _set_interval(
    result: MethodResult, lo: float | None, hi: float | None, n_post: int, cf_post_sum: float
) -> None:
    result.effect_avg_lo, result.effect_avg_hi = lo, hi
    if lo is None or hi is None:
        return
    result.effect_cum_lo, result.effect_cum_hi = finite(lo * n_post), finite(hi * n_post)
    if cf_post_sum:
        result.effect_rel_lo = finite(lo * n_post / cf_post_sum)
        result.effect_rel_hi = finite(hi * n_post / cf_post_sum)


def _permutation(
    result: MethodResult,
    est: float,
    null_a: np.ndarray,
    gaps: list[np.ndarray],
    n_post: int,
    cf_post_sum: float,
    path: pd.DataFrame,
) -> None:
    q_lo, q_hi = np.quantile(null_a, [0.025, 0.975])
    _set_interval(result, finite(est - q_hi), finite(est - q_lo), n_post, cf_post_sum)
    result.p_value, result.p_value_min = permutation_p(abs(est), np.abs(null_a))
    result.p_value_kind = Message(
        "pkind_did_permutation", n=len(null_a), p_min=f"{result.p_value_min:.3g}"
    )
    g = np.vstack(gaps)
    band_lo, band_hi = np.full((2, g.shape[1]), np.nan)
    some = np.isfinite(g).any(axis=0)
    band_lo[some], band_hi[some] = np.nanquantile(g[:, some], [0.025, 0.975], axis=0)
    path["lo"] = path["counterfactual"].to_numpy() + band_lo
    path["hi"] = path["counterfactual"].to_numpy() + band_hi
    result.details["interval_note"] = (
        "95% interval from the 2.5-97.5% quantiles of the placebo estimates"
    )


def _placebo_se_test(
    result: MethodResult,
    est: float,
    n_controls: int,
    gaps: list[np.ndarray],
    n_post: int,
    cf_post_sum: float,
    path: pd.DataFrame,
) -> None:
    """A t-test with the placebo standard error, for short series with a few cities."""
    df = n_controls - 1
    lo, hi, p = se_interval(est, result.se, df)
    _set_interval(result, lo, hi, n_post, cf_post_sum)
    result.p_value = p
    result.p_value_kind = Message("pkind_did_placebo_se", n=n_controls, df=df)
    half = float(stats.t.ppf(0.975, df)) * spread(gaps)
    path["lo"] = path["counterfactual"].to_numpy() - half
    path["hi"] = path["counterfactual"].to_numpy() + half
    result.details["interval_note"] = (
        f"95% interval est ± t({df})·se with the placebo standard error over {n_controls} "
        "comparison cities (Arkhangelsky et al. 2021, Algorithm 4): the series is too short "
        "for Newey-West errors"
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
) -> float | None:
    """Newey-West t-test on the gap series (long series only); returns the standard error."""
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
        return None
    res = fit_hac(gap[ok], design)
    est, se, p, lo, hi = res.coef(1)
    result.details["hac_df"] = res.df_resid
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
    result.se = finite(se)
    return result.se


def _twfe_clustered(cw: ComparisonWindow) -> dict[str, float | None]:
    """Two-way fixed effects with city-clustered errors, for reference.

    On the balanced window the fixed effects are removed by two-way demeaning
    (Frisch-Waugh-Lovell), which gives the dummy regression's coefficient and its
    CR1 clustered standard error (small-sample factor G/(G-1)·(N-1)/(N-K), t with
    G-1 degrees of freedom) without building the dummy matrix.
    """
    frame = pd.concat([cw.y.rename("__treated__"), cw.donors], axis=1)[cw.fit_rows]
    y = frame.to_numpy(dtype=float)  # periods × units, treated first
    d = np.zeros_like(y)
    d[cw.post[cw.fit_rows], 0] = 1.0
    n_t, n_u = y.shape

    def demean(a: np.ndarray) -> np.ndarray:
        return a - a.mean(axis=0) - a.mean(axis=1, keepdims=True) + a.mean()

    yd, dd = demean(y), demean(d)
    sxx = float(np.sum(dd**2))
    beta = float(np.sum(dd * yd)) / sxx
    resid = yd - beta * dd
    n_obs, k = n_t * n_u, 1 + (n_u - 1) + (n_t - 1) + 1
    scores = np.sum(dd * resid, axis=0)  # one per city
    factor = n_u / (n_u - 1) * (n_obs - 1) / (n_obs - k)
    se = float(np.sqrt(factor * np.sum(scores**2))) / sxx
    p = float(2 * stats.t.sf(abs(beta / se), n_u - 1)) if se > 0 else float("nan")
    return {
        "effect": finite(beta),
        "se": finite(se),
        "p_value": finite(p),
        "note": "city-clustered SE; too small with a single treated city, shown for reference",
    }
