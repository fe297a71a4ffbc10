"""Reported figures: every row keeps its URL and wording; bad files are refused with one clear line."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest

from gosmart.connectors.core import load_batch
from gosmart.connectors.errors import IngestError
from gosmart.connectors.sources.reported import (
    SPECS,
    is_lower_bound,
    parse_award_milestones,
    parse_news_figures,
)
from gosmart.registry import list_projects
from gosmart.store import connect_read, writing

FIXTURES = Path(__file__).parent / "fixtures" / "reported"
SPEC_BY_ID = {s.source_id: s for s in SPECS}


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_award_file_rows_keep_url_value_and_period():
    f = parse_award_milestones(fixture("award_milestones.csv"), "award.csv", "rep").tables[
        "milestone"
    ]
    assert len(f) == 7
    row = f.set_index("metric").loc["members"]
    assert row["project_id"] == "newtaipay"
    assert row["value"] == 1180000
    assert row["as_of"] == "2025-09-18" and row["as_of_date"] == date(2025, 9, 18)
    assert row["url"] == "https://udn.com/news/story/7266/9013440"
    assert bool(row["lower_bound"]) is True
    event = f.set_index("metric").loc["event_launch_councillor_claim"]
    assert event["value"] is None or event["value"] != event["value"]  # no value for an event
    assert event["as_of_date"] == date(2022, 1, 1)
    month = f.set_index("metric").loc["krtc_ridership_pre_covid_daily_reference"]
    assert month["as_of_date"] == date(2021, 9, 1)
    assert month["project_id"] == "context_kaohsiung_transit"


def test_lower_bounds_from_quoted_wording_but_not_approximations():
    f = parse_award_milestones(fixture("award_milestones.csv"), "award.csv", "rep").tables[
        "milestone"
    ]
    flags = dict(zip(f["metric"], f["lower_bound"], strict=True))
    assert flags["mengo_pass_trips_milestone"]  # '109年突破800萬使用人次'
    assert flags["smart_enforcement_fines_2021_2023"]  # '2,500多萬元'
    assert not flags["partner_merchants"]  # '近1.9萬家' is "nearly", not "more than"
    assert not flags["krtc_ridership_pre_covid_daily_reference"]  # '約12萬'
    assert not flags["event_first_prize"]  # 'overlaps' is not 'over'


@pytest.mark.parametrize(
    ("wording", "note", "expected"),
    [
        ("逾120萬", "", True),
        ("726萬餘人", "", True),
        ("19萬多人次", "", True),
        ("over 11 million times", "", True),
        (None, "lower bound ('lebih dari 53 ribu')", True),
        ("近十三萬", '"nearly"', False),
        ("nearly 189K", "", False),
        (None, "'sekitar 700 ribu'", False),
        (None, "first month above 200k since 2008", False),
    ],
)
def test_is_lower_bound(wording, note, expected):
    assert is_lower_bound(wording, note) is expected


def test_news_file_maps_project_and_keeps_wording():
    f = parse_news_figures(
        fixture("news_figures.csv"),
        "news.csv",
        "rep",
        "mengo",
        {"kaohsiung_city_bus_daily_riders": "context_kaohsiung_transit"},
    ).tables["milestone"]
    rows = f.set_index("metric")
    assert rows.loc["mengo_passes_sold_cumulative", "project_id"] == "mengo"
    assert rows.loc["kaohsiung_city_bus_daily_riders", "project_id"] == "context_kaohsiung_transit"
    assert rows.loc["mengo_registered_members", "value_as_reported"] == "突破28萬人次"
    assert rows.loc["mengo_registered_members", "reported_by"] == "自由時報 (LTN)"
    assert bool(rows.loc["mengo_registered_members", "lower_bound"]) is True
    assert bool(rows.loc["mengo_passes_sold_cumulative", "lower_bound"]) is False
    assert "article date 2021-12-20" in rows.loc["mengo_passes_sold_cumulative", "note"]
    assert rows.loc["epayment_users", "reported_by"] == "bg3.co news aggregator"
    assert rows.loc["epayment_users", "value"] == 12120000
    assert f["milestone_id"].is_unique


@pytest.mark.parametrize(
    ("name", "parser", "message"),
    [
        ("news_missing_column.csv", "news", "missing column(s) url"),
        ("award_non_numeric.csv", "award", "line 3: value: not a number: '近1.9萬'"),
        ("award_bad_date.csv", "award", "line 2: as_of: '2024-13': month 13 out of range"),
        ("award_truncated.csv", "award", "line 3: 3 fields, expected 7"),
    ],
)
def test_bad_files_are_refused_naming_source_file_and_problem(name, parser, message):
    raw = fixture(name)
    with pytest.raises(IngestError) as err:
        if parser == "news":
            parse_news_figures(raw, f"fixtures/{name}", "reported_x", "mengo")
        else:
            parse_award_milestones(raw, f"fixtures/{name}", "reported_x")
    text = str(err.value)
    assert text.startswith(f"reported_x: fixtures/{name}: ")
    assert message in text
    assert "\n" not in text


def test_not_utf8_and_empty_files_are_refused():
    with pytest.raises(IngestError, match="not valid UTF-8"):
        parse_award_milestones("project_id,date\n".encode("utf-16"), "x.csv", "rep")
    with pytest.raises(IngestError, match="empty file"):
        parse_award_milestones(b"", "x.csv", "rep")
    header_only = fixture("award_milestones.csv").splitlines()[0] + b"\n"
    with pytest.raises(IngestError, match="no data rows"):
        parse_award_milestones(header_only, "x.csv", "rep")


def test_a_figure_without_a_value_is_refused_unless_it_is_an_event():
    raw = fixture("award_milestones.csv").replace(b",19000,merchants,", b",,merchants,")
    with pytest.raises(IngestError, match="value: empty for a 'merchants' figure"):
        parse_award_milestones(raw, "x.csv", "rep")


def _load(db_file: Path, spec_id: str, raw: bytes, location: str) -> int:
    spec = SPEC_BY_ID[spec_id]
    with writing(db_file) as con:
        return load_batch(
            con,
            spec,
            spec.parse(raw, location),
            location=location,
            sha256=hashlib.sha256(raw).hexdigest(),
        )


def test_load_into_duckdb_is_idempotent_and_marked_reported(db_file):
    raw = fixture("news_figures.csv")
    assert _load(db_file, "reported_mengo", raw, "news_figures.csv") == 4
    assert _load(db_file, "reported_mengo", raw, "news_figures.csv") == 4
    con = connect_read(db_file)
    assert con.execute("SELECT count(*), bool_and(reported) FROM milestone").fetchone() == (
        4,
        True,
    )
    kind, rows = con.execute(
        "SELECT kind, rows FROM source WHERE source_id = 'reported_mengo'"
    ).fetchone()
    assert (kind, rows) == ("reported", 4)
    assert con.execute("SELECT count(*) FROM milestone WHERE url IS NULL").fetchone() == (0,)


def test_failed_load_leaves_the_previous_rows(db_file):
    _load(db_file, "reported_award_milestones", fixture("award_milestones.csv"), "a.csv")
    with pytest.raises(IngestError):
        _load(db_file, "reported_award_milestones", fixture("award_non_numeric.csv"), "b.csv")
    con = connect_read(db_file)
    assert con.execute("SELECT count(*) FROM milestone").fetchone() == (7,)


def test_specs_name_files_relative_to_opendata():
    assert {s.source_id for s in SPECS} == {
        "reported_award_milestones",
        "reported_newtaipay",
        "reported_tw_epayment",
        "reported_mengo",
        "reported_ntpc_hrf",
    }
    for spec in SPECS:
        assert spec.kind == "reported"
        assert len(spec.files) == 1 and not spec.files[0].startswith("/")


@pytest.mark.opendata
def test_real_files_load_and_every_headline_metric_has_figures(opendata, db_file):
    loaded = 0
    for spec in SPECS:
        raw = (opendata / spec.files[0]).read_bytes()
        lines = [x for x in raw.decode("utf-8-sig").splitlines()[1:] if x.strip()]
        n = _load(db_file, spec.source_id, raw, spec.files[0])
        assert n == len(lines), spec.source_id
        loaded += n
    con = connect_read(db_file)
    assert con.execute("SELECT count(*) FROM milestone").fetchone() == (loaded,)
    assert con.execute("SELECT count(*) FROM milestone WHERE url NOT LIKE 'http%'").fetchone() == (
        0,
    )
    for project in list_projects():
        metric = project["headline_metric"]
        if metric:
            n = con.execute(
                "SELECT count(value) FROM milestone WHERE project_id = ? AND metric = ?",
                [project["project_id"], metric],
            ).fetchone()[0]
            assert n >= 2, f"{project['project_id']}: headline metric {metric} has {n} figures"
        for group in project["milestone_groups"]:
            n = con.execute(
                "SELECT count(*) FROM milestone WHERE project_id = ?", [group]
            ).fetchone()[0]
            assert n > 0, f"{project['project_id']}: milestone group {group} is empty"
