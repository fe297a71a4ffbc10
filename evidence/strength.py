"""Evidence strength 1..5 in the spirit of the Maryland Scientific Methods Scale.

1 before/after only (or reported figures only); 2 own-series ITS or a weak
comparison; 3 a comparison group with pre/post and an acceptable pre-period
fit; 4 the same with a good fit, passing placebos in time and parallel
pre-trends; 5 randomised or near (never reached by these observational designs).

A close pre-launch fit of weighted donors is evidence only when the data could
have refused it. The overfitting rule: with fewer than `OVERFIT_MIN_PRE`
pre-launch periods, or fewer pre-launch periods than donors given weight, an
(almost) exact fit is expected by construction, so the fit counts for nothing and
the level is capped at 2.

An interval is evidence only when it is narrower than what it measures. The scale
rule: when the smallest change a design could detect (its MDE; without one, the
half-width of its 95% interval) is larger than `SCALE_MAX_SHARE` (100%) of the
treated series' own mean level before launch, the design could not have told the
series doubling, or falling to nothing, from no change, so its comparison says
nothing about any effect a city project could plausibly have: the level is capped
at 2. For a log-scale fit the size is already a share: expm1 of its log points.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gosmart.evidence.panel import n_periods_label
from gosmart.evidence.result import MethodResult
from gosmart.evidence.verdict import number
from gosmart.texts import Message
from gosmart.vocab import Method

GOOD_R2, OK_R2 = 0.9, 0.5
MIN_PRE_FOR_4 = 5
MIN_PRE_FOR_3 = 3
OVERFIT_MIN_PRE = 10
OVERFIT_CAP = 2
WEIGHTED = 1e-3  # a donor with at least this weight counts as used
SCALE_MAX_SHARE = 1.0
SCALE_CAP = 2


def overfit_check(
    n_pre: int, weights: np.ndarray, n_donors: int, grain: str, *, count_weights: bool = True
) -> dict[str, Any]:
    """The overfitting rule for a weighted-donor fit: whether it fires, and why.

    `count_weights=False` for ridge-penalised weights (SDID), which spread over many
    donors on purpose and do not interpolate: only the short-panel part applies.
    """
    n_weighted = int(np.sum(np.asarray(weights) >= WEIGHTED))
    fires = n_pre < OVERFIT_MIN_PRE or (count_weights and n_pre < n_weighted)
    check: dict[str, Any] = {
        "fires": bool(fires),
        "n_pre": n_pre,
        "n_weighted": n_weighted,
        "n_donors": n_donors,
        "min_pre": OVERFIT_MIN_PRE,
        "rule": (
            f"a pre-launch fit counts only with at least {OVERFIT_MIN_PRE} pre-launch periods "
            "and no fewer pre-launch periods than donors given weight"
        ),
    }
    if fires:
        check["message"] = Message(
            "overfit_rule",
            periods=n_periods_label(n_pre, grain),
            n_donors=n_donors,
            n_weighted=n_weighted,
            min_pre=OVERFIT_MIN_PRE,
        )
    return check


def overfits(result: MethodResult) -> bool:
    return bool((result.details.get("overfit") or {}).get("fires"))


def scale_check(result: MethodResult, pre_mean: float | None, log_scale: bool) -> dict[str, Any]:
    """The scale rule for one estimate: whether its MDE (or, without one, its 95% interval's
    half-width) is larger than SCALE_MAX_SHARE of the treated series' pre-launch mean level.

    `pre_mean` is in the indicator's units; with `log_scale` the sizes are log points and
    their share of the level is expm1(size), whatever the level.
    """
    lo, hi = result.effect_avg_lo, result.effect_avg_hi
    basis, size = "mde", result.mde
    if size is None and lo is not None and hi is not None:
        basis, size = "interval", (hi - lo) / 2
    check: dict[str, Any] = {
        "fires": False,
        "max_share": SCALE_MAX_SHARE,
        "rule": (
            f"an estimate counts as a comparison only when its minimum detectable effect (else "
            f"its 95% interval's half-width) is at most {SCALE_MAX_SHARE:.0%} of the treated "
            "series' mean level before launch"
        ),
    }
    if size is None or not np.isfinite(size):
        return check
    if log_scale:
        share = float(np.expm1(size))
    elif pre_mean is None or not np.isfinite(pre_mean) or pre_mean == 0:
        return check
    else:
        share = float(size) / abs(float(pre_mean))
    check.update(basis=basis, size=float(size), pre_mean=pre_mean, share=share)
    if share > SCALE_MAX_SHARE:
        check["fires"] = True
        check["message"] = Message(
            "scale_rule",
            what=Message(f"scale_basis_{basis}"),
            ratio=f"{share:.3g}",
            level="–" if pre_mean is None else number(pre_mean),
            max_ratio=f"{SCALE_MAX_SHARE:g}",
        )
    return check


def too_wide(result: MethodResult) -> bool:
    return bool((result.details.get("scale_check") or {}).get("fires"))


def cap_for_scale(result: MethodResult, level: tuple[int, Message]) -> tuple[int, Message]:
    """The scale rule's cap: level SCALE_CAP at most, with the rule's reason."""
    if not too_wide(result) or level[0] <= SCALE_CAP:
        return level
    return SCALE_CAP, Message("level_scale", why=result.details["scale_check"]["message"])


def _pre_fit(result: MethodResult) -> str:
    r2 = result.pre_fit_r2
    if r2 is None:
        return "unknown"
    return "good" if r2 >= GOOD_R2 else "ok" if r2 >= OK_R2 else "poor"


def _pretrends_parallel(result: MethodResult) -> bool | None:
    test = result.details.get("pretrend")
    if not test or test.get("p_value") is None:
        return None
    return bool(test["p_value"] > 0.10)


def evidence_level(
    result: MethodResult, time_placebo: dict[str, Any] | None
) -> tuple[int, Message]:
    """The level and a one-line reason for one estimable method result."""
    m = result.method
    if m == Method.BEFORE_AFTER:
        return 1, Message("level_before_after")
    if m == Method.ITS:
        if time_placebo and time_placebo.get("n_fake_dates") and not time_placebo.get("passed"):
            return 1, Message(
                "level_its_failed_placebo",
                n_significant=time_placebo["n_significant"],
                n_fake_dates=time_placebo["n_fake_dates"],
            )
        return 2, Message("level_its")
    n_pre = int(result.details.get("n_pre", 0))
    if overfits(result):
        return OVERFIT_CAP, Message("level_overfit", why=result.details["overfit"]["message"])
    fit = _pre_fit(result)
    parallel = result.details.get("pretrends_parallel")
    if parallel is None:
        parallel = _pretrends_parallel(result)
    passed = bool(time_placebo and time_placebo.get("passed"))
    n_units = len(result.details.get("donors") or result.details.get("comparison_cities") or [])
    if n_pre < MIN_PRE_FOR_3 or fit in ("poor", "unknown"):
        r2 = result.pre_fit_r2
        return 2, Message(
            "level_weak",
            n_pre=n_pre,
            fit=Message(f"fit_{fit}"),
            r2="–" if r2 is None else round(r2, 2),
        )
    if fit == "good" and passed and parallel and n_pre >= MIN_PRE_FOR_4:
        return 4, Message("level_4", n_units=n_units)
    missing = []
    if fit != "good":
        missing.append(Message("missing_fit"))
    if not passed:
        missing.append(Message("missing_placebo"))
    if not parallel:
        missing.append(Message("missing_parallel"))
    if n_pre < MIN_PRE_FOR_4:
        missing.append(Message("missing_pre", n_pre=n_pre))
    return 3, Message("level_3", missing=missing)


def cap_for_break_at_launch(level: tuple[int, Message]) -> tuple[int, Message]:
    """A data break in the launch period caps the level at 3: removing it rests on the
    untestable assumption that it hit every city alike."""
    if level[0] <= 3:
        return level
    return 3, Message("level_capped", reason=level[1])


def strengthen(result: MethodResult, level: int | None) -> Message | None:
    """One line naming the data that would raise this result's evidence level."""
    if not result.estimable or level is None:
        return None
    d = result.details
    n_pre = int(d.get("n_pre") or 0)
    if result.method in (Method.BEFORE_AFTER, Method.ITS):
        return Message("strengthen_comparison")
    if overfits(result):
        return Message("strengthen_overfit", min_pre=OVERFIT_MIN_PRE, n_pre=n_pre)
    if too_wide(result):
        return Message("strengthen_scale")
    if d.get("no_inference"):
        return Message("strengthen_inference")
    if n_pre < MIN_PRE_FOR_4:
        return Message("strengthen_pre", need=MIN_PRE_FOR_4, n_pre=n_pre)
    if _pre_fit(result) != "good":
        return Message("strengthen_fit")
    if not (d.get("time_placebo") or {}).get("passed"):
        return Message("strengthen_placebo")
    if level >= 4:
        return Message("strengthen_top")
    return Message("strengthen_parallel")


def agreement(results: list[MethodResult]) -> Message:
    """Plain-language agreement of the estimable methods (sign and interval overlap)."""
    est = [r for r in results if r.estimable and r.effect_avg is not None]
    if len(est) < 2:
        return Message("agreement_one" if est else "agreement_none")
    signs = {r.method: (r.effect_avg > 0) - (r.effect_avg < 0) for r in est}
    verdict = [Message("sign_agree" if len(set(signs.values())) == 1 else "sign_disagree")]
    with_ci = [r for r in est if r.effect_avg_lo is not None and r.effect_avg_hi is not None]
    if len(with_ci) >= 2:
        overlap = max(r.effect_avg_lo for r in with_ci) <= min(r.effect_avg_hi for r in with_ci)
        verdict.append(Message("intervals_overlap" if overlap else "intervals_apart"))
    estimates = ", ".join(f"{r.method} {r.effect_avg:+.3g}" for r in est)
    return Message("agreement_many", n=len(est), verdict=verdict, estimates=estimates)
