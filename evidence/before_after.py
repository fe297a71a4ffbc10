"""Before/after comparison of the city's own series: the weakest design (level 1).

Used only when nothing stronger can run. The difference of post and pre means
with a Welch t interval; it attributes every change after launch to the project.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from gosmart.evidence.inference import set_mde
from gosmart.evidence.panel import NotEstimable, Panel, own_window
from gosmart.evidence.result import MethodResult, effect_path, not_estimable, rmspe, window_bounds
from gosmart.missing import finite
from gosmart.texts import Message
from gosmart.vocab import Method

METHOD = Method.BEFORE_AFTER
MIN_EACH_SIDE = 2


def before_after(panel: Panel, *, inference: bool = True) -> MethodResult:
    """Mean after launch minus mean before, with a Welch interval."""
    try:
        ys = own_window(panel, min_pre=MIN_EACH_SIDE, min_post=MIN_EACH_SIDE)
    except NotEstimable as exc:
        return not_estimable(METHOD, exc.message)
    y = ys.to_numpy(dtype=float)
    ok = np.isfinite(y)
    post = np.asarray(ys.index >= panel.post_start)
    pre_v, post_v = y[ok & ~post], y[ok & post]
    diff = float(post_v.mean() - pre_v.mean())
    test = stats.ttest_ind(post_v, pre_v, equal_var=False)
    ci = test.confidence_interval(0.95)
    n_post = len(post_v)
    cf = np.full(len(y), pre_v.mean())
    cf_sum = float(pre_v.mean() * n_post)
    half_pre = float(stats.t.ppf(0.975, len(pre_v) - 1) * pre_v.std(ddof=1))
    result = MethodResult(
        method=METHOD,
        estimable=True,
        reason=Message("reason_before_after"),
        effect_avg=finite(diff),
        effect_avg_lo=finite(ci.low),
        effect_avg_hi=finite(ci.high),
        effect_cum=finite(diff * n_post),
        effect_cum_lo=finite(ci.low * n_post),
        effect_cum_hi=finite(ci.high * n_post),
        effect_rel=finite(diff * n_post / cf_sum) if cf_sum else None,
        effect_rel_lo=finite(ci.low * n_post / cf_sum) if cf_sum else None,
        effect_rel_hi=finite(ci.high * n_post / cf_sum) if cf_sum else None,
        p_value=finite(test.pvalue),
        p_value_kind=Message("pkind_welch"),
        pre_rmspe=finite(rmspe(pre_v - pre_v.mean())),
        details={"n_pre": len(pre_v), "n_post": n_post},
        **window_bounds(ys.index, post, ok),
    )
    result.se = finite(np.sqrt(post_v.var(ddof=1) / len(post_v) + pre_v.var(ddof=1) / len(pre_v)))
    set_mde(result, result.se, "model", float(test.df), float(pre_v.mean()))
    result.path = effect_path(ys.index, y, cf, cf - half_pre, cf + half_pre)
    return result
