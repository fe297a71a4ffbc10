"""FSC e-payment disclosures: each quirk of the real file read on purpose, reissues merged."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

import gosmart.connectors.runner as runner
from gosmart.connectors.errors import IngestError
from gosmart.connectors.sources import fsc
from gosmart.store import connect_read

REL = "payments/fsc_epayment_institutions_monthly_2018_2025.csv"
FIX = Path(__file__).parent / "fixtures" / "files" / "opendata" / REL
SID = fsc.SOURCE_ID
DATA_TABLES = ["series", "observation", "indicator_value"]


def raw() -> bytes:
    return FIX.read_bytes()


def lines() -> list[str]:
    """The fixture's lines without their CRLF endings (header first)."""
    return raw().decode("utf-8").split("\r\n")[:-1]


def crlf(rows: list[str]) -> bytes:
    return ("\r\n".join(rows) + "\r\n").encode()


@pytest.fixture(scope="module")
def batch():
    return fsc.parse_fsc(raw(), REL)


def values(batch, series_id: str) -> dict[str, float]:
    o = batch.tables["observation"]
    part = o[o["series_id"] == series_id]
    return {f"{t:%Y-%m}": v for t, v in zip(part["ts"], part["value"], strict=True)}


def inst(indicator: str, name: str) -> str:
    return f"{indicator}|TW|fsc:{name}"


def test_roc_year_months_become_first_days(batch):
    users = values(batch, inst("epayment_users", "永豐商業銀行"))
    assert list(users)[:3] == ["2018-04", "2018-05", "2018-06"]  # 107年04月 = 2018-04
    assert list(users)[-1] == "2025-01"  # 114年01月


def test_thousands_are_stored_in_twd(batch):
    agency = values(batch, inst("epayment_agency_payment_amount_month", "永豐商業銀行"))
    assert agency["2018-04"] == 10_388_000  # 10388 (千元)
    assert agency["2021-12"] == 7_603_116  # the one decimal value, 7603.116 (千元), exactly
    units = batch.tables["series"].set_index("indicator_id")["unit"]
    assert set(units[["epayment_agency_payment_amount_month"]]) == {"TWD"}
    assert set(units[["epayment_users"]]) == {"persons"}


def test_the_transfer_column_is_two_series_split_where_its_label_changes(batch):
    before = values(batch, "epayment_account_transfer_amount_month|TW|city")
    after = values(batch, "epayment_small_remittance_amount_month|TW|city")
    assert max(before) == "2021-06" and min(after) == "2021-07"
    assert not set(before) & set(after)
    series = batch.tables["series"]
    for indicator in fsc.TRANSFER_MEANING.values():
        assert (series["indicator_id"] == indicator).any()


@pytest.mark.parametrize(
    "edit,problem",
    [
        (lambda t: t.replace(",國內外小額匯兌,", ",小額匯兌,", 1), "unknown label '小額匯兌'"),
        (
            lambda t: t.replace(
                "111年06月,永豐商業銀行,434802,6589,0,國內外小額匯兌",
                "111年06月,永豐商業銀行,434802,6589,0,帳戶間款項移轉",
            ),
            "two labels in 2022-06",
        ),
        (
            lambda t: t.replace(
                "111年06月,永豐商業銀行,434802,6589,0,國內外小額匯兌",
                "111年06月,永豐商業銀行,434802,6589,0,",
            ),
            "empty on a row with a transfer value",
        ),
    ],
)
def test_a_label_that_does_not_say_what_the_column_holds_is_refused(edit, problem):
    text = raw().decode("utf-8")
    edited = edit(text)
    assert edited != text
    with pytest.raises(IngestError, match=f"^{SID}: {REL}: 欄位說明: .*{re.escape(problem)}"):
        fsc.parse_fsc(edited.encode(), REL)


def test_revision_markers_are_read_and_counted(batch):
    assert values(batch, inst("epayment_users", "臺灣土地銀行"))["2018-12"] == 2644  # "     r2,644"
    assert batch.markers[fsc.REVISED] == 1
    assert "1 value(s) marked revised (r)" in batch.note


def test_a_stray_plus_is_a_missing_value_and_leaves_no_total(batch):
    stored = values(batch, inst("epayment_stored_value_amount_month", "臺灣土地銀行"))
    assert "2025-01" not in stored and "2024-01" not in stored  # '+' there; 2024 not in file
    assert batch.markers["+"] == 1
    assert "2025-01" not in values(batch, "epayment_stored_value_amount_month|TW|city")
    assert "epayment_stored_value_amount_month 2025-01 (1 of 3 missing)" in batch.note


def test_empty_cells_are_missing_never_zero(batch):
    for name in ("永豐商業銀行", "臺灣土地銀行", "一卡通票證股份有限公司"):
        assert "2022-02" not in values(batch, inst("epayment_small_remittance_amount_month", name))
    assert "2022-02" not in values(batch, "epayment_small_remittance_amount_month|TW|city")
    assert batch.markers["empty"] == 3
    assert values(batch, inst("epayment_users", "永豐商業銀行"))["2022-02"] == 434095


def test_missing_months_stay_missing(batch):
    users = values(batch, "epayment_users|TW|city")
    assert "2018-07" not in users and "2018-08" in users
    assert "Months absent from the file (no values): 2018-07," in batch.note


def test_institutions_start_and_stop_when_they_report(batch):
    assert min(values(batch, inst("epayment_users", "一卡通票證股份有限公司"))) == "2018-09"
    assert max(values(batch, inst("epayment_users", "智付寶股份有限公司"))) == "2018-06"
    count = values(batch, "epayment_institutions|TW|city")
    assert count["2018-04"] == 4 and count["2018-08"] == 3 and count["2018-10"] == 3
    assert (
        "Institutions starting after the first month: 一卡通票證股份有限公司 2018-09" in batch.note
    )
    assert "智付寶股份有限公司 (last 2018-06)" in batch.note


def test_taiwan_total_is_the_sum_of_the_institutions_reporting(batch):
    o = batch.tables["observation"].assign(series_id=lambda f: f["series_id"].astype(str))
    users = o[o["series_id"].str.startswith("epayment_users|TW|fsc:")]
    summed = users.groupby("ts")["value"].sum()
    national = o[o["series_id"] == "epayment_users|TW|city"].set_index("ts")["value"]
    assert national.to_dict() == summed.to_dict()


def test_a_structural_break_is_flagged_and_kept(batch):
    users = values(batch, inst("epayment_users", "永豐商業銀行"))
    assert users["2022-06"] == 434802 and users["2022-07"] == 3542  # as published
    assert "Structural breaks in users" in batch.note
    assert "永豐商業銀行 2022-07: 434,802 -> 3,542 (-99.2%)" in batch.note


def test_two_rows_for_one_institution_and_month_are_refused():
    rows = lines()
    with pytest.raises(IngestError, match=f"^{SID}: {REL}: 2 rows for 永豐商業銀行 in 2018-04$"):
        fsc.parse_fsc(crlf([*rows, next(r for r in rows if "107年04月,永豐" in r)]), REL)


def test_an_undocumented_token_is_refused():
    text = raw().decode("utf-8").replace(",+,", ",n.a.,")
    with pytest.raises(IngestError, match="當月收受儲值款項金額\\(千元\\): not a number: 'n.a.'"):
        fsc.parse_fsc(text.encode(), REL)


# --- a monthly reissue merges to the store of loading the releases one by one ---------------


def reformat(row: str, revise: str | None = None) -> str:
    """A row as a later release might write it: whole numbers as floats ('684356.0')."""
    cells = next(csv.reader([row]))
    out = [
        f"{int(c)}.0" if k >= 2 and re.fullmatch(r"-?\d+", c) else c for k, c in enumerate(cells)
    ]
    if revise is not None:
        out[2] = revise
    return ",".join(f'"{c}"' if "," in c else c for c in out)


def releases(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Release 1: months to 2021-06, as the real file writes them (CRLF). Release 2, a month
    later: 2018-12 onwards, one value revised, rows in another order, numbers as floats, LF.
    Merged: what loading both in turn must give, written as one file."""
    header, *rows = lines()
    first = [r for r in rows if r < "110年07月"]
    cut = "107年12月"
    second = [
        reformat(r, revise="     r2,700" if r.startswith("107年12月,臺灣土地銀行") else None)
        for r in rows
        if r >= cut
    ]
    second.reverse()
    r1, r2, merged = tmp_path / "r1.csv", tmp_path / "r2.csv", tmp_path / "merged.csv"
    r1.write_bytes(crlf([header, *first]))
    r2.write_bytes(("\n".join([header, *second]) + "\n").encode())
    merged.write_bytes(crlf([header, *[r for r in first if r < cut], *second]))
    return r1, r2, merged


def dump(db: Path) -> dict[str, list]:
    con = connect_read(db)
    try:
        return {
            "series": con.execute("SELECT * FROM series ORDER BY ALL").fetchall(),
            "observation": con.execute(
                "SELECT k.series_id, o.ts, o.value FROM observation o "
                "JOIN series_source k USING (series_key) ORDER BY ALL"
            ).fetchall(),
            "indicator_value": con.execute("SELECT * FROM indicator_value ORDER BY ALL").fetchall(),
            "rows": con.execute(
                "SELECT rows, period_start, period_end FROM source WHERE source_id = ?", [SID]
            ).fetchall(),
        }
    finally:
        con.close()


def test_a_reissue_merges_like_loading_the_releases_one_by_one(tmp_path):
    r1, r2, merged = releases(tmp_path)
    one_by_one, at_once = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    assert runner.run_ingest(one_by_one, sources=[SID], files=[r1]) == 0
    assert runner.run_ingest(one_by_one, sources=[SID], files=[r2]) == 0
    assert runner.run_ingest(at_once, sources=[SID], files=[merged]) == 0
    a = dump(one_by_one)
    assert a == dump(at_once)
    users = {(s, f"{t:%Y-%m}"): v for s, t, v in a["observation"]}
    assert users[(inst("epayment_users", "臺灣土地銀行"), "2018-12")] == 2700  # the revision won
    assert users[(inst("epayment_users", "臺灣土地銀行"), "2018-04")] == 2128  # kept from r1
    assert runner.run_ingest(one_by_one, sources=[SID], files=[r2]) == 0
    assert dump(one_by_one) == a  # the same release again changes nothing


def test_the_file_is_named_as_the_location(tmp_path):
    r1, _r2, _merged = releases(tmp_path)
    db = tmp_path / "s.duckdb"
    assert runner.run_ingest(db, sources=[SID], files=[r1]) == 0
    con = connect_read(db)
    location, kind, note = con.execute(
        "SELECT location, kind, note FROM source WHERE source_id = ?", [SID]
    ).fetchone()
    assert location == str(r1.resolve()) and kind == "file"
    assert note.startswith("File mode only") and "Institutions starting" in note


@pytest.mark.parametrize(
    "damage,problem",
    [
        (lambda b: b[: len(b) // 2 + 7], "malformed CSV"),
        (
            lambda b: b.replace("使用者人數".encode(), "用戶數".encode(), 1),
            "missing column(s) 使用者人數",
        ),
        (lambda b: b"", "empty file"),
    ],
    ids=["truncated", "renamed column", "empty"],
)
def test_bad_input_is_one_line_and_the_store_is_unchanged(tmp_path, capsys, damage, problem):
    r1, _r2, _merged = releases(tmp_path)
    db = tmp_path / "s.duckdb"
    assert runner.run_ingest(db, sources=[SID], files=[r1]) == 0
    before = dump(db)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(damage(raw()))
    capsys.readouterr()
    assert runner.run_ingest(db, sources=[SID], files=[bad]) == 1
    captured = capsys.readouterr()
    assert "failed" in captured.out and SID in captured.err
    con = connect_read(db)
    (error,) = con.execute("SELECT error FROM ingest_run WHERE status = 'failed'").fetchone()
    con.close()
    assert error.startswith(f"{SID}: {bad.resolve()}: {problem}") and "\n" not in error
    assert dump(db) == before


@pytest.mark.opendata
def test_real_file_totals_match_the_figures_reported_in_the_news(opendata):
    b = fsc.parse_fsc((opendata / REL).read_bytes(), REL)
    assert b.markers == {"empty": 28, "+": 1, fsc.REVISED: 6}
    users = values(b, "epayment_users|TW|city")
    # payments/taiwan_epayment_fsc_figures_from_news.csv, each as rounded on the page
    assert round(users["2019-07"], -4) == 5_550_000  # 555萬人
    assert round(users["2021-01"], -4) == 12_120_000  # 1,212萬人
    assert round(users["2022-10"], -4) == 20_770_000  # 二○七七萬戶 (accounts, 未歸戶)
    agency = values(b, "epayment_agency_payment_amount_month|TW|city")
    assert round(agency["2019-07"], -6) == 3_769_000_000  # 37.69億元
    assert round(agency["2022-10"], -7) == 11_580_000_000  # 一一五.八億元
    transfers = values(b, "epayment_account_transfer_amount_month|TW|city")
    assert round(transfers["2021-01"], -7) == 3_250_000_000  # 32.5億元
    balance = values(b, "epayment_balance_outstanding|TW|city")
    assert round(balance["2021-01"], -7) == 3_890_000_000  # 38.9億元
    for month in ("2018-07", "2023-06"):
        assert month not in users
    assert "永豐商業銀行 2022-07: 434,802 -> 3,542 (-99.2%)" in b.note
