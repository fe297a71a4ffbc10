"""The compare, map, sources and API views on the built store (tests/store_builder.py).

Every number here comes from synthetic publisher files through the real ingest and its
derive step, so the dashboard reads them only as stored period values. The tests check
that every SQL file of those areas runs on it and that compare views at every grain come
from those stored values, matching what the input files hold.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from gosmart.settings import Settings
from tests.conftest import use_store
from tests.store_builder import AIR, AIR_MONTHS, FAMILY_CITY, STATION_YEARS_ANNUAL, World
from tests.store_files import rows

SQL_DIR = Path(__file__).resolve().parents[1] / "dashboard" / "sql"
AREA_PREFIXES = ("compare_", "map_", "sources_", "api_")
PM25_FILE = "air/taiwan/moenv_aqx_p_432_hourly_2026-07-03_2026-08-23.parquet"
YEAR = AIR_MONTHS[0].year  # the first year of the hourly readings, a part year


@pytest.fixture(scope="module")
def compare_store(world: World) -> Iterator[Path]:
    """The dashboard reading the built store for the whole test module."""
    with pytest.MonkeyPatch.context() as mp:
        use_store(mp, world.store)
        yield world.store


def readings(world: World, store: Path) -> pd.DataFrame:
    """The hourly file as published, each station's county named by its registry city."""
    frame = pd.read_parquet(world.inputs / PM25_FILE)
    cities = {r["name_zh"]: r["city_id"] for r in rows(store, "SELECT city_id, name_zh FROM city")}
    return frame.assign(city_id=frame["county"].map(cities))


PARAMS = {
    "compare_values": [
        "child_protection_records",
        "annual",
        [FAMILY_CITY],
        date(2014, 1, 1),
        date(2024, 1, 1),
        [FAMILY_CITY],
    ],
    "map_values": [
        "child_protection_records",
        "annual",
        date(2020, 1, 1),
        date(2021, 1, 1),
    ],
    "map_stations": ["pm25", date(YEAR, 1, 1)],
    "api_project_series": [AIR],
    "compare_default_units": ["metro_ridership"],
}


def area_sql_files() -> list[str]:
    return sorted(p.stem for p in SQL_DIR.glob("*.sql") if p.stem.startswith(AREA_PREFIXES))


def test_every_area_sql_file_runs_and_returns_rows(compare_store):
    from gosmart.dashboard.data import query

    names = area_sql_files()
    assert {"compare_values", "map_values", "map_stations"} <= set(names)
    for name in names:
        frame = query(name, PARAMS.get(name, []))
        assert not frame.empty, f"{name}.sql returned no rows on the built store"


def test_no_dashboard_sql_reads_raw_observations():
    readers = [
        p.name
        for p in SQL_DIR.glob("*.sql")
        if re.search(r"\bobservation\b", p.read_text(encoding="utf-8"))
    ]
    assert readers == [], "the dashboard must read values aggregated at ingest only"


def _select(ind: str, cities: list[str], first: int, last: int, grain: str):
    from gosmart.dashboard import queries_compare as qc

    return qc.compare_data(qc.Selection(ind, cities, first, last, grain))


def test_hourly_indicator_offers_every_grain_from_stored_values(world, compare_store):
    from gosmart.dashboard import queries_compare as qc

    hourly = readings(world, compare_store)
    assert qc.grains("pm25") == ["annual", "monthly", "weekly", "daily"]
    assert qc.cities_with_data("pm25") == set(hourly["city_id"])
    twin = hourly.groupby("city_id")["site_id"].nunique().idxmax()  # the city of two stations
    own = hourly[(hourly["city_id"] == twin) & (hourly["publish_time"].dt.year == YEAR)]
    daily = _select("pm25", [twin], YEAR, YEAR, "daily")
    assert daily.grain == "daily" and len(daily.frame) == own["publish_time"].dt.date.nunique()
    assert daily.frame["n_points"].sum() == own["pm2_5"].notna().sum()
    # a mean indicator: each station's mean of the day, then the mean of the stations
    day = own.assign(day=own["publish_time"].dt.normalize())
    expected = day.groupby(["day", "site_id"])["pm2_5"].mean().groupby("day").mean()
    shown = daily.frame.set_index(pd.to_datetime(daily.frame["period_start"]))["value"]
    assert (shown - expected.reindex(shown.index)).abs().max() < 1e-9
    weekly = _select("pm25", [twin], YEAR - 1, YEAR, "weekly")
    starts = pd.to_datetime(weekly.frame["period_start"])
    assert weekly.grain == "weekly" and (starts.dt.day_of_week == 0).all()
    first = own["publish_time"].min().normalize()
    assert starts.min() == first - pd.Timedelta(days=first.day_of_week)  # its ISO week's Monday
    assert weekly.frame["coverage"].between(0, 1).all()
    assert weekly.source_ids == ["moenv_aqx_p_432"]


def test_too_many_points_pick_a_coarser_stored_grain(world, compare_store):
    from gosmart.dashboard import queries_compare as qc

    cities = sorted(set(readings(world, compare_store)["city_id"])) + [FAMILY_CITY]
    data = _select("pm25", cities, YEAR - 9, YEAR, "daily")
    assert data.coarsened_from == "daily" and data.grain == "weekly"
    assert len(data.frame) <= qc.MAX_POINTS
    assert _select("pm25", cities, YEAR, YEAR, "daily").coarsened_from is None


def test_map_note_names_the_grain_in_words(world, compare_store):
    from gosmart.dashboard import queries_compare as qc
    from gosmart.dashboard.i18n import t

    values, grain = qc.map_values("pm25", YEAR)
    assert grain == "annual" and set(values["city_id"]) == set(
        readings(world, compare_store)["city_id"]
    )
    assert t(f"map.grain_note_{grain}", "en", year=YEAR) == (
        f"City values are the annual figures for {YEAR}."
    )
    assert t(f"map.grain_note_{grain}", "zh", year=YEAR) == f"城市數值為 {YEAR} 年的年度數值。"
    assert not qc.map_stations("pm25", YEAR).empty


def test_map_stations_show_each_stations_stored_annual_value(compare_store):
    """The map reads one stored annual value per station: from the station's annual series
    where the city published one (entries per day of the year), else the mean of its
    months; the two never mix, and stations without a place stay off the map."""
    from gosmart.dashboard.data import ReadOnlyStore

    store = ReadOnlyStore(compare_store)
    months = rows(
        compare_store,
        "SELECT station_id, year(period_start) AS yr, avg(value) AS mean FROM station_value "
        "WHERE indicator_id = 'metro_station_entries' AND grain = 'monthly' GROUP BY ALL",
    )
    mean = {(r["station_id"], r["yr"]): r["mean"] for r in months}
    annual = rows(
        compare_store,
        "SELECT s.entity_id AS station_id, year(o.ts) AS yr, o.value FROM observation o "
        "JOIN series_source k USING (series_key) JOIN series s USING (series_id) "
        "WHERE s.indicator_id = 'metro_station_entries' AND s.grain = 'annual'",
    )
    published = {(r["station_id"], r["yr"]): r["value"] for r in annual}
    placed = {
        r["station_id"]
        for r in rows(compare_store, "SELECT station_id FROM station WHERE lat IS NOT NULL")
    }
    for year in (STATION_YEARS_ANNUAL[0], STATION_YEARS_ANNUAL[-1] + 1):
        shown = store.fetch("map_stations", ["metro_station_entries", date(year, 1, 1)])
        shown = shown.set_index("station_id")["value"]
        assert set(shown.index) == {s for s, y in mean if y == year} & placed
        for station, value in shown.items():
            expected = published.get((station, year), mean[(station, year)])
            assert value == pytest.approx(expected), (station, year)
            if (station, year) in published:
                assert value != pytest.approx(mean[(station, year)])


def test_stations_take_their_own_scale_when_the_city_value_is_not_their_mean(compare_store):
    """A city total (sum of its stations) on the stations' colour scale would paint every
    station the same dark colour: such stations get a scale, and a unit, of their own."""
    import pandas as pd

    from gosmart.dashboard import queries_compare as qc
    from gosmart.dashboard.figures.maps import choropleth_figure
    from gosmart.dashboard.geo import boundaries

    values = pd.DataFrame({"city_id": ["TW-TXG"], "shown": [120_000.0]})
    stations = qc.map_stations("pm25", YEAR)
    assert not stations.empty
    shapes = {f: boundaries(f) for f in {c.get("geo_file") for c in qc.city_rows().values()} if f}
    args = (values, qc.city_rows(), shapes, "en")
    shared = choropleth_figure(*args, title="t", unit="riders/day", stations=stations)
    own = choropleth_figure(
        *args,
        title="t",
        unit="riders/day per 1,000 residents",
        stations=stations,
        stations_own_scale=True,
        station_unit="riders/day",
    )
    marker_axes = {tr["marker"]["coloraxis"] for tr in own["data"] if tr["type"] == "scattergeo"}
    assert marker_axes == {"coloraxis2"} and "coloraxis2" in own["layout"]
    assert own["layout"]["coloraxis"]["cmin"] == own["layout"]["coloraxis"]["cmax"] == 120_000
    assert shared["layout"]["coloraxis"]["cmin"] == float(stations["value"].min())
    assert "coloraxis2" not in shared["layout"]
    text = next(tr for tr in own["data"] if tr["type"] == "scattergeo")["text"][0]
    assert "riders/day" in text and "per 1,000" not in text
    assert own["layout"]["coloraxis2"]["colorbar"]["title"]["text"] == "Stations (riders/day)"


def test_value_axes_and_colour_bars_read_as_whole_numbers_in_chinese(compare_store):
    """Plotly's SI ticks (120k, 1.4M) are Latin abbreviations: zh shows 1,400,000."""
    from gosmart.dashboard import queries_compare as qc
    from gosmart.dashboard.figures.compare import line_figure
    from gosmart.dashboard.figures.maps import choropleth_figure
    from gosmart.dashboard.geo import boundaries

    data = _select("pm25", ["TW-TXG", "TW-KHH"], YEAR - 1, YEAR, "monthly")
    values, _ = qc.map_values("pm25", YEAR)
    shapes = {f: boundaries(f) for f in {c.get("geo_file") for c in qc.city_rows().values()} if f}
    for lang, expected in (("zh", ","), ("en", None)):
        chart = line_figure(data, {}, lang)
        assert chart["layout"]["yaxis"].get("tickformat") == expected, lang
        figure = choropleth_figure(
            values.assign(shown=values["value"]),
            qc.city_rows(),
            shapes,
            lang,
            title="t",
            unit="u",
            stations=qc.map_stations("pm25", YEAR),
            stations_own_scale=True,
        )
        bars = [
            axis["colorbar"].get("tickformat")
            for key, axis in figure["layout"].items()
            if key.startswith("coloraxis")
        ]
        assert len(bars) == 2 and set(bars) == {expected}, lang


def test_map_says_when_its_values_rest_on_thin_data(compare_store):
    """pm25's year holds weeks of readings: the map's annual values must say they are thin
    (with the share present), in the reader's language; a complete year says nothing."""
    from gosmart.dashboard.app import create_app

    create_app(Settings(db=compare_store))  # registers the pages
    from gosmart.dashboard import queries_compare as qc
    from gosmart.dashboard.pages import map as map_page
    from gosmart.dashboard.urlstate import decode

    def notes(ind: str, year: int, lang: str) -> list[str]:
        return map_page.map_view(decode("map", {"ind": ind, "year": str(year), "lang": lang})[0])[
            "notes"
        ]

    values, _ = qc.map_values("pm25", YEAR)
    share = f"{values['coverage'].mean():.0%}"
    assert values["coverage"].mean() < 0.5
    en, zh = notes("pm25", YEAR, "en"), notes("pm25", YEAR, "zh")
    assert any(n.startswith("Thin data") and share in n for n in en), en
    assert any(n.startswith("資料不完整") and share in n for n in zh), zh
    full = notes("child_protection_records", 2020, "en")
    assert full and not any("Thin data" in n for n in full)


def test_station_hover_names_each_point_in_the_readers_language(compare_store):
    """English falls back to the local name where a station has none; third-party sensors
    say so; the points sit on the stations' places."""
    from gosmart.dashboard import queries_compare as qc
    from gosmart.dashboard.figures.maps import choropleth_figure
    from gosmart.dashboard.geo import boundaries

    stations = pd.DataFrame(
        {
            "station_id": ["a", "b"],
            "name": ["中山", "豐原"],
            "name_en": ["Zhongshan", None],
            "city_id": ["TW-TPE", "TW-TXG"],
            "lat": [25.062361, 24.256586],
            "lon": [121.526528, 120.741711],
            "value": [12.5, 30.0],
            "third_party": [False, True],
        }
    )
    shapes = {f: boundaries(f) for f in {c.get("geo_file") for c in qc.city_rows().values()} if f}
    values = pd.DataFrame({"city_id": ["TW-TPE"], "shown": [10.0]})
    for lang, names, third in (
        ("en", ["Zhongshan", "豐原"], "(third-party sensor)"),
        ("zh", ["中山", "豐原"], "第三方"),
    ):
        figure = choropleth_figure(
            values, qc.city_rows(), shapes, lang, title="t", unit="µg/m³", stations=stations
        )
        (points,) = [tr for tr in figure["data"] if tr["type"] == "scattergeo"]
        assert [text.split("<br>")[0] for text in points["text"]] == names
        assert third not in points["text"][0] and third in points["text"][1]
        assert points["lat"] == [25.0624, 24.2566] and points["marker"]["color"] == [12.5, 30.0]


def test_chart_marks_values_that_rest_on_thin_data(compare_store):
    """pm25's annual values rest on weeks of readings: drawn as open circles, named
    in the legend once, with the share present on hover. Complete values get no mark."""
    from gosmart.dashboard.figures.compare import line_figure

    data = _select("pm25", ["TW-TXG", "TW-KHH"], YEAR, YEAR, "annual")
    traces = line_figure(data, {}, "en")["data"]
    legend, *thin = [tr for tr in traces if tr.get("legendgroup") == "thin"]
    assert (
        legend["x"] == [None] and legend["name"] == "Thin data: under 80% of the expected readings"
    )
    assert len(thin) == 2 and not any(tr["showlegend"] for tr in thin)
    assert all(tr["marker"]["symbol"] == "circle-open" for tr in [legend, *thin])
    shares = (data.frame["coverage"] * 100).round().tolist()
    assert sorted(thin[0]["customdata"] + thin[1]["customdata"]) == sorted(shares)
    zh = line_figure(data, {}, "zh")["data"]
    assert any(tr.get("name", "").startswith("資料不完整") for tr in zh)
    full = _select("child_protection_records", [FAMILY_CITY], 2014, 2023, "annual")
    assert not [tr for tr in line_figure(full, {}, "en")["data"] if tr.get("legendgroup")]


def test_neighbouring_launch_labels_do_not_overlap():
    """Two launches a year apart: their labels sit one above the other, with room above; a
    project that does not target the indicator marks nothing."""
    from gosmart.dashboard.figures.compare import line_figure
    from gosmart.dashboard.figures.labels import ROW_PX
    from gosmart.dashboard.queries_compare import CompareData, Selection

    frame = pd.DataFrame(
        {
            "city_id": ["TW-KHH", "TW-TXG"],
            "period_start": pd.to_datetime(["2014-01-01", "2024-01-01"]),
            "x": [0, 0],
            "shown": [1.0, 2.0],
            "coverage": [1.0, 1.0],
        }
    )
    data = CompareData(
        selection=Selection("aqi", ["TW-TXG", "TW-KHH"], 2016, 2026, "annual"),
        indicator={"unit": "index"},
        grain="annual",
        frame=frame,
        years=(2016, 2026),
        launches={
            "TW-TXG": {"launch_date": "2019-10-01", "targets": ["aqi"]},
            "TW-KHH": {"launch_date": "2018-09-01", "targets": ["aqi", "pm25"]},
        },
    )
    layout = line_figure(data, {}, "en")["layout"]
    labels = [(a["x"], a["yshift"]) for a in layout["annotations"]]
    assert [x for x, _ in labels] == ["2018-09-01", "2019-10-01"]
    assert sorted(shift for _, shift in labels) == [0, ROW_PX]  # one above the other
    assert layout["margin"]["t"] >= 70 + ROW_PX
    data.launches["TW-TXG"]["targets"] = ["metro_ridership"]
    layout = line_figure(data, {}, "en")["layout"]
    assert [(a["x"], a["yshift"]) for a in layout["annotations"]] == [("2018-09-01", 0)]
    assert [s["x0"] for s in layout["shapes"]] == ["2018-09-01"]
