"""TDX (Transport Data eXchange, MOTC): Kaohsiung MRT and light-rail stations.

TDX wants an OAuth2 client-credentials token (client id and secret from the
environment) and answers with bare JSON arrays. One spec per operator, so each
load replaces only its own stations.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pandas as pd
import requests

from gosmart.connectors.core import Batch, SourceSpec
from gosmart.connectors.errors import IngestError
from gosmart.connectors.http import (
    decode_json,
    fetch_bytes,
    redact_url,
    register_secret_env,
    request_bytes,
    secret_from_env,
)
from gosmart.connectors.sources._common import city_from_zh, require_columns, to_number

TOKEN_URL = "https://tdx.transportdata.tw/auth/realms/TDXConnect/protocol/openid-connect/token"
API_BASE = "https://tdx.transportdata.tw/api/basic/v2"
ID_ENV, SECRET_ENV = "TDX_CLIENT_ID", "TDX_CLIENT_SECRET"
register_secret_env(ID_ENV)
register_secret_env(SECRET_ENV)
OPERATORS = {"KRTC": ("krtc", "Kaohsiung MRT"), "KLRT": ("klrt", "Kaohsiung Light Rail")}
STATION_FIELDS = ["StationID", "StationName", "StationPosition", "LocationCity"]


def access_token(session: requests.Session, source_id: str, *, token_url: str = TOKEN_URL) -> str:
    """A bearer token from the client-credentials grant; secrets only in the POST body."""
    form = {
        "grant_type": "client_credentials",
        "client_id": secret_from_env(ID_ENV, source_id, token_url),
        "client_secret": secret_from_env(SECRET_ENV, source_id, token_url),
    }
    raw = request_bytes(session, "POST", token_url, None, None, form, source_id)
    doc = decode_json(raw, source_id, token_url)
    token = doc.get("access_token") if isinstance(doc, dict) else None
    if not isinstance(token, str) or not token:
        raise IngestError(source_id, token_url, "token response has no access_token")
    return token


def parse_stations(raw: bytes, location: str, *, operator: str, source_id: str) -> Batch:
    """`Rail/Metro/Station/{operator}` (a bare array) -> station rows."""
    network, _label = OPERATORS[operator]
    doc = decode_json(raw, source_id, location)
    if not isinstance(doc, list):
        keys = ", ".join(sorted(doc)) if isinstance(doc, dict) else type(doc).__name__
        raise IngestError(source_id, location, f"expected a JSON array of stations, got {keys}")
    rows: list[dict[str, Any]] = []
    for i, rec in enumerate(doc):
        if not isinstance(rec, dict):
            raise IngestError(source_id, location, f"record {i} is not an object")
        require_columns(rec, STATION_FIELDS, source_id, location, f"record {i}: ")
        name, pos = rec["StationName"], rec["StationPosition"]
        if not isinstance(name, dict) or not isinstance(pos, dict):
            raise IngestError(
                source_id, location, f"record {i}: StationName/StationPosition are not objects"
            )
        rows.append(
            {
                "station_id": f"{network}:{rec['StationID']}",
                "network": network,
                "name": str(name.get("Zh_tw") or "").strip() or None,
                "name_en": str(name.get("En") or "").strip() or None,
                "city_id": city_from_zh(rec["LocationCity"], source_id, location),
                "lat": to_number(pos.get("PositionLat"), source_id, location, "PositionLat"),
                "lon": to_number(pos.get("PositionLon"), source_id, location, "PositionLon"),
                "kind": "lrt" if network == "klrt" else "metro",
            }
        )
    frame = pd.DataFrame(
        rows, columns=["station_id", "network", "name", "name_en", "city_id", "lat", "lon", "kind"]
    )
    return Batch({"station": frame.drop_duplicates()})


def fetch_stations(
    session: requests.Session,
    *,
    operator: str,
    base: str = API_BASE,
    token_url: str = TOKEN_URL,
) -> list[tuple[bytes, str]]:
    """Token, then the operator's station list."""
    source_id = f"tdx_metro_station_{operator.lower()}"
    token = access_token(session, source_id, token_url=token_url)
    url = f"{base.rstrip('/')}/Rail/Metro/Station/{operator}"
    params = {"$format": "JSON"}
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    raw = fetch_bytes(session, url, params, headers, source_id)
    return [(raw, redact_url(url, params))]


def _spec(operator: str) -> SourceSpec:
    network, label = OPERATORS[operator]
    source_id = f"tdx_metro_station_{network}"
    return SourceSpec(
        source_id=source_id,
        connector="tdx",
        publisher="Ministry of Transportation and Communications (MOTC), TDX",
        title=f"{label} stations (TDX Rail/Metro/Station/{operator})",
        licence="TDX terms of use (Open Government Data License, version 1.0)",
        attribution="交通部TDX運輸資料流通服務平臺",
        parse=partial(parse_stations, operator=operator, source_id=source_id),
        url=f"{API_BASE}/Rail/Metro/Station/{operator}",
        files=(f"transit/api_samples/tdx_rail_metro_station_{operator}.json",),
        key_env=SECRET_ENV,
        fetch=partial(fetch_stations, operator=operator),
        note="File mode: TDX response saved around 2026-01-02 (ianlkl11234s/mini-taiwan-learning-project).",
    )


SPECS = [_spec("KRTC"), _spec("KLRT")]
