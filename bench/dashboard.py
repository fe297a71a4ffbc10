"""Dashboard benchmark: callback server time on a 50-million-row synthetic observation table.

    python bench/dashboard.py                  # 50,000,000 rows
    python bench/dashboard.py --rows 10000000  # quicker

Builds a throwaway store in a temp dir whose observation table holds --rows
clearly synthetic hourly values (generated in DuckDB with range()/random()) from
synthetic stations, under an indicator named 'SYNTHETIC benchmark'. Nothing here is
real data and it is never shown as such. Then it runs the real ingest-time derive
step (connectors/derive.py) on them and prints its time: that is where every grain
the dashboard shows is aggregated, once.

Then it calls every compare/map/sources callback and the data API directly, many
times with varied inputs, with every cached query result and rendered page dropped
before each call (so each call runs its own queries and render), and prints p50/p95
server time, the figure payload (its JSON size), and the
same compare views computed with pandas from in-memory frames of the raw
observations, side by side, with the ratio. Targets: p95 < 50 ms, >= 20x pandas,
payload < 300 KB.

What stays warm between calls is the per-data-version catalog (cities, indicators,
sources, and per indicator its stored grains, years, cities and launches): the app
reads it once after each store swap, and its build time is printed first.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import plotly.io as pio
from synthetic import write_hours  # noqa: E402 - bench/synthetic.py, beside this script

from gosmart.connectors.derive import derive  # noqa: E402
from gosmart.lake import default_lake  # noqa: E402
from gosmart.registry import load_registry  # noqa: E402
from gosmart.store import create_schema  # noqa: E402

IND = "bench_synthetic"
SOURCE = "bench_synthetic_source"
POP_SOURCE = "bench_synthetic_population"  # not an observation source: derive keeps its rows
START = datetime(2019, 1, 1)
STATIONS_PER_CITY = 20

SERIES_KEYS = """
INSERT INTO series_source (series_key, series_id, source_id)
SELECT row_number() OVER (ORDER BY series_id), series_id, source_id FROM series
"""


def build_store(path: Path, rows: int) -> tuple[list[str], int]:
    """Write the synthetic store and derive its period values; returns (city ids, hours)."""
    con = duckdb.connect(str(path))
    create_schema(con, default_lake(path))
    load_registry(con)
    cities = [
        r[0]
        for r in con.execute(
            "SELECT city_id FROM city WHERE level <> 'province' ORDER BY city_id"
        ).fetchall()
    ]
    hours = max(24, rows // (len(cities) * STATIONS_PER_CITY))
    con.execute(
        "INSERT INTO indicator (indicator_id, name_en, name_zh, unit, direction, native_grain, aggregation, per_capita_scale, third_party) "
        "VALUES (?, 'SYNTHETIC benchmark indicator (not real data)', '合成基準測試指標（非真實資料）', 'units', 'none', 'hourly', 'mean', 1000, false)",
        [IND],
    )
    for source_id in (SOURCE, POP_SOURCE):
        con.execute(
            "INSERT INTO source (source_id, connector, publisher, title, licence, kind, retrieved_at, period_start, period_end) "
            "VALUES (?, 'bench', 'SYNTHETIC (bench/dashboard.py)', 'Synthetic benchmark values - not real data', 'none', 'file', now(), ?, ?)",
            [source_id, START.date(), (pd.Timestamp(START) + pd.Timedelta(hours=hours)).date()],
        )
    con.execute(
        "INSERT INTO station (station_id, network, name, name_en, city_id, lat, lon, kind, source_id) "
        "SELECT 'bench:' || c.city_id || ':s' || lpad(CAST(i.range AS VARCHAR), 2, '0'), 'bench', "
        "'合成測站 ' || i.range, 'SYNTHETIC station ' || i.range, c.city_id, "
        "c.lat + 0.01 * (i.range % 5 - 2), c.lon + 0.01 * (i.range // 5 - 2), 'synthetic', ? "
        "FROM city c CROSS JOIN range(?) i WHERE c.level <> 'province' AND c.lat IS NOT NULL",
        [SOURCE, STATIONS_PER_CITY],
    )
    con.execute(
        "INSERT INTO series SELECT ? || '|' || c.city_id || '|s' || lpad(CAST(i.range AS VARCHAR), 2, '0'), ?, c.city_id, "
        "'bench:' || c.city_id || ':s' || lpad(CAST(i.range AS VARCHAR), 2, '0'), 'hourly', 'units', ? "
        "FROM city c CROSS JOIN range(?) i WHERE c.level <> 'province'",
        [IND, IND, SOURCE, STATIONS_PER_CITY],
    )
    con.execute(SERIES_KEYS)
    con.execute(
        "INSERT INTO indicator_value (indicator_id, city_id, grain, period_start, value, source_id) "
        "SELECT 'population', c.city_id, 'annual', make_date(y.range, 1, 1), 200000 + 50000 * (hash(c.city_id) % 60), ? "
        "FROM city c CROSS JOIN range(2014, 2026) y WHERE c.level <> 'province'",
        [POP_SOURCE],
    )
    write_hours(
        con,
        SOURCE,
        START,
        hours,
        progress=lambda i, n: print(
            f"\r  building synthetic observations: month {i}/{n}", end="", flush=True
        ),
    )
    print()
    con.execute("CHECKPOINT")
    t0 = time.perf_counter()
    con.execute("BEGIN")
    counts = derive(con)
    con.execute("COMMIT")
    con.execute("CHECKPOINT")
    grains = con.execute(
        "SELECT grain, count(*) FROM indicator_value WHERE indicator_id = ? GROUP BY 1 ORDER BY 2",
        [IND],
    ).fetchall()
    print(
        f"  ingest-time derive (connectors/derive.py, as in `gosmart ingest`): "
        f"{time.perf_counter() - t0:,.1f} s -> {counts['indicator_value']:,} indicator_value rows "
        f"({', '.join(f'{g} {n:,}' for g, n in grains)}), {counts['station_value']:,} station_value rows"
    )
    stamp = f"bench-{datetime.now():%Y%m%dT%H%M%S}"
    con.execute("INSERT OR REPLACE INTO meta VALUES ('data_version', ?)", [stamp])
    con.execute("CHECKPOINT")
    con.close()
    return cities, hours


def percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered) * 1000, p95 * 1000


def clear_cache() -> None:
    """Every call pays for its own queries and render: no result or page is reused."""
    from gosmart.dashboard.data import store

    store().forget_results()


def timed(fn: Callable[[], object], n: int) -> tuple[list[float], object]:
    times, out = [], None
    for _ in range(n):
        clear_cache()
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return times, out


def random_selection(rng: random.Random, cities: list[str], last_year: int) -> dict:
    """A compare URL state: 1-6 cities, a period, a grain, raw/per-capita, aligned or not."""
    grain = rng.choice(["auto", "daily", "weekly", "monthly", "annual"])
    first = rng.randint(2019, last_year)
    end = rng.randint(first, last_year)
    return {
        "ind": IND,
        "cities": ",".join(rng.sample(cities, rng.randint(1, 6))),
        "from": str(first),
        "to": str(end),
        "grain": grain,
        "pc": rng.choice(["0", "1"]),
    }


def figure_of(component: object) -> object | None:
    """The first dcc.Graph figure inside a rendered layout."""
    stack = [component]
    while stack:
        node = stack.pop()
        figure = getattr(node, "figure", None)
        if figure is not None:
            return figure
        children = getattr(node, "children", None)
        if isinstance(children, list | tuple):
            stack.extend(children)
        elif children is not None and not isinstance(children, str):
            stack.append(children)
    return None


def payload_bytes(figure: object) -> int:
    """Size of a figure as sent to the browser (a dcc.Graph holds a Figure or a plain dict)."""
    return len(pio.to_json(figure, validate=False))


def load_frames(path: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The pandas baseline's in-memory frames (series_id categorical, the kindest layout)."""
    con = duckdb.connect(str(path), read_only=True)
    series = con.execute("SELECT * FROM series ORDER BY series_id").df()
    codes = con.execute(
        "SELECT CAST(i.idx AS SMALLINT) AS code, o.ts, o.value FROM observation o "
        "JOIN series_source USING (series_key) "
        "JOIN (SELECT series_id, row_number() OVER (ORDER BY series_id) - 1 AS idx FROM series) i USING (series_id)"
    ).df()
    pop = con.execute(
        "SELECT city_id, period_start, value FROM indicator_value WHERE indicator_id = 'population'"
    ).df()
    con.close()
    obs = pd.DataFrame(
        {
            "series_id": pd.Categorical.from_codes(
                codes["code"].to_numpy(), categories=series["series_id"]
            ),
            "ts": codes["ts"],
            "value": codes["value"],
        }
    )
    return obs, series, pop


def pandas_compare(
    obs: pd.DataFrame, series: pd.DataFrame, pop: pd.DataFrame, sel, grain: str
) -> pd.DataFrame:
    """The compare chart's numbers computed with pandas from the raw observations: the same
    periods (ISO weeks; a period belongs to the years where it starts), the same combination
    (mean per series, then mean over a city's series) and the same-year population."""
    chosen = series[
        (series["indicator_id"] == sel.indicator_id) & series["city_id"].isin(sel.cities)
    ]
    start, end = pd.Timestamp(sel.start_year, 1, 1), pd.Timestamp(sel.end_year + 1, 1, 1)
    rows = obs[
        obs["series_id"].isin(chosen["series_id"])
        & (obs["ts"] >= start - pd.Timedelta(days=6))
        & (obs["ts"] < end + pd.Timedelta(days=7))
    ]
    part = {"daily": "D", "weekly": "W", "monthly": "M", "annual": "Y"}[grain]
    bucket = rows["ts"].dt.to_period(part).dt.start_time
    keep = ((bucket >= start) & (bucket < end)).to_numpy()
    per_series = (
        rows.loc[keep]
        .assign(bucket=bucket[keep])
        .groupby(["series_id", "bucket"], observed=True)["value"]
        .agg(["mean", "count"])
        .reset_index()
        .merge(chosen[["series_id", "city_id"]], on="series_id")
    )
    per_city = (
        per_series.groupby(["city_id", "bucket"])
        .agg(value=("mean", "mean"), n_points=("count", "sum"))
        .reset_index()
    )
    # coverage as ingest stores it: points present / (the city's series x hours in the period)
    hours = (
        per_city["bucket"].dt.to_period(part).dt.end_time
        + pd.Timedelta(1, "ns")
        - per_city["bucket"]
    ) / pd.Timedelta(hours=1)
    n_series = (
        per_city["city_id"].map(chosen.groupby("city_id")["series_id"].nunique()).astype("float64")
    )
    per_city["coverage"] = (per_city["n_points"] / (n_series * hours)).clip(upper=1.0)
    pop = pop.assign(yr=pd.to_datetime(pop["period_start"]).dt.year)
    per_city["yr"] = per_city["bucket"].dt.year
    per_city = per_city.merge(
        pop[["city_id", "yr", "value"]].rename(columns={"value": "population"}),
        on=["city_id", "yr"],
        how="left",
    )
    per_city["value_per_capita"] = per_city["value"] / per_city["population"] * 1000
    return per_city.rename(columns={"bucket": "period_start"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=50_000_000)
    parser.add_argument("--iterations", type=int, default=60, help="calls per callback")
    parser.add_argument("--baseline-iterations", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--keep", help="build the store here and keep it (default: temp dir, removed)"
    )
    args = parser.parse_args(argv)

    workdir = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="gosmart-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "bench.duckdb"
    try:
        t0 = time.perf_counter()
        if path.exists():
            con = duckdb.connect(str(path), read_only=True)
            cities = [
                r[0]
                for r in con.execute("SELECT DISTINCT city_id FROM series ORDER BY 1").fetchall()
            ]
            hours = con.execute("SELECT count(*) FROM observation").fetchone()[0] // (
                len(cities) * STATIONS_PER_CITY
            )
            con.close()
        else:
            cities, hours = build_store(path, args.rows)
        con = duckdb.connect(str(path), read_only=True)
        n_obs = con.execute("SELECT count(*) FROM observation").fetchone()[0]
        con.close()
        print(
            f"SYNTHETIC store: {n_obs:,} observation rows, {len(cities)} cities x {STATIONS_PER_CITY} series, "
            f"{hours:,} hours each ({path.stat().st_size / 2**20:,.0f} MiB, built in {time.perf_counter() - t0:,.1f} s)"
        )
        return run(path, cities, hours, args)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)  # the store and its lake beside it


def run(path: Path, cities: list[str], hours: int, args: argparse.Namespace) -> int:
    import dash

    from gosmart.dashboard import data
    from gosmart.settings import Settings

    data.configure(Settings(db=path))

    dash.Dash(__name__, use_pages=True, pages_folder="")  # lets the page modules register
    from flask import Flask

    from gosmart.dashboard import queries_compare as qc
    from gosmart.dashboard.api import api
    from gosmart.dashboard.figures import compare as figs
    from gosmart.dashboard.pages import compare, sources
    from gosmart.dashboard.pages import map as map_page
    from gosmart.dashboard.urlstate import decode, encode

    last_year = (pd.Timestamp(START) + pd.Timedelta(hours=hours)).year
    rng = random.Random(args.seed)
    n = args.iterations
    selections = [random_selection(rng, cities, last_year) for _ in range(n)]
    picks = iter(range(10**9))

    def next_sel() -> dict:
        return selections[next(picks) % n]

    from gosmart.dashboard import queries

    t0 = time.perf_counter()
    queries.catalog()
    print(
        f"per-data-version catalog (opened store + read once after each swap): "
        f"{(time.perf_counter() - t0) * 1000:,.1f} ms"
    )
    server = Flask(__name__)
    server.register_blueprint(api)
    client = server.test_client()
    results: list[tuple[str, list[float], int | None, list[float] | None]] = []
    compare.layout(**selections[0])  # warm imports and metadata queries once

    for tab in ("chart", "map", "table"):
        payloads: list[int] = []

        def render(tab: str = tab, payloads: list[int] = payloads) -> object:
            out = compare.layout(**{**next_sel(), "tab": tab})
            fig = figure_of(out)
            if fig is not None:
                payloads.append(payload_bytes(fig))
            return out

        times, _ = timed(render, n)
        results.append(
            (f"compare.layout tab={tab}", times, max(payloads) if payloads else None, None)
        )

    def sync() -> object:
        s = next_sel()
        return compare.state_from_controls(
            "?" + "&".join(f"{k}={v}" for k, v in s.items()),
            IND,
            s["cities"].split(",")[:3],
            [int(s["from"]), int(s["to"])],
            "monthly",
            ["pc"],
            "table",
            "compare-years",
        )

    results.append(("compare.sync_url", timed(sync, n)[0], None, None))
    results.append(
        (
            "compare.download_csv",
            timed(lambda: compare.csv_for(encode("compare", decode("compare", next_sel())[0])), n)[
                0
            ],
            None,
            None,
        )
    )
    for ind, years in (
        ("population", [str(y) for y in range(2014, 2026)]),
        (IND, [str(y) for y in range(START.year, last_year + 1)]),
    ):
        map_payloads = [
            payload_bytes(fig)
            for y in years
            if (fig := map_page.map_view(decode("map", {"ind": ind, "year": y})[0])["figure"])
        ]
        label = "population" if ind == "population" else "synthetic, station points"
        results.append(
            (
                f"map.layout ({label})",
                timed(
                    lambda ind=ind, years=years: map_page.layout(
                        ind=ind, year=rng.choice(years), pc=rng.choice(["0", "1"])
                    ),
                    n,
                )[0],
                max(map_payloads) if map_payloads else None,
                None,
            )
        )
    results.append(
        (
            "map.sync_map_url",
            timed(
                lambda: map_page.map_state(
                    "?ind=population", "population", 2020, ["pc"], "map-year"
                ),
                n,
            )[0],
            None,
            None,
        )
    )
    sources_times, sources_out = timed(lambda: sources.layout(), max(10, n // 3))
    sources_fig = figure_of(sources_out)
    results.append(
        (
            "sources.layout",
            sources_times,
            payload_bytes(sources_fig) if sources_fig is not None else None,
            None,
        )
    )

    def api_call() -> object:
        s = next_sel()
        query = "&".join(f"{k}={v}" for k, v in s.items() if k != "ind")
        response = client.get(f"/api/v1/indicator/{IND}.csv?{query}")
        assert response.status_code == 200, response.get_data(as_text=True)
        return response

    results.append(("api indicator.csv", timed(api_call, n)[0], None, None))

    print("loading the pandas baseline's in-memory frames ...", flush=True)
    t0 = time.perf_counter()
    obs, series, pop = load_frames(path)
    print(
        f"  {len(obs):,} rows in memory ({obs.memory_usage(deep=True).sum() / 2**20:,.0f} MiB) in {time.perf_counter() - t0:,.1f} s"
    )
    duck_times, pandas_times, mismatch = [], [], 0.0
    for s in selections[: args.baseline_iterations]:
        state, _ = decode("compare", s)
        sel = qc.selection_from_state(state)
        clear_cache()
        t0 = time.perf_counter()
        data = qc.compare_data(sel)
        fig = pio.to_json(figs.line_figure(data, qc.city_rows(), "en"), validate=False)
        duck_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        frame = pandas_compare(obs, series, pop, sel, data.grain)
        frame["shown"] = (
            frame["value_per_capita"] if data.measure == "per_capita" else frame["value"]
        )
        frame["x"] = frame["period_start"]
        baseline = qc.CompareData(sel, data.indicator, data.grain, frame, data.years, data.measure)
        pio.to_json(figs.line_figure(baseline, qc.city_rows(), "en"), validate=False)
        pandas_times.append(time.perf_counter() - t0)
        got = data.frame.sort_values(["city_id", "period_start"])["shown"].to_numpy(dtype="float64")
        want = frame.sort_values(["city_id", "period_start"])["shown"].to_numpy(dtype="float64")
        if len(got) != len(want):
            mismatch = float("inf")
        elif len(got):
            mismatch = max(
                mismatch, float(np.nanmax(np.abs(got - want))) if np.isfinite(got).any() else 0.0
            )
        del fig
    d50, d95 = percentiles(duck_times)
    p50, p95 = percentiles(pandas_times)

    print()
    print(
        f"{'callback (server time, no cached result or page)':52s} {'p50 ms':>8s} {'p95 ms':>8s} {'payload KB':>11s}"
    )
    ok = True
    for name, times, payload, _ in results:
        a, b = percentiles(times)
        ok &= b < 50 and (payload or 0) < 300 * 1024
        kb = f"{payload / 1024:,.0f}" if payload else "-"
        print(f"{name:52s} {a:8.1f} {b:8.1f} {kb:>11s}")
    print()
    print("compare chart view (data + figure JSON), same selections, one run:")
    print(f"  DuckDB, stored grains   p50 {d50:8.1f} ms   p95 {d95:8.1f} ms")
    print(f"  pandas in-memory frames p50 {p50:8.1f} ms   p95 {p95:8.1f} ms")
    print(
        f"  ratio (pandas / DuckDB) p50 {p50 / d50:8.1f}x   p95 {p95 / d95:8.1f}x   max |difference| {mismatch:.2e}"
    )
    ok &= p50 / d50 >= 20
    print()
    print("targets: p95 < 50 ms, >= 20x pandas, payload < 300 KB ->", "MET" if ok else "NOT MET")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
