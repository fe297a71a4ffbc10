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

A lake is a local folder or an object-store URL (`s3://bucket/prefix`, `gs://…`, any fsspec
protocol whose package is installed). On an object store an upload is already all or
nothing, so files are written locally, uploaded under their final unique name, and DuckDB
reads them through the same fsspec file system registered on its connection.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
SOURCE_PARTITIONS = (
    "SELECT part, rows, fingerprint FROM lake_file WHERE dataset = 'observation' AND source_id = ?"
)
DROP_PARTITIONS = (
    "DELETE FROM lake_file WHERE dataset = 'observation' AND source_id = ? "
    "AND part IN (SELECT unnest(?::VARCHAR[]))"
)
STAGED_FILES = (
    "SELECT filename, count(*) FROM read_parquet(?, hive_partitioning = true, "
    "hive_types_autocast = false, filename = true) GROUP BY filename ORDER BY filename"
)
ADD_FILE = """
INSERT INTO lake_file (path, dataset, source_id, grain, part, rows, min_ts, max_ts, fingerprint)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
ADD_FILES = """
INSERT INTO lake_file (path, dataset, source_id, grain, part, rows, min_ts, max_ts, fingerprint)
SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),
       unnest(?::VARCHAR[]), unnest(?::BIGINT[]), unnest(?::TIMESTAMP[]), unnest(?::TIMESTAMP[]),
       unnest(?::VARCHAR[])
"""
# What each month's partition holds, order-free: rows and a sum of row hashes (for
# "unchanged?" only), and its time span.
MONTH_CONTENT = (
    "SELECT month, count(*), coalesce(sum(hash(series_key, ts, value)), 0)::VARCHAR, min(ts), "
    "max(ts) FROM _lake_new GROUP BY month"
)


class LakeError(RuntimeError):
    """A lake that cannot be used as configured: a one-line message."""


def is_remote(root: str | Path) -> bool:
    """An object-store URL (s3://, gs://, …), as opposed to a local folder."""
    text = str(root)
    return "://" in text and not text.startswith("file://")


def normalise(root: str | Path) -> str:
    """How a lake's root is recorded: an absolute local path, or the URL without a trailing /."""
    if is_remote(root):
        return str(root).rstrip("/")
    text = str(root)
    return str(Path(text.removeprefix("file://")).resolve())


@functools.cache
def filesystem(url: str) -> Any:
    """The fsspec file system behind an object-store URL (one per root and process)."""
    try:
        import fsspec

        fs, _ = fsspec.core.url_to_fs(url)
    except ImportError as exc:
        protocol = url.split("://", 1)[0]
        raise LakeError(
            f"a {protocol}:// lake needs its file system package ({exc.name or exc}): "
            "pip install 'gosmart[s3]' for s3://, or the fsspec package for the protocol"
        ) from None
    except ValueError as exc:
        raise LakeError(f"the lake {url} cannot be opened: {exc}") from None
    return fs


def register(con: duckdb.DuckDBPyConnection, root: str | Path) -> None:
    """Let `con` read an object-store lake's files (no-op for a local folder)."""
    if not is_remote(root):
        return
    with contextlib.suppress(duckdb.InvalidInputException):  # already registered on `con`
        con.register_filesystem(filesystem(normalise(root)))


@dataclass(frozen=True)
class Lake:
    """A lake rooted at a local folder or an object-store URL (see `normalise`)."""

    root: str

    @property
    def remote(self) -> bool:
        return is_remote(self.root)

    def path(self, relative: str) -> str:
        """A file's full name as DuckDB reads it: a local path, or the object's URL."""
        return f"{self.root}/{relative}"

    def spark_path(self, relative: str) -> str:
        """The same for Spark, whose Hadoop file system calls S3 `s3a://`."""
        full = self.path(relative)
        return "s3a://" + full.removeprefix("s3://") if full.startswith("s3://") else full

    def files(self, con: duckdb.DuckDBPyConnection, dataset: str) -> list[str]:
        """Full names of a dataset's live files, as the connected store names them."""
        return [self.path(r[0]) for r in con.execute(LIVE_FILES, [dataset]).fetchall()]

    def staging_file(self, relative: str) -> Path:
        """Where a file is written before it is published under `relative`: beside its final
        name (so a rename publishes it) for a local lake, a local temporary file otherwise."""
        if self.remote:
            return Path(tempfile.gettempdir()) / f"{TMP_PREFIX}gosmart-{uuid.uuid4().hex}.parquet"
        final = Path(self.path(relative))
        final.parent.mkdir(parents=True, exist_ok=True)
        return final.with_name(TMP_PREFIX + final.name)

    def staging_dir(self) -> Path:
        """A folder for a partitioned write, on the lake's own disk when it is local."""
        if self.remote:
            return Path(tempfile.mkdtemp(prefix="gosmart-staging-"))
        folder = Path(self.path(f"_staging/{uuid.uuid4().hex}"))
        folder.parent.mkdir(parents=True, exist_ok=True)
        return folder

    def publish(self, written: Path, relative: str) -> None:
        """A complete file under its final name, or nothing: fsync and rename on a local
        disk; one upload (atomic on an object store) otherwise, then the local copy goes."""
        if not self.remote:
            final = Path(self.path(relative))
            final.parent.mkdir(parents=True, exist_ok=True)
            _publish_file(written, final)
            return
        fs = filesystem(self.root)
        try:
            fs.put_file(str(written), self.path(relative))
        finally:
            with contextlib.suppress(FileNotFoundError):
                written.unlink()

    def listing(self) -> list[str]:
        """Every file under the root, relative to it (temporary ones included)."""
        if not self.remote:
            root = Path(self.root)
            return [
                (Path(d) / n).relative_to(root).as_posix()
                for d, _, names in os.walk(root)
                for n in names
            ]
        fs = filesystem(self.root)
        base = fs._strip_protocol(self.root).rstrip("/")
        fs.invalidate_cache()
        return [p[len(base) + 1 :] for p in fs.find(base)]

    def remove(self, relatives: list[str]) -> None:
        """Delete files (missing ones are fine) and, on a local disk, the folders they empty."""
        if not relatives:
            return
        if self.remote:
            fs = filesystem(self.root)
            with contextlib.suppress(FileNotFoundError):
                fs.rm([self.path(r) for r in relatives])
            return
        for relative in relatives:
            with contextlib.suppress(FileNotFoundError):
                Path(self.path(relative)).unlink()
        for dirpath, _, _ in os.walk(self.root, topdown=False):
            if dirpath != self.root:
                with contextlib.suppress(OSError):
                    os.rmdir(dirpath)

    def read_text(self, relative: str) -> str:
        if self.remote:
            return filesystem(self.root).cat_file(self.path(relative)).decode("utf-8")
        return Path(self.path(relative)).read_text(encoding="utf-8")

    def write_text(self, relative: str, text: str) -> None:
        """A small file replaced whole (the manifest)."""
        if self.remote:
            filesystem(self.root).pipe_file(self.path(relative), text.encode("utf-8"))
            return
        tmp = Path(self.path(TMP_PREFIX + relative))
        tmp.write_text(text, encoding="utf-8")
        _publish_file(tmp, Path(self.path(relative)))

    def exists(self) -> bool:
        if self.remote:
            fs = filesystem(self.root)
            return bool(fs.exists(self.root))
        return Path(self.root).is_dir()


def default_lake(db: Path) -> Path:
    """The lake beside a store: `gosmart.duckdb` -> `gosmart.lake/`."""
    return Path(db).with_suffix(".lake")


def lake_of(con: duckdb.DuckDBPyConnection) -> Lake:
    """The lake a store writes to, as `gosmart.store.writing` recorded it in `meta`
    (registered on `con` when it is an object store)."""
    row = con.execute("SELECT value FROM meta WHERE key = 'lake'").fetchone()
    if row is None:
        raise LakeError("this store names no lake: open it with gosmart.store.writing")
    register(con, row[0])
    return Lake(row[0])


def attach(con: duckdb.DuckDBPyConnection, root: str | Path) -> Lake:
    """Record the lake in the store (inside the writer's transaction); refuse a different
    lake from the one the store's raw files live in."""
    root = normalise(root)
    row = con.execute("SELECT value FROM meta WHERE key = 'lake'").fetchone()
    if row is not None and row[0] != root:
        (held,) = con.execute("SELECT count(*) FROM lake_file").fetchone()
        if held:
            raise LakeError(
                f"the store's raw observations live in {row[0]}, not {root}: "
                f"move that folder there or set GOSMART_LAKE={row[0]}"
            )
    con.execute("INSERT OR REPLACE INTO meta VALUES ('lake', ?)", [root])
    if is_remote(root):
        register(con, root)
    else:
        Path(root).mkdir(parents=True, exist_ok=True)
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


def replace_partitions(
    con: duckdb.DuckDBPyConnection,
    lake: Lake,
    source_id: str,
    relation: str,
    months: Iterable[str],
) -> list[str]:
    """Make the rows of `relation` (series_key, ts, value), by the month of `ts`, the whole
    content of each of the source's raw partitions in `months` (a listed month with no rows
    is removed). A partition whose content is unchanged keeps its files, so loading the
    same input twice changes nothing; the rest are written in one partitioned pass. Returns
    the months that changed, in order."""
    months = sorted(set(months))
    if not months:
        return []
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _lake_new AS SELECT series_key, ts, value, "  # noqa: S608 - a relation named by code
        f"strftime(ts, '%Y-%m') AS month FROM {relation} "
        "WHERE strftime(ts, '%Y-%m') IN (SELECT unnest(?::VARCHAR[]))",
        [months],
    )
    new = {
        m: (rows, fingerprint, lo, hi)
        for m, rows, fingerprint, lo, hi in con.execute(MONTH_CONTENT).fetchall()
    }
    old: dict[str, tuple[int, set[str]]] = {}
    for part, rows, fingerprint in con.execute(SOURCE_PARTITIONS, [source_id]).fetchall():
        total, prints = old.get(part, (0, set()))
        old[part] = (total + rows, prints | {fingerprint})
    changed = [
        m
        for m in months
        if (m in new or m in old)
        and not (m in new and m in old and old[m] == (new[m][0], {new[m][1]}))
    ]
    if changed:
        con.execute(DROP_PARTITIONS, [source_id, changed])
        written = [m for m in changed if m in new]
        if written:
            _write_months(con, lake, source_id, written, new)
    con.execute("DROP TABLE _lake_new")
    return changed


def mark_pending(con: duckdb.DuckDBPyConnection, source_id: str, months: Iterable[str]) -> None:
    """Queue changed raw partitions for the next derive (`lake_pending`)."""
    con.execute(
        "INSERT OR IGNORE INTO lake_pending SELECT ?, unnest(?::VARCHAR[])",
        [source_id, list(months)],
    )


def _write_months(
    con: duckdb.DuckDBPyConnection,
    lake: Lake,
    source_id: str,
    months: list[str],
    content: dict[str, tuple[int, str, Any, Any]],
) -> None:
    staging = lake.staging_dir()
    try:
        con.execute(
            "COPY (SELECT series_key, ts, value, month FROM _lake_new "  # noqa: S608 - a path made by code, quoted
            "WHERE month IN (SELECT unnest(?::VARCHAR[])) ORDER BY month, ts, series_key) "
            f"TO {quoted(staging)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (month), "
            "FILENAME_PATTERN 'part-{uuid}')",
            [months],
        )
        added = []
        for name, count in con.execute(STAGED_FILES, [f"{staging}/**/*.parquet"]).fetchall():
            path = Path(name)
            month = path.parent.name.split("=", 1)[1]
            relative = f"{partition_dir(OBSERVATION, source_id, month)}/{path.name}"
            lake.publish(path, relative)
            _, fingerprint, lo, hi = content[month]
            added.append(
                [relative, OBSERVATION, source_id, None, month, count, lo, hi, fingerprint]
            )
        if added:
            con.execute(ADD_FILES, [list(column) for column in zip(*added, strict=True)])
    finally:
        shutil.rmtree(staging, ignore_errors=True)


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
    staging = lake.staging_dir()
    con.execute(
        f"""DELETE FROM lake_file f WHERE f.dataset = ? AND EXISTS (
            SELECT 1 FROM {partitions} p
            WHERE p.source_id = f.source_id AND p.grain = f.grain AND p.bucket = f.part)""",  # noqa: S608 - names from code
        [dataset],
    )
    (rows,) = con.execute(f"SELECT count(*) FROM {relation}").fetchone()  # noqa: S608
    if not rows:
        shutil.rmtree(staging, ignore_errors=True)
        return
    con.execute(
        f"COPY (SELECT * FROM {relation} ORDER BY source_id, grain, bucket, series_key, "  # noqa: S608
        f"period_start) TO {quoted(staging)} (FORMAT parquet, COMPRESSION zstd, "
        "PARTITION_BY (source_id, grain, bucket), FILENAME_PATTERN 'part-{uuid}')"
    )
    written = con.execute(STAGED_FILES, [f"{staging}/**/*.parquet"]).fetchall()
    for name, count in written:
        path = Path(name)
        relative = str(path.relative_to(staging))
        keys = dict(p.split("=", 1) for p in Path(relative).parent.parts)
        final_rel = f"{partition_dir(dataset, keys['source_id'], keys['bucket'], keys['grain'])}/{path.name}"
        lake.publish(path, final_rel)
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
    shutil.rmtree(staging, ignore_errors=True)


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
    tmp = lake.staging_file(relative)
    con.execute(
        f"COPY (SELECT * FROM _lake_series ORDER BY series_key) TO {quoted(tmp)} (FORMAT parquet)"  # noqa: S608 - a path made by code, quoted
    )
    lake.publish(tmp, relative)
    con.execute(ADD_FILE, [relative, SERIES, None, None, None, rows, None, None, fingerprint])


def committed(db: Path) -> tuple[str | None, set[str]]:
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
        return (row[0] if row else None), paths
    except duckdb.CatalogException:
        return None, set()
    finally:
        con.close()


def _manifest_paths(lake: Lake) -> set[str]:
    try:
        return {f["path"] for f in json.loads(lake.read_text(MANIFEST))["files"]}
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return set()


def collect_garbage(lake: Lake, keep: set[str]) -> int:
    """Delete the lake's files that neither `keep` nor the last manifest names (and any
    temporary or staging file left by a killed writer); empty folders go too. Returns the
    number of files deleted. Call under the store's write lock only."""
    if not lake.exists():
        return 0
    keep = keep | _manifest_paths(lake)
    doomed = [
        relative
        for relative in lake.listing()
        if relative != MANIFEST
        and relative not in keep
        and (relative.endswith(".parquet") or relative.rsplit("/", 1)[-1].startswith(TMP_PREFIX))
    ]
    lake.remove(doomed)
    return len(doomed)


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
    lake.write_text(MANIFEST, json.dumps({"data_version": version, "files": files}, indent=1))
    collect_garbage(lake, {f["path"] for f in files} | previous)
