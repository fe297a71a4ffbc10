"""Typed accessors the kiosk reads through: named SQL files, bound parameters, read-only."""

from __future__ import annotations

from typing import Any

import pandas as pd

from gosmart.dashboard import queries
from gosmart.dashboard.data import query


def _first(frame: pd.DataFrame) -> dict[str, Any] | None:
    rows = queries.records(frame.head(1))
    return rows[0] if rows else None


def data_version() -> str:
    return queries.data_version()


def project_ids() -> set[str]:
    return queries.project_ids()


def indicator_ids() -> set[str]:
    return queries.indicator_ids()


def project(project_id: str) -> dict[str, Any] | None:
    return _first(query("kiosk_project", [project_id]))


def award_projects(year: int) -> pd.DataFrame:
    return query("kiosk_projects", [year])


def indicator(indicator_id: str) -> dict[str, Any] | None:
    return _first(query("kiosk_indicator", [indicator_id]))


def effect(project_id: str, indicator_id: str) -> dict[str, Any] | None:
    return _first(query("kiosk_effect", [project_id, indicator_id]))


def effect_path(project_id: str, indicator_id: str, method: str) -> pd.DataFrame:
    return query("kiosk_effect_path", [project_id, indicator_id, method])


def series(indicator_id: str, city_id: str, grain: str | None) -> pd.DataFrame:
    return query("kiosk_series", [indicator_id, city_id, grain])


def latest(indicator_id: str, city_id: str) -> dict[str, Any] | None:
    return _first(query("kiosk_latest", [indicator_id, city_id]))


def milestones(project_id: str, metric: str) -> pd.DataFrame:
    return query("kiosk_milestones", [project_id, metric])


def sources(source_ids: list[str]) -> list[dict[str, Any]]:
    if not source_ids:
        return []
    frame = query("kiosk_sources", [sorted(set(source_ids))])
    return queries.records(frame)
