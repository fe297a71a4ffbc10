"""Faults a live API can throw, replayed by a local server against a real store file.

For each fault: the exact outcome (loaded, or refused with which message), the
stored data unchanged on refusal, and a re-run converging to the same tables as a
clean run. Plus: API keys never reach logs, errors, tracebacks or the store.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from dataclasses import replace
from functools import partial

import pytest

from gosmart.connectors.catalog import get_spec
from gosmart.connectors.errors import IngestError
from gosmart.connectors.sources import moenv
from tests.faultserver import (
    FaultServer,
    Reply,
    dump_tables,
    fixture_bytes,
    ingest_live,
    json_reply,
    quick_session,
)

KEY = "moenv-SECRET-0123456789"
PATH = "/api/v2/aqx_p_432"


def _doc(change=None) -> dict:
    doc = json.loads(fixture_bytes("moenv/aqx_p_432_v2.json"))
    if change:
        change(doc["records"])
    return doc


def _bytes(doc: dict) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


GOOD = _bytes(_doc())
PREVIOUS = _bytes(_doc(lambda rs: rs[0].update({"pm2.5": "11", "aqi": "31"})))


def _renamed(records):
    for r in records:
        r["PM25"] = r.pop("pm2.5")


def _paged(first, second_records):
    """Two pages of two records each, the second as given (for an empty middle page)."""
    doc = _doc()
    return [
        (json_reply(_bytes({**doc, "total": "3", "records": doc["records"][:2]})), {"offset": "0"}),
        (json_reply(_bytes({**doc, "total": "3", "records": second_records})), {"offset": "2"}),
    ]


# name -> (routes: [(reply script, query)], expected: "loaded" or the exact problem text)
SCENARIOS = {
    "500_then_success": ([((Reply(500, b"busy"), json_reply(GOOD)), None)], "loaded"),
    "429_retry_after": (
        [((Reply(429, headers={"Retry-After": "120"}), json_reply(GOOD)), None)],
        "loaded",
    ),
    "connection_reset": (
        [((Reply(fault="reset"),), None)],
        r"connection (reset|closed without a response) after 3 tries",
    ),
    "slow_past_timeout": (
        [((Reply(200, GOOD, delay=2.0),), None)],
        r"timed out after 0\.5 s after 3 tries",
    ),
    "cut_mid_body": (
        [((Reply(200, GOOD, fault="truncate"),), None)],
        r"response truncated \(connection closed mid-body\) after 3 tries",
    ),
    "truncated_json": (
        [((json_reply(GOOD[: len(GOOD) // 2]),), None)],
        r"invalid JSON \(truncated\?\): .* at line 1 column \d+",
    ),
    "invalid_utf8": (
        [((json_reply(GOOD.replace("基隆".encode(), b"\xff\xfe")),), None)],
        r"response is not valid UTF-8 \(byte \d+\)",
    ),
    "field_renamed": (
        [((json_reply(_bytes(_doc(_renamed))),), None)],
        r"missing field\(s\) pm25 \(one of pm2\.5, PM2\.5, pm2_5\); keys seen: PM25, aqi, .*",
    ),
    "type_changed_to_object": (
        [((json_reply(_bytes(_doc(lambda rs: rs[2].update({"pm2.5": [12]})))),), None)],
        r"pm25: expected a number, got list",
    ),
    "type_changed_to_number": (
        [((json_reply(_bytes(_doc(lambda rs: rs[0].update({"pm2.5": 10, "aqi": 30})))),), None)],
        "loaded",
    ),
    "duplicate_rows_identical": (
        [((json_reply(_bytes(_doc(lambda rs: rs.extend([dict(r) for r in rs])))),), None)],
        "loaded",
    ),
    "duplicate_rows_conflicting": (
        [((json_reply(_bytes(_doc(lambda rs: rs.append({**rs[1], "aqi": "99"})))),), None)],
        r"2 records for station 2 at 2023-02-07 18:00 disagree",
    ),
    "empty_page_in_the_middle": (
        [((reply,), query) for reply, query in _paged(None, [])],
        r"empty page at offset 2 of 3 records",
    ),
}


def _spec(srv: FaultServer, limit: int = 1000):
    return replace(
        get_spec("moenv_aqx_p_432"),
        fetch=partial(
            moenv.fetch_dataset, dataset="aqx_p_432", base=f"{srv.url}/api/v2", limit=limit
        ),
    )


def _load(db, replies, *, limit=1000, waits=None):
    with FaultServer() as srv:
        for script, query in replies:
            srv.route(PATH, *script, query=query)
        return ingest_live(
            _spec(srv, limit), quick_session(waits, read=0.5), db
        )  # 0.5 s: roomy on a loaded CI machine


@pytest.fixture(scope="module")
def clean_state(tmp_path_factory):
    """Tables after loading the good response into an empty store."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MOENV_API_KEY", KEY)
        db = tmp_path_factory.mktemp("clean") / "gosmart.duckdb"
        _load(db, [((json_reply(GOOD),), None)])
    return dump_tables(db)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_fault(name, db_file, clean_state, monkeypatch):
    monkeypatch.setenv("MOENV_API_KEY", KEY)
    replies, expected = SCENARIOS[name]
    _load(db_file, [((json_reply(PREVIOUS),), None)])
    before = dump_tables(db_file)
    assert before != clean_state
    limit = 2 if name == "empty_page_in_the_middle" else 1000
    waits: list[float] = []
    if expected == "loaded":
        _load(db_file, replies, limit=limit, waits=waits)
        data = ("station", "series", "observation")
        assert dump_tables(db_file, data) == {t: clean_state[t] for t in data}
    else:
        with pytest.raises(IngestError) as err:
            _load(db_file, replies, limit=limit, waits=waits)
        assert err.value.source_id == "moenv_aqx_p_432"
        assert err.value.location.startswith("http://127.0.0.1:")
        assert "\n" not in str(err.value)
        assert KEY not in str(err.value)
        assert_matches(expected, err.value.problem)
        assert dump_tables(db_file) == before  # refused: stored data untouched
    _load(db_file, [((json_reply(GOOD),), None)])  # the API recovers: a re-run converges
    assert dump_tables(db_file) == clean_state
    if name == "429_retry_after":
        assert waits == [0.01]  # 120 s asked, capped by the policy (tiny in tests)


def assert_matches(pattern: str, text: str) -> None:
    assert re.fullmatch(pattern, text), f"{text!r} does not match {pattern!r}"


def test_rerunning_the_same_response_leaves_identical_tables(db_file, clean_state, monkeypatch):
    monkeypatch.setenv("MOENV_API_KEY", KEY)
    for _ in range(2):
        _load(db_file, [((json_reply(GOOD),), None)])
        assert dump_tables(db_file) == clean_state


def test_api_keys_never_reach_logs_errors_tracebacks_or_the_store(db_file, caplog, monkeypatch):
    monkeypatch.setenv("MOENV_API_KEY", KEY)
    caplog.set_level(logging.DEBUG)
    _load(db_file, [((Reply(500), Reply(fault="reset"), json_reply(GOOD)), None)])
    with pytest.raises(IngestError) as err:
        _load(db_file, [((Reply(503),), None)])
    assert "GET /api/v2/aqx_p_432?" in caplog.text  # urllib3 did log the request line ...
    assert "api_key=REDACTED" in caplog.text  # ... with the key blanked
    assert KEY not in caplog.text
    for record in caplog.records:
        assert KEY not in record.getMessage()
    shown = "".join(traceback.format_exception(err.value))
    assert KEY not in shown and KEY not in repr(err.value) and KEY not in str(err.value.args)
    assert KEY not in repr(dump_tables(db_file))
    assert err.value.problem == "HTTP 503 Service Unavailable after 3 tries"
