"""Slide content: what one slide says, as plain JSON-able data, built from the store.

A project slide takes the first headline candidate and the first chart candidate that
have data. A number is shown only with the row it came from (an estimate with its
evidence level, or a reported figure with who reported it and when). When nothing
is found the slide says so plainly instead of showing a number. An estimate is set in
headline type only when its 95% interval excludes zero; otherwise the verdict ("No clear
change") takes its place, with a plain caption of what the data could have seen.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import pandas as pd

from gosmart import formats
from gosmart.dashboard import verdict as vd
from gosmart.dashboard.i18n import pick, t
from gosmart.dashboard.kiosk import data, figures, format, qr
from gosmart.dashboard.kiosk.locator import locate
from gosmart.dashboard.kiosk.playlist import Chart, Headline, Playlist, Slide
from gosmart.vocab import Grain, Method

# Methods the kiosk names in words.
KIOSK_METHODS = (
    Method.SDID,
    Method.SYNTHETIC_CONTROL,
    Method.DID,
    Method.ITS,
    Method.BEFORE_AFTER,
    Method.DESCRIPTIVE,
)

log = logging.getLogger(__name__)


class SlideUnavailable(RuntimeError):
    """The slide cannot be shown now (its project is missing or the store is unreadable)."""


def _method_name(method: str, lang: str) -> str:
    return t(f"kiosk.method_{method}", lang) if method in KIOSK_METHODS else method


def _publishers(source_ids: list[str]) -> list[dict[str, Any]]:
    return data.sources([s for s in source_ids if s])


def _source_line(rows: list[dict[str, Any]], lang: str) -> str:
    if not rows:
        return ""
    publishers = ", ".join(dict.fromkeys(r["publisher"] for r in rows if r.get("publisher")))
    licences = ", ".join(dict.fromkeys(r["licence"] for r in rows if r.get("licence")))
    return t("kiosk.source_line", lang, publishers=publishers, licence=licences)


def _launch(project: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "date": project.get("launch_date"),
        "min": project.get("launch_date_min"),
        "max": project.get("launch_date_max"),
    }


def _place(project: Mapping[str, Any], lang: str) -> dict[str, str]:
    return {
        "city": pick(dict(project), "city_name", lang),
        "project": pick(dict(project), "name", lang),
    }


def _try(what: str, fn, *args):  # noqa: ANN001, ANN202 - tiny local helper
    """A candidate's data, or None when its table is missing or unreadable (logged)."""
    try:
        return fn(*args)
    except Exception as exc:  # a store swapped for one without this table
        log.warning("kiosk: %s unavailable: %s", what, str(exc).splitlines()[0][:200])
        return None


# -- headline ---------------------------------------------------------------------------------


def _effect_headline(h: Headline, project: Mapping[str, Any], lang: str) -> dict | None:
    row = _try("effect", data.effect, project["project_id"], h.indicator)
    if not row or row.get(h.measure) is None:
        return None
    ind = _try("indicator", data.indicator, h.indicator) or {}
    unit = pick(ind, "unit", lang) if ind else ""
    series = _try("series", data.series, h.indicator, project["city_id"], None)
    source_ids = [] if series is None else list(series["source_id"].dropna().unique())
    level = row.get("evidence_level")
    found = {
        "unit": unit,
        "badge": f"level-{int(level)}" if level is not None else "level-1",
        "label": t("common.evidence_level", lang, level=int(level)) if level is not None else "",
        "verdict": vd.label(row, lang),
        "verdict_code": vd.code(row),
        "source": _source_line(_try("sources", _publishers, source_ids) or [], lang),
    }
    method = _method_name(str(row["method"]), lang)
    if not vd.is_clear(row):  # the interval includes zero, or there is none: no headline number
        return {
            **found,
            "value": found["verdict"],
            "is_number": False,
            "plain": _null_caption(row, h.measure, unit, lang),
            "detail": method,
        }
    lo, hi = row.get(f"{h.measure}_lo"), row.get(f"{h.measure}_hi")
    relative = h.measure == "effect_rel"
    shown = format.format_percent if relative else format.format_signed
    detail = f"{method} · " + t("kiosk.interval", lang, lo=shown(lo, lang), hi=shown(hi, lang))
    mde = _mde(row, relative, unit, lang)
    if mde:
        detail += " · " + t("kiosk.mde", lang, mde=mde)
    return {**found, "value": shown(row[h.measure], lang), "is_number": True, "detail": detail}


def _mde(row: Mapping[str, Any], relative: bool, unit: str, lang: str) -> str | None:
    """The change the data could have detected, in the headline's terms ('±12%'; a log-scale
    fit's two sides, '−18% / +22%')."""
    down = vd.mde_downward(row) if row.get("mde_rel") is not None else None
    if down is not None:
        if relative:
            return f"{format.format_percent(down[1], lang)} / {format.format_percent(row['mde_rel'], lang)}"
        shown = f"{format.format_signed(down[0], lang)} / {format.format_signed(row['mde'], lang)}"
        return f"{shown} {unit}".strip()
    if relative and row.get("mde_rel") is not None:
        return "±" + format.format_percent(row["mde_rel"], lang, signed=False)
    if row.get("mde") is not None:
        return f"±{format.format_number(row['mde'], lang)} {unit}".strip()
    return None


def _null_caption(row: Mapping[str, Any], measure: str, unit: str, lang: str) -> str:
    """In plain words what a result without a clear change means."""
    if vd.code(row) == "not_estimable":
        return t("kiosk.no_interval", lang)
    mde = _mde(row, measure == "effect_rel", unit, lang)
    if mde is None:
        return t("kiosk.includes_zero", lang)
    return t("kiosk.no_change_larger", lang, mde=mde)


def _milestone_headline(h: Headline, project: Mapping[str, Any], lang: str) -> dict | None:
    rows = _try("milestone", data.milestones, project["project_id"], h.metric)
    if rows is None or rows.empty:
        return None
    row = rows.iloc[-1].to_dict()
    value = format.format_number(float(row["value"]), lang)
    if bool(row.get("lower_bound")):
        value = t("kiosk.at_least", lang, value=value)
    who = formats.outlet(row)
    return {
        "value": value,
        "unit": row.get("unit") or "",
        "as_of": format.format_as_of(row.get("as_of"), lang),
        "badge": "reported",
        "label": t("common.reported", lang),
        "detail": t(
            "kiosk.reported_by", lang, who=who, as_of=format.format_as_of(row.get("as_of"), lang)
        ),
        "source": row.get("url") or "",
    }


def _latest_headline(h: Headline, project: Mapping[str, Any], lang: str) -> dict | None:
    row = _try("latest", data.latest, h.indicator, project["city_id"])
    if not row:
        return None
    ind = _try("indicator", data.indicator, h.indicator) or {}
    period = pd.Timestamp(row["period_start"]).date().isoformat()
    as_of = period[:4] if row.get("grain") == Grain.ANNUAL else period[:7]
    sources = _try("sources", _publishers, [row.get("source_id")]) or []
    return {
        "value": format.format_number(float(row["value"]), lang),
        "unit": pick(ind, "unit", lang) if ind else "",
        "as_of": format.format_as_of(as_of, lang),
        "badge": "source",
        "label": t("kiosk.measured", lang),
        "detail": t("kiosk.measured_as_of", lang, as_of=format.format_as_of(as_of, lang)),
        "source": _source_line(sources, lang),
    }


HEADLINE_BUILDERS = {
    "effect": _effect_headline,
    "milestone": _milestone_headline,
    "latest": _latest_headline,
}


def build_headline(slide: Slide, project: Mapping[str, Any], lang: str) -> dict | None:
    """The first headline candidate with data, its caption filled; None if none has data."""
    for h in slide.headlines:
        found = HEADLINE_BUILDERS[h.source](h, project, lang)
        if found is None:
            continue
        values = {
            **_place(project, lang),
            "value": found["value"],
            "unit": found.get("unit", ""),
            "as_of": found.get("as_of", ""),
        }
        caption = format.fill_caption(h.caption[lang], values)
        if found.get("is_number") is False:  # the verdict stands where the number would
            caption = [("verdict" if kind == "value" else kind, text) for kind, text in caption]
        found["caption"] = caption
        return found
    return None


# -- chart ------------------------------------------------------------------------------------


def _chart_labels(lang: str, unit: str, project: Mapping[str, Any]) -> dict[str, str]:
    return {
        "unit": unit,
        "launch": t("kiosk.launch", lang),
        "observed": t("kiosk.observed", lang, city=pick(dict(project), "city_name", lang)),
        "counterfactual": t("kiosk.counterfactual", lang),
        "band": t("kiosk.band", lang),
        "reported": t("kiosk.reported_series", lang),
        "launch_uncertain": t("kiosk.launch_uncertain", lang),
    }


def _chart_title(
    c: Chart, ind: Mapping[str, Any] | None, project: Mapping[str, Any], lang: str
) -> str:
    if c.title:
        return c.title[lang]
    if ind:
        return t(
            "kiosk.chart_title",
            lang,
            indicator=pick(dict(ind), "name", lang),
            city=pick(dict(project), "city_name", lang),
        )
    return t("kiosk.chart_reported_title", lang, project=pick(dict(project), "name", lang))


def _unit(ind: Mapping[str, Any] | None, per_capita: bool, lang: str) -> str:
    if not ind:
        return ""
    unit = pick({"unit_en": ind.get("unit"), "unit_zh": ind.get("unit_zh")}, "unit", lang)
    scale = ind.get("per_capita_scale")
    if per_capita and scale:
        return t(
            "kiosk.per_capita_unit", lang, unit=unit, scale=format.format_number(float(scale), lang)
        )
    return unit


def _ticked(figure: dict, values: list, lang: str) -> dict:
    """The value axis in the visitor's numbers (萬 and 億 in Chinese), as the captions are."""
    return figures.value_ticks(figure, values, lambda v: format.format_number(v, lang))


def _effect_chart(c: Chart, project: Mapping[str, Any], lang: str) -> dict | None:
    row = _try("effect", data.effect, project["project_id"], c.indicator)
    if not row:
        return None
    path = _try("effect_path", data.effect_path, project["project_id"], c.indicator, row["method"])
    if path is None or path.empty or path["observed"].notna().sum() < 2:
        return None
    if vd.band_too_wide(row):  # wider than the series itself: no band to fill the axis
        path = path.assign(lo=float("nan"), hi=float("nan"))
    ind = _try("indicator", data.indicator, c.indicator)
    series = _try("series", data.series, c.indicator, project["city_id"], None)
    source_ids = [] if series is None else list(series["source_id"].dropna().unique())
    # the unit of the values the engine estimated on (per capita where it used them)
    labels = _chart_labels(lang, _unit(ind, bool(row.get("per_capita")), lang), project)
    return {
        "figure": _ticked(
            figures.effect_figure(path, _launch(project), labels),
            path[["observed", "counterfactual", "lo", "hi"]].to_numpy().ravel().tolist(),
            lang,
        ),
        "title": _chart_title(c, ind, project, lang),
        "source": _source_line(_try("sources", _publishers, source_ids) or [], lang),
    }


def _series_chart(c: Chart, project: Mapping[str, Any], lang: str) -> dict | None:
    series = _try("series", data.series, c.indicator, project["city_id"], c.grain)
    column = "value_per_capita" if c.per_capita else "value"
    if series is None or series.empty or series[column].notna().sum() < 2:
        return None
    ind = _try("indicator", data.indicator, c.indicator)
    labels = _chart_labels(lang, _unit(ind, c.per_capita, lang), project)
    sources = _try("sources", _publishers, list(series["source_id"].dropna().unique())) or []
    return {
        "figure": _ticked(
            figures.series_figure(series, _launch(project), labels, per_capita=c.per_capita),
            series[column].tolist(),
            lang,
        ),
        "title": _chart_title(c, ind, project, lang),
        "source": _source_line(sources, lang),
    }


def _milestones_chart(c: Chart, project: Mapping[str, Any], lang: str) -> dict | None:
    rows = _try("milestone", data.milestones, project["project_id"], c.metric)
    if rows is None or len(rows) < 2:
        return None
    texts = [
        t("kiosk.at_least", lang, value=format.format_number(v, lang))
        if bool(b)
        else format.format_number(v, lang)
        for v, b in zip(rows["value"], rows["lower_bound"].fillna(False), strict=True)
    ]
    labels = _chart_labels(lang, "", project)
    hosts = ", ".join(dict.fromkeys(formats.site(u) for u in rows["url"] if u))
    return {
        "figure": _ticked(
            figures.milestones_figure(rows, _launch(project), labels, texts),
            rows["value"].tolist(),
            lang,
        ),
        "title": _chart_title(c, None, project, lang),
        "source": t("kiosk.reported_sources", lang, hosts=hosts),
    }


CHART_BUILDERS = {
    "effect": _effect_chart,
    "series": _series_chart,
    "milestones": _milestones_chart,
}


def build_chart(slide: Slide, project: Mapping[str, Any], lang: str) -> dict | None:
    for c in slide.charts:
        found = CHART_BUILDERS[c.kind](c, project, lang)
        if found is not None:
            return found
    return None


# -- slides -----------------------------------------------------------------------------------


def _qr_extra(slide: Slide) -> dict[str, Any]:
    """The project page's view that matches the slide: its first chart's indicator."""
    chart = next((c for c in slide.charts if c.indicator), None)
    if chart is not None:
        return {"ind": chart.indicator, "pc": chart.per_capita}
    indicator = next((h.indicator for h in slide.headlines if h.indicator), None)
    return {"ind": indicator}


def build_title(playlist: Playlist, slide: Slide, lang: str, base_url: str) -> dict[str, Any]:
    """The attract slide: award name, the winners (when the store answers), a QR code."""
    try:
        frame = data.award_projects(playlist.award_year)
        items = [
            f"{pick(r, 'name', lang)} · {pick(r, 'city_name', lang)}"
            for r in frame.to_dict("records")
        ]
    except Exception as exc:  # the title slide never depends on the store
        log.warning("kiosk: title slide without the project list: %s", str(exc)[:200])
        items = []
    url = qr.home_url(base_url, lang)
    return {
        "slide_id": slide.slide_id,
        "kind": "title",
        "lang": lang,
        "heading": playlist.title[lang],
        "subtitle": playlist.subtitle[lang],
        "items": items,
        "qr": qr.qr_data_uri(url),
        "qr_url": url,
    }


def build_project(slide: Slide, lang: str, base_url: str, *, with_map: bool = True) -> dict:
    """A project slide; raises SlideUnavailable when its project cannot be read."""
    try:
        project = data.project(slide.project or "")
    except Exception as exc:
        raise SlideUnavailable(f"{slide.slide_id}: store unreadable: {exc}") from exc
    if project is None:
        raise SlideUnavailable(f"{slide.slide_id}: project {slide.project!r} not in the store")
    url = qr.project_url(base_url, project["project_id"], lang, _qr_extra(slide))
    locator = locate(project) if with_map else None
    place = _place(project, lang)
    return {
        "slide_id": slide.slide_id,
        "kind": "project",
        "lang": lang,
        "heading": place["project"],
        "kicker": t("kiosk.kicker", lang, year=project.get("award_year") or "", city=place["city"]),
        "headline": build_headline(slide, project, lang),
        "chart": build_chart(slide, project, lang),
        "map": figures.map_figure(locator) if locator else None,
        "qr": qr.qr_data_uri(url),
        "qr_url": url,
    }


def build_slide(
    playlist: Playlist, slide: Slide, lang: str, base_url: str, *, with_map: bool = True
) -> dict[str, Any]:
    """Content of any slide in `lang` (raises SlideUnavailable for a project slide)."""
    if slide.kind == "title":
        return build_title(playlist, slide, lang, base_url)
    return build_project(slide, lang, base_url, with_map=with_map)
