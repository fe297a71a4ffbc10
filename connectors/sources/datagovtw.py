"""A generic data.gov.tw dataset connector: metadata -> resource URL -> CSV -> declared columns.

data.gov.tw's dataset API (`/api/v2/rest/dataset/{id}`) answers
`{"success": true, "result": {"title", "modifiedDate", "distribution": [{"resourceFormat",
"resourceDescription", "resourceDownloadUrl", ...}]}}`. A dataset is declared by
its id, a rule picking one resource, and a column map (period, city, value per
indicator); the CSV is refused, naming its columns, when it does not fit.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import partial
from typing import Any

import pandas as pd
import requests

from gosmart.connectors.core import Batch, SourceSpec
from gosmart.connectors.errors import IngestError
from gosmart.connectors.http import fetch_bytes, fetch_json, redact_url
from gosmart.connectors.sources._common import city_from_zh, read_csv, to_number, year_month

API_BASE = "https://data.gov.tw/api/v2/rest/dataset"


@dataclass(frozen=True)
class DatasetDecl:
    """One data.gov.tw dataset: where it is, which resource, and what its columns mean."""

    source_id: str
    title: str
    publisher: str
    dataset_id: str | None  # None until the id is confirmed; may come from `dataset_env`
    period_column: str
    values: dict[str, str]  # indicator_id -> column holding its value
    calendar: str = "roc"  # 'roc' (民國) or 'ad' years in the period column
    city_id: str | None = "TW"  # a fixed city for national series ...
    city_column: str | None = None  # ... or a column of Chinese county names
    resource_format: str = "CSV"
    resource_contains: str | None = None  # substring of resourceDescription to pick
    dataset_env: str | None = None
    grain: str = "monthly"
    note: str = ""

    def resolved_id(self) -> str | None:
        env = os.environ.get(self.dataset_env, "").strip() if self.dataset_env else ""
        return env or self.dataset_id


def parse_csv(raw: bytes, location: str, *, decl: DatasetDecl) -> Batch:
    """The declared columns of one CSV resource -> indicator_value rows."""
    sid = decl.source_id
    wanted = [decl.period_column, *decl.values.values()]
    if decl.city_column:
        wanted.append(decl.city_column)
    frame = read_csv(raw, sid, location, wanted)
    rows = []
    for rec in frame.to_dict("records"):
        period = year_month(rec[decl.period_column], decl.calendar, sid, location)
        city = city_from_zh(rec[decl.city_column], sid, location) if decl.city_column else None
        for indicator, column in decl.values.items():
            value = to_number(rec[column], sid, location, column)
            if value is None:
                continue
            rows.append(
                {
                    "indicator_id": indicator,
                    "city_id": city or decl.city_id,
                    "grain": decl.grain,
                    "period_start": period,
                    "value": value,
                }
            )
    table = pd.DataFrame(
        rows, columns=["indicator_id", "city_id", "grain", "period_start", "value"]
    ).drop_duplicates()
    return Batch({"indicator_value": table})


def pick_resource(meta: Any, decl: DatasetDecl, location: str) -> str:
    """The download URL of the declared resource, or an error listing what is there."""
    sid = decl.source_id
    result = meta.get("result") if isinstance(meta, dict) else None
    if not isinstance(meta, dict) or meta.get("success") is False or not isinstance(result, dict):
        raise IngestError(sid, location, "dataset metadata has no 'result' object")
    dists = result.get("distribution")
    if not isinstance(dists, list) or not dists:
        raise IngestError(sid, location, "dataset metadata lists no resources (distribution)")
    fmt = decl.resource_format.upper()
    for d in dists:
        if not isinstance(d, dict):
            continue
        if str(d.get("resourceFormat", "")).upper() != fmt:
            continue
        if decl.resource_contains and decl.resource_contains not in str(
            d.get("resourceDescription", "")
        ):
            continue
        url = d.get("resourceDownloadUrl")
        if isinstance(url, str) and url:
            return url
    offered = "; ".join(
        f"{d.get('resourceFormat')} {str(d.get('resourceDescription', ''))[:40]!r}"
        for d in dists
        if isinstance(d, dict)
    )
    rule = fmt + (f" containing {decl.resource_contains!r}" if decl.resource_contains else "")
    raise IngestError(sid, location, f"no {rule} resource; offered: {offered}")


def fetch_dataset(
    session: requests.Session, *, decl: DatasetDecl, base: str = API_BASE
) -> list[tuple[bytes, str]]:
    """Metadata, then the picked resource's bytes (the parser sees only the CSV)."""
    dataset_id = decl.resolved_id()
    if not dataset_id:
        hint = f" (set {decl.dataset_env})" if decl.dataset_env else ""
        raise IngestError(decl.source_id, base, f"data.gov.tw dataset id not yet confirmed{hint}")
    meta_url = f"{base.rstrip('/')}/{dataset_id}"
    meta = fetch_json(session, meta_url, None, None, decl.source_id)
    download = pick_resource(meta, decl, meta_url)
    raw = fetch_bytes(session, download, None, None, decl.source_id)
    return [(raw, redact_url(download))]


def spec_for(decl: DatasetDecl, *, licence: str, attribution: str) -> SourceSpec:
    """A SourceSpec for a declared dataset (live mode only)."""
    dataset_id = decl.resolved_id()
    return SourceSpec(
        source_id=decl.source_id,
        connector="datagovtw",
        publisher=decl.publisher,
        title=decl.title,
        licence=licence,
        attribution=attribution,
        parse=partial(parse_csv, decl=decl),
        url=f"{API_BASE}/{dataset_id}" if dataset_id else "https://data.gov.tw/",
        fetch=partial(fetch_dataset, decl=decl),
        note=decl.note,
    )


# No dataset is declared today. Taiwan's e-payment figures come from the FSC disclosure
# (connectors/sources/fsc.py, Taiwan totals under `TW`): a live spec here wrote the same
# indicator ids as city values from unverified columns and units and could have replaced
# them, so it was removed (one source per figure). Declare a dataset only once a real
# resource's columns and units are checked, for indicators no other source writes.
SPECS: list[SourceSpec] = []
