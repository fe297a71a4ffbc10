"""A new store file swapped in while the dashboard serves: no request fails, the next one sees it.

A real `gosmart serve` on a loopback port is hammered from threads while the test
swaps in new store versions by running `gosmart ingest` again on the synthetic files.
Every response must be a 200, and the first request after each swap must show the
new data version, both in the page footer (the shell callback) and in the data API.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from tests.browser.conftest import start_server
from tests.dash_requests import callback_body, router_body
from tests.store_builder import World, ingest

SWAPS = 4
THREADS = 6
MAX_REQUESTS_PER_THREAD = 400
TIMEOUT_S = 30
VERSION_API = "/api/v1/sources.json"
SWAPPED_SOURCES = ["tw_household_population", "trtc_daily_totals"]  # small: quick new versions


def http(base: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
    """Status and body of one request to the loopback server (errors become statuses)."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if body is not None else {}
    req = urllib.request.Request(base + path, data=data, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT_S) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def store_version(db: Path) -> str:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()[0]
    finally:
        con.close()


def footer_version(base: str, shell: dict) -> str:
    status, raw = http(base, "/_dash-update-component", callback_body(shell, ["/", ""]))
    assert status == 200
    return json.loads(raw)["response"]["footer-version"]["children"]


def api_version(base: str) -> str | None:
    status, raw = http(base, VERSION_API)
    return json.loads(raw)["data_version"] if status == 200 else None


def hammer(base: str, shell: dict, stop: threading.Event, failures: list, counts: list) -> None:
    """Requests in a loop until told to stop, at most MAX_REQUESTS_PER_THREAD of them."""
    requests = [
        ("/", None),
        ("/_dash-layout", None),
        ("/_dash-update-component", callback_body(shell, ["/compare", "?lang=zh"])),
        ("/_dash-update-component", router_body("/", "")),
        ("/_dash-update-component", router_body("/compare", "?lang=en")),
        (VERSION_API, None),
    ]
    done = 0
    while not stop.is_set() and done < MAX_REQUESTS_PER_THREAD:
        path, body = requests[done % len(requests)]
        try:
            status, raw = http(base, path, body)
        except OSError as exc:
            status, raw = -1, str(exc).encode()
        if status != 200:
            failures.append((path, status, raw[:200]))
        done += 1
    counts.append(done)


@dataclass
class SwapRun:
    """What the hammer threads and the post-swap probes saw."""

    failures: list = field(default_factory=list)
    counts: list = field(default_factory=list)
    seen: list = field(default_factory=list)  # (store version, footer text, API version)


@pytest.fixture(scope="module")
def swap_run(world: World, tmp_path_factory: pytest.TempPathFactory) -> SwapRun:
    """Serve a store, hammer it from threads, swap in SWAPS new versions meanwhile."""
    db = tmp_path_factory.mktemp("swap") / "gosmart.duckdb"
    shutil.copyfile(world.store, db)
    proc, base = start_server(db)
    run = SwapRun()
    stop = threading.Event()
    try:
        status, raw = http(base, "/_dash-dependencies")
        assert status == 200
        shell = json.loads(raw)[0]
        assert shell["output"].startswith("..lang-toggle.href")
        run.seen.append((store_version(db), footer_version(base, shell), api_version(base)))
        workers = [
            threading.Thread(
                target=hammer, args=(base, shell, stop, run.failures, run.counts), daemon=True
            )
            for _ in range(THREADS)
        ]
        for w in workers:
            w.start()
        for swap in range(SWAPS):
            time.sleep(1.1)  # pacing only: the footer shows the version to the second
            ingest(world, db, sources=[SWAPPED_SOURCES[swap % len(SWAPPED_SOURCES)]])
            run.seen.append((store_version(db), footer_version(base, shell), api_version(base)))
        stop.set()
        for w in workers:
            w.join(timeout=TIMEOUT_S * 2)
    finally:
        stop.set()
        proc.terminate()
        proc.wait(timeout=10)
    return run


@pytest.mark.slow
def test_no_request_fails_while_the_store_is_swapped(swap_run: SwapRun) -> None:
    assert len(swap_run.counts) == THREADS and min(swap_run.counts) > 0
    assert not swap_run.failures, swap_run.failures[:5]


@pytest.mark.slow
def test_the_first_request_after_a_swap_sees_the_new_version(swap_run: SwapRun) -> None:
    first_version, first_footer, _ = swap_run.seen[0]
    assert first_version[:15] in first_footer
    for version, footer, api in swap_run.seen[1:]:
        assert version[:15] in footer
        assert api in (None, version)
