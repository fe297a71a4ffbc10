"""What else could explain an effect: overlapping events, data breaks, coverage gaps."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from gosmart.evidence.panel import period_floor
from gosmart.quality import LOW_COVERAGE


def _applies(event: dict[str, Any], project_id: str, indicator_id: str, scopes: set[str]) -> bool:
    if event["scope"] not in scopes:
        return False
    projects = list(event.get("project_ids") or [])
    indicators = list(event.get("indicator_ids") or [])
    return (not projects or project_id in projects) and (
        not indicators or indicator_id in indicators
    )


def relevant_events(
    events: list[dict[str, Any]], project_id: str, indicator_id: str, city_id: str, country: str
) -> list[dict[str, Any]]:
    """Events in the city's, country's or global scope that bear on this project and indicator."""
    scopes = {city_id, country, "global"}
    return [e for e in events if _applies(e, project_id, indicator_id, scopes)]


def window_caveats(
    events: list[dict[str, Any]],
    start: pd.Timestamp,
    end: pd.Timestamp,
    launch: pd.Timestamp,
    grain: str,
) -> dict[str, list[dict[str, Any]]]:
    """Events overlapping the analysis window, data breaks separately, with their timing."""
    confounders, breaks = [], []
    for e in events:
        e_start = pd.Timestamp(e["date_start"])
        e_end = pd.Timestamp(e["date_end"]) if e.get("date_end") else e_start
        if e_end < start or e_start > end:
            continue
        when = "before launch" if e_end < launch else "after launch"
        if period_floor(e_start, grain) <= launch <= period_floor(e_end, grain):
            when = "at launch"
        item = {
            "event_id": e["event_id"],
            "kind": e["kind"],
            "label": e["label_en"],
            "date_start": e_start.date().isoformat(),
            "date_end": e_end.date().isoformat() if e.get("date_end") else None,
            "when": when,
            "source_url": e["source_url"],
        }
        (breaks if e["kind"] == "data_break" else confounders).append(item)
    return {"confounders": confounders, "data_breaks": breaks}


def coverage_caveats(
    values: pd.DataFrame, coverage: pd.DataFrame, units: list[str], start, end
) -> dict[str, Any]:
    """Missing periods and periods below LOW_COVERAGE for the units an estimate used."""
    out: dict[str, Any] = {}
    window = values.loc[(values.index >= start) & (values.index <= end)]
    for u in units:
        if u not in window.columns:
            continue
        missing = [t.date().isoformat() for t in window.index[window[u].isna()]]
        low = []
        if u in coverage.columns:
            cov = coverage[u].reindex(window.index)
            low = [t.date().isoformat() for t in cov.index[(cov < LOW_COVERAGE).to_numpy()]]
        if missing or low:
            out[u] = {"missing_periods": missing, "low_coverage_periods": low}
    return out


def breaks_need_log(data_breaks: list[dict[str, Any]], values: pd.DataFrame) -> bool:
    """A data break inside the window and positive values: compare on the log scale.

    A definition change that scales every city's counts by a similar factor becomes
    a common additive shift in logs, which difference-in-differences and a synthetic
    control (weights sum to one) both remove.
    """
    v = values.to_numpy(dtype=float)
    return bool(data_breaks) and bool(np.all(v[np.isfinite(v)] > 0))
