"""The shared connector core: a source is a declaration plus a pure parser.

A connector module declares one or more `SourceSpec`s and a parser
`parse(raw: bytes, location: str) -> Batch`. The same parser serves the live API
mode (bytes fetched by `gosmart.connectors.http`) and the file mode (bytes read from
`../shared/opendata`). The core validates a batch against the declared table
columns and types and merges it into the store inside the writer's transaction,
with a `source` row for provenance.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from gosmart import lake as lakes
from gosmart import schema
from gosmart.connectors.errors import IngestError
from gosmart.store import insert_rows

# The licence most Taiwanese government data is published under.
OGDL = "Open Government Data License, version 1.0 (Taiwan)"

# What connectors may write, from the store's one schema (gosmart.schema): each table's
# columns and their kinds ('str', 'float', 'int', 'date', 'ts', 'bool', 'list', and
# 'category': text repeated on many rows, an observation's series, held as codes into its
# distinct values), the key a load merges on, and the columns no loaded row may leave empty.
_LOADED = [t for t in schema.TABLES.values() if t.loaded]
TABLE_COLUMNS: dict[str, dict[str, str]] = {
    t.name: {c.name: c.load_kind for c in t.load_columns()} for t in _LOADED
}
TABLE_KEYS: dict[str, list[str]] = {t.name: list(t.load_key) for t in _LOADED}
REQUIRED: dict[str, list[str]] = {
    t.name: [c.name for c in t.load_columns() if c.required] for t in _LOADED
}
# Descriptive columns one source may know and another not (a station register's English
# name and type, next to the bare ids and places a feed of readings sends): a row that
# replaces another source's keeps these where it leaves them empty.
FILLED_IN: dict[str, tuple[str, ...]] = {
    t.name: tuple(c.name for c in t.columns if c.filled_in)
    for t in _LOADED
    if any(c.filled_in for c in t.columns)
}
# How text columns are handed to DuckDB: Arrow strings, which it scans without copying.
ARROW_STRING = pd.StringDtype("pyarrow")


@dataclass
class Batch:
    """What a parser returns: frames by target table, plus what the parser noticed.

    `note` is stored after the spec's note in the source row (publisher remarks, breaks
    found in the data); `markers` counts the publisher's non-value markers read as missing
    values (and other cell markers such as revisions), per marker, for the run table.
    """

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    note: str | None = None
    markers: dict[str, int] = field(default_factory=dict)

    def add(self, table: str, frame: pd.DataFrame) -> None:
        if table in self.tables:
            frame = pd.concat([self.tables[table], frame], ignore_index=True)
        self.tables[table] = frame

    def rows(self) -> int:
        return sum(len(f) for f in self.tables.values())

    def count_markers(self, counts: dict[str, int]) -> None:
        for marker, n in counts.items():
            if n:
                self.markers[marker] = self.markers.get(marker, 0) + n


Parser = Callable[[bytes, str], Batch]
# Some sources are several files that only make sense together (readings plus the
# table of where each sensor stands): they parse the whole set at once, by file name.
SetParser = Callable[[dict[str, bytes]], Batch]
# A live fetcher gets the shared HTTP session and returns (raw bytes, URL without secrets)
# pairs, each of which goes through the same parser as the file mode.
Fetcher = Callable[[Any], list[tuple[bytes, str]]]


@dataclass(frozen=True)
class SourceSpec:
    """Everything the core needs to know about one source; no code beyond the parser."""

    source_id: str
    connector: str
    publisher: str
    title: str
    licence: str
    attribution: str
    parse: Parser
    url: str | None = None  # public page or API endpoint
    files: tuple[str, ...] = ()  # paths relative to the opendata folder (file mode)
    kind: str = "file"  # 'file' | 'reported' (news figures)
    third_party: bool = False
    key_env: str | None = None  # environment variable holding an API key
    fetch: Fetcher | None = None  # live mode; None for file-only sources
    note: str | None = None
    parse_set: SetParser | None = None  # file mode: all `files` at once instead of one by one
    # A feed of readings whose API serves only a recent window (the current hour, the last
    # day): a load adds and updates rows and keeps what earlier loads stored, so polling it
    # builds up a history. Other sources are replaced whole by each load.
    accumulates: bool = False


def sha256_bytes(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _coerce(source_id: str, location: str, table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Check a frame against the declared columns and types; never guess a value."""
    declared = TABLE_COLUMNS.get(table)
    if declared is None:
        raise IngestError(source_id, location, f"unknown target table {table!r}")
    extra = [c for c in frame.columns if c not in declared]
    if extra:
        raise IngestError(source_id, location, f"{table}: unexpected column(s) {', '.join(extra)}")
    missing = [c for c in REQUIRED[table] if c not in frame.columns]
    if missing:
        raise IngestError(source_id, location, f"{table}: missing column(s) {', '.join(missing)}")
    columns: dict[str, pd.Series] = {}  # declared columns the batch has (others stay NULL)
    for col, kind in declared.items():
        if col not in frame.columns:
            continue
        s = frame[col]
        try:
            if kind == "float":
                s = s if s.dtype == "float64" else pd.to_numeric(s).astype("float64")
            elif kind == "int":
                s = pd.to_numeric(s, errors="raise").astype("Int64")
            elif kind == "ts":
                s = s if pd.api.types.is_datetime64_dtype(s.dtype) else pd.to_datetime(s)
            elif kind == "date":  # midnight timestamps: DuckDB casts them to DATE on insert
                s = pd.to_datetime(s, errors="raise").dt.normalize()
            elif kind == "bool":
                s = s.astype(bool)
            elif kind == "category":
                s = _categories(s)
            elif s.dtype != ARROW_STRING:
                s = s.astype(ARROW_STRING)  # Arrow strings: DuckDB scans them fast
        except (ValueError, TypeError) as exc:
            expected = "text" if kind == "category" else kind
            raise IngestError(
                source_id, location, f"{table}.{col}: expected {expected}, got {str(exc)[:120]}"
            ) from None
        columns[col] = s
    for col in REQUIRED[table]:
        empty = int(columns[col].isna().sum())
        if empty:
            raise IngestError(source_id, location, f"{table}.{col}: {empty} empty value(s)")
    return pd.DataFrame(columns, copy=False)


def _categories(values: pd.Series) -> pd.Series:
    """Text as codes into its distinct values, only those present; anything but text refused."""
    s = values if isinstance(values.dtype, pd.CategoricalDtype) else values.astype("category")
    s = s.cat.remove_unused_categories()
    if len(s.cat.categories) and not pd.api.types.is_string_dtype(s.cat.categories):
        raise TypeError(f"{s.cat.categories.dtype} values")
    return s


def _key_codes(values: pd.Series) -> np.ndarray:
    """Integers that are equal exactly where the key values are (timestamps as themselves)."""
    if pd.api.types.is_datetime64_dtype(values.dtype):
        return values.to_numpy().view("int64")
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy()
    return pd.factorize(values)[0]


def _refuse_duplicate_keys(frame: pd.DataFrame, source_id: str, location: str, table: str) -> None:
    """No key twice in one batch. Rows already in key order (what parsers mostly send) are
    checked in one pass; others are sorted first. Either way whole-array work, no hashing."""
    keys = TABLE_KEYS[table]
    if len(frame) < 2:
        return
    codes = [_key_codes(frame[k]) for k in keys]
    steps = [np.diff(c) for c in codes]
    increasing = steps[-1] > 0
    for step in reversed(steps[:-1]):
        increasing = (step > 0) | ((step == 0) & increasing)
    if increasing.all():
        return
    order = np.lexsort(codes[::-1])
    same = np.logical_and.reduce([np.diff(c[order]) == 0 for c in codes])
    if not same.any():
        return
    rows = np.zeros(len(frame), dtype=bool)
    rows[:-1] |= same
    rows[1:] |= same
    first = frame.iloc[int(order[rows].min())][keys].tolist()
    raise IngestError(
        source_id, location, f"{table}: duplicate key {first} ({int(rows.sum())} rows)"
    )


# Observations are stored under an integer key per (series, source) pair (gosmart/schema.py),
# in the lake (gosmart/lake.py): one Parquet partition per source and month. A source keeps
# its pairs' keys across reloads, so loading the same input twice changes nothing.
SERIES_KEYS = "SELECT series_id, source_id, series_key FROM series_source"
DELETE_SERIES_KEYS = "DELETE FROM series_source WHERE series_key IN (SELECT unnest(?))"
SOURCE_MONTHS = (
    "SELECT part, path FROM lake_file WHERE dataset = 'observation' AND source_id = ? ORDER BY part"
)
STORED_OBSERVATIONS = """
SELECT coalesce(sum(rows), 0), min(min_ts), max(max_ts) FROM lake_file
WHERE dataset = 'observation' AND source_id = ?
"""
ADD_SERIES_KEYS = """
INSERT INTO series_source (series_key, series_id, source_id)
SELECT unnest(?::INTEGER[]), unnest(?::VARCHAR[]), ?
"""
# Stands in for the index the observation table lacks: no (series, ts) may be another source's.
OBSERVATION_KEY_CLASH = """
SELECT other.series_id, o.ts, other.source_id
FROM _incoming i
JOIN series_source own ON own.series_key = i.series_key
JOIN series_source other ON other.series_id = own.series_id AND other.source_id <> own.source_id
JOIN observation o ON o.series_key = other.series_key AND o.ts = i.ts
LIMIT 1
"""
# A feed that accumulates: the stored rows of the months it sends that it does not send again.
KEPT = """
SELECT o.series_key, o.ts, o.value FROM ({stored}) o
ANTI JOIN _incoming i ON i.series_key = o.series_key AND i.ts = o.ts
"""


def merge_observations(
    con: duckdb.DuckDBPyConnection,
    source_id: str,
    location: str,
    frame: pd.DataFrame,
    *,
    keep_older: bool = False,
) -> None:
    """Replace the source's observations (or, `keep_older`, only those sent again), each
    series name swapped for its pair's integer key, partition by partition in the lake;
    each partition whose content changed is marked for the next derive.

    The keys are worked out from the small pairs table in Python, so a load runs a
    statement only where something changes.
    """
    lake = lakes.lake_of(con)
    pairs = con.execute(SERIES_KEYS).fetchall()
    key_of = {name: key for name, source, key in pairs if source == source_id}
    stored = bool(key_of)
    names = frame["series_id"].cat.categories
    sent = set(names)
    if stored and not keep_older:
        stale = [key for name, key in key_of.items() if name not in sent]
        if stale:
            con.execute(DELETE_SERIES_KEYS, [stale])
    months_stored: dict[str, list[str]] = {}
    for month, path in con.execute(SOURCE_MONTHS, [source_id]).fetchall():
        months_stored.setdefault(month, []).append(str(lake.path(path)))
    months: set[str] = set() if keep_older else set(months_stored)
    if not frame.empty:
        new = [name for name in names if name not in key_of]
        if new:
            first = max(key for _, _, key in pairs) + 1 if pairs else 1
            added = dict(zip(new, range(first, first + len(new)), strict=True))
            con.execute(ADD_SERIES_KEYS, [list(added.values()), new, source_id])
            key_of.update(added)
        keys = np.array([key_of[name] for name in names], dtype=np.int32)
        ts = frame["ts"].to_numpy()
        incoming = pa.table(  # Arrow: DuckDB scans it with less setup than a DataFrame
            {
                "series_key": keys[frame["series_id"].cat.codes.to_numpy()],
                "ts": ts,
                "value": frame["value"].to_numpy(),
                "month": pd.DatetimeIndex(ts).strftime("%Y-%m").to_numpy(dtype=object),
            }
        )
        con.register("_incoming", incoming)
        if any(name in sent for name, source, _ in pairs if source != source_id):
            clash = con.execute(OBSERVATION_KEY_CLASH).fetchone()
            if clash:
                raise IngestError(
                    source_id,
                    location,
                    f"observation: key {list(clash[:-1])} already loaded by {clash[-1]}",
                )
        months |= {m for (m,) in con.execute("SELECT DISTINCT month FROM _incoming").fetchall()}
    else:
        con.register(
            "_incoming",
            pa.table(
                {
                    "series_key": pa.array([], pa.int32()),
                    "ts": pa.array([], pa.timestamp("us")),
                    "value": pa.array([], pa.float64()),
                    "month": pa.array([], pa.string()),
                }
            ),
        )
    query = "SELECT series_key, ts, value FROM _incoming"
    kept = [f for month in months & set(months_stored) for f in months_stored[month]]
    if keep_older and kept:
        query = f"{KEPT.format(stored=lakes.raw_sql(kept))} UNION ALL {query}"
    con.execute(f"CREATE OR REPLACE TEMP VIEW _merged AS {query}")  # noqa: S608 - SQL from code
    lakes.mark_pending(
        con, source_id, lakes.replace_partitions(con, lake, source_id, "_merged", months)
    )
    con.execute("DROP VIEW _merged")
    con.unregister("_incoming")
    lakes.refresh_view(con, lake)


def _merge_keyed(
    con: duckdb.DuckDBPyConnection,
    source_id: str,
    table: str,
    frame: pd.DataFrame,
    *,
    keep_older: bool = False,
) -> None:
    """Replace the source's rows (unless `keep_older`), and any row under a key the batch
    holds (one DELETE on the key index, cheaper than INSERT OR REPLACE). Where another
    source's row is replaced, its FILLED_IN columns survive where the new row is empty."""
    if frame.empty:
        if not keep_older:
            con.execute(f"DELETE FROM {table} WHERE source_id = ?", [source_id])  # noqa: S608
        return
    con.register("_incoming", frame)
    keys = TABLE_KEYS[table]
    resent = f"({', '.join(keys)}) IN (SELECT {', '.join(keys)} FROM _incoming)"  # noqa: S608
    filled = FILLED_IN.get(table, ())
    replaced = []  # another source's rows under these keys: kept aside, filled in after
    if filled:
        replaced = con.execute(
            f"SELECT {', '.join([*keys, *filled])} FROM {table} "  # noqa: S608
            f"WHERE source_id <> ? AND {resent}",
            [source_id],
        ).fetchall()
    if keep_older:
        con.execute(f"DELETE FROM {table} WHERE {resent}")  # noqa: S608
    else:
        con.execute(f"DELETE FROM {table} WHERE source_id = ? OR {resent}", [source_id])  # noqa: S608
    cols = ", ".join(frame.columns)
    con.execute(  # the source id bound once, not sent as a column of identical strings
        f"INSERT INTO {table} ({cols}, {schema.PROVENANCE}) SELECT {cols}, ? FROM _incoming",  # noqa: S608
        [source_id],
    )
    con.unregister("_incoming")
    if replaced:
        con.register("_replaced", pd.DataFrame(replaced, columns=[*keys, *filled]))
        sets = ", ".join(f"{c} = coalesce(t.{c}, r.{c})" for c in filled)
        match = " AND ".join(f"t.{k} = r.{k}" for k in keys)
        con.execute(f"UPDATE {table} AS t SET {sets} FROM _replaced AS r WHERE {match}")  # noqa: S608
        con.unregister("_replaced")


def load_batch(
    con: duckdb.DuckDBPyConnection,
    spec: SourceSpec,
    batch: Batch,
    *,
    location: str,
    sha256: str,
    kind: str | None = None,
    retrieved_at: datetime | None = None,
) -> int:
    """Validate every table of the batch, then merge it on the key with provenance.

    Rows this source loaded before and no longer sends are replaced: the source's
    rows in each target table are deleted and the new ones inserted, so loading
    the same input twice leaves identical tables. A source that `accumulates` keeps
    its earlier rows and has only those sent again replaced; its `source` row then
    counts and dates everything stored. A key another source loaded is found as its
    table is merged: on an IngestError the caller's transaction must be rolled back,
    as `gosmart.store.writing` does. Returns the rows of this batch.
    """
    checked = {t: _coerce(spec.source_id, location, t, f) for t, f in batch.tables.items()}
    for table, frame in checked.items():
        _refuse_duplicate_keys(frame, spec.source_id, location, table)
    keep_older = spec.accumulates
    for table, frame in checked.items():
        if table == "observation":
            merge_observations(con, spec.source_id, location, frame, keep_older=keep_older)
        else:
            _merge_keyed(con, spec.source_id, table, frame, keep_older=keep_older)
    loaded = sum(len(f) for f in checked.values())
    rows, period = loaded, _period(checked)
    if keep_older:
        rows, period = _stored(con, spec.source_id, list(checked), period)
    con.execute("DELETE FROM source WHERE source_id = ?", [spec.source_id])
    insert_rows(  # delete, then insert: cheaper than INSERT OR REPLACE on the key index
        con,
        "source",
        [
            {
                "source_id": spec.source_id,
                "connector": spec.connector,
                "publisher": spec.publisher,
                "title": spec.title,
                "url": spec.url,
                "location": location,
                "licence": spec.licence,
                "attribution": spec.attribution,
                "kind": kind or spec.kind,
                "third_party": spec.third_party,
                "retrieved_at": retrieved_at or datetime.now(UTC).replace(tzinfo=None),
                "sha256": sha256,
                "rows": rows,
                "period_start": period[0],
                "period_end": period[1],
                "note": " ".join(n for n in (spec.note, batch.note) if n) or None,
            }
        ],
    )
    return loaded


def _stored(
    con: duckdb.DuckDBPyConnection,
    source_id: str,
    tables: list[str],
    period: tuple[date | None, date | None],
) -> tuple[int, tuple[date | None, date | None]]:
    """Rows the store holds from a source in the given tables, and the period its
    observations cover (else the batch's `period`)."""
    rows = 0
    for table in tables:
        if table == "observation":
            n, first, last = con.execute(STORED_OBSERVATIONS, [source_id]).fetchone()
            rows += n
            if n:
                period = (first.date(), last.date())
        else:
            rows += con.execute(
                f"SELECT count(*) FROM {table} WHERE source_id = ?",  # noqa: S608 - names from code
                [source_id],
            ).fetchone()[0]
    return rows, period


def _period(tables: dict[str, pd.DataFrame]) -> tuple[date | None, date | None]:
    starts, ends = [], []
    for table, col in (
        ("observation", "ts"),
        ("indicator_value", "period_start"),
        ("milestone", "as_of_date"),
    ):
        f = tables.get(table)
        if f is not None and not f.empty:
            s = pd.to_datetime(f[col])
            starts.append(s.min().date())
            ends.append(s.max().date())
    return (min(starts) if starts else None, max(ends) if ends else None)
