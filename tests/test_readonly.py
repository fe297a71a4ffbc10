"""The dashboard opens DuckDB read-only: writes through its connection raise, and it never asks for more.

Proved two ways: statements through the cursor gosmart.dashboard.data runs its queries on
fail; and while the dashboard holds the file (first open, and the reopen after a
swap) another process can open it read-only but not for writing, which DuckDB's
file lock allows only when every holder is a reader.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from gosmart.dashboard import data
from gosmart.dashboard.data import ReadOnlyStore
from tests.conftest import use_store
from tests.store_builder import ingest
from tests.store_files import file_sha256, table_names

SQL_DIR = Path(__file__).resolve().parents[1] / "dashboard" / "sql"
WRITES = [
    "CREATE TABLE pwned(x INT)",
    "INSERT INTO meta VALUES ('pwned', 'yes')",
    "UPDATE meta SET value = 'pwned'",
    "DELETE FROM city",
    "DROP TABLE city",
    "ALTER TABLE city ADD COLUMN pwned INT",
    "CREATE VIEW pwned AS SELECT 1",
]
WRITE_WORDS = re.compile(
    r"\b(INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|ATTACH|DETACH|COPY|EXPORT|IMPORT|INSTALL|LOAD|"
    r"PRAGMA|SET|CHECKPOINT|VACUUM|CALL)\b",
    re.I,
)
PROBE = """
import sys, duckdb
try:
    duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "ro").close()
    print("opened")
except duckdb.Error as exc:
    print("refused", type(exc).__name__)
"""


def cursor_of(store: ReadOnlyStore) -> duckdb.DuckDBPyConnection:
    """The cursor the store runs its named queries on."""
    if hasattr(store, "cursor"):
        return store.cursor()
    return store._connection().cursor()


@pytest.fixture
def store(store_copy: Path) -> ReadOnlyStore:
    ro = ReadOnlyStore(store_copy)
    assert not ro.query("cities").empty
    return ro


@pytest.mark.parametrize("sql", WRITES)
def test_writes_through_the_dashboard_connection_raise(store: ReadOnlyStore, sql: str) -> None:
    before = file_sha256(store.path)
    with pytest.raises(duckdb.Error, match="(?i)read.only|cannot execute"):
        cursor_of(store).execute(sql)
    assert file_sha256(store.path) == before
    assert "pwned" not in table_names(store.path)


def test_the_process_wide_store_is_read_only(
    store_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_store(monkeypatch, store_copy)
    data.query("cities")
    with pytest.raises(duckdb.Error):
        cursor_of(data.store()).execute("CREATE TABLE pwned(x INT)")


def _probe(path: Path, mode: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(path), mode],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


def test_other_processes_see_only_a_reader_holding_the_file(store: ReadOnlyStore) -> None:
    store.query("cities")
    assert _probe(store.path, "ro") == "opened"
    assert _probe(store.path, "rw").startswith("refused")


def test_the_reopen_after_a_swap_is_read_only_too(world, store: ReadOnlyStore) -> None:
    version = store.version
    ingest(world, store.path, sources=["tw_household_population"])
    assert store.version != version
    store.query("cities")
    assert _probe(store.path, "ro") == "opened"
    assert _probe(store.path, "rw").startswith("refused")


def test_named_queries_hold_no_write_statement() -> None:
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(SQL_DIR.glob("*.sql"))}
    assert texts
    stripped = {n: re.sub(r"--[^\n]*|'(?:[^']|'')*'", "", t) for n, t in texts.items()}
    offenders = {n: WRITE_WORDS.findall(t) for n, t in stripped.items() if WRITE_WORDS.search(t)}
    assert not offenders


def test_the_dashboard_connection_cannot_touch_other_files(
    store: ReadOnlyStore, tmp_path: Path
) -> None:
    target = tmp_path / "exfiltrated.csv"
    with pytest.raises(duckdb.Error):
        cursor_of(store).execute(f"COPY city TO '{target}'")
    assert not target.exists()
