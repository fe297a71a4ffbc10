"""API keys never leave the process: not in logs, errors, `gosmart status`, the store or the snapshot.

Every keyed source (a SourceSpec with `key_env`) is fetched by the real runner from
a local fault server that echoes each request back, key included, in its reason
phrase, an `X-Echo` header, the body, and a data field the parser quotes in its
error. Each key is a unique canary value, so any copy of it anywhere is found.
(tests/test_faults.py covers the MOENV key through urllib3's request log.)
"""

from __future__ import annotations

import json
import logging
import shutil
import traceback
from dataclasses import replace
from functools import partial
from pathlib import Path

import duckdb
import pytest

import gosmart.connectors.http
import gosmart.connectors.runner
from gosmart.cli import main as gosmart_main
from gosmart.connectors.catalog import all_specs, get_spec
from gosmart.connectors.core import SourceSpec
from gosmart.connectors.errors import IngestError
from gosmart.connectors.sources import moenv, openaq, tdx
from gosmart.schema import stored_tables
from tests.faultserver import ECHO_MARK, FaultServer, Reply, fixture_bytes, json_reply

CANARIES = {
    "MOENV_API_KEY": "moenv-CANARY-7f3a9c51",
    "OPENAQ_API_KEY": "openaq-CANARY-51d2e8aa",
    "TDX_CLIENT_ID": "tdx-id-CANARY-0b6e4d13",
    "TDX_CLIENT_SECRET": "tdx-secret-CANARY-93ac1f77",
}
TOKEN = "tdx-token-CANARY-5e1d0c42"  # the bearer token TDX hands out is a secret too
MOENV, OPENAQ, TDX = "moenv_aqx_p_432", openaq.SOURCE_ID, "tdx_metro_station_krtc"
PATHS = {
    MOENV: ["/moenv/aqx_p_432"],
    OPENAQ: ["/openaq/v3/locations"],
    TDX: ["/tdx/token", "/tdx/Rail/Metro/Station/KRTC"],
}


def _moenv_echo_in_county() -> bytes:
    """A good MOENV page whose first record's county is the echoed request."""
    doc = json.loads(fixture_bytes("moenv/aqx_p_432_v2.json"))
    doc["records"][0]["county"] = ECHO_MARK.decode()
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


TOKEN_ECHO = b'{"access_token": "tok-{request}", "expires_in": 86400}'
# scenario -> source -> replies per path (in PATHS order); every one echoes the request
SCENARIOS = {
    "refused_401": {
        MOENV: [[Reply(401, echo=True)]],
        OPENAQ: [[Reply(401, echo=True)]],
        TDX: [[json_reply(json.dumps({"access_token": TOKEN}))], [Reply(401, echo=True)]],
    },
    "server_error_503": {s: [[Reply(503, echo=True)] for _ in PATHS[s]] for s in PATHS},
    "echo_in_data": {
        MOENV: [[json_reply(_moenv_echo_in_county(), echo=True)]],
        OPENAQ: [[json_reply(b'{"meta": {}, "results": "{request}"}', echo=True)]],
        TDX: [[json_reply(TOKEN_ECHO, echo=True)], [Reply(401, echo=True)]],
    },
}


def local_specs(url: str) -> dict[str, SourceSpec]:
    """The keyed sources, fetching from the local server instead of the real APIs."""
    return {
        MOENV: replace(
            get_spec(MOENV),
            fetch=partial(moenv.fetch_dataset, dataset="aqx_p_432", base=f"{url}/moenv"),
        ),
        OPENAQ: replace(
            get_spec(OPENAQ),
            fetch=partial(
                openaq.fetch_bundle, base=f"{url}/openaq", places=[("TW-TPE", 25.04, 121.56)]
            ),
        ),
        TDX: replace(
            get_spec(TDX),
            fetch=partial(
                tdx.fetch_stations, operator="KRTC", base=f"{url}/tdx", token_url=f"{url}/tdx/token"
            ),
        ),
    }


@pytest.fixture
def keyed(
    db_file: Path,
    built_store: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> Path:
    """A store copy, the canary keys in the environment, quick retries, every log captured."""
    db_file.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(built_store, db_file)
    for name, value in CANARIES.items():
        monkeypatch.setenv(name, value)
    real = gosmart.connectors.http.make_session
    monkeypatch.setattr(
        gosmart.connectors.http,
        "make_session",
        lambda **_: real(
            timeout=(1.0, 1.0), tries=2, backoff_factor=0.001, max_wait=0.01, sleep=lambda _s: None
        ),
    )
    caplog.set_level(logging.DEBUG)
    return db_file


def serve(srv: FaultServer, scenario: str) -> None:
    for source, replies in SCENARIOS[scenario].items():
        for path, script in zip(PATHS[source], replies, strict=True):
            srv.route(path, *script)


def assert_no_canary(where: str, text: str) -> None:
    for name, value in [*CANARIES.items(), ("the TDX token", TOKEN)]:
        assert value not in text, f"{name} leaked into {where}: ...{_around(text, value)}..."


def _around(text: str, value: str) -> str:
    at = text.index(value)
    return text[max(0, at - 80) : at + len(value) + 20]


def store_text(db: Path) -> str:
    """Every row of every table of the store, as text."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = stored_tables(con)
        return "\n".join(
            n + ": " + repr(con.execute(f'SELECT * FROM "{n}"').fetchall())  # noqa: S608
            for n in names
        )
    finally:
        con.close()


def snapshot_text(folder: Path) -> str:
    """Every file of a snapshot: raw bytes (latin-1) and, for Parquet, every decoded row."""
    parts = []
    con = duckdb.connect()
    try:
        for path in sorted(folder.rglob("*")):
            if not path.is_file():
                continue
            parts.append(path.read_bytes().decode("latin-1"))
            if path.suffix == ".parquet":
                rows = con.execute("SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
                parts.append(repr(rows))
    finally:
        con.close()
    return "\n".join(parts)


def log_text(caplog: pytest.LogCaptureFixture) -> str:
    return caplog.text + "\n".join(
        f"{r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in caplog.records
    )


def test_every_keyed_source_is_covered() -> None:
    """A new keyed source (or key variable) must be added here, or this test fails."""
    keyed = [s for s in all_specs().values() if s.key_env]
    assert {s.key_env for s in keyed} <= set(CANARIES)
    assert {s.connector for s in keyed} == {get_spec(source).connector for source in PATHS}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
@pytest.mark.parametrize("source", [MOENV, OPENAQ, TDX])
def test_error_messages_hold_no_key(keyed: Path, scenario: str, source: str) -> None:
    """The IngestError of a refused fetch: its text, repr, args and formatted traceback."""
    with FaultServer() as srv:
        serve(srv, scenario)
        spec = local_specs(srv.url)[source]
        with pytest.raises(IngestError) as err:
            for raw, location in spec.fetch(gosmart.connectors.http.make_session()):
                spec.parse(raw, location)
        sent = repr([(s.query, s.headers, s.body) for s in srv.seen])
    assert any(v in sent for v in CANARIES.values()), "the key was never sent: nothing tested"
    shown = "".join(traceback.format_exception(err.value))
    for where, text in [
        ("str", str(err.value)),
        ("repr", repr(err.value)),
        ("args", repr(err.value.args)),
        ("problem", err.value.problem),
        ("location", err.value.location),
        ("traceback", shown),
    ]:
        assert_no_canary(where, text)
    if scenario == "refused_401":
        assert "REDACTED" in err.value.problem  # the echoed reason phrase was kept, key blanked


def test_runner_status_store_and_snapshot_hold_no_key(
    keyed: Path, capsys: pytest.CaptureFixture, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    """Failed runs of every keyed source, then a good one: nothing shown or kept holds a key."""
    for scenario in SCENARIOS:
        with FaultServer() as srv:
            serve(srv, scenario)
            with pytest.MonkeyPatch.context() as mp:
                mp.setattr(
                    gosmart.connectors.runner, "all_specs", lambda url=srv.url: local_specs(url)
                )
                assert gosmart_main(["ingest", MOENV, OPENAQ, TDX]) == 1
    errors = duckdb.connect(str(keyed), read_only=True).execute(
        "SELECT error FROM ingest_run WHERE connector IN (?, ?, ?) AND status = 'failed'",
        [MOENV, OPENAQ, TDX],
    )
    recorded = " ".join(r[0] for r in errors.fetchall())
    assert "Rejected GET /moenv/aqx_p_432?api_key=REDACTED" in recorded  # the echoes reached
    assert "county 'GET /moenv/aqx_p_432?api_key=REDACTED" in recorded  # the store, blanked
    with FaultServer() as srv:
        srv.route(PATHS[MOENV][0], Reply(500, echo=True), json_reply(_good_moenv()))
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(gosmart.connectors.runner, "all_specs", lambda url=srv.url: local_specs(url))
            assert gosmart_main(["ingest", MOENV]) == 0
        assert srv.hits(PATHS[MOENV][0])[0].query["api_key"] == CANARIES["MOENV_API_KEY"]
    assert gosmart_main(["status"]) in (0, 1)
    snapshot = tmp_path / "snapshot"
    assert gosmart_main(["snapshot", "build", "--dir", str(snapshot)]) == 0
    out = capsys.readouterr()
    assert "failed" in out.out and MOENV in out.out
    assert "api_key=REDACTED" in caplog.text  # urllib3 logged the keyed request line, blanked
    for where, text in [
        ("stdout (ingest table, status)", out.out),
        ("stderr", out.err),
        ("logs", log_text(caplog)),
        ("store (source, ingest_run, ...)", store_text(keyed)),
        ("snapshot files", snapshot_text(snapshot)),
    ]:
        assert_no_canary(where, text)


def _good_moenv() -> bytes:
    return fixture_bytes("moenv/aqx_p_432_v2.json")


def test_secret_header_is_not_forwarded_to_another_host(keyed: Path) -> None:
    """A redirect to another origin must not carry the OpenAQ key header along."""
    with FaultServer() as other, FaultServer() as srv:
        other.route("/openaq/v3/locations", json_reply(b'{"meta": {}, "results": []}'))
        srv.route(
            PATHS[OPENAQ][0],
            Reply(302, headers={"Location": f"{other.url}/openaq/v3/locations?page=1"}),
        )
        spec = local_specs(srv.url)[OPENAQ]
        spec.fetch(gosmart.connectors.http.make_session())
        assert srv.seen[0].headers.get("X-API-Key") == CANARIES["OPENAQ_API_KEY"]
        assert other.seen, "the redirect was not followed: nothing tested"
        for seen in other.seen:
            assert_no_canary("a request to another host", repr(seen))
