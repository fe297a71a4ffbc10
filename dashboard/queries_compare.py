"""Compare, map and sources data: typed accessors over the named SQL files.

One function, `compare_data`, turns a compare selection into the rows the chart,
the map tab, the table, the CSV download and the data API all show, so every view
of a selection is the same numbers. Every grain is aggregated once, at ingest
(connectors/sql/derive.sql); these functions only read `indicator_value` and
`station_value`, and pandas only touches the few thousand rows of one view
(per-capita choice, event-time index).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from gosmart.dashboard import queries
from gosmart.dashboard.data import query
from gosmart.dashboard.queries import records
from gosmart.dashboard.urlstate import Field, register_view
from gosmart.missing import is_missing
from gosmart.vocab import DERIVED_GRAINS, Grain

GRAINS = DERIVED_GRAINS  # coarse -> fine, all stored at ingest
PERIODS_PER_YEAR = {Grain.ANNUAL: 1, Grain.MONTHLY: 12, Grain.WEEKLY: 53, Grain.DAILY: 366}
MAX_POINTS = 8000  # all traces together: keeps a figure well under 300 KB
FIRST_YEAR, LAST_YEAR = 1990, 2100
COMPARE_VIEW, MAP_VIEW, SOURCES_VIEW = "compare", "map", "sources"
DEFAULT_INDICATOR = "child_protection_records"
DEFAULT_CITIES = ["TW-NWT", "TW-TPE", "TW-TXG", "TW-KHH"]
TABS = ("chart", "map", "table")


def _known(ids: object) -> object:
    """A choices callable that treats an unreadable store as 'nothing is known'."""

    def allowed() -> set[str]:
        try:
            return ids()
        except Exception:
            return set()

    return allowed


COMPARE_FIELDS = [
    Field("ind", "choice", DEFAULT_INDICATOR, _known(queries.indicator_ids)),
    Field("cities", "list", DEFAULT_CITIES, _known(queries.city_ids)),
    Field("from", "int", None, lo=FIRST_YEAR, hi=LAST_YEAR),
    Field("to", "int", None, lo=FIRST_YEAR, hi=LAST_YEAR),
    Field("grain", "choice", "auto", ("auto", *GRAINS)),
    Field("pc", "bool", False),
    Field("align", "bool", False),
    Field("tab", "choice", "chart", TABS),
]
MAP_FIELDS = [
    Field("ind", "choice", DEFAULT_INDICATOR, _known(queries.indicator_ids)),
    Field("year", "int", None, lo=FIRST_YEAR, hi=LAST_YEAR),
    Field("pc", "bool", False),
]
register_view(COMPARE_VIEW, COMPARE_FIELDS)
register_view(MAP_VIEW, MAP_FIELDS)
register_view(SOURCES_VIEW, [])


@dataclass
class Selection:
    """What the user asked to compare (already validated by dashboard.urlstate)."""

    indicator_id: str
    cities: list[str]
    start_year: int | None = None
    end_year: int | None = None
    grain: str = "auto"
    per_capita: bool = False
    align: bool = False


@dataclass
class CompareData:
    """The rows of a selection and everything the page must say about them."""

    selection: Selection
    indicator: dict
    grain: str | None
    frame: pd.DataFrame  # city_id, period_start, x, value, shown, coverage, n_points, source_id
    years: tuple[int, int] | None
    measure: str = "raw"  # 'raw' | 'per_capita' | 'index_raw' | 'index_per_capita'
    per_capita_block: str | None = None  # 'no_scale' | 'no_population' when unavailable
    coarsened_from: str | None = None
    missing_population: list[str] = field(default_factory=list)
    unaligned: dict[str, str] = field(default_factory=dict)  # city -> 'no_project' | 'no_base'
    launches: dict[str, dict] = field(default_factory=dict)
    no_data: list[str] = field(default_factory=list)

    @property
    def source_ids(self) -> list[str]:
        if self.frame.empty:
            return []
        return sorted(self.frame["source_id"].dropna().unique().tolist())


def selection_from_state(state: dict) -> Selection:
    """The compare selection held by a decoded URL state."""
    return Selection(
        indicator_id=state["ind"],
        cities=list(state["cities"]),
        start_year=state["from"],
        end_year=state["to"],
        grain=state["grain"],
        per_capita=bool(state["pc"]),
        align=bool(state["align"]),
    )


def indicator_rows() -> dict[str, dict]:
    """Indicator id -> its row."""
    return queries.catalog().indicators


def indicator_row(indicator_id: str) -> dict | None:
    return indicator_rows().get(indicator_id)


def city_rows() -> dict[str, dict]:
    """City id -> its row."""
    return queries.catalog().cities


def grains(indicator_id: str) -> list[str]:
    """The grains stored for an indicator, coarse -> fine."""
    stored = queries.catalog().grains.get(indicator_id, {})
    return [g for g in GRAINS if g in stored]


def year_bounds(indicator_id: str) -> tuple[int, int] | None:
    spans = queries.catalog().grains.get(indicator_id, {}).values()
    if not spans:
        return None
    return min(first for first, _ in spans), max(last for _, last in spans)


def cities_with_data(indicator_id: str) -> frozenset[str]:
    return queries.catalog().cities_with_data.get(indicator_id, frozenset())


# Unit levels in picker order: a national total, then cities and counties, then provinces
# and the regencies inside them.
UNIT_LEVELS = ("country", "special_municipality", "city", "county", "province", "regency")
MAX_DEFAULT_UNITS = 6


def unit_options(indicator_id: str, selected: list[str]) -> list[dict]:
    """The units a picker offers for an indicator: those with data for it, and the ones
    already chosen (shown as having none), by country, then level, then name."""
    rows = city_rows()
    with_data = cities_with_data(indicator_id)
    countries = list(dict.fromkeys(r["country"] for r in rows.values()))
    wanted = [r for c, r in rows.items() if c in with_data or c in selected]

    def order(row: dict) -> tuple:
        level = row.get("level")
        rank = UNIT_LEVELS.index(level) if level in UNIT_LEVELS else len(UNIT_LEVELS)
        return countries.index(row["country"]), rank, row["name_en"]

    return sorted(wanted, key=order)


def default_units(indicator_id: str) -> list[str]:
    """Units to compare when none of a selection has data for the indicator: the cities of
    the projects that use it and the units the registry shows them against, else the
    default cities, else the first units with data."""
    with_data = cities_with_data(indicator_id)
    named = []
    for row in records(query("compare_default_units", [indicator_id])):
        named += [row["city_id"], *(str(c) for c in row["comparison_cities"])]
    units = [c for c in dict.fromkeys(named) if c in with_data]
    if not units:
        units = [c for c in DEFAULT_CITIES if c in with_data]
    if not units:
        units = [r["city_id"] for r in unit_options(indicator_id, [])]
    return units[:MAX_DEFAULT_UNITS]


def default_grain(indicator: dict, available: list[str]) -> str | None:
    """The indicator's own grain (hourly shows as daily), else the finest available."""
    if not available:
        return None
    native = (
        Grain.DAILY
        if indicator.get("native_grain") == Grain.HOURLY
        else indicator.get("native_grain")
    )
    return native if native in available else available[-1]


def fit_grain(grain: str, available: list[str], n_cities: int, n_years: int) -> str:
    """Coarsen until all traces together stay within MAX_POINTS."""
    order = [g for g in available if GRAINS.index(g) <= GRAINS.index(grain)]
    for candidate in reversed(order):
        if max(n_cities, 1) * max(n_years, 1) * PERIODS_PER_YEAR[candidate] <= MAX_POINTS:
            return candidate
    return order[0] if order else grain


def peers(city_id: str, exclude: list[str], candidates: set[str], n: int = 4) -> list[str]:
    """Cities of similar size in the same country (latest registered population)."""
    pop = queries.catalog().population
    cities = city_rows()
    if city_id not in pop or city_id not in cities:
        return []
    country, level_parent = cities[city_id]["country"], cities[city_id].get("parent_id")
    base = float(pop[city_id])
    scored = []
    for other, value in pop.items():
        row = cities.get(other)
        if other in exclude or row is None or row["country"] != country or other not in candidates:
            continue
        if row.get("parent_id") != level_parent or not value or value <= 0 or base <= 0:
            continue
        scored.append((abs(math.log(float(value) / base)), other))
    return [c for _, c in sorted(scored)[:n]]


def _period_index(period: pd.Series, grain: str) -> pd.Series:
    ts = pd.to_datetime(period)
    if grain == Grain.ANNUAL:
        return ts.dt.year
    if grain == Grain.MONTHLY:
        return ts.dt.year * 12 + ts.dt.month - 1
    days = (ts - pd.Timestamp("1970-01-05")).dt.days  # a Monday, so weeks line up
    return days // 7 if grain == Grain.WEEKLY else days


def _launch_index(launch: date, grain: str) -> int:
    return int(_period_index(pd.Series([pd.Timestamp(launch)]), grain).iloc[0])


def _fetch(sel: Selection, grain: str, years: tuple[int, int]) -> pd.DataFrame:
    start, end = date(years[0], 1, 1), date(years[1] + 1, 1, 1)
    cities = list(dict.fromkeys(sel.cities))
    return query("compare_values", [sel.indicator_id, grain, cities, start, end, cities])


def _align(data: CompareData, frame: pd.DataFrame, grain: str) -> pd.DataFrame:
    launch_by_city = data.launches
    parts = []
    for city_id, rows in frame.groupby("city_id", sort=False):
        launch = launch_by_city.get(city_id)
        if launch is None:
            data.unaligned[city_id] = "no_project"
            continue
        offset = _period_index(rows["period_start"], grain) - _launch_index(
            launch["launch_date"], grain
        )
        before = rows.loc[(offset <= 0).to_numpy() & rows["shown"].notna().to_numpy()]
        base = before["shown"].iloc[-1] if not before.empty else None
        if is_missing(base) or base == 0:
            data.unaligned[city_id] = "no_base"
            continue
        rows = rows.assign(x=offset.to_numpy(), shown=rows["shown"] / base * 100.0)
        parts.append(rows)
    for city_id in data.selection.cities:
        if city_id not in launch_by_city and city_id not in data.unaligned:
            data.unaligned[city_id] = "no_project"
    return pd.concat(parts, ignore_index=True) if parts else frame.iloc[0:0].assign(x=[])


EMPTY_COLUMNS = [
    "city_id",
    "period_start",
    "x",
    "value",
    "shown",
    "coverage",
    "n_points",
    "source_id",
]


def compare_data(sel: Selection) -> CompareData:
    """Every number a compare view shows for `sel`, read from the values stored at ingest."""
    indicator = indicator_row(sel.indicator_id) or {}
    data = CompareData(sel, indicator, None, pd.DataFrame(columns=EMPTY_COLUMNS), None)
    if not indicator or not sel.cities:
        return data
    available = grains(sel.indicator_id)
    bounds = year_bounds(sel.indicator_id)
    wanted = sel.grain if sel.grain in available else default_grain(indicator, available)
    if wanted is None or bounds is None:
        data.no_data = list(sel.cities)
        return data
    first = sel.start_year if sel.start_year is not None else bounds[0]
    last = sel.end_year if sel.end_year is not None else bounds[1]
    first, last = sorted((max(FIRST_YEAR, first), min(LAST_YEAR, last)))
    data.years = (first, last)
    grain = fit_grain(wanted, available, len(sel.cities), last - first + 1)
    data.grain = grain
    if grain != wanted:
        data.coarsened_from = wanted
    frame = _fetch(sel, grain, data.years)  # cities in the selection's order, then period
    scale = indicator.get("per_capita_scale")
    if sel.per_capita:
        if is_missing(scale):
            data.per_capita_block = "no_scale"
        elif frame.empty or frame["value_per_capita"].isna().all():
            data.per_capita_block = "no_population"
    use_pc = sel.per_capita and data.per_capita_block is None
    frame = frame.assign(shown=frame["value_per_capita" if use_pc else "value"])
    present = set(frame["city_id"].unique().tolist())  # whole-column ops: no per-cell loops
    if use_pc:
        has_pc = set(frame.loc[frame["value_per_capita"].notna(), "city_id"].unique().tolist())
        data.missing_population = [c for c in sel.cities if c not in has_pc and c in present]
    frame["x"] = frame["period_start"]
    data.measure = "per_capita" if use_pc else "raw"
    data.no_data = [c for c in sel.cities if c not in present]
    launches = queries.catalog().launches_for(sel.indicator_id)
    data.launches = {c: r for c, r in launches.items() if c in sel.cities}
    if sel.align:
        frame = _align(data, frame, grain)
        data.measure = "index_" + data.measure
    data.frame = frame.reset_index(drop=True)
    return data


def sources_for(source_ids: list[str]) -> list[dict]:
    """Provenance rows of the given sources, by id (unknown ids are left out)."""
    known = queries.catalog().sources
    return [known[s] for s in sorted(set(source_ids)) if s in known]


def map_years(indicator_id: str) -> list[int]:
    return list(queries.catalog().map_years.get(indicator_id, ()))


def map_values(
    indicator_id: str, year: int, per_capita: bool = False
) -> tuple[pd.DataFrame, str | None]:
    """One value per city for `year` at the coarsest stored grain, and that grain."""
    grain = next(iter(grains(indicator_id)), None)
    if grain is None:
        return pd.DataFrame(columns=["city_id", "value", "value_per_capita", "coverage"]), None
    frame = query("map_values", [indicator_id, grain, date(year, 1, 1), date(year + 1, 1, 1)])
    frame = frame.copy()
    frame["shown"] = frame["value_per_capita"] if per_capita else frame["value"]
    return frame, grain


def map_stations(indicator_id: str, year: int) -> pd.DataFrame:
    """Stations with an annual value in `year` and a place, by id, with their names."""
    return query("map_stations", [indicator_id, date(year, 1, 1)])


def sources_list() -> pd.DataFrame:
    """Every source with its provenance and the indicators it feeds (sorted ids, or None)."""
    frame = query("sources_list")
    fed = queries.catalog().fed
    indicators = [
        sorted(fed.get(source_id, frozenset()) | set(() if pd.api.types.is_scalar(own) else own))
        or None
        for source_id, own in zip(frame["source_id"], frame["indicators"].tolist(), strict=True)
    ]
    return frame.assign(indicators=indicators)


def coverage() -> pd.DataFrame:
    """City x indicator coverage at one grain per indicator (its own grain where stored,
    hourly as daily; else the coarsest stored)."""
    catalog = queries.catalog()
    keep = []
    for indicator_id, rows in catalog.cells.groupby("indicator_id", sort=True):
        stored = set(rows["grain"])
        native = (catalog.indicators.get(indicator_id) or {}).get("native_grain")
        own = Grain.DAILY if native == Grain.HOURLY else native
        grain = own if own in stored else next((g for g in GRAINS if g in stored), min(stored))
        keep.append(rows[rows["grain"] == grain])
    if not keep:
        return catalog.cells.iloc[0:0]
    return pd.concat(keep, ignore_index=True)


def ingest_runs() -> pd.DataFrame:
    return query("sources_runs")


def effects() -> pd.DataFrame:
    return query("effect_project", [None])


def project_series(project_id: str) -> pd.DataFrame:
    return query("api_project_series", [project_id])
