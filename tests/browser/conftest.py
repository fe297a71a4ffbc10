"""Browser tests: a real server on a free loopback port, driven by Playwright in Debian's Chromium."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from gosmart.resources import SNAPSHOT_DIR
from tests.conftest import REPO_ROOT

CHROMIUM = os.environ.get("GOSMART_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO_ROOT / "artifacts" / "screenshots"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_200(base: str, paths: list[str], proc: subprocess.Popen, log: Path) -> None:
    """Return once each path under `base` has answered 200; fail if the server exits or a
    path has not answered within 90 s (a cold start on 2 shared cores takes a few)."""
    deadline = time.monotonic() + 90
    for path in paths:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"server exited: {log.read_text(encoding='utf-8')[-4000:]}")
            try:
                with urllib.request.urlopen(base + path, timeout=10) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"{base}{path} gave no 200 within 90 s")
            time.sleep(0.2)


def _require_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    message = f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def start_server(db: Path, *, kiosk: bool = False, env: dict[str, str] | None = None):
    """Start `gosmart serve` on a free port; returns (process, base_url).

    Its output goes to a file next to the store, never to a pipe nobody reads: the
    access log of a busy test would fill the pipe and block the server."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gosmart.cli",
        "--db",
        str(db),
        "kiosk" if kiosk else "serve",
        "--port",
        str(port),
    ]
    log = db.with_name(f"server-{port}.log")
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env={**os.environ, **(env or {})},
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text(encoding='utf-8')[-4000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc, base
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start within 60 s")


@contextlib.contextmanager
def served_snapshot(url: str | None = None) -> Iterator[str]:
    """The base URL of a server to measure: `url` when given, else `gosmart serve` on a
    throwaway store built from the bundled snapshot, stopped afterwards (benchmarks)."""
    if url:
        yield url.rstrip("/")
        return
    from gosmart.snapshot import load_snapshot

    with tempfile.TemporaryDirectory(prefix="gosmart-bench-") as tmp:
        db = Path(tmp) / "gosmart.duckdb"
        load_snapshot(SNAPSHOT_DIR, db)
        proc, base = start_server(db)
        try:
            yield base
        finally:
            proc.terminate()
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def snapshot_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built from the bundled snapshot, as a fresh machine would build it."""
    from gosmart.snapshot import load_snapshot

    db = tmp_path_factory.mktemp("browser") / "gosmart.duckdb"
    load_snapshot(SNAPSHOT_DIR, db)
    return db


@pytest.fixture(scope="session")
def live_server(snapshot_db: Path) -> Iterator[str]:
    """Base URL of a server on the snapshot store."""
    _require_chromium()
    proc, base = start_server(snapshot_db)
    yield base
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="session")
def browser():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


VIEWPORT = {"width": 1366, "height": 900}


def _record_errors(pg) -> None:  # noqa: ANN001 - a Playwright Page
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.console_errors = errors


def _shot_if_failed(pg, request: pytest.FixtureRequest) -> None:  # noqa: ANN001
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / f"FAILED-{request.node.name}.png"), full_page=True)


@pytest.fixture
def page(browser, request: pytest.FixtureRequest):
    """A fresh page that records console errors in `page.console_errors`; screenshot on failure."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    pg = context.new_page()
    _record_errors(pg)
    yield pg
    _shot_if_failed(pg, request)
    context.close()


@pytest.fixture(scope="session")
def shared_context(browser):
    """One context for tests that only read pages: its HTTP cache keeps page loads short."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    yield context
    context.close()


@pytest.fixture
def tab(shared_context, request: pytest.FixtureRequest):
    """Like `page`, in the shared context (no cookies or storage are used by the dashboard)."""
    pg = shared_context.new_page()
    _record_errors(pg)
    yield pg
    _shot_if_failed(pg, request)
    pg.close()


def screenshot(pg, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot as a test artifact (artifacts/screenshots/<name>.png)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=full_page)
    return path


def wait_for_dash(pg) -> None:
    """Wait until Dash has rendered and no callback is pending."""
    pg.wait_for_selector(
        "#react-entry-point ._dash-undo-redo, #react-entry-point .page", timeout=30000
    )
    pg.wait_for_function(
        "() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=30000
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # noqa: ANN001, ANN201 - pytest hook
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)
