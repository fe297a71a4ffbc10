"""Evidence strength 1..5 in the spirit of the Maryland Scientific Methods Scale.

1 before/after only (or reported figures only); 2 own-series ITS or a weak
comparison; 3 a comparison group with pre/post and an acceptable pre-period
fit; 4 the same with a good fit, passing placebos in time and parallel
pre-trends; 5 randomised or near (never reached by these observational designs).
"""

from __future__ import annotations

from typing import Any

from evidence.result import MethodResult

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


def evidence_level(result: MethodResult, time_placebo: dict[str, Any] | None) -> tuple[int, str]:
    """The level and a one-line reason for one estimable method result."""
    m = result.method
    if m == "before_after":
        return 1, "before/after on the city's own series: no comparison, no trend"
    if m == "its":
        if time_placebo and time_placebo.get("n_fake_dates") and not time_placebo.get("passed"):
            return 1, (
                "interrupted time series on the city's own series that also finds effects at "
                f"{time_placebo['n_significant']} of {time_placebo['n_fake_dates']} fake launch "
                "dates: no better than before/after"
            )
        return 2, "interrupted time series on the city's own series: no comparison group"
    n_pre = int(result.details.get("n_pre", 0))
    fit = _pre_fit(result)
    parallel = result.details.get("pretrends_parallel")
    if parallel is None:
        parallel = _pretrends_parallel(result)
    passed = bool(time_placebo and time_placebo.get("passed"))
    n_units = len(result.details.get("donors") or result.details.get("comparison_cities") or [])
    if n_pre < MIN_PRE_FOR_3 or fit in ("poor", "unknown"):
        return 2, (
            f"weak comparison: {n_pre} pre-launch periods, pre-period fit {fit} "
            f"(R² {result.pre_fit_r2 if result.pre_fit_r2 is None else round(result.pre_fit_r2, 2)})"
        )
    if fit == "good" and passed and parallel and n_pre >= MIN_PRE_FOR_4:
        return 4, (
            f"comparison of {n_units} cities with a good pre-period fit, passing placebos "
            "in time and parallel pre-trends"
        )
    missing = []
    if fit != "good":
        missing.append("pre-period fit only acceptable")
    if not passed:
        missing.append("placebo in time failed or not possible")
    if not parallel:
        missing.append("pre-trends not shown parallel")
    if n_pre < MIN_PRE_FOR_4:
        missing.append(f"only {n_pre} pre-launch periods")
    return 3, f"comparison group with pre/post data; not level 4: {'; '.join(missing)}"


def cap_for_break_at_launch(level: tuple[int, str]) -> tuple[int, str]:
    """A data break in the launch period caps the level at 3: removing it rests on the
    untestable assumption that it hit every city alike."""
    if level[0] <= 3:
        return level
    return 3, (
        f"{level[1]}; capped at 3 because a data break falls in the launch period "
        "(removed only if it hit every city alike, which cannot be tested)"
    )


def agreement(results: list[MethodResult]) -> str:
    """Plain-language agreement of the estimable methods (sign and interval overlap)."""
    est = [r for r in results if r.estimable and r.effect_avg is not None]
    if len(est) < 2:
        return "only one method could run" if est else "no method could run"
    signs = {r.method: (r.effect_avg > 0) - (r.effect_avg < 0) for r in est}
    same_sign = len(set(signs.values())) == 1
    with_ci = [r for r in est if r.effect_avg_lo is not None and r.effect_avg_hi is not None]
    overlap = None
    if len(with_ci) >= 2:
        overlap = max(r.effect_avg_lo for r in with_ci) <= min(r.effect_avg_hi for r in with_ci)
    names = ", ".join(f"{r.method} {r.effect_avg:+.3g}" for r in est)
    verdict = "agree in sign" if same_sign else "disagree in sign"
    if overlap is not None:
        verdict += "; intervals overlap" if overlap else "; intervals do not all overlap"
    return f"{len(est)} methods {verdict} ({names})"
