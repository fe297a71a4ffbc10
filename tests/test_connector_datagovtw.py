"""data.gov.tw: dataset metadata -> picked resource -> CSV -> declared columns."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from gosmart.connectors.errors import IngestError
from gosmart.connectors.sources import datagovtw
from tests.faultserver import (
    FaultServer,
    Reply,
    dump_tables,
    fixture_bytes,
    ingest_live,
    json_reply,
    quick_session,
)

# A declaration in the shape of a real one, for a test-only source (no dataset is declared in
# the connector today: Taiwan's e-payment figures come from the FSC disclosure alone).
DECL = datagovtw.DatasetDecl(
    source_id="datagovtw_test",
    title="Test dataset (電子支付機構業務資訊)",
    publisher="test",
    dataset_id="999001",
    period_column="資料年月",
    values={
        "epayment_users": "使用者總數",
        "epayment_agency_payment_amount_month": "代理收付實質交易款項金額",
        "epayment_stored_value_amount_month": "收受儲值款項金額",
    },
)


def serve(srv: FaultServer, csv: bytes | None = None) -> None:
    meta = fixture_bytes("datagovtw/dataset_meta.json").replace(b"{BASE}", srv.url.encode())
    srv.route("/api/v2/rest/dataset/999001", json_reply(meta))
    srv.route(
        "/download/epayment.csv",
        Reply(200, csv or fixture_bytes("datagovtw/epayment.csv"), content_type="text/csv"),
    )


def live_spec(srv: FaultServer, decl=DECL):
    spec = datagovtw.spec_for(decl, licence="OGDL-1.0", attribution="FSC")
    fetch = lambda session: datagovtw.fetch_dataset(  # noqa: E731
        session, decl=decl, base=f"{srv.url}/api/v2/rest/dataset"
    )
    return replace(spec, fetch=fetch)


def test_metadata_picks_the_csv_and_maps_declared_columns(db_file):
    with FaultServer() as srv:
        serve(srv)
        assert ingest_live(live_spec(srv), quick_session(), db_file) == 4
        assert srv.hits("/download/epayment.json") == []
    values = {(r[0], str(r[3])): r[4] for r in dump_tables(db_file)["indicator_value"]}
    assert values == {
        ("epayment_users", "2025-07-01"): 1234567.0,
        ("epayment_agency_payment_amount_month", "2025-07-01"): 9876543210.0,
        ("epayment_stored_value_amount_month", "2025-07-01"): 5555555555.0,
        ("epayment_users", "2025-08-01"): 1250000.0,  # '-' and '' are missing, not 0
    }


def test_changed_columns_are_refused_naming_the_columns_found(db_file):
    csv = "年月,使用者數\r\n114/07,1\r\n".encode()
    with FaultServer() as srv:
        serve(srv, csv)
        with pytest.raises(IngestError) as err:
            ingest_live(live_spec(srv), quick_session(), db_file)
    assert err.value.problem.startswith("missing column(s) 資料年月, 使用者總數")
    assert err.value.problem.endswith("columns: 年月, 使用者數")
    assert err.value.location.endswith("/download/epayment.csv")
    assert not db_file.exists()


def test_no_matching_resource_lists_what_is_offered():
    meta = json.loads(fixture_bytes("datagovtw/dataset_meta.json"))
    decl = replace(DECL, resource_format="XML")
    with pytest.raises(
        IngestError, match=r"no XML resource; offered: JSON '電子支付機構業務資訊'; CSV"
    ):
        datagovtw.pick_resource(meta, decl, "meta")


def test_big5_csv_is_refused_as_not_utf8():
    raw = "資料年月,使用者總數\r\n114/07,1\r\n".encode("big5")
    with pytest.raises(IngestError, match=r"not valid UTF-8"):
        datagovtw.parse_csv(raw, "x.csv", decl=DECL)


def test_unconfirmed_dataset_id_is_a_clear_error(monkeypatch):
    decl = replace(DECL, dataset_id=None, dataset_env="DATAGOVTW_TEST_DATASET_ID")
    monkeypatch.delenv("DATAGOVTW_TEST_DATASET_ID", raising=False)
    with pytest.raises(IngestError, match=r"dataset id not yet confirmed \(set DATAGOVTW_TEST"):
        datagovtw.fetch_dataset(quick_session(), decl=decl)


def test_no_declared_dataset_writes_what_the_fsc_disclosure_writes():
    """The FSC figures have one source: no live data.gov.tw spec can replace them."""
    from gosmart.connectors.catalog import all_specs

    assert datagovtw.SPECS == []
    assert "datagovtw_fsc_epayment" not in all_specs()
    assert all_specs()["fsc_epayment_institutions"].connector == "fsc"
