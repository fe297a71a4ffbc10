"""Compare, map and sources data: typed accessors over the named SQL files.

One function, `compare_data`, turns a compare selection into the rows the chart,
the map tab, the table, the CSV download and the data API all show, so every view
of a selection is the same numbers. Aggregation happens in DuckDB; pandas only
touches the few thousand aggregated rows (per-capita choice, event-time index).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd

from dashboard import queries
from dashboard.data import query, store
from dashboard.urlstate import Field, register_view

GRAINS = ("annual", "monthly", "weekly", "daily")  # coarse -> fine
GRAIN_PART = {"annual": "year", "monthly": "month", "weekly": "week", "daily": "day"}
PERIODS_PER_YEAR = {"annual": 1, "monthly": 12, "weekly": 53, "daily": 366}
RAW_GRAIN_RANK = {"annual": 0, "monthly": 1, "weekly": 2, "daily": 3, "hourly": 4}
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
        return sorted(set(self.frame["source_id"].dropna()))


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


def indicator_row(indicator_id: str) -> dict | None:
    frame = queries.indicators()
    rows = frame[frame["indicator_id"] == indicator_id].to_dict("records")
    return rows[0] if rows else None


def city_rows() -> dict[str, dict]:
    return {r["city_id"]: r for r in queries.cities().to_dict("records")}


def grain_sources(indicator_id: str) -> dict[str, str]:
    """Grain -> 'series' (aggregate raw observations) or 'value' (stored city values).

    Daily and weekly views read raw series when they exist, so fine-grained views
    always come from observations through SQL aggregation; coarser views use the
    stored city values when present.
    """
    frame = query("compare_grains", [indicator_id, indicator_id])
    values = set(frame.loc[frame["kind"] == "value", "grain"])
    raw = [RAW_GRAIN_RANK.get(g, 0) for g in frame.loc[frame["kind"] == "series", "grain"]]
    finest_raw = max(raw) if raw else -1
    out: dict[str, str] = {}
    for grain in GRAINS:
        from_series = RAW_GRAIN_RANK[grain] <= finest_raw
        if from_series and (grain in ("daily", "weekly") or grain not in values):
            out[grain] = "series"
        elif grain in values:
            out[grain] = "value"
    return out


def year_bounds(indicator_id: str) -> tuple[int, int] | None:
    frame = query("compare_grains", [indicator_id, indicator_id])
    first, last = frame["first_year"].dropna(), frame["last_year"].dropna()
    if first.empty or last.empty:
        return None
    return int(first.min()), int(last.max())


def cities_with_data(indicator_id: str) -> set[str]:
    return set(query("compare_cities_with_data", [indicator_id, indicator_id])["city_id"])


def default_grain(indicator: dict, available: dict[str, str]) -> str | None:
    """The indicator's own grain (hourly shows as daily), else the finest available."""
    if not available:
        return None
    native = "daily" if indicator.get("native_grain") == "hourly" else indicator.get("native_grain")
    if native in available:
        return native
    return max(available, key=lambda g: RAW_GRAIN_RANK[g])


def fit_grain(grain: str, available: dict[str, str], n_cities: int, n_years: int) -> str:
    """Coarsen until all traces together stay within MAX_POINTS."""
    order = [g for g in GRAINS if g in available and RAW_GRAIN_RANK[g] <= RAW_GRAIN_RANK[grain]]
    for candidate in reversed(order):
        if max(n_cities, 1) * max(n_years, 1) * PERIODS_PER_YEAR[candidate] <= MAX_POINTS:
            return candidate
    return order[0] if order else grain


def population_latest() -> pd.DataFrame:
    return query("compare_population")


def peers(city_id: str, exclude: list[str], candidates: set[str], n: int = 4) -> list[str]:
    """Cities of similar size in the same country (latest registered population)."""
    pop = population_latest().set_index("city_id")["population"]
    cities = city_rows()
    if city_id not in pop.index or city_id not in cities:
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


def launches(indicator_id: str) -> dict[str, dict]:
    """City -> the award project it is aligned on (one targeting the indicator first)."""
    frame = query("compare_launches", [indicator_id])
    out: dict[str, dict] = {}
    for row in frame.to_dict("records"):
        out.setdefault(row["city_id"], row)
    return out


def _period_index(period: pd.Series, grain: str) -> pd.Series:
    ts = pd.to_datetime(period)
    if grain == "annual":
        return ts.dt.year
    if grain == "monthly":
        return ts.dt.year * 12 + ts.dt.month - 1
    days = (ts - pd.Timestamp("1970-01-05")).dt.days  # a Monday, so weeks line up
    return days // 7 if grain == "weekly" else days


def _launch_index(launch: date, grain: str) -> int:
    return int(_period_index(pd.Series([pd.Timestamp(launch)]), grain).iloc[0])


_SPANS: dict[str, pd.DataFrame] = {}


def series_spans() -> pd.DataFrame:
    """Rowid span of every raw series, computed once per data version (one full scan)."""
    version = store().version
    if version not in _SPANS:
        _SPANS.clear()
        _SPANS[version] = query("compare_series_ranges")
    return _SPANS[version]


def population_years() -> pd.DataFrame:
    return query("compare_population_years")


def _bucket_city(
    city_id: str, spans: pd.DataFrame, grain: str, start: datetime, end: datetime, agg: str
) -> pd.DataFrame:
    rows = spans[spans["city_id"] == city_id]
    params = [
        GRAIN_PART[grain],
        int(rows["lo"].min()),
        int(rows["hi"].max()),
        sorted(rows["series_id"]),
        start,
        end,
        agg,
    ]
    frame = query("compare_buckets", params)
    return frame.assign(city_id=city_id, source_id=min(rows["source_id"]))


def _fetch_series(
    sel: Selection, indicator: dict, grain: str, years: tuple[int, int], scale: float | None
) -> pd.DataFrame:
    """City values aggregated from observations, one pruned query per city (each cached)."""
    spans = series_spans()
    spans = spans[(spans["indicator_id"] == sel.indicator_id) & spans["city_id"].isin(sel.cities)]
    start, end = datetime(years[0], 1, 1), datetime(years[1] + 1, 1, 1)
    agg = indicator.get("aggregation") or "mean"
    parts = [
        _bucket_city(c, spans, grain, start, end, agg)
        for c in sel.cities
        if c in set(spans["city_id"])
    ]
    columns = [
        "city_id",
        "period_start",
        "value",
        "value_per_capita",
        "coverage",
        "n_points",
        "source_id",
    ]
    if not parts:
        return pd.DataFrame(columns=columns)
    frame = pd.concat(parts, ignore_index=True)
    frame["coverage"] = float("nan")
    if scale is None:
        frame["value_per_capita"] = float("nan")
    else:
        pop = population_years()
        frame["year"] = pd.to_datetime(frame["period_start"]).dt.year
        frame = frame.merge(pop, on=["city_id", "year"], how="left")
        frame["value_per_capita"] = (
            frame["value"] / frame["population"].where(frame["population"] > 0) * scale
        )
    return frame[columns]


def _fetch(sel: Selection, indicator: dict, grain: str, source: str, years: tuple[int, int]):
    scale = indicator.get("per_capita_scale")
    scale = float(scale) if scale is not None and not pd.isna(scale) else None
    if source == "series":
        return _fetch_series(sel, indicator, grain, years, scale)
    start, end = date(years[0], 1, 1), date(years[1] + 1, 1, 1)
    params = [scale, sel.indicator_id, grain, sel.cities, start, end]
    return query("compare_values", params)


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
        if base is None or base == 0 or pd.isna(base):
            data.unaligned[city_id] = "no_base"
            continue
        rows = rows.assign(x=offset.to_numpy(), shown=rows["shown"] / base * 100.0)
        parts.append(rows)
    for city_id in data.selection.cities:
        if city_id not in launch_by_city and city_id not in data.unaligned:
            data.unaligned[city_id] = "no_project"
    return pd.concat(parts, ignore_index=True) if parts else frame.iloc[0:0].assign(x=[])


EMPTY_COLUMNS = ["city_id", "period_start", "x", "value", "shown", "coverage", "n_points"]


def compare_data(sel: Selection) -> CompareData:
    """Every number a compare view shows for `sel`, aggregated in DuckDB."""
    indicator = indicator_row(sel.indicator_id) or {}
    empty = pd.DataFrame(columns=[*EMPTY_COLUMNS, "source_id"])
    data = CompareData(sel, indicator, None, empty, None)
    if not indicator or not sel.cities:
        return data
    available = grain_sources(sel.indicator_id)
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
    frame = _fetch(sel, indicator, grain, available[grain], data.years).copy()
    scale = indicator.get("per_capita_scale")
    if sel.per_capita:
        if scale is None or pd.isna(scale):
            data.per_capita_block = "no_scale"
        elif frame.empty or frame["value_per_capita"].isna().all():
            data.per_capita_block = "no_population"
    use_pc = sel.per_capita and data.per_capita_block is None
    frame["shown"] = frame["value_per_capita"] if use_pc else frame["value"]
    if use_pc:
        has_pc = set(frame.loc[frame["value_per_capita"].notna(), "city_id"])
        data.missing_population = [
            c for c in sel.cities if c not in has_pc and c in set(frame["city_id"])
        ]
    frame["x"] = pd.to_datetime(frame["period_start"])
    data.measure = "per_capita" if use_pc else "raw"
    present = set(frame["city_id"])
    data.no_data = [c for c in sel.cities if c not in present]
    data.launches = {c: r for c, r in launches(sel.indicator_id).items() if c in sel.cities}
    if sel.align:
        frame = _align(data, frame, grain)
        data.measure = "index_" + data.measure
    order = {c: i for i, c in enumerate(sel.cities)}
    frame = frame.assign(_order=frame["city_id"].map(order)).sort_values(["_order", "period_start"])
    data.frame = frame.drop(columns="_order").reset_index(drop=True)
    return data


def sources_for(source_ids: list[str]) -> pd.DataFrame:
    return query("compare_sources", [list(source_ids)])


def map_years(indicator_id: str) -> list[int]:
    return [int(y) for y in query("map_years", [indicator_id, indicator_id])["year"]]


def map_values(
    indicator_id: str, year: int, per_capita: bool = False
) -> tuple[pd.DataFrame, str | None]:
    """One value per city for `year` at the coarsest stored grain, and that grain."""
    indicator = indicator_row(indicator_id) or {}
    grains = set(
        query("compare_grains", [indicator_id, indicator_id]).query("kind == 'value'")["grain"]
    )
    grain = next((g for g in GRAINS if g in grains), None)
    if grain is None:
        return pd.DataFrame(columns=["city_id", "value", "value_per_capita", "coverage"]), None
    scale = indicator.get("per_capita_scale")
    scale = float(scale) if scale is not None and not pd.isna(scale) else None
    frame = query(
        "map_values", [scale, indicator_id, grain, date(year, 1, 1), date(year + 1, 1, 1)]
    )
    frame = frame.copy()
    frame["shown"] = frame["value_per_capita"] if per_capita else frame["value"]
    return frame, grain


def map_stations(indicator_id: str, year: int) -> pd.DataFrame:
    return query("map_stations", [indicator_id, date(year, 1, 1), date(year + 1, 1, 1)])


def sources_list() -> pd.DataFrame:
    return query("sources_list")


def coverage() -> pd.DataFrame:
    """City x indicator coverage at one grain per indicator (its own grain where stored)."""
    frame = query("sources_coverage")
    if frame.empty:
        return frame
    native = queries.indicators().set_index("indicator_id")["native_grain"].to_dict()
    keep = []
    for indicator_id, rows in frame.groupby("indicator_id", sort=True):
        grains = set(rows["grain"])
        own = "daily" if native.get(indicator_id) == "hourly" else native.get(indicator_id)
        grain = own if own in grains else next((g for g in GRAINS if g in grains), min(grains))
        keep.append(rows[rows["grain"] == grain])
    return pd.concat(keep, ignore_index=True)


def ingest_runs() -> pd.DataFrame:
    return query("sources_runs")


def effects() -> pd.DataFrame:
    return query("api_effects")


def project_series(project_id: str) -> pd.DataFrame:
    return query("api_project_series", [project_id])
