"""The bundled snapshot: the store's small tables as Parquet, so a fresh machine starts offline.

`build_snapshot` writes every table except raw `series`/`observation` (city- and
station-level values are what the dashboard reads) as zstd Parquet, sorted so that
rebuilding unchanged data gives byte-identical files, plus `manifest.json`
(per file: rows, sha256, sources, licences, attribution, how it was derived).
`load_snapshot` checks every file against the manifest and builds a fresh store
from it in one atomic write.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from gosmart import code_version, schema
from gosmart.resources import read_sql
from gosmart.store import (
    EFFECT_FILLS,
    StoreError,
    connect_read,
    data_version,
    version_time,
    writing,
)

# Raw observations stay out: they are large and rebuilt by `gosmart ingest`; so does the
# store's catalogue of its raw lake (gosmart/lake.py) and of what the derive read.
EXCLUDED = {
    "observation",
    "series_source",
    "series",
    "meta",
    "lake_file",
    "lake_pending",
    "derive_input",
}
MANIFEST = "manifest.json"
DERIVATION = {
    "indicator_value": "City-level values per period derived from observations by "
    "connectors/sql/derive.sql (mean or sum as the indicator says; coverage = share of "
    "expected raw points present; per capita with the population of that year or the "
    "nearest earlier one), or loaded at city grain by a connector.",
    "station_value": "Monthly values per station, and annual ones (from an annual series, "
    "else the mean of the station's months), derived from observations by "
    "connectors/sql/derive.sql.",
    "source": "One row per loaded source: publisher, licence, URL, retrieval time, sha256.",
    "ingest_run": "The latest run of each connector.",
    "milestone": "Figures reported in news and press releases, each with its URL.",
    "effect": "Effect estimates written by `gosmart evidence`.",
    "effect_path": "Observed and counterfactual paths written by `gosmart evidence`.",
    "placebo": "Placebo runs written by `gosmart evidence`.",
}
REGISTRY_TABLES = {"city", "indicator", "project", "project_date", "project_indicator", "event"}
# ingest_run keeps only the latest run per connector in the snapshot.
SELECT_LATEST_RUNS = """
    SELECT * FROM ingest_run
    QUALIFY row_number() OVER (PARTITION BY connector ORDER BY started_at DESC) = 1
"""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [t for t in schema.stored_tables(con) if t not in EXCLUDED]


def _provenance(con: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> dict:
    if table in REGISTRY_TABLES:
        return {
            "source_ids": [],
            "licence": "MIT (project registry, datasets/registry/)",
            "attribution": "GO SMART Evidence registry; each row names its source URL where it has one",
        }
    if "source_id" in columns:
        query = (
            f"SELECT DISTINCT t.source_id, s.licence, s.attribution FROM {table} t "  # noqa: S608
            "LEFT JOIN source s USING (source_id) ORDER BY 1"
        )
    elif "indicator_id" in columns:  # evidence tables: the sources of the values they used
        inner = f"(SELECT DISTINCT indicator_id FROM {table})"  # noqa: S608 - schema name
        query = (
            "SELECT DISTINCT v.source_id, s.licence, s.attribution FROM indicator_value v "  # noqa: S608
            f"JOIN {inner} t USING (indicator_id) LEFT JOIN source s USING (source_id) ORDER BY 1"
        )
    else:
        return {"source_ids": [], "licence": None, "attribution": None}
    rows = con.execute(query).fetchall()
    return {
        "source_ids": [r[0] for r in rows],
        "licence": sorted({r[1] for r in rows if r[1]}),
        "attribution": sorted({r[2] for r in rows if r[2]}),
    }


def build_snapshot(db: Path, out_dir: Path) -> dict:
    """Write the snapshot folder from the store at `db`; returns the manifest."""
    out_dir = Path(out_dir)
    con = connect_read(db)
    tmp = out_dir.with_name(f"{out_dir.name}.tmp-{uuid.uuid4().hex[:8]}")
    tmp.mkdir(parents=True)
    try:
        files = {}
        for table in _tables(con):
            columns = schema.stored_columns(con, table)
            n = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
            if n == 0:
                continue
            query = SELECT_LATEST_RUNS if table == "ingest_run" else f"SELECT * FROM {table}"  # noqa: S608
            target = tmp / f"{table}.parquet"
            # The path goes to DuckDB as an argument, never into SQL text.
            writer = con.cursor()
            writer.execute("USE store")
            writer.sql(f"{query} ORDER BY ALL").write_parquet(
                str(target), compression="zstd", row_group_size=100_000
            )
            rows = con.execute("SELECT count(*) FROM read_parquet(?)", [str(target)]).fetchone()[0]
            files[target.name] = {
                "table": table,
                "rows": rows,
                "sha256": _sha256(target),
                "derivation": DERIVATION.get(
                    table,
                    "Registry table loaded from datasets/registry/."
                    if table in REGISTRY_TABLES
                    else "Loaded by the connectors.",
                ),
                **_provenance(con, table, columns),
            }
        manifest = {
            "data_version": data_version(con),
            "code_version": code_version(),
            "note": "Derived city- and station-level values only; raw observations are rebuilt "
            "by `gosmart ingest --from ../shared/opendata`.",
            "files": files,
        }
        con.close()
        (tmp / MANIFEST).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
        )
        old = out_dir.with_name(f"{out_dir.name}.old-{uuid.uuid4().hex[:8]}")
        if out_dir.exists():
            out_dir.rename(old)
        tmp.rename(out_dir)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


def read_manifest(snapshot_dir: Path) -> dict:
    path = Path(snapshot_dir) / MANIFEST
    if not path.is_file():
        raise StoreError(f"no snapshot at {snapshot_dir} (missing {MANIFEST})")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise StoreError(f"{path}: not valid JSON ({exc.msg})") from None


def snapshot_built_at(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """When the snapshot this store was loaded from was built; None for a store not loaded
    from one. Loads after that moment (`ingest_run`) were made in this store: the snapshot's
    own runs all came before it."""
    meta = dict(con.execute(read_sql("gosmart", "snapshot_meta")).fetchall())
    if meta.get("origin") != "snapshot":
        return None
    return version_time(meta.get("snapshot_data_version"))


@dataclass(frozen=True)
class StoreLoads:
    """What the store holds, load by load: `gosmart status` and the app's /healthz show it."""

    built_at: datetime | None  # when the snapshot it was loaded from was built, if it was
    sources: list[dict]  # source_loads.sql rows, each with `from_snapshot`

    @property
    def origin(self) -> str:
        """'snapshot' while every source is the snapshot's copy, else 'ingested' (`gosmart
        ingest` has loaded into the store, or it never was a snapshot)."""
        if self.built_at is not None and all(r["from_snapshot"] for r in self.sources):
            return "snapshot"
        return "ingested"


def store_loads(con: duckdb.DuckDBPyConnection) -> StoreLoads:
    """Each source in the store with its last successful load (`loaded_at`) and whether the
    store's copy is the snapshot's (`from_snapshot`): it is unless it was loaded into this
    store after the snapshot was built."""
    built_at = snapshot_built_at(con)
    cur = con.execute(read_sql("gosmart", "source_loads"))
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    for r in rows:
        r["from_snapshot"] = built_at is not None and (
            r["loaded_at"] is None or r["loaded_at"] <= built_at
        )
    return StoreLoads(built_at, rows)


def stale_snapshot_store(db: Path, snapshot_dir: Path) -> tuple[str, str] | None:
    """(store's snapshot version, bundled version) when `db` holds only a snapshot other than
    the one in `snapshot_dir`; None for a current or unreadable store, and for one that any
    `gosmart ingest` has loaded into (its data is the user's, never replaced)."""
    try:
        bundled = read_manifest(snapshot_dir).get("data_version", "")
        con = connect_read(db)
    except (StoreError, duckdb.Error):
        return None
    try:
        built = dict(con.execute(read_sql("gosmart", "snapshot_meta")).fetchall())
        if built.get("snapshot_data_version", "") == bundled:
            return None
        if store_loads(con).origin != "snapshot":
            return None
    except duckdb.Error:
        return None
    finally:
        con.close()
    return built.get("snapshot_data_version", ""), bundled


def load_snapshot(snapshot_dir: Path, db: Path) -> dict[str, int]:
    """Build a fresh store at `db` from the snapshot; refuses files that fail their checksum."""
    snapshot_dir = Path(snapshot_dir)
    manifest = read_manifest(snapshot_dir)
    for name, info in manifest["files"].items():
        path = snapshot_dir / name
        if not path.is_file():
            raise StoreError(f"snapshot file missing: {path}")
        if _sha256(path) != info["sha256"]:
            raise StoreError(f"snapshot file changed since it was built (sha256): {path}")
    counts: dict[str, int] = {}
    with writing(db, fresh=True) as con:
        known = (set(schema.TABLES) - EXCLUDED) | {"series"}
        for name, info in manifest["files"].items():
            table = info["table"]
            if table not in known:
                raise StoreError(f"snapshot table {table!r} is not in the schema ({name})")
            path = snapshot_dir / name
            con.execute(
                f"INSERT INTO {table} BY NAME SELECT * FROM read_parquet(?)",  # noqa: S608
                [str(path)],
            )
            counts[table] = info["rows"]
        for fill in EFFECT_FILLS:  # a snapshot older than the effect columns they fill
            con.execute(read_sql("gosmart", fill))
        con.execute("INSERT OR REPLACE INTO meta VALUES ('origin', 'snapshot')")
        con.execute(
            "INSERT OR REPLACE INTO meta VALUES ('snapshot_data_version', ?)",
            [manifest.get("data_version", "")],
        )
    return counts
