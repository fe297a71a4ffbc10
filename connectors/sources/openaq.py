"""OpenAQ v3: PM2.5 monitors near a city (third-party aggregator, per-provider licences).

Live mode asks `/v3/locations` for monitors within 25 km of each declared city
(the registry's coordinates), then `/v3/sensors/{id}/measurements` for each PM2.5
sensor, paging with `meta.found`. The parser gets one document holding those
responses unchanged, grouped by city: `{"queries": [{"city_id", "locations",
"measurements": {sensor_id: response}}]}`. The key goes in the X-API-Key header.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pandas as pd
import requests

from gosmart.connectors.core import Batch, SourceSpec
from gosmart.connectors.errors import IngestError
from gosmart.connectors.http import (
    decode_json,
    paginate_pages,
    redact_url,
    register_secret_env,
    secret_from_env,
)
from gosmart.connectors.sources._common import to_number
from gosmart.registry import read_csv_rows
from gosmart.resources import REGISTRY_DIR

API_BASE = "https://api.openaq.org"
KEY_ENV = "OPENAQ_API_KEY"
SOURCE_ID = "openaq_pm25"
register_secret_env(KEY_ENV)
PM25 = {"name": "pm25", "id": 2, "units": ("µg/m³", "μg/m³", "ug/m3")}
DEFAULT_CITIES = ("ID-JK", "ID-JB-3273", "ID-JB-3271", "ID-JB-3275", "ID-JB-3276")
RADIUS_M = 25_000  # the API's maximum


def registry_places(city_ids: tuple[str, ...] = DEFAULT_CITIES) -> list[tuple[str, float, float]]:
    """(city_id, lat, lon) for declared cities that have coordinates in the registry."""
    rows = read_csv_rows(REGISTRY_DIR / "cities.csv", ["city_id", "lat", "lon"])
    by_id = {r["city_id"]: r for r in rows if r["lat"] and r["lon"]}
    return [(c, float(by_id[c]["lat"]), float(by_id[c]["lon"])) for c in city_ids if c in by_id]


def _check_envelope(doc: Any, what: str, source_id: str, location: str) -> list[dict]:
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
        keys = ", ".join(sorted(doc)) if isinstance(doc, dict) else type(doc).__name__
        raise IngestError(source_id, location, f"{what}: no meta/results envelope ({keys})")
    return doc["results"]


def _wall_clock(stamp: Any, source_id: str, location: str) -> datetime:
    try:
        return datetime.fromisoformat(str(stamp)).replace(tzinfo=None)
    except ValueError:
        raise IngestError(
            source_id, location, f"time not understood: {str(stamp)[:40]!r}"
        ) from None


def parse_bundle(raw: bytes, location: str, *, source_id: str = SOURCE_ID) -> Batch:
    """Locations + PM2.5 measurements per declared city -> stations, series, observations."""
    doc = decode_json(raw, source_id, location)
    queries = doc.get("queries") if isinstance(doc, dict) else None
    if not isinstance(queries, list):
        raise IngestError(source_id, location, "not an OpenAQ bundle (no 'queries' list)")
    stations, series, points, licences = [], [], [], set()
    for query in queries:
        city = str(query.get("city_id") or "")
        if not city:
            raise IngestError(source_id, location, "a query has no city_id")
        measured = query.get("measurements") or {}
        for loc in _check_envelope(query.get("locations"), "locations", source_id, location):
            if "id" not in loc or "sensors" not in loc:
                seen = ", ".join(sorted(loc))
                raise IngestError(source_id, location, f"location lacks id/sensors; keys: {seen}")
            station_id = f"openaq:{loc['id']}"
            coords = loc.get("coordinates") or {}
            stations.append(
                {
                    "station_id": station_id,
                    "network": "openaq",
                    "name": str(loc.get("name") or loc["id"]),
                    "city_id": city,
                    "lat": to_number(coords.get("latitude"), source_id, location, "latitude"),
                    "lon": to_number(coords.get("longitude"), source_id, location, "longitude"),
                    "kind": "monitor" if loc.get("isMonitor") else "sensor",
                }
            )
            for lic in loc.get("licenses") or []:
                licences.add(f"{lic.get('name')} ({(lic.get('attribution') or {}).get('name')})")
            for sensor in loc["sensors"]:
                param = (sensor or {}).get("parameter") or {}
                if param.get("name") != PM25["name"]:
                    continue
                if param.get("units") not in PM25["units"]:
                    raise IngestError(
                        source_id,
                        location,
                        f"sensor {sensor.get('id')}: unit {param.get('units')!r}",
                    )
                series_id = f"pm25|{city}|{station_id}"
                series.append((series_id, city, station_id))
                response = measured.get(str(sensor.get("id")))
                if response is None:
                    continue
                for m in _check_envelope(response, "measurements", source_id, location):
                    points.append(_point(m, series_id, sensor.get("id"), source_id, location))
    batch = _tables(stations, series, points, source_id, location)
    batch.note = "Provider licences: " + "; ".join(sorted(licences)) if licences else None
    return batch


def _point(m: dict, series_id: str, sensor_id: Any, source_id: str, location: str) -> tuple:
    name = ((m.get("parameter") or {}).get("name")) if isinstance(m, dict) else None
    if name != PM25["name"]:
        raise IngestError(
            source_id, location, f"sensor {sensor_id} is pm25 but a measurement is {name!r}"
        )
    start = (((m.get("period") or {}).get("datetimeFrom")) or {}).get("local")
    return (
        series_id,
        _wall_clock(start, source_id, location),
        to_number(m.get("value"), source_id, location, "value"),
    )


def _tables(stations, series, points, source_id: str, location: str) -> Batch:
    obs = pd.DataFrame(points, columns=["series_id", "ts", "value"]).drop_duplicates()
    obs = obs[obs["value"].notna()]
    clash = obs.duplicated(["series_id", "ts"], keep=False)
    if clash.any():
        row = obs.loc[clash].iloc[0]
        raise IngestError(
            source_id, location, f"{row['series_id']}: two different values at {row['ts']}"
        )
    return Batch(
        {
            "station": pd.DataFrame(
                stations, columns=["station_id", "network", "name", "city_id", "lat", "lon", "kind"]
            ).drop_duplicates(),
            "series": pd.DataFrame(
                [
                    {
                        "series_id": s,
                        "indicator_id": "pm25",
                        "city_id": c,
                        "entity_id": e,
                        "grain": "hourly",
                        "unit": "µg/m³",
                    }
                    for s, c, e in series
                ],
                columns=["series_id", "indicator_id", "city_id", "entity_id", "grain", "unit"],
            ).drop_duplicates(),
            "observation": obs,
        }
    )


def fetch_bundle(
    session: requests.Session,
    *,
    base: str = API_BASE,
    places: list[tuple[str, float, float]] | None = None,
    days: int = 7,
    now: datetime | None = None,
    limit: int = 1000,
) -> list[tuple[bytes, str]]:
    """Every declared city's PM2.5 monitors and their last `days` of hourly values."""
    base = base.rstrip("/")
    headers = {"X-API-Key": secret_from_env(KEY_ENV, SOURCE_ID, f"{base}/v3/locations")}
    since = (now or datetime.now(UTC)) - timedelta(days=days)
    queries = []
    for city_id, lat, lon in places if places is not None else registry_places():
        url = f"{base}/v3/locations"
        params = {"coordinates": f"{lat},{lon}", "radius": RADIUS_M, "parameters_id": PM25["id"]}
        meta, results = paginate_pages(session, url, params, headers, SOURCE_ID, limit=limit)
        measurements = {}
        for loc in results:
            for sensor in loc.get("sensors") or []:
                if ((sensor or {}).get("parameter") or {}).get("name") != PM25["name"]:
                    continue
                m_meta, m_results = paginate_pages(
                    session,
                    f"{base}/v3/sensors/{sensor['id']}/measurements",
                    {"datetime_from": f"{since:%Y-%m-%dT%H:%M:%SZ}"},
                    headers,
                    SOURCE_ID,
                    limit=limit,
                )
                measurements[str(sensor["id"])] = {"meta": m_meta, "results": m_results}
        queries.append(
            {
                "city_id": city_id,
                "locations": {"meta": meta, "results": results},
                "measurements": measurements,
            }
        )
    raw = json.dumps({"queries": queries}, ensure_ascii=False).encode("utf-8")
    return [(raw, redact_url(f"{base}/v3/locations", {"radius": RADIUS_M}))]


def bundle_from_responses(city_id: str, locations: bytes, measurements: dict[str, bytes]) -> bytes:
    """A bundle from recorded responses (for replays): raw pages placed under one city."""
    doc = {
        "queries": [
            {
                "city_id": city_id,
                "locations": decode_json(locations, SOURCE_ID, "locations"),
                "measurements": {
                    k: decode_json(v, SOURCE_ID, f"sensor {k}") for k, v in measurements.items()
                },
            }
        ]
    }
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


SPECS = [
    SourceSpec(
        source_id=SOURCE_ID,
        connector="openaq",
        publisher="OpenAQ (aggregator of government and research monitors)",
        title="PM2.5 monitors within 25 km of West Java and Jakarta cities (OpenAQ v3)",
        licence="Per provider, as listed on each OpenAQ location (see the source note)",
        attribution="OpenAQ, and the original provider of each location",
        parse=partial(parse_bundle, source_id=SOURCE_ID),
        url=f"{API_BASE}/v3/locations",
        key_env=KEY_ENV,
        fetch=partial(fetch_bundle),
        third_party=True,
        note="Live mode only. Hourly values, local wall-clock time of each location. The "
        "API is asked for the last seven days: each load adds them to the hours stored before.",
        accumulates=True,
    )
]
