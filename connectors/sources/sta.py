"""Civil IoT Taiwan SensorThings (OGC STA 1.0): low-cost PM2.5 micro-sensors.

Live mode walks Things (with their Locations and PM2.5 Datastream expanded),
then each Datastream's Observations, following `@iot.nextLink` at every level,
and hands the parser one document in the shape STA itself returns for
`Things?$expand=Locations,Datastreams($expand=Observations)`. No raw response is
stored in the shared data, so this connector is live-only.

Readings arrive every few minutes; they are stored as hourly means (Taiwan local
time, like MOENV) so that they line up with the indicator's hourly grain.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pandas as pd
import requests

from gosmart.connectors.core import OGDL, Batch, SourceSpec
from gosmart.connectors.errors import IngestError
from gosmart.connectors.http import decode_json, follow_next_links, redact_url
from gosmart.connectors.sources._common import city_from_zh, to_number

SERVICES = {
    "sta_epaiot": (
        "https://sta.ci.taiwan.gov.tw/STA_AirQuality_EPAIoT/v1.0",
        "MOENV smart-city air-quality micro-sensors (環境部智慧城鄉空品微型感測器)",
    ),
    "sta_aq_v2": (
        "https://sta.ci.taiwan.gov.tw/STA_AirQuality_v2/v1.0",
        "Civil IoT air-quality sensors (民生公共物聯網 空品感測 v2)",
    ),
}
PM25_NAMES = frozenset({"PM2.5", "pm2.5", "PM25"})
TAIWAN = timedelta(hours=8)


def _local_hour(text: Any, source_id: str, location: str) -> datetime:
    """An ISO phenomenonTime (or the start of an interval) as a naive Taiwan-local hour."""
    value = str(text or "").split("/")[0].strip()
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise IngestError(
            source_id, location, f"phenomenonTime not understood: {value[:40]!r}"
        ) from None
    if moment.tzinfo is not None:
        moment = (moment.astimezone(UTC) + TAIWAN).replace(tzinfo=None)
    return moment.replace(minute=0, second=0, microsecond=0)


def _coordinates(thing: dict[str, Any]) -> tuple[float | None, float | None]:
    for loc in thing.get("Locations") or []:
        point = (loc or {}).get("location") or {}
        coords = point.get("coordinates")
        if isinstance(coords, list) and len(coords) >= 2:
            return float(coords[1]), float(coords[0])
    return None, None


def parse_things(raw: bytes, location: str, *, source_id: str, network: str) -> Batch:
    """Expanded Things -> low-cost stations, pm25_lowcost series and hourly-mean observations."""
    doc = decode_json(raw, source_id, location)
    things = doc.get("value") if isinstance(doc, dict) else None
    if not isinstance(things, list):
        keys = ", ".join(sorted(doc)) if isinstance(doc, dict) else type(doc).__name__
        raise IngestError(source_id, location, f"no 'value' list of Things ({keys})")
    stations, series, points = [], [], []
    for i, thing in enumerate(things):
        if not isinstance(thing, dict) or "@iot.id" not in thing:
            raise IngestError(source_id, location, f"Thing {i} has no @iot.id")
        props = thing.get("properties")
        if not isinstance(props, dict) or "city" not in props:
            seen = ", ".join(sorted(props)) if isinstance(props, dict) else "none"
            raise IngestError(
                source_id, location, f"Thing {thing['@iot.id']}: no properties.city ({seen})"
            )
        native = str(props.get("stationID") or thing["@iot.id"])
        station_id = f"{network}:{native}"
        city = city_from_zh(props["city"], source_id, location)
        lat, lon = _coordinates(thing)
        stations.append(
            {
                "station_id": station_id,
                "network": network,
                "name": str(thing.get("name") or native),
                "city_id": city,
                "lat": lat,
                "lon": lon,
                "kind": str(props.get("areaType") or "") or None,
            }
        )
        streams = thing.get("Datastreams")
        if not isinstance(streams, list):
            raise IngestError(source_id, location, f"Thing {native}: no Datastreams list")
        for stream in streams:
            if not isinstance(stream, dict) or stream.get("name") not in PM25_NAMES:
                continue
            series_id = f"pm25_lowcost|{city}|{station_id}"
            series.append(
                {
                    "series_id": series_id,
                    "indicator_id": "pm25_lowcost",
                    "city_id": city,
                    "entity_id": station_id,
                    "grain": "hourly",
                    "unit": "µg/m³",
                }
            )
            for obs in stream.get("Observations") or []:
                if not isinstance(obs, dict) or "phenomenonTime" not in obs or "result" not in obs:
                    raise IngestError(
                        source_id, location, f"Thing {native}: an Observation lacks time or result"
                    )
                value = to_number(obs["result"], source_id, location, "result")
                if value is None:
                    continue
                stamp = str(obs["phenomenonTime"])
                points.append((series_id, stamp, _local_hour(stamp, source_id, location), value))
    return _batch(stations, series, points, source_id, location)


def _batch(stations, series, points, source_id: str, location: str) -> Batch:
    station = pd.DataFrame(
        stations, columns=["station_id", "network", "name", "city_id", "lat", "lon", "kind"]
    ).drop_duplicates()
    dup = station.duplicated("station_id", keep=False)
    if dup.any():
        raise IngestError(
            source_id, location, f"station {station.loc[dup, 'station_id'].iloc[0]} listed twice"
        )
    raw = pd.DataFrame(points, columns=["series_id", "stamp", "ts", "value"]).drop_duplicates()
    clash = raw.duplicated(["series_id", "stamp"], keep=False)
    if clash.any():
        row = raw.loc[clash].iloc[0]
        raise IngestError(
            source_id, location, f"{row['series_id']}: two different results at {row['stamp']}"
        )
    hourly = raw.groupby(["series_id", "ts"], as_index=False)["value"].mean()
    cols = ["series_id", "indicator_id", "city_id", "entity_id", "grain", "unit"]
    return Batch(
        {
            "station": station,
            "series": pd.DataFrame(series, columns=cols).drop_duplicates(),
            "observation": hourly[["series_id", "ts", "value"]],
        }
    )


def fetch_things(
    session: requests.Session,
    *,
    network: str,
    base: str | None = None,
    city_zh: str = "臺中市",
    hours: int = 24,
    now: datetime | None = None,
    max_pages: int = 200,
) -> list[tuple[bytes, str]]:
    """Things of one city with PM2.5 Datastreams, then each stream's last `hours` of readings."""
    source_id = network
    base = (base or SERVICES[network][0]).rstrip("/")
    things_url = f"{base}/Things"
    params = {
        "$filter": f"properties/city eq '{city_zh}'",
        "$expand": "Locations,Datastreams($filter=name eq 'PM2.5')",
        "$count": "true",
    }
    things = follow_next_links(session, things_url, params, None, source_id, max_pages=max_pages)
    since = (now or datetime.now(UTC)) - timedelta(hours=hours)
    for thing in things:
        for stream in thing.get("Datastreams") or []:
            if not isinstance(stream, dict) or "@iot.id" not in stream:
                raise IngestError(
                    source_id, redact_url(things_url, params), "Datastream without id"
                )
            stream["Observations"] = follow_next_links(
                session,
                f"{base}/Datastreams({stream['@iot.id']})/Observations",
                {
                    "$filter": f"phenomenonTime ge {since:%Y-%m-%dT%H:%M:%S.000Z}",
                    "$select": "@iot.id,phenomenonTime,result,resultTime",
                    "$orderby": "phenomenonTime asc",
                },
                None,
                source_id,
                max_pages=max_pages,
            )
    doc = {"value": things}
    return [(json.dumps(doc, ensure_ascii=False).encode("utf-8"), redact_url(things_url, params))]


def _spec(network: str) -> SourceSpec:
    url, title = SERVICES[network]
    return SourceSpec(
        source_id=network,
        connector="sta",
        publisher="Civil IoT Taiwan (民生公共物聯網), Ministry of Environment and partners",
        title=title,
        licence=OGDL,
        attribution="民生公共物聯網資料服務平台 Civil IoT Taiwan",
        parse=partial(parse_things, source_id=network, network=network),
        url=url,
        fetch=partial(fetch_things, network=network),
        note="Live mode only. Low-cost sensors; readings stored as hourly means (Taiwan local "
        "time). The API is asked for the last day: each load adds it to the hours stored before.",
        accumulates=True,
    )


SPECS = [_spec("sta_epaiot"), _spec("sta_aq_v2")]
