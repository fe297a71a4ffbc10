"""Typed accessors over the named SQL files: what pages call instead of touching DuckDB."""

from __future__ import annotations

import pandas as pd

from dashboard.data import query, store


def data_version() -> str:
    return store().version


def cities() -> pd.DataFrame:
    return query("cities")


def city_ids() -> set[str]:
    return set(cities()["city_id"])


def indicators() -> pd.DataFrame:
    return query("indicators")


def indicator_ids() -> set[str]:
    return set(indicators()["indicator_id"])


def projects() -> pd.DataFrame:
    return query("projects")


def project_ids() -> set[str]:
    return set(projects()["project_id"])


def sources() -> pd.DataFrame:
    return query("sources")
