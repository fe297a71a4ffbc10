"""The registry in `datasets/registry/`: cities, indicators, award projects, events.

Registry files are data, not code: a new award year is a new folder of project
files. `load_registry` replaces the registry tables inside the caller's transaction.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb

from gosmart.paths import REGISTRY_DIR
from gosmart.store import insert_rows


class RegistryError(ValueError):
    """A registry file that does not fit its declared shape."""


def read_csv_rows(path: Path, required: list[str]) -> list[dict[str, str]]:
    """Rows of a registry CSV, checking that every required column is present."""
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise RegistryError(f"{path.name}: missing column(s) {', '.join(missing)}")
        return list(reader)


def _none(value: str) -> str | None:
    return value if value != "" else None


CITY_COLUMNS = [
    "city_id",
    "country",
    "level",
    "name_en",
    "name_zh",
    "name_local",
    "official_code",
    "parent_id",
    "geo_file",
    "geo_id",
    "lat",
    "lon",
]
INDICATOR_COLUMNS = [
    "indicator_id",
    "name_en",
    "name_zh",
    "unit",
    "unit_zh",
    "direction",
    "native_grain",
    "aggregation",
    "per_capita_scale",
    "iso37120",
    "third_party",
    "description_en",
    "description_zh",
]


def load_cities(con: duckdb.DuckDBPyConnection, registry: Path = REGISTRY_DIR) -> int:
    rows = read_csv_rows(registry / "cities.csv", CITY_COLUMNS)
    con.execute("DELETE FROM city")
    insert_rows(con, "city", CITY_COLUMNS, [[_none(r[c]) for c in CITY_COLUMNS] for r in rows])
    return len(rows)


def load_indicators(con: duckdb.DuckDBPyConnection, registry: Path = REGISTRY_DIR) -> int:
    rows = read_csv_rows(registry / "indicators.csv", INDICATOR_COLUMNS)
    con.execute("DELETE FROM indicator")
    values = []
    for r in rows:
        row = [_none(r[c]) for c in INDICATOR_COLUMNS]
        row[INDICATOR_COLUMNS.index("third_party")] = r["third_party"].lower() == "true"
        values.append(row)
    insert_rows(con, "indicator", INDICATOR_COLUMNS, values)
    return len(rows)


def load_registry(con: duckdb.DuckDBPyConnection, registry: Path = REGISTRY_DIR) -> dict[str, int]:
    """Load every registry table; returns row counts by table."""
    return {
        "city": load_cities(con, registry),
        "indicator": load_indicators(con, registry),
    }
