"""MOENV (Taiwan Ministry of Environment) air quality: real-time AQI, hourly history, stations.

One parser per dataset serves both modes: the live v2 API (JSON, every value a
string) and the stored files (the crab650 crawler's Parquet, the kkkkabi station
CSV). Field names differ between API generations, so every known spelling is
mapped to one canonical name first; a record in none of the known shapes is
refused, naming the keys it has.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from functools import partial
from typing import Any

import pandas as pd
import requests

from gosmart.connectors.core import OGDL, Batch, SourceSpec
from gosmart.connectors.errors import IngestError
from gosmart.connectors.http import (
    decode_json,
    join_pages,
    paginate_offset,
    redact_url,
    register_secret_env,
    secret_from_env,
)
from gosmart.connectors.sources._common import (
    city_from_zh,
    looks_like_json,
    looks_like_parquet,
    marked_numbers,
    native_id,
    numbers,
    read_csv,
    read_parquet,
    to_number,
)
from gosmart.missing import is_missing

API_BASE = "https://data.moenv.gov.tw/api/v2"
KEY_ENV = "MOENV_API_KEY"
PUBLISHER = "Ministry of Environment (MOENV), Taiwan"
ATTRIBUTION = "行政院環境部 Ministry of Environment, Taiwan — 環境資料開放平臺"
register_secret_env(KEY_ENV)

# Canonical name -> every spelling seen: v2 lowercase, v1/legacy PascalCase,
# newer exports (windspeed, datacreationdate), and the crab650 crawler's renames.
HOURLY_ALIASES: dict[str, tuple[str, ...]] = {
    "site_id": ("siteid", "SiteId", "SiteID", "site_id"),
    "site_name": ("sitename", "SiteName", "site_name"),
    "county": ("county", "County"),
    "publish_time": ("publishtime", "PublishTime", "publish_time", "datacreationdate"),
    "pm25": ("pm2.5", "PM2.5", "pm2_5"),
    "aqi": ("aqi", "AQI"),
    "lon": ("longitude", "Longitude"),
    "lat": ("latitude", "Latitude"),
}
STATION_ALIASES: dict[str, tuple[str, ...]] = {
    "site_id": ("siteid", "SiteId", "SiteID", "site_id"),
    "site_name": ("sitename", "SiteName", "site_name"),
    "site_name_en": ("siteengname", "SiteEngName"),
    "county": ("county", "County"),
    "lon": ("twd97lon", "TWD97Lon", "longitude", "Longitude"),
    "lat": ("twd97lat", "TWD97Lat", "latitude", "Latitude"),
    "site_type": ("sitetype", "SiteType"),
}
# Indicator -> (canonical field, unit as in datasets/registry/indicators.csv).
MEASURES: dict[str, tuple[str, str]] = {"pm25": ("pm25", "µg/m³"), "aqi": ("aqi", "index")}
TIME_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M")
# The non-value markers MOENV documents for its readings: missing values, counted per marker,
# never a number and never 0. Source: the legend in the ReadMe of MOENV's yearly air-quality
# archive (普通測站資料註記說明, 空氣品質監測網 歷年監測資料下載,
# https://airtw.moenv.gov.tw/CHT/Query/His_Data.aspx): '#' 表示儀器檢核為無效值 (invalid by
# instrument check), '*' 表示程式檢核為無效值 (by program check), 'x' 表示人工檢核為無效值 (by
# manual check), 'A' 係指因儀器疑似故障警報所產生的無效值 (instrument fault alarm), 'NR' 表示無降雨
# (no rainfall), 空白 表示缺值 (blank: missing). The four flag characters are written after
# the rejected number ('12#') or alone. The v2 API writes an absent reading as '' or '-', and
# 'ND' (未檢出: not detected, below the instrument's limit), which that legend does not list;
# it is not 0 either, so it is missing too. Any other token refuses the load.
MISSING_MARKERS = {"": "empty", "-": "-", "ND": "ND", "NR": "NR"}
INVALID_FLAGS = "#*xA"


def load_records(raw: bytes, source_id: str, location: str) -> pd.DataFrame:
    """Any of the stored or live shapes (Parquet, v1/v2 JSON envelope, bare list, CSV) as a frame."""
    if looks_like_parquet(raw):
        return read_parquet(raw, source_id, location)
    if looks_like_json(raw):
        doc = decode_json(raw, source_id, location)
        records = doc.get("records") if isinstance(doc, dict) else doc
        if not isinstance(records, list):
            keys = ", ".join(sorted(doc)) if isinstance(doc, dict) else type(doc).__name__
            raise IngestError(source_id, location, f"no 'records' list in the response ({keys})")
        bad = next((i for i, r in enumerate(records) if not isinstance(r, dict)), None)
        if bad is not None:
            raise IngestError(source_id, location, f"record {bad} is not an object")
        _check_uniform_keys(records, source_id, location)
        return pd.DataFrame.from_records(records)
    return read_csv(raw, source_id, location)


def _check_uniform_keys(records: list[dict], source_id: str, location: str) -> None:
    """Every record must carry the same fields; a record that lost one is schema drift."""
    if not records:
        return
    first = set(records[0])
    for i, rec in enumerate(records):
        if set(rec) != first:
            lost, extra = sorted(first - set(rec)), sorted(set(rec) - first)
            raise IngestError(
                source_id,
                location,
                f"record {i} has different fields from record 0 "
                f"(missing: {', '.join(lost) or '-'}; new: {', '.join(extra) or '-'})",
            )


def canonical(
    frame: pd.DataFrame,
    aliases: dict[str, tuple[str, ...]],
    required: list[str],
    source_id: str,
    location: str,
) -> pd.DataFrame:
    """Columns renamed to canonical names; an unknown schema is refused naming the keys seen."""
    picked: dict[str, str] = {}
    for name, spellings in aliases.items():
        found = next((s for s in spellings if s in frame.columns), None)
        if found is not None:
            picked[name] = found
    seen = ", ".join(sorted(map(str, frame.columns))[:40])
    if "site_id" not in picked:
        raise IngestError(source_id, location, f"unknown MOENV schema; keys seen: {seen}")
    missing = [n for n in required if n not in picked]
    if missing:
        wanted = "; ".join(f"{n} (one of {', '.join(aliases[n])})" for n in missing)
        raise IngestError(source_id, location, f"missing field(s) {wanted}; keys seen: {seen}")
    return pd.DataFrame({name: frame[col] for name, col in picked.items()})


def _times(col: pd.Series, source_id: str, location: str) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(col):
        return col.astype("datetime64[us]")
    parsed: dict[Any, datetime] = {}
    for value in pd.unique(col):
        parsed[value] = _one_time(value, source_id, location)
    return col.map(parsed).astype("datetime64[us]")


def _one_time(value: Any, source_id: str, location: str) -> datetime:
    text = str(value).strip() if value is not None else ""
    for fmt in TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise IngestError(source_id, location, f"publish time not understood: {text[:40]!r}")


def parse_hourly(raw: bytes, location: str, *, source_id: str = "moenv_aqx_p_432") -> Batch:
    """Hourly station readings (aqx_p_432 / aqx_p_488, any generation) -> stations, series, values.

    Times are Taiwan local time as published (naive). Readings MOENV marks as
    missing or invalid (MISSING_MARKERS, INVALID_FLAGS) are left out, never stored
    as 0, and counted per marker. Exact duplicate records are merged; two different
    readings for one station and hour are refused.
    """
    frame = canonical(
        load_records(raw, source_id, location),
        HOURLY_ALIASES,
        ["site_id", "site_name", "county", "publish_time", "pm25", "aqi"],
        source_id,
        location,
    )
    if frame.empty:
        return Batch()
    for optional in ("lon", "lat"):
        if optional not in frame.columns:
            frame[optional] = None
    sites = {v: native_id(v, source_id, location, "site id") for v in pd.unique(frame["site_id"])}
    frame["site_id"] = frame["site_id"].map(sites)
    frame["publish_time"] = _times(frame["publish_time"], source_id, location)
    counts: Counter[str] = Counter()
    for measure in [m for m, _unit in MEASURES.values()]:
        frame[measure], marked = marked_numbers(
            frame[measure],
            source_id,
            location,
            measure,
            markers=MISSING_MARKERS,
            flags=INVALID_FLAGS,
        )
        counts.update(marked)
    for coordinate in ("lon", "lat"):
        frame[coordinate] = numbers(
            frame[coordinate], source_id, location, coordinate, allow_empty=True
        )
    frame = _drop_exact_duplicates(frame, source_id, location)
    cities = {c: city_from_zh(c, source_id, location) for c in pd.unique(frame["county"])}
    frame["city_id"] = frame["county"].map(cities)
    latest = frame.sort_values("publish_time").drop_duplicates("site_id", keep="last")
    station_city = latest[["site_id", "city_id"]]
    batch = Batch({"station": _seen_stations(latest)})
    batch.count_markers(counts)
    for indicator, (measure, unit) in MEASURES.items():
        ids = indicator + "|" + station_city["city_id"] + "|moenv:" + station_city["site_id"]
        batch.add(
            "series",
            pd.DataFrame(
                {
                    "series_id": ids.to_numpy(),
                    "indicator_id": indicator,
                    "city_id": station_city["city_id"].to_numpy(),
                    "entity_id": ("moenv:" + station_city["site_id"]).to_numpy(),
                    "grain": "hourly",
                    "unit": unit,
                }
            ),
        )
        present = frame[frame[measure].notna()]
        batch.add(
            "observation",
            pd.DataFrame(
                {
                    "series_id": (
                        indicator + "|" + present["city_id"] + "|moenv:" + present["site_id"]
                    ).to_numpy(),
                    "ts": present["publish_time"].to_numpy(),
                    "value": present[measure].to_numpy(),
                }
            ),
        )
    return batch


def _seen_stations(latest: pd.DataFrame) -> pd.DataFrame:
    """Stations as the readings describe them (the register, aqx_p_07, adds English names)."""
    return pd.DataFrame(
        {
            "station_id": ("moenv:" + latest["site_id"]).to_numpy(),
            "network": "moenv",
            "name": latest["site_name"].astype(str).str.strip().to_numpy(),
            "city_id": latest["city_id"].to_numpy(),
            "lat": latest["lat"].to_numpy(),
            "lon": latest["lon"].to_numpy(),
        }
    )


def _drop_exact_duplicates(frame: pd.DataFrame, source_id: str, location: str) -> pd.DataFrame:
    key = ["site_id", "publish_time"]
    frame = frame.drop_duplicates()
    clash = frame.duplicated(subset=key, keep=False)
    if clash.any():
        row = frame.loc[clash].iloc[0]
        raise IngestError(
            source_id,
            location,
            f"{int(clash.sum())} records for station {row['site_id']} at "
            f"{row['publish_time']:%Y-%m-%d %H:%M} disagree",
        )
    return frame


def parse_stations(raw: bytes, location: str, *, source_id: str = "moenv_aqx_p_07") -> Batch:
    """The station register (aqx_p_07, CSV export or API JSON) -> station rows."""
    frame = canonical(
        load_records(raw, source_id, location),
        STATION_ALIASES,
        ["site_id", "site_name", "county", "lon", "lat"],
        source_id,
        location,
    )
    rows = []
    for rec in frame.to_dict("records"):
        site = native_id(rec["site_id"], source_id, location, "siteid")
        rows.append(
            {
                "station_id": f"moenv:{site}",
                "network": "moenv",
                "name": str(rec["site_name"]).strip(),
                "name_en": _text(rec.get("site_name_en")),
                "city_id": city_from_zh(rec["county"], source_id, location),
                "lat": to_number(rec["lat"], source_id, location, "latitude"),
                "lon": to_number(rec["lon"], source_id, location, "longitude"),
                "kind": _text(rec.get("site_type")),
            }
        )
    table = pd.DataFrame(rows, columns=["station_id", "network", "name", "name_en"] + _TAIL)
    table = table.drop_duplicates()
    return Batch({"station": table})


_TAIL = ["city_id", "lat", "lon", "kind"]


def _text(value: Any) -> str | None:
    if is_missing(value):
        return None
    text = str(value).strip()
    return text or None


def fetch_dataset(
    session: requests.Session,
    dataset: str,
    *,
    base: str = API_BASE,
    limit: int = 1000,
    max_pages: int = 200,
    source_id: str | None = None,
) -> list[tuple[bytes, str]]:
    """Every page of one v2 dataset, joined into one response-shaped document."""
    source_id = source_id or f"moenv_{dataset}"
    url = f"{base.rstrip('/')}/{dataset}"
    public = {"format": "JSON", "sort": "ImportDate desc"}
    key = secret_from_env(KEY_ENV, source_id, redact_url(url, public))
    envelope, records = paginate_offset(
        session,
        url,
        {"api_key": key, **public},
        None,
        source_id,
        limit=limit,
        max_pages=max_pages,
    )
    return [(join_pages(envelope, "records", records), redact_url(url, public))]


def _spec(
    dataset: str,
    title: str,
    parse: Any,
    files: tuple[str, ...],
    note: str,
    *,
    accumulates: bool = False,
) -> SourceSpec:
    source_id = f"moenv_{dataset}"
    return SourceSpec(
        source_id=source_id,
        connector="moenv",
        publisher=PUBLISHER,
        title=title,
        licence=OGDL,
        attribution=ATTRIBUTION,
        parse=partial(parse, source_id=source_id),
        url=f"{API_BASE}/{dataset}",
        files=files,
        key_env=KEY_ENV,
        fetch=partial(fetch_dataset, dataset=dataset),
        note=note,
        accumulates=accumulates,
    )


SPECS = [
    _spec(
        "aqx_p_432",
        "Air Quality Index (AQI), hourly, all national stations (空氣品質指標)",
        parse_hourly,
        ("air/taiwan/moenv_aqx_p_432_hourly_2026-07-03_2026-08-23.parquet",),
        "File mode: hourly snapshots of aqx_p_432 committed by the crab650/taiwan-air-quality "
        "crawler (2026-07-03 to 2026-08-23). Missing readings ('' or '-') are left out, not 0. "
        "AQI 0 is kept as published (636 rows; it usually means no valid AQI was computed). "
        "Live mode serves the latest hour: each load adds it to the hours stored before.",
        accumulates=True,
    ),
    _spec(
        "aqx_p_488",
        "Air quality hourly values, history (空氣品質監測小時值)",
        parse_hourly,
        (),
        "Live mode only: no stored history file exists. The API serves the most recent "
        "records: each load adds them to the hours stored before.",
        accumulates=True,
    ),
    _spec(
        "aqx_p_07",
        "Air quality monitoring stations (空氣品質監測站基本資料)",
        parse_stations,
        ("air/taiwan/moenv_aqx_p_07_stations_kkkkabi.csv",),
        "File mode: an older register copied from kkkkabi/Taiwan-AQI-project (80 stations, "
        "highest siteid 140). Loaded after the readings, it adds English names and site types; "
        "stations added later (203, 204, 311, 313) keep the name and coordinates of their readings.",
    ),
]
