"""From registry rows to effect rows: one project × indicator at a time.

Builds the panel (treated city, comparison cities, grain, scale), runs the
engine, and assembles what the `effect`, `effect_path` and `placebo` tables hold,
with design reasons, caveats and provenance. Projects with no target indicator
series get a descriptive result that says plainly that only reported figures exist.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from gosmart import texts
from gosmart.evidence.caveats import (
    breaks_need_log,
    coverage_caveats,
    relevant_events,
    window_caveats,
)
from gosmart.evidence.engine import Evaluation, evaluate
from gosmart.evidence.inference import p_value_test
from gosmart.evidence.inputs import Inputs, wide_values
from gosmart.evidence.panel import NotEstimable, Panel, complete_index, n_periods_label
from gosmart.evidence.result import MethodResult
from gosmart.evidence.verdict import verdict
from gosmart.missing import finite, is_missing
from gosmart.texts import Message
from gosmart.vocab import Verdict

SEED = 0
REPORTED_INDICATOR = "reported_figures"


@dataclass
class Rows:
    """Rows of the `effect`, `effect_path` and `placebo` tables, keyed by column name."""

    effect: list[dict[str, Any]] = field(default_factory=list)
    effect_path: list[dict[str, Any]] = field(default_factory=list)
    placebo: list[dict[str, Any]] = field(default_factory=list)


# The figures of a method's result stored as they are (non-finite ones as NULL).
RESULT_FIGURES = (
    "effect_avg", "effect_avg_lo", "effect_avg_hi", "effect_rel", "effect_rel_lo",
    "effect_rel_hi", "effect_cum", "effect_cum_lo", "effect_cum_hi", "p_value",
)  # fmt: skip


@dataclass
class Context:
    inputs: Inputs
    code_version: str
    computed_at: datetime = field(default_factory=lambda: datetime.now(UTC).replace(tzinfo=None))


def _date(x: Any) -> Any:
    return None if is_missing(x) else pd.Timestamp(x).date()


def _json(obj: Any) -> str:
    def default(o: Any) -> Any:
        if isinstance(o, pd.Timestamp | datetime):
            return o.isoformat()
        if hasattr(o, "isoformat"):
            return o.isoformat()
        if isinstance(o, np.integer):
            return int(o)
        if isinstance(o, np.floating):
            return finite(o)
        if isinstance(o, np.bool_):
            return bool(o)
        return str(o)

    return json.dumps(obj, default=default, ensure_ascii=False, allow_nan=False)


def _clean(obj: Any) -> Any:
    """Replace NaN/inf with None anywhere in a details structure."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, float | np.floating):
        return finite(obj)
    return obj


def milestone_rows(ctx: Context, project_id: str) -> list[dict[str, Any]]:
    return [m for m in ctx.inputs.milestones if m["project_id"] == project_id]


def descriptive(
    ctx: Context,
    project: dict[str, Any],
    indicator_id: str,
    why: Message | str,
    rows: Rows,
    extra: dict[str, Any] | None = None,
) -> None:
    """Reported figures only: no effect, no fake number, and a plain statement of why."""
    ms = milestone_rows(ctx, project["project_id"])
    what = Message("what_reported", n=len(ms)) if ms else Message("what_nothing")
    details = {
        "design": "descriptive",
        "why": why,
        "milestones": [
            {
                "as_of": m["as_of"],
                "metric": m["metric"],
                "value": finite(m["value"]) if m["value"] is not None else None,
                "unit": m["unit"],
                "lower_bound": bool(m["lower_bound"]),
                "url": m["url"],
            }
            for m in ms
        ],
        **(extra or {}),
    }
    rows.effect.append(
        _effect_row(
            ctx,
            project,
            indicator_id,
            "descriptive",
            primary=True,
            estimable=False,
            reason=Message("descriptive_reason", why=why, what=what),
            level=(1, Message("level_reported_only")),
            agreement=Message("agreement_none"),
            details=details,
        )
    )


def _effect_row(
    ctx: Context,
    project: dict[str, Any],
    indicator_id: str,
    method: str,
    *,
    primary: bool,
    estimable: bool,
    reason: str,
    level: tuple[int, str] | None,
    agreement: str,
    details: dict[str, Any],
    result: MethodResult | None = None,
) -> dict[str, Any]:
    """One `effect` row, keyed by column."""
    r = result if result is not None and result.estimable else None
    messages = {
        name: text.as_dict()
        for name, text in (
            ("reason", reason),
            ("p_value_kind", r.p_value_kind if r is not None else None),
            ("mde_basis", r.mde_kind if r is not None else None),
            ("overfit", (details.get("overfit") or {}).get("message")),
            ("evidence_reason", level[1] if level else None),
            ("agreement", agreement),
        )
        if isinstance(text, Message)
    }
    if messages:  # the same texts as catalogue keys, for pages in other languages
        details = {**details, "messages": messages}

    def num(name: str) -> Any:
        return getattr(r, name) if r is not None else None

    return {
        "project_id": project["project_id"],
        "indicator_id": indicator_id,
        "method": method,
        "is_primary": primary,
        "estimable": estimable,
        "reason": reason,
        **{n: finite(num(n)) for n in RESULT_FIGURES},
        "p_value_kind": num("p_value_kind"),
        "pre_rmspe": finite(num("pre_rmspe")),
        "pre_fit_r2": finite(num("pre_fit_r2")),
        "evidence_level": level[0] if level else None,
        "evidence_reason": level[1] if level else None,
        "agreement": agreement,
        "details": _json(_clean(details)),
        "launch_date": _date(project.get("launch_date")),
        "pre_start": _date(num("pre_start")),
        "pre_end": _date(num("pre_end")),
        "post_start": _date(num("post_start")),
        "post_end": _date(num("post_end")),
        "seed": SEED,
        "data_version": ctx.inputs.data_version or "unversioned",
        "code_version": ctx.code_version,
        "computed_at": ctx.computed_at,
        "per_capita": (details.get("input") or {}).get("value_column") == "value_per_capita",
        "verdict": str(verdict(r) if r is not None else Verdict.NOT_ESTIMABLE),
        "se": finite(num("se")),
        "p_value_min": finite(num("p_value_min")),
        "p_value_test": _code(p_value_test(num("p_value_kind"))),
        "mde": finite(num("mde")),
        "mde_rel": finite(num("mde_rel")),
        "mde_kind": _code((details.get("mde") or {}).get("basis") if r is not None else None),
    }


def _code(value: Any) -> str | None:
    """A vocabulary value as the plain text the store holds."""
    return None if value is None else str(value)


def _placebo_row(
    key: tuple[str, str, str], kind: str, unit: str, effect_avg: Any, **figures: Any
) -> dict[str, Any]:
    """One `placebo` row for (project, indicator, method); figures it lacks are NULL."""
    path = figures.get("path")
    return {
        **dict(zip(("project_id", "indicator_id", "method"), key, strict=True)),
        "kind": kind,
        "unit": unit,
        "effect_avg": finite(effect_avg),
        "post_pre_ratio": finite(figures.get("post_pre_ratio")),
        "pre_rmspe": finite(figures.get("pre_rmspe")),
        "path": _json(path) if path is not None else None,
    }


def build_panel(
    ctx: Context, project: dict[str, Any], pi: dict[str, Any]
) -> tuple[Panel, pd.DataFrame, dict[str, Any]]:
    """The panel for one target indicator, or NotEstimable saying what is missing."""
    city = project["city_id"]
    if project.get("launch_date") is None:
        raise NotEstimable(Message("no_launch"))
    frame = ctx.inputs.values.get(pi["indicator_id"])
    if frame is None or frame.empty:
        raise NotEstimable(
            Message("no_indicator_values", indicator=texts.indicator(pi["indicator_id"]))
        )
    grain = pi["grain"]
    country = ctx.inputs.countries.get(city)
    comparison = list(pi.get("comparison_cities") or [])
    if not comparison:
        comparison = sorted(
            c for c in frame["city_id"].unique() if c != city and frame_country(frame, c) == country
        )
    subset = frame[frame["city_id"].isin([city, *comparison])]
    values, coverage, info = wide_values(
        subset,
        grain,
        city,
        per_capita=bool(pi.get("per_capita")) and pi.get("per_capita_scale") is not None,
    )
    if city not in values.columns or values[city].notna().sum() == 0:
        raise NotEstimable(
            Message(
                "no_city_values",
                grain=Message(f"grain_{grain}"),
                indicator=texts.indicator(pi["indicator_id"]),
                city=texts.city(city),
            )
        )
    values = complete_index(values, grain)
    info["comparison_pool"] = [c for c in comparison if c in values.columns]
    info["comparison_source"] = (
        "registry" if pi.get("comparison_cities") else (f"every {country} city with data")
    )
    return Panel(values, city, pd.Timestamp(project["launch_date"]), grain), coverage, info


def shared_shock_after(
    events: list[dict[str, Any]], launch: pd.Timestamp, country: str
) -> pd.Timestamp | None:
    """Start of the first country-wide or global confounder after launch (e.g. COVID-19)."""
    starts = [
        pd.Timestamp(e["date_start"])
        for e in events
        if e["kind"] == "confounder"
        and e["scope"] in (country, "global")
        and pd.Timestamp(e["date_start"]) > launch
    ]
    return min(starts) if starts else None


def frame_country(frame: pd.DataFrame, city: str) -> str | None:
    rows = frame.loc[frame["city_id"] == city, "country"]
    return rows.iloc[0] if len(rows) else None


def _method_reason(result: MethodResult) -> Message:
    return Message("method_reason", method=Message(f"method_{result.method}"), reason=result.reason)


def _reason_with_span(result: MethodResult, grain: str) -> Message | str:
    """A method's reason with the periods it used before and after launch, where it says."""
    n_pre, n_post = result.details.get("n_pre"), result.details.get("n_post")
    if n_pre is None or n_post is None:
        return result.reason
    return Message(
        "with_span",
        reason=result.reason,
        before=n_periods_label(n_pre, grain),
        after=n_periods_label(n_post, grain),
    )


def _design_reason(ev: Evaluation, panel: Panel) -> Message:
    chosen = Message("design_chosen", reason=_reason_with_span(ev.primary, panel.grain))
    skipped = [_method_reason(r) for r in ev.results if not r.estimable]
    return Message("design_not_used", chosen=chosen, skipped=skipped) if skipped else chosen


def evaluate_indicator(
    ctx: Context, project: dict[str, Any], pi: dict[str, Any], rows: Rows
) -> None:
    """Every method for one project × indicator, appended to `rows`."""
    pid, iid = project["project_id"], pi["indicator_id"]
    try:
        panel, coverage, info = build_panel(ctx, project, pi)
    except NotEstimable as exc:
        descriptive(ctx, project, iid, exc.message, rows)
        return
    city, country = project["city_id"], ctx.inputs.countries.get(project["city_id"], "")
    events = relevant_events(ctx.inputs.events, pid, iid, city, country)
    first, last = panel.values.index.min(), panel.values.index.max()
    cav = window_caveats(events, first, last, panel.launch, panel.grain)
    raw_values = panel.values
    if breaks_need_log(cav["data_breaks"], panel.values):
        panel = panel.with_values(np.log(panel.values), "log")
    lo, hi = project.get("launch_date_min"), project.get("launch_date_max")
    ev = evaluate(
        panel,
        pd.Timestamp(lo) if lo is not None else None,
        pd.Timestamp(hi) if hi is not None else None,
        own_series_end=shared_shock_after(events, panel.launch, country),
        break_at_launch=any(b["when"] == "at launch" for b in cav["data_breaks"]),
    )
    if ev.primary is None:
        reasons = [_method_reason(r) for r in ev.results]
        extra = {"input": info}
        if ev.fallback_sensitivity:
            extra["launch_sensitivity"] = ev.fallback_sensitivity
            extra["launch_sensitivity_note"] = (
                "nothing runs at the default launch date; the best design at each other date "
                "the sources allow is shown for context, not as the estimate"
            )
            for row in ev.fallback_sensitivity:
                if row["estimable"]:
                    rows.placebo.append(
                        _placebo_row(
                            (pid, iid, "descriptive"),
                            "launch_sensitivity",
                            row["launch"],
                            row["effect_avg"],
                        )
                    )
        descriptive(
            ctx,
            project,
            iid,
            Message("no_design_at_default", reasons=reasons),
            rows,
            extra,
        )
        for r in ev.results:
            rows.effect.append(
                _effect_row(
                    ctx,
                    project,
                    iid,
                    r.method,
                    primary=False,
                    estimable=False,
                    reason=r.reason,
                    level=None,
                    agreement=ev.agreement,
                    details=r.details,
                )  # fmt: skip
            )
        return
    for r in ev.results:
        is_primary = r is ev.primary
        details = dict(r.details)
        details.update(input=info, launch_confidence=project.get("launch_confidence"))
        if r.estimable:
            units = [city, *(details.get("donors") or details.get("comparison_cities") or [])]
            cav_r = window_caveats(events, r.pre_start, r.post_end, panel.launch, panel.grain)
            if any(b["when"] == "at launch" for b in cav_r["data_breaks"]):
                cav_r["break_at_launch"] = (
                    "a data break falls in the launch period: a jump at launch cannot be told "
                    "apart from the break on the city's own series; comparison designs remove it "
                    "only if it hit every city alike"
                    + (
                        " (estimated on the log scale for that reason)"
                        if panel.scale == "log"
                        else ""
                    )
                )
            cav_r["coverage"] = coverage_caveats(
                raw_values, coverage, units, r.pre_start, r.post_end
            )
            details["caveats"] = cav_r
        if is_primary:
            details["design_reason"] = _design_reason(ev, panel)
        reason = details["design_reason"] if is_primary else _reason_with_span(r, panel.grain)
        rows.effect.append(
            _effect_row(
                ctx,
                project,
                iid,
                r.method,
                primary=is_primary,
                estimable=r.estimable,
                reason=reason,
                level=ev.levels.get(r.method),
                agreement=ev.agreement,
                details=details,
                result=r,
            )  # fmt: skip
        )
        if not r.estimable:
            continue
        for t, row in r.path.iterrows():
            rows.effect_path.append(
                {
                    "project_id": pid,
                    "indicator_id": iid,
                    "method": r.method,
                    "period_start": pd.Timestamp(t).date(),
                    **{c: finite(row[c]) for c in ("observed", "counterfactual", "lo", "hi")},
                }
            )
        seen = set()
        for pl in r.placebos:
            key = (pl.kind, pl.unit)
            if key in seen:
                continue
            seen.add(key)
            rows.placebo.append(
                _placebo_row(
                    (pid, iid, r.method),
                    pl.kind,
                    pl.unit,
                    pl.effect_avg,
                    post_pre_ratio=pl.post_pre_ratio,
                    pre_rmspe=pl.pre_rmspe,
                    path=pl.path,
                )
            )


LAUNCH_FIELDS = ("launch_date", "launch_date_min", "launch_date_max", "launch_confidence")


def launch_for(project: dict[str, Any], pi: dict[str, Any]) -> dict[str, Any]:
    """The project as one indicator's analysis sees it: with the indicator's own launch
    window where the registry gives one (MeNGo 2.0's upgrade next to the 2018 pass)."""
    if pi.get("launch_date") is None:
        return project
    return {**project, **{f: pi.get(f) for f in LAUNCH_FIELDS}}


def evaluate_project(ctx: Context, project: dict[str, Any]) -> Rows:
    """All target indicators of one project (a descriptive row when there are none)."""
    rows = Rows()
    pis = [p for p in ctx.inputs.project_indicators if p["project_id"] == project["project_id"]]
    pis = [p for p in pis if p["role"] != "context"]
    if not pis:
        descriptive(ctx, project, REPORTED_INDICATOR, Message("no_target_indicator"), rows)
        return rows
    for pi in pis:
        evaluate_indicator(ctx, launch_for(project, pi), pi, rows)
    return rows
