"""The raw lake: observations (and the derive's per-series partials) as open Parquet.

Layout, Hive-style, one folder per partition:

    <lake>/observation/source_id=<id>/month=YYYY-MM/part-<uuid>.parquet    (series_key, ts, value)
    <lake>/series_period/source_id=<id>/grain=<g>/bucket=<b>/part-<uuid>.parquet
    <lake>/series/part-<uuid>.parquet        series_key -> series and source (for readers outside)
    <lake>/_manifest.json                    the live files, for readers outside gosmart

Files are immutable and uniquely named; a partition is replaced whole by writing its new
file (under a hidden temporary name, renamed in when complete) and swapping the file list.
The list of live files is the store's `lake_file` table, changed inside the store's write
transaction: the store's atomic swap is the lake's commit, so a process killed at any moment
leaves the store naming exactly the files of the previous (or the new) state, all present.
Files no state names are deleted after a commit (those of the previous commit are kept
until the next one, for readers of the last `_manifest.json`) and before every write.

The store keeps a view `observation` over the live raw files, so SQL over the store reads
the lake as it read the table before.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

OBSERVATION = "observation"
SERIES_PERIOD = "series_period"
SERIES = "series"
MANIFEST = "_manifest.json"
TMP_PREFIX = ".tmp-"
# The raw dataset's file columns (source_id and month are in the path).
RAW_COLUMNS = "series_key INTEGER, ts TIMESTAMP, value DOUBLE"
EMPTY_RAW = (
    "SELECT CAST(NULL AS INTEGER) AS series_key, CAST(NULL AS TIMESTAMP) AS ts, "
    "CAST(NULL AS DOUBLE) AS value WHERE false"
)
LIVE_FILES = "SELECT path FROM lake_file WHERE dataset = ? ORDER BY path"
PARTITION_FILES = (
    "SELECT path FROM lake_file WHERE dataset = ? AND source_id = ? AND part = ? "
    "AND coalesce(grain, '') = ? ORDER BY path"
)
DROP_PARTITION = (
    "DELETE FROM lake_file WHERE dataset = ? AND source_id = ? AND part = ? "
    "AND coalesce(grain, '') = ?"
)
ADD_FILE = """
INSERT INTO lake_file (path, dataset, source_id, grain, part, rows, min_ts, max_ts, fingerprint)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
# What a partition holds, order-free: rows and a sum of row hashes (for "unchanged?" only).
CONTENT = "SELECT count(*), coalesce(sum(hash(series_key, ts, value)), 0)::VARCHAR, min(ts), max(ts) FROM {t}"


class LakeError(RuntimeError):
    """A lake that cannot be used as configured: a one-line message."""


@dataclass(frozen=True)
class Lake:
    """A lake rooted at a local folder (an object-store URL is documented, not tested)."""

    root: Path

    def path(self, relative: str) -> Path:
        return self.root / relative

    def files(self, con: duckdb.DuckDBPyConnection, dataset: str) -> list[str]:
        """Absolute paths of a dataset's live files, as the connected store names them."""
        return [str(self.root / r[0]) for r in con.execute(LIVE_FILES, [dataset]).fetchall()]


def default_lake(db: Path) -> Path:
    """The lake beside a store: `gosmart.duckdb` -> `gosmart.lake/`."""
    return Path(db).with_suffix(".lake")


def lake_of(con: duckdb.DuckDBPyConnection) -> Lake:
    """The lake a store writes to, as `gosmart.store.writing` recorded it in `meta`."""
    row = con.execute("SELECT value FROM meta WHERE key = 'lake'").fetchone()
    if row is None:
        raise LakeError("this store names no lake: open it with gosmart.store.writing")
    return Lake(Path(row[0]))


def attach(con: duckdb.DuckDBPyConnection, root: Path) -> Lake:
    """Record the lake in the store (inside the writer's transaction); refuse a different
    lake from the one the store's raw files live in."""
    root = Path(root).resolve()
    row = con.execute("SELECT value FROM meta WHERE key = 'lake'").fetchone()
    if row is not None and Path(row[0]) != root:
        (held,) = con.execute("SELECT count(*) FROM lake_file").fetchone()
        if held:
            raise LakeError(
                f"the store's raw observations live in {row[0]}, not {root}: "
                f"move that folder there or set GOSMART_LAKE={row[0]}"
            )
    con.execute("INSERT OR REPLACE INTO meta VALUES ('lake', ?)", [str(root)])
    root.mkdir(parents=True, exist_ok=True)
    return Lake(root)


def quoted(path: str | Path) -> str:
    """A file path as an SQL string literal (COPY takes no bound parameter for its target)."""
    return "'" + str(path).replace("'", "''") + "'"


def fsync(path: Path) -> None:
    """Flush a file, or a folder's entries, to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _publish_file(tmp: Path, final: Path) -> None:
    """A complete file under its final name, or nothing: fsync, rename, fsync the folder."""
    fsync(tmp)
    os.replace(tmp, final)
    fsync(final.parent)


def partition_dir(dataset: str, source_id: str, part: str, grain: str | None = None) -> str:
    if dataset == OBSERVATION:
        return f"{dataset}/source_id={source_id}/month={part}"
    return f"{dataset}/source_id={source_id}/grain={grain}/bucket={part}"


def replace_partition(
    con: duckdb.DuckDBPyConnection, lake: Lake, source_id: str, month: str, relation: str
) -> bool:
    """Make `relation` (a table in `con`: series_key, ts, value) the whole content of one raw
    partition; an empty relation removes it. A partition whose content is unchanged keeps
    its file, so loading the same input twice changes nothing. Returns whether it changed."""
    old = con.execute(PARTITION_FILES, [OBSERVATION, source_id, month, ""]).fetchall()
    rows, fingerprint, lo, hi = con.execute(CONTENT.format(t=relation)).fetchone()
    if len(old) == 1:
        same = con.execute(
            "SELECT 1 FROM lake_file WHERE path = ? AND rows = ? AND fingerprint = ?",
            [old[0][0], rows, fingerprint],
        ).fetchone()
        if same:
            return False
    if not old and not rows:
        return False
    con.execute(DROP_PARTITION, [OBSERVATION, source_id, month, ""])
    if rows:
        relative = f"{partition_dir(OBSERVATION, source_id, month)}/part-{uuid.uuid4().hex}.parquet"
        final = lake.path(relative)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.with_name(TMP_PREFIX + final.name)
        con.execute(
            f"COPY (SELECT series_key, ts, value FROM {relation} ORDER BY ts, series_key) "  # noqa: S608
            f"TO {quoted(tmp)} (FORMAT parquet, COMPRESSION zstd)"
        )
        _publish_file(tmp, final)
        con.execute(
            ADD_FILE, [relative, OBSERVATION, source_id, None, month, rows, lo, hi, fingerprint]
        )
    return True


def write_partitioned(
    con: duckdb.DuckDBPyConnection,
    lake: Lake,
    dataset: str,
    relation: str,
    partitions: str,
) -> None:
    """Replace every partition listed in `partitions` (source_id, grain, bucket) with the rows
    of `relation` (a series_period relation with source_id, grain, bucket columns), in one
    partitioned write (for a full derive: one pass, never the whole result in memory)."""
    staging = lake.path(f"_staging/{uuid.uuid4().hex}")
    staging.parent.mkdir(parents=True, exist_ok=True)
    con.execute(
        f"""DELETE FROM lake_file f WHERE f.dataset = ? AND EXISTS (
            SELECT 1 FROM {partitions} p
            WHERE p.source_id = f.source_id AND p.grain = f.grain AND p.bucket = f.part)""",  # noqa: S608 - names from code
        [dataset],
    )
    (rows,) = con.execute(f"SELECT count(*) FROM {relation}").fetchone()  # noqa: S608
    if not rows:
        return
    con.execute(
        f"COPY (SELECT * FROM {relation} ORDER BY source_id, grain, bucket, series_key, "  # noqa: S608
        f"period_start) TO {quoted(staging)} (FORMAT parquet, COMPRESSION zstd, "
        "PARTITION_BY (source_id, grain, bucket), FILENAME_PATTERN 'part-{uuid}')"
    )
    written = con.execute(
        "SELECT filename, count(*) FROM read_parquet(?, hive_partitioning = true, "
        "hive_types_autocast = false, filename = true) GROUP BY filename",
        [f"{staging}/**/*.parquet"],
    ).fetchall()
    for name, count in written:
        path = Path(name)
        relative = str(path.relative_to(staging))
        keys = dict(p.split("=", 1) for p in Path(relative).parent.parts)
        final_rel = f"{partition_dir(dataset, keys['source_id'], keys['bucket'], keys['grain'])}/{path.name}"
        final = lake.path(final_rel)
        final.parent.mkdir(parents=True, exist_ok=True)
        _publish_file(path, final)
        con.execute(
            ADD_FILE,
            [
                final_rel,
                dataset,
                keys["source_id"],
                keys["grain"],
                keys["bucket"],
                count,
                None,
                None,
                None,
            ],
        )
    _remove_tree(staging)


def _remove_tree(folder: Path) -> None:
    for dirpath, _dirnames, filenames in os.walk(folder, topdown=False):
        for name in filenames:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(dirpath, name))
        with contextlib.suppress(OSError):
            os.rmdir(dirpath)


def raw_sql(files: Iterable[str]) -> str:
    """SQL reading raw files (with source_id and month from their paths), or none."""
    files = list(files)
    if not files:
        return (
            "SELECT CAST(NULL AS INTEGER) AS series_key, CAST(NULL AS TIMESTAMP) AS ts, "
            "CAST(NULL AS DOUBLE) AS value, CAST(NULL AS VARCHAR) AS source_id, "
            "CAST(NULL AS VARCHAR) AS month WHERE false"
        )
    listed = ", ".join(quoted(f) for f in files)
    return (
        f"SELECT series_key, ts, value, source_id, month FROM read_parquet([{listed}], "  # noqa: S608 - quoted file paths
        "hive_partitioning = true, hive_types_autocast = false)"
    )


def refresh_view(con: duckdb.DuckDBPyConnection, lake: Lake) -> None:
    """The store's `observation` view over the live raw files (empty without any)."""
    files = lake.files(con, OBSERVATION)
    body = (
        f"SELECT series_key, ts, value FROM ({raw_sql(files)})" if files else EMPTY_RAW  # noqa: S608
    )
    con.execute(f"CREATE OR REPLACE VIEW observation AS {body}")


def write_series(con: duckdb.DuckDBPyConnection, lake: Lake) -> None:
    """The key map readers outside need (series_key -> series, source), one file a commit."""
    con.execute(
        "CREATE OR REPLACE TEMP VIEW _lake_series AS SELECT k.series_key, k.source_id, "
        "k.series_id, s.indicator_id, s.city_id, s.entity_id, s.grain, s.unit "
        "FROM series_source k LEFT JOIN series s USING (series_id)"
    )
    rows, fingerprint = con.execute(
        "SELECT count(*), coalesce(sum(hash(series_key, source_id, series_id, indicator_id, city_id, entity_id, grain, unit)), 0)::VARCHAR FROM _lake_series"
    ).fetchone()
    same = con.execute(
        "SELECT count(*) FROM lake_file WHERE dataset = ? AND fingerprint = ? AND rows = ?",
        [SERIES, fingerprint, rows],
    ).fetchone()[0]
    if same == 1 or (not rows and not same):
        return
    con.execute("DELETE FROM lake_file WHERE dataset = ?", [SERIES])
    relative = f"{SERIES}/part-{uuid.uuid4().hex}.parquet"
    final = lake.path(relative)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(TMP_PREFIX + final.name)
    con.execute(
        f"COPY (SELECT * FROM _lake_series ORDER BY series_key) TO {quoted(tmp)} (FORMAT parquet)"  # noqa: S608 - a path made by code, quoted
    )
    _publish_file(tmp, final)
    con.execute(ADD_FILE, [relative, SERIES, None, None, None, rows, None, None, fingerprint])


def committed(db: Path) -> tuple[Path | None, set[str]]:
    """The lake a committed store names and the files it names there (None, empty: no
    store, or one written before the lake)."""
    if not Path(db).exists():
        return None, set()
    con = duckdb.connect(":memory:")
    try:
        con.execute("ATTACH ? AS s (READ_ONLY)", [str(db)])
        row = con.execute("SELECT value FROM s.meta WHERE key = 'lake'").fetchone()
        try:
            paths = {r[0] for r in con.execute("SELECT path FROM s.lake_file").fetchall()}
        except duckdb.CatalogException:
            paths = set()
        return (Path(row[0]) if row else None), paths
    except duckdb.CatalogException:
        return None, set()
    finally:
        con.close()


def _manifest_paths(lake: Lake) -> set[str]:
    try:
        with open(lake.path(MANIFEST), encoding="utf-8") as fh:
            return {f["path"] for f in json.load(fh)["files"]}
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return set()


def collect_garbage(lake: Lake, keep: set[str]) -> int:
    """Delete the lake's files that neither `keep` nor the last manifest names (and any
    temporary or staging file left by a killed writer); empty folders go too. Returns the
    number of files deleted. Call under the store's write lock only."""
    if not lake.root.is_dir():
        return 0
    keep = keep | _manifest_paths(lake)
    removed = 0
    for dirpath, _, filenames in os.walk(lake.root, topdown=False):
        for name in filenames:
            full = Path(dirpath) / name
            relative = full.relative_to(lake.root).as_posix()
            if relative == MANIFEST or relative in keep:
                continue
            if not (name.endswith(".parquet") or name.startswith(TMP_PREFIX)):
                continue
            with contextlib.suppress(FileNotFoundError):
                full.unlink()
                removed += 1
        if Path(dirpath) != lake.root:
            with contextlib.suppress(OSError):
                os.rmdir(dirpath)
    return removed


def publish_manifest(lake: Lake, db: Path, version: str) -> None:
    """After a commit: `_manifest.json` lists the live files (for readers outside gosmart),
    and files no longer named by this or the previous manifest are deleted."""
    con = duckdb.connect(":memory:")
    try:
        con.execute("ATTACH ? AS s (READ_ONLY)", [str(db)])
        rows = con.execute(
            "SELECT path, dataset, source_id, grain, part, rows FROM s.lake_file ORDER BY path"
        ).fetchall()
    finally:
        con.close()
    previous = _manifest_paths(lake)
    files = [
        dict(zip(("path", "dataset", "source_id", "grain", "part", "rows"), r, strict=True))
        for r in rows
    ]
    tmp = lake.path(TMP_PREFIX + MANIFEST)
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump({"data_version": version, "files": files}, fh, indent=1)
    _publish_file(tmp, lake.path(MANIFEST))
    collect_garbage(lake, {f["path"] for f in files} | previous)
