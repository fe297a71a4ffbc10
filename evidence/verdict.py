"""The verdict a reader sees before any number, and what the data could have seen.

The verdict comes from the 95% interval alone: above zero is a clear increase,
below zero a clear decrease, across zero no clear change; a method that could not
run, or ran without an interval, is not estimable. Beside it, the minimum
detectable effect in words: "No change larger than ±X (±Y%) could be seen in
this data".
"""

from __future__ import annotations

from typing import Any

from gosmart.evidence.result import MethodResult
from gosmart.texts import Message
from gosmart.vocab import Verdict

INCREASE, DECREASE, NO_CLEAR_CHANGE, NOT_ESTIMABLE = (
    Verdict.CLEAR_INCREASE,
    Verdict.CLEAR_DECREASE,
    Verdict.NO_CLEAR_CHANGE,
    Verdict.NOT_ESTIMABLE,
)


def verdict(result: MethodResult) -> Verdict:
    """One of clear_increase | clear_decrease | no_clear_change | not_estimable."""
    lo, hi = result.effect_avg_lo, result.effect_avg_hi
    if not result.estimable or lo is None or hi is None:
        return NOT_ESTIMABLE
    if lo > 0:
        return INCREASE
    if hi < 0:
        return DECREASE
    return NO_CLEAR_CHANGE


def number(x: float) -> str:
    """Three significant figures below 1,000; whole numbers with separators above."""
    if x == 0:
        return "0"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.3g}" if abs(x) >= 1e-3 else f"{x:.2e}"


def percent(share: float) -> str:
    pct = 100 * abs(share)
    return f"{pct:.0f}%" if pct >= 10 else f"{pct:.1f}%"


def verdict_message(result: MethodResult) -> Message:
    """'Clear increase', ..., 'Not estimable' (with the reason when an estimate has no interval)."""
    code = verdict(result)
    if code != NOT_ESTIMABLE:
        return Message(f"verdict_{code}")
    why = result.details.get("no_inference") if result.estimable else None
    return Message("verdict_no_interval", why=why) if why else Message("verdict_not_estimable")


def signed_number(x: float) -> str:
    """`number` with its sign, a true minus: '−1.5', '+1.9'."""
    return ("−" if x < 0 else "+") + number(abs(x))


def signed_percent(share: float) -> str:
    return ("−" if share < 0 else "+") + percent(share)


def detectable(result: MethodResult) -> Message | None:
    """What size of change this data could have seen (80% power, 5% two-sided); for a
    log-scale fit the two sides differ (expm1(−x), expm1(+x)) and both are given."""
    if verdict(result) == NOT_ESTIMABLE or result.mde is None:
        return None
    key = "no_change_mde" if verdict(result) == NO_CLEAR_CHANGE else "could_see_mde"
    if result.mde_lo is not None and result.mde_rel_lo is not None and result.mde_rel is not None:
        return Message(
            f"{key}_bounds",
            lo=signed_number(result.mde_lo),
            hi=signed_number(result.mde),
            rel_lo=signed_percent(result.mde_rel_lo),
            rel_hi=signed_percent(result.mde_rel),
        )
    if result.mde_rel is None:
        return Message(f"{key}_abs", mde=number(result.mde))
    return Message(key, mde=number(result.mde), rel=percent(result.mde_rel))


def verdict_details(result: MethodResult) -> dict[str, Any]:
    """The verdict as stored in a result's details: code and catalogue messages."""
    line = detectable(result)
    return {
        "code": str(verdict(result)),
        "message": verdict_message(result).as_dict(),
        "detectable": line.as_dict() if line is not None else None,
    }
