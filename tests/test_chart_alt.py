"""Charts' text alternatives (issue 17): the sentence says only numbers the figure holds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from gosmart.dashboard.bundle import load_view
from gosmart.dashboard.figures import alt
from gosmart.dashboard.figures import project as figs
from gosmart.dashboard.figures.showcase import sparkline
from gosmart.dashboard.kiosk.format import format_number
from tests.store_builder import METRO, METRO_CITY
from tests.store_files import rows

YEARS = [f"{y}-01-01" for y in range(2014, 2024)]


def _line(name: str, ys: list[float], **extra) -> dict:
    return {"type": "scatter", "mode": "lines", "name": name, "x": YEARS, "y": ys, **extra}


def _launch(x: str) -> dict:
    return {"type": "line", "x0": x, "x1": x, "y0": 0, "y1": 1, "name": "launch"}


def test_a_line_is_told_by_its_first_and_last_point_and_the_launch():
    ys = [3354, 3400, 3500, 3700, 3900, 4100, 5000, 5600, 6100, 6485]
    fig = go.Figure(
        data=[_line("New Taipei City", ys)],
        layout={
            "title": {"text": "Child protection <b>records</b>"},
            "shapes": [_launch("2019-07-01")],
        },
    )
    assert alt.chart_title(fig) == "Child protection records"
    assert alt.chart_sentence(fig, "en") == (
        "New Taipei City went from 3,354 in 2014 to 6,485 in 2023; the launch in 2019 is marked."
    )
    assert (
        alt.chart_sentence(fig, "zh")
        == "New Taipei City：2014 為 3,354，2023 為 6,485；圖中標示 2019 年啟用。"
    )


def test_gaps_numpy_and_plotly_typed_arrays_are_read_as_the_chart_draws_them():
    months = np.array(["2020-03-01", "2020-04-01", "2020-05-01"], dtype="datetime64[ns]")
    ys = np.array([np.nan, 12.5, 14.5])
    fig = go.Figure(data=[go.Scatter(x=months, y=ys, name="Riders")])
    # plotly keeps the floats as a base64 typed array and the dates as datetime64[ns]
    assert "bdata" in fig.to_plotly_json()["data"][0]["y"]
    assert alt.chart_sentence(fig, "en") == "Riders went from 12.5 in 2020-04 to 14.5 in 2020-05."


def test_many_lines_of_one_kind_are_counted_and_bands_and_helpers_left_out():
    ys = [1.0] * 10
    traces = [_line("Taipei City", [2.0, *ys[1:]])]
    traces += [_line("Comparison cities", ys) for _ in range(7)]
    traces += [_line("", ys), _line("95% band", ys, fill="toself")]
    traces += [{"type": "scatter", "name": "Launch window", "x": [None], "y": [None]}]
    sentence = alt.chart_sentence(go.Figure(data=traces), "en")
    assert sentence == "Taipei City went from 2 in 2014 to 1 in 2023; 7 lines of Comparison cities."


def test_a_map_is_told_by_its_extremes_and_a_grid_by_its_size():
    choropleth = {
        "type": "choropleth",
        "z": np.array([22.0, 7015.0, 480.0]),
        "text": ["Lienchiang County<br>22 records", "Kaohsiung City<br>7,015 records", "X<br>480"],
    }
    assert alt.chart_sentence({"data": [choropleth], "layout": {}}, "en") == (
        "3 areas shown, the highest Kaohsiung City (7,015) and the lowest Lienchiang County (22)."
    )
    grid = {
        "type": "heatmap",
        "z": np.array([[1.0, 0.0, np.nan], [0.5, 1.0, 0.2]]),
        "x": list("abc"),
    }
    assert alt.chart_sentence(go.Figure(data=[grid]), "en") == (
        "2 rows by 3 columns, 4 of 6 cells with data."
    )


def test_a_chart_without_data_says_so():
    empty = {"type": "scatter", "name": "Legend only", "x": [None], "y": [None]}
    assert alt.chart_sentence(go.Figure(data=[empty]), "en") == "No data to show."
    assert alt.chart_sentence(go.Figure(data=[empty]), "zh") == "沒有可顯示的資料。"


def test_the_project_chart_sentence_comes_from_the_stored_series(dashboard_store):
    """The page's indicator chart: its city's first and last stored values and its launch."""
    view = load_view(METRO)
    fig = figs.indicator_figure(
        view.series, project=view.project, indicator=view.indicator, marks=view.marks, lang="en"
    )
    own = view.series[view.series["city_id"] == METRO_CITY].dropna(subset=["value"])
    own = own.sort_values("period_start")
    (city,) = rows(dashboard_store, "SELECT name_en FROM city WHERE city_id = ?", [METRO_CITY])
    first, last = own.iloc[0], own.iloc[-1]
    stamp = pd.Timestamp
    words = (
        f"{city['name_en']} went from {format_number(first['value'], 'en')} in "
        f"{stamp(first['period_start']):%Y-%m} to {format_number(last['value'], 'en')} in "
        f"{stamp(last['period_start']):%Y-%m}"
    )
    sentence = alt.chart_sentence(fig, "en")
    assert sentence.startswith(words), (sentence, words)
    launch = stamp(view.project["launch_date"]).year
    assert sentence.endswith(f"the launch in {launch} is marked.")


def test_showcase_sparkline_and_figure_caption():
    values = pd.DataFrame(
        {
            "period_start": pd.to_datetime(YEARS),
            "value": [float(v) for v in range(100, 110)],
            "grain": "annual",
        }
    )
    card = {"launch_date": "2019-03-01", "project_id": "p1"}
    fig = sparkline(values, card, "en")
    assert alt.chart_sentence(fig, "en") == (
        "Headline indicator went from 100 in 2014 to 109 in 2023; the launch in 2019 is marked."
    )
    graph = dcc.Graph(figure=fig)
    figure = alt.chart_figure(graph, fig, "en", data_href=alt.series_csv_href("p 1"), title="T")
    assert isinstance(figure, html.Figure) and figure.children[0] is graph
    caption = figure.children[1]
    assert isinstance(caption, html.Figcaption)
    title, sentence, _, link = caption.children
    assert title.children == "T. " and sentence.children == alt.chart_sentence(fig, "en")
    assert link.href == "/api/v1/project/p%201/series.csv"
