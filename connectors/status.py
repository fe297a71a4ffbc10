"""`gosmart status`: every source, who publishes it, its licence, and how fresh the store's copy is."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from gosmart import formats
from gosmart.connectors.catalog import all_specs
from gosmart.snapshot import store_loads
from gosmart.store import connect_read, data_version
from gosmart.vocab import Grain

# The grains a source holds: of its series, and of the city values it loaded directly.
SOURCE_GRAINS = """
SELECT source_id, list(DISTINCT grain) FROM (
    SELECT source_id, grain FROM series
    UNION ALL SELECT source_id, grain FROM indicator_value WHERE source_id IS NOT NULL
) GROUP BY source_id
"""


def source_grains(con: duckdb.DuckDBPyConnection) -> dict[str, str | None]:
    """Per source, the grain its period is written at: its finest, but no finer than a day
    (the store keeps a source's period as dates)."""
    found = {sid: formats.finest(g) for sid, g in con.execute(SOURCE_GRAINS).fetchall()}
    return {sid: Grain.DAILY.value if g == Grain.HOURLY else g for sid, g in found.items()}


def period_text(start: object, end: object, grain: str | None) -> str:
    """A source's period covered, at its grain ('2014–2023', '2018-04 – 2025-09'), or '-'."""
    return formats.span(start, end, grain) if start else "-"


def status_rows(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """One dict per source in the store, plus catalogued sources never loaded."""
    rows = store_loads(con).sources
    grains = source_grains(con)
    for r in rows:
        r["feed"] = f"snapshot ({r['kind']})" if r["from_snapshot"] else r["kind"]
        r["grain"] = grains.get(r["source_id"])
    loaded = {r["source_id"] for r in rows}
    for sid, spec in all_specs().items():
        if sid not in loaded:
            rows.append(
                {
                    "source_id": sid,
                    "publisher": spec.publisher,
                    "licence": spec.licence,
                    "feed": "live" if spec.fetch and not spec.files else spec.kind,
                    "third_party": spec.third_party,
                    "loaded_at": None,
                    "rows": None,
                    "period_start": None,
                    "period_end": None,
                    "grain": None,
                    "status": "never loaded",
                    "error": None,
                }
            )
    return rows


def json_rows(rows: list[dict]) -> list[dict]:
    """The table's rows for machines: the same fields, dates as ISO text, the feed kind apart
    from the third-party flag."""
    return [
        {
            "source_id": r["source_id"],
            "publisher": r["publisher"],
            "licence": r["licence"],
            "feed": r["feed"],
            "third_party": bool(r["third_party"]),
            "last_successful_load": r["loaded_at"].isoformat() if r["loaded_at"] else None,
            "rows": r["rows"],
            "period_start": r["period_start"].isoformat() if r["period_start"] else None,
            "period_end": r["period_end"].isoformat() if r["period_end"] else None,
            "last_run": r["status"],
            "error": r["error"],
        }
        for r in rows
    ]


def print_status(db: Path, *, as_json: bool = False) -> int:
    """Print the source table (or its rows as JSON); 1 if the last run of any source failed."""
    con = connect_read(db)
    rows = status_rows(con)
    version = data_version(con)
    con.close()
    failed = any(r["status"] == "failed" for r in rows)
    if as_json:
        doc = {"store": str(db), "data_version": version, "sources": json_rows(rows)}
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return 1 if failed else 0
    console = Console()
    if not console.is_terminal:
        console.width = max(console.width, 180)
    table = Table(title=f"gosmart status — {db} (data version {version or '-'})")
    for col in ("source", "publisher", "licence", "feed", "last successful load", "rows", "period"):
        table.add_column(col, justify="right" if col == "rows" else "left", overflow="fold")
    for r in rows:
        feed = r["feed"] + (" · third-party" if r["third_party"] else "")
        loaded = f"{r['loaded_at']:%Y-%m-%d %H:%M}" if r["loaded_at"] else "-"
        if r["status"] == "failed":
            loaded += f"\n[red]last run failed: {r['error']}"
        elif r["status"] == "never loaded":
            loaded = "[dim]never loaded"
        period = period_text(r["period_start"], r["period_end"], r["grain"])
        rows_text = f"{r['rows']:,}" if r["rows"] is not None else "-"
        table.add_row(r["source_id"], r["publisher"], r["licence"], feed, loaded, rows_text, period)
    console.print(table)
    return 1 if failed else 0
