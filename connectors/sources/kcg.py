"""Kaohsiung City open-data API: Circular Light Rail (KLRT) monthly ridership.

The API wraps records in an envelope (`success`, `errorCode`, `data[]`), writes
years in the ROC calendar and numbers as strings, from 2024 with thousands
separators. The stored CSV has the same record fields plus added columns, so one
parser reads both. The publisher's remarks (備註: free-ride months counted by
staff and CCTV, typhoons, counting changes) are kept on the batch, never dropped.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

import pandas as pd
import requests

from gosmart.connectors.core import OGDL, Batch, SourceSpec
from gosmart.connectors.errors import IngestError
from gosmart.connectors.http import decode_json, fetch_bytes
from gosmart.connectors.sources._common import (
    looks_like_json,
    read_csv,
    require_columns,
    to_number,
)

API_BASE = "https://api.kcg.gov.tw/api/service/Get"
KLRT_DATASET = "7e5fd583-442b-4b73-8a4b-4efb6f0120ad"
SOURCE_ID = "kcg_klrt_monthly_ridership"
CITY = "TW-KHH"
SERIES_ID = f"lrt_ridership|{CITY}|klrt"
RECORD_FIELDS = ["年", "月", "日均運量", "備註"]


def klrt_records(raw: bytes, source_id: str, location: str) -> list[dict[str, Any]]:
    """The records of an API envelope or of the stored CSV, as published (strings)."""
    if looks_like_json(raw):
        doc = decode_json(raw, source_id, location)
        if not isinstance(doc, dict) or "data" not in doc:
            keys = ", ".join(sorted(doc)) if isinstance(doc, dict) else type(doc).__name__
            raise IngestError(source_id, location, f"not a KCG API envelope ({keys})")
        if doc.get("success") is not True or doc.get("errorCode") not in (0, None):
            message = str(doc.get("message") or "no message")[:120]
            raise IngestError(
                source_id,
                location,
                f"API reported failure (errorCode {doc.get('errorCode')}): {message}",
            )
        data = doc["data"]
        if not isinstance(data, list) or any(not isinstance(r, dict) for r in data):
            raise IngestError(source_id, location, "'data' is not a list of records")
        return data
    frame = read_csv(raw, source_id, location)
    return frame.to_dict("records")


def parse_klrt(raw: bytes, location: str, *, source_id: str = SOURCE_ID) -> Batch:
    """KLRT monthly records -> one monthly series of average riders per day (日均運量)."""
    records = klrt_records(raw, source_id, location)
    rows: dict[date, float | None] = {}
    remarks: list[str] = []
    for i, rec in enumerate(records):
        require_columns(rec, RECORD_FIELDS, source_id, location, f"record {i}: ")
        roc = to_number(rec["年"], source_id, location, f"record {i} 年")
        month = to_number(rec["月"], source_id, location, f"record {i} 月")
        if roc is None or month is None or not roc.is_integer() or not 1 <= month <= 12:
            raise IngestError(
                source_id, location, f"record {i}: bad year/month {rec['年']!r}/{rec['月']!r}"
            )
        period = date(int(roc) + 1911, int(month), 1)
        value = to_number(rec["日均運量"], source_id, location, f"record {i} 日均運量")
        if period in rows:
            if rows[period] != value:
                raise IngestError(source_id, location, f"two different records for {period:%Y-%m}")
            continue
        rows[period] = value
        note = str(rec.get("備註") or "").strip()
        if note:
            remarks.append(f"{period:%Y-%m}: {note}")
    present = {p: v for p, v in rows.items() if v is not None}
    batch = Batch()
    batch.add(
        "series",
        pd.DataFrame(
            [
                {
                    "series_id": SERIES_ID,
                    "indicator_id": "lrt_ridership",
                    "city_id": CITY,
                    "entity_id": "klrt",
                    "grain": "monthly",
                    "unit": "riders/day",
                }
            ]
        ),
    )
    batch.add(
        "observation",
        pd.DataFrame(
            {
                "series_id": SERIES_ID,
                "ts": pd.to_datetime(sorted(present)),
                "value": [present[p] for p in sorted(present)],
            }
        ),
    )
    batch.note = remarks_note(remarks)
    return batch


def remarks_note(remarks: list[str]) -> str | None:
    """The publisher's per-month remarks as one note line ('' when there are none)."""
    return "備註 (publisher remarks): " + " | ".join(remarks) if remarks else None


def fetch_klrt(
    session: requests.Session, *, base: str = API_BASE, dataset: str = KLRT_DATASET
) -> list[tuple[bytes, str]]:
    """The whole dataset in one response (the KCG API does not page)."""
    url = f"{base.rstrip('/')}/{dataset}"
    return [(fetch_bytes(session, url, None, None, SOURCE_ID), url)]


SPECS = [
    SourceSpec(
        source_id=SOURCE_ID,
        connector="kcg",
        publisher="Kaohsiung City Government (高雄市政府) open data",
        title="Kaohsiung Circular Light Rail monthly ridership (高雄環狀輕軌運量)",
        licence=OGDL,
        attribution="高雄市政府捷運工程局 / 高雄市政府資料開放平臺",
        parse=partial(parse_klrt, source_id=SOURCE_ID),
        url=f"{API_BASE}/{KLRT_DATASET}",
        files=("transit/klrt_monthly_ridership_2018_2025.csv",),
        fetch=fetch_klrt,
        note=(
            "Average riders per day (日均運量) per month. Publisher remarks (備註) flag months "
            "counted by staff and CCTV during free-ride periods (2021-01, 2021-02, 2021-12, "
            "2022-01, 2024-01, 2024-02), typhoon days, and the removal of on-board card "
            "readers (2024-03); treat those months with care."
        ),
    )
]
