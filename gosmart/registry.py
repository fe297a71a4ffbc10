"""The registry in `datasets/registry/`: cities, indicators, award projects, events.

Registry files are data, not code: a new award year is a new folder of project
files (`projects/<award_year>/<project_id>.toml`), a new confounder is a row of
`events.csv`. Reading is pure (`list_projects`, `list_events`) and checks every
field, naming the file and field on the first problem; `load_registry` replaces
the registry tables inside the caller's transaction. The file format is described
in `datasets/registry/README.md`.
"""

from __future__ import annotations

import calendar
import csv
import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from gosmart import schema
from gosmart.resources import REGISTRY_DIR
from gosmart.store import insert_rows
from gosmart.vocab import NATIVE_GRAINS


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


# The registry CSVs carry the table's columns (others are ignored).
CITY_COLUMNS = schema.columns("city")
INDICATOR_COLUMNS = schema.columns("indicator")


def load_cities(con: duckdb.DuckDBPyConnection, registry: Path = REGISTRY_DIR) -> int:
    rows = read_csv_rows(registry / "cities.csv", CITY_COLUMNS)
    con.execute("DELETE FROM city")
    insert_rows(con, "city", [{c: _none(r[c]) for c in CITY_COLUMNS} for r in rows])
    return len(rows)


def load_indicators(con: duckdb.DuckDBPyConnection, registry: Path = REGISTRY_DIR) -> int:
    rows = read_csv_rows(registry / "indicators.csv", INDICATOR_COLUMNS)
    con.execute("DELETE FROM indicator")
    values = [
        {
            **{c: _none(r[c]) for c in INDICATOR_COLUMNS},
            "third_party": r["third_party"].lower() == "true",
        }
        for r in rows
    ]
    insert_rows(con, "indicator", values)
    return len(rows)


# ---------------------------------------------------------------- periods

_PERIOD = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def parse_period(text: str) -> tuple[date, date, str]:
    """'YYYY', 'YYYY-MM' or 'YYYY-MM-DD' -> (first day, last day, precision).

    Sources give dates at the precision they know; this keeps that precision
    instead of pretending a year is a day. Raises ValueError on anything else.
    """
    m = _PERIOD.match(text.strip()) if isinstance(text, str) else None
    if not m:
        raise ValueError(f"{text!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = m.group(1), m.group(2), m.group(3)
    y = int(year)
    if month is None:
        return date(y, 1, 1), date(y, 12, 31), "year"
    mo = int(month)
    if not 1 <= mo <= 12:
        raise ValueError(f"{text!r}: month {mo} out of range")
    last = calendar.monthrange(y, mo)[1]
    if day is None:
        return date(y, mo, 1), date(y, mo, last), "month"
    d = date(y, mo, int(day))  # raises ValueError on 2023-02-30
    return d, d, "day"


# ---------------------------------------------------------------- projects

DATE_KINDS = ("launch", "phase", "award")
CONFIDENCES = ("confirmed", "reported", "inferred", "disputed")
ROLES = ("headline", "target", "context")
DIRECTIONS = ("up", "down", "ambiguous", "none")  # 'none' only for context indicators
DATA_STATUSES = ("evidence", "reported_only", "award_only")
PROJECT_KEYS = {
    "project_id",
    "award_year",
    "name_en",
    "name_zh",
    "city_id",
    "agency_en",
    "agency_zh",
    "summary_en",
    "summary_zh",
    "story_en",
    "story_zh",
    "data_status",
    "headline_metric",
    "milestone_groups",
    "evidence_note_en",
    "evidence_note_zh",
    "launch",
    "dates",
    "indicators",
}
LAUNCH_KEYS = {"date", "earliest", "latest", "confidence", "note_en", "note_zh"}
DATE_KEYS = {
    "kind",
    "date",
    "precision",
    "label_en",
    "label_zh",
    "source_url",
    "confidence",
    "note",
}
INDICATOR_KEYS = {
    "indicator_id",
    "role",
    "expected_direction",
    "grain",
    "comparison_cities",
    "per_capita",
    "note",
    "launch",
}


class _Checker:
    """Field access on one TOML table that fails with the file and field named."""

    def __init__(self, where: str, table: Any, allowed: set[str]) -> None:
        self.where = where
        if not isinstance(table, dict):
            raise RegistryError(f"{where}: expected a table, got {type(table).__name__}")
        unknown = sorted(set(table) - allowed)
        if unknown:
            raise RegistryError(f"{where}: unknown field(s) {', '.join(unknown)}")
        self.table = table

    def fail(self, key: str, problem: str) -> RegistryError:
        return RegistryError(f"{self.where}: {key}: {problem}")

    def text(self, key: str, *, required: bool = True) -> str | None:
        value = self.table.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise self.fail(key, "missing (required)")
            return None
        if not isinstance(value, str):
            raise self.fail(key, f"expected text, got {type(value).__name__}")
        return value.strip()

    def choice(self, key: str, options: tuple[str, ...], *, required: bool = True) -> str | None:
        value = self.text(key, required=required)
        if value is not None and value not in options:
            raise self.fail(key, f"{value!r} is not one of {', '.join(options)}")
        return value

    def period(self, key: str, *, required: bool = True) -> tuple[date, date, str] | None:
        value = self.table.get(key)
        if isinstance(value, date):  # a bare TOML date
            return value, value, "day"
        text = self.text(key, required=required)
        if text is None:
            return None
        try:
            return parse_period(text)
        except ValueError as exc:
            raise self.fail(key, f"bad date: {exc}") from None

    def url(self, key: str) -> str:
        value = self.text(key)
        assert value is not None
        if not re.match(r"^https?://\S+$", value):
            raise self.fail(key, f"not an http(s) URL: {value[:60]!r}")
        return value

    def text_list(self, key: str) -> list[str]:
        value = self.table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, "expected a list of text")
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self.table.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, f"expected true or false, got {value!r}")
        return value


def _ids(registry: Path, name: str, column: str) -> set[str]:
    return {r[column] for r in read_csv_rows(registry / name, [column])}


def _read_project(path: Path, rel: str, cities: set[str], indicators: set[str]) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RegistryError(f"{rel}: not valid TOML: {exc}") from None
    c = _Checker(rel, data, PROJECT_KEYS)
    project_id = path.stem
    if c.table.get("project_id", project_id) != project_id:
        raise c.fail("project_id", f"{c.table['project_id']!r} differs from file name")
    year = c.table.get("award_year")
    if not isinstance(year, int) or str(year) != path.parent.name:
        raise c.fail("award_year", f"{year!r} must be an integer equal to the folder name")
    city_id = c.text("city_id")
    if city_id not in cities:
        raise c.fail("city_id", f"{city_id!r} is not in cities.csv")
    status = c.choice("data_status", DATA_STATUSES)
    project: dict[str, Any] = {
        "project_id": project_id,
        "award_year": year,
        "file": rel,
        "city_id": city_id,
        "data_status": status,
        "headline_metric": c.text("headline_metric", required=False),
        "milestone_groups": c.text_list("milestone_groups"),
    }
    for key in ("name_en", "name_zh"):
        project[key] = c.text(key)
    full = status != "award_only"
    for key in ("agency_en", "agency_zh", "summary_en", "summary_zh"):
        project[key] = c.text(key, required=full)
    for key in ("story_en", "story_zh", "evidence_note_en", "evidence_note_zh"):
        project[key] = c.text(key, required=full)

    project["launch"] = _read_launch(c, rel) if "launch" in data or full else None
    dates = data.get("dates", [])
    if not isinstance(dates, list) or not dates:
        raise c.fail("dates", "at least one [[dates]] entry with a source is required")
    project["dates"] = [_read_date(d, f"{rel}: dates[{i}]") for i, d in enumerate(dates)]
    kinds = {d["kind"] for d in project["dates"]}
    if "award" not in kinds:
        raise c.fail("dates", "no [[dates]] entry of kind 'award'")
    if project["launch"] is not None and "launch" not in kinds:
        raise c.fail("dates", "a [launch] needs a [[dates]] entry of kind 'launch' with its source")

    raw_indicators = data.get("indicators", [])
    if not isinstance(raw_indicators, list):
        raise c.fail("indicators", "expected [[indicators]] entries")
    project["indicators"] = [
        _read_indicator(t, f"{rel}: indicators[{i}]", indicators, cities, city_id)
        for i, t in enumerate(raw_indicators)
    ]
    seen = [i["indicator_id"] for i in project["indicators"]]
    if len(seen) != len(set(seen)):
        raise c.fail("indicators", "an indicator is listed twice")
    headlines = [i for i in project["indicators"] if i["role"] == "headline"]
    if len(headlines) > 1:
        raise c.fail("indicators", "more than one headline indicator")
    if status == "evidence" and not headlines:
        raise c.fail(
            "indicators", "data_status 'evidence' needs one indicator with role 'headline'"
        )
    if status == "reported_only" and (headlines or not project["headline_metric"]):
        raise c.fail(
            "headline_metric",
            "data_status 'reported_only' needs a headline_metric and no headline indicator",
        )
    return project


def _read_launch(parent: _Checker, rel: str) -> dict[str, Any]:
    if "launch" not in parent.table:
        raise parent.fail("launch", "missing [launch] table (required unless award_only)")
    return _launch_window(parent.table["launch"], f"{rel}: launch")


def _launch_window(table: Any, where: str) -> dict[str, Any]:
    """A [launch] table: default date, earliest and latest, confidence and why."""
    c = _Checker(where, table, LAUNCH_KEYS)
    default = c.period("date")
    earliest = c.period("earliest")
    latest = c.period("latest")
    assert default and earliest and latest
    if not earliest[0] <= default[0] <= latest[1]:
        raise c.fail("date", "the default launch date lies outside earliest..latest")
    return {
        "date": default[0],
        "precision": default[2],
        "earliest": earliest[0],
        "latest": latest[1],
        "confidence": c.choice("confidence", CONFIDENCES),
        "note_en": c.text("note_en"),
        "note_zh": c.text("note_zh", required=False),
    }


def _read_date(table: Any, where: str) -> dict[str, Any]:
    c = _Checker(where, table, DATE_KEYS)
    start, _end, precision = c.period("date")  # type: ignore[misc]
    declared = c.choice("precision", ("day", "month", "year"), required=False)
    if declared is not None and declared != precision:
        raise c.fail("precision", f"{declared!r} but the date is written at {precision} precision")
    return {
        "kind": c.choice("kind", DATE_KINDS),
        "date": start,
        "precision": precision,
        "label_en": c.text("label_en"),
        "label_zh": c.text("label_zh"),
        "source_url": c.url("source_url"),
        "confidence": c.choice("confidence", CONFIDENCES),
        "note": c.text("note", required=False),
    }


def _read_indicator(
    table: Any, where: str, indicators: set[str], cities: set[str], own_city: str
) -> dict[str, Any]:
    c = _Checker(where, table, INDICATOR_KEYS)
    indicator_id = c.text("indicator_id")
    if indicator_id not in indicators:
        raise c.fail("indicator_id", f"{indicator_id!r} is not in indicators.csv")
    role = c.choice("role", ROLES)
    direction = c.choice("expected_direction", DIRECTIONS)
    if direction == "none" and role != "context":
        raise c.fail("expected_direction", "'none' is only for context indicators")
    comparison = c.text_list("comparison_cities")
    unknown = [x for x in comparison if x not in cities]
    if unknown:
        raise c.fail("comparison_cities", f"not in cities.csv: {', '.join(unknown)}")
    if own_city in comparison:
        raise c.fail("comparison_cities", f"lists the project's own city {own_city}")
    if len(comparison) != len(set(comparison)):
        raise c.fail("comparison_cities", "a city is listed twice")
    launch = None
    if "launch" in c.table:
        if role == "context":
            raise c.fail("launch", "a context indicator is not estimated, so it has no launch")
        launch = _launch_window(c.table["launch"], f"{where}: launch")
    return {
        "indicator_id": indicator_id,
        "role": role,
        "expected_direction": direction,
        "grain": c.choice("grain", NATIVE_GRAINS),
        "comparison_cities": comparison,
        "per_capita": c.boolean("per_capita", False),
        "note": c.text("note", required=False),
        "launch": launch,
        **_launch_columns(launch),
    }


def list_projects(registry_dir: Path = REGISTRY_DIR) -> list[dict[str, Any]]:
    """Every project file, checked, as plain dicts ordered by award year then id.

    Pure: reads files only. Each dict holds the TOML fields plus `project_id`,
    `file`, a parsed `launch` (dates as `datetime.date`) or None, `dates` and
    `indicators`. Raises RegistryError naming the file and field on a bad file.
    """
    registry_dir = Path(registry_dir)
    cities = _ids(registry_dir, "cities.csv", "city_id")
    indicators = _ids(registry_dir, "indicators.csv", "indicator_id")
    root = registry_dir / "projects"
    projects = []
    for path in sorted(root.glob("*/*.toml")):
        rel = path.relative_to(registry_dir).as_posix()
        projects.append(_read_project(path, rel, cities, indicators))
    ids = [p["project_id"] for p in projects]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise RegistryError(f"projects/: project id(s) used twice: {', '.join(dup)}")
    return sorted(projects, key=lambda p: (p["award_year"], p["project_id"]))


def _only(row: dict[str, Any], table: str) -> dict[str, Any]:
    """The values of a parsed registry entry that are columns of `table`, by name."""
    return {c: row[c] for c in schema.columns(table) if c in row}


def _launch_columns(launch: dict[str, Any] | None) -> dict[str, Any]:
    """A parsed [launch] as the launch_* columns of `project` and `project_indicator`."""
    if launch is None:
        return dict.fromkeys(
            ("launch_date", "launch_date_min", "launch_date_max", "launch_confidence")
        )
    return {
        "launch_date": launch["date"],
        "launch_date_min": launch["earliest"],
        "launch_date_max": launch["latest"],
        "launch_confidence": f"{launch['confidence']}: {launch['note_en']}",
    }


def load_projects(con: duckdb.DuckDBPyConnection, registry: Path = REGISTRY_DIR) -> dict[str, int]:
    """Replace the project, project_date and project_indicator tables from the TOML files."""
    projects = list_projects(registry)
    project_rows, date_rows, indicator_rows = [], [], []
    for p in projects:
        project_rows.append(_only({**p, **_launch_columns(p["launch"])}, "project"))
        for d in p["dates"]:
            date_rows.append(_only({**d, "project_id": p["project_id"]}, "project_date"))
        for i in p["indicators"]:
            indicator_rows.append(_only({**i, "project_id": p["project_id"]}, "project_indicator"))
    for table in ("project_indicator", "project_date", "project"):
        con.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
    insert_rows(con, "project", project_rows)
    insert_rows(con, "project_date", date_rows)
    insert_rows(con, "project_indicator", indicator_rows)
    return {
        "project": len(project_rows),
        "project_date": len(date_rows),
        "project_indicator": len(indicator_rows),
    }


# ---------------------------------------------------------------- events

EVENT_COLUMNS = schema.columns("event")
EVENT_KINDS = ("confounder", "data_break", "policy", "infrastructure")
EVENT_SCOPES_BEYOND_CITIES = ("TW", "ID", "global")


def list_events(registry_dir: Path = REGISTRY_DIR) -> list[dict[str, Any]]:
    """Every row of events.csv, checked, as dicts (lists split on ';', dates parsed)."""
    registry_dir = Path(registry_dir)
    cities = _ids(registry_dir, "cities.csv", "city_id")
    indicators = _ids(registry_dir, "indicators.csv", "indicator_id")
    projects = {p["project_id"] for p in list_projects(registry_dir)}
    rows = read_csv_rows(registry_dir / "events.csv", EVENT_COLUMNS)
    events, seen = [], set()
    for n, r in enumerate(rows, start=2):  # line 1 is the header
        where = f"events.csv line {n}"

        def fail(field: str, problem: str, where: str = where) -> RegistryError:
            return RegistryError(f"{where}: {field}: {problem}")

        for field in ("event_id", "kind", "scope", "date_start", "label_en", "label_zh"):
            if not (r.get(field) or "").strip():
                raise fail(field, "missing (required)")
        event_id = r["event_id"].strip()
        if event_id in seen:
            raise fail("event_id", f"{event_id!r} used twice")
        seen.add(event_id)
        if r["kind"] not in EVENT_KINDS:
            raise fail("kind", f"{r['kind']!r} is not one of {', '.join(EVENT_KINDS)}")
        if r["scope"] not in cities and r["scope"] not in EVENT_SCOPES_BEYOND_CITIES:
            raise fail("scope", f"{r['scope']!r} is not a city id, TW, ID or global")
        project_ids = [x.strip() for x in (r["project_ids"] or "").split(";") if x.strip()]
        bad = [x for x in project_ids if x not in projects]
        if bad:
            raise fail("project_ids", f"unknown project(s) {', '.join(bad)}")
        indicator_ids = [x.strip() for x in (r["indicator_ids"] or "").split(";") if x.strip()]
        bad = [x for x in indicator_ids if x not in indicators]
        if bad:
            raise fail("indicator_ids", f"unknown indicator(s) {', '.join(bad)}")
        dates = {}
        for field in ("date_start", "date_end"):
            text = (r[field] or "").strip()
            if not text:
                dates[field] = None
                continue
            try:
                dates[field] = date.fromisoformat(text)
            except ValueError:
                raise fail(field, f"{text!r} is not a YYYY-MM-DD date") from None
        if dates["date_end"] is not None and dates["date_end"] < dates["date_start"]:
            raise fail("date_end", "before date_start")
        url = (r["source_url"] or "").strip()
        if not re.match(r"^https?://\S+$", url):
            raise fail("source_url", "missing or not an http(s) URL")
        events.append(
            {
                "event_id": event_id,
                "kind": r["kind"],
                "scope": r["scope"],
                "project_ids": project_ids,
                "indicator_ids": indicator_ids,
                **dates,
                "label_en": r["label_en"].strip(),
                "label_zh": r["label_zh"].strip(),
                "source_url": url,
                "note": _none((r["note"] or "").strip()),
            }
        )
    return sorted(events, key=lambda e: (e["date_start"], e["event_id"]))


def load_events(con: duckdb.DuckDBPyConnection, registry: Path = REGISTRY_DIR) -> int:
    """Replace the event table from events.csv."""
    events = list_events(registry)
    con.execute("DELETE FROM event")
    insert_rows(con, "event", events)
    return len(events)


# ---------------------------------------------------------------- award editions

EDITION_COLUMNS = [
    "award_year",
    "edition",
    "date",
    "date_kind",
    "winners_found",
    "note_en",
    "note_zh",
    "source_url",
]
WINNERS_FOUND = ("all", "partial", "none")


def list_editions(registry_dir: Path = REGISTRY_DIR) -> list[dict[str, Any]]:
    """Every award edition in editions.csv, checked against the project files.

    Lets the showcase list a year whose winners were not found (2021) and say so,
    instead of silently skipping it.
    """
    registry_dir = Path(registry_dir)
    years_with_projects = {p["award_year"] for p in list_projects(registry_dir)}
    editions = []
    for n, r in enumerate(read_csv_rows(registry_dir / "editions.csv", EDITION_COLUMNS), start=2):
        where = f"editions.csv line {n}"
        try:
            year, edition = int(r["award_year"]), int(r["edition"])
        except ValueError:
            raise RegistryError(f"{where}: award_year/edition: not an integer") from None
        if r["winners_found"] not in WINNERS_FOUND:
            raise RegistryError(f"{where}: winners_found: not one of {', '.join(WINNERS_FOUND)}")
        if (r["winners_found"] != "none") != (year in years_with_projects):
            raise RegistryError(
                f"{where}: winners_found: {r['winners_found']!r} but "
                f"{'some' if year in years_with_projects else 'no'} project files for {year}"
            )
        try:
            day = date.fromisoformat(r["date"]) if r["date"] else None
        except ValueError:
            raise RegistryError(f"{where}: date: {r['date']!r} is not YYYY-MM-DD") from None
        if not re.match(r"^https?://\S+$", r["source_url"]):
            raise RegistryError(f"{where}: source_url: missing or not an http(s) URL")
        editions.append(
            {
                **r,
                "award_year": year,
                "edition": edition,
                "date": day,
                "date_kind": _none(r["date_kind"]),
            }
        )
    missing = sorted(years_with_projects - {e["award_year"] for e in editions})
    if missing:
        raise RegistryError(f"editions.csv: no row for award year(s) {missing}")
    return sorted(editions, key=lambda e: e["award_year"])


def load_registry(con: duckdb.DuckDBPyConnection, registry: Path = REGISTRY_DIR) -> dict[str, int]:
    """Load every registry table; returns row counts by table."""
    counts = {
        "city": load_cities(con, registry),
        "indicator": load_indicators(con, registry),
    }
    counts.update(load_projects(con, registry))
    counts["event"] = load_events(con, registry)
    return counts
