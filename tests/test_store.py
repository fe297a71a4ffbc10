"""The store swaps whole files: readers never see half a write, failures leave the old state."""

from __future__ import annotations

import duckdb
import pytest

from gosmart.store import StoreError, connect_read, data_version, writing


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
