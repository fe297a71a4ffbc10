"""The shared HTTP session: retries, Retry-After, timeouts, redaction and the paging helpers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from gosmart.connectors.errors import IngestError
from gosmart.connectors.http import (
    USER_AGENT,
    decode_json,
    fetch_bytes,
    follow_next_links,
    make_session,
    paginate_offset,
    paginate_pages,
    redact_url,
    retry_after_seconds,
    scrub,
)
from tests.faultserver import FaultServer, Reply, json_reply, quick_session


@pytest.fixture
def srv():
    with FaultServer() as server:
        yield server


def test_session_defaults_name_the_project_and_set_timeouts():
    session = make_session()
    assert session.headers["User-Agent"] == USER_AGENT
    assert "gosmart" in USER_AGENT
    assert session.timeout == (10.0, 20.0)
    assert session.policy.tries == 4


def test_500_then_success_returns_the_body_after_one_backoff(srv):
    srv.route("/x", Reply(500, b"oops"), json_reply('{"ok": true}'))
    waits: list[float] = []
    assert fetch_bytes(quick_session(waits), f"{srv.url}/x", source_id="t") == b'{"ok": true}'
    assert len(srv.hits("/x")) == 2
    assert waits == [0.001]


def test_backoff_doubles_and_the_error_says_how_many_tries(srv):
    srv.route("/x", Reply(503))
    waits: list[float] = []
    session = make_session(tries=4, backoff_factor=1.0, max_wait=3.0, sleep=waits.append)
    with pytest.raises(IngestError) as err:
        fetch_bytes(session, f"{srv.url}/x", source_id="t")
    assert waits == [1.0, 2.0, 3.0]  # 4.0 capped at max_wait
    assert err.value.problem == "HTTP 503 Service Unavailable after 4 tries"
    assert str(err.value) == f"t: {srv.url}/x: HTTP 503 Service Unavailable after 4 tries"


@pytest.mark.parametrize(
    ("header", "expected"),
    [("7", 7.0), ("0", 0.0), ("3600", 45.0)],  # capped at max_wait
)
def test_429_honours_retry_after_seconds_with_a_cap(srv, header, expected):
    srv.route("/x", Reply(429, headers={"Retry-After": header}), json_reply("[]"))
    waits: list[float] = []
    session = make_session(tries=2, backoff_factor=0.001, max_wait=45.0, sleep=waits.append)
    assert fetch_bytes(session, f"{srv.url}/x") == b"[]"
    assert waits == [expected]


def test_retry_after_as_http_date():
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == (
        30.0
    )
    assert retry_after_seconds(format_datetime(now - timedelta(hours=1), usegmt=True), now) == 0.0
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None


def test_404_fails_at_once_without_retrying(srv):
    srv.route("/x", Reply(404, b"nope"))
    with pytest.raises(IngestError, match=r"HTTP 404 Not Found$"):
        fetch_bytes(quick_session(), f"{srv.url}/x", source_id="t")
    assert len(srv.hits("/x")) == 1


def test_slow_response_times_out_with_the_read_timeout_named(srv):
    srv.route("/slow", Reply(200, b"late", delay=1.0))
    with pytest.raises(IngestError) as err:
        fetch_bytes(quick_session(read=0.05, tries=2), f"{srv.url}/slow", source_id="t")
    assert err.value.problem == "timed out after 0.05 s after 2 tries"


def test_connection_reset_is_retried_then_reported(srv):
    srv.route("/r", Reply(fault="reset"))
    with pytest.raises(IngestError) as err:
        fetch_bytes(quick_session(), f"{srv.url}/r", source_id="t")
    assert err.value.problem in (
        "connection reset after 3 tries",
        "connection closed without a response after 3 tries",
    )
    assert len(srv.hits("/r")) == 3


def test_reset_then_success_recovers(srv):
    srv.route("/r", Reply(fault="reset"), json_reply('{"v": 1}'))
    assert fetch_bytes(quick_session(), f"{srv.url}/r") == b'{"v": 1}'


def test_body_cut_short_of_content_length_is_retried_then_reported(srv):
    srv.route("/t", Reply(200, b'{"records": [1, 2, 3, 4]}', fault="truncate"))
    with pytest.raises(IngestError) as err:
        fetch_bytes(quick_session(), f"{srv.url}/t", source_id="t")
    assert err.value.problem == "response truncated (connection closed mid-body) after 3 tries"


def test_connection_refused_names_the_reason():
    with FaultServer() as gone:
        url = f"{gone.url}/x"
    with pytest.raises(IngestError, match=r"connection refused after 2 tries$"):
        fetch_bytes(quick_session(tries=2), url, source_id="t")


def test_secrets_are_removed_from_urls_and_text():
    url = redact_url("https://h.example/api?api_key=SEKRIT&limit=5", {"offset": 0, "token": "T0K"})
    assert url == "https://h.example/api?limit=5&offset=0"
    assert scrub("GET /api?api_key=SEKRIT&x=1 HTTP/1.1") == "GET /api?api_key=REDACTED&x=1 HTTP/1.1"
    assert redact_url("https://user:pw@h.example/p") == "https://h.example/p"


def test_error_for_a_keyed_request_never_contains_the_key(srv):
    srv.route("/k", Reply(500))
    with pytest.raises(IngestError) as err:
        fetch_bytes(quick_session(), f"{srv.url}/k", {"api_key": "SEKRIT-123", "a": "b"}, None, "t")
    assert "SEKRIT" not in str(err.value)
    assert err.value.location == f"{srv.url}/k?a=b"
    assert err.value.__cause__ is None and err.value.__suppress_context__
    assert srv.hits("/k")[0].query["api_key"] == "SEKRIT-123"  # it was sent, only hidden


def test_decode_json_refuses_invalid_utf8_and_truncation():
    with pytest.raises(IngestError, match=r"not valid UTF-8 \(byte 10\)"):
        decode_json(b'{"name": "\xff\xfe"}', "t", "loc")
    with pytest.raises(IngestError, match=r"invalid JSON \(truncated\?\)"):
        decode_json(b'{"records": [{"a": "1"}, {"a"', "t", "loc")
    with pytest.raises(IngestError, match="response is empty"):
        decode_json(b"  ", "t", "loc")
    assert decode_json('\ufeff{"a": 1}'.encode(), "t", "loc") == {"a": 1}


def _page(records, total):
    return json_reply(json.dumps({"total": str(total), "records": records}))


def test_offset_paging_walks_until_total(srv):
    srv.route("/p", _page([{"i": 0}, {"i": 1}], 5), query={"offset": "0"})
    srv.route("/p", _page([{"i": 2}, {"i": 3}], 5), query={"offset": "2"})
    srv.route("/p", _page([{"i": 4}], 5), query={"offset": "4"})
    env, recs = paginate_offset(quick_session(), f"{srv.url}/p", {"api_key": "K"}, limit=2)
    assert [r["i"] for r in recs] == [0, 1, 2, 3, 4]
    assert env["total"] == "5"
    assert [h.query["limit"] for h in srv.hits("/p")] == ["2", "2", "2"]


def test_offset_paging_refuses_an_empty_page_before_total(srv):
    srv.route("/p", _page([{"i": 0}, {"i": 1}], 5), query={"offset": "0"})
    srv.route("/p", _page([], 5), query={"offset": "2"})
    with pytest.raises(IngestError, match="empty page at offset 2 of 5 records"):
        paginate_offset(quick_session(), f"{srv.url}/p", {"api_key": "K"}, None, "t", limit=2)


def test_next_links_are_followed_and_relative_links_resolved(srv):
    srv.route("/v1.0/Things", json_reply(json.dumps({"value": [{"@iot.id": 1}]})))
    srv.route(
        "/v1.0/Things",
        json_reply(
            json.dumps({"value": [{"@iot.id": 0}], "@iot.nextLink": "Things?$skip=1"}),
        ),
        query={"$top": "1"},
    )
    items = follow_next_links(quick_session(), f"{srv.url}/v1.0/Things", {"$top": "1"})
    assert [i["@iot.id"] for i in items] == [0, 1]


def test_next_link_to_another_host_is_refused(srv):
    srv.route(
        "/v1.0/Things",
        json_reply(json.dumps({"value": [{}], "@iot.nextLink": "http://elsewhere.example/x"})),
    )
    with pytest.raises(IngestError, match="next link points to another host"):
        follow_next_links(quick_session(), f"{srv.url}/v1.0/Things", None, None, "t")


def test_empty_page_with_a_next_link_is_refused(srv):
    srv.route("/v1.0/Obs", json_reply(json.dumps({"value": [], "@iot.nextLink": "Obs?$skip=9"})))
    with pytest.raises(IngestError, match="page 1 is empty but has a next link"):
        follow_next_links(quick_session(), f"{srv.url}/v1.0/Obs", None, None, "t")


def test_page_paging_uses_meta_found(srv):
    def page(results, found):
        return json_reply(json.dumps({"meta": {"found": found}, "results": results}))

    srv.route("/v3/x", page([{"i": 0}, {"i": 1}], 3), query={"page": "1"})
    srv.route("/v3/x", page([{"i": 2}], 3), query={"page": "2"})
    meta, results = paginate_pages(quick_session(), f"{srv.url}/v3/x", limit=2)
    assert [r["i"] for r in results] == [0, 1, 2] and meta["found"] == 3

    srv.route("/v3/y", page([{"i": 0}, {"i": 1}], ">2"), query={"page": "1"})
    srv.route("/v3/y", page([], ">2"), query={"page": "2"})
    _, results = paginate_pages(quick_session(), f"{srv.url}/v3/y", limit=2)
    assert len(results) == 2

    srv.route("/v3/z", page([{"i": 0}, {"i": 1}], 6), query={"page": "1"})
    srv.route("/v3/z", page([], 6), query={"page": "2"})
    with pytest.raises(IngestError, match="empty page 2 after 2 of 6"):
        paginate_pages(quick_session(), f"{srv.url}/v3/z", None, None, "t", limit=2)


def test_user_agent_is_sent(srv):
    srv.route("/ua", json_reply("{}"))
    fetch_bytes(quick_session(), f"{srv.url}/ua")
    assert srv.hits("/ua")[0].headers["User-Agent"] == USER_AGENT
