"""Interrupted time series on the city's own series (segmented regression).

y_t = a + b·t + c·post_t + d·(t - t0)·post_t [+ month dummies] [+ g·control_t] + e_t,
fitted by OLS with Newey-West (HAC) standard errors. The effect in a post period
is c + d·(t - t0); average and cumulative effects and their intervals are linear
contrasts of the coefficients. A control series (the mean of comparison cities
that cover the whole window) enters as a covariate when one exists. Newey-West
errors need a long series: below MIN_HAC_PERIODS points the estimate comes with
no interval and no p-value, and says why.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gosmart.evidence.did import seasonal_dummies
from gosmart.evidence.inference import MIN_HAC_PERIODS, no_inference, post_cf_mean, set_mde
from gosmart.evidence.ols import fit_hac
from gosmart.evidence.panel import NotEstimable, Panel, own_window
from gosmart.evidence.result import (
    MethodResult,
    effect_path,
    not_estimable,
    pre_fit_r2,
    rmspe,
    window_bounds,
)
from gosmart.missing import finite
from gosmart.texts import Message, city
from gosmart.vocab import Method

METHOD = Method.ITS
MIN_PRE = {"annual": 6, "quarterly": 8, "monthly": 18, "daily": 60}
MIN_POST_FOR_SLOPE = 3


def _control_series(panel: Panel, y: pd.Series) -> tuple[np.ndarray | None, list[str]]:
    donors = panel.fit_values[panel.donors].loc[y.index]
    have = y.notna().to_numpy()
    complete = list(donors.columns[donors[have].notna().all(axis=0).to_numpy()])
    if not complete:
        return None, []
    return donors[complete].mean(axis=1).to_numpy(dtype=float), complete


def interrupted_time_series(panel: Panel, *, inference: bool = True) -> MethodResult:
    """Level and slope change of the treated city's own series at launch."""
    min_pre = MIN_PRE.get(panel.grain, 6)
    try:
        ys = own_window(panel, min_pre=min_pre)
    except NotEstimable as exc:
        return not_estimable(METHOD, exc.message)
    y = ys.to_numpy(dtype=float)
    ok = np.isfinite(y)
    post = np.asarray(ys.index >= panel.post_start)
    t = np.arange(len(y), dtype=float)
    t0 = float(t[post][0]) if post.any() else float(len(y))
    n_pre, n_post = int((ok & ~post).sum()), int((ok & post).sum())
    names = ["const", "trend", "level_change"]
    cols = [np.ones(len(y)), t, post.astype(float)]
    slope = n_post >= MIN_POST_FOR_SLOPE
    if slope:
        names.append("slope_change")
        cols.append(np.where(post, t - t0, 0.0))
    season = seasonal_dummies(ys.index, panel.grain)
    if season is not None and n_pre >= 24:
        names.extend(f"season_{i + 2}" for i in range(season.shape[1]))
        cols.extend(season.T)
    control, control_units = _control_series(panel, ys)
    if control is not None:
        names.append("control")
        cols.append(control)
    x = np.column_stack(cols)
    n_params = x.shape[1]
    if int(ok.sum()) - n_params < 3:
        return not_estimable(METHOD, Message("its_few_dof", n=int(ok.sum()), k=n_params))
    res = fit_hac(y[ok], x[ok])
    lags = res.lags
    treat_cols = [names.index("level_change")] + ([names.index("slope_change")] if slope else [])
    x_cf = x.copy()
    x_cf[:, treat_cols] = 0.0
    cf = x_cf @ res.params
    post_ok = ok & post
    k_post = np.where(post_ok, t - t0, 0.0)[post_ok]
    contrast = np.zeros(n_params)
    contrast[names.index("level_change")] = 1.0
    if slope:
        contrast[names.index("slope_change")] = float(k_post.mean())
    avg, se_avg, p_avg, lo, hi = res.contrast(contrast)
    cf_sum = float(np.sum(cf[post_ok]))
    resid_pre = (y - (x @ res.params))[ok & ~post]
    r2 = pre_fit_r2(y[ok & ~post], resid_pre)
    se_cf = np.sqrt(np.einsum("ij,jk,ik->i", x_cf, res.cov, x_cf))
    t_crit = res.t_crit()
    params = {n: finite(v) for n, v in zip(names, res.params, strict=True)}
    pvals = {n: finite(res.coef(i)[2]) for i, n in enumerate(names)}
    details = {
        "coefficients": {k: params[k] for k in names if not k.startswith("season_")},
        "p_values": {k: pvals[k] for k in names if not k.startswith("season_")},
        "seasonal_dummies": any(n.startswith("season_") for n in names),
        "slope_change": slope,
        "control_series": control_units,
        "hac_lags": lags,
        "n_pre": n_pre,
        "n_post": n_post,
    }
    if not slope:
        details["slope_note"] = (
            f"fewer than {MIN_POST_FOR_SLOPE} post periods: level change only, no slope change"
        )
    rel = avg * n_post / cf_sum if cf_sum else None
    result = MethodResult(
        method=METHOD,
        estimable=True,
        reason=Message(
            "reason_its_control" if control_units else "reason_its",
            city=city(panel.treated),
            **({"n": len(control_units)} if control_units else {}),
        ),
        effect_avg=finite(avg),
        effect_avg_lo=finite(lo),
        effect_avg_hi=finite(hi),
        effect_cum=finite(avg * n_post),
        effect_cum_lo=finite(lo * n_post),
        effect_cum_hi=finite(hi * n_post),
        effect_rel=finite(rel),
        effect_rel_lo=finite(lo * n_post / cf_sum) if cf_sum else None,
        effect_rel_hi=finite(hi * n_post / cf_sum) if cf_sum else None,
        p_value=finite(p_avg),
        p_value_kind=Message("pkind_its_hac", lags=lags),
        pre_rmspe=finite(rmspe(resid_pre)),
        pre_fit_r2=finite(r2),
        details=details,
        **window_bounds(ys.index, post, ok),
    )
    n_obs = int(ok.sum())
    if n_obs < MIN_HAC_PERIODS:
        no_inference(result, Message("its_no_inference", n=n_obs, need=MIN_HAC_PERIODS))
        for name in ("p_values", "hac_lags"):
            details.pop(name)
        result.path = effect_path(ys.index, y, cf)
        return result
    result.se = finite(se_avg)
    set_mde(result, result.se, "model", res.df_resid, post_cf_mean(cf, post_ok))
    result.path = effect_path(ys.index, y, cf, cf - t_crit * se_cf, cf + t_crit * se_cf)
    return result
