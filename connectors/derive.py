"""City-level `indicator_value` and station-level `station_value` from raw observations.

Runs inside the store's write transaction (after `gosmart ingest` has loaded every source,
or as `gosmart derive`). Three SQL files, one job each:

* `connectors/sql/derive_plan.sql` (DuckDB, on the store): what to recompute. The raw
  partitions changed since the last derive, widened where what the derive read besides raw
  observations changed (a series' attributes, an indicator's rule, a station, city values
  loaded directly); a full run recomputes everything.
* `connectors/sql/derive.sql`: the derive definition (rules stated there), on DuckDB or on
  Spark (connectors/engines.py), for exactly those partitions and years.
* `connectors/sql/derive_store.sql` (DuckDB): the outputs replace what they recompute.

Incremental and full runs give the same tables (tests/test_derive_engines.py); running twice
changes nothing. Every grain the dashboard shows is stored, so no request aggregates raw
observations.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from gosmart.connectors import engines
from gosmart.lake import SERIES_PERIOD, lake_of, write_partitioned
from gosmart.resources import read_sql

ENGINES = ("duckdb", "spark")
PLAN_TABLES = (
    "_mode",
    "_fp",
    "_obs_sources",
    "_changed",
    "_pairs",
    "in_touched",
    "in_recomputed",
    "_wide",
    "_years",
    "in_scope",
    "in_station_scope",
    "in_keys",
    "in_indicator",
    "in_station",
    "in_direct",
    "_raw_files",
    "_stored_files",
)


def _run_steps(con: duckdb.DuckDBPyConnection, name: str, *, materialise: bool) -> None:
    text = read_sql("gosmart.connectors", name)
    for chunk in text.split(engines.STEP_MARK)[1:]:
        step, body = chunk.split("\n", 1)
        if materialise:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {step.strip()} AS {body.strip()}")
        else:
            con.execute(body)


def needs_full(con: duckdb.DuckDBPyConnection) -> bool:
    """A store never derived from the lake (fresh, or upgraded from before it)."""
    return con.execute("SELECT 1 FROM meta WHERE key = 'derived'").fetchone() is None


def derive(
    con: duckdb.DuckDBPyConnection,
    *,
    engine: str = "duckdb",
    full: bool = False,
    spark: engines.SparkEngine | None = None,
) -> dict[str, int]:
    """Recompute what changed since the last derive (everything with `full`); returns row
    counts of the two tables and of the work done (raw partitions read, years in scope)."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; one of {', '.join(ENGINES)}")
    lake = lake_of(con)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _mode AS SELECT ? AS is_full", [full or needs_full(con)]
    )
    _run_steps(con, "derive_plan", materialise=True)
    touched, scope, station_scope = (
        con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608 - names from code
        for t in ("in_touched", "in_scope", "in_station_scope")
    )
    work = {"raw_partitions": touched, "city_years": scope, "station_years": station_scope}
    on_spark = engine == "spark" and bool(touched or scope or station_scope)
    named = lake.spark_path if on_spark else lake.path
    inputs = engines.Inputs(
        raw_files=[named(p) for (p,) in con.execute("SELECT path FROM _raw_files").fetchall()],
        stored_files=[
            named(p) for (p,) in con.execute("SELECT path FROM _stored_files").fetchall()
        ],
    )
    work["stored_files"] = len(inputs.stored_files)
    if on_spark:
        (spark or engines.SparkEngine()).run(con, inputs, lake)
    else:  # nothing to recompute runs in milliseconds here, without starting Spark
        engines.run_duckdb(con, inputs)
    write_partitioned(con, lake, SERIES_PERIOD, "d_out", "in_recomputed")
    _run_steps(con, "derive_store", materialise=False)
    for name in (*engines.OUTPUTS, *PLAN_TABLES):
        con.execute(f"DROP TABLE IF EXISTS {name}")
    return {
        table: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
        for table in ("indicator_value", "station_value")
    } | work


def run_derive(
    db: Path,
    *,
    engine: str = "duckdb",
    full: bool = False,
    lake: str | Path | None = None,
    master: str = "local[2]",
    remote: str | None = None,
) -> int:
    """`gosmart derive`: derive what changed since the last derive (or everything) on the
    chosen engine, in one atomic store write; prints what it did."""
    import sys
    import time

    from gosmart.store import writing

    started = time.perf_counter()
    spark = engines.SparkEngine(master=master, remote=remote) if engine == "spark" else None
    with writing(db, lake=lake) as con:
        done = derive(con, engine=engine, full=full, spark=spark)
    print(
        f"gosmart derive ({engine}{', full' if full else ''}): {done['raw_partitions']:,} raw "
        f"partitions, {done['city_years']:,} city-years and {done['station_years']:,} "
        f"station-years recomputed -> {done['indicator_value']:,} city values, "
        f"{done['station_value']:,} station values in {time.perf_counter() - started:,.1f} s",
        file=sys.stderr,
    )
    return 0
