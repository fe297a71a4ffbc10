"""OpenAQ v3: locations and sensor measurements with the X-API-Key header, meta+results paging."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial

import pytest

from gosmart.connectors.catalog import get_spec
from gosmart.connectors.errors import IngestError
from gosmart.connectors.sources import openaq
from tests.faultserver import (
    FaultServer,
    dump_tables,
    fixture_bytes,
    ingest_live,
    json_reply,
    quick_session,
)

NOW = datetime(2026, 8, 2, tzinfo=UTC)


def openaq_spec(srv, places):
    return replace(
        get_spec(openaq.SOURCE_ID),
        fetch=partial(openaq.fetch_bundle, base=srv.url, places=places, now=NOW, days=2),
    )


def test_locations_then_pm25_measurements(db_file, monkeypatch):
    monkeypatch.setenv("OPENAQ_API_KEY", "openaq-key-31337")
    with FaultServer() as srv:
        srv.route("/v3/locations", json_reply(fixture_bytes("openaq/locations.json")))
        srv.route(
            "/v3/sensors/77001/measurements",
            json_reply(fixture_bytes("openaq/measurements_77001.json")),
        )
        rows = ingest_live(
            openaq_spec(srv, [("ID-JK", -6.19905, 106.83438)]), quick_session(), db_file
        )
        (loc_req,) = srv.hits("/v3/locations")
        assert loc_req.headers["X-API-Key"] == "openaq-key-31337"
        assert loc_req.query == {
            "coordinates": "-6.19905,106.83438",
            "radius": "25000",
            "parameters_id": "2",
            "limit": "1000",
            "page": "1",
        }
        assert srv.hits("/v3/sensors/77001/measurements")[0].query["datetime_from"] == (
            "2026-07-31T00:00:00Z"
        )
        assert srv.hits("/v3/sensors/77002/measurements") == []  # o3 is not fetched
    tables = dump_tables(db_file)
    assert rows == 1 + 1 + 3
    assert {str(r[1]): r[2] for r in tables["observation"]} == {
        "2026-08-01 08:00:00": 35.2,  # local wall-clock time of the period start
        "2026-08-01 09:00:00": 41.0,
        "2026-08-01 10:00:00": 38.5,
    }
    assert "openaq-key-31337" not in repr(tables)


def test_provider_licences_are_noted_on_the_batch():
    raw = openaq.bundle_from_responses("ID-JK", fixture_bytes("openaq/locations.json"), {})
    batch = openaq.parse_bundle(raw, "bundle")
    assert batch.note == "Provider licences: US Public Domain (Test Owner)"
    assert batch.tables["observation"].empty and len(batch.tables["series"]) == 1


def test_measurement_of_another_parameter_is_refused():
    measurements = json.loads(fixture_bytes("openaq/measurements_77001.json"))
    measurements["results"][1]["parameter"]["name"] = "pm10"
    raw = openaq.bundle_from_responses(
        "ID-JK",
        fixture_bytes("openaq/locations.json"),
        {"77001": json.dumps(measurements).encode()},
    )
    with pytest.raises(IngestError, match="sensor 77001 is pm25 but a measurement is 'pm10'"):
        openaq.parse_bundle(raw, "bundle")


@pytest.mark.opendata
def test_recorded_doc_responses_replay(opendata, db_file, monkeypatch):
    """The docs' New Delhi location and o3 example: the station loads; o3 is not PM2.5."""
    monkeypatch.setenv("OPENAQ_API_KEY", "k")
    samples = opendata / "air/api_samples/openaq"
    with FaultServer() as srv:
        srv.route("/v3/locations", json_reply((samples / "v3_locations_8118.json").read_bytes()))
        srv.route(
            "/v3/sensors/23534/measurements",
            json_reply((samples / "v3_sensors_measurements_example.json").read_bytes()),
        )
        spec = openaq_spec(srv, [("TEST-DELHI", 28.63576, 77.22445)])
        with pytest.raises(IngestError, match="sensor 23534 is pm25 but a measurement is 'o3'"):
            ingest_live(spec, quick_session(), db_file)
        assert not db_file.exists()
        srv.route(
            "/v3/sensors/23534/measurements", json_reply(b'{"meta":{"found":0},"results":[]}')
        )
        assert ingest_live(spec, quick_session(), db_file) == 2
    station = dump_tables(db_file)["station"][0]
    assert station[:4] == ("openaq:8118", "openaq", "New Delhi", None)
    assert station[4:7] == ("TEST-DELHI", 28.63576, 77.22445)
