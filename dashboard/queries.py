"""Typed accessors over the named SQL files: what pages call instead of touching DuckDB.

The small lookups every request needs (cities, indicators, projects, sources, and for
each indicator its stored grains, years, cities and aligned launches) are read
together into one `Catalog` per data version, so a request for a new selection
queries only its own values.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from gosmart.dashboard.data import store
from gosmart.missing import or_none


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts, every missing value (NaN, NA, NaT) as None. Columns leave pandas through
    `tolist` (one call each); cell-wise pandas access costs far more than the Python loop."""
    names = list(frame.columns)
    columns = []
    for name in names:
        column = frame[name]
        values = column.tolist()
        if column.isna().any():  # only columns with a gap pay for the cell check
            values = [or_none(v) for v in values]
        columns.append(values)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def csv_text(frame: pd.DataFrame) -> str:
    """`frame` as CSV text (header, no index, missing as empty, timestamps as their dates):
    the one writer behind every CSV the app serves. Arrow's, as pandas' took most of a large
    download's time."""
    dates = {
        c: frame[c].dt.date for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c])
    }
    buffer = io.BytesIO()
    table = pa.Table.from_pandas(frame.assign(**dates) if dates else frame, preserve_index=False)
    pacsv.write_csv(table, buffer, pacsv.WriteOptions(quoting_style="needed"))
    return buffer.getvalue().decode("utf-8")


@dataclass(frozen=True)
class Catalog:
    """Everything small that only changes with the data version."""

    cities: dict[str, dict]  # city id -> its row
    indicators: dict[str, dict]  # indicator id -> its row
    projects: frozenset[str]
    sources: dict[str, dict]  # source id -> its provenance row
    cells: pd.DataFrame  # per indicator, city, grain: periods, coverage, span, source ids
    grains: dict[str, dict[str, tuple[int, int]]]  # indicator -> grain -> (first, last year)
    cities_with_data: dict[str, frozenset[str]]  # indicator -> cities holding any value
    fed: dict[str, frozenset[str]]  # source id -> indicators its city values feed
    map_years: dict[str, tuple[int, ...]]  # indicator -> years with city or station values
    launches: tuple[dict, ...]  # projects with a launch date, by city then date
    population: dict[str, float]  # city -> latest registered population

    def launches_for(self, indicator_id: str) -> dict[str, dict]:
        """City -> the project its series are aligned on: one targeting the indicator
        first, else the city's earliest launch."""
        out: dict[str, dict] = {}
        for targeting in (True, False):
            for row in self.launches:
                if (indicator_id in row["targets"]) == targeting:
                    out.setdefault(row["city_id"], row)
        return out


def _build_catalog() -> Catalog:
    fetch = store().fetch
    cells = fetch("compare_cells")
    grains: dict[str, dict[str, tuple[int, int]]] = {}
    with_data: dict[str, set[str]] = {}
    fed: dict[str, set[str]] = {}
    for row in records(cells):
        indicator_id = row["indicator_id"]
        first, last = grains.get(indicator_id, {}).get(row["grain"], (9999, 0))
        grains.setdefault(indicator_id, {})[row["grain"]] = (
            min(first, row["first_period"].year),
            max(last, row["last_period"].year),
        )
        with_data.setdefault(indicator_id, set()).add(row["city_id"])
        for source_id in row["source_ids"].tolist():
            fed.setdefault(source_id, set()).add(indicator_id)
    years: dict[str, list[int]] = {}
    for row in records(fetch("map_years")):
        years.setdefault(row["indicator_id"], []).append(int(row["year"]))
    launches = records(fetch("compare_launches"))
    for row in launches:
        row["targets"] = frozenset(row["targets"].tolist())
    population = fetch("compare_population")
    return Catalog(
        cities={r["city_id"]: r for r in records(fetch("cities"))},
        indicators={r["indicator_id"]: r for r in records(fetch("indicators"))},
        projects=frozenset(fetch("projects")["project_id"].tolist()),
        sources={r["source_id"]: r for r in records(fetch("sources"))},
        cells=cells.drop(columns="source_ids"),
        grains=grains,
        cities_with_data={k: frozenset(v) for k, v in with_data.items()},
        fed={k: frozenset(v) for k, v in fed.items()},
        map_years={k: tuple(v) for k, v in years.items()},
        launches=tuple(launches),
        population=dict(
            zip(population["city_id"], population["population"].astype(float), strict=True)
        ),
    )


def catalog() -> Catalog:
    """The catalog of the current data version (read once after each store swap)."""
    return store().per_version(("catalog",), _build_catalog)


def data_version() -> str:
    return store().version


def city_ids() -> set[str]:
    return set(catalog().cities)


def indicator_ids() -> set[str]:
    return set(catalog().indicators)


def project_ids() -> set[str]:
    return set(catalog().projects)
