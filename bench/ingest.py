"""Bulk ingest speed next to DuckDB's own reader on the same file, and app start from the snapshot.

Prints figures only (no assertions). Run: `python bench/ingest.py [--opendata DIR] [--serve]`.

* ours: read bytes -> the connector's parser -> `load_batch` (validation, merge,
  provenance) into a DuckDB file, timed end to end, as input rows per second;
* duckdb: `CREATE TABLE t AS SELECT * FROM read_parquet/read_csv(file)` into a DuckDB file;
* ratio = ours / duckdb (target >= 0.5), each the best of --repeat runs taken in turns;
* snapshot: `load_snapshot` of datasets/snapshot into a fresh store;
* serve (with --serve, if gosmart.dashboard.app exists): seconds from `gosmart serve` to the
  first HTTP 200 on a free loopback port.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import duckdb  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from gosmart.connectors.catalog import all_specs  # noqa: E402
from gosmart.connectors.core import load_batch, sha256_bytes  # noqa: E402
from gosmart.lake import default_lake  # noqa: E402
from gosmart.resources import SNAPSHOT_DIR  # noqa: E402
from gosmart.settings import Settings  # noqa: E402
from gosmart.snapshot import load_snapshot  # noqa: E402
from gosmart.store import connect_write, create_schema  # noqa: E402

CASES = [
    ("trtc_station_daily", "transit/trtc_daily_station_entries_exits_2019_2023.parquet"),
    (
        "mohw_child_protection_2019_2023",
        "welfare/mohw_child_youth_protection_cases_2019_2023.parquet",
    ),
    ("taipei_aqi_hourly", "air/history/taipei_city_mean_aqi_hourly_2016-11-25_2024-06-30.parquet"),
    ("krtc_station_monthly", "transit/krtc_station_monthly_avg_daily_entries_2010_2026.csv"),
]


def input_rows(path: Path) -> int:
    if path.suffix == ".parquet":
        return pq.ParquetFile(path).metadata.num_rows
    return duckdb.execute("SELECT count(*) FROM read_csv(?)", [str(path)]).fetchall()[0][0]


def timed(fn) -> float:
    """Wall time of one run; a function may return its own timed span."""
    t = time.perf_counter()
    inner = fn()
    return inner if isinstance(inner, float) else time.perf_counter() - t


def best_of(fn, repeat: int) -> float:
    return min(timed(fn) for _ in range(repeat))


def best_of_pair(first, second, repeat: int) -> tuple[float, float]:
    """Best times of two functions run in turns, so a busy spell of the machine hits both."""
    times = [(timed(first), timed(second)) for _ in range(repeat)]
    return min(a for a, _ in times), min(b for _, b in times)


def ours(source_id: str, path: Path, workdir: Path) -> float:
    spec = all_specs()[source_id]
    db = workdir / f"ours-{time.perf_counter_ns()}.duckdb"
    with duckdb.connect(str(db)) as setup:
        create_schema(setup, default_lake(db))  # one-time, not part of the ingest being timed
    t = time.perf_counter()
    con = connect_write(db)  # as `gosmart ingest`'s writer
    raw = path.read_bytes()
    con.execute("BEGIN")
    load_batch(con, spec, spec.parse(raw, path.name), location=path.name, sha256=sha256_bytes(raw))
    con.execute("COMMIT")
    con.close()
    return time.perf_counter() - t


def theirs(path: Path, workdir: Path) -> None:
    db = workdir / f"duck-{time.perf_counter_ns()}.duckdb"
    con = duckdb.connect(str(db))
    reader = "read_parquet" if path.suffix == ".parquet" else "read_csv"
    con.execute(f"CREATE TABLE t AS SELECT * FROM {reader}(?)", [str(path)])  # noqa: S608
    con.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_ready(db: Path, timeout: float = 60.0) -> float | None:
    """Seconds from starting `gosmart serve` to its first 200 on loopback (None if it never answers)."""
    port = free_port()
    env = {**os.environ, "GOSMART_DB": str(db)}
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gosmart.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while time.perf_counter() - start < timeout:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                    if r.status == 200:
                        return time.perf_counter() - start
            except OSError:
                time.sleep(0.05)
        return None
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--opendata", type=Path, default=Settings.from_env().opendata_dir())
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--serve", action="store_true", help="also time `gosmart serve` readiness")
    args = ap.parse_args()
    if args.opendata is None:
        sys.exit("no opendata folder: pass --opendata DIR")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        print(f"{'file':58} {'rows':>9} {'ours rows/s':>12} {'duckdb rows/s':>14} {'ratio':>6}")
        for source_id, rel in CASES:
            path = args.opendata / rel
            n = input_rows(path)
            t_ours, t_duck = best_of_pair(
                lambda s=source_id, p=path: ours(s, p, work),
                lambda p=path: theirs(p, work),
                args.repeat,
            )
            print(
                f"{rel:58} {n:>9,} {n / t_ours:>12,.0f} {n / t_duck:>14,.0f} "
                f"{t_duck / t_ours:>6.2f}"
            )
        if (SNAPSHOT_DIR / "manifest.json").is_file():
            t_snap = best_of(
                lambda: load_snapshot(SNAPSHOT_DIR, work / f"snap-{time.perf_counter_ns()}.duckdb"),
                args.repeat,
            )
            print(f"load_snapshot (datasets/snapshot -> fresh store): {t_snap:.2f} s")
            if args.serve:
                try:
                    import gosmart.dashboard.app  # noqa: F401
                except ImportError:
                    print("serve: gosmart.dashboard.app not importable; skipped")
                else:
                    db = work / "serve.duckdb"
                    load_snapshot(SNAPSHOT_DIR, db)
                    ready = serve_ready(db)
                    print(
                        "gosmart serve -> first 200: "
                        + (f"{ready:.2f} s" if ready is not None else "no answer within 60 s")
                    )
        else:
            print("no datasets/snapshot/manifest.json: snapshot timing skipped")


if __name__ == "__main__":
    main()
