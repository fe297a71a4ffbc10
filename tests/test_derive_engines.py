"""One derive definition, two engines, incremental runs: the same tables every way.

* parity: the real open data derived by DuckDB and by Spark (local mode, a real JVM) give
  identical tables: keys, sources, point counts exactly; values, per-capita values and
  coverage to a relative 1e-12 (the engines add floating-point numbers in different orders);
* incremental = full: a store built by several loads of synthetic data (readings polled hour
  by hour, a reload that drops months and a series, a station that appears mid-year, a city
  series next to sub-city ones, values loaded directly at city grain, a series moved to
  another city) holds, after each load's incremental derive, what a full derive gives; and
  an hourly poll reads only the partition it touched.
"""

from __future__ import annotations

import math
import shutil
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import gosmart.connectors.runner as runner
from gosmart.connectors import engines
from gosmart.connectors.core import Batch, load_batch
from gosmart.connectors.derive import derive
from gosmart.registry import load_cities, load_indicators
from gosmart.schema import columns
from gosmart.store import writing
from tests.test_derive import series_frame, spec

TOLERANCE = 1e-12  # relative, on values, per-capita values and coverage
TABLES = {
    "indicator_value": ("indicator_id", "city_id", "grain", "period_start"),
    "station_value": ("indicator_id", "station_id", "grain", "period_start"),
}


class _Abort(Exception):
    """Thrown inside a write to roll it back: a look at a derive, never stored."""


def rows(con, table: str) -> dict[tuple, tuple]:
    key = TABLES[table]
    rest = [c for c in columns(table) if c not in key]
    fetched = con.execute(f"SELECT {', '.join([*key, *rest])} FROM {table}").fetchall()
    return {tuple(str(v) for v in r[: len(key)]): tuple(r[len(key) :]) for r in fetched}


def same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return abs(a - b) <= TOLERANCE * max(1.0, abs(a), abs(b))
    return a == b


def assert_same_tables(got: dict, want: dict, label: str) -> None:
    for table in TABLES:
        assert got[table].keys() == want[table].keys(), f"{label}: {table} keys differ"
        bad = [k for k in want[table] if not all(map(same, got[table][k], want[table][k]))]
        assert not bad, (
            f"{label}: {table} {bad[:3]}: {[got[table][k] for k in bad[:3]]} vs {[want[table][k] for k in bad[:3]]}"
        )


def full_derive_tables(db, engine: str = "duckdb", spark=None) -> dict:
    """What a full derive of the stored lake gives, rolled back afterwards."""
    out = {}
    try:
        with writing(db) as con:
            derive(con, engine=engine, full=True, spark=spark)
            out = {t: rows(con, t) for t in TABLES}
            raise _Abort
    except _Abort:
        pass
    return out


def stored_tables(db) -> dict:
    from gosmart.store import connect_read

    con = connect_read(db)
    try:
        return {t: rows(con, t) for t in TABLES}
    finally:
        con.close()


@pytest.fixture(scope="module")
def spark():
    """One local Spark (a real JVM) for this module's tests."""
    if shutil.which("java") is None:
        pytest.fail("Spark needs a Java runtime: .ci/run installs default-jre-headless")
    return engines.SparkEngine(master="local[2]")


# Real sources with every shape the derive handles: hourly station readings (MOENV), daily
# city totals (TRTC), monthly (Taoyuan Airport MRT), annual station series (KRTC), a city
# figure next to sub-city ones (IQAir), counts summed over time (MOHW) and population (per
# capita). Spark pays a fixed cost per stage on 2 shared cores, so the parity test keeps to
# these rather than every file in the folder.
PARITY_SOURCES = [
    "moenv_aqx_p_432",
    "trtc_daily_totals",
    "tymetro_monthly_ridership",
    "krtc_station_annual",
    "iqair_pm25_annual",
    "mohw_child_protection_2019_2023",
    "tw_household_population",
]


@pytest.mark.opendata
@pytest.mark.slow
def test_duckdb_and_spark_derive_the_real_open_data_alike(opendata, tmp_path, spark):
    db = tmp_path / "real" / "gosmart.duckdb"
    assert runner.run_ingest(db, sources=PARITY_SOURCES, from_dir=opendata) == 0
    ingested = stored_tables(db)
    assert len(ingested["indicator_value"]) > 5_000 and len(ingested["station_value"]) > 400
    on_spark = full_derive_tables(db, "spark", spark)
    on_duckdb = full_derive_tables(db, "duckdb")
    assert_same_tables(on_spark, on_duckdb, "spark vs duckdb")
    assert_same_tables(on_duckdb, ingested, "full vs ingest")


# ----------------------------------------------------------------- synthetic loads

HOURLY = replace(spec("synthetic_hourly"), accumulates=True)
FILES = spec("synthetic_files")
REGISTER = spec("synthetic_register")
DIRECT = spec("synthetic_direct")


def hourly_batch(stations: list[tuple[str, str]], hours: pd.DatetimeIndex, seed: int) -> Batch:
    """SYNTHETIC PM2.5 readings: (city, station) pairs, every hour given (a reading may be
    missing, as real feeds' are). The feed knows no station row for moenv:C (a register
    brings it later)."""
    rng = np.random.default_rng(seed)
    entries = [("pm25", c, s, "hourly", "µg/m³") for c, s in stations]
    obs = []
    for c, s in stations:
        values = rng.uniform(5, 60, len(hours)).round(1)
        values[rng.random(len(hours)) < 0.1] = np.nan
        obs.append(pd.DataFrame({"series_id": f"pm25|{c}|{s}", "ts": hours, "value": values}))
    b = Batch()
    b.add("series", series_frame(entries))
    b.add("observation", pd.concat(obs, ignore_index=True))
    b.add(
        "station",
        pd.DataFrame(
            [
                {"station_id": s, "network": "moenv", "name": s, "city_id": c}
                for c, s in stations
                if s != "moenv:C"
            ]
        ),
    )
    return b


def files_batch(years: range, *, with_city: bool, city_of_r4: str = "TW-KHH") -> Batch:
    """SYNTHETIC monthly station series and annual city figures, a file source's shape."""
    entries = [
        ("metro_station_entries", "TW-KHH", "krtc:R3", "monthly", "riders/day"),
        ("metro_station_entries", city_of_r4, "krtc:R4", "monthly", "riders/day"),
        ("pm25_iqair", "TW-TXG", "iqair:Fengyuan", "annual", "µg/m³"),
        ("child_protection_records", "TW-NWT", "city", "monthly", "records"),
    ]
    if with_city:
        entries.append(("pm25_iqair", "TW-TXG", "city", "annual", "µg/m³"))
    obs = []
    for y in years:
        for m in range(1, 13):
            obs.append(("metro_station_entries|TW-KHH|krtc:R3", f"{y}-{m:02d}-01", 100.0 + m + y))
            obs.append((f"metro_station_entries|{city_of_r4}|krtc:R4", f"{y}-{m:02d}-01", 50.0 * m))
            obs.append(("child_protection_records|TW-NWT|city", f"{y}-{m:02d}-01", float(m % 4)))
        obs.append(("pm25_iqair|TW-TXG|iqair:Fengyuan", f"{y}-12-31", 20.0 + y % 7))
        if with_city and y % 2:
            obs.append(("pm25_iqair|TW-TXG|city", f"{y}-12-31", 18.0 + y % 5))
    b = Batch()
    b.add("series", series_frame(entries))
    b.add("observation", pd.DataFrame(obs, columns=["series_id", "ts", "value"]))
    b.add(
        "station",
        pd.DataFrame(
            [
                {"station_id": s, "network": "krtc", "name": s, "city_id": "TW-KHH"}
                for s in ("krtc:R3", "krtc:R4")
            ]
        ),
    )
    return b


def register_batch() -> Batch:
    b = Batch()
    b.add(
        "station",
        pd.DataFrame(
            [{"station_id": "moenv:C", "network": "moenv", "name": "C", "city_id": "TW-TXG"}]
        ),
    )
    return b


def direct_batch(years: range) -> Batch:
    """SYNTHETIC city values loaded directly: population (for per capita) and a monthly
    value where a derived one also exists (the loaded one wins)."""
    b = Batch()
    frame = [
        {
            "indicator_id": "population",
            "city_id": c,
            "grain": "annual",
            "period_start": f"{y}-01-01",
            "value": 1e6 + 1e4 * y + i,
        }
        for i, c in enumerate(("TW-NWT", "TW-KHH", "TW-TXG", "TW-TPE"))
        for y in years
    ]
    frame.append(
        {
            "indicator_id": "metro_station_entries",
            "city_id": "TW-KHH",
            "grain": "monthly",
            "period_start": f"{years[0]}-03-01",
            "value": 7.0,
        }
    )
    b.add("indicator_value", pd.DataFrame(frame))
    return b


def load_and_derive(db, source, batch: Batch, *, engine: str = "duckdb", spark=None):
    with writing(db) as con:
        load_cities(con)
        load_indicators(con)
        load_batch(con, source, batch, location="synthetic", sha256="0")
        return derive(con, engine=engine, spark=spark)


STATIONS = [("TW-TPE", "moenv:A"), ("TW-TPE", "moenv:B"), ("TW-TXG", "moenv:C")]


def test_incremental_derive_equals_a_full_one_after_every_load(db_file):
    loads = [
        (FILES, files_batch(range(2019, 2023), with_city=False)),
        (DIRECT, direct_batch(range(2018, 2024))),
        (HOURLY, hourly_batch(STATIONS, pd.date_range("2021-12-30", "2022-01-03", freq="h"), 1)),
        # polls, hour by hour, then a day later (a week across New Year, a month boundary)
        (HOURLY, hourly_batch(STATIONS, pd.date_range("2022-01-03 01:00", periods=2, freq="h"), 2)),
        (HOURLY, hourly_batch(STATIONS, pd.date_range("2022-01-31 22:00", periods=4, freq="h"), 3)),
        # a station that appears mid-year: every earlier value of the year changes coverage
        (
            HOURLY,
            hourly_batch(
                [*STATIONS, ("TW-TPE", "moenv:D")],
                pd.date_range("2022-02-01 02:00", periods=3, freq="h"),
                4,
            ),
        ),
        # a station register: the map gains moenv:C in every year
        (REGISTER, register_batch()),
        # readings sent again with new values
        (HOURLY, hourly_batch(STATIONS[:1], pd.date_range("2022-01-01", periods=5, freq="h"), 5)),
        # the file source reloaded: a city series next to the sub-city one, a year fewer
        (FILES, files_batch(range(2019, 2022), with_city=True)),
        # and again, a station series moved to another city
        (FILES, files_batch(range(2019, 2022), with_city=True, city_of_r4="TW-TPE")),
        (DIRECT, direct_batch(range(2019, 2024))),
    ]
    for i, (source, batch) in enumerate(loads):
        work = load_and_derive(db_file, source, batch)
        assert_same_tables(stored_tables(db_file), full_derive_tables(db_file), f"load {i}")
        if i == 3:  # an hourly poll reads the one raw partition it touched
            assert work["raw_partitions"] == 1
    stored = stored_tables(db_file)
    assert {k[2] for k in stored["indicator_value"]} == {"daily", "weekly", "monthly", "annual"}
    assert any(v[1] is not None and not pd.isna(v[1]) for v in stored["indicator_value"].values())
    with writing(db_file) as con:
        assert derive(con)["raw_partitions"] == 0  # nothing changed: nothing recomputed
    assert stored_tables(db_file) == stored


@pytest.mark.slow
def test_an_incremental_derive_on_spark_equals_a_full_one_on_duckdb(db_file, spark):
    load_and_derive(db_file, FILES, files_batch(range(2020, 2022), with_city=True))
    load_and_derive(
        db_file,
        HOURLY,
        hourly_batch(STATIONS, pd.date_range("2021-12-31", periods=30, freq="h"), 1),
    )
    work = load_and_derive(
        db_file,
        HOURLY,
        hourly_batch(STATIONS, pd.date_range("2022-01-02 06:00", periods=2, freq="h"), 2),
        engine="spark",
        spark=spark,
    )
    assert work["raw_partitions"] == 1
    assert_same_tables(stored_tables(db_file), full_derive_tables(db_file), "spark incremental")
