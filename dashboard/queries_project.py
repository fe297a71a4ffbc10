"""Typed accessors for the showcase, project and bundle: every read goes through a named SQL file."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from gosmart.dashboard.data import query
from gosmart.dashboard.queries import records
from gosmart.vocab import REPORTED_ONLY


def award_years() -> list[int]:
    """Award years with projects, newest first."""
    return [int(y) for y in query("showcase_years")["award_year"]]


def showcase_projects(year: int) -> list[dict[str, Any]]:
    """Projects of an award year with their headline indicator and primary effect."""
    return records(query("showcase_projects", [year]))


def showcase_sparklines(year: int) -> dict[str, pd.DataFrame]:
    """Project id -> (period_start, value) of its headline indicator in its own city."""
    frame = query("showcase_sparklines", [year])
    return {pid: part.reset_index(drop=True) for pid, part in frame.groupby("project_id")}


def project(project_id: str) -> dict[str, Any] | None:
    """One project with its city names, or None for an unknown id."""
    rows = records(query("project_one", [project_id]))
    return rows[0] if rows else None


def project_dates(project_id: str) -> list[dict[str, Any]]:
    return records(query("project_dates", [project_id]))


def project_indicators(project_id: str) -> list[dict[str, Any]]:
    """Target indicators, headline first; comparison_cities as a plain list."""
    rows = records(query("project_indicators", [project_id]))
    for row in rows:
        cities = row.get("comparison_cities")
        row["comparison_cities"] = [str(c) for c in cities] if cities is not None else []
    return rows


def series(indicator_id: str, grain: str, city_ids: list[str]) -> pd.DataFrame:
    """City values of one indicator for the project city and its comparisons."""
    return query("project_series", [indicator_id, grain, list(city_ids)])


def coverage(indicator_id: str, grain: str, city_ids: list[str]) -> list[dict[str, Any]]:
    return records(query("project_coverage", [indicator_id, grain, list(city_ids), grain]))


def sources(
    indicator_id: str, grain: str, city_ids: list[str], project_id: str
) -> list[dict[str, Any]]:
    return records(query("project_sources", [indicator_id, grain, list(city_ids), project_id]))


def effects(project_id: str) -> list[dict[str, Any]]:
    """Every effect row of a project, primary first per indicator; details parsed."""
    rows = records(query("effect_project", [project_id]))
    for row in rows:
        try:
            row["details"] = json.loads(row.get("details") or "{}")
        except (TypeError, ValueError):
            row["details"] = {}
    return rows


def effects_for(project_id: str, indicator_id: str) -> list[dict[str, Any]]:
    return [e for e in effects(project_id) if e["indicator_id"] == indicator_id]


def primary_effect(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The primary effect of one indicator (first row: the SQL orders primary first)."""
    return rows[0] if rows else None


def is_reported_only(effect: dict[str, Any] | None) -> bool:
    """True when there is no estimated effect to show, only reported figures."""
    return (
        effect is None
        or not effect.get("estimable")
        or effect.get("method") in REPORTED_ONLY
        or effect.get("effect_avg") is None
    )


def effect_path(project_id: str, indicator_id: str, method: str) -> pd.DataFrame:
    return query("effect_path", [project_id, indicator_id, method])


def placebos(project_id: str, indicator_id: str, method: str) -> pd.DataFrame:
    """Placebo runs with `path` parsed into [[period_start, gap], ...]."""
    frame = query("placebo_project", [project_id, indicator_id, method]).copy()
    frame["path"] = [_parse_path(p) for p in frame["path"]]
    return frame


def _parse_path(raw: Any) -> list[list[Any]]:
    try:
        path = json.loads(raw) if isinstance(raw, str) else []
    except ValueError:
        return []
    return [p for p in path if isinstance(p, list) and len(p) == 2]


def events(city_id: str, country: str, project_id: str, indicator_id: str) -> list[dict[str, Any]]:
    return records(query("event_project", [city_id, country, project_id, indicator_id]))


def milestones(project_id: str) -> list[dict[str, Any]]:
    return records(query("milestone_project", [project_id]))
