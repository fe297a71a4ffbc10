"""MOENV air quality: every field generation, missing tokens, schema drift, both modes."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from functools import partial

import duckdb
import pytest

import gosmart.connectors.runner
from gosmart.cli import main
from gosmart.connectors.catalog import get_spec
from gosmart.connectors.core import load_batch
from gosmart.connectors.errors import IngestError
from gosmart.connectors.sources import moenv
from gosmart.store import writing
from tests.faultserver import (
    FaultServer,
    dump_tables,
    fixture_bytes,
    ingest_live,
    json_reply,
    quick_session,
)


def _obs(batch, indicator="pm25"):
    frame = batch.tables["observation"]
    frame = frame[frame["series_id"].str.startswith(indicator + "|")]
    return {(r.series_id, str(r.ts)): r.value for r in frame.itertuples()}


def test_v2_records_missing_tokens_are_left_out_never_zero():
    batch = moenv.parse_hourly(fixture_bytes("moenv/aqx_p_432_v2.json"), "v2")
    assert _obs(batch) == {
        ("pm25|TW-KEE|moenv:1", "2023-02-07 18:00:00"): 10.0,
        ("pm25|TW-TXG|moenv:28", "2023-02-07 18:00:00"): 12.0,
    }  # site 2 sent "" for pm2.5
    assert ("aqi|TW-TXG|moenv:28", "2023-02-07 18:00:00") not in _obs(batch, "aqi")  # "-"
    stations = batch.tables["station"].set_index("station_id")
    assert stations.loc["moenv:28", "city_id"] == "TW-TXG"  # '台中市' folded to 臺中市
    assert stations.loc["moenv:1", "lat"] == pytest.approx(25.129167)
    assert set(batch.tables["series"]["unit"]) == {"µg/m³", "index"}


def test_v1_pascal_case_and_legacy_time_format():
    v1 = moenv.parse_hourly(fixture_bytes("moenv/aqx_p_432_v1.json"), "v1")
    assert _obs(v1)[("pm25|TW-KHH|moenv:58", "2021-03-01 10:00:00")] == 19.0
    legacy = moenv.parse_hourly(fixture_bytes("moenv/aqx_p_432_legacy.json"), "legacy")
    assert _obs(legacy) == {("pm25|TW-NWT|moenv:68", "2019-11-02 16:00:00"): 14.0}
    assert _obs(legacy, "aqi")[("aqi|TW-TXG|moenv:35", "2019-11-02 16:00:00")] == 52.0


def test_newer_schema_with_datacreationdate():
    batch = moenv.parse_hourly(fixture_bytes("moenv/aqx_p_488_newer.json"), "newer")
    assert _obs(batch) == {
        ("pm25|TW-TPE|moenv:12", "2024-01-01 01:00:00"): 8.0,
        ("pm25|TW-TPE|moenv:12", "2024-01-01 02:00:00"): 9.0,
    }


def _v2_with(change) -> bytes:
    doc = json.loads(fixture_bytes("moenv/aqx_p_432_v2.json"))
    change(doc["records"])
    return json.dumps(doc, ensure_ascii=False).encode()


@pytest.mark.parametrize("token", ["N/A", "--", "12?", "nd", "#12"])
def test_a_token_moenv_does_not_document_is_refused_naming_field_and_value(token):
    raw = _v2_with(lambda rs: rs[0].update({"pm2.5": token}))
    with pytest.raises(
        IngestError, match=rf"^moenv_aqx_p_432: loc: pm25: not a number: '{re.escape(token)}'$"
    ):
        moenv.parse_hourly(raw, "loc")


def test_documented_markers_are_missing_values_counted_per_marker():
    """MOENV's legend: '#', '*', 'x', 'A' (after a number or alone) mark invalid readings,
    'NR' no rainfall; 'ND' not detected; '' and '-' absent. None is a value, none is 0."""

    def mark(records):
        records[0]["pm2.5"] = "ND"
        records[0]["aqi"] = "35#"
        records[1]["aqi"] = "x"
        records[2]["pm2.5"] = " 12.0* "

    batch = moenv.parse_hourly(_v2_with(mark), "loc")
    assert _obs(batch) == {}  # site 1 'ND', site 2 '', site 28 '12.0*': no PM2.5 reading left
    assert ("aqi|TW-KEE|moenv:1", "2023-02-07 18:00:00") not in _obs(batch, "aqi")
    assert batch.markers == {"ND": 1, "empty": 1, "#": 1, "x": 1, "*": 1, "-": 1}


def test_an_unknown_schema_is_refused_naming_the_keys_seen():
    raw = json.dumps({"records": [{"station": "x", "value": "1"}]}).encode()
    with pytest.raises(IngestError, match=r"unknown MOENV schema; keys seen: station, value$"):
        moenv.parse_hourly(raw, "loc")


def test_a_renamed_field_is_refused_naming_the_spellings_wanted():
    def rename(records):
        for r in records:
            r["pm25"] = r.pop("pm2.5")

    with pytest.raises(
        IngestError, match=r"missing field\(s\) pm25 \(one of pm2.5, PM2.5, pm2_5\)"
    ):
        moenv.parse_hourly(_v2_with(rename), "loc")


def test_a_record_losing_a_field_midway_is_refused():
    raw = _v2_with(lambda rs: rs[1].pop("county"))
    with pytest.raises(IngestError, match=r"record 1 has different fields .*missing: county"):
        moenv.parse_hourly(raw, "loc")


def test_numbers_as_json_numbers_are_accepted_but_objects_refused():
    raw = _v2_with(lambda rs: rs[0].update({"pm2.5": 10, "siteid": 1}))
    assert (
        _obs(moenv.parse_hourly(raw, "loc"))[("pm25|TW-KEE|moenv:1", "2023-02-07 18:00:00")] == 10
    )
    raw = _v2_with(lambda rs: rs[0].update({"pm2.5": {"value": "10"}}))
    with pytest.raises(IngestError, match="pm25: expected a number, got dict"):
        moenv.parse_hourly(raw, "loc")


def test_duplicates_identical_are_merged_and_conflicting_refused():
    raw = _v2_with(lambda rs: rs.append(dict(rs[0])))
    assert len(_obs(moenv.parse_hourly(raw, "loc"))) == 2
    raw = _v2_with(lambda rs: rs.append({**rs[0], "pm2.5": "99"}))
    with pytest.raises(IngestError, match="2 records for station 1 at 2023-02-07 18:00 disagree"):
        moenv.parse_hourly(raw, "loc")


def test_an_unknown_county_is_refused():
    raw = _v2_with(lambda rs: rs[0].update({"county": "火星市"}))
    with pytest.raises(IngestError, match="county '火星市' is not in the city registry"):
        moenv.parse_hourly(raw, "loc")


def test_station_register_json():
    batch = moenv.parse_stations(fixture_bytes("moenv/aqx_p_07_v2.json"), "reg")
    rows = batch.tables["station"].set_index("station_id")
    assert rows.loc["moenv:28", "name_en"] == "Xitun"
    assert rows.loc["moenv:28", "city_id"] == "TW-TXG"
    assert rows.loc["moenv:1", "kind"] == "一般站"


def test_live_fetch_pages_and_never_stores_the_key(db_file, monkeypatch):
    monkeypatch.setenv("MOENV_API_KEY", "moenv-secret-key-42")
    doc = json.loads(fixture_bytes("moenv/aqx_p_432_v2.json"))
    first = {**doc, "total": "3", "records": doc["records"][:2]}
    second = {**doc, "total": "3", "records": doc["records"][2:]}
    with FaultServer() as srv:
        srv.route("/api/v2/aqx_p_432", json_reply(json.dumps(first)), query={"offset": "0"})
        srv.route("/api/v2/aqx_p_432", json_reply(json.dumps(second)), query={"offset": "2"})
        spec = replace(
            get_spec("moenv_aqx_p_432"),
            fetch=partial(
                moenv.fetch_dataset, dataset="aqx_p_432", base=f"{srv.url}/api/v2", limit=2
            ),
        )
        rows = ingest_live(spec, quick_session(), db_file)
        assert [h.query["api_key"] for h in srv.hits("/api/v2/aqx_p_432")] == [
            "moenv-secret-key-42"
        ] * 2
    assert rows == 3 + 6 + 4  # stations, series, 6 observations less the two missing
    con = duckdb.connect(str(db_file), read_only=True)
    location, kind = con.execute("SELECT location, kind FROM source").fetchone()
    assert location == f"{srv.url}/api/v2/aqx_p_432?format=JSON&sort=ImportDate+desc"
    assert kind == "live"
    con.close()
    assert "moenv-secret-key-42" not in repr(dump_tables(db_file))


def test_missing_key_is_one_clear_error(monkeypatch):
    monkeypatch.delenv("MOENV_API_KEY", raising=False)
    with pytest.raises(IngestError, match="environment variable MOENV_API_KEY is not set$"):
        moenv.fetch_dataset(quick_session(), "aqx_p_432", base="http://127.0.0.1:9")


@pytest.mark.opendata
def test_recorded_v2_response_replays_through_the_live_path(opendata, db_file, monkeypatch):
    monkeypatch.setenv("MOENV_API_KEY", "k")
    raw = (opendata / "air/api_samples/moenv/aqx_p_432_v2_2023-02-07T18.json").read_bytes()
    with FaultServer() as srv:
        srv.route("/api/v2/aqx_p_432", json_reply(raw))
        spec = replace(
            get_spec("moenv_aqx_p_432"),
            fetch=partial(moenv.fetch_dataset, dataset="aqx_p_432", base=f"{srv.url}/api/v2"),
        )
        ingest_live(spec, quick_session(), db_file)
    con = duckdb.connect(str(db_file), read_only=True)
    n_station, n_city = con.execute(
        "SELECT count(*), count(DISTINCT city_id) FROM station"
    ).fetchone()
    assert n_station == 85 and n_city == 22
    keelung = con.execute(
        "SELECT value FROM observation JOIN series_source USING (series_key) "
        "WHERE series_id = 'pm25|TW-KEE|moenv:1'"
    ).fetchall()
    assert keelung == [(10.0,)]
    con.close()


@pytest.mark.opendata
def test_file_mode_reads_the_crawler_parquet_and_the_register(opendata):
    spec = get_spec("moenv_aqx_p_432")
    (name,) = spec.files
    batch = spec.parse((opendata / name).read_bytes(), name)
    assert len(batch.tables["station"]) == 84
    assert batch.tables["observation"]["ts"].min().isoformat() == "2026-07-03T22:00:00"
    assert not (batch.tables["observation"]["value"].isna()).any()
    reg = get_spec("moenv_aqx_p_07")
    stations = reg.parse((opendata / reg.files[0]).read_bytes(), reg.files[0]).tables["station"]
    assert len(stations) == 80 and stations["name_en"].notna().all()


def _poll(srv_doc: bytes, db_file) -> None:
    """`gosmart ingest moenv_aqx_p_432`, the API answered by a local server."""
    with FaultServer() as srv, pytest.MonkeyPatch.context() as mp:
        srv.route("/api/v2/aqx_p_432", json_reply(srv_doc))
        spec = replace(
            get_spec("moenv_aqx_p_432"),
            fetch=partial(moenv.fetch_dataset, dataset="aqx_p_432", base=f"{srv.url}/api/v2"),
        )
        mp.setattr(gosmart.connectors.runner, "all_specs", lambda: {spec.source_id: spec})
        assert main(["--db", str(db_file), "ingest", spec.source_id]) == 0


def _readings(db_file) -> dict[tuple[str, str], float]:
    con = duckdb.connect(str(db_file), read_only=True)
    try:
        rows = con.execute(
            "SELECT series_id, ts, value FROM observation JOIN series_source USING (series_key) "
            "WHERE series_id LIKE 'pm25|%'"
        ).fetchall()
        return {(s, str(ts)): v for s, ts, v in rows}
    finally:
        con.close()


def test_hourly_polls_of_the_realtime_feed_build_up_a_history(db_file, monkeypatch, capsys):
    """aqx_p_432 serves only the latest hour: a poll adds its hour to those stored before,
    a reading sent again replaces the stored one, and the same poll twice changes nothing.
    The run's table says how much of what is stored this poll brought."""
    monkeypatch.setenv("MOENV_API_KEY", "k")

    def next_hour(records):
        for r in records:
            r["publishtime"] = "2023/02/07 19:00:00"
        records[0]["pm2.5"] = "11"

    _poll(fixture_bytes("moenv/aqx_p_432_v2.json"), db_file)
    _poll(_v2_with(next_hour), db_file)
    assert _readings(db_file) == {
        ("pm25|TW-KEE|moenv:1", "2023-02-07 18:00:00"): 10.0,
        ("pm25|TW-TXG|moenv:28", "2023-02-07 18:00:00"): 12.0,
        ("pm25|TW-KEE|moenv:1", "2023-02-07 19:00:00"): 11.0,
        ("pm25|TW-TXG|moenv:28", "2023-02-07 19:00:00"): 12.0,
    }
    assert "13 of 17 stored" in capsys.readouterr().out  # 3 stations, 6 series, 4 + 4 readings
    before = dump_tables(db_file)
    _poll(_v2_with(next_hour), db_file)
    assert dump_tables(db_file) == before
    _poll(_v2_with(lambda rs: (next_hour(rs), rs[0].update({"pm2.5": "13"}))), db_file)
    assert _readings(db_file)[("pm25|TW-KEE|moenv:1", "2023-02-07 19:00:00")] == 13.0
    assert len(_readings(db_file)) == 4
    con = duckdb.connect(str(db_file), read_only=True)
    rows, start, end = con.execute("SELECT rows, period_start, period_end FROM source").fetchone()
    stored = sum(
        con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608
        for t in ("station", "series", "observation")
    )
    con.close()
    assert rows == stored and str(start) == str(end) == "2023-02-07"


def test_a_poll_of_readings_keeps_what_the_station_register_said(db_file, monkeypatch):
    """The readings name a station and place it; the register adds its English name and type.
    A later poll replaces the station rows but must not blank what only the register knows."""
    monkeypatch.setenv("MOENV_API_KEY", "k")
    register = get_spec("moenv_aqx_p_07")
    raw = fixture_bytes("moenv/aqx_p_07_v2.json")
    with writing(db_file) as con:
        load_batch(con, register, register.parse(raw, "reg"), location="reg", sha256="r")
    _poll(fixture_bytes("moenv/aqx_p_432_v2.json"), db_file)
    con = duckdb.connect(str(db_file), read_only=True)
    row = con.execute(
        "SELECT name, name_en, kind, city_id, source_id FROM station WHERE station_id = 'moenv:28'"
    ).fetchone()
    con.close()
    assert row == ("西屯", "Xitun", "一般站", "TW-TXG", "moenv_aqx_p_432")


def test_a_saved_response_loads_with_file_and_its_markers_are_in_the_run_table(
    db_file, tmp_path, capsys
):
    """`gosmart ingest SOURCE --file PATH`: a live-only dataset from a saved API response,
    through its own parser; the file is the location, the run table counts the markers."""
    saved = tmp_path / "aqx_p_488.json"
    saved.write_bytes(_v2_with(lambda rs: rs[0].update({"pm2.5": "ND"})))
    capsys.readouterr()
    assert main(["--db", str(db_file), "ingest", "moenv_aqx_p_488", "--file", str(saved)]) == 0
    out = capsys.readouterr().out
    assert "markers read" in out and "- 1 · ND 1 · empty 1" in out
    con = duckdb.connect(str(db_file), read_only=True)
    assert con.execute("SELECT location, kind FROM source").fetchone() == (str(saved), "file")
    con.close()
    assert _readings(db_file) == {("pm25|TW-TXG|moenv:28", "2023-02-07 18:00:00"): 12.0}


@pytest.mark.parametrize(
    "argv,problem",
    [
        (["ingest", "--file", "x.json"], "--file needs exactly one SOURCE"),
        (["ingest", "moenv_aqx_p_488", "moenv_aqx_p_432", "--file", "x.json"], "exactly one"),
        (["ingest", "moenv_aqx_p_488", "--file", "x.json", "--from", "."], "no --from"),
    ],
)
def test_file_needs_exactly_one_source(db_file, capsys, argv, problem):
    assert main(["--db", str(db_file), *argv]) == 2
    assert problem in capsys.readouterr().err
    assert not db_file.exists()


def test_a_missing_file_is_one_line_and_nothing_is_stored(db_file, tmp_path, capsys):
    gone = tmp_path / "gone.json"
    assert main(["--db", str(db_file), "ingest", "moenv_aqx_p_488", "--file", str(gone)]) == 1
    assert "nothing stored" in capsys.readouterr().err
    con = duckdb.connect(str(db_file), read_only=True)
    assert con.execute("SELECT error FROM ingest_run").fetchall() == [
        (f"moenv_aqx_p_488: {gone}: file not found",)
    ]
    assert con.execute("SELECT count(*) FROM source").fetchone() == (0,)
    con.close()
