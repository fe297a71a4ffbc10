"""Serving: compressed responses, cache lifetimes by URL, /healthz, and the two servers.

`gosmart serve` runs on waitress; the gunicorn recipe of the README keeps working. Every
store is a real DuckDB file in a temp dir: the bundled snapshot, the snapshot with one
source ingested on top, a store filled by ingest alone, none, and a corrupt one.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import brotli
import pytest
from flask.testing import FlaskClient

import gosmart.connectors.runner as runner
from gosmart.resources import SNAPSHOT_DIR
from gosmart.settings import Settings
from gosmart.snapshot import load_snapshot
from gosmart.store import connect_read, data_version
from tests.browser.conftest import free_port, wait_for_200
from tests.conftest import REPO_ROOT, use_store
from tests.dash_requests import callback_body
from tests.test_security_headers import assert_secure

OPENDATA = Path(__file__).parent / "fixtures" / "files" / "opendata"
IMMUTABLE = "public, max-age=31536000, immutable"
LINKED = re.compile(r'<(?:link|script)[^>]+(?:href|src)="(/[^"]+)"')
INGESTED = "iqair_pm25_annual"


@pytest.fixture(scope="module")
def snapshot_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("serving") / "gosmart.duckdb"
    load_snapshot(SNAPSHOT_DIR, db)
    return db


def _client(mp: pytest.MonkeyPatch, db: Path) -> FlaskClient:
    from gosmart.dashboard.app import create_app

    use_store(mp, db)
    return create_app(Settings(db=db)).server.test_client()


@pytest.fixture(scope="module")
def client(snapshot_store: Path) -> Iterator[FlaskClient]:
    with pytest.MonkeyPatch.context() as mp:
        yield _client(mp, snapshot_store)


def _decoded(response) -> bytes:
    body = response.get_data()
    encoding = response.headers.get("Content-Encoding")
    if encoding == "br":
        return brotli.decompress(body)
    if encoding == "gzip":
        return gzip.decompress(body)
    assert encoding is None, encoding
    return body


def test_every_resource_the_page_links_is_compressed_and_kept_a_year(client: FlaskClient):
    html = client.get("/").get_data(as_text=True)
    linked = LINKED.findall(html)
    assert any(u.startswith("/assets/") and "?m=" in u for u in linked), linked
    assert any(u.startswith("/_dash-component-suites/") for u in linked), linked
    for url in linked:
        plain = client.get(url)
        assert plain.status_code == 200, url
        assert "Content-Encoding" not in plain.headers, url
        # dcc's graph chunk, preloaded at the URL dcc itself asks for, has no fingerprint:
        # it is revalidated by its ETag (dashboard/delivery.py)
        unversioned = url.endswith("/dcc/async-graph.js")
        for encoding in ("br", "gzip"):
            packed = client.get(url, headers={"Accept-Encoding": encoding})
            kept = "no-cache" if unversioned else IMMUTABLE
            assert packed.headers["Cache-Control"] == kept, url
            assert not unversioned or packed.headers.get("ETag"), url
            assert "Accept-Encoding" in packed.headers["Vary"], url
            if len(plain.get_data()) >= 500:  # smaller bodies are not worth compressing
                assert packed.headers["Content-Encoding"] == encoding, url
                assert len(packed.get_data()) < len(plain.get_data()), url
            assert _decoded(packed) == plain.get_data(), url
            assert_secure(packed)


def test_brotli_is_preferred_and_identity_is_honoured(client: FlaskClient):
    asked = {"Accept-Encoding": "gzip, deflate, br, zstd"}  # what Chromium sends
    assert client.get("/", headers=asked).headers["Content-Encoding"] == "br"
    identity = client.get("/", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in identity.headers
    assert b"react-entry-point" in identity.get_data()


def test_pages_and_callbacks_are_compressed_but_never_kept_long(client: FlaskClient):
    br = {"Accept-Encoding": "br"}
    for path in ("/", "/compare", "/kiosk", "/_dash-layout", "/_dash-dependencies"):
        response = client.get(path, headers=br)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-cache", path
        assert response.headers["Content-Encoding"] == "br", path
        assert_secure(response)
    shell = client.get("/_dash-dependencies").get_json()[0]
    answer = client.post(
        "/_dash-update-component", json=callback_body(shell, ["/", "?lang=zh"]), headers=br
    )
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["Content-Encoding"] == "br"
    assert b"lang-toggle" in brotli.decompress(answer.get_data())
    assert_secure(answer)


def test_suites_without_a_fingerprint_are_revalidated_by_their_etag(client: FlaskClient):
    """plotly.min.js: Dash's renderer builds its URL without a fingerprint."""
    url = "/_dash-component-suites/plotly/package_data/plotly.min.js"
    br = {"Accept-Encoding": "br"}
    first = client.get(url, headers=br)
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "no-cache"
    again = client.get(url, headers={**br, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["Cache-Control"] == "no-cache"
    assert_secure(again)
    kept = client.get(url, headers=br)  # its compressed body is kept: the same bytes
    assert kept.get_data() == first.get_data()
    assert _decoded(kept) == client.get(url).get_data()


@pytest.mark.parametrize(
    "path", ["/assets/no-such.css?m=1", "/_dash-component-suites/dash/no-such.v1m1.js"]
)
def test_errors_are_never_stored(client: FlaskClient, path: str):
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["Cache-Control"] == "no-store"


def _health(mp: pytest.MonkeyPatch, db: Path) -> tuple[int, dict]:
    response = _client(mp, db).get("/healthz", headers={"Accept-Encoding": "br"})
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert_secure(response)
    text = _decoded(response).decode()
    assert "Traceback" not in text
    return response.status_code, json.loads(text)


def _time(text: str) -> datetime:
    """A /healthz timestamp: ISO 8601 in UTC, marked Z."""
    assert text.endswith("Z"), text
    return datetime.fromisoformat(text[:-1])


def _stored(db: Path) -> tuple[str, set[str]]:
    with connect_read(db) as con:
        ids = {r[0] for r in con.execute("SELECT source_id FROM source").fetchall()}
        return data_version(con), ids


def test_healthz_on_the_bundled_snapshot(snapshot_store: Path, monkeypatch):
    status, body = _health(monkeypatch, snapshot_store)
    version, ids = _stored(snapshot_store)
    assert status == 200
    assert body["store_readable"] is True and body["origin"] == "snapshot"
    assert body["data_version"] == version
    assert {s["source_id"] for s in body["sources"]} == ids
    assert all(s["from_snapshot"] and s["last_run"] == "ok" for s in body["sources"])
    built = _time(body["snapshot_built_at"])
    for source in body["sources"]:
        assert source["kind"] and _time(source["retrieved_at"])
        assert _time(source["loaded_at"]) <= built


def test_healthz_after_one_source_is_ingested_on_top(snapshot_store: Path, tmp_path, monkeypatch):
    db = tmp_path / "gosmart.duckdb"
    shutil.copy(snapshot_store, db)
    assert runner.run_ingest(db, sources=[INGESTED], from_dir=OPENDATA) == 0
    status, body = _health(monkeypatch, db)
    assert status == 200 and body["origin"] == "ingested"
    assert body["data_version"] == _stored(db)[0]
    sources = {s["source_id"]: s for s in body["sources"]}
    assert sources[INGESTED]["from_snapshot"] is False
    built = _time(body["snapshot_built_at"])
    assert _time(sources[INGESTED]["last_ok_run"]) > built
    assert _time(body["last_load_at"]) == _time(sources[INGESTED]["last_ok_run"])
    assert all(s["from_snapshot"] for sid, s in sources.items() if sid != INGESTED)


def test_healthz_on_a_store_filled_by_ingest_alone(tmp_path, monkeypatch):
    db = tmp_path / "gosmart.duckdb"
    assert runner.run_ingest(db, sources=[INGESTED], from_dir=OPENDATA) == 0
    status, body = _health(monkeypatch, db)
    assert status == 200 and body["origin"] == "ingested"
    assert body["snapshot_built_at"] is None
    assert [s["source_id"] for s in body["sources"]] == [INGESTED]
    assert body["sources"][0]["from_snapshot"] is False


@pytest.mark.parametrize("problem", ["missing", "corrupt"])
def test_healthz_without_a_readable_store_is_503_json(tmp_path, monkeypatch, problem: str):
    db = tmp_path / "gosmart.duckdb"
    if problem == "corrupt":
        db.write_bytes(b"not a duckdb file\n" * 100)
    status, body = _health(monkeypatch, db)
    assert status == 503
    assert body["store_readable"] is False and body["data_version"] is None
    assert body["sources"] == [] and body["error"]
    assert str(tmp_path) not in body["error"]


def _launch(command: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen:
    with log.open("w", encoding="utf-8") as out:
        return subprocess.Popen(
            command, cwd=REPO_ROOT, env={**os.environ, **env}, stdout=out, stderr=out, text=True
        )


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    proc.wait(timeout=30)


@pytest.mark.slow
def test_gosmart_serve_runs_on_waitress_and_says_where(snapshot_store: Path, tmp_path):
    import urllib.request

    port = free_port()
    log = tmp_path / "serve.log"
    command = [sys.executable, "-m", "gosmart.cli", "serve", "--port", str(port)]
    proc = _launch([*command, "--threads", "2"], log, {"GOSMART_DB": str(snapshot_store)})
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_200(base, ["/", "/kiosk", "/healthz"], proc, log)
        with urllib.request.urlopen(base + "/healthz") as r:
            assert r.headers["Server"] == "waitress"
        taken = subprocess.run(
            command,
            env={**os.environ, "GOSMART_DB": str(snapshot_store)},
            capture_output=True,
            timeout=120,
        )
    finally:
        _stop(proc)
    out = log.read_text(encoding="utf-8")
    assert f"GO SMART Evidence on {base}/" in out and f"store: {snapshot_store}" in out
    assert taken.returncode == 2
    error = taken.stderr.decode().strip().splitlines()[-1]
    assert error.startswith(f"gosmart serve: cannot listen on 127.0.0.1:{port}")
    assert "Traceback" not in taken.stderr.decode()


def test_threads_must_be_a_positive_number(capsys):
    from gosmart.cli import main

    with pytest.raises(SystemExit) as stopped:
        main(["serve", "--threads", "0"])
    assert stopped.value.code == 2
    assert "--threads: must be a whole number of at least 1" in capsys.readouterr().err


@pytest.mark.slow
def test_the_gunicorn_recipe_answers_every_entry_page(snapshot_store: Path, tmp_path):
    db = tmp_path / "gosmart.duckdb"
    shutil.copy(snapshot_store, db)
    port = free_port()
    log = tmp_path / "gunicorn.log"
    command = [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}"]
    proc = _launch([*command, "gosmart.dashboard.wsgi:server"], log, {"GOSMART_DB": str(db)})
    try:
        wait_for_200(f"http://127.0.0.1:{port}", ["/", "/kiosk", "/healthz"], proc, log)
    finally:
        _stop(proc)
