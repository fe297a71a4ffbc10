"""A line never bridges missing periods: stored values have no rows for them, and a
straight segment across a gap (KRTC has no monthly figures for Jan-Oct 2021) reads as data."""

from __future__ import annotations

import pandas as pd
import pytest

from gosmart.dashboard.figures.gaps import break_lines
from gosmart.dashboard.figures.project import indicator_figure
from gosmart.dashboard.figures.showcase import sparkline
from gosmart.dashboard.kiosk.figures import series_figure

MONTHS = pd.to_datetime(["2020-11-01", "2020-12-01", "2021-11-01", "2021-12-01"])


@pytest.mark.parametrize(
    ("periods", "grain", "every", "y"),
    [
        (MONTHS, "monthly", 1, [1, 2, None, 3, 4]),
        (MONTHS, "annual", 1, [1, 2, 3, 4]),  # consecutive years: no gap
        (MONTHS, "monthly", 12, [1, 2, 3, 4]),  # every 12th month kept: 11 months apart is fine
        (MONTHS, None, 1, [1, 2, 3, 4]),  # unknown grain: nothing is guessed
        (pd.to_datetime(["2021-01-04", "2021-01-11", "2021-01-25"]), "weekly", 1, [1, 2, None, 3]),
        (pd.to_datetime(["2021-01-01", "2021-01-02", "2021-01-04"]), "daily", 1, [1, 2, None, 3]),
    ],
)
def test_a_null_point_follows_each_gap(periods, grain, every, y):
    x, got = break_lines(
        periods, grain, list(range(len(periods))), list(range(1, len(periods) + 1)), every=every
    )
    assert got == y
    assert len(x) == len(got)


def _series() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "city_id": "TW-KHH",
            "city_name_en": "Kaohsiung City",
            "city_name_zh": "高雄市",
            "grain": "monthly",
            "period_start": MONTHS,
            "value": [10.0, 11.0, 12.0, 13.0],
            "coverage": 1.0,
            "value_per_capita": [1.0, 1.1, 1.2, 1.3],
        }
    )


def test_project_kiosk_and_showcase_lines_stop_at_the_gap():
    series = _series()
    project = {"city_id": "TW-KHH", "launch_date": "2021-01-01"}
    fig = indicator_figure(
        series, project=project, indicator={"grain": "monthly"}, marks=[], lang="en"
    )
    own = next(tr for tr in fig.data if tr.name == "Kaohsiung City")
    assert list(own.y) == [10.0, 11.0, None, 12.0, 13.0]
    kiosk = series_figure(series, {"date": "2021-01-01"}, {})
    assert kiosk["data"][0]["y"] == [10.0, 11.0, None, 12.0, 13.0]
    spark = sparkline(series, {"launch_date": "2021-01-01"}, "en")
    assert list(spark.data[0].y) == [10.0, 11.0, None, 12.0, 13.0]


@pytest.mark.parametrize("aligned", [False, True])
def test_compare_lines_stop_at_the_gap(aligned):
    from gosmart.dashboard.figures.compare import line_figure
    from gosmart.dashboard.queries_compare import CompareData, Selection

    frame = _series().assign(x=[-2, -1, 10, 11], shown=[10.0, 11.0, 12.0, 13.0], coverage=1.0)
    data = CompareData(
        selection=Selection("metro_station_entries", ["TW-KHH"], 2020, 2021, "monthly"),
        indicator={"unit": "riders/day"},
        grain="monthly",
        frame=frame,
        years=(2020, 2021),
        measure="index_raw" if aligned else "raw",
    )
    (trace,) = line_figure(data, {}, "en")["data"]
    assert trace["y"] == [10.0, 11.0, None, 12.0, 13.0]
    assert trace["x"][:3] == (
        [-2, -1, -1] if aligned else ["2020-11-01", "2020-12-01", "2020-12-01"]
    )


def test_reported_figures_are_never_joined_into_a_line():
    """Figures from different articles are dots, not a measured series (the methodology page
    promises it): on the kiosk and on project pages alike."""
    from gosmart.dashboard.figures.project import milestone_figure
    from gosmart.dashboard.kiosk.figures import milestones_figure

    rows = pd.DataFrame(
        {
            "as_of_date": pd.to_datetime(["2024-01-31", "2025-11-01"]),
            "value": [860_000.0, 1_200_000.0],
            "lower_bound": [False, True],
        }
    )
    kiosk = milestones_figure(rows, {"date": "2021-01-01"}, {}, ["86 萬", "逾 120 萬"])
    reported = [tr for tr in kiosk["data"] if tr.get("text")]
    assert reported and all("lines" not in tr["mode"] for tr in reported)
    page = milestone_figure(
        [
            {"metric": "members", "as_of": "2024-01", "as_of_date": "2024-01-31",
             "value": 860_000.0, "unit": "members", "lower_bound": False, "url": "https://a"},
            {"metric": "members", "as_of": "2025-11", "as_of_date": "2025-11-01",
             "value": 1_200_000.0, "unit": "members", "lower_bound": True, "url": "https://b"},
        ],
        "en",
    )  # fmt: skip
    assert all("lines" not in (tr.mode or "") for tr in page.data)
