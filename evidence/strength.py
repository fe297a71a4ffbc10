"""Evidence strength 1..5 in the spirit of the Maryland Scientific Methods Scale.

1 before/after only (or reported figures only); 2 own-series ITS or a weak
comparison; 3 a comparison group with pre/post and an acceptable pre-period
fit; 4 the same with a good fit, passing placebos in time and parallel
pre-trends; 5 randomised or near (never reached by these observational designs).
"""

from __future__ import annotations

from typing import Any

from gosmart.evidence.result import MethodResult
from gosmart.texts import Message

GOOD_R2, OK_R2 = 0.9, 0.5
MIN_PRE_FOR_4 = 5
MIN_PRE_FOR_3 = 3


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
    if m == "before_after":
        return 1, Message("level_before_after")
    if m == "its":
        if time_placebo and time_placebo.get("n_fake_dates") and not time_placebo.get("passed"):
            return 1, Message(
                "level_its_failed_placebo",
                n_significant=time_placebo["n_significant"],
                n_fake_dates=time_placebo["n_fake_dates"],
            )
        return 2, Message("level_its")
    n_pre = int(result.details.get("n_pre", 0))
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
