"""Synthetic control (Abadie, Diamond & Hainmueller 2010) on the outcome's pre-period path.

Weights are non-negative and sum to one (scipy SLSQP on the pre-period squared
error). Inference is by placebos in space: every donor is treated in turn, its
post/pre RMSPE ratio ranked against the treated city's (permutation p-value),
and the spread of the placebo gaps gives the interval and the band (test
inversion under a constant additive effect). The p-value can be no smaller than
1/(J+1) with J placebos. The standard deviation of the placebo estimates is the
placebo standard error (Arkhangelsky et al. 2021, Algorithm 4) that sets the
minimum detectable effect. Leave-one-donor-out refits show how much the estimate
leans on any single donor. A close pre-launch fit of a short panel is expected by
construction (the overfitting rule in evidence/strength.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import minimize, nnls

from gosmart.evidence.inference import permutation_p, placebo_se, post_cf_mean, set_mde
from gosmart.evidence.panel import ComparisonWindow, NotEstimable, Panel, comparison_window
from gosmart.evidence.result import (
    MethodResult,
    PlaceboRun,
    effect_path,
    gap_path,
    not_estimable,
    pre_fit_r2,
    rmspe,
    summarise_gaps,
    window_bounds,
)
from gosmart.evidence.strength import overfit_check
from gosmart.missing import finite
from gosmart.texts import Message
from gosmart.vocab import Method

METHOD = Method.SYNTHETIC_CONTROL
MIN_PRE = 3
MIN_DONORS = 2
LOO_MIN_WEIGHT = 0.02


def simplex_weights(target: np.ndarray, donors: np.ndarray) -> np.ndarray:
    """argmin ||target - donors @ w||² subject to w >= 0 and sum(w) = 1.

    Solved as a non-negative least squares problem with the sum constraint as a
    heavily weighted extra row (exact to ~1e-8, and ~50x faster than SLSQP); SLSQP
    is the fallback when that row is not met.
    """
    n_donors = donors.shape[1]
    if n_donors == 1:
        return np.ones(1)
    scale = float(np.sqrt(np.mean(target**2))) or 1.0
    x, a = donors / scale, target / scale
    big = 1e4 * max(1.0, float(np.abs(x).max()))
    w, _ = nnls(
        np.vstack([x, np.full((1, n_donors), big)]),
        np.concatenate([a, [big]]),
        maxiter=50 * n_donors,
    )
    if abs(w.sum() - 1.0) < 1e-6:
        return w / w.sum()
    return _slsqp_weights(a, x)


def _slsqp_weights(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    n_donors = x.shape[1]
    xtx, xta = x.T @ x, x.T @ a

    def loss(w: np.ndarray) -> float:
        return float(w @ xtx @ w - 2 * xta @ w)

    def grad(w: np.ndarray) -> np.ndarray:
        return 2 * (xtx @ w - xta)

    res = minimize(
        loss,
        np.full(n_donors, 1.0 / n_donors),
        jac=grad,
        method="SLSQP",
        bounds=[(0.0, 1.0)] * n_donors,
        constraints=[
            {"type": "eq", "fun": lambda w: w.sum() - 1.0, "jac": lambda w: np.ones_like(w)}
        ],
        options={"maxiter": 1000, "ftol": 1e-13},
    )
    w = np.clip(res.x, 0.0, None)
    return w / w.sum()


def fit(
    y: np.ndarray, donors: np.ndarray, pre_rows: np.ndarray, demean: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Weights and the counterfactual path; `demean` adds a pre-period intercept."""
    yp, xp = y[pre_rows], donors[pre_rows]
    if demean:
        w = simplex_weights(yp - yp.mean(), xp - xp.mean(axis=0))
        cf = donors @ w + (yp.mean() - (xp @ w).mean())
    else:
        w = simplex_weights(yp, xp)
        cf = donors @ w
    return w, cf


def needs_intercept(y_pre: np.ndarray, donors_pre: np.ndarray) -> bool:
    """True when the treated level lies outside what a weighted average of donors can reach."""
    means = donors_pre.mean(axis=0)
    m = float(y_pre.mean())
    return bool(m < means.min() or m > means.max())


def _placebo_interval(est: float, null: np.ndarray) -> tuple[float | None, float | None]:
    null = null[np.isfinite(null)]
    if null.size < 2:
        return None, None
    if null.size >= 19:
        q_lo, q_hi = np.quantile(null, [0.025, 0.975])
    else:
        q_lo, q_hi = null.min(), null.max()
    return finite(est - q_hi), finite(est - q_lo)


def synthetic_control(panel: Panel, *, inference: bool = True) -> MethodResult:
    """Synthetic control estimate for the treated city of `panel`."""
    try:
        cw = comparison_window(
            panel, min_pre=MIN_PRE, min_donors=MIN_DONORS, too_few="synth_needs_two"
        )
    except NotEstimable as exc:
        return not_estimable(METHOD, exc.message)
    y = cw.y.to_numpy(dtype=float)
    x = cw.donors.to_numpy(dtype=float)
    rows = cw.fit_rows
    pre_rows = rows & ~cw.post
    demean = needs_intercept(y[pre_rows], x[pre_rows])
    w, cf = fit(y, x, pre_rows, demean)
    gaps = y - cf
    pre_r = rmspe(gaps[pre_rows])
    post_r = rmspe(gaps[rows & cw.post])
    r2 = pre_fit_r2(y[pre_rows], gaps[pre_rows])
    avg, cum, rel = summarise_gaps(y, cf, cw.post & rows)
    ratio = post_r / pre_r if pre_r > 0 else float("inf")
    weights = {d: round(float(v), 4) for d, v in zip(cw.donors.columns, w, strict=True) if v > 1e-3}
    details = {
        "weights": dict(sorted(weights.items(), key=lambda kv: -kv[1])),
        "donors": list(cw.donors.columns),
        "dropped_donors": cw.dropped,
        "intercept": demean,
        "post_rmspe": finite(post_r),
        "post_pre_ratio": finite(ratio),
        "n_pre": int(pre_rows.sum()),
        "n_post": int((rows & cw.post).sum()),
        "overfit": overfit_check(int(pre_rows.sum()), w, x.shape[1], panel.grain),
    }
    if demean:
        details["intercept_note"] = (
            "the treated city's pre-period level is outside the donors' range, so the "
            "fit matches deviations from pre-period means (demeaned synthetic control)"
        )
    result = MethodResult(
        method=METHOD,
        estimable=True,
        reason=Message("reason_synth", n=x.shape[1]),
        effect_avg=finite(avg),
        effect_cum=finite(cum),
        effect_rel=finite(rel),
        pre_rmspe=finite(pre_r),
        pre_fit_r2=finite(r2),
        details=details,
        **window_bounds(cw.y.index, cw.post, rows),
    )
    path = effect_path(cw.y.index, y, cf)
    if not inference:
        result.path = path
        return result
    _space_placebos(result, cw.y.index, y, x, cw, rows, demean, ratio, path)
    _leave_one_out(result, cw.y.index, y, x, cw, rows, w)
    result.path = path
    return result


def _refit_without(
    target: np.ndarray,
    x: np.ndarray,
    j: int,
    cw: ComparisonWindow,
    rows: np.ndarray,
    demean: bool,
) -> tuple[np.ndarray, tuple[float, float, float]]:
    """The gap of `target` to a synthetic control from every donor but `j`, and its summary."""
    _, cf = fit(target, np.delete(x, j, axis=1), rows & ~cw.post, demean)
    return target - cf, summarise_gaps(target, cf, cw.post & rows)


def _space_placebos(
    result: MethodResult,
    index: pd.Index,
    y: np.ndarray,
    x: np.ndarray,
    cw: ComparisonWindow,
    rows: np.ndarray,
    demean: bool,
    ratio: float,
    path: pd.DataFrame,
) -> None:
    n_donors = x.shape[1]
    if n_donors < 2:
        return
    pre_rows = rows & ~cw.post
    gaps_all, avgs, cums, rels, ratios = [], [], [], [], []
    for j in range(n_donors):
        gj, (aj, cj, rj) = _refit_without(x[:, j], x, j, cw, rows, demean)
        pre_j, post_j = rmspe(gj[pre_rows]), rmspe(gj[rows & cw.post])
        rat = post_j / pre_j if pre_j > 0 else float("inf")
        gaps_all.append(gj)
        avgs.append(aj)
        cums.append(cj)
        rels.append(rj)
        ratios.append(rat)
        result.placebos.append(
            PlaceboRun(
                kind="space",
                unit=str(cw.donors.columns[j]),
                effect_avg=finite(aj),
                post_pre_ratio=finite(rat),
                pre_rmspe=finite(pre_j),
                path=gap_path(index, gj),
            )
        )
    ratios_a = np.asarray(ratios)
    rank = int(1 + np.sum(ratios_a > ratio))
    result.p_value, result.p_value_min = permutation_p(ratio, ratios_a)
    result.p_value_kind = Message(
        "pkind_synth_rank", n=n_donors + 1, p_min=f"{result.p_value_min:.3g}"
    )
    result.se = placebo_se(np.asarray(avgs))
    post_rows = rows & cw.post
    set_mde(
        result,
        result.se,
        "placebo",
        n_donors - 1,
        post_cf_mean(path["counterfactual"].to_numpy(), post_rows),
        n=n_donors,
    )
    result.effect_avg_lo, result.effect_avg_hi = _placebo_interval(
        result.effect_avg, np.asarray(avgs)
    )
    result.effect_cum_lo, result.effect_cum_hi = _placebo_interval(
        result.effect_cum, np.asarray(cums)
    )
    result.effect_rel_lo, result.effect_rel_hi = _placebo_interval(
        result.effect_rel, np.asarray(rels)
    )
    g = np.vstack(gaps_all)
    if n_donors >= 19:
        q_lo, q_hi = np.quantile(g, [0.025, 0.975], axis=0)
        note = "95% interval and band from the 2.5-97.5% quantiles of the placebo gaps"
    else:
        q_lo, q_hi = g.min(axis=0), g.max(axis=0)
        note = (
            f"only {n_donors} placebos: interval and band span the full placebo range, "
            f"whose nominal coverage is at most {(n_donors - 1) / (n_donors + 1):.0%}, not 95%"
        )
    path["lo"] = path["counterfactual"].to_numpy() + q_lo
    path["hi"] = path["counterfactual"].to_numpy() + q_hi
    result.details.update({"ratio_rank": rank, "n_units": n_donors + 1, "interval_note": note})


def _leave_one_out(
    result: MethodResult,
    index: pd.Index,
    y: np.ndarray,
    x: np.ndarray,
    cw: ComparisonWindow,
    rows: np.ndarray,
    w: np.ndarray,
) -> None:
    if x.shape[1] < 3:
        return
    pre_rows = rows & ~cw.post
    demean = result.details["intercept"]
    effects = []
    for j in np.flatnonzero(w >= LOO_MIN_WEIGHT):
        g, (avg, _, _) = _refit_without(y, x, j, cw, rows, demean)
        effects.append(avg)
        result.placebos.append(
            PlaceboRun(
                kind="leave_one_out",
                unit=str(cw.donors.columns[j]),
                effect_avg=finite(avg),
                pre_rmspe=finite(rmspe(g[pre_rows])),
                path=gap_path(index, g),
            )
        )
    if effects:
        result.details["leave_one_out_range"] = [finite(min(effects)), finite(max(effects))]
