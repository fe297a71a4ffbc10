"""Every SQL file of the showcase, project and bundle pages runs on the built store and
returns rows; the event query keeps its scope and the coverage query counts the gaps."""

from __future__ import annotations

from pathlib import Path

from tests.store_builder import (
    FAMILY,
    METRO,
    METRO_CITY,
    METRO_COMPARISON,
    METRO_GAP_MONTHS,
    REPORTED,
)

CITIES = [METRO_CITY, METRO_COMPARISON]
SQL_PARAMS: dict[str, list] = {
    "showcase_years": [],
    "showcase_projects": [2023],
    "showcase_sparklines": [2023],
    "project_one": [METRO],
    "project_dates": [METRO],
    "project_indicators": [METRO],
    "project_series": ["metro_ridership", "monthly", CITIES],
    "project_coverage": ["metro_ridership", "monthly", CITIES, "monthly"],
    "project_sources": ["metro_ridership", "monthly", [METRO_CITY], REPORTED],
    "effect_project": [FAMILY],
    "effect_path": [FAMILY, "child_protection_records", "synthetic_control"],
    "placebo_project": [FAMILY, "child_protection_records", "synthetic_control"],
    "event_project": [METRO_CITY, "TW", METRO, "metro_ridership"],
    "milestone_project": [REPORTED],
}
OWNED_PREFIXES = ("project_", "showcase_", "effect_", "placebo_", "milestone_", "event_")


def test_every_owned_sql_file_runs_and_returns_rows(dashboard_store: Path):
    from gosmart.dashboard.data import query
    from gosmart.resources import package_dir

    sql_dir = package_dir("gosmart.dashboard") / "sql"
    owned = sorted(p.stem for p in sql_dir.glob("*.sql") if p.stem.startswith(OWNED_PREFIXES))
    assert set(owned) == set(SQL_PARAMS), "add the new SQL file to SQL_PARAMS"
    for name in owned:
        frame = query(name, SQL_PARAMS[name])
        assert len(frame) > 0, name


def test_event_query_keeps_scope(dashboard_store: Path):
    """Kaohsiung's metro project sees the global confounder, its city's policy and its
    indicator's data break; not Taoyuan's policy, nor the break of another indicator."""
    from gosmart.dashboard.data import query

    events = query("event_project", SQL_PARAMS["event_project"])
    assert set(events["event_id"]) == {"fx_covid", "fx_fare", "fx_break"}


def test_coverage_counts_the_gap(dashboard_store: Path):
    from gosmart.dashboard.data import query

    cov = query("project_coverage", SQL_PARAMS["project_coverage"]).set_index("city_id")
    taipei, kaohsiung = cov.loc[METRO_COMPARISON], cov.loc[METRO_CITY]
    assert taipei["periods_expected"] - taipei["periods_present"] == len(METRO_GAP_MONTHS)
    assert kaohsiung["periods_expected"] == kaohsiung["periods_present"]
    assert kaohsiung["mean_coverage"] < 1.0  # the thin month counts, as a month present
