"""`gosmart ingest`: parse every source, load them in one transaction, derive city values.

Failure policy (all or nothing): every source is parsed first; if any source fails
(missing file, malformed bytes, changed schema, network error) or the load or the
derivation fails, the whole write is abandoned, so the stored data stay exactly as
they were. The failed run is then recorded on its own in `ingest_run` (a log, not
data), the table printed at the end names the source and the reason, and the exit
code is 1. Re-running the same input leaves every data table identical; only the
run log and the data-version stamp change. File-mode `retrieved_at` is the file's
modification time, so `source` rows do not change either.

Three ways in, one parser per source: live (`gosmart ingest SOURCE`), the open-data folder
(`--from DIR`, each file named by its path in the folder), and files given by hand
(`SOURCE --file PATH`: a saved API response or a download, named by its absolute path).
The run table counts, per source, the publisher's markers its parser read as missing
values (and revisions).
"""

from __future__ import annotations

import hashlib
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from gosmart.connectors.catalog import all_specs
from gosmart.connectors.core import Batch, SourceSpec, load_batch, sha256_bytes
from gosmart.connectors.derive import derive
from gosmart.connectors.errors import IngestError
from gosmart.connectors.secrets import scrub
from gosmart.connectors.status import period_text, source_grains
from gosmart.registry import load_registry
from gosmart.resources import REGISTRY_DIR
from gosmart.store import insert_rows, writing

# Tables where several files or pages of one source repeat the same row (a series, a station).
DIMENSION_TABLES = ("series", "station")


@dataclass
class Outcome:
    """What happened to one source in this run."""

    source_id: str
    status: str = "ok"  # 'ok' | 'failed' | 'skipped'
    error: str | None = None
    rows: int = 0
    started_at: datetime = field(default_factory=lambda: _now())
    ended_at: datetime | None = None
    batch: Batch | None = None
    location: str = ""
    sha256: str = ""
    kind: str = "file"
    retrieved_at: datetime | None = None
    markers: dict[str, int] = field(default_factory=dict)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def merge_batches(batches: list[Batch]) -> Batch:
    """One batch from several files or pages; identical dimension rows appear once, notes
    and marker counts are kept."""
    merged = Batch()
    for b in batches:
        for table, frame in b.tables.items():
            merged.add(table, frame)
        merged.count_markers(b.markers)
    notes = list(dict.fromkeys(b.note for b in batches if b.note))
    merged.note = " ".join(notes) or None
    for table in DIMENSION_TABLES:
        if table in merged.tables:
            frame = merged.tables[table]
            merged.tables[table] = frame.drop_duplicates(
                subset=[c for c in frame.columns]
            ).reset_index(drop=True)
    return merged


def _combined_sha(hashes: list[str]) -> str:
    return hashes[0] if len(hashes) == 1 else hashlib.sha256("".join(hashes).encode()).hexdigest()


def _parse_files(
    spec: SourceSpec, named: dict[str, Path], outcome: Outcome, location: str | None = None
) -> None:
    """Parse files (keyed by the name the parser sees) with the spec's parser, the same as
    live mode's; the outcome gets their provenance (modification time, names, checksum)."""
    for path in named.values():
        if not path.is_file():
            raise IngestError(spec.source_id, str(path), "file not found")
    raws = {name: path.read_bytes() for name, path in named.items()}
    if spec.parse_set is not None:
        outcome.batch = spec.parse_set(raws)
    else:
        outcome.batch = merge_batches([spec.parse(raw, name) for name, raw in raws.items()])
    mtime = max(path.stat().st_mtime for path in named.values())
    outcome.retrieved_at = datetime.fromtimestamp(mtime, UTC).replace(tzinfo=None)
    outcome.location = location or ", ".join(named)
    outcome.sha256 = _combined_sha([sha256_bytes(r) for r in raws.values()])
    outcome.kind = spec.kind


def read_files(spec: SourceSpec, from_dir: Path, outcome: Outcome) -> None:
    """File mode: the spec's files in the open-data folder, named as the spec names them."""
    _parse_files(spec, {name: from_dir / name for name in spec.files}, outcome)


def read_given_files(spec: SourceSpec, paths: list[Path], outcome: Outcome) -> None:
    """`--file`: files saved or downloaded by hand, each named by its path. A source read as
    a set needs every file of the set, matched by file name."""
    given = [Path(p).resolve() for p in paths]
    if spec.parse_set is None:
        _parse_files(spec, {str(p): p for p in given}, outcome)
        return
    by_name = {p.name: p for p in given}
    missing = [n for n in spec.files if Path(n).name not in by_name]
    if missing:
        raise IngestError(
            spec.source_id,
            ", ".join(map(str, given)),
            f"read as a set: give every file of it; missing {', '.join(missing)}",
        )
    named = {n: by_name[Path(n).name] for n in spec.files}
    _parse_files(spec, named, outcome, location=", ".join(str(p) for p in named.values()))


def fetch_live(spec: SourceSpec, session: object, outcome: Outcome) -> None:
    """Live mode: the spec fetches with the shared session; each response goes through `parse`."""
    if spec.fetch is None:
        raise IngestError(spec.source_id, spec.url or "-", "no live feed; load it with --from DIR")
    pages = spec.fetch(session)
    if not pages:
        raise IngestError(spec.source_id, spec.url or "-", "the feed returned nothing")
    outcome.batch = merge_batches([spec.parse(raw, url) for raw, url in pages])
    outcome.location = (
        pages[0][1] if len(pages) == 1 else f"{pages[0][1]} (+{len(pages) - 1} pages)"
    )
    outcome.sha256 = _combined_sha([sha256_bytes(raw) for raw, _ in pages])
    outcome.kind = "live" if spec.kind == "file" else spec.kind
    outcome.retrieved_at = _now()


def _one_line(exc: BaseException) -> str:
    text = str(exc) if isinstance(exc, IngestError) else scrub(f"{type(exc).__name__}: {exc}")
    return " ".join(text.split())[:300]


def _select(sources: list[str] | None) -> list[SourceSpec]:
    specs = all_specs()
    if not sources:
        return list(specs.values())
    unknown = [s for s in sources if s not in specs]
    if unknown:
        raise IngestError(", ".join(unknown), "-", f"unknown source; known: {', '.join(specs)}")
    return [specs[s] for s in sources]


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def _parse_all(
    specs: list[SourceSpec], step: Callable[[SourceSpec, Outcome], None], console: Console
) -> list[Outcome]:
    outcomes = []
    with _progress(console) as progress:
        task = progress.add_task("reading sources", total=len(specs))
        for spec in specs:
            progress.update(task, description=f"reading {spec.source_id}")
            outcome = Outcome(spec.source_id)
            try:
                step(spec, outcome)
            except Exception as exc:  # a source's own failure is reported, never a traceback
                outcome.status, outcome.error = "failed", _one_line(exc)
            outcome.ended_at = _now()
            outcomes.append(outcome)
            progress.advance(task)
    return outcomes


def _load_all(
    con: duckdb.DuckDBPyConnection, specs: dict[str, SourceSpec], outcomes: list[Outcome]
) -> None:
    for outcome in outcomes:
        if outcome.status != "ok" or outcome.batch is None:
            continue
        outcome.markers = dict(outcome.batch.markers)
        try:
            outcome.rows = load_batch(
                con,
                specs[outcome.source_id],
                outcome.batch,
                location=outcome.location,
                sha256=outcome.sha256,
                kind=outcome.kind,
                retrieved_at=outcome.retrieved_at,
            )
        except Exception as exc:
            outcome.status, outcome.error = "failed", _one_line(exc)
        outcome.batch = None


def _record_runs(con: duckdb.DuckDBPyConnection, run_id: str, outcomes: list[Outcome]) -> None:
    rows = [
        {
            "run_id": run_id,
            "connector": o.source_id,
            "started_at": o.started_at,
            "ended_at": o.ended_at,
            "status": o.status,
            "rows": o.rows,
            "error": o.error,
        }
        for o in outcomes
        if o.status != "skipped"
    ]
    insert_rows(con, "ingest_run", rows)


class _Abandon(Exception):
    """Raised inside the writer to throw the whole new version away."""


def _summary(
    con: duckdb.DuckDBPyConnection,
) -> dict[str, tuple[date | None, date | None, int, int | None, str | None]]:
    """Per source: the period and cities of what the store holds from it, its rows, and the
    grain its period is written at."""
    rows = con.execute(
        """
        SELECT s.source_id, s.period_start, s.period_end,
               (SELECT count(DISTINCT city_id) FROM (
                    SELECT city_id FROM indicator_value v WHERE v.source_id = s.source_id
                    UNION SELECT city_id FROM series r WHERE r.source_id = s.source_id)),
               s.rows
        FROM source s
        """
    ).fetchall()
    grains = source_grains(con)
    return {r[0]: (r[1], r[2], r[3], r[4], grains.get(r[0])) for r in rows}


def marker_counts(markers: dict[str, int]) -> str:
    """'ND 3 · # 2': the publisher's markers read in this run, most frequent first."""
    ranked = sorted(markers.items(), key=lambda kv: (-kv[1], kv[0]))
    return " · ".join(f"{m} {n:,}" for m, n in ranked) or "-"


def print_table(console: Console, outcomes: list[Outcome], summary: dict) -> None:
    table = Table(title="gosmart ingest")
    for col in ("source", "rows", "period covered", "cities", "markers read", "status"):
        table.add_column(col, justify="right" if col in ("rows", "cities") else "left")
    for o in outcomes:
        start, end, cities, stored, grain = summary.get(o.source_id, (None, None, 0, None, None))
        period = period_text(start, end, grain)
        status = {"ok": "[green]ok", "skipped": f"[dim]skipped: {o.error}"}.get(
            o.status, f"[red]failed: {o.error}"
        )
        rows = f"{o.rows:,}" if o.status == "ok" else "-"
        if o.status == "ok" and stored is not None and stored != o.rows:
            rows += f" of {stored:,} stored"  # a feed that accumulates: period and cities too
        table.add_row(
            o.source_id, rows, period, str(cities or "-"), marker_counts(o.markers), status
        )
    console.print(table)


def run_ingest(
    db: Path,
    sources: list[str] | None = None,
    from_dir: Path | None = None,
    files: list[Path] | None = None,
    registry: Path = REGISTRY_DIR,
    lake: str | Path | None = None,
) -> int:
    """Load the named sources (live), every source's files in `from_dir`, or `files` through
    the one named source's parser, with the registry in `registry` (tests load one of their
    own), raw observations into the lake (`lake`, else the store's); then derive what
    changed. 0 when all succeed."""
    console, err = Console(), Console(stderr=True)
    if not console.is_terminal:
        console.width = max(console.width, 170)
    specs = _select(sources)
    run_id = f"{_now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    if files:
        if len(specs) != 1 or from_dir is not None:
            raise IngestError("ingest", "--file", "name exactly one SOURCE, without --from")

        def step(spec: SourceSpec, outcome: Outcome) -> None:
            read_given_files(spec, files, outcome)
    elif from_dir is not None:
        from_dir = Path(from_dir)
        if not from_dir.is_dir():
            raise IngestError("ingest", str(from_dir), "not a folder")

        def step(spec: SourceSpec, outcome: Outcome) -> None:
            if not spec.files:
                outcome.status, outcome.error = "skipped", "no files (live feed only)"
                return
            read_files(spec, from_dir, outcome)
    else:
        from gosmart.connectors.http import make_session

        session = make_session()

        def step(spec: SourceSpec, outcome: Outcome) -> None:
            fetch_live(spec, session, outcome)

    outcomes = _parse_all(specs, step, err)
    by_id = {s.source_id: s for s in specs}
    summary: dict = {}
    try:
        with writing(db, lake=lake) as con:
            if any(o.status == "failed" for o in outcomes):
                raise _Abandon
            loaded = Outcome("registry")
            try:
                load_registry(con, registry)
            except Exception as exc:
                loaded.status, loaded.error = "failed", _one_line(exc)
                outcomes.insert(0, loaded)
                raise _Abandon from None
            with err.status("loading into the store"):
                _load_all(con, by_id, outcomes)
            if any(o.status == "failed" for o in outcomes):
                raise _Abandon
            with err.status("deriving what changed"):
                try:
                    derive(con)
                except duckdb.Error as exc:
                    outcomes.append(Outcome("derive", status="failed", error=_one_line(exc)))
                    raise _Abandon from None
            _record_runs(con, run_id, outcomes)
            summary = _summary(con)
    except _Abandon:
        for o in outcomes:
            if o.status == "ok":
                o.status, o.error = "failed", "not stored (another source failed)"
        with writing(db, lake=lake) as con:
            _record_runs(con, run_id, outcomes)
    print_table(console, outcomes, summary)
    if any(o.status == "failed" for o in outcomes):
        failed = [
            o.source_id
            for o in outcomes
            if o.status == "failed" and not o.error.startswith("not stored")
        ]
        print(
            f"gosmart ingest: nothing stored, the store is unchanged; failed: {', '.join(failed)}",
            file=sys.stderr,
        )
        return 1
    return 0
