"""The thin projects' pages on a store ingested from the real files (issue 14): JDS's rank and
trajectory among the provinces, NewTaiPAY's national e-payment context with its reported
members, MeNGo 2.0's own window; and the context figures as pure functions."""

from __future__ import annotations

import base64
from datetime import date

import numpy as np
import pandas as pd
import pytest

from tests.conftest import use_store
from tests.dash_pages import find_by_id, find_ids, page_module, texts

project = page_module("project")


@pytest.fixture
def real_store(opendata_store, monkeypatch):
    use_store(monkeypatch, opendata_store)
    return opendata_store


def _figure(page, graph_id: str) -> dict:
    graph = find_by_id(page, graph_id)
    assert graph is not None, graph_id
    return graph.figure.to_dict()


def values(array) -> list:
    """A trace's values as a list (plotly packs numeric arrays as base64 typed arrays)."""
    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


@pytest.mark.opendata
def test_jds_shows_west_java_among_the_provinces_and_says_why_nothing_is_estimated(real_store):
    page = project.layout(project_id="jds")
    words = " ".join(texts(page))
    assert "No official data for this indicator yet" not in words
    assert "could not be drawn" not in words
    ids = find_ids(page)
    assert "project-indicator-graph" in ids  # the headline is the ICT index, which the store holds
    context = " ".join(texts(find_by_id(page, "project-context")))
    assert "ICT Development Index (IP-TIK): West Java among the provinces" in context
    assert "This series starts in 2019, the year of the launch (2019-07)" in context
    assert "no effect can be estimated" in context
    assert "Rank (1 = highest): 2019: 7 of 34 → 2024: 8 of 34." in context  # BPS's values
    assert "This series starts in 2020, after the launch (2019-07)" in context
    assert "2020: 7 of 34 → 2024: 8 of 38." in context  # six Papua provinces from 2024
    fig = _figure(page, "project-context-rank-ict_development_index")
    west_java = next(tr for tr in fig["data"] if tr.get("name") == "West Java")
    assert [round(v, 2) for v in values(west_java["y"])] == [5.86, 6.0, 6.08, 6.16, 6.15, 6.33]
    national = next(tr for tr in fig["data"] if tr.get("name") == "Indonesia, national total")
    assert round(values(national["y"])[0], 2) == 5.32
    rank = next(tr for tr in fig["data"] if tr.get("yaxis") == "y2")
    assert values(rank["y"]) == [7, 6, 7, 8, 8, 8]


@pytest.mark.opendata
def test_jds_verdict_gives_one_short_reason_and_the_series_badge(real_store):
    """BPS's series exist but start in the launch year: the badge says so (not 'reported
    figures only'), one short reason leads and each method's reason is folded below it."""
    for lang, badge, short, wrong in (
        ("en", "Official series, not estimable",
         "No design could run at the launch date: only 0 pre-launch period(s) of West Java "
         "(need at least 2).", "Reported figures only"),
        ("zh", "有官方序列，但無法估計",
         "在上線日期沒有任何設計能執行：西爪哇省啟動前只有 0 期（至少需要 2 期）。", "僅有報導數字"),
    ):  # fmt: skip
        page = project.layout(project_id="jds", lang=lang)
        verdict = find_by_id(page, "verdict")
        words = texts(verdict)
        assert badge in words and wrong not in words, words
        assert short in words
        folded = texts(find_by_id(verdict, "verdict-reason-details"))
        assert len(folded) == 1 + 5  # its summary, then sdid, SC, DiD, ITS and before/after
        assert all(len(w) < 120 for w in words), words  # no concatenation of every method
        assert find_by_id(page, "effect-reason-details") is not None


@pytest.mark.opendata
def test_jds_context_indicators_show_the_regencies_not_no_data(real_store):
    page = project.layout(project_id="jds", ind="min_wage")
    assert "No official data for this indicator yet" not in " ".join(texts(page))
    fig = _figure(page, "project-indicator-graph")
    drawn = [tr for tr in fig["data"] if tr.get("mode") == "lines" and tr.get("x") is not None]
    assert len(drawn) == 27  # West Java's regencies and cities, which set their minimum wage


@pytest.mark.opendata
def test_newtaipay_shows_taiwan_e_payment_and_reported_members_on_one_time_axis(real_store):
    page = project.layout(project_id="newtaipay")
    context = " ".join(texts(find_by_id(page, "project-context")))
    assert "Taiwan as a whole, no city figures" in context
    assert "New Taipei City cannot be compared with other cities" in context
    assert "it cannot show what the project changed" in context
    assert "These are reported figures, not a measured series" in context
    fig = _figure(page, "project-context-national-epayment_users")
    national = next(tr for tr in fig["data"] if tr.get("name") == "Taiwan, national total")
    users = dict(zip(pd.to_datetime(national["x"]).date, values(national["y"]), strict=True))
    assert users[date(2019, 12, 1)] == 6919882  # FSC December 2019, summed over institutions
    reported = [tr for tr in fig["data"] if tr.get("yaxis") == "y2"]
    assert {tr["name"] for tr in reported} == {"Reported figure", "Reported lower bound (≥)"}
    points = sorted(v for tr in reported for v in values(tr["y"]))
    assert points[0] == 860000 and all(v >= 860000 for v in points)
    assert fig["layout"]["xaxis"]["anchor"] == "y2"  # one time axis under both panels
    shaded = [s for s in fig["layout"]["shapes"] if s["type"] == "rect"]
    assert [(str(s["x0"])[:10], str(s["x1"])[:10]) for s in shaded] == [
        ("2021-01-01", "2022-12-31")  # the disputed launch: 2021 (city) or 2022 (councillor)
    ]


@pytest.mark.opendata
def test_mengo_2_0_is_analysed_in_its_own_window_against_taipei_and_taoyuan(real_store):
    from gosmart.dashboard import queries_project

    effects = [e for e in queries_project.effects("mengo") if e["estimable"]]
    metro = [e for e in effects if e["indicator_id"] == "metro_ridership"]
    assert metro and all(str(e["launch_date"])[:10] == "2021-04-01" for e in metro)
    primary = metro[0]
    window = (str(primary["pre_start"])[:10], str(primary["post_end"])[:10])
    assert window == ("2020-01-01", "2023-09-01")  # the airport line's series ends 2023-09
    donors = primary["details"].get("donors") or primary["details"].get("comparison_cities")
    assert set(donors) == {"TW-TPE", "TW-TAO"}  # both, to the airport line's last month
    pass_2018 = [e for e in effects if e["indicator_id"] == "metro_station_entries"]
    assert pass_2018 and str(pass_2018[0]["launch_date"])[:10] == "2018-09-01"
    page = project.layout(project_id="mengo", ind="metro_ridership")
    fig = _figure(page, "project-indicator-graph")
    band = [s for s in fig["layout"]["shapes"] if s.get("name") == "launch"]
    assert [(str(s["x0"]), str(s["x1"])) for s in band] == [("2020-06-16", "2021-04-21")]
    assert "project-context" not in find_ids(page)  # an estimate exists: no context card


def test_ranks_count_ties_as_the_better_rank_and_skip_periods_without_the_unit():
    frame = pd.DataFrame(
        {
            "city_id": ["A", "B", "C", "A", "B", "C", "B"],
            "period_start": pd.to_datetime(
                ["2020", "2020", "2020", "2021", "2021", "2021", "2022"]
            ),
            "value": [5.0, 5.0, 7.0, 6.0, 4.0, None, 3.0],
        }
    )
    from gosmart.dashboard.figures.context import ranks

    table = ranks(frame, "A", ["B", "C"])
    assert table[["rank", "n"]].values.tolist() == [[2, 3], [1, 2]]  # 2022: A has no value
    assert table.iloc[0][["low", "high"]].tolist() == [5.0, 7.0]


def test_a_one_panel_national_chart_when_nothing_is_reported():
    from gosmart.dashboard.figures.context import national_figure

    series = pd.DataFrame(
        {"city_id": ["TW"] * 3, "value": [1.0, 2.0, 3.0],
         "period_start": pd.to_datetime(["2020-01-01", "2020-02-01", "2020-03-01"])}
    )  # fmt: skip
    fig = national_figure(
        series,
        [],
        unit_name="Taiwan",
        project={"launch_date": date(2020, 2, 1)},
        indicator={"name_en": "Users", "unit": "persons", "grain": "monthly"},
        lang="zh",
    ).to_dict()
    assert "yaxis2" not in fig["layout"] and fig["layout"]["yaxis"]["domain"] == [0.0, 1.0]
    assert [tr["name"] for tr in fig["data"]] == ["Taiwan全國", "上線"]
