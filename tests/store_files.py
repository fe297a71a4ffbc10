"""A store file looked at from outside the app: its checksum, its tables, rows read back."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import duckdb

from gosmart.schema import stored_tables


def file_sha256(path: Path) -> str:
    """Checksum of the store file, to prove nothing wrote to it."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def table_names(path: Path) -> set[str]:
    """Every table in the store (read-only look)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return set(stored_tables(con))
    finally:
        con.close()


def rows(path: Path, sql: str, params: list | None = None) -> list[dict[str, Any]]:
    """The rows of one query through a read-only connection of its own, as dicts."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        cur = con.execute(sql, params or [])
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()
