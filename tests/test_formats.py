"""The one formatter per kind (gosmart.formats): dates at their grain, numbers by kind,
outlets by name, and a dash for anything missing or unreadable, never 'nan' or a crash."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from gosmart import formats
from gosmart.dashboard.figures import labels

BAD = [None, float("nan"), np.nan, pd.NaT, pd.NA, np.datetime64("NaT"), "not a date", True, []]


@pytest.mark.parametrize(
    ("value", "grain", "expected"),
    [
        ("2014-01-01", "annual", "2014"),
        (date(2014, 1, 1), "annual", "2014"),
        (pd.Timestamp("2019-10-01"), "quarterly", "2019-Q4"),
        (datetime(2018, 4, 1), "monthly", "2018-04"),
        (np.datetime64("2020-03-02"), "weekly", "2020-03-02"),
        ("2020-03-02", "daily", "2020-03-02"),
        ("2020-03-02 13:00", "hourly", "2020-03-02 13:00"),
        ("2020-03-02", None, "2020-03-02"),  # no grain: the day
        ("2020-03-02", "fortnightly", "2020-03-02"),  # an unknown grain: the day
    ],
)
def test_a_period_reads_at_its_grain(value, grain, expected):
    assert formats.period(value, grain) == expected


@pytest.mark.parametrize("bad", BAD, ids=repr)
def test_missing_or_unreadable_dates_read_as_a_dash(bad):
    assert formats.period(bad, "annual") == formats.NONE
    assert formats.span(bad, "2020-01-01", "annual") == formats.NONE
    assert formats.span("2020-01-01", bad, "monthly") == formats.NONE
    assert formats.day_range(bad, "2020-01-01") == formats.NONE
    assert formats.dated(bad, "year") == formats.NONE


def test_spans_read_2014_2023_and_2018_04_2025_09():
    assert formats.span("2014-01-01", "2023-01-01", "annual") == "2014–2023"
    assert formats.span("2018-04-01", "2025-09-01", "monthly") == "2018-04 – 2025-09"
    assert formats.span("2019-01-01", "2019-01-01", "annual") == "2019"
    assert formats.span("2019-10-01", "2020-01-01", "quarterly") == "2019-Q4 – 2020-Q1"


def test_a_column_of_periods_reads_as_each_period_does():
    values = pd.Series(pd.to_datetime(["2014-01-01", None, "2015-07-01"]))
    for grain in ("annual", "quarterly", "monthly", "daily", None):
        assert formats.periods(values, grain) == [formats.period(v, grain) for v in values]


def test_hand_dated_things_keep_the_precision_they_were_written_at():
    assert formats.dated("2011-01-01", "year") == "2011"
    assert formats.dated("2014-12-01", "month") == "2014-12"
    assert formats.dated("2018-06-29", "day") == "2018-06-29"
    assert formats.dated("2018-06-29", None) == "2018-06-29"
    assert formats.day_range("2019-01-01", "2019-12-31") == "2019"
    assert formats.day_range("2018-01-01", "2020-12-31") == "2018–2020"
    assert formats.day_range("2019-03-01", "2019-05-31") == "2019-03 – 2019-05"
    assert formats.day_range("2021-05-19", "2021-07-26") == "2021-05-19 – 2021-07-26"
    assert formats.day_range("2021-05-19", "2021-05-19") == "2021-05-19"


def test_plotly_formats_match_the_period_texts():
    assert formats.d3_format("annual") == "%Y" and formats.d3_format("monthly") == "%Y-%m"
    assert formats.d3_format(None) == "%Y-%m-%d"


def test_numbers_read_by_kind():
    assert formats.year(2011) == "2011" and formats.year(2011.0) == "2011"
    assert formats.count(129430) == "129,430" and formats.count(1.48e6) == "1,480,000"
    assert formats.decimal(101.346) == "101.35" and formats.decimal(3) == "3.00"
    assert formats.decimal(0.2712, 3) == "0.271" and formats.decimal(12345.6, 1) == "12,345.6"
    assert formats.percent(89.77) == "89.8%" and formats.percent(92) == "92%"
    assert formats.amount(2011, "year") == "2011"  # never '2,011 year'
    assert formats.amount(1_480_000, "records") == "1,480,000"
    assert formats.amount(7.81, "per 10,000 children") == "7.81"


@pytest.mark.parametrize("bad", [*BAD, float("inf"), "12", b"1"], ids=repr)
def test_missing_or_unreadable_numbers_read_as_a_dash(bad):
    for write in (formats.year, formats.count, formats.decimal, formats.percent, formats.amount):
        assert write(bad) == formats.NONE


def test_a_figure_names_its_own_outlet():
    assert formats.outlet({"reported_by": " 中央社 (CNA) ", "url": "https://www.cna.com.tw/x"}) == (
        "中央社 (CNA)"
    )
    assert formats.outlet({"reported_by": None, "url": "https://www.udn.com/news/1"}) == "udn.com"
    assert formats.outlet({"reported_by": "", "url": "https://event.gvm.com.tw/p"}) == (
        "event.gvm.com.tw"
    )
    assert formats.outlet({}) == "" and formats.outlet({"url": "not a url"}) == ""
    assert formats.site(None) == "" and formats.site("http://[broken") == ""


def test_labels_in_one_row_never_overlap_on_the_narrowest_plot():
    """The placement rule: the second label starts a row when it would touch the first."""
    width = labels.text_px("Launch (Kaohsiung City)", 12)
    assert labels.label_rows([0.30, 0.32], [width, width], ["left", "left"]) == [0, 1]
    assert labels.label_rows([0.05, 0.95], [40.0, 40.0], ["left", "right"]) == [0, 0]
    three = labels.label_rows([0.5, 0.5, 0.5], [10.0] * 3, ["center"] * 3)
    assert sorted(three) == [0, 1, 2]
    assert labels.text_px("臺中", 12) == 24.0 and labels.text_px("", 12) == 0
    assert labels.fraction("2019-01-01", "2014-01-01", "2024-01-01") == pytest.approx(0.5, 0.01)
    assert labels.fraction(5, 5, 5) == 0.5 and labels.fraction(20, 0, 10) == 1.0
    assert labels.inward_anchor(0.1) == "left" and labels.inward_anchor(0.9) == "right"


def test_long_labels_wrap_at_spaces_or_between_wide_characters():
    assert labels.wrap("SPBE e-government index (Jakarta)", 170, 13) == (
        "SPBE e-government<br>index (Jakarta)"
    )
    wrapped = labels.wrap("每萬名兒少受虐人數與通報件數", 60, 12)
    assert "<br>" in wrapped and wrapped.replace("<br>", "") == "每萬名兒少受虐人數與通報件數"
    assert labels.wrap("short", 170, 13) == "short" and labels.wrap("", 10, 13) == ""
    assert labels.wrap("Supercalifragilistic", 10, 13) == "Supercalifragilistic"


def test_measured_quantities_keep_significant_digits_never_an_exponent():
    assert formats.measured(12345.6) == "12,346" and formats.measured(0.043612) == "0.04361"
    assert formats.measured(3.0) == "3" and formats.measured(-2.345, 3) == "-2.35"
    assert formats.significant(0) == "0" and formats.trim_zeros("12.50") == "12.5"
    for bad in BAD:
        assert formats.measured(bad) == formats.NONE


def test_the_finest_grain_of_a_source_sets_how_its_span_reads():
    assert formats.finest(["annual", "monthly"]) == "monthly"
    assert formats.finest(["annual"]) == "annual"
    assert formats.finest(["hourly", "daily", "weekly"]) == "hourly"
    assert formats.finest(["fortnightly"]) is None  # unknown grains are not guessed
    assert formats.finest([]) is None and formats.finest(None) is None
