"""Everything the engine reads from the store, read once through a read-only connection."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from gosmart.resources import read_sql
from gosmart.store import data_version
from gosmart.vocab import NESTED_GRAINS

GRAIN_ORDER = list(NESTED_GRAINS)


def _records(con: duckdb.DuckDBPyConnection, name: str, params: list | None = None) -> list[dict]:
    cur = con.execute(read_sql("gosmart.evidence", name), params or [])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]


@dataclass
class Inputs:
    data_version: str
    projects: list[dict[str, Any]]
    project_indicators: list[dict[str, Any]]
    events: list[dict[str, Any]]
    milestones: list[dict[str, Any]]
    countries: dict[str, str]
    values: dict[str, pd.DataFrame] = field(default_factory=dict)  # indicator -> long frame


def load_inputs(con: duckdb.DuckDBPyConnection) -> Inputs:
    """Registry, events, milestones and the values of every target indicator."""
    pis = _records(con, "project_indicators")
    inputs = Inputs(
        data_version=data_version(con),
        projects=_records(con, "projects"),
        project_indicators=pis,
        events=_records(con, "events"),
        milestones=_records(con, "milestones"),
        countries={r["city_id"]: r["country"] for r in _records(con, "cities")},
    )
    for indicator in sorted({p["indicator_id"] for p in pis}):
        cur = con.execute(read_sql("gosmart.evidence", "indicator_values"), [indicator])
        frame = cur.df()
        frame["period_start"] = pd.to_datetime(frame["period_start"])
        inputs.values[indicator] = frame
    return inputs


def aggregate(frame: pd.DataFrame, grain: str) -> pd.DataFrame:
    """Average finer-grained rows into `grain` periods (mean value, mean coverage)."""
    from gosmart.evidence.panel import period_floor

    out = frame.copy()
    out["period_start"] = [period_floor(t, grain) for t in out["period_start"]]
    return (
        out.groupby(["city_id", "period_start"], as_index=False)[
            ["value", "value_per_capita", "coverage"]
        ]
        .mean()
        .assign(grain=grain)
    )


def wide_values(
    frame: pd.DataFrame, grain: str, treated: str, per_capita: bool
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Wide values and coverage at `grain`, aggregating a finer grain when needed."""
    info: dict[str, Any] = {"grain": grain}
    rows = frame[frame["grain"] == grain]
    if rows.empty or treated not in set(rows["city_id"]):
        finer = [
            g
            for g in GRAIN_ORDER[: GRAIN_ORDER.index(grain)]
            if grain in GRAIN_ORDER
            if treated in set(frame.loc[frame["grain"] == g, "city_id"])
        ]
        if finer:
            source = finer[-1]
            rows = aggregate(frame[frame["grain"] == source], grain)
            info["aggregated_from"] = source
    use_pc = per_capita and rows["value_per_capita"].notna().any()
    if use_pc:
        have_pc = rows.groupby("city_id")["value_per_capita"].apply(lambda s: s.notna().any())
        use_pc = bool(have_pc.get(treated, False))
    column = "value_per_capita" if use_pc else "value"
    info["value_column"] = column
    values = rows.pivot_table(
        index="period_start", columns="city_id", values=column, aggfunc="mean"
    )
    coverage = rows.pivot_table(
        index="period_start", columns="city_id", values="coverage", aggfunc="mean"
    )
    values = values.astype(float).replace([np.inf, -np.inf], np.nan)
    return values, coverage, info
