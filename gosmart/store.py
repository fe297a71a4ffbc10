"""The DuckDB store: read-only readers, and one writer that swaps a new file in atomically.

DuckDB allows one writing process or many readers, not both. A write therefore
works on a copy next to the live file and `os.replace`s it in at the end, so a
reader never sees half a load and a crash at any moment leaves the old file whole.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
from filelock import FileLock

from gosmart import lake as lakes
from gosmart import schema
from gosmart.resources import read_sql


class StoreError(RuntimeError):
    """A store-level failure with a message fit for the command line."""


def connect_read(path: Path) -> duckdb.DuckDBPyConnection:
    """Open the store read-only; writes through this connection raise. Its `observation`
    view reads the raw lake, wherever that lives."""
    con = _attach_read(path)
    with contextlib.suppress(duckdb.CatalogException):  # a store before the lake has no meta
        row = con.execute("SELECT value FROM meta WHERE key = 'lake'").fetchone()
        if row and lakes.is_remote(row[0]):
            lakes.register(con, row[0])
    return con


def _attach_read(path: Path) -> duckdb.DuckDBPyConnection:
    path = Path(path)
    if not path.exists():
        raise StoreError(f"no database at {path}: run `gosmart snapshot load` or `gosmart ingest`")
    con = duckdb.connect(":memory:")
    con.execute("ATTACH ? AS store (READ_ONLY)", [str(path)])
    con.execute("USE store")
    return con


def connect_sandboxed(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection that also cannot read or write any other file.

    Each call opens the file anew through ATTACH on a private in-memory instance, so a
    reopen after an atomic swap sees the new file, never DuckDB's cached old instance.
    """
    con = _attach_read(path)
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def connect_write(path: Path) -> duckdb.DuckDBPyConnection:
    """A writable connection whose commits go straight into the file.

    Writers work on a private copy that replaces the live file whole (`writing`), so a
    write-ahead log protects nothing: each commit checkpoints instead, and loaded data is
    written once rather than to the log and then again into the file.
    """
    con = duckdb.connect(str(path))
    con.execute("SET checkpoint_threshold = '0B'")
    return con


def _key_observations(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("ALTER TABLE observation RENAME TO observation_text_keyed")
    con.execute(schema.table("observation").ddl())
    con.execute(read_sql("gosmart", "observation_from_text_keys"))
    con.execute("DROP TABLE observation_text_keyed")


def _observations_to_lake(con: duckdb.DuckDBPyConnection) -> None:
    """Move the observation table of a store written before the lake into it, a partition
    per source and month, each marked for the next derive."""
    lake = lakes.lake_of(con)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _moving AS SELECT o.series_key, o.ts, o.value, k.source_id, "
        "strftime(o.ts, '%Y-%m') AS month FROM observation o JOIN series_source k USING (series_key)"
    )
    moving = con.execute(
        "SELECT source_id, list(DISTINCT month) FROM _moving GROUP BY 1 ORDER BY 1"
    ).fetchall()
    for source_id, months in moving:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _part AS SELECT series_key, ts, value FROM _moving "
            "WHERE source_id = ?",
            [source_id],
        )
        lakes.mark_pending(
            con, source_id, lakes.replace_partitions(con, lake, source_id, "_part", months)
        )
    con.execute("DROP TABLE _moving")
    con.execute("DROP TABLE IF EXISTS _part")
    con.execute("DROP TABLE observation")


def _add_effect_per_capita(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("ALTER TABLE effect ADD COLUMN per_capita BOOLEAN")
    con.execute(read_sql("gosmart", "effect_per_capita"))


# The effect columns added with the verdicts (2026-12-02), in table order.
VERDICT_COLUMNS = ("verdict", "se", "p_value_min", "p_value_test", "mde", "mde_rel", "mde_kind")
# SQL that fills the effect columns an older writer left empty, from what it did record: run
# by the upgrades below and after loading a snapshot built by an older version.
EFFECT_FILLS = ("effect_per_capita", "effect_verdict")


def _add_effect_verdicts(con: duckdb.DuckDBPyConnection) -> None:
    types = {c.name: c.type for c in schema.table("effect").columns}
    for name in VERDICT_COLUMNS:
        if not schema.has_column(con, "effect", name):
            con.execute(f"ALTER TABLE effect ADD COLUMN {name} {types[name]}")
    con.execute(read_sql("gosmart", "effect_verdict"))


def _add_indicator_launch(con: duckdb.DuckDBPyConnection) -> None:
    for column in ("launch_date", "launch_date_min", "launch_date_max", "launch_confidence"):
        kind = "VARCHAR" if column == "launch_confidence" else "DATE"
        con.execute(f"ALTER TABLE project_indicator ADD COLUMN {column} {kind}")


def _lacks(table: str, column: str) -> Callable[[duckdb.DuckDBPyConnection], bool]:
    return lambda con: schema.has_table(con, table) and not schema.has_column(con, table, column)


# How a store written by an older version is brought up to this schema: a label, the test
# that shows it is needed, and the step. Applied in order by every write.
UPGRADES: list[
    tuple[
        str,
        Callable[[duckdb.DuckDBPyConnection], bool],
        Callable[[duckdb.DuckDBPyConnection], None],
    ]
] = [
    # 2026-11-28: integer series keys
    ("observation.series_key", _lacks("observation", "series_key"), _key_observations),
    # 2026-11-28: per capita as a column
    ("effect.per_capita", _lacks("effect", "per_capita"), _add_effect_per_capita),
    # 2026-12-02: verdicts and MDE as columns
    ("effect.verdict", _lacks("effect", "verdict"), _add_effect_verdicts),
    # 2026-12-02: an indicator's own launch window (MeNGo 2.0's upgrade next to the 2018 pass)
    (
        "project_indicator.launch_date",
        _lacks("project_indicator", "launch_date"),
        _add_indicator_launch,
    ),
    # 2026-12-02: raw observations in the lake, the store keeps a view
    ("observation.lake", lambda con: schema.has_table(con, "observation"), _observations_to_lake),
]


def pending_upgrades(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The label of every upgrade a store still needs; a table it lacks altogether is
    created by the next write, not upgraded."""
    return [label for label, needed, _ in UPGRADES if needed(con)]


def create_schema(con: duckdb.DuckDBPyConnection, lake: str | Path | None = None) -> None:
    """Create every table (idempotent), bring an older store's tables up to this schema, and,
    given the lake (or where the store recorded one), the `observation` view over it."""
    con.execute(schema.ddl())
    if lake is not None:
        lakes.attach(con, lake)
    recorded = con.execute("SELECT 1 FROM meta WHERE key = 'lake'").fetchone()
    for _, needed, upgrade in UPGRADES:
        if needed(con):
            upgrade(con)
    if recorded:
        lakes.refresh_view(con, lakes.lake_of(con))


# A data version is the write's UTC time in this format, a dash, and six random hex digits.
VERSION_TIME = "%Y%m%dT%H%M%S.%fZ"


def version_time(version: str | None) -> datetime | None:
    """The UTC time (naive, like every timestamp the store holds) a data version was written."""
    try:
        return datetime.strptime((version or "").split("-")[0], VERSION_TIME)
    except ValueError:
        return None


def data_version(con: duckdb.DuckDBPyConnection) -> str:
    """The version stamp written by the last successful write ('' for an empty store)."""
    row = con.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()
    return row[0] if row else ""


@contextlib.contextmanager
def write_lock(path: Path) -> Iterator[None]:
    """Serialise writers on one store (a second writer waits); an OS lock, so it is released
    when a writer dies, on Linux and on the Windows PCs kiosks run on alike."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(path.with_suffix(path.suffix + ".lock")):
        yield


@contextlib.contextmanager
def writing(
    path: Path, *, fresh: bool = False, lake: str | Path | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a connection to a private copy of the store inside one transaction.

    On normal exit the transaction commits, a new data version is stamped and the
    copy replaces the live file atomically; that swap also commits the lake's files
    (gosmart/lake.py), whose manifest is then published. On any exception the copy is
    deleted, the live file is untouched and lake files the write made are removed.
    `fresh=True` starts from an empty store. The lake is `lake`, else the one the store
    recorded, else the folder beside it (`gosmart.lake`); a folder or an object-store URL.
    """
    path = Path(path)
    with write_lock(path):
        recorded, live = lakes.committed(path)
        root = lakes.normalise(lake or recorded or lakes.default_lake(path))
        if recorded is None or recorded == root:
            lakes.collect_garbage(lakes.Lake(root), live)
        for leftover in path.parent.glob(f"{path.name}.tmp-*"):  # a killed writer's copy
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
        tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        if path.exists() and not fresh:
            shutil.copyfile(path, tmp)
        con = connect_write(tmp)
        try:
            create_schema(con, root)
            con.execute("BEGIN TRANSACTION")
            yield con
            stamp = f"{datetime.now(UTC):{VERSION_TIME}}-{uuid.uuid4().hex[:6]}"
            con.execute("INSERT OR REPLACE INTO meta VALUES ('data_version', ?)", [stamp])
            lake_now = lakes.lake_of(con)
            lakes.write_series(con, lake_now)
            lakes.refresh_view(con, lake_now)
            con.execute("COMMIT")
            con.execute("CHECKPOINT")
            con.close()
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, path)
            lakes.fsync(path.parent)
        except BaseException:
            with contextlib.suppress(Exception):
                con.close()
            for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()
            with contextlib.suppress(Exception):
                lakes.collect_garbage(lakes.Lake(root), lakes.committed(path)[1])
            raise
        with contextlib.suppress(OSError):  # the data is committed; the manifest is a courtesy
            lakes.publish_manifest(lake_now, path, stamp)


def insert_rows(
    con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[Mapping[str, Any]]
) -> None:
    """Insert rows given as dicts keyed by column name, every row naming the same columns.

    Names are checked against the declared table (`gosmart.schema`): an unknown column, or
    rows that leave out a required one, raise a SchemaError naming both. Values are bound.
    """
    if not rows:
        return
    columns = list(rows[0])
    schema.check_columns(table, columns)
    for row in rows:
        if row.keys() != rows[0].keys():
            odd = sorted(set(row) ^ set(columns))[0]
            raise schema.SchemaError(f"{table}: column {odd!r} is not in every row")
    cols, marks = ", ".join(columns), ", ".join("?" * len(columns))
    sql = f"INSERT INTO {table} ({cols}) VALUES ({marks})"  # noqa: S608 - declared names only
    con.executemany(sql, [[row[c] for c in columns] for row in rows])
