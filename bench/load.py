"""Load benchmark: the app under gunicorn, driven by concurrent simulated users (locust).

    python bench/load.py                          # 100 users, 180 s, 4 gunicorn workers
    python bench/load.py --users 20 --duration 30 # quick check

Builds a throwaway store from datasets/snapshot (or copies --source), starts
`gunicorn -w WORKERS gosmart.dashboard.wsgi:server` on a free loopback port, and runs
locust headless with a locustfile this script writes. Each simulated user does
what a browser does (request bodies as captured from Chromium on the running app):

* a page view: a full load (GET the page, /_dash-layout, /_dash-dependencies) or
  an in-app link, then the two callbacks every page fires (the shell texts and the
  Dash Pages router that renders the page) - showcase, project pages, map, sources,
  about, in English or Chinese;
* a compare change: the controls->URL callback with another indicator, other
  cities, a period, a tab or per capita, then the page redrawn from the new URL;
* a CSV download: the data API (/api/v1/indicator/<id>.csv, /api/v1/project/<id>/series.csv)
  or the compare page's Download button callback.

A callback that answers 200 with the page's error notice counts as a failure.
Prints requests/s, p50/p95/p99 latency and failures per request type, user-visible
flow times, and server errors from gunicorn's log. Figures only, no assertions.
Target: p95 < 300 ms and zero errors on 2 cores. The load generator shares the
machine with the server, so the figures include its CPU use.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))  # for tests.dash_requests

from gosmart.resources import SNAPSHOT_DIR  # noqa: E402
from gosmart.snapshot import load_snapshot  # noqa: E402

TARGET_P95_MS = 300
LOCUSTFILE = '''"""Simulated GO SMART Evidence users; written by bench/load.py, which documents the mix."""

import json
import os
import random
import time
from collections import defaultdict

from locust import FastHttpUser, between, events, task

from tests.dash_requests import CALLBACK_ROUTE, callback_body, router_body

PLAN = json.loads(open(os.environ["GOSMART_LOAD_PLAN"], encoding="utf-8").read())
FLOWS = defaultdict(list)
CPU_WARNINGS = []


@events.reset_stats.add_listener
def _reset(**_kw):
    FLOWS.clear()


@events.cpu_warning.add_listener
def _cpu(environment, cpu_usage, **_kw):
    CPU_WARNINGS.append(cpu_usage)


@events.test_stop.add_listener
def _dump(**_kw):
    with open(os.environ["GOSMART_LOAD_FLOWS"], "w", encoding="utf-8") as fh:
        json.dump({"flows": FLOWS, "cpu_warnings": CPU_WARNINGS}, fh)


class Visitor(FastHttpUser):
    wait_time = between(PLAN["wait"][0], PLAN["wait"][1])

    def on_start(self):
        self.lang = "zh" if random.random() < 0.25 else "en"
        self.view("/", "", "/", full=True)

    def _check(self, resp, markers):
        if resp.status_code not in (200, 204):
            resp.failure(f"HTTP {resp.status_code}")
        elif any(m in (resp.text or "") for m in markers):
            resp.failure("error notice in the response")
        else:
            resp.success()

    def get(self, url, name, markers=()):
        with self.client.get(url, name=name, catch_response=True) as resp:
            self._check(resp, markers)
        return resp

    def callback(self, body, name):
        with self.client.post(CALLBACK_ROUTE, json=body, name=name, catch_response=True) as resp:
            self._check(resp, PLAN["error_markers"])
        return resp

    def query(self, **fields):
        if self.lang == "zh":
            fields["lang"] = "zh"
        text = "&".join(f"{k}={v}" for k, v in fields.items() if v not in (None, ""))
        return "?" + text if text else ""

    def view(self, path, search, label, full=None):
        """One page view: maybe the full load, then the shell and router callbacks."""
        full = random.random() < PLAN["full_load"] if full is None else full
        start = time.perf_counter()
        if full:
            self.get(path + search, f"GET {label}")
            self.get("/_dash-layout", "GET /_dash-layout")
            self.get("/_dash-dependencies", "GET /_dash-dependencies")
        self.callback(callback_body(PLAN["shell"], [path, search]), "cb shell")
        resp = self.callback(router_body(path, search), f"cb router {label}")
        kind = "full load" if full else "in-app link"
        FLOWS[f"view {label} ({kind})"].append(time.perf_counter() - start)
        return resp

    @task(3)
    def showcase(self):
        self.view("/", self.query(), "/")

    @task(3)
    def project(self):
        pid = random.choice(list(PLAN["projects"]))
        self.view(f"/project/{pid}", self.query(), "/project/[id]")
        others = PLAN["projects"][pid]
        if others and random.random() < 0.5:
            self.view(f"/project/{pid}", self.query(ind=random.choice(others)), "/project/[id]")

    def pick(self, ind=None):
        ind = ind or random.choice(list(PLAN["indicators"]))
        cities = PLAN["indicators"][ind]["cities"]
        return ind, random.sample(cities, min(len(cities), random.randint(1, 4)))

    @task(3)
    def compare(self):
        ind, cities = self.pick()
        search = self.query(ind=ind, cities=",".join(cities))
        self.view("/compare", search, "/compare")
        controls = {"ind": ind, "cities": cities, "years": PLAN["indicators"][ind]["years"],
                    "grain": "auto", "options": [], "tab": "chart"}
        for _ in range(random.randint(1, 3)):
            start = time.perf_counter()
            change = random.choice(["ind", "cities", "years", "tab", "options", "grain"])
            if change == "ind":
                controls["ind"] = self.pick()[0]
            elif change == "cities":
                controls["cities"] = self.pick(controls["ind"])[1]
            elif change == "years":
                lo, hi = PLAN["indicators"][controls["ind"]]["years"]
                first = random.randint(lo, hi)
                controls["years"] = [first, random.randint(first, hi)]
            elif change == "tab":
                controls["tab"] = random.choice(["chart", "map", "table"])
            elif change == "options":
                controls["options"] = random.choice([[], ["pc"], ["align"], ["pc", "align"]])
            else:
                controls["grain"] = random.choice(["auto", "monthly", "annual"])
            values = [controls[k] for k in ("ind", "cities", "years", "grain", "options", "tab")]
            body = callback_body(PLAN["sync"], [*values, search])
            body["changedPropIds"] = [f"compare-{change}.value"]
            resp = self.callback(body, "cb compare controls->url")
            if resp.status_code == 200:
                try:
                    search = resp.json()["response"]["compare-url"]["search"]
                except (ValueError, KeyError, TypeError):
                    continue
                self.view("/compare", search, "/compare", full=False)
            FLOWS["compare change (controls->url->redraw)"].append(time.perf_counter() - start)
        if random.random() < 0.3:
            self.callback(callback_body(PLAN["download"], [1, search]), "cb compare download csv")

    @task(2)
    def csv(self):
        start = time.perf_counter()
        if random.random() < 0.6:
            ind, cities = self.pick()
            query = self.query(cities=",".join(cities))
            self.get(f"/api/v1/indicator/{ind}.csv{query}", "GET /api/v1/indicator/[id].csv")
            FLOWS["csv indicator"].append(time.perf_counter() - start)
        else:
            pid = random.choice(list(PLAN["projects"]))
            self.get(f"/api/v1/project/{pid}/series.csv", "GET /api/v1/project/[id]/series.csv")
            FLOWS["csv project series"].append(time.perf_counter() - start)

    @task(1)
    def other_page(self):
        path = random.choice(["/map", "/sources", "/about"])
        self.view(path, self.query(), path)
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_store(workdir: Path, source: Path | None) -> Path:
    db = workdir / "load.duckdb"
    if source is not None:
        shutil.copyfile(source, db)
    else:
        load_snapshot(SNAPSHOT_DIR, db)
    return db


def plan_for(db: Path, base: str, wait: tuple[float, float], full_load: float) -> dict:
    """What the users choose from: projects, indicators with their cities and years, callbacks."""
    from gosmart.dashboard import data, queries, queries_project
    from gosmart.dashboard import queries_compare as qc
    from gosmart.dashboard.i18n import t
    from gosmart.settings import Settings

    data.configure(Settings(db=db))

    indicators = {}
    for ind in sorted(queries.indicator_ids()):
        bounds, cities = qc.year_bounds(ind), sorted(qc.cities_with_data(ind))
        if bounds and cities:
            indicators[ind] = {"years": list(bounds), "cities": cities}
    projects = {
        pid: [r["indicator_id"] for r in queries_project.project_indicators(pid)]
        for pid in sorted(queries.project_ids())
    }
    with urllib.request.urlopen(f"{base}/_dash-dependencies", timeout=30) as r:
        dependencies = json.load(r)
    by_output = {d["output"]: d for d in dependencies}
    shell = next(d for d in dependencies if d["output"].startswith("..lang-toggle.href"))
    markers = [
        t(key, lang)
        for key in ("common.error_panel", "showcase.store_unavailable")
        for lang in ("en", "zh")
    ]
    return {
        "wait": list(wait),
        "full_load": full_load,
        "indicators": indicators,
        "projects": projects,
        "shell": shell,
        "sync": by_output["compare-url.search"],
        "download": by_output["compare-download.data"],
        "error_markers": markers,
    }


def start_gunicorn(db: Path, workers: int, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--error-logfile",
            str(log),
            "--access-logfile",
            str(log.with_name("access.log")),
            "gosmart.dashboard.wsgi:server",
        ],
        cwd=REPO_ROOT,
        env={**os.environ, "GOSMART_DB": str(db)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(base + "/", timeout=5) as r:
                if r.status == 200:
                    return proc, base
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError("gunicorn did not answer within 120 s")


def cpu_seconds(proc: subprocess.Popen) -> float:
    """User + system CPU seconds used so far by the gunicorn master and its workers."""
    import psutil  # a locust dependency

    master = psutil.Process(proc.pid)
    total = 0.0
    for p in [master, *master.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            times = p.cpu_times()
            total += times.user + times.system
    return total


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def run_locust(workdir: Path, base: str, plan: dict, args: argparse.Namespace) -> dict:
    """Run locust headless; returns the flow timings and CPU warnings it recorded."""
    locustfile = workdir / "locustfile.py"
    locustfile.write_text(LOCUSTFILE, encoding="utf-8")
    plan_file, flows_file = workdir / "plan.json", workdir / "flows.json"
    plan_file.write_text(json.dumps(plan), encoding="utf-8")
    env = {
        **os.environ,
        "GOSMART_LOAD_PLAN": str(plan_file),
        "GOSMART_LOAD_FLOWS": str(flows_file),
        "PYTHONPATH": str(REPO_ROOT),
    }
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(locustfile),
        "--headless",
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.spawn_rate),
        "--run-time",
        f"{args.duration}s",
        "--host",
        base,
        "--csv",
        str(workdir / "locust"),
        "--reset-stats",
        "--only-summary",
        "--stop-timeout",
        "15",
        "--loglevel",
        "WARNING",
    ]
    proc = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    if not (workdir / "locust_stats.csv").is_file():
        sys.exit(f"locust did not run (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(flows_file.read_text()) if flows_file.is_file() else {}


def ms(text: str) -> float:
    return float(text) if text not in ("", "N/A") else float("nan")


def report(workdir: Path, recorded: dict, gunicorn_log: Path, usage: dict[str, float]) -> bool:
    with open(workdir / "locust_stats.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    print(
        f"{'request type':44s} {'count':>7s} {'fail':>5s} {'req/s':>7s} "
        f"{'p50 ms':>7s} {'p95 ms':>7s} {'p99 ms':>7s} {'max ms':>7s}"
    )
    total = rows[-1]
    for row in sorted(rows[:-1], key=lambda r: r["Name"]) + [total]:
        name = row["Name"] if row is not total else "ALL REQUESTS"
        print(
            f"{name[:44]:44s} {int(row['Request Count']):7d} {int(row['Failure Count']):5d} "
            f"{float(row['Requests/s']):7.1f} {ms(row['50%']):7.0f} {ms(row['95%']):7.0f} "
            f"{ms(row['99%']):7.0f} {ms(row['Max Response Time']):7.0f}"
        )
    failures_file = workdir / "locust_failures.csv"
    if failures_file.is_file():
        with open(failures_file, encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                print(f"  failure x{row['Occurrences']}: {row['Name']}: {row['Error'][:160]}")
    flows = recorded.get("flows", {})
    if flows:
        print()
        print(
            f"{'user-visible flow (all its requests)':44s} {'count':>7s} {'p50 ms':>15s} {'p95 ms':>7s}"
        )
        for name, times in sorted(flows.items()):
            ordered = sorted(times)
            p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
            print(
                f"{name[:44]:44s} {len(times):7d} {statistics.median(times) * 1000:15.0f} "
                f"{p95 * 1000:7.0f}"
            )
    log = gunicorn_log.read_text(errors="replace") if gunicorn_log.is_file() else ""
    access = gunicorn_log.with_name("access.log")
    served = access.read_text(errors="replace").splitlines() if access.is_file() else []
    status_5xx = sum(1 for line in served if '" 5' in line)
    server_errors = log.count("Traceback") + log.count("[CRITICAL]") + status_5xx
    elapsed = usage["wall"]
    print()
    print(
        f"server log: {log.count('Traceback')} traceback(s), {log.count('[CRITICAL]')} critical "
        f"line(s); access log: {len(served):,} requests served, {status_5xx} with status 5xx"
    )
    print(
        f"CPU over the whole run ({elapsed:.0f} s, ramp-up included): gunicorn "
        f"{usage['server_cpu']:.0f} s = {usage['server_cpu'] / elapsed:.2f} cores, "
        f"{usage['server_cpu'] / max(1, len(served)) * 1000:.0f} ms per request served; "
        f"locust {usage['locust_cpu']:.0f} s = {usage['locust_cpu'] / elapsed:.2f} cores"
    )
    if recorded.get("cpu_warnings"):
        print(
            f"locust warned its own CPU use was high {len(recorded['cpu_warnings'])} time(s) "
            f"(max {max(recorded['cpu_warnings']):.0f}%): latencies include load-generator delay"
        )
    print(f"machine: {os.cpu_count()} CPU(s), load average at the end {os.getloadavg()[0]:.2f}")
    p95, failures = ms(total["95%"]), int(total["Failure Count"])
    ok = p95 < TARGET_P95_MS and failures == 0 and server_errors == 0
    print(
        f"target: p95 < {TARGET_P95_MS} ms and zero errors -> {'MET' if ok else 'NOT MET'} "
        f"(p95 {p95:.0f} ms, {failures} failed request(s), {server_errors} server error(s))"
    )
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--duration", type=int, default=180, help="seconds of load")
    parser.add_argument("--spawn-rate", type=float, default=10, help="users started per second")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument(
        "--wait", type=float, nargs=2, default=(1.0, 5.0), help="think time between actions (s)"
    )
    parser.add_argument(
        "--full-load", type=float, default=0.3, help="share of page views that reload the page"
    )
    parser.add_argument("--source", type=Path, help="copy this store instead of the snapshot")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args(argv)

    workdir = args.keep or Path(tempfile.mkdtemp(prefix="gosmart-bench-load-"))
    workdir.mkdir(parents=True, exist_ok=True)
    server = None
    try:
        t0 = time.perf_counter()
        db = build_store(workdir, args.source)
        log = workdir / "gunicorn.log"
        server, base = start_gunicorn(db, args.workers, log)
        plan = plan_for(db, base, tuple(args.wait), args.full_load)
        print(
            f"store: {'copy of ' + str(args.source) if args.source else 'built from the snapshot'}; "
            f"gunicorn -w {args.workers} on {base} ready in {time.perf_counter() - t0:.1f} s"
        )
        print(
            f"locust: {args.users} users (spawn {args.spawn_rate:g}/s, stats reset once all run), "
            f"{args.duration} s, think time {args.wait[0]:g}-{args.wait[1]:g} s, "
            f"{len(plan['projects'])} projects, {len(plan['indicators'])} indicators"
        )
        print()
        t0, cpu0 = time.perf_counter(), cpu_seconds(server)
        children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        recorded = run_locust(workdir, base, plan, args)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        usage = {
            "wall": time.perf_counter() - t0,
            "server_cpu": cpu_seconds(server) - cpu0,
            "locust_cpu": children.ru_utime
            + children.ru_stime
            - children0.ru_utime
            - children0.ru_stime,
        }
        report(workdir, recorded, log, usage)
    finally:
        if server is not None:
            stop(server)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
