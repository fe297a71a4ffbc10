"""Project evidence page: story, indicator with its timeline, effect card, placebos,
data quality, reported milestones, sources and the evidence bundle download."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import dash
from dash import Input, Output, State, dcc, html

from gosmart import formats
from gosmart.dashboard import phone_view, project_context, queries, queries_project
from gosmart.dashboard import verdict as vd
from gosmart.dashboard.a11y import in_languages
from gosmart.dashboard.bundle import BundleError, ProjectView, build_bundle, load_view
from gosmart.dashboard.components import failure_notice, fallback_notice, guarded_page
from gosmart.dashboard.figures import project as figs
from gosmart.dashboard.figures.alt import chart_figure, series_csv_href
from gosmart.dashboard.figures.showcase import effect_size_text
from gosmart.dashboard.i18n import catalogue, engine_text, normalise_lang, pick, t, t_parts
from gosmart.dashboard.kiosk.format import significant
from gosmart.dashboard.periods import period_text, span_text, windows_parts
from gosmart.dashboard.urlstate import Field, decode, href, register_view
from gosmart.missing import is_missing
from gosmart.vocab import Grain

dash.register_page(
    __name__,
    path_template="/project/<project_id>",
    title="GO SMART Evidence - project",
    cache_view="project",
)
log = logging.getLogger(__name__)


def _indicator_ids() -> list[str]:
    try:
        return sorted(queries.indicator_ids())
    except Exception:
        return []


register_view("project", [Field("ind", "choice", "", _indicator_ids), Field("pc", "bool", False)])
PLACEBO_ORDER = ("space", "time", "leave_one_out", "launch_sensitivity")


def known(prefix: str, value: Any, lang: str) -> str:
    """A catalogue label for a code value (method, p-value kind...), else the value readable."""
    key = f"project.{prefix}_{value}"
    if key in catalogue(normalise_lang(lang)):
        return t(key, lang)
    return str(value or "").replace("_", " ")


def _graph(
    fig, graph_id: str, lang: str, project_id: str, around: Callable[[Any], Any] | None = None
) -> html.Figure:
    """The chart with its text alternative and a link to the project's series CSV; `around`
    wraps the graph itself (the phone view's static chart under it)."""
    height = fig.layout.height or 450
    graph = dcc.Graph(
        id=graph_id,
        figure=fig,
        config=figs.CHART_CONFIG,
        className="project-graph",
        style={"height": f"{height}px"},
    )
    body = around(graph) if around else graph
    return chart_figure(body, fig, lang, data_href=series_csv_href(project_id))


def _panel_plain(body: Callable[[], Any], lang: str, panel_id: str) -> Any:
    """A part of the page without a title; a failure shows a short notice in its place."""
    try:
        return body()
    except Exception:
        log.exception("project part %s failed", panel_id)
        return html.Div(failure_notice(lang), id=panel_id)


def _panel(title: str, body: Callable[[], Any], lang: str, panel_id: str) -> html.Section:
    """A titled section; a failure inside shows a short notice, never a traceback."""
    try:
        content = body()
    except Exception:
        log.exception("project panel %s failed", panel_id)
        content = failure_notice(lang)
    return html.Section([html.H2(title), content], id=panel_id, className="project-section")


def _fmt(value: Any, digits: int = 3) -> str:
    """A figure with `digits` significant digits (whole numbers stay whole), '–' when absent."""
    if is_missing(value):
        return "–"
    return significant(float(value), digits)


def _date(value: Any) -> str:
    return formats.period(value, Grain.DAILY)


def _link(url: str | None, text: Any) -> Any:
    if not url:
        return text
    return html.A(text, href=url, target="_blank", rel="noopener noreferrer")


def _selectors(view: ProjectView, state: dict[str, Any], lang: str) -> html.Div:
    pid = view.project["project_id"]
    items = []
    for ind in view.indicators:
        current = ind["indicator_id"] == view.indicator.get("indicator_id")
        link_state = {**state, "ind": ind["indicator_id"]}
        items.append(
            dcc.Link(
                pick(ind, "name", lang),
                href=href(f"/project/{pid}", "project", link_state),
                className="pill current" if current else "pill",
            )
        )
    parts: list[Any] = []
    if len(items) > 1:
        parts.append(
            html.Nav(
                [html.Span(t("project.choose_indicator", lang), className="muted"), *items],
                className="pills",
                **{"aria-label": t("project.choose_indicator", lang)},
            )
        )
    if view.indicator.get("per_capita_scale"):
        pc = bool(state.get("pc"))
        parts.append(
            dcc.Link(
                t("project.show_raw" if pc else "project.show_per_capita", lang),
                href=href(f"/project/{pid}", "project", {**state, "pc": not pc}),
                id="project-pc-toggle",
                className="pill",
            )
        )
    return html.Div(parts, className="project-selectors")


def _story(project: dict[str, Any], lang: str) -> html.Div:
    text = pick(project, "story", lang) or pick(project, "summary", lang)
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    return html.Div([html.P(in_languages(p, lang)) for p in paragraphs], className="project-story")


def _timeline_list(view: ProjectView, lang: str) -> html.Div:
    rows = []
    for m in view.marks:
        kind = known("mark", m["mark"], lang)
        confidence = m.get("confidence")
        extra = f" ({known('confidence', confidence, lang)})" if confidence else ""
        rows.append(
            html.Li(
                [
                    html.Span(str(m["number"]), className=f"mark-num mark-{m['mark']}"),
                    f" {figs.mark_when(m)} · {kind}{extra}: {pick(m, 'label', lang)} ",
                    _link(m.get("source_url"), t("common.source", lang)),
                ]
            )
        )
    project = view.project
    launch_note = []
    lo, hi = project.get("launch_date_min"), project.get("launch_date_max")
    if lo is not None and hi is not None and _date(lo) != _date(hi):
        launch_note.append(
            html.P(
                t("project.launch_uncertain", lang, when=formats.day_range(lo, hi)),
                className="muted",
            )
        )
    return html.Div(
        [
            *launch_note,
            html.Details(
                [html.Summary(t("project.timeline_title", lang)), html.Ol(rows, className="marks")],
                open=True,
            ),
        ]
    )


def indicator_chart(view: ProjectView, state: dict[str, Any], lang: str) -> Any:
    """The headline chart: the indicator in the project's city beside its comparisons."""
    return figs.indicator_figure(
        view.series,
        project=view.project,
        indicator=view.indicator,
        marks=view.marks,
        lang=lang,
        per_capita=bool(state.get("pc")),
    )


def _indicator_section(view: ProjectView, state: dict[str, Any], lang: str) -> html.Div:
    if not view.indicator:
        return html.P(t("project.no_indicator", lang), className="muted")
    description = pick(view.indicator, "description", lang)
    parts: list[Any] = [html.P(description, className="muted")] if description else []
    if view.indicator.get("third_party"):
        parts.append(html.Span(t("project.third_party", lang), className="badge reported"))
    if len(view.series) == 0:
        parts.append(html.P(t("project.no_series_yet", lang), className="notice"))
    else:
        fig = indicator_chart(view, state, lang)
        parts.append(
            _graph(
                fig,
                "project-indicator-graph",
                lang,
                view.project["project_id"],
                around=lambda graph: phone_view.chart_frame(view, state, lang, graph),
            )
        )
    parts.append(_timeline_list(view, lang))
    return html.Div(parts)


def _stat(label: str, value: Any, note: str | None = None) -> html.Div:
    return html.Div(
        [
            html.Div(label, className="stat-label"),
            html.Div(value, className="stat-value"),
            html.Div(note, className="stat-note muted") if note else None,
        ],
        className="stat",
    )


def _signed(value: Any) -> str:
    """An effect figure with its sign ('+5,010', '−7.84'), '–' when absent."""
    return "–" if is_missing(value) else vd.signed(float(value))


def _effect_interval(e: dict[str, Any], lang: str) -> str:
    if e.get("effect_avg") is None:
        return "–"
    if e.get("effect_avg_lo") is None or e.get("effect_avg_hi") is None:
        return _signed(e["effect_avg"])
    return t(
        "project.value_ci",
        lang,
        value=_signed(e["effect_avg"]),
        lo=_signed(e["effect_avg_lo"]),
        hi=_signed(e["effect_avg_hi"]),
    )


def _verdict_head(e: dict[str, Any] | None, lang: str) -> html.Div:
    """The verdict in words and its evidence level, before any number."""
    level = (e or {}).get("evidence_level")
    badge = None
    if queries_project.is_reported_only(e) and e is not None and not e.get("estimable"):
        text, css = vd.status_badge(e, lang)
        badge = html.Span(text, className=css)
    return html.Div(
        [
            html.Span(vd.label(e, lang), className=f"verdict-label verdict-{vd.code(e)}"),
            html.Span(vd.level_text(e, lang), className=f"badge level-{level}") if level else None,
            badge,
        ],
        className="verdict-head",
    )


def _reason_details(more: list[str], lang: str, element_id: str) -> html.Details:
    """Each method's own reason, folded under the short one."""
    return html.Details(
        [
            html.Summary(t("project.reason_details", lang)),
            html.Ul([html.Li(text) for text in more]),
        ],
        className="reason-details muted",
        id=element_id,
    )


def verdict_block(view: ProjectView, lang: str) -> html.Section:
    """`#verdict`: what the evidence says, then the estimate with its interval and MDE, what
    the data could have seen, and which design over which windows."""
    e = view.primary
    unit = figs.axis_title(view.indicator, lang, effect_per_capita(e)) if view.indicator else ""
    lines: list[Any] = [_verdict_head(e, lang)]
    if view.indicator:
        lines.append(
            html.P(
                t(
                    "project.verdict_of",
                    lang,
                    indicator=pick(view.indicator, "name", lang),
                    city=pick(view.project, "city_name", lang),
                ),
                className="verdict-of",
            )
        )
    estimate = vd.estimate_text(e, unit, lang)
    if estimate:
        lines.append(html.P(estimate, className="verdict-estimate"))
    detectable = vd.detectable_text(e, lang)
    if detectable:
        lines.append(html.P(detectable, className="verdict-detectable"))
    reason, more = vd.reason_parts(e, lang) if e else (t("project.no_effect_yet", lang), [])
    if reason:
        lines.append(html.P(reason, className="verdict-reason muted"))
    if more:
        lines.append(_reason_details(more, lang, "verdict-reason-details"))
    if e and e.get("estimable"):
        design = t_parts(
            "project.verdict_design",
            lang,
            method=known("method", e["method"], lang),
            windows=html.Span(windows_parts(e, view.indicator.get("grain"), lang)),
        )
        more = html.A(t("project.verdict_more", lang) + " ↓", href="#project-effect")
        lines.append(html.P([*design, " · ", more], className="verdict-design muted"))
    return html.Section(lines, id="verdict", className=f"card verdict verdict-{vd.code(e)}")


def _p_value_stat(e: dict[str, Any], lang: str) -> html.Div:
    """The p-value and, always, its kind (permutation with its floor, placebo SE, HAC...)."""
    value = "–" if e.get("p_value") is None else _fmt(e["p_value"], 2)
    if e.get("p_value") is None:
        return _stat(t("project.p_value", lang), value, vd.p_value_text(e, lang))
    return _stat(t("project.p_value", lang), value, vd.p_value_kind(e, lang))


def _pre_fit_stat(e: dict[str, Any], lang: str) -> html.Div:
    """The fit before launch; when the overfitting rule fires it is shown as no evidence,
    with the engine's reason, never as a strength."""
    fit = t(
        "project.pre_fit_value",
        lang,
        rmspe=_fmt(e.get("pre_rmspe")),
        r2=_fmt(e.get("pre_fit_r2"), 2),
    )
    why = vd.overfit_text(e, lang)
    if why is None:
        return _stat(t("project.pre_fit", lang), fit)
    return html.Div(
        [
            html.Div(t("project.pre_fit", lang), className="stat-label"),
            html.Div(t("project.pre_fit_not_evidence", lang), className="stat-value"),
            html.Div(t("project.pre_fit_overfit", lang, fit=fit, why=why), className="stat-note"),
        ],
        className="stat stat-overfit",
        id="project-overfit",
    )


def _strengthen_fact(e: dict[str, Any], lang: str) -> list[Any]:
    """'What would strengthen this evidence': the engine's one line for this result."""
    line = vd.strengthen_text(e, lang)
    if not line:
        return []
    return [
        html.Dt(t("project.strengthen_title", lang)),
        html.Dd(line, id="project-strengthen"),
    ]


def _effect_section(view: ProjectView, lang: str) -> html.Div:
    primary = view.primary
    if queries_project.is_reported_only(primary):
        reason, more = vd.reason_parts(primary, lang) if primary else (None, [])
        if not reason:
            reason = engine_text(
                (primary or {}).get("details"),
                "reason",
                lang,
                (primary or {}).get("reason") or t("project.no_effect_yet", lang),
            )
        text, css = vd.status_badge(primary, lang)
        return html.Div(
            [
                html.Span(text, className=f"{css} big"),
                html.P(reason),
                _reason_details(more, lang, "effect-reason-details") if more else None,
                html.P(pick(view.project, "evidence_note", lang), className="muted"),
            ],
            className="card effect-card reported-only",
        )
    e = primary
    unit = figs.axis_title(view.indicator, lang, effect_per_capita(e))
    stats = [
        _stat(t("project.effect_avg", lang), _effect_interval(e, lang), unit),
        _stat(
            t("project.effect_rel", lang),
            effect_size_text(e, lang) if e.get("effect_rel") is not None else "–",
        ),
        _stat(
            t("project.effect_cum", lang),
            _signed(e.get("effect_cum")),
            t(
                "project.interval",
                lang,
                lo=_signed(e.get("effect_cum_lo")),
                hi=_signed(e.get("effect_cum_hi")),
            )
            if e.get("effect_cum_lo") is not None
            else None,
        ),
        _stat(
            t("project.mde_label", lang), vd.mde_size(e, lang) or "–", vd.detectable_text(e, lang)
        ),
        _p_value_stat(e, lang),
        _pre_fit_stat(e, lang),
    ]
    parts: list[Any] = [_verdict_head(e, lang), html.Div(stats, className="stats")]
    if len(view.path):
        wide = vd.band_too_wide(e)
        fig = figs.effect_figure(
            view.path.assign(lo=None, hi=None) if wide else view.path,
            project=view.project,
            indicator=view.indicator,
            marks=view.marks,
            lang=lang,
            per_capita=effect_per_capita(e),
        )
        parts.append(_graph(fig, "project-effect-graph", lang, view.project["project_id"]))
        if wide:
            parts.append(
                html.P(
                    t("project.band_not_drawn", lang),
                    className="muted",
                    id="project-band-not-drawn",
                )
            )
    parts.append(
        html.Dl(
            [
                html.Dt(t("project.method", lang)),
                html.Dd(
                    [
                        html.Strong(known("method", e["method"], lang)),
                        " – ",
                        engine_text(e.get("details"), "reason", lang, e.get("reason") or ""),
                    ]
                ),
                html.Dt(t("project.evidence_reason", lang)),
                html.Dd(
                    engine_text(
                        e.get("details"), "evidence_reason", lang, e.get("evidence_reason") or "–"
                    )
                ),
                html.Dt(t("project.agreement", lang)),
                html.Dd(
                    engine_text(e.get("details"), "agreement", lang, e.get("agreement") or "–")
                ),
                html.Dt(t("project.windows", lang)),
                html.Dd(windows_parts(e, view.indicator.get("grain"), lang)),
                *_strengthen_fact(e, lang),
            ],
            className="effect-facts",
        )
    )
    caveats = caveat_lines(e.get("details") or {}, view, lang)
    if caveats:
        parts.append(html.H3(t("project.caveats_title", lang)))
        parts.append(html.Ul([html.Li(c) for c in caveats], className="caveats"))
    parts.append(_methods_table(view.effects, lang))
    return html.Div(parts, className="card effect-card")


def caveat_lines(details: dict[str, Any], view: ProjectView, lang: str) -> list[str]:
    """The evidence engine's caveats in the page language (events by id, so labels translate)."""
    raw = details.get("caveats") or {}  # as gosmart.evidence writes it; absent when not estimated
    lines: list[str] = []
    events = {e["event_id"]: e for e in view.events}
    for key in ("confounders", "data_breaks"):
        for item in raw.get(key) or []:
            label = pick(events.get(item.get("event_id"), {}), "label", lang) or item.get("label")
            lines.append(
                t(
                    f"project.caveat_{key}",
                    lang,
                    label=label or "",
                    when=known("when", str(item.get("when", "")).replace(" ", "_"), lang),
                )
            )
    if raw.get("break_at_launch"):
        lines.append(t("project.caveat_break_at_launch", lang))
    names = {c["city_id"]: pick(c, "city_name", lang) for c in view.coverage}
    for city, gaps in (raw.get("coverage") or {}).items():
        lines.append(
            t(
                "project.caveat_coverage",
                lang,
                city=names.get(city) or city,
                missing=len(gaps["missing_periods"]),
                low=len(gaps["low_coverage_periods"]),
            )
        )
    if details.get("scale") == "log":
        lines.append(t("project.caveat_log_scale", lang))
    return lines


def effect_per_capita(effect: dict[str, Any] | None) -> bool:
    """Whether the evidence engine estimated on per-capita values (None: no effect row)."""
    return bool((effect or {}).get("per_capita"))


def _methods_table(effects: list[dict[str, Any]], lang: str) -> html.Div:
    """Every method tried, verdict first: SDID next to synthetic control and DiD."""
    head = html.Tr(
        [
            html.Th(t(k, lang))
            for k in (
                "project.method",
                "project.verdict_col",
                "project.effect_avg",
                "project.mde_col",
                "project.p_value",
                "project.level",
            )
        ]
    )
    rows = []
    for e in effects:
        value = (
            _effect_interval(e, lang)
            if e.get("estimable")
            else engine_text(e.get("details"), "reason", lang, e.get("reason") or "–")
        )
        rows.append(
            html.Tr(
                [
                    html.Td(
                        [known("method", e["method"], lang)]
                        + (
                            [" ", html.Span("★", title=t("project.primary", lang))]
                            if e.get("is_primary")
                            else []
                        )
                    ),
                    html.Td(vd.label(e, lang), className=f"verdict-{vd.code(e)}"),
                    html.Td(value),
                    html.Td(vd.mde_size(e, lang) or "–"),
                    html.Td(vd.p_value_text(e, lang)),
                    html.Td(_level_cell(e, lang)),
                ]
            )
        )
    table = html.Table(
        [html.Caption(t("project.methods_caption", lang)), html.Thead(head), html.Tbody(rows)],
        className="methods-table",
    )
    return html.Div(table, className="table-scroll")


def _level_cell(e: dict[str, Any], lang: str) -> list[Any] | str:
    """The level and why (a weighted fit capped by the overfitting rule says so here)."""
    if not e.get("evidence_level"):
        return "–"
    why = engine_text(e.get("details"), "evidence_reason", lang, e.get("evidence_reason") or "")
    return [f"{e['evidence_level']}/5", html.Div(why, className="muted small") if why else None]


def _placebo_section(view: ProjectView, lang: str) -> html.Div:
    if not len(view.placebos) or not len(view.path):
        return html.P(t("project.no_placebos", lang), className="muted")
    log_scale = ((view.primary or {}).get("details") or {}).get("scale") == "log"
    gap = figs.own_gap(view.path, log_scale=log_scale)
    kinds = [k for k in PLACEBO_ORDER if k in set(view.placebos["kind"])]
    kinds += [k for k in dict.fromkeys(view.placebos["kind"]) if k not in kinds]
    panels = [
        html.Div(
            [
                _graph(
                    figs.placebo_figure(
                        view.placebos,
                        kind,
                        gap=gap,
                        project=view.project,
                        lang=lang,
                        log_scale=log_scale,
                        grain=view.indicator.get("grain"),
                    ),
                    f"project-placebo-{kind}",
                    lang,
                    view.project["project_id"],
                ),
                html.P(known("placebo_help", kind, lang), className="muted small"),
            ],
            className="card",
        )
        for kind in kinds
    ]
    return html.Div(panels, className="grid placebo-grid")


def _quality_section(view: ProjectView, lang: str) -> html.Div:
    if not view.coverage:
        return html.P(t("project.no_series_yet", lang), className="muted")
    head = html.Tr(
        [
            html.Th(t(f"project.quality_{k}", lang))
            for k in ("city", "span", "present", "missing", "coverage")
        ]
    )
    rows = []
    own = view.project.get("city_id")
    grain = view.indicator.get("grain")
    for c in sorted(view.coverage, key=lambda c: c["city_id"] != own):  # the city first
        expected = c.get("periods_expected")
        present = c.get("periods_present") or 0
        missing = (int(expected) - int(present)) if expected is not None else None
        cov = c.get("mean_coverage")
        rows.append(
            html.Tr(
                [
                    html.Td(pick(c, "city_name", lang) or c["city_id"]),
                    html.Td(span_text(c.get("first_period"), c.get("last_period"), grain, lang)),
                    html.Td(f"{present:,}"),
                    html.Td(
                        "–" if missing is None else f"{missing:,}",
                        className="warn" if missing else "",
                    ),
                    html.Td("–" if cov is None else f"{cov * 100:.0f}%"),
                ],
                className="own-city" if c["city_id"] == own else None,
            )
        )
    breaks = [e for e in view.events if e.get("kind") == "data_break"]
    break_list = (
        html.Ul(
            [
                html.Li(
                    [
                        f"{period_text(b['date_start'], view.indicator.get('grain'), lang)}: "
                        f"{pick(b, 'label', lang)} ",
                        _link(b.get("source_url"), t("common.source", lang)),
                    ]
                )
                for b in breaks
            ]
        )
        if breaks
        else html.P(t("project.no_breaks", lang), className="muted")
    )
    return html.Div(
        [
            html.Div(
                html.Table([html.Thead(head), html.Tbody(rows)], className="quality-table"),
                className="table-scroll",
            ),
            html.H3(t("project.breaks_title", lang)),
            break_list,
        ]
    )


def _milestone_section(view: ProjectView, lang: str) -> html.Div:
    if not view.milestones:
        return html.P(t("project.no_milestones", lang), className="muted")
    parts: list[Any] = [html.P(t("project.milestones_note", lang), className="muted")]
    if any(m.get("value") is not None for m in view.milestones):
        parts.append(
            _graph(
                figs.milestone_figure(view.milestones, lang),
                "project-milestone-graph",
                lang,
                view.project["project_id"],
            )
        )
    head = html.Tr(
        [
            html.Th(t(f"project.milestone_{k}", lang))
            for k in ("date", "metric", "value", "by", "link")
        ]
    )
    rows = [
        html.Tr(
            [
                html.Td(m.get("as_of")),
                html.Td(
                    [
                        figs.metric_label(m["metric"], lang),
                        html.Div(in_languages(m["note"], lang), className="muted small")
                        if m.get("note")
                        else None,
                    ]
                ),
                html.Td(figs.reported_value(m, lang) or "–"),
                html.Td(in_languages(formats.outlet(m) or "–", lang)),
                html.Td(
                    [
                        html.Span(t("common.reported", lang), className="badge reported"),
                        " ",
                        _link(m.get("url"), t("common.source", lang)),
                    ]
                ),
            ]
        )
        for m in view.milestones
    ]
    parts.append(
        html.Div(
            html.Table([html.Thead(head), html.Tbody(rows)], className="milestone-table"),
            className="table-scroll",
        )
    )
    return html.Div(parts)


def _sources_section(view: ProjectView, lang: str) -> html.Div:
    head = html.Tr(
        [
            html.Th(t(f"project.source_{k}", lang))
            for k in ("publisher", "title", "licence", "retrieved")
        ]
    )
    rows = [
        html.Tr(
            [
                html.Td(
                    [in_languages(s.get("publisher") or "", lang)]
                    + (
                        [" ", html.Span(t("project.third_party", lang), className="badge reported")]
                        if s.get("third_party")
                        else []
                    )
                    + (
                        [" ", html.Span(t("common.reported", lang), className="badge reported")]
                        if s.get("kind") == "reported"
                        else []
                    )
                ),
                html.Td(
                    _link(s.get("url"), in_languages(s.get("title") or s.get("source_id"), lang))
                ),
                html.Td(s.get("licence") or "–"),
                html.Td(_date(s.get("retrieved_at"))),
            ]
        )
        for s in view.sources
    ]
    parts: list[Any] = []
    if rows:
        parts.append(
            html.Div(
                html.Table([html.Thead(head), html.Tbody(rows)], className="sources-table"),
                className="table-scroll",
            )
        )
    else:
        parts.append(html.P(t("project.no_sources", lang), className="muted"))
    parts.append(html.P(t("project.sources_note", lang), className="muted small"))
    return html.Div(parts)


def _bundle_section(view: ProjectView, state: dict[str, Any], lang: str) -> html.Div:
    store = {
        "project_id": view.project["project_id"],
        "ind": view.indicator.get("indicator_id"),
        "pc": bool(state.get("pc")),
        "lang": lang,
    }
    return html.Div(
        [
            html.P(t("project.bundle_text", lang)),
            html.Button(
                t("project.bundle_button", lang), id="project-bundle-button", className="primary"
            ),
            html.Span("", id="project-bundle-status", className="muted", role="status"),
            dcc.Store(id="project-bundle-state", data=store),
            dcc.Download(id="project-bundle-download"),
        ],
        className="card bundle",
    )


def _not_found(lang: str) -> html.Div:
    return html.Div(
        [
            html.H1(t("project.not_found", lang)),
            html.P(t("project.not_found_text", lang)),
            dcc.Link(t("common.back_home", lang), href="/" if lang == "en" else "/?lang=zh"),
        ],
        className="page",
        id="project-not-found",
    )


def layout(project_id: str | None = None, **query: Any) -> html.Div:
    """The page for one project; unknown ids get a friendly not-found, failures a notice."""
    state, notices = decode("project", query)
    return guarded_page(
        f"project {project_id!r}", state["lang"], lambda: _layout(project_id, state, notices)
    )


def page_view(project_id: str, state: dict[str, Any], notices: list[str]) -> ProjectView:
    """What the page shows for this URL state: the chosen indicator (an unknown one is
    named in `notices` and the headline shown), per capita only where it is offered."""
    view = load_view(project_id)
    chosen = state.get("ind") or None
    if chosen and chosen not in {i["indicator_id"] for i in view.indicators}:
        notices.append("ind")
        chosen = None
    if chosen:
        view = load_view(project_id, chosen)
    view = project_context.analysed_at(view)
    if state.get("pc") and not view.indicator.get("per_capita_scale"):
        state["pc"] = False
    return view


def page_head(view: ProjectView, lang: str) -> html.Div:
    """The page's first lines: back link, project, verdict (`#verdict`), city and award.
    The server-drawn phone view (dashboard/phone_view.py) shows these very components."""
    p = view.project
    home = "/" if lang == "en" else "/?lang=zh"
    return html.Div(
        [
            dcc.Link(f"← {t('project.back', lang)}", href=home, className="back"),
            html.H1(pick(p, "name", lang), id="project-title"),
            _panel_plain(lambda: verdict_block(view, lang), lang, "verdict"),
            html.P(
                t(
                    "project.subtitle",
                    lang,
                    city=pick(p, "city_name", lang),
                    agency=pick(p, "agency", lang) or "–",
                    year=p.get("award_year"),
                ),
                className="muted",
            ),
        ],
        className="project-head",
    )


def _layout(project_id: Any, state: dict[str, Any], notices: list[str]) -> html.Div:
    lang = state["lang"]
    try:
        known_ids = queries.project_ids()
    except Exception:
        log.exception("project ids unavailable")
        known_ids = set()
    if not isinstance(project_id, str) or project_id not in known_ids:
        return _not_found(lang)
    try:
        view = page_view(project_id, state, notices)
    except (BundleError, Exception):
        log.exception("project %s could not be read", project_id)
        return html.Div([failure_notice(lang)], className="page")
    p = view.project
    notice = [fallback_notice(lang, notices)]
    return html.Div(
        [
            page_head(view, lang),
            *notice,
            _story(p, lang),
            _selectors(view, state, lang),
            _panel(
                t("project.indicator_title", lang),
                lambda: _indicator_section(view, state, lang),
                lang,
                "project-indicator",
            ),
            *project_context.sections(view, lang),  # what official data show where no effect can
            _panel(
                t("project.effect_title", lang),
                lambda: _effect_section(view, lang),
                lang,
                "project-effect",
            ),
            _panel(
                t("project.placebo_title", lang),
                lambda: _placebo_section(view, lang),
                lang,
                "project-placebos",
            ),
            _panel(
                t("project.quality_title", lang),
                lambda: _quality_section(view, lang),
                lang,
                "project-quality",
            ),
            _panel(
                t("project.milestones_title", lang),
                lambda: _milestone_section(view, lang),
                lang,
                "project-milestones",
            ),
            _panel(
                t("project.sources_title", lang),
                lambda: _sources_section(view, lang),
                lang,
                "project-sources",
            ),
            _panel(
                t("project.bundle_title", lang),
                lambda: _bundle_section(view, state, lang),
                lang,
                "project-bundle",
            ),
        ],
        className="page project-page",
        lang="zh-Hant" if lang == "zh" else "en",
    )


def bundle_download(n_clicks: int | None, data: dict | None) -> tuple[Any, str]:
    """The dcc.Download payload for the bundle button (a plain function, tested directly)."""
    data = data if isinstance(data, dict) else {}
    lang = normalise_lang(data.get("lang"))
    if not n_clicks:
        return dash.no_update, ""
    try:
        name, payload = build_bundle(
            str(data.get("project_id") or ""),
            data.get("ind") or None,
            lang=lang,
            per_capita=bool(data.get("pc")),
        )
    except Exception:
        log.exception("evidence bundle failed")
        return dash.no_update, t("project.bundle_failed", lang)
    return dcc.send_bytes(payload, name), t("project.bundle_ready", lang, name=name)


dash.callback(
    Output("project-bundle-download", "data"),
    Output("project-bundle-status", "children"),
    Input("project-bundle-button", "n_clicks"),
    State("project-bundle-state", "data"),
    prevent_initial_call=True,
)(bundle_download)
