"""City-level values from observations: aggregation, coverage, per capita, precedence, idempotency."""

from __future__ import annotations

import pandas as pd
import pytest

from gosmart.connectors.core import Batch, SourceSpec, load_batch
from gosmart.connectors.derive import derive
from gosmart.registry import load_cities, load_indicators
from gosmart.store import writing


def spec(source_id: str) -> SourceSpec:
    return SourceSpec(
        source_id=source_id,
        connector="test",
        publisher="test publisher",
        title="synthetic test data",
        licence="test",
        attribution="test",
        parse=lambda raw, loc: Batch(),
    )


def series_frame(entries: list[tuple[str, str, str, str, str]]) -> pd.DataFrame:
    """Series rows from (indicator, city, entity, grain, unit) tuples."""
    return pd.DataFrame(
        [
            {
                "series_id": f"{i}|{c}|{e}",
                "indicator_id": i,
                "city_id": c,
                "entity_id": e,
                "grain": g,
                "unit": u,
            }
            for i, c, e, g, u in entries
        ]
    )


def series_batch(rows: list[tuple[str, str, str, str, str]], obs: list[tuple]) -> Batch:
    b = Batch()
    b.add("series", series_frame(rows))
    b.add("observation", pd.DataFrame(obs, columns=["series_id", "ts", "value"]))
    return b


def load(con, source_id: str, batch: Batch) -> None:
    load_batch(con, spec(source_id), batch, location="synthetic", sha256="0")


def values(con, indicator: str, city: str, grain: str) -> dict:
    rows = con.execute(
        "SELECT period_start, value, value_per_capita, coverage, n_points, source_id "
        "FROM indicator_value WHERE indicator_id = ? AND city_id = ? AND grain = ? "
        "ORDER BY period_start",
        [indicator, city, grain],
    ).fetchall()
    return {str(r[0]): r[1:] for r in rows}


# Two metro stations' monthly series (average riders per day), as KRTC publishes them.
KRTC_MONTHLY = [
    ("metro_station_entries", "TW-KHH", "krtc:R3", "monthly", "riders/day"),
    ("metro_station_entries", "TW-KHH", "krtc:R4", "monthly", "riders/day"),
]


@pytest.fixture
def con(db_file):
    with writing(db_file) as c:
        load_cities(c)
        load_indicators(c)
        yield c


def test_hourly_stations_mean_and_coverage(con):
    hours = pd.date_range("2020-01-01", periods=24, freq="h")
    obs = [("pm25|TW-TXG|moenv:A", t, 10.0) for t in hours]
    obs += [("pm25|TW-TXG|moenv:B", t, 20.0) for t in hours[:12]]
    rows = [
        ("pm25", "TW-TXG", "moenv:A", "hourly", "µg/m³"),
        ("pm25", "TW-TXG", "moenv:B", "hourly", "µg/m³"),
    ]
    load(con, "s1", series_batch(rows, obs))
    con.execute(
        "INSERT INTO station (station_id, network, name, source_id) VALUES "
        "('moenv:A', 'moenv', 'A', 's1'), ('moenv:B', 'moenv', 'B', 's1')"
    )
    derive(con)
    day = values(con, "pm25", "TW-TXG", "daily")["2020-01-01"]
    assert day[0] == pytest.approx(15.0)  # mean of the station means
    assert day[2] == pytest.approx(36 / 48)
    assert day[3] == 36
    month = values(con, "pm25", "TW-TXG", "monthly")["2020-01-01"]
    assert month[2] == pytest.approx(36 / (2 * 31 * 24))
    sv = con.execute(
        "SELECT station_id, value, coverage FROM station_value WHERE grain = 'monthly' ORDER BY 1"
    ).fetchall()
    assert sv == [
        ("moenv:A", 10.0, pytest.approx(24 / 744)),
        ("moenv:B", 20.0, pytest.approx(12 / 744)),
    ]


def test_station_annual_value_is_its_annual_series_else_the_mean_of_its_months(con):
    """The map shows one value per station and year: a station's annual series where it has
    one (two sources may count differently, so they are never mixed), else the mean of its
    monthly values, with coverage over all twelve months so a part year reads as one."""
    rows = KRTC_MONTHLY
    obs = [
        ("metro_station_entries|TW-KHH|krtc:R3", "2019-01-01", 100.0),
        ("metro_station_entries|TW-KHH|krtc:R3", "2019-02-01", 300.0),
        ("metro_station_entries|TW-KHH|krtc:R4", "2019-01-01", 50.0),
    ]
    load(con, "monthly_src", series_batch(rows, obs))
    annual_rows = [("metro_station_entries", "TW-KHH", "krtc:R3", "annual", "riders/day")]
    annual_obs = [("metro_station_entries|TW-KHH|krtc:R3", "2019-01-01", 6_500.0)]
    annual = series_batch(annual_rows, annual_obs)
    for frame in annual.tables.values():  # one station, a series of each source (as KRTC's)
        frame["series_id"] += "|annual"
    load(con, "annual_src", annual)
    con.execute(
        "INSERT INTO station (station_id, network, name, source_id) VALUES "
        "('krtc:R3', 'krtc', 'R3', 'k'), ('krtc:R4', 'krtc', 'R4', 'k')"
    )
    derive(con)
    annual = con.execute(
        "SELECT station_id, value, coverage, source_id FROM station_value "
        "WHERE grain = 'annual' ORDER BY 1"
    ).fetchall()
    assert annual == [
        ("krtc:R3", 6_500.0, 1.0, "annual_src"),
        ("krtc:R4", 50.0, pytest.approx(1 / 12), "monthly_src"),
    ]
    derive(con)  # recomputed, not added twice
    assert con.execute("SELECT count(*) FROM station_value WHERE grain = 'annual'").fetchone() == (
        2,
    )


def test_city_series_wins_over_sub_city_entities(con):
    rows = [
        ("pm25_iqair", "TW-TXG", "city", "annual", "µg/m³"),
        ("pm25_iqair", "TW-TXG", "iqair:Fengyuan", "annual", "µg/m³"),
    ]
    obs = [
        ("pm25_iqair|TW-TXG|city", "2019-01-01", 18.0),
        ("pm25_iqair|TW-TXG|iqair:Fengyuan", "2019-01-01", 22.2),
    ]
    load(con, "iq", series_batch(rows, obs))
    derive(con)
    assert values(con, "pm25_iqair", "TW-TXG", "annual")["2019-01-01"][0] == 18.0


def test_station_entries_sum_over_stations_mean_over_time(con):
    rows = KRTC_MONTHLY
    obs = [
        ("metro_station_entries|TW-KHH|krtc:R3", "2019-01-01", 100.0),
        ("metro_station_entries|TW-KHH|krtc:R3", "2019-02-01", 300.0),
        ("metro_station_entries|TW-KHH|krtc:R4", "2019-01-01", 50.0),
        ("metro_station_entries|TW-KHH|krtc:R4", "2019-02-01", 50.0),
    ]
    load(con, "k", series_batch(rows, obs))
    derive(con)
    monthly = values(con, "metro_station_entries", "TW-KHH", "monthly")
    assert monthly["2019-01-01"][0] == 150.0
    annual = values(con, "metro_station_entries", "TW-KHH", "annual")["2019-01-01"]
    assert annual[0] == 250.0  # 200 + 50 riders/day, not 12 months added up
    assert annual[2] == pytest.approx(4 / 24)


def test_per_capita_uses_nearest_earlier_population_only(con):
    pop_rows = [("population", "TW-NWT", "city", "annual", "persons")]
    load(
        con, "pop", series_batch(pop_rows, [("population|TW-NWT|city", "2014-12-31", 4_000_000.0)])
    )
    rec_rows = [("child_protection_records", "TW-NWT", "city", "annual", "records")]
    rec = [
        ("child_protection_records|TW-NWT|city", f"{y}-01-01", 400.0) for y in (2013, 2014, 2016)
    ]
    load(con, "rec", series_batch(rec_rows, rec))
    derive(con)
    v = values(con, "child_protection_records", "TW-NWT", "annual")
    assert v["2013-01-01"][1] is None  # no population at or before 2013: nothing invented
    assert v["2014-01-01"][1] == pytest.approx(1.0)
    assert v["2016-01-01"][1] == pytest.approx(1.0)  # 2014 population, the nearest earlier
    assert values(con, "population", "TW-NWT", "annual")["2014-01-01"][0] == 4_000_000


def test_count_indicators_sum_over_time(con):
    rows = [("child_protection_records", "TW-TPE", "city", "monthly", "records")]
    obs = [
        ("child_protection_records|TW-TPE|city", "2015-01-01", 3.0),
        ("child_protection_records|TW-TPE|city", "2015-02-01", 4.0),
    ]
    load(con, "m", series_batch(rows, obs))
    derive(con)
    assert values(con, "child_protection_records", "TW-TPE", "annual")["2015-01-01"][0] == 7.0


def test_native_grain_source_wins_and_direct_rows_are_kept(con):
    monthly = [("metro_station_entries", "TW-KHH", "krtc:R3", "monthly", "riders/day")]
    load(
        con,
        "ptt",
        series_batch(monthly, [("metro_station_entries|TW-KHH|krtc:R3", "2019-01-01", 100.0)]),
    )
    b = series_batch([("metro_station_entries", "TW-KHH", "krtc:R3", "annual", "riders/day")], [])
    b.tables["series"]["series_id"] = "metro_station_entries|TW-KHH|krtc:R3|annual"
    b.tables["observation"] = pd.DataFrame(
        [("metro_station_entries|TW-KHH|krtc:R3|annual", "2019-01-01", 90.0)],
        columns=["series_id", "ts", "value"],
    )
    load(con, "kcg", b)
    direct = Batch()
    direct.add(
        "indicator_value",
        pd.DataFrame(
            [
                {
                    "indicator_id": "lrt_ridership",
                    "city_id": "TW-KHH",
                    "grain": "monthly",
                    "period_start": "2019-01-01",
                    "value": 5.0,
                }
            ]
        ),
    )
    load(con, "direct", direct)
    derive(con)
    assert values(con, "metro_station_entries", "TW-KHH", "annual")["2019-01-01"][4] == "kcg"
    assert values(con, "metro_station_entries", "TW-KHH", "monthly")["2019-01-01"][4] == "ptt"
    assert values(con, "lrt_ridership", "TW-KHH", "monthly")["2019-01-01"][0] == 5.0


def test_derive_twice_is_identical(con):
    rows = [("aqi", "TW-TPE", "city", "hourly", "index")]
    obs = [
        ("aqi|TW-TPE|city", t, float(i))
        for i, t in enumerate(pd.date_range("2020-01-30", periods=72, freq="h"))
    ]
    load(con, "a", series_batch(rows, obs))
    derive(con)
    first = con.execute("SELECT * FROM indicator_value ORDER BY ALL").fetchall()
    derive(con)
    assert con.execute("SELECT * FROM indicator_value ORDER BY ALL").fetchall() == first
    assert {r[2] for r in first} == {"daily", "weekly", "monthly", "annual"}


def test_weekly_values_are_iso_weeks_and_count_in_the_year_their_data_starts(con):
    # 2019-01-01 is a Tuesday: its ISO week starts on Monday 2018-12-31, a year with no data.
    rows = [("pm25", "TW-TXG", "moenv:A", "hourly", "µg/m³")]
    obs = [
        ("pm25|TW-TXG|moenv:A", t, float(t.day_of_week))
        for t in pd.date_range("2019-01-01", periods=13 * 24, freq="h")
    ]
    load(con, "w", series_batch(rows, obs))
    derive(con)
    weekly = values(con, "pm25", "TW-TXG", "weekly")
    assert list(weekly) == ["2018-12-31", "2019-01-07"]
    first, second = weekly["2018-12-31"], weekly["2019-01-07"]
    assert first[0] == pytest.approx(sum(range(1, 7)) / 6)  # Tuesday..Sunday, hourly mean
    assert first[2] == pytest.approx(6 * 24 / (7 * 24)) and first[3] == 6 * 24
    assert second[0] == pytest.approx(3.0) and second[2] == pytest.approx(1.0)
    monthly = [("metro_station_entries", "TW-KHH", "krtc:R3", "monthly", "riders/day")]
    load(
        con,
        "m",
        series_batch(monthly, [("metro_station_entries|TW-KHH|krtc:R3", "2019-01-01", 1.0)]),
    )
    derive(con)
    assert values(con, "metro_station_entries", "TW-KHH", "weekly") == {}
