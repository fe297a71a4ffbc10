"""Kaohsiung open-data API: envelope, ROC years, thousands separators, remarks kept."""

from __future__ import annotations

import json
from dataclasses import replace
from functools import partial

import duckdb
import pytest

from gosmart.connectors.catalog import get_spec
from gosmart.connectors.errors import IngestError
from gosmart.connectors.sources import kcg
from tests.faultserver import FaultServer, fixture_bytes, ingest_live, json_reply, quick_session


def _values(batch):
    return {str(r.ts.date()): r.value for r in batch.tables["observation"].itertuples()}


def test_envelope_roc_years_and_separators():
    batch = kcg.parse_klrt(fixture_bytes("kcg/klrt_envelope.json"), "api")
    assert _values(batch) == {"2024-01-01": 40623.0, "2024-11-01": 33182.0, "2025-09-01": 33519.0}
    series = batch.tables["series"].iloc[0]
    assert (series.series_id, series.city_id, series.grain, series.unit) == (
        "lrt_ridership|TW-KHH|klrt",
        "TW-KHH",
        "monthly",
        "riders/day",
    )
    assert batch.note.startswith("備註 (publisher remarks): 2024-01: 環狀輕軌元旦開始成圓試營運")


def _envelope(change) -> bytes:
    doc = json.loads(fixture_bytes("kcg/klrt_envelope.json"))
    change(doc)
    return json.dumps(doc, ensure_ascii=False).encode()


def test_api_failure_envelope_is_refused_with_its_message():
    raw = _envelope(lambda d: d.update(success=False, errorCode=500, message="服務暫停", data=[]))
    with pytest.raises(IngestError, match=r"API reported failure \(errorCode 500\): 服務暫停$"):
        kcg.parse_klrt(raw, "api")


def test_renamed_field_and_bad_number_are_refused():
    raw = _envelope(lambda d: d["data"][0].update({"日均人次": d["data"][0].pop("日均運量")}))
    with pytest.raises(IngestError, match=r"record 0: missing column\(s\) 日均運量; columns:"):
        kcg.parse_klrt(raw, "api")
    raw = _envelope(lambda d: d["data"][1].update({"日均運量": "約三萬"}))
    with pytest.raises(IngestError, match="record 1 日均運量: not a number: '約三萬'"):
        kcg.parse_klrt(raw, "api")


def test_conflicting_months_are_refused_identical_ones_merged():
    raw = _envelope(lambda d: d["data"].append(dict(d["data"][1])))
    assert len(_values(kcg.parse_klrt(raw, "api"))) == 3
    raw = _envelope(lambda d: d["data"].append({**d["data"][1], "日均運量": "1"}))
    with pytest.raises(IngestError, match="two different records for 2024-11"):
        kcg.parse_klrt(raw, "api")


def test_live_fetch_loads_one_series(db_file):
    with FaultServer() as srv:
        srv.route(
            f"/api/service/Get/{kcg.KLRT_DATASET}",
            json_reply(fixture_bytes("kcg/klrt_envelope.json")),
        )
        spec = replace(
            get_spec(kcg.SOURCE_ID),
            fetch=partial(kcg.fetch_klrt, base=f"{srv.url}/api/service/Get"),
        )
        assert ingest_live(spec, quick_session(), db_file) == 4
    con = duckdb.connect(str(db_file), read_only=True)
    note = con.execute("SELECT note FROM source").fetchone()[0]
    assert "free-ride" in note
    con.close()


@pytest.mark.opendata
def test_recorded_response_and_stored_csv_agree(opendata):
    api = kcg.parse_klrt(
        (
            opendata / "transit/api_samples/kcg_openapi_klrt_monthly_ridership_response.json"
        ).read_bytes(),
        "api",
    )
    spec = get_spec(kcg.SOURCE_ID)
    csv = spec.parse((opendata / spec.files[0]).read_bytes(), spec.files[0])
    assert _values(api) == _values(csv)
    assert len(_values(api)) == 93
    assert _values(api)["2024-12-01"] == 41028.0  # "41,028" in the response
    assert "2021-02: 免費搭乘(免刷卡)至2/28" in api.note
