"""The store swaps whole files: readers never see half a write, failures leave the old state."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime

import duckdb
import pytest

from gosmart.readiness import ready_store, upgrade_store
from gosmart.store import (
    StoreError,
    connect_read,
    data_version,
    insert_rows,
    pending_upgrades,
    writing,
)


def test_write_then_read_back(db_file):
    with writing(db_file) as con:
        con.execute("INSERT INTO meta VALUES ('hello', 'world')")
    con = connect_read(db_file)
    assert con.execute("SELECT value FROM meta WHERE key='hello'").fetchone() == ("world",)
    assert data_version(con) != ""


def test_failed_write_leaves_previous_state(db_file):
    with writing(db_file) as con:
        con.execute("INSERT INTO meta VALUES ('k', 'v1')")
    before = data_version(connect_read(db_file))
    with pytest.raises(RuntimeError), writing(db_file) as con:
        con.execute("UPDATE meta SET value = 'v2' WHERE key = 'k'")
        raise RuntimeError("boom mid-load")
    con = connect_read(db_file)
    assert con.execute("SELECT value FROM meta WHERE key='k'").fetchone() == ("v1",)
    assert data_version(con) == before
    assert sorted(p.name for p in db_file.parent.iterdir()) == [
        "gosmart.duckdb",
        "gosmart.duckdb.lock",
        "gosmart.lake",  # the raw lake beside the store (gosmart/lake.py)
    ]


def test_reader_cannot_write(db_file):
    with writing(db_file):
        pass
    con = connect_read(db_file)
    with pytest.raises(duckdb.Error):
        con.execute("INSERT INTO meta VALUES ('x', 'y')")


def test_missing_store_is_a_clear_error(db_file):
    with pytest.raises(StoreError, match="no database"):
        connect_read(db_file)


def _effect(project_id: str, details: str) -> dict:
    """An effect row as an older version wrote it (no per-capita column)."""
    return {
        "project_id": project_id,
        "indicator_id": "ind",
        "method": "did",
        "is_primary": True,
        "estimable": True,
        "details": details,
        "data_version": "v",
        "code_version": "c",
        "computed_at": datetime(2026, 1, 1),
    }


def test_serving_a_store_from_before_a_schema_change_upgrades_it_keeping_its_data(db_file):
    """A store `gosmart ingest`/`evidence` wrote with an older version (here: effects without
    their per-capita column) is brought up to date when served, its data kept, and the
    column filled from what the engine recorded; a current store is left alone."""
    with writing(db_file) as con:
        con.execute("ALTER TABLE effect DROP COLUMN per_capita")
        insert_rows(
            con,
            "effect",
            [
                _effect("pc", '{"input": {"value_column": "value_per_capita"}}'),
                _effect("raw", '{"input": {"value_column": "value"}}'),
                _effect("reported", '{"reported": []}'),
            ],
        )
    with connect_read(db_file) as con:
        assert pending_upgrades(con) == ["effect.per_capita"]
        before = data_version(con)
    ready_store(db_file)
    with connect_read(db_file) as con:
        assert con.execute(
            "SELECT project_id, per_capita FROM effect ORDER BY project_id"
        ).fetchall() == [("pc", True), ("raw", False), ("reported", False)]
        assert pending_upgrades(con) == [] and data_version(con) != before
        after = data_version(con)
    assert upgrade_store(db_file) == []
    with connect_read(db_file) as con:
        assert data_version(con) == after


def test_the_production_entry_point_upgrades_an_older_store_before_serving(db_file):
    """`gunicorn gosmart.dashboard.wsgi:server` after an update: the store an older version wrote is
    brought up to date on start, as `gosmart serve` does, so its pages can read it."""
    with writing(db_file) as con:
        con.execute("ALTER TABLE effect DROP COLUMN per_capita")
    done = subprocess.run(
        [sys.executable, "-c", "import gosmart.dashboard.wsgi"],
        env={**os.environ, "GOSMART_DB": str(db_file)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "upgrading the store to this version (effect.per_capita)" in done.stderr
    with connect_read(db_file) as con:
        assert pending_upgrades(con) == []


def test_a_store_from_before_indicator_launch_windows_is_upgraded_keeping_its_rows(db_file):
    """project_indicator without launch_* (stores written before MeNGo 2.0's own window)."""
    columns = ("launch_date", "launch_date_min", "launch_date_max", "launch_confidence")
    with writing(db_file) as con:
        for column in columns:
            con.execute(f"ALTER TABLE project_indicator DROP COLUMN {column}")
        con.execute(
            "INSERT INTO project_indicator (project_id, indicator_id, role, expected_direction, "
            "grain) VALUES ('p', 'metro_ridership', 'target', 'up', 'monthly')"
        )
    with connect_read(db_file) as con:
        assert pending_upgrades(con) == ["project_indicator.launch_date"]
    ready_store(db_file)
    with connect_read(db_file) as con:
        assert pending_upgrades(con) == []
        row = con.execute(
            "SELECT project_id, launch_date, launch_date_min, launch_date_max, launch_confidence "
            "FROM project_indicator"
        ).fetchall()
    assert row == [("p", None, None, None, None)]
