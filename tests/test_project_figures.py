"""Figure builders of the project page, as plain functions on the built store."""

from __future__ import annotations

import pandas as pd

from gosmart.dashboard import queries_project
from gosmart.dashboard.bundle import load_view, view_figures
from gosmart.dashboard.figures import project as figs
from gosmart.dashboard.theme import TREATED
from gosmart.quality import LOW_COVERAGE
from tests.store_builder import AIR, FAMILY, METRO, METRO_CITY, METRO_COMPARISON, REPORTED
from tests.store_files import rows

PROJECT = (
    "SELECT p.*, c.name_en AS city_name_en, c.name_zh AS city_name_zh FROM project p "
    "JOIN city c USING (city_id) WHERE project_id = ?"
)
PRIMARY_PLACEBOS = (
    "SELECT p.* FROM placebo p JOIN effect e USING (project_id, indicator_id, method) "
    "WHERE e.is_primary AND p.project_id = ? AND p.kind = ? ORDER BY p.unit"
)


def _name(store, city_id: str) -> str:
    return rows(store, "SELECT name_en FROM city WHERE city_id = ?", [city_id])[0]["name_en"]


def test_indicator_figure_draws_city_comparisons_launch_range_and_events(dashboard_store):
    (project,) = rows(dashboard_store, PROJECT, [METRO])
    view = load_view(METRO)
    fig = figs.indicator_figure(
        view.series, project=view.project, indicator=view.indicator, marks=view.marks, lang="en"
    )
    city = [tr for tr in fig.data if tr.line.color == TREATED]
    assert len(city) == 1 and city[0].name == project["city_name_en"]
    assert _name(dashboard_store, METRO_COMPARISON) in {tr.name for tr in fig.data}
    rects = [s for s in fig.layout.shapes if s.type == "rect"]
    lo, hi = f"{project['launch_date_min']}", f"{project['launch_date_max']}"
    assert any(str(r.x0)[:10] == lo and str(r.x1)[:10] == hi for r in rects), (lo, hi)
    labels = {a.text for a in fig.layout.annotations}
    assert {str(m["number"]) for m in view.marks} <= labels
    marked = {m["event_id"] for m in view.marks if "event_id" in m}
    assert "fx_fare" in marked and "fx_elsewhere" not in marked  # Kaohsiung's, not Taoyuan's


def test_many_comparisons_collapse_to_one_grey_legend_entry(dashboard_store):
    view = load_view(METRO)
    many = pd.concat(
        [view.series.assign(city_id=f"X{i}", city_name_en=f"X{i}") for i in range(7)]
        + [view.series[view.series["city_id"] == METRO_CITY]]
    )
    fig = figs.indicator_figure(
        many, project=view.project, indicator=view.indicator, marks=[], lang="en"
    )
    shown = [tr for tr in fig.data if tr.showlegend is not False and tr.x is not None]
    assert [tr.name for tr in shown if tr.line.color == figs.GREY] == ["Comparison cities"]


def test_own_city_values_on_thin_data_are_circled_once_in_the_legend(dashboard_store):
    """Judges read the project city's line as what the estimate rests on: its values below
    the coverage threshold (a month with a few days of readings) get open circles (share on
    hover); comparisons stay plain even when thin."""
    view = load_view(METRO)
    series = view.series.copy()
    own = series[series["city_id"] == METRO_CITY]
    thin = own[own["coverage"] < LOW_COVERAGE]
    assert len(thin) >= 1, "the world has a thin month in the project city"
    series.loc[series["city_id"] != METRO_CITY, "coverage"] = 0.1
    fig = figs.indicator_figure(
        series, project=view.project, indicator=view.indicator, marks=[], lang="zh"
    )
    legend, circles = [tr for tr in fig.data if tr.legendgroup == "thin"]
    assert legend.showlegend is not False and circles.showlegend is False
    assert legend.name.startswith("資料不完整")
    assert list(circles.customdata) == [round(c * 100) for c in thin["coverage"]]
    assert circles.marker.color == TREATED
    assert list(circles.x) == list(thin["period_start"])
    assert "應有讀數的" in circles.hovertemplate
    complete = load_view(FAMILY)
    assert (complete.series["coverage"] >= LOW_COVERAGE).all()
    fig = figs.indicator_figure(
        complete.series, project=complete.project, indicator=complete.indicator, marks=[],
        lang="en",
    )  # fmt: skip
    assert not [tr for tr in fig.data if tr.legendgroup == "thin"]


def test_chart_text_follows_language(dashboard_store):
    (project,) = rows(dashboard_store, PROJECT, [FAMILY])
    view = load_view(FAMILY)
    en = view_figures(view, "en", per_capita=False)
    zh = view_figures(view, "zh", per_capita=False)
    kinds = {r["kind"] for r in rows(dashboard_store, PRIMARY_PLACEBOS.replace(
        "AND p.kind = ? ", ""), [FAMILY])}  # fmt: skip
    assert kinds and set(en) == {"indicator", "effect"} | {f"placebo_{k}" for k in kinds}
    for name in en:
        assert en[name].layout.title.text != zh[name].layout.title.text, name
        # whole numbers with separators in zh: plotly's "1.4M" / "120k" are not Chinese
        assert zh[name].layout.yaxis.tickformat == ",", name
        assert en[name].layout.yaxis.tickformat is None, name
    assert project["city_name_zh"] in {tr.name for tr in zh["indicator"].data}
    observed = next(tr for tr in zh["effect"].data if tr.line.color == TREATED)
    assert observed.name.startswith(project["city_name_zh"])


def test_per_capita_switches_values_and_axis(dashboard_store):
    view = load_view(METRO)
    pc = figs.indicator_figure(
        view.series,
        project=view.project,
        indicator=view.indicator,
        marks=[],
        lang="en",
        per_capita=True,
    )
    stored = rows(
        dashboard_store,
        "SELECT period_start, value_per_capita FROM indicator_value WHERE indicator_id = ? "
        "AND grain = 'monthly' AND city_id = ? ORDER BY period_start",
        ["metro_ridership", METRO_CITY],
    )
    city = next(tr for tr in pc.data if tr.line.color == TREATED)
    drawn = [y for y in city.y if y is not None and y == y]
    assert drawn == [r["value_per_capita"] for r in stored]
    scale = int(view.indicator["per_capita_scale"])
    assert f"per {scale:,} residents" in pc.layout.yaxis.title.text


def test_effect_figure_band_and_paths_match_effect_path(dashboard_store):
    view = load_view(FAMILY)
    stored = rows(
        dashboard_store,
        "SELECT p.* FROM effect_path p JOIN effect e USING (project_id, indicator_id, method) "
        "WHERE e.is_primary AND p.project_id = ? ORDER BY p.period_start",
        [FAMILY],
    )
    fig = figs.effect_figure(
        view.path, project=view.project, indicator=view.indicator, marks=view.marks, lang="en"
    )
    band_lo = next(tr for tr in fig.data if tr.fill == "tonexty")
    assert list(band_lo.y) == [r["lo"] for r in stored]
    observed = next(tr for tr in fig.data if tr.line.color == TREATED)
    assert list(observed.y) == [r["observed"] for r in stored]


def test_space_placebos_are_thin_grey_and_city_gap_coloured(dashboard_store):
    view = load_view(FAMILY)
    gap = figs.own_gap(view.path)
    fig = figs.placebo_figure(view.placebos, "space", gap=gap, project=view.project, lang="en")
    grey = [tr for tr in fig.data if tr.line.color == figs.GREY]
    assert len(grey) == len(rows(dashboard_store, PRIMARY_PLACEBOS, [FAMILY, "space"]))
    assert all(tr.line.width <= 1 for tr in grey)
    city = [tr for tr in fig.data if tr.line.color == TREATED]
    assert len(city) == 1
    assert list(city[0].y) == list(view.path["observed"] - view.path["counterfactual"])


def test_leave_one_out_refits_are_drawn_against_the_city_gap(dashboard_store):
    """A synthetic control refitted without each donor it leaned on: one thin line per
    refit (the runs the engine stored), the city's own gap on top."""
    runs = rows(
        dashboard_store,
        "SELECT * FROM placebo WHERE project_id = ? AND method = 'synthetic_control' "
        "AND kind = 'leave_one_out'",
        [AIR],
    )
    assert runs, "the world's air project has a synthetic control that counts"
    view = load_view(AIR)
    placebos = queries_project.placebos(AIR, "pm25", "synthetic_control")
    path = queries_project.effect_path(AIR, "pm25", "synthetic_control")
    fig = figs.placebo_figure(
        placebos, "leave_one_out", gap=figs.own_gap(path), project=view.project, lang="en"
    )
    city = [tr for tr in fig.data if tr.line.color == TREATED]
    assert len(city) == 1 and list(city[0].y) == list(path["observed"] - path["counterfactual"])
    assert len([tr for tr in fig.data if tr.line.color != TREATED]) >= len(runs)


def test_log_scale_gap_is_a_log_ratio(dashboard_store):
    view = load_view(FAMILY)
    assert view.primary["details"]["scale"] == "log"  # a data break lies in the window
    gap = figs.own_gap(view.path, log_scale=True)
    assert abs(gap["gap"]).max() < 1


def test_launch_sensitivity_is_a_dot_chart_of_periods_at_the_series_grain(dashboard_store):
    """Tried launch dates are dots on a time axis named at the series' grain (plotly spaces
    its ticks, so they never crowd): never a tick at '23:59:59.999 Dec 31' between them."""
    view = load_view(FAMILY)
    tried = [r["unit"] for r in rows(dashboard_store, PRIMARY_PLACEBOS, [FAMILY,
             "launch_sensitivity"])]  # fmt: skip
    for lang in ("en", "zh"):
        fig = figs.placebo_figure(
            view.placebos, "launch_sensitivity", gap=figs.own_gap(view.path),
            project=view.project, lang=lang, grain=view.indicator["grain"],
        )  # fmt: skip
        assert fig.data[0].mode == "markers" and fig.layout.xaxis.type == "date"
        assert sorted(pd.Timestamp(x) for x in fig.data[0].x) == sorted(map(pd.Timestamp, tried))
    made = pd.DataFrame(
        {"kind": "launch_sensitivity", "unit": ["2019-03-01", "2019-06-01", "2019-09-01"],
         "effect_avg": [-1.0, -2.0, -1.5], "path": [[], [], []]}
    )  # fmt: skip
    for grain, hover in (("monthly", "%Y-%m"), ("annual", "%Y"), ("daily", "%Y-%m-%d")):
        fig = figs.placebo_figure(made, "launch_sensitivity", gap=figs.own_gap(view.path),
                                  project=view.project, lang="en", grain=grain)  # fmt: skip
        assert fig.layout.xaxis.hoverformat == hover
    unnamed = made.assign(unit=["a", "b", "c"])  # units that are not dates: categories
    fig = figs.placebo_figure(unnamed, "launch_sensitivity", gap=figs.own_gap(view.path),
                              project=view.project, lang="en", grain="monthly")  # fmt: skip
    assert fig.layout.xaxis.type == "category" and list(fig.data[0].x) == ["a", "b", "c"]


def test_time_axes_of_annual_series_tick_whole_years():
    axis = figs.date_axis("annual", ["2014-01-01", "2023-01-01"])
    assert axis["tickformat"] == "%Y" and axis["dtick"] == "M24" and axis["hoverformat"] == "%Y"
    assert figs.date_axis("annual", ["2017-01-01", "2021-01-01"])["dtick"] == "M12"
    monthly = figs.date_axis("monthly")
    assert monthly["hoverformat"] == "%Y-%m" and "dtick" not in monthly


def test_milestones_are_unjoined_dots_with_lower_bounds_marked(dashboard_store):
    """One row per reported figure, named by its metric and value: two values of one metric
    reported months apart are two rows, never two labels written over each other."""
    lower_bounds = rows(
        dashboard_store,
        "SELECT * FROM milestone WHERE project_id = ? AND lower_bound ORDER BY as_of_date",
        [REPORTED],
    )
    rows_ = queries_project.milestones(REPORTED)
    fig = figs.milestone_figure(rows_, "en")
    assert all("lines" not in tr.mode and "text" not in tr.mode for tr in fig.data)
    lower = next(tr for tr in fig.data if tr.marker.symbol == "triangle-up")
    assert list(lower.text) == [f"≥ {m['value']:,.0f} {m['unit']}" for m in lower_bounds]
    assert all(y.endswith(f"<br>{v}") for y, v in zip(lower.y, lower.text, strict=True))
    shown = [y for tr in fig.data for y in tr.y]
    assert len(shown) == len(set(shown)) == len([m for m in rows_ if m["value"] is not None])
    assert sorted(fig.layout.yaxis.categoryarray) == sorted(shown)
    zh = figs.milestone_figure(rows_, "zh")
    assert any(y.startswith("會員數<br>") for tr in zh.data for y in tr.y)
    assert list(zh.data[-1].text) == [f"≥ {m['value']:,.0f} 名會員" for m in lower_bounds]


def test_milestone_rows_wrap_long_names_and_read_a_year_as_a_year():
    rows_ = [
        {"metric": "pikobar_partner_startups_and_communities_over_the_years", "value": 16.0,
         "unit": "organisations", "as_of": "2021", "as_of_date": "2021-01-01"},
        {"metric": "launch_year", "value": 2011.0, "unit": "year", "as_of": "2011",
         "as_of_date": "2011-01-01"},
        {"metric": "launch_year", "value": 2011.0, "unit": "year", "as_of": "2024-01",
         "as_of_date": "2024-01-01"},
    ]  # fmt: skip
    long, year, again = figs.milestone_rows(rows_, "en")
    assert long.count("<br>") >= 2 and long.endswith("<br>16 organisations")
    assert year == "Launch year<br>2011" and again == "Launch year<br>2011 (2024-01)"


def test_reported_only_project_has_milestones_and_no_effect_figures(dashboard_store):
    view = load_view(REPORTED)
    assert queries_project.is_reported_only(view.primary)
    names = set(view_figures(view, "en", per_capita=False))
    assert "milestones" in names and "effect" not in names


def test_figure_payloads_stay_small(dashboard_store):
    for project_id in (FAMILY, METRO):
        view = load_view(project_id)
        for name, fig in view_figures(view, "zh", per_capita=False).items():
            assert len(fig.to_json()) < 300_000, (project_id, name)


def test_placebo_x_labels_stand_off_the_axis(dashboard_store):
    view = load_view(FAMILY)
    gap = figs.own_gap(view.path)
    for kind in ("time", "launch_sensitivity"):
        fig = figs.placebo_figure(view.placebos, kind, gap=gap, project=view.project, lang="en")
        assert fig.layout.xaxis.ticklabelstandoff > 0, kind


def test_metrics_without_a_catalogue_label_read_as_words():
    assert figs.metric_label("event_apec_esci_2022_silver", "en") == "Event: APEC ESCI 2022 silver"
    assert figs.metric_label("event_apec_esci_2022_silver", "zh") == "事件：APEC ESCI 2022 silver"
    assert figs.metric_label("mengo_trips_cumulative", "en") == "MeNGo trips cumulative"
    assert figs.metric_label("event_mengo_2_0_mentioned_as_upgraded", "en").endswith(
        "MeNGo 2.0 mentioned as upgraded"
    )
    assert (
        figs.metric_label("plant_load_reductions_2018_2025", "en")
        == "Plant load reductions 2018–2025"
    )
    assert figs.metric_label("event_go_smart_award_2023", "en") == "Event: GO SMART award 2023"
    assert figs.metric_label("members", "zh") == "會員數"
