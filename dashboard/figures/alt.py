"""Text alternatives of charts (WCAG 1.1.1): the chart's title and one sentence on what it
shows, built from the figure's own data, so the words can never say a number the chart
does not; and the <figure> that puts them, with a link to the data, under the chart.

A line is summed up by its first and last point ("New Taipei City went from 3,354 in 2014
to 6,485 in 2023"), a map and a grid by their extremes and size, and a launch drawn on the
chart (a shape named "launch") is said to be marked."""

from __future__ import annotations

import base64
import math
from collections import Counter
from datetime import date, datetime
from typing import Any
from urllib.parse import quote, urlencode

import numpy as np
import pandas as pd
from dash import html

from gosmart.dashboard.i18n import normalise_lang, t
from gosmart.dashboard.kiosk.format import format_number
from gosmart.missing import is_missing

MAX_LINES = 4  # lines named in the sentence; the rest are counted
LAUNCH_SHAPE = "launch"  # the `name` of the shape that draws a project's launch


def _plain(fig: Any) -> tuple[list[dict], dict]:
    """(traces, layout) of a go.Figure or a figure dict, as plain dicts."""
    as_dict = fig.to_plotly_json() if hasattr(fig, "to_plotly_json") else dict(fig)
    return list(as_dict.get("data") or []), dict(as_dict.get("layout") or {})


def _text(value: Any) -> str:
    """A title or name without Plotly's <br> and <b> markup."""
    if isinstance(value, dict):
        value = value.get("text")
    text = str(value or "")
    for tag in ("<br>", "<br />", "<b>", "</b>", "<i>", "</i>"):
        text = text.replace(tag, " ")
    return " ".join(text.split())


def _when(value: Any, dates: list[Any]) -> str:
    """A point's x as words: a year when the series is annual (every date on 1 January),
    else year and month; a category or number as it is."""
    if isinstance(value, str | date | datetime | pd.Timestamp):
        try:
            stamp = pd.Timestamp(value)
        except (ValueError, TypeError):
            return str(value)
        if isinstance(value, str) and not value[:4].isdigit():
            return value
        annual = all(
            (s := pd.Timestamp(d)).month == 1 and s.day == 1 for d in dates if not is_missing(d)
        )
        return f"{stamp.year}" if annual else f"{stamp.year}-{stamp.month:02d}"
    return str(value)


def _finite(y: Any) -> bool:
    return not is_missing(y) and isinstance(y, int | float) and math.isfinite(y)


def _values(trace: dict, key: str) -> list[Any]:
    """A data array of a trace as a list, whether a list, a numpy array or the typed-array
    form plotly stores numpy arrays in ({"dtype": "f8", "bdata": base64, "shape": "3, 5"})."""
    values = trace.get(key)
    if values is None:
        return []
    if isinstance(values, dict) and "bdata" in values:
        array = np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"]))
        if values.get("shape"):
            array = array.reshape([int(n) for n in str(values["shape"]).split(",")])
        values = array
    if isinstance(values, np.ndarray):
        if values.dtype.kind == "M":  # datetime64[ns] would list as integers
            values = values.astype("datetime64[s]")
        return values.tolist()
    if isinstance(values, str):
        return [values]
    return list(values)


def _category_phrase(trace: dict, lang: str) -> str | None:
    """Dots on a category axis (reported figures by metric): each dot's label and date."""
    xs, ys, labels = _values(trace, "x"), _values(trace, "y"), _values(trace, "text")
    dates = [x for x in xs if not is_missing(x)]
    items = [
        t("common.alt_dot", lang, what=_text(y), value=_text(label), when=_when(x, dates))
        for x, y, label in zip(xs, ys, labels, strict=False)
        if not is_missing(x) and isinstance(y, str) and label
    ]
    name = _text(trace.get("name"))
    if not items or not name:
        return None
    shown = items[:MAX_LINES] + (
        [t("common.alt_more", lang, n=len(items) - MAX_LINES)] if len(items) > MAX_LINES else []
    )
    return t("common.alt_dots", lang, name=name, items=t("common.alt_list_join", lang).join(shown))


def _line_phrase(trace: dict, lang: str) -> str | None:
    xs, ys = _values(trace, "x"), _values(trace, "y")
    if any(isinstance(y, str) for y in ys):
        return _category_phrase(trace, lang)
    points = [(x, y) for x, y in zip(xs, ys, strict=False) if _finite(y) and not is_missing(x)]
    name = _text(trace.get("name"))
    if not points or not name or trace.get("fill") not in (None, "none"):
        return None  # an unnamed helper line or a band's outline: no line of its own
    (x0, y0), (x1, y1) = points[0], points[-1]
    dates = [x for x, _ in points]
    if len(points) == 1:
        return t(
            "common.alt_point",
            lang,
            name=name,
            value=format_number(y0, lang),
            when=_when(x0, dates),
        )
    return t(
        "common.alt_line",
        lang,
        name=name,
        first=format_number(y0, lang),
        start=_when(x0, dates),
        last=format_number(y1, lang),
        end=_when(x1, dates),
    )


def _area_phrase(trace: dict, lang: str) -> str | None:
    """A choropleth's extremes, named by the first line of each area's hover text."""
    zs, texts = _values(trace, "z"), _values(trace, "text")
    named = [
        (z, _text(str(s).split("<br>")[0]))
        for z, s in zip(zs, texts, strict=False)
        if _finite(z) and s
    ]
    if not named:
        return None
    hi, lo = max(named, key=lambda p: p[0]), min(named, key=lambda p: p[0])
    return t(
        "common.alt_map",
        lang,
        n=len(named),
        high=hi[1],
        high_value=format_number(hi[0], lang),
        low=lo[1],
        low_value=format_number(lo[0], lang),
    )


def _grid_phrase(trace: dict, lang: str) -> str | None:
    rows = _values(trace, "z")
    cells = [v for row in rows for v in (row.tolist() if hasattr(row, "tolist") else row)]
    with_data = sum(1 for v in cells if _finite(v) and v > 0)
    if not rows:
        return None
    return t(
        "common.alt_grid",
        lang,
        rows=len(rows),
        columns=len(_values(trace, "x")),
        filled=with_data,
        cells=len(cells),
    )


def _width(trace: dict) -> float:
    line = trace.get("line") if isinstance(trace.get("line"), dict) else {}
    width = line.get("width")
    return float(width) if isinstance(width, int | float) else 2.0


def _has_data(trace: dict) -> bool:
    """Whether a trace draws anything (a legend-only trace has x=[None])."""
    keys = ("z",) if trace.get("type") in ("choropleth", "heatmap") else ("y",)
    return any(not is_missing(v) for key in keys for v in _values(trace, key)[:1000])


def _launch_year(layout: dict) -> str | None:
    for shape in layout.get("shapes") or []:
        if isinstance(shape, dict) and shape.get("name") == LAUNCH_SHAPE:
            x = shape.get("x0")
            if not is_missing(x):
                return _when(x, [x])[:4]
    return None


def chart_title(fig: Any) -> str:
    """The figure's own title (without markup), or '' when it has none."""
    _, layout = _plain(fig)
    return _text(layout.get("title"))


def chart_sentence(fig: Any, lang: str) -> str:
    """One sentence on what the chart shows, from its data: its lines' first and last
    points, a map's or a grid's extent, and its launch mark; '' when it shows no data."""
    lang = normalise_lang(lang)
    traces, layout = _plain(fig)
    names = Counter(_text(tr.get("name")) for tr in traces if _has_data(tr))
    with_lines = any("lines" in str(tr.get("mode") or "lines") for tr in traces if _has_data(tr))
    phrases, groups = [], []
    # the boldest line first: a project's own city is drawn wider than its comparisons
    for trace in sorted(traces, key=_width, reverse=True):
        if with_lines and trace.get("mode") == "markers":
            continue  # dots over lines mark points of the lines (thin data, a launch window)
        name = _text(trace.get("name"))
        if name and names[name] > 1:  # many lines of one kind (comparison cities): counted
            group = t("common.alt_group", lang, name=name, n=names[name])
            if group not in groups:
                groups.append(group)
            continue
        kind = trace.get("type") or "scatter"
        if kind == "choropleth":
            phrase = _area_phrase(trace, lang)
        elif kind == "heatmap":
            phrase = _grid_phrase(trace, lang)
        elif kind == "scatter":
            phrase = _line_phrase(trace, lang)
        else:
            phrase = None
        if phrase and phrase not in phrases:
            phrases.append(phrase)
    if not phrases and not groups:
        return _sentence([t("common.alt_empty", lang)], lang)
    shown = phrases[:MAX_LINES]
    if len(phrases) > MAX_LINES:
        shown.append(t("common.alt_more", lang, n=len(phrases) - MAX_LINES))
    shown += groups
    year = _launch_year(layout)
    if year:
        shown.append(t("common.alt_launch", lang, year=year))
    return _sentence(shown, lang)


def _sentence(phrases: list[str], lang: str) -> str:
    sentence = t("common.alt_join", lang).join(phrases)
    return sentence[:1].upper() + sentence[1:] + t("common.alt_stop", lang)


def series_csv_href(project_id: str) -> str:
    """The data API's CSV of every series a project's charts are drawn from."""
    return f"/api/v1/project/{quote(project_id, safe='')}/series.csv"


def indicator_csv_href(
    indicator_id: str, cities: list[str], lang: str, years: tuple[int, int] | None = None
) -> str:
    """The data API's CSV of one indicator for `cities` (and `years`, both ends included)."""
    params = {"cities": ",".join(cities), "lang": lang}
    if years:
        params.update({"from": str(years[0]), "to": str(years[1])})
    return f"/api/v1/indicator/{quote(indicator_id, safe='')}.csv?{urlencode(params, safe=',')}"


def chart_figure(
    graph: Any,  # noqa: ANN401 - a dcc.Graph
    fig: Any,  # noqa: ANN401 - its figure
    lang: str,
    *,
    data_href: str | None = None,
    title: str | None = None,
    class_name: str = "chart-figure",
) -> html.Figure:
    """`graph` in a <figure> whose caption is its text alternative: the title, the sentence
    from `chart_sentence` and, with `data_href`, a link to the numbers it is drawn from."""
    heading = title if title is not None else chart_title(fig)
    caption: list[Any] = []
    if heading:
        caption.append(html.Span(heading + t("common.alt_title_stop", lang), className="alt-title"))
    caption.append(html.Span(chart_sentence(fig, lang), className="alt-sentence"))
    if data_href:
        caption += [" ", html.A(t("common.alt_data", lang), href=data_href, className="alt-data")]
    return html.Figure(
        [graph, html.Figcaption(caption, className="chart-alt muted small")],
        className=class_name,
    )
