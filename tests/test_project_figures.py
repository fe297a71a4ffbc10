"""Figure builders of the project page, as plain functions on the synthetic fixture store."""

from __future__ import annotations

import pandas as pd

from gosmart.dashboard import queries_project
from gosmart.dashboard.bundle import load_view, view_figures
from gosmart.dashboard.figures import project as figs
from gosmart.dashboard.theme import TREATED
from tests.test_project_fixture_store import DONORS, TREATED_CITY


def test_indicator_figure_draws_city_comparisons_launch_range_and_events(fixture_store):
    view = load_view("fx_transit")
    fig = figs.indicator_figure(
        view.series, project=view.project, indicator=view.indicator, marks=view.marks, lang="en"
    )
    city = [tr for tr in fig.data if tr.line.color == TREATED]
    assert len(city) == 1 and city[0].name == "Kaohsiung City"
    assert {tr.name for tr in fig.data} >= {"Taipei City", "Taichung City", "Tainan City"}
    rects = [s for s in fig.layout.shapes if s.type == "rect"]
    assert any(str(r.x0) == "2019-03-01" and str(r.x1) == "2019-09-01" for r in rects)
    labels = {a.text for a in fig.layout.annotations}
    assert {str(m["number"]) for m in view.marks} <= labels
    assert all(m["event_id"] != "fx_elsewhere" for m in view.marks if "event_id" in m)


def test_many_comparisons_collapse_to_one_grey_legend_entry(fixture_store):
    view = load_view("fx_transit")
    many = pd.concat(
        [view.series.assign(city_id=f"X{i}", city_name_en=f"X{i}") for i in range(7)]
        + [view.series[view.series["city_id"] == TREATED_CITY]]
    )
    fig = figs.indicator_figure(
        many, project=view.project, indicator=view.indicator, marks=[], lang="en"
    )
    shown = [tr for tr in fig.data if tr.showlegend is not False and tr.x is not None]
    assert [tr.name for tr in shown if tr.line.color == figs.GREY] == ["Comparison cities"]


def test_own_city_values_on_thin_data_are_circled_once_in_the_legend(fixture_store):
    """Judges read the project city's line as what the estimate rests on: its values below
    the coverage threshold get open circles (share on hover), comparisons stay plain."""
    view = load_view("fx_transit")
    series = view.series.copy()
    own = series.index[series["city_id"] == TREATED_CITY]
    series.loc[own[:2], "coverage"] = [0.5, 0.75]
    series.loc[series["city_id"] != TREATED_CITY, "coverage"] = 0.1
    fig = figs.indicator_figure(
        series, project=view.project, indicator=view.indicator, marks=[], lang="zh"
    )
    legend, circles = [tr for tr in fig.data if tr.legendgroup == "thin"]
    assert legend.showlegend is not False and circles.showlegend is False
    assert legend.name.startswith("資料不完整")
    assert list(circles.customdata) == [50, 75] and circles.marker.color == TREATED
    assert list(circles.x) == list(series.loc[own[:2], "period_start"])
    assert "應有讀數的" in circles.hovertemplate
    complete = figs.indicator_figure(
        view.series, project=view.project, indicator=view.indicator, marks=[], lang="en"
    )
    assert not [tr for tr in complete.data if tr.legendgroup == "thin"]


def test_chart_text_follows_language(fixture_store):
    view = load_view("fx_transit")
    en = view_figures(view, "en", per_capita=False)
    zh = view_figures(view, "zh", per_capita=False)
    assert set(en) == {
        "indicator",
        "effect",
        "placebo_space",
        "placebo_time",
        "placebo_leave_one_out",
        "placebo_launch_sensitivity",
    }
    for name in en:
        assert en[name].layout.title.text != zh[name].layout.title.text, name
        # whole numbers with separators in zh: plotly's "1.4M" / "120k" are not Chinese
        assert zh[name].layout.yaxis.tickformat == ",", name
        assert en[name].layout.yaxis.tickformat is None, name
    assert "高雄市" in {tr.name for tr in zh["indicator"].data}
    observed = next(tr for tr in zh["effect"].data if tr.line.color == TREATED)
    assert observed.name.startswith("高雄市")


def test_per_capita_switches_values_and_axis(fixture_store):
    view = load_view("fx_transit")
    raw = figs.indicator_figure(
        view.series, project=view.project, indicator=view.indicator, marks=[], lang="en"
    )
    pc = figs.indicator_figure(
        view.series,
        project=view.project,
        indicator=view.indicator,
        marks=[],
        lang="en",
        per_capita=True,
    )

    def city_max(fig):
        return max(next(tr for tr in fig.data if tr.line.color == TREATED).y)

    assert city_max(pc) < city_max(raw) / 100
    assert "per 1,000 residents" in pc.layout.yaxis.title.text


def test_effect_figure_band_and_paths_match_effect_path(fixture_store):
    view = load_view("fx_transit")
    fig = figs.effect_figure(
        view.path, project=view.project, indicator=view.indicator, marks=view.marks, lang="en"
    )
    band_lo = next(tr for tr in fig.data if tr.fill == "tonexty")
    assert list(band_lo.y) == list(view.path["lo"])
    observed = next(tr for tr in fig.data if tr.line.color == TREATED)
    assert list(observed.y) == list(view.path["observed"])


def test_space_placebos_are_thin_grey_and_city_gap_coloured(fixture_store):
    view = load_view("fx_transit")
    gap = figs.own_gap(view.path)
    fig = figs.placebo_figure(view.placebos, "space", gap=gap, project=view.project, lang="en")
    grey = [tr for tr in fig.data if tr.line.color == figs.GREY]
    assert len(grey) == len(DONORS)
    assert all(tr.line.width <= 1 for tr in grey)
    city = [tr for tr in fig.data if tr.line.color == TREATED]
    assert len(city) == 1
    assert list(city[0].y) == list(view.path["observed"] - view.path["counterfactual"])


def test_log_scale_gap_is_a_log_ratio(fixture_store):
    view = load_view("fx_transit")
    gap = figs.own_gap(view.path, log_scale=True)
    assert abs(gap["gap"]).max() < 1


def test_launch_sensitivity_is_a_dot_chart_of_periods_at_the_series_grain(fixture_store):
    """Tried launch dates read as periods of the series (monthly here) on a category axis:
    never a date axis that labels the gap between them '23:59:59.999 Dec 31'."""
    view = load_view("fx_transit")
    for lang, labels in (("en", ["Mar 2019", "Jun 2019", "Sep 2019"]),
                         ("zh", ["2019 年 3 月", "2019 年 6 月", "2019 年 9 月"])):  # fmt: skip
        fig = figs.placebo_figure(
            view.placebos, "launch_sensitivity", gap=figs.own_gap(view.path),
            project=view.project, lang=lang, grain=view.indicator["grain"],
        )  # fmt: skip
        assert fig.data[0].mode == "markers"
        assert list(fig.data[0].x) == labels and fig.layout.xaxis.type == "category"
    tried = pd.DataFrame(
        {"kind": "launch_sensitivity", "unit": ["2018-01-01", "2019-01-01", "2020-01-01"],
         "effect_avg": [-1.0, -2.0, -1.5], "path": [[], [], []]}
    )  # fmt: skip
    annual = figs.placebo_figure(
        tried, "launch_sensitivity", gap=figs.own_gap(view.path), project=view.project,
        lang="zh", grain="annual",
    )  # fmt: skip
    assert list(annual.data[0].x) == ["2018 年", "2019 年", "2020 年"]


def test_time_axes_of_annual_series_tick_whole_years():
    axis = figs.date_axis("annual", ["2014-01-01", "2023-01-01"])
    assert axis["tickformat"] == "%Y" and axis["dtick"] == "M24" and axis["hoverformat"] == "%Y"
    assert figs.date_axis("annual", ["2017-01-01", "2021-01-01"])["dtick"] == "M12"
    assert figs.date_axis("monthly")["hoverformat"] == "%b %Y" and "dtick" not in figs.date_axis(
        "monthly"
    )


def test_milestones_are_unjoined_dots_with_lower_bounds_marked(fixture_store):
    rows = queries_project.milestones("fx_reported")
    fig = figs.milestone_figure(rows, "en")
    assert all("lines" not in tr.mode for tr in fig.data)
    lower = next(tr for tr in fig.data if tr.marker.symbol == "triangle-up")
    assert list(lower.text) == ["≥ 1,180,000 members"]
    zh = figs.milestone_figure(rows, "zh")
    assert "會員數" in set(zh.data[0].y)
    assert "≥ 1,180,000 名會員" in list(zh.data[-1].text)
    # labels near the ends of the time axis turn inward, so none is cut off
    first = next(tr for tr in fig.data if tr.marker.symbol != "triangle-up")
    assert list(first.textposition)[0].endswith("right") and list(lower.textposition) == [
        "top left"
    ]


def test_reported_only_project_has_milestones_and_no_effect_figures(fixture_store):
    view = load_view("fx_reported")
    assert queries_project.is_reported_only(view.primary)
    names = set(view_figures(view, "en", per_capita=False))
    assert "milestones" in names and "effect" not in names


def test_figure_payloads_stay_small(fixture_store):
    view = load_view("fx_transit")
    for name, fig in view_figures(view, "zh", per_capita=False).items():
        assert len(fig.to_json()) < 300_000, name


def test_placebo_x_labels_stand_off_the_axis(fixture_store):
    view = load_view("fx_transit")
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
