"""Civil IoT SensorThings: Things -> PM2.5 Datastreams -> Observations, @iot.nextLink paging."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial

import pytest

from gosmart.connectors.catalog import get_spec
from gosmart.connectors.errors import IngestError
from gosmart.connectors.sources import sta
from tests.faultserver import (
    FaultServer,
    dump_tables,
    fixture_bytes,
    ingest_live,
    json_reply,
    quick_session,
)

BASE = "/STA_AirQuality_EPAIoT/v1.0"


def sta_page(srv: FaultServer, name: str) -> bytes:
    """A fixture page whose absolute next link points at the local server."""
    return fixture_bytes(f"sta/{name}").replace(b"{BASE}", f"{srv.url}{BASE}".encode())


def serve_sta(srv: FaultServer, *, obs_5002: bytes | None = None) -> None:
    srv.route(f"{BASE}/Things", json_reply(sta_page(srv, "things_page1.json")))
    srv.route(
        f"{BASE}/Things", json_reply(sta_page(srv, "things_page2.json")), query={"$skip": "1"}
    )
    obs = f"{BASE}/Datastreams(5001)/Observations"
    srv.route(obs, json_reply(sta_page(srv, "observations_5001_page1.json")))
    srv.route(obs, json_reply(sta_page(srv, "observations_5001_page2.json")), query={"$skip": "2"})
    srv.route(
        f"{BASE}/Datastreams(5002)/Observations",
        json_reply(obs_5002 or sta_page(srv, "observations_5002.json")),
    )


def sta_spec(srv: FaultServer):
    return replace(
        get_spec("sta_epaiot"),
        fetch=partial(
            sta.fetch_things,
            network="sta_epaiot",
            base=f"{srv.url}{BASE}",
            now=datetime(2026, 8, 1, 3, tzinfo=UTC),
            hours=3,
        ),
    )


def test_paged_things_and_observations_become_hourly_means(db_file):
    with FaultServer() as srv:
        serve_sta(srv)
        rows = ingest_live(sta_spec(srv), quick_session(), db_file)
        (first,) = [h for h in srv.hits(f"{BASE}/Things") if "$skip" not in h.query]
        assert first.query["$filter"] == "properties/city eq '臺中市'"
        obs_query = srv.hits(f"{BASE}/Datastreams(5001)/Observations")[0].query
        assert obs_query["$filter"] == "phenomenonTime ge 2026-08-01T00:00:00.000Z"
    tables = dump_tables(db_file)
    obs = {(r[0], str(r[1])): r[2] for r in tables["observation"]}
    assert obs == {
        ("pm25_lowcost|TW-TXG|sta_epaiot:10184300000", "2026-08-01 08:00:00"): 12.0,  # (10+14)/2
        ("pm25_lowcost|TW-TXG|sta_epaiot:10184300000", "2026-08-01 09:00:00"): 20.0,
        ("pm25_lowcost|TW-TXG|sta_epaiot:10184300001", "2026-08-01 08:00:00"): 7.0,  # "" left out
    }
    stations = {r[0]: r for r in tables["station"]}
    assert stations["sta_epaiot:10184300001"][4:7] == ("TW-TXG", 24.1702, 120.6501)
    assert rows == 2 + 2 + 3


def test_an_empty_observation_page_in_the_middle_is_refused(db_file):
    empty_then_more = json.dumps({"value": [], "@iot.nextLink": "Observations?$skip=1"}).encode()
    with FaultServer() as srv:
        serve_sta(srv, obs_5002=empty_then_more)
        with pytest.raises(IngestError, match="page 1 is empty but has a next link$"):
            ingest_live(sta_spec(srv), quick_session(), db_file)
    assert not db_file.exists()


def test_thing_without_city_is_refused_naming_what_it_has():
    doc = json.loads(fixture_bytes("sta/things_page2.json"))
    del doc["value"][0]["properties"]["city"]
    with pytest.raises(IngestError, match=r"Thing 102: no properties.city \(Description, "):
        sta.parse_things(json.dumps(doc).encode(), "x", source_id="s", network="sta_epaiot")


def test_conflicting_results_at_one_time_are_refused():
    doc = json.loads(fixture_bytes("sta/things_page2.json"))
    t = "2026-08-01T00:15:00.000Z"
    doc["value"][0]["Datastreams"][0]["Observations"] = [
        {"phenomenonTime": t, "result": 7},
        {"phenomenonTime": t, "result": 8},
    ]
    with pytest.raises(IngestError, match="two different results at 2026-08-01T00:15:00.000Z"):
        sta.parse_things(json.dumps(doc).encode(), "x", source_id="s", network="sta_epaiot")
