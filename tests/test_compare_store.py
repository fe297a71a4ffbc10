"""A small fixture store for the compare, map, sources and API tests (synthetic values only).

The registry (cities, indicators) is the real one; every observation, city value,
project date and effect below is made up by formula, labelled 'fixture', and exists
only in a temp dir. Raw observations go through the real ingest-time derive step, as in
`gosmart ingest`, so the dashboard reads them only as stored period values. The tests
here check that every SQL file of those areas runs on it and that compare views at every
grain come from those stored values.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from gosmart.connectors.derive import derive
from gosmart.registry import load_registry
from gosmart.settings import Settings
from gosmart.store import connect_read, insert_rows, writing
from tests.conftest import use_store
from tests.fixture_store import insert_observations, named

SQL_DIR = Path(__file__).resolve().parents[1] / "dashboard" / "sql"
AREA_PREFIXES = ("compare_", "map_", "sources_", "api_")

POPULATION = {
    "TW-NWT": 4_000_000,
    "TW-TPE": 2_600_000,
    "TW-TXG": 2_800_000,
    "TW-KHH": 2_750_000,
    "TW-TAO": 2_200_000,
    "TW-TNN": 1_860_000,
    "ID-JB-3273": 2_500_000,
    "ID-JB-3204": 3_600_000,
}
CHILD_CITIES = ["TW-NWT", "TW-TPE", "TW-TXG", "TW-KHH", "TW-TAO", "TW-TNN", "TW-HSZ"]
STATIONS = [
    ("moenv:1", "TW-TXG", 24.15, 120.67),
    ("moenv:2", "TW-TXG", 24.23, 120.58),
    ("moenv:3", "TW-KHH", 22.63, 120.30),
    ("moenv:4", "TW-TPE", 25.04, 121.51),
]
PM25_START = datetime(2021, 1, 1)
PM25_HOURS = 90 * 24
LAUNCHES = {
    "fixture_family": ("TW-NWT", date(2018, 7, 1), "child_protection_records"),
    "fixture_air": ("TW-TXG", date(2021, 2, 1), "pm25"),
    "fixture_mengo": ("TW-KHH", date(2021, 6, 15), "metro_ridership"),
}


def _sources(con) -> None:
    rows = [
        [
            "fx_welfare",
            "fixture",
            "Fixture ministry",
            "Fixture child records",
            "http://127.0.0.1/welfare",
            "CC-BY-fixture",
            "file",
            False,
            "2014-01-01",
            "2023-12-31",
        ],
        [
            "fx_population",
            "fixture",
            "Fixture registry office",
            "Fixture population",
            "http://127.0.0.1/pop",
            "CC-BY-fixture",
            "file",
            False,
            "2014-01-01",
            "2023-12-31",
        ],
        [
            "fx_air",
            "fixture",
            "Fixture agency",
            "Fixture hourly PM2.5",
            "http://127.0.0.1/air",
            "OGDL-fixture",
            "live",
            False,
            "2021-01-01",
            "2021-03-31",
        ],
        [
            "fx_metro",
            "fixture",
            "Fixture metro",
            "Fixture daily riders",
            "http://127.0.0.1/metro",
            "OGDL-fixture",
            "snapshot",
            False,
            "2021-01-01",
            "2022-12-31",
        ],
        [
            "fx_waste",
            "fixture",
            "Fixture province",
            "Fixture waste",
            "http://127.0.0.1/waste",
            "CC-BY-fixture",
            "file",
            False,
            "2015-01-01",
            "2023-12-31",
        ],
        [
            "fx_news",
            "fixture",
            "Fixture newspaper",
            "Fixture reported figures",
            "http://127.0.0.1/news",
            "quoted",
            "reported",
            True,
            None,
            None,
        ],
    ]
    insert_rows(
        con,
        "source",
        named(
            [
                "source_id",
                "connector",
                "publisher",
                "title",
                "url",
                "licence",
                "kind",
                "third_party",
                "period_start",
                "period_end",
                "retrieved_at",
                "rows",
            ],
            [[*r, datetime(2026, 11, 1, 8, 0), 100] for r in rows],
        ),
    )


def _annual(
    indicator: str, city: str, year: int, value: float, coverage: float, source_id: str
) -> dict:
    """One city's annual value, from one point."""
    return {
        "indicator_id": indicator,
        "city_id": city,
        "grain": "annual",
        "period_start": date(year, 1, 1),
        "value": value,
        "coverage": coverage,
        "n_points": 1,
        "source_id": source_id,
    }


def _values(con) -> None:
    rows = []
    for city, pop in POPULATION.items():
        for year in range(2014, 2024):
            rows.append(
                _annual("population", city, year, pop + 1000 * (year - 2014), 1.0, "fx_population")
            )
    for i, city in enumerate(CHILD_CITIES):
        for year in range(2014, 2024):
            value = 1000.0 + 150 * i + 40 * (year - 2014) + (300 if year >= 2019 else 0)
            rows.append(_annual("child_protection_records", city, year, value, 1.0, "fx_welfare"))
    for i, city in enumerate(["ID-JB-3273", "ID-JB-3204"]):
        for year in range(2015, 2024):
            rows.append(
                _annual(
                    "waste_generation",
                    city,
                    year,
                    1500.0 + 100 * i + 10 * year % 7,
                    0.5,
                    "fx_waste",
                )
            )
    insert_rows(con, "indicator_value", rows)


def _raw(con) -> None:
    insert_rows(
        con,
        "station",
        named(
            [
                "station_id",
                "network",
                "name",
                "name_en",
                "city_id",
                "lat",
                "lon",
                "kind",
                "source_id",
            ],
            [
                [
                    sid,
                    "moenv",
                    f"站{sid[-1]}",
                    f"Station {sid[-1]}",
                    city,
                    lat,
                    lon,
                    "general",
                    "fx_air",
                ]
                for sid, city, lat, lon in STATIONS
            ],
        ),
    )
    series = [
        [f"pm25|{city}|{sid}", "pm25", city, sid, "hourly", "µg/m³", "fx_air"]
        for sid, city, _, _ in STATIONS
    ]
    series.append(
        [
            "metro_ridership|TW-KHH|city",
            "metro_ridership",
            "TW-KHH",
            "city",
            "daily",
            "riders/day",
            "fx_metro",
        ]
    )
    insert_rows(
        con,
        "series",
        named(
            ["series_id", "indicator_id", "city_id", "entity_id", "grain", "unit", "source_id"],
            series,
        ),
    )
    obs = []
    for k, (sid, city, _, _) in enumerate(STATIONS):
        for h in range(PM25_HOURS):
            value = None if h % 97 == 0 else 20.0 + 5 * k + 8 * math.sin(h / 24 * 2 * math.pi)
            obs.append([f"pm25|{city}|{sid}", PM25_START + timedelta(hours=h), value, "fx_air"])
    for d in range(730):
        obs.append(
            [
                "metro_ridership|TW-KHH|city",
                datetime(2021, 1, 1) + timedelta(days=d),
                150_000.0 + 30 * d + (20_000 if d % 7 < 5 else 0),
                "fx_metro",
            ]
        )
    insert_observations(con, obs)


def _registry_and_evidence(con) -> None:
    for table in ("project", "project_indicator", "project_date"):
        con.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names
    insert_rows(
        con,
        "project",
        named(
            ["project_id", "award_year", "name_en", "name_zh", "city_id", "launch_date"],
            [
                [pid, 2023, f"Fixture {pid}", f"測試 {pid}", city, launch]
                for pid, (city, launch, _) in LAUNCHES.items()
            ],
        ),
    )
    insert_rows(
        con,
        "project_indicator",
        named(
            [
                "project_id",
                "indicator_id",
                "role",
                "expected_direction",
                "comparison_cities",
                "grain",
            ],
            [
                [
                    pid,
                    ind,
                    "headline",
                    "down",
                    ["TW-TPE"],
                    "annual" if ind == "child_protection_records" else "monthly",
                ]
                for pid, (_, _, ind) in LAUNCHES.items()
            ],
        ),
    )
    insert_rows(
        con,
        "ingest_run",
        named(
            ["run_id", "connector", "started_at", "ended_at", "status", "rows", "error"],
            [
                [
                    "r1",
                    "welfare",
                    datetime(2026, 11, 1, 8),
                    datetime(2026, 11, 1, 8, 1),
                    "ok",
                    70,
                    None,
                ],
                [
                    "r2",
                    "moenv",
                    datetime(2026, 11, 2, 8),
                    datetime(2026, 11, 2, 8, 1),
                    "failed",
                    0,
                    "HTTP 500 from fixture",
                ],
            ],
        ),
    )
    insert_rows(
        con,
        "effect",
        named(
            [
                "project_id",
                "indicator_id",
                "method",
                "is_primary",
                "estimable",
                "effect_avg",
                "effect_avg_lo",
                "effect_avg_hi",
                "evidence_level",
                "details",
                "data_version",
                "code_version",
                "computed_at",
            ],
            [
                [
                    "fixture_family",
                    "child_protection_records",
                    "did",
                    True,
                    True,
                    -12.5,
                    -30.0,
                    5.0,
                    3,
                    '{"note": "fixture"}',
                    "v0",
                    "c0",
                    datetime(2026, 11, 3),
                ]
            ],
        ),
    )
    insert_rows(
        con,
        "effect_path",
        named(
            [
                "project_id",
                "indicator_id",
                "method",
                "period_start",
                "observed",
                "counterfactual",
                "lo",
                "hi",
            ],
            [
                [
                    "fixture_family",
                    "child_protection_records",
                    "did",
                    date(y, 1, 1),
                    1000.0 + y,
                    990.0 + y,
                    950.0 + y,
                    1030.0 + y,
                ]
                for y in range(2014, 2024)
            ],
        ),
    )


def build_fixture_store(path: Path) -> Path:
    """Write the fixture store at `path` (fresh) and return it."""
    with writing(path, fresh=True) as con:
        load_registry(con)
        _sources(con)
        _values(con)
        _raw(con)
        derive(con)
        _registry_and_evidence(con)
    return path


@pytest.fixture(scope="module")
def compare_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """GOSMART_DB pointing at a fresh fixture store for the whole test module."""
    path = build_fixture_store(tmp_path_factory.mktemp("compare") / "gosmart.duckdb")
    with pytest.MonkeyPatch.context() as mp:
        use_store(mp, path)
        yield path


PARAMS = {
    "compare_values": [
        "child_protection_records",
        "annual",
        ["TW-NWT"],
        date(2014, 1, 1),
        date(2024, 1, 1),
        ["TW-NWT"],
    ],
    "map_values": [
        "child_protection_records",
        "annual",
        date(2020, 1, 1),
        date(2021, 1, 1),
    ],
    "map_stations": ["pm25", date(2021, 1, 1)],
    "api_project_series": ["fixture_family"],
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
        assert not frame.empty, f"{name}.sql returned no rows on the fixture store"


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


def test_hourly_indicator_offers_every_grain_from_stored_values(compare_store):
    from gosmart.dashboard import queries_compare as qc

    assert qc.grains("pm25") == ["annual", "monthly", "weekly", "daily"]
    assert qc.cities_with_data("pm25") == {"TW-TXG", "TW-KHH", "TW-TPE"}
    daily = _select("pm25", ["TW-TXG"], 2021, 2021, "daily")
    assert daily.grain == "daily" and len(daily.frame) == 90
    missing = sum(1 for h in range(PM25_HOURS) if h % 97 == 0)
    assert daily.frame["n_points"].sum() == 2 * (PM25_HOURS - missing)
    # two stations 5 apart, the sine averages out over a whole day -> about 22.5
    assert daily.frame["value"].between(21.5, 23.5).all()
    weekly = _select("pm25", ["TW-TXG"], 2020, 2021, "weekly")
    starts = pd.to_datetime(weekly.frame["period_start"])
    assert weekly.grain == "weekly" and (starts.dt.day_of_week == 0).all()
    assert starts.min() == pd.Timestamp(2020, 12, 28)  # the ISO week holding 1 Jan 2021
    assert weekly.frame["coverage"].between(0, 1).all()
    assert weekly.source_ids == ["fx_air"]


def test_too_many_points_pick_a_coarser_stored_grain(compare_store):
    from gosmart.dashboard import queries_compare as qc

    cities = ["TW-TXG", "TW-KHH", "TW-TPE", "TW-NWT"]
    data = _select("pm25", cities, 2014, 2023, "daily")
    assert data.coarsened_from == "daily" and data.grain == "weekly"
    assert len(data.frame) <= qc.MAX_POINTS
    assert _select("pm25", cities, 2021, 2021, "daily").coarsened_from is None


def test_map_note_names_the_grain_in_words(compare_store):
    from gosmart.dashboard import queries_compare as qc
    from gosmart.dashboard.i18n import t

    values, grain = qc.map_values("pm25", 2021)
    assert grain == "annual" and set(values["city_id"]) == {"TW-TXG", "TW-KHH", "TW-TPE"}
    assert t(f"map.grain_note_{grain}", "en", year=2021) == (
        "City values are the annual figures for 2021."
    )
    assert t(f"map.grain_note_{grain}", "zh", year=2021) == "城市數值為 2021 年的年度數值。"
    assert not qc.map_stations("pm25", 2021).empty


def test_map_stations_show_each_stations_stored_annual_value(tmp_path):
    """The map reads one stored annual value per station (derive picks the annual series,
    else the mean of the months): an annual row replaces the month mean, never mixes."""
    from gosmart.dashboard.data import ReadOnlyStore

    path = build_fixture_store(tmp_path / "gosmart.duckdb")
    window = ["pm25", date(2021, 1, 1)]
    before = ReadOnlyStore(path).fetch("map_stations", window).set_index("station_id")
    with connect_read(path) as con:
        months = con.execute(
            "SELECT avg(value) FROM station_value WHERE station_id = 'moenv:1' "
            "AND grain = 'monthly' AND year(period_start) = 2021"
        ).fetchone()[0]
    assert before.loc["moenv:1", "value"] == pytest.approx(months)
    with writing(path) as con:
        con.execute(
            "UPDATE station_value SET value = 999.0, coverage = 1.0 WHERE station_id = 'moenv:1' "
            "AND grain = 'annual' AND period_start = DATE '2021-01-01'"
        )
    after = ReadOnlyStore(path).fetch("map_stations", window).set_index("station_id")
    assert after.loc["moenv:1", "value"] == 999.0
    assert after.loc["moenv:2"].equals(before.loc["moenv:2"])


def test_stations_take_their_own_scale_when_the_city_value_is_not_their_mean(compare_store):
    """A city total (sum of its stations) on the stations' colour scale would paint every
    station the same dark colour: such stations get a scale, and a unit, of their own."""
    import pandas as pd

    from gosmart.dashboard import queries_compare as qc
    from gosmart.dashboard.figures.maps import choropleth_figure
    from gosmart.dashboard.geo import boundaries

    values = pd.DataFrame({"city_id": ["TW-TXG"], "shown": [120_000.0]})
    stations = qc.map_stations("pm25", 2021)
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

    data = _select("pm25", ["TW-TXG", "TW-KHH"], 2020, 2021, "monthly")
    values, _ = qc.map_values("pm25", 2021)
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
            stations=qc.map_stations("pm25", 2021),
            stations_own_scale=True,
        )
        bars = [
            axis["colorbar"].get("tickformat")
            for key, axis in figure["layout"].items()
            if key.startswith("coloraxis")
        ]
        assert len(bars) == 2 and set(bars) == {expected}, lang


def test_map_says_when_its_values_rest_on_thin_data(compare_store):
    """pm25 in 2021 has 90 days of readings: the map's annual values must say they are thin
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

    values, _ = qc.map_values("pm25", 2021)
    share = f"{values['coverage'].mean():.0%}"
    assert values["coverage"].mean() < 0.5
    en, zh = notes("pm25", 2021, "en"), notes("pm25", 2021, "zh")
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
    """pm25's 2021 annual values rest on 90 days of readings: drawn as open circles, named
    in the legend once, with the share present on hover. Complete values get no mark."""
    from gosmart.dashboard.figures.compare import line_figure

    data = _select("pm25", ["TW-TXG", "TW-KHH"], 2021, 2021, "annual")
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
    full = _select("child_protection_records", ["TW-NWT"], 2014, 2023, "annual")
    assert not [tr for tr in line_figure(full, {}, "en")["data"] if tr.get("legendgroup")]


def test_neighbouring_launch_labels_do_not_overlap():
    """Two launches a year apart: their labels sit one above the other, with room above."""
    from gosmart.dashboard.figures.compare import line_figure
    from gosmart.dashboard.queries_compare import CompareData, Selection

    frame = pd.DataFrame(
        {
            "city_id": ["TW-KHH", "TW-TXG"],
            "period_start": pd.to_datetime(["2019-01-01", "2019-01-01"]),
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
        launches={"TW-TXG": {"launch_date": "2019-10-01"}, "TW-KHH": {"launch_date": "2018-09-01"}},
    )
    layout = line_figure(data, {}, "en")["layout"]
    labels = [(a["x"], a["yshift"]) for a in layout["annotations"]]
    assert labels == [("2018-09-01", 0), ("2019-10-01", 16)]
    assert layout["margin"]["t"] > 70
