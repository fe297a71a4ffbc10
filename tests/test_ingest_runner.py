"""`gosmart ingest` in file mode: idempotent, all-or-nothing, one clear line per failure."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import gosmart.connectors.runner as runner
from gosmart.cli import main
from gosmart.connectors.catalog import all_specs
from gosmart.connectors.core import Batch
from gosmart.store import connect_read

FIX = Path(__file__).parent / "fixtures" / "files" / "opendata"
MINE = ("transit", "welfare", "population", "jabar", "air_files")
SOURCES = [s.source_id for s in all_specs().values() if s.connector in MINE]
DATA_TABLES = [
    "source",
    "series",
    "series_source",
    "observation",
    "station",
    "indicator_value",
    "station_value",
    "city",
    "indicator",
]


def dump(db: Path) -> dict[str, list]:
    con = connect_read(db)
    try:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in DATA_TABLES}
    finally:
        con.close()


@pytest.fixture
def folder(tmp_path):
    dest = tmp_path / "opendata"
    shutil.copytree(FIX, dest)
    return dest


def test_ingest_fixture_folder(db_file, folder, capsys):
    assert runner.run_ingest(db_file, sources=SOURCES, from_dir=folder) == 0
    out = capsys.readouterr().out
    assert "mohw_child_protection_2019_2023" in out and "ok" in out
    con = connect_read(db_file)
    nwt = con.execute(
        "SELECT value FROM indicator_value WHERE indicator_id='child_protection_records' "
        "AND city_id='TW-NWT' AND period_start='2023-01-01'"
    ).fetchone()
    assert nwt == (2.0,)
    runs = con.execute("SELECT count(*), count(DISTINCT run_id) FROM ingest_run WHERE status='ok'")
    assert runs.fetchone() == (len(SOURCES), 1)


def test_ingest_twice_changes_no_data_table(db_file, folder):
    assert runner.run_ingest(db_file, sources=SOURCES, from_dir=folder) == 0
    first = dump(db_file)
    assert runner.run_ingest(db_file, sources=SOURCES, from_dir=folder) == 0
    assert dump(db_file) == first
    con = connect_read(db_file)
    assert con.execute("SELECT count(DISTINCT run_id) FROM ingest_run").fetchone() == (2,)


def test_bad_file_leaves_previous_state_and_names_the_file(db_file, folder, capsys):
    assert runner.run_ingest(db_file, sources=SOURCES, from_dir=folder) == 0
    before = dump(db_file)
    bad = folder / "welfare" / "mohw_child_youth_protection_cases_2019_2023.parquet"
    bad.write_bytes(bad.read_bytes()[:100])
    capsys.readouterr()
    assert runner.run_ingest(db_file, sources=SOURCES, from_dir=folder) == 1
    captured = capsys.readouterr()
    assert "unreadable Parquet" in captured.out
    assert "mohw_child_protection_2019_2023" in captured.err
    assert dump(db_file) == before
    con = connect_read(db_file)
    failed = con.execute(
        "SELECT error FROM ingest_run WHERE status = 'failed' AND connector = ?",
        ["mohw_child_protection_2019_2023"],
    ).fetchone()
    assert "mohw_child_youth_protection_cases_2019_2023.parquet" in failed[0]
    assert sorted(p.name for p in db_file.parent.iterdir()) == [
        "gosmart.duckdb",
        "gosmart.duckdb.lock",
        "gosmart.lake",  # the raw lake beside the store (gosmart/lake.py)
    ]


def test_failure_mid_load_leaves_previous_state(db_file, folder, monkeypatch):
    assert runner.run_ingest(db_file, sources=SOURCES, from_dir=folder) == 0
    before = dump(db_file)
    (
        folder / "population" / "taiwan_household_registered_population_by_city_yearend.csv"
    ).write_text(
        "year_end_ad,city,repo_year_roc_plus1,repo_city_code,population\n2023,新北市,113,C,1\n",
        encoding="utf-8",
    )

    def broken(con: duckdb.DuckDBPyConnection) -> dict:
        con.execute("DELETE FROM indicator_value")  # half done when it fails
        raise duckdb.Error("derive blew up")

    monkeypatch.setattr(runner, "derive", broken)
    assert runner.run_ingest(db_file, sources=SOURCES, from_dir=folder) == 1
    assert dump(db_file) == before


@pytest.mark.parametrize("table", ["observation", "series"])
def test_duplicate_key_in_a_batch_is_refused(db_file, folder, table):
    """Indexed or not, a key twice in one batch fails the load (INSERT OR REPLACE would
    otherwise keep one of the two silently). Repeated identical series rows are fine (files
    of one source repeat them), so the second series row says something else."""
    spec = all_specs()["trtc_daily_totals"]
    real = spec.parse

    def doubled(raw: bytes, location: str) -> Batch:
        b = real(raw, location)
        rows = b.tables[table]
        again = rows.iloc[:1].assign(unit="another unit") if table == "series" else rows.iloc[:1]
        b.tables[table] = pd.concat([rows, again], ignore_index=True)
        return b

    object.__setattr__(spec, "parse", doubled)
    try:
        assert runner.run_ingest(db_file, sources=["trtc_daily_totals"], from_dir=folder) == 1
    finally:
        object.__setattr__(spec, "parse", real)
    con = connect_read(db_file)
    (error,) = con.execute("SELECT error FROM ingest_run WHERE status = 'failed'").fetchone()
    assert f"{table}: duplicate key" in error and error.endswith("(2 rows)")
    assert con.execute("SELECT count(*) FROM observation").fetchone() == (0,)


def test_observation_key_of_another_source_is_refused(db_file, folder):
    """observation has no index: the load itself must refuse a key another source holds."""
    assert runner.run_ingest(db_file, sources=["trtc_daily_totals"], from_dir=folder) == 0
    before = dump(db_file)
    spec = all_specs()["trtc_station_daily"]
    real = spec.parse
    con = connect_read(db_file)
    taken = con.execute(
        "SELECT series_id, ts FROM observation JOIN series_source USING (series_key) LIMIT 1"
    ).fetchone()
    con.close()

    def clashing(raw: bytes, location: str) -> Batch:
        b = real(raw, location)
        obs = b.tables["observation"].astype({"series_id": "str"})
        obs.loc[obs.index[0], ["series_id", "ts"]] = [taken[0], pd.Timestamp(taken[1])]
        b.tables["observation"] = obs
        return b

    object.__setattr__(spec, "parse", clashing)
    try:
        assert runner.run_ingest(db_file, sources=["trtc_station_daily"], from_dir=folder) == 1
    finally:
        object.__setattr__(spec, "parse", real)
    con = connect_read(db_file)
    (error,) = con.execute("SELECT error FROM ingest_run WHERE status = 'failed'").fetchone()
    con.close()
    assert "already loaded by trtc_daily_totals" in error and taken[0] in error
    after = dump(db_file)
    assert {t: v for t, v in after.items() if t != "ingest_run"} == before


def test_missing_file_and_unknown_source(db_file, folder, capsys):
    (folder / "jabar" / "opendatajabar_upah_minimum_kabkota_2017_2024.csv").unlink()
    assert runner.run_ingest(db_file, sources=["jabar_min_wage"], from_dir=folder) == 1
    assert "file not found" in capsys.readouterr().out
    assert main(["--db", str(db_file), "ingest", "no_such_source", "--from", str(folder)]) == 1
    assert "unknown source" in capsys.readouterr().err


def test_merge_batches_drops_repeated_dimension_rows():
    a, b = Batch(), Batch()
    row = {
        "series_id": "x|TW-TPE|city",
        "indicator_id": "x",
        "city_id": "TW-TPE",
        "entity_id": "city",
        "grain": "daily",
        "unit": "u",
    }
    for batch, day in ((a, "2020-01-01"), (b, "2020-01-02")):
        batch.add("series", pd.DataFrame([row]))
        batch.add(
            "observation", pd.DataFrame([{"series_id": row["series_id"], "ts": day, "value": 1.0}])
        )
    merged = runner.merge_batches([a, b])
    assert len(merged.tables["series"]) == 1
    assert len(merged.tables["observation"]) == 2


def test_live_mode_uses_the_same_parser(db_file, monkeypatch):
    spec = all_specs()["trtc_daily_totals"]
    body = (FIX / "transit" / "trtc_daily_system_totals_2019_2023.csv").read_bytes()
    seen = []

    def fetch(session) -> list[tuple[bytes, str]]:
        seen.append(session)
        return [(body, "http://127.0.0.1:9/totals.csv")]

    monkeypatch.setattr("gosmart.connectors.http.make_session", lambda: "session")
    object.__setattr__(spec, "fetch", fetch)
    try:
        assert runner.run_ingest(db_file, sources=["trtc_daily_totals"]) == 0
    finally:
        object.__setattr__(spec, "fetch", None)
    assert seen == ["session"]
    con = connect_read(db_file)
    assert con.execute("SELECT kind, location FROM source").fetchone() == (
        "live",
        "http://127.0.0.1:9/totals.csv",
    )
    assert con.execute(
        "SELECT value FROM indicator_value WHERE indicator_id = 'metro_ridership' "
        "AND grain = 'daily' AND period_start = '2019-01-01'"
    ).fetchone() == (1626713,)


def test_live_mode_without_a_feed_fails_cleanly(db_file, monkeypatch, capsys):
    monkeypatch.setattr("gosmart.connectors.http.make_session", lambda: None)
    assert runner.run_ingest(db_file, sources=["jabar_waste"]) == 1
    assert "no live feed" in capsys.readouterr().out


def test_file_loads_a_set_only_whole(db_file, capsys):
    from gosmart.connectors.sources.air_files import AIRBOX_FILES

    paths = [FIX / name for name in AIRBOX_FILES]
    assert runner.run_ingest(db_file, sources=["airbox_pm25_2017_03"], files=paths[:1]) == 1
    con = connect_read(db_file)
    (error,) = con.execute("SELECT error FROM ingest_run").fetchone()
    con.close()
    assert "read as a set: give every file of it; missing" in error
    assert runner.run_ingest(db_file, sources=["airbox_pm25_2017_03"], files=paths[::-1]) == 0
    con = connect_read(db_file)
    (location,) = con.execute("SELECT location FROM source").fetchone()
    assert location == ", ".join(str(p.resolve()) for p in paths)  # in the set's order
    con.close()
