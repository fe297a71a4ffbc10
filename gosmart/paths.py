"""Where things live: one place, so tests and the CLI can point everything elsewhere."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DATASETS_DIR = REPO_ROOT / "datasets"
REGISTRY_DIR = DATASETS_DIR / "registry"
SNAPSHOT_DIR = DATASETS_DIR / "snapshot"
ASSETS_DIR = REPO_ROOT / "assets"
SQL_DIR = Path(__file__).resolve().parent / "sql"
DEFAULT_OPENDATA = REPO_ROOT.parent / "shared" / "opendata"


def db_path() -> Path:
    """The DuckDB file: `GOSMART_DB` if set, else `data/gosmart.duckdb` in the repo."""
    env = os.environ.get("GOSMART_DB")
    return Path(env) if env else REPO_ROOT / "data" / "gosmart.duckdb"


def opendata_dir() -> Path | None:
    """The shared open-data folder if present (CI has it; a fresh clone may not)."""
    env = os.environ.get("GOSMART_OPENDATA")
    path = Path(env) if env else DEFAULT_OPENDATA
    return path if path.is_dir() else None


def read_sql(name: str) -> str:
    """Text of a named SQL file in `gosmart/sql/`."""
    return (SQL_DIR / name).read_text(encoding="utf-8")
