"""A small store for reliability tests: the real registry plus a few synthetic rows (tests only).

Uses the bundled snapshot instead when one is present, so the pages see real shapes.
Every synthetic row names the source 'test_synthetic' so it can never pass for real data.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from gosmart.registry import load_registry
from gosmart.resources import SNAPSHOT_DIR
from gosmart.schema import stored_tables
from gosmart.store import insert_rows, writing

SOURCE_ID = "test_synthetic"
CITIES = ["TW-NWT", "TW-TPE", "TW-TXG", "TW-KHH"]
PROJECT_ID = "test-project"


def snapshot_available() -> bool:
    """True when datasets/snapshot holds a snapshot and its loader exists."""
    try:
        import gosmart.snapshot  # noqa: F401
    except ImportError:
        return False
    return SNAPSHOT_DIR.is_dir() and any(SNAPSHOT_DIR.iterdir())


def named(columns: list[str], rows: list[list]) -> list[dict]:
    """Test rows written as a table (a header and its rows) as the dicts `insert_rows` takes."""
    return [dict(zip(columns, row, strict=True)) for row in rows]


def _indicator_ids(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute("SELECT indicator_id FROM indicator ORDER BY 1").fetchall()]


def add_synthetic_rows(con: duckdb.DuckDBPyConnection, scale: float = 1.0) -> None:
    """Synthetic values for a few cities and indicators; `scale` makes a new version distinct."""
    if not con.execute("SELECT 1 FROM source WHERE source_id = ?", [SOURCE_ID]).fetchone():
        insert_rows(
            con,
            "source",
            named(
                ["source_id", "connector", "publisher", "title", "licence", "kind", "retrieved_at"],
                [
                    [
                        SOURCE_ID,
                        "tests",
                        "test suite",
                        "synthetic test rows",
                        "CC0",
                        "file",
                        datetime(2026, 1, 1),
                    ]
                ],
            ),
        )
    con.execute("DELETE FROM indicator_value WHERE source_id = ?", [SOURCE_ID])
    replace_observations(con, SOURCE_ID, [])  # the lake's partitions of the source go
    con.execute("DELETE FROM series_source WHERE source_id = ?", [SOURCE_ID])
    con.execute("DELETE FROM series WHERE source_id = ?", [SOURCE_ID])
    indicators = _indicator_ids(con)[:3]
    for indicator in indicators:
        for city in CITIES:
            con.execute(
                "DELETE FROM indicator_value WHERE indicator_id = ? AND city_id = ? "
                "AND grain = 'annual' AND year(period_start) BETWEEN 2014 AND 2023",
                [indicator, city],
            )
            series_id = f"{indicator}|{city}|city"
            con.execute("DELETE FROM series_source WHERE series_id = ?", [series_id])
            con.execute("DELETE FROM series WHERE series_id = ?", [series_id])
    values, series, observations = [], [], []
    for i, indicator in enumerate(indicators):
        for j, city in enumerate(CITIES):
            for year in range(2014, 2024):
                value = scale * (100 + 10 * i + 5 * j + (year - 2014))
                values.append(
                    {
                        "indicator_id": indicator,
                        "city_id": city,
                        "grain": "annual",
                        "period_start": date(year, 1, 1),
                        "value": value,
                        "value_per_capita": value / 10,
                        "coverage": 1.0,
                        "n_points": 12,
                        "source_id": SOURCE_ID,
                    }
                )
            series_id = f"{indicator}|{city}|city"
            series.append([series_id, indicator, city, "city", "monthly", "units", SOURCE_ID])
            for month in range(1, 13):
                observations.append([series_id, datetime(2023, month, 1), scale * month, SOURCE_ID])
    insert_rows(con, "indicator_value", values)
    insert_rows(
        con,
        "series",
        named(
            ["series_id", "indicator_id", "city_id", "entity_id", "grain", "unit", "source_id"],
            series,
        ),
    )
    insert_observations(con, observations)
    if not con.execute("SELECT 1 FROM project WHERE project_id = ?", [PROJECT_ID]).fetchone():
        insert_rows(
            con,
            "project",
            named(
                ["project_id", "award_year", "name_en", "name_zh", "city_id", "launch_date"],
                [[PROJECT_ID, 2023, "Test project", "測試專案", "TW-NWT", date(2019, 1, 1)]],
            ),
        )


def insert_observations(con: duckdb.DuckDBPyConnection, rows: list[list]) -> None:
    """Observation rows as [series_id, ts, value, source_id], added to the lake under their
    pairs' keys (what each source stored before is kept)."""
    frame = pd.DataFrame(rows, columns=["series_id", "ts", "value", "source_id"])
    for source_id, part in frame.groupby("source_id"):
        _observations(con, str(source_id), part, keep_older=True)


def replace_observations(con: duckdb.DuckDBPyConnection, source_id: str, rows: list[list]) -> None:
    """Make [series_id, ts, value] rows the source's whole stored observations."""
    frame = pd.DataFrame(rows, columns=["series_id", "ts", "value"])
    _observations(con, source_id, frame, keep_older=False)


def _observations(
    con: duckdb.DuckDBPyConnection, source_id: str, frame: pd.DataFrame, *, keep_older: bool
) -> None:
    from gosmart.connectors.core import merge_observations

    batch = pd.DataFrame(
        {
            "series_id": frame["series_id"].astype(str).astype("category"),
            "ts": pd.to_datetime(frame["ts"]),
            "value": frame["value"].astype("float64"),
        }
    )
    merge_observations(con, source_id, "tests", batch, keep_older=keep_older)


def build_store(path: Path) -> Path:
    """A fresh store at `path`: the snapshot when bundled, else registry + synthetic rows."""
    if snapshot_available():
        from gosmart.snapshot import load_snapshot

        load_snapshot(SNAPSHOT_DIR, path)
        with writing(path) as con:
            add_synthetic_rows(con)
        return path
    with writing(path, fresh=True) as con:
        load_registry(con)
        add_synthetic_rows(con)
    return path


def file_sha256(path: Path) -> str:
    """Checksum of the store file, to prove nothing wrote to it."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def table_names(path: Path) -> set[str]:
    """Every table in the store (read-only look)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return set(stored_tables(con))
    finally:
        con.close()
