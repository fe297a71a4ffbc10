"""TDX: client-credentials token, then bare-array station lists."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from urllib.parse import parse_qsl

import pytest

from gosmart.connectors.catalog import get_spec
from gosmart.connectors.errors import IngestError
from gosmart.connectors.sources import tdx
from tests.faultserver import (
    FaultServer,
    Reply,
    dump_tables,
    fixture_bytes,
    ingest_live,
    json_reply,
    quick_session,
)

TOKEN_PATH = "/auth/realms/TDXConnect/protocol/openid-connect/token"


@pytest.fixture
def creds(monkeypatch):
    monkeypatch.setenv("TDX_CLIENT_ID", "tdx-client-id-777")
    monkeypatch.setenv("TDX_CLIENT_SECRET", "tdx-client-secret-999")


def _spec(srv, operator="KLRT"):
    return replace(
        get_spec(f"tdx_metro_station_{operator.lower()}"),
        fetch=partial(
            tdx.fetch_stations,
            operator=operator,
            base=f"{srv.url}/api/basic/v2",
            token_url=f"{srv.url}{TOKEN_PATH}",
        ),
    )


def test_token_then_stations_with_bearer_header(db_file, creds):
    with FaultServer() as srv:
        srv.route(TOKEN_PATH, json_reply(fixture_bytes("tdx/token.json")))
        srv.route(
            "/api/basic/v2/Rail/Metro/Station/KLRT",
            json_reply(fixture_bytes("tdx/station_KLRT.json")),
        )
        assert ingest_live(_spec(srv), quick_session(), db_file) == 2
        (token_req,) = srv.hits(TOKEN_PATH)
        form = dict(parse_qsl(token_req.body.decode()))
        assert form == {
            "grant_type": "client_credentials",
            "client_id": "tdx-client-id-777",
            "client_secret": "tdx-client-secret-999",
        }
        (api_req,) = srv.hits("/api/basic/v2/Rail/Metro/Station/KLRT")
        assert api_req.headers["Authorization"] == "Bearer test-access-token-abc"
    stations = {r[0]: r for r in dump_tables(db_file)["station"]}
    assert stations["klrt:C1"][1:8] == (
        "klrt",
        "籬仔內",
        "Lizihnei",
        "TW-KHH",
        22.604625,
        120.324651,
        "lrt",
    )
    text = repr(dump_tables(db_file))
    assert "tdx-client-secret-999" not in text and "test-access-token" not in text


def test_refused_token_is_one_clear_error(creds):
    with FaultServer() as srv:
        srv.route(TOKEN_PATH, Reply(401, b'{"error":"invalid_client"}'))
        with pytest.raises(IngestError) as err:
            _spec(srv).fetch(quick_session())
    assert err.value.problem == "HTTP 401 Unauthorized (the API key or token was refused)"
    assert "secret" not in str(err.value)


def test_an_envelope_instead_of_an_array_is_refused():
    with pytest.raises(IngestError, match="expected a JSON array of stations, got Message"):
        tdx.parse_stations(b'{"Message": "quota"}', "x", operator="KRTC", source_id="t")


@pytest.mark.opendata
@pytest.mark.parametrize(("operator", "count"), [("KRTC", 39), ("KLRT", 38)])
def test_recorded_station_lists(opendata, operator, count):
    spec = get_spec(f"tdx_metro_station_{operator.lower()}")
    frame = spec.parse((opendata / spec.files[0]).read_bytes(), spec.files[0]).tables["station"]
    assert len(frame) == count
    assert set(frame["city_id"]) == {"TW-KHH"}
    assert frame["lat"].between(22.4, 22.9).all() and frame["lon"].between(120.1, 120.5).all()
