"""What every screen says first about an effect, and the figures that follow it.

The verdict (clear increase, clear decrease, no clear change, not estimable) comes from the
effect's stored `verdict` column; then the estimate with its 95% interval and the minimum
detectable effect (MDE) on one line; a null says what size of change the data could have
seen. Texts the engine stored as messages (`details`) are rendered in the page language;
figures are formatted here, the same way on the project page, showcase, kiosk and bundle.
"""

from __future__ import annotations

import math
from typing import Any

from gosmart import texts
from gosmart.dashboard.i18n import catalogue, engine_text, normalise_lang, t
from gosmart.dashboard.kiosk.format import MINUS, format_percent, significant
from gosmart.missing import is_missing
from gosmart.vocab import PValueTest, Verdict

NONE = "–"


def code(effect: dict[str, Any] | None) -> str:
    """The stored verdict; an effect row without one (or no row) is not estimable."""
    value = (effect or {}).get("verdict")
    return value if value in set(Verdict) else Verdict.NOT_ESTIMABLE.value


def is_clear(effect: dict[str, Any] | None) -> bool:
    """The 95% interval excludes zero: the only case a point estimate may be the headline."""
    return code(effect) in (Verdict.CLEAR_INCREASE, Verdict.CLEAR_DECREASE)


def label(effect: dict[str, Any] | None, lang: str) -> str:
    """'Clear increase', 'No clear change', ... in the page language."""
    return t(f"evidence.verdict_{code(effect)}", lang)


def _details(effect: dict[str, Any] | None) -> dict[str, Any]:
    details = (effect or {}).get("details")
    return details if isinstance(details, dict) else {}


def _render(message: Any, lang: str, fallback: str | None = None) -> str | None:
    """A stored engine message in `lang`, or `fallback` (stored English, or nothing)."""
    text = texts.render(message, normalise_lang(lang))
    if text:
        return text
    return message if isinstance(message, str) and message else fallback


def level_text(effect: dict[str, Any] | None, lang: str) -> str | None:
    level = (effect or {}).get("evidence_level")
    return None if is_missing(level) else t("common.evidence_level", lang, level=int(level))


def signed(value: float) -> str:
    """An effect with three significant digits and its sign: '+5,010', '−7.84', '0'."""
    text = significant(float(value))
    if value > 0:
        return f"+{text}"
    return text.replace("-", MINUS)


def _has(effect: dict[str, Any], *names: str) -> bool:
    return all(not is_missing(effect.get(n)) for n in names)


def mde_downward(effect: dict[str, Any] | None) -> tuple[float, float] | None:
    """A log-scale fit's downward MDE (in units, as a share), which differs from the upward
    `mde` / `mde_rel`: expm1(−x) against expm1(+x). None where the MDE is symmetric. Read
    from the engine's `details.mde`, or from `mde_lo` / `mde_rel_lo` where a query gives them."""
    e = effect or {}
    mde = _details(e).get("mde")
    mde = mde if isinstance(mde, dict) else {}
    upper = e.get("mde_rel_up", mde.get("relative"))  # the upward side the details hold
    if _has(e, "mde_rel") and not (
        is_missing(upper) or math.isclose(float(upper), float(e["mde_rel"]))
    ):
        return None  # a downward side of another MDE than the one shown
    value, share = e.get("mde_lo", mde.get("value_lo")), e.get("mde_rel_lo", mde.get("relative_lo"))
    if is_missing(value) or is_missing(share):
        return None
    return float(value), float(share)


def mde_size(effect: dict[str, Any] | None, lang: str, *, relative: bool = False) -> str | None:
    """'±5.2 (±12%)': the change the data could have detected (80% power, 5% two-sided);
    '±12%' alone with `relative` (beside an effect shown as a share), where it is known.
    A log-scale fit's two sides: '−1.5 / +1.9 (−18% / +22%)'."""
    e = effect or {}
    if not _has(e, "mde"):
        return None
    down = mde_downward(e) if _has(e, "mde_rel") else None
    if down is not None:
        rel = f"{format_percent(down[1], lang)} / {format_percent(e['mde_rel'], lang)}"
        if relative:
            return rel
        return f"{signed(down[0])} / {signed(e['mde'])}" + t(
            "project.mde_rel_bounds", lang, rel=rel
        )
    rel = format_percent(e["mde_rel"], lang, signed=False) if _has(e, "mde_rel") else None
    if relative and rel:
        return f"±{rel}"
    size = f"±{significant(float(e['mde']))}"
    return size + t("project.mde_rel", lang, rel=rel) if rel else size


def mde_text(effect: dict[str, Any] | None, lang: str, *, relative: bool = False) -> str | None:
    """'MDE ±5.2 (±12%)'."""
    size = mde_size(effect, lang, relative=relative)
    return None if size is None else t("project.mde", lang, mde=size)


def estimate_text(effect: dict[str, Any] | None, unit: str, lang: str) -> str | None:
    """The point estimate, its 95% interval and the MDE, on one line (None without one)."""
    e = effect or {}
    if not e.get("estimable") or not _has(e, "effect_avg"):
        return None
    value = f"{signed(e['effect_avg'])} {unit}".strip()
    if _has(e, "effect_avg_lo", "effect_avg_hi"):
        line = t(
            "project.value_ci",
            lang,
            value=value,
            lo=signed(e["effect_avg_lo"]),
            hi=signed(e["effect_avg_hi"]),
        )
    else:
        line = t("project.estimate_no_ci", lang, value=value)
    mde = mde_text(e, lang)
    return f"{line} · {mde}" if mde else line


def detectable_text(effect: dict[str, Any] | None, lang: str) -> str | None:
    """'No change larger than ±X (±Y%) could be seen in this data' for a null (for a clear
    result: what this data could see); None where no MDE is known."""
    e = effect or {}
    stored = (_details(e).get("verdict") or {}).get("detectable")
    text = _render(stored, lang)
    if text or not _has(e, "mde") or code(e) == Verdict.NOT_ESTIMABLE:
        return text
    key = "no_change_mde" if code(e) == Verdict.NO_CLEAR_CHANGE else "could_see_mde"
    mde = significant(float(e["mde"]))
    if not _has(e, "mde_rel"):
        return t(f"evidence.{key}_abs", lang, mde=mde)
    return t(f"evidence.{key}", lang, mde=mde, rel=format_percent(e["mde_rel"], lang, signed=False))


def not_estimable_reason(effect: dict[str, Any] | None, lang: str) -> str | None:
    """Why there is no verdict: the missing interval's reason, or why no method ran."""
    e = effect or {}
    if code(e) != Verdict.NOT_ESTIMABLE:
        return None
    message = (_details(e).get("verdict") or {}).get("message")
    why = (message or {}).get("params", {}).get("why") if isinstance(message, dict) else None
    if why:
        return _render(why, lang)
    if e.get("estimable") and _details(e).get("no_inference"):
        return str(_details(e)["no_inference"])
    return engine_text(_details(e), "reason", lang, e.get("reason") or "") or None


def p_value_text(effect: dict[str, Any] | None, lang: str) -> str:
    """'0.27 · permutation test (smallest possible p-value 0.045)': every p-value with its
    kind; 'none: <why>' where the method could not give one."""
    e = effect or {}
    if not e.get("estimable"):
        return NONE
    if not _has(e, "p_value"):
        why = not_estimable_reason(e, lang) or _details(e).get("no_inference")
        return t("project.ptest_none", lang, reason=why) if why else NONE
    value = significant(float(e["p_value"]), 2)
    return t("project.p_value_with_kind", lang, p=value, kind=p_value_kind(e, lang))


def p_value_kind(effect: dict[str, Any], lang: str) -> str:
    """The test in a few words, a permutation with its floor 1/(J+1)."""
    test = effect.get("p_value_test")
    if test == PValueTest.PERMUTATION and _has(effect, "p_value_min"):
        return t(
            "project.ptest_permutation_floor",
            lang,
            p_min=significant(float(effect["p_value_min"]), 2),
        )
    if test in set(PValueTest):
        return t(f"project.ptest_{test}", lang)
    stored = str(effect.get("p_value_kind") or "")
    legacy = f"project.pkind_{stored}"  # kinds named by a code, before messages were stored
    fallback = t(legacy, lang) if legacy in catalogue(normalise_lang(lang)) else stored
    return engine_text(_details(effect), "p_value_kind", lang, fallback.replace("_", " "))


def overfit_text(effect: dict[str, Any] | None, lang: str) -> str | None:
    """Why the close pre-launch fit is no evidence (the overfitting rule), when it fires.

    Stores written before the rule's own message was kept hold it only in English, but
    every writer that applied the rule kept the level's reason as a message, and the
    capped level ("level_overfit") carries the same rule message as its `why`."""
    details = _details(effect)
    overfit = details.get("overfit")
    if not isinstance(overfit, dict) or not overfit.get("fires"):
        return None
    messages = details.get("messages") if isinstance(details.get("messages"), dict) else {}
    message = messages.get("overfit")
    level = messages.get("evidence_reason")
    if message is None and isinstance(level, dict) and level.get("key") == "level_overfit":
        message = (level.get("params") or {}).get("why")
    return _render(message, lang, overfit.get("message") or "")


def strengthen_text(effect: dict[str, Any] | None, lang: str) -> str | None:
    """The data that would raise this result's evidence level, as the engine named it."""
    return _render(_details(effect).get("strengthen"), lang)


def band_too_wide(effect: dict[str, Any] | None) -> bool:
    """The scale rule fired (evidence/strength.py): the interval is wider than the series
    itself, so charts leave its band out rather than let it fill the axis (the interval's
    figures stay in the verdict line). Read from `details.scale_check`, or from a query's
    `scale_rule_fires`."""
    e = effect or {}
    flat = e.get("scale_rule_fires")
    if not is_missing(flat):
        return bool(flat)
    check = _details(e).get("scale_check")
    return bool(isinstance(check, dict) and check.get("fires"))


# The engine's reason when series exist but no design could run at the launch date (JDS:
# BPS's series start in the launch year); every other descriptive result has no series.
NO_DESIGN = "no_design_at_default"


def _reason_message(effect: dict[str, Any] | None) -> dict[str, Any]:
    messages = _details(effect).get("messages")
    reason = messages.get("reason") if isinstance(messages, dict) else None
    return reason if isinstance(reason, dict) else {}


def _why(effect: dict[str, Any] | None) -> dict[str, Any]:
    why = (_reason_message(effect).get("params") or {}).get("why")
    return why if isinstance(why, dict) else {}


def has_series_without_estimate(effect: dict[str, Any] | None) -> bool:
    """Official series exist but no design could run on them: not 'reported figures only'.
    Read from the stored reason, or from a query's `reason_key` (the reason's `why` key)."""
    e = effect or {}
    key = e.get("reason_key")
    if is_missing(key):
        key = _why(e).get("key")
    return key == NO_DESIGN


def status_badge(effect: dict[str, Any] | None, lang: str) -> tuple[str, str]:
    """The badge of a result without an estimate: its text and CSS class."""
    if has_series_without_estimate(effect):
        return t("common.series_not_estimable", lang), "badge series-only"
    return t("common.reported_only", lang), "badge reported"


def reason_parts(effect: dict[str, Any] | None, lang: str) -> tuple[str | None, list[str]]:
    """Why there is no estimate as one short line, and the rest for a details fold: where no
    design could run, the first method's reason (the preferred design's) leads and every
    method's own reason follow; otherwise the whole reason."""
    whole = not_estimable_reason(effect, lang)
    reasons = (_why(effect).get("params") or {}).get("reasons")
    if not has_series_without_estimate(effect) or not isinstance(reasons, list) or not reasons:
        return whole, []
    first = reasons[0] if isinstance(reasons[0], dict) else {}
    method_reason = (first.get("params") or {}).get("reason")  # "not estimable because {why}"
    why = (
        (method_reason.get("params") or {}).get("why") if isinstance(method_reason, dict) else None
    )
    short = _render(why, lang)
    if not short:
        return whole, []
    rest = [text for text in (_render(r, lang) for r in reasons) if text]
    return t("project.no_design_short", lang, reason=short), rest
