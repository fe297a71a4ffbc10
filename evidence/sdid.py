"""Synthetic difference-in-differences (Arkhangelsky, Athey, Hirshberg, Imbens & Wager 2021).

Synthetic Difference-in-Differences, American Economic Review 111(12): 4088-4118.
The estimator made for short panels with one treated city:

* unit weights ω (non-negative, summing to one) make the weighted comparison cities
  move in parallel with the treated one before launch: an intercept lets the
  levels differ, and a ridge penalty ζ²·T_pre·||ω||² spreads the weights, with
  ζ = (N_treated · T_post)^(1/4) · σ̂ and σ̂ the standard deviation of the
  comparison cities' first differences before launch;
* time weights λ make the weighted pre-launch periods of the comparison cities
  predict their post-launch mean (intercept, and the tiny ridge 1e-6 · σ̂ the
  authors' reference implementation uses);
* the effect is the weighted difference in differences
  τ = (ȳ_post − Σ_t λ_t·y_t) − Σ_i ω_i·(Ȳ_i,post − Σ_t λ_t·Y_it).

The weights are the exact minimisers of the two convex problems on the simplex
(the reference implementation approaches them by Frank-Wolfe steps). Inference is
the placebo variance of the paper's Algorithm 4: a comparison city takes the
treated city's place and the weights are re-estimated with the same ζ. With one
treated unit a random draw is only the choice of that city, so every city is used
once instead of B random draws; the interval is τ ± t(J−1)·se.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gosmart.evidence.inference import (
    MIN_PLACEBOS_SE,
    no_inference,
    placebo_se,
    post_cf_mean,
    quantile,
    se_interval,
    set_mde,
    spread,
)
from gosmart.evidence.panel import NotEstimable, Panel, comparison_window
from gosmart.evidence.result import (
    MethodResult,
    PlaceboRun,
    effect_path,
    finite,
    gap_path,
    not_estimable,
    pre_fit_r2,
    rmspe,
    summarise_gaps,
    window_bounds,
)
from gosmart.evidence.strength import overfit_check
from gosmart.evidence.synth import simplex_weights
from gosmart.texts import Message
from gosmart.vocab import Method

METHOD = Method.SDID
MIN_PRE = 2  # σ̂ needs a first difference
MIN_DONORS = 2
ETA_LAMBDA = 1e-6
SHOWN_WEIGHT = 1e-3


@dataclass
class Fit:
    tau: float
    omega: np.ndarray  # unit weights
    lam: np.ndarray  # time weights over the pre-launch rows
    omega0: float  # intercept of the unit-weight fit
    offset: float  # the λ-weighted pre-launch gap between treated and weighted comparison
    cf: np.ndarray  # counterfactual: weighted comparison shifted by `offset`


def noise_level(controls_pre: np.ndarray) -> float:
    """σ̂: standard deviation of the comparison cities' first differences before launch."""
    diffs = np.diff(controls_pre, axis=0)
    return float(np.std(diffs, ddof=1)) if diffs.size > 1 else float("nan")


def simplex_ridge(a: np.ndarray, b: np.ndarray, ridge: float) -> np.ndarray:
    """argmin over the simplex of ||(a - mean a)·w - (b - mean b)||² + ridge·||w||²."""
    a, b = a - a.mean(axis=0), b - b.mean()
    if ridge > 0:
        k = a.shape[1]
        a = np.vstack([a, np.sqrt(ridge) * np.eye(k)])
        b = np.concatenate([b, np.zeros(k)])
    return simplex_weights(b, a)


def fit(
    y: np.ndarray, x: np.ndarray, pre: np.ndarray, zeta_omega: float, zeta_lambda: float
) -> Fit:
    """SDID of `y` against the columns of `x` (rows: periods, all present)."""
    yp, xp, post = y[pre], x[pre], ~pre
    n_controls, n_pre = x.shape[1], int(pre.sum())
    omega = simplex_ridge(xp, yp, n_pre * zeta_omega**2)
    lam = simplex_ridge(xp.T, x[post].mean(axis=0), n_controls * zeta_lambda**2)
    offset = float(lam @ (yp - xp @ omega))
    cf = x @ omega + offset
    return Fit(
        tau=float(np.mean(y[post] - cf[post])),
        omega=omega,
        lam=lam,
        omega0=float(np.mean(yp - xp @ omega)),
        offset=offset,
        cf=cf,
    )


def synthetic_did(panel: Panel, *, inference: bool = True) -> MethodResult:
    """SDID estimate for the treated city of `panel`, with the placebo standard error."""
    try:
        cw = comparison_window(
            panel, min_pre=MIN_PRE, min_donors=MIN_DONORS, too_few="sdid_needs_two"
        )
    except NotEstimable as exc:
        return not_estimable(METHOD, exc.message)
    rows = cw.fit_rows
    index = cw.y.index
    y_all = cw.y.to_numpy(dtype=float)
    x_all = cw.donors.to_numpy(dtype=float)
    y, x, pre = y_all[rows], x_all[rows], ~cw.post[rows]
    sigma = noise_level(x[pre])
    if not np.isfinite(sigma) or sigma == 0:
        return not_estimable(METHOD, Message("sdid_flat_donors"))
    n_post = int((~pre).sum())
    zeta_omega = n_post**0.25 * sigma  # (N_treated · T_post)^(1/4) · σ̂ with one treated city
    zeta_lambda = ETA_LAMBDA * sigma
    f = fit(y, x, pre, zeta_omega, zeta_lambda)
    cf_all = x_all @ f.omega + f.offset
    resid_pre = y[pre] - (x[pre] @ f.omega + f.omega0)
    avg, cum, rel = summarise_gaps(y_all, cf_all, cw.post & rows)
    names = list(cw.donors.columns)
    weights = {
        d: round(float(v), 4) for d, v in zip(names, f.omega, strict=True) if v > SHOWN_WEIGHT
    }
    pre_index = index[rows][pre]
    time_weights = {
        t.date().isoformat(): round(float(v), 4)
        for t, v in zip(pre_index, f.lam, strict=True)
        if v > SHOWN_WEIGHT
    }
    details = {
        "weights": dict(sorted(weights.items(), key=lambda kv: -kv[1])),
        "time_weights": time_weights,
        "donors": names,
        "dropped_donors": cw.dropped,
        "unit_intercept": finite(f.omega0),
        "noise_level": finite(sigma),
        "zeta_omega": finite(zeta_omega),
        "zeta_lambda": finite(zeta_lambda),
        "n_pre": int(pre.sum()),
        "n_post": n_post,
        "fit_note": (
            "pre-period fit (R², RMSPE) of the unit weights with their intercept; the path "
            "shifts the weighted comparison by the time-weighted pre-launch gap, so its "
            "average post-launch gap is the estimate"
        ),
        "overfit": overfit_check(
            int(pre.sum()), f.omega, len(names), panel.grain, count_weights=False
        ),
    }
    result = MethodResult(
        method=METHOD,
        estimable=True,
        reason=Message("reason_sdid", n=len(names)),
        effect_avg=finite(avg),
        effect_cum=finite(cum),
        effect_rel=finite(rel),
        pre_rmspe=finite(rmspe(resid_pre)),
        pre_fit_r2=finite(pre_fit_r2(y[pre], resid_pre)),
        details=details,
        **window_bounds(index, cw.post, rows),
    )
    result.path = effect_path(index, y_all, cf_all)
    if inference:
        _placebo_inference(result, index, rows, x_all, pre, zeta_omega, zeta_lambda, names)
    return result


def _placebo_inference(
    result: MethodResult,
    index: pd.Index,
    rows: np.ndarray,
    x_all: np.ndarray,
    pre: np.ndarray,
    zeta_omega: float,
    zeta_lambda: float,
    names: list[str],
) -> None:
    """Algorithm 4: every comparison city treated in turn, weights re-estimated."""
    x = x_all[rows]
    taus, gaps = [], []
    for j in range(x.shape[1]):
        pf = fit(x[:, j], np.delete(x, j, axis=1), pre, zeta_omega, zeta_lambda)
        gap = np.full(len(index), np.nan)
        gap[rows] = x[:, j] - pf.cf
        taus.append(pf.tau)
        gaps.append(gap)
        result.placebos.append(
            PlaceboRun(kind="space", unit=str(names[j]), effect_avg=finite(pf.tau),
                       path=gap_path(index, gap))
        )  # fmt: skip
    n = len(taus)
    se = placebo_se(np.asarray(taus))
    result.details["n_placebos"] = n
    if se is None:
        no_inference(result, Message("few_placebos", n=n, need=MIN_PLACEBOS_SE))
        return
    df = n - 1
    lo, hi, p = se_interval(result.effect_avg, se, df)
    n_post = int(result.details["n_post"])
    path = result.path
    cf = path["counterfactual"].to_numpy()
    post_rows = np.asarray(index >= result.post_start) & rows  # the post rows that were fitted
    cf_sum = float(np.nansum(cf[post_rows]))
    result.se = se
    result.effect_avg_lo, result.effect_avg_hi, result.p_value = lo, hi, p
    result.effect_cum_lo, result.effect_cum_hi = finite(lo * n_post), finite(hi * n_post)
    if cf_sum:
        result.effect_rel_lo = finite(lo * n_post / cf_sum)
        result.effect_rel_hi = finite(hi * n_post / cf_sum)
    result.p_value_kind = Message("pkind_sdid_placebo", n=n, df=df)
    half = quantile(0.975, df) * spread(gaps)
    path["lo"], path["hi"] = cf - half, cf + half
    set_mde(result, se, "placebo", df, post_cf_mean(cf, post_rows), n=n)
    result.details["interval_note"] = (
        f"95% interval τ ± t({df})·se with the placebo standard error over {n} comparison "
        "cities (Arkhangelsky et al. 2021, Algorithm 4); band: counterfactual ± t·sd of "
        "the placebo gaps in each period"
    )
