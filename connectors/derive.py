"""City-level `indicator_value` and station-level `station_value` from every observation.

Runs inside the ingest transaction after all sources are loaded, from one SQL file
(`connectors/sql/derive.sql`, which states the rules). It writes every grain the
dashboard shows (daily, weekly, monthly, annual), so no request ever aggregates raw
observations. It recomputes everything it derived before, so running it twice leaves
identical tables.
"""

from __future__ import annotations

import duckdb

from gosmart.resources import read_sql


def derive(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Recompute derived period values; returns row counts of the two tables."""
    con.execute(read_sql("gosmart.connectors", "derive"))
    return {
        table: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
        for table in ("indicator_value", "station_value")
    }
