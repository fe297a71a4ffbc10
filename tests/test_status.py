"""`gosmart status` on an ingested store and on a store built from the snapshot."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import gosmart.connectors.runner as runner
from gosmart.cli import main
from gosmart.connectors.status import print_status, status_rows
from gosmart.snapshot import build_snapshot, load_snapshot
from gosmart.store import connect_read

FIX = Path(__file__).parent / "fixtures" / "files" / "opendata"
SOURCES = ["mohw_child_protection_2019_2023", "tw_household_population", "iqair_pm25_annual"]


def test_status_lists_loaded_and_unloaded_sources(db_file, tmp_path, capsys):
    folder = tmp_path / "opendata"
    shutil.copytree(FIX, folder)
    assert runner.run_ingest(db_file, sources=SOURCES, from_dir=folder) == 0
    ingested = capsys.readouterr().out
    assert "2017-01-01" not in ingested and "2017–" in ingested  # at the grain there too
    assert print_status(db_file) == 0
    out = capsys.readouterr().out
    assert "mohw_child_protection_2019_2023" in out and "Open Government Data License" in out
    assert "2017–" in out and "2017-01-01" not in out  # IQAir's annual data, at its grain
    rows = {r["source_id"]: r for r in status_rows(connect_read(db_file))}
    assert rows["iqair_pm25_annual"]["grain"] == "annual"
    assert rows["iqair_pm25_annual"]["third_party"] is True
    assert rows["iqair_pm25_annual"]["feed"] == "file"
    assert rows["krtc_daily_ridership"]["status"] == "never loaded"

    snap, fresh = tmp_path / "snap", tmp_path / "fresh.duckdb"
    build_snapshot(db_file, snap)
    load_snapshot(snap, fresh)
    rows = {r["source_id"]: r for r in status_rows(connect_read(fresh))}
    assert rows["tw_household_population"]["feed"] == "snapshot (file)"
    assert rows["tw_household_population"]["loaded_at"] is not None
    assert main(["--db", str(fresh), "status"]) == 0
    # one source ingested on top: it is a file load now, the others still the snapshot's
    assert runner.run_ingest(fresh, sources=["iqair_pm25_annual"], from_dir=folder) == 0
    rows = {r["source_id"]: r for r in status_rows(connect_read(fresh))}
    assert rows["iqair_pm25_annual"]["feed"] == "file"
    assert rows["tw_household_population"]["feed"] == "snapshot (file)"


def failed_run(db_file: Path, tmp_path: Path) -> None:
    """A good load, then a run whose IQAir file is broken (so nothing of it is stored)."""
    folder = tmp_path / "opendata"
    shutil.copytree(FIX, folder)
    assert runner.run_ingest(db_file, sources=SOURCES, from_dir=folder) == 0
    (folder / "air/history/iqair_taiwan_cities_pm25_2017-2021.csv").write_text("nonsense\n1\n")
    assert runner.run_ingest(db_file, sources=SOURCES, from_dir=folder) == 1


def test_status_reports_a_failed_last_run(db_file, tmp_path, capsys):
    failed_run(db_file, tmp_path)
    capsys.readouterr()
    assert print_status(db_file) == 1
    assert "last run failed" in capsys.readouterr().out


def test_status_without_store_is_one_clear_line(tmp_path, capsys):
    assert main(["--db", str(tmp_path / "none.duckdb"), "status"]) == 1
    assert "no database" in capsys.readouterr().err


def test_status_json_has_the_table_rows(db_file, tmp_path, capsys):
    folder = tmp_path / "opendata"
    shutil.copytree(FIX, folder)
    assert runner.run_ingest(db_file, sources=SOURCES, from_dir=folder) == 0
    capsys.readouterr()
    assert main(["--db", str(db_file), "status", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["store"] == str(db_file) and doc["data_version"]
    by_id = {r["source_id"]: r for r in doc["sources"]}
    table = {r["source_id"]: r for r in status_rows(connect_read(db_file))}
    assert set(by_id) == set(table)
    iqair = by_id["iqair_pm25_annual"]
    assert set(iqair) == {
        "source_id",
        "publisher",
        "licence",
        "feed",
        "third_party",
        "last_successful_load",
        "rows",
        "period_start",
        "period_end",
        "last_run",
        "error",
    }
    assert iqair["third_party"] is True and iqair["feed"] == "file"
    assert iqair["rows"] == table["iqair_pm25_annual"]["rows"]
    assert iqair["period_start"] == table["iqair_pm25_annual"]["period_start"].isoformat()
    loaded = table["iqair_pm25_annual"]["loaded_at"]
    assert iqair["last_successful_load"] == loaded.isoformat() and iqair["last_run"] == "ok"
    never = by_id["krtc_daily_ridership"]
    assert never["last_run"] == "never loaded" and never["last_successful_load"] is None


def test_status_json_exit_code_follows_a_failed_run(db_file, tmp_path, capsys):
    failed_run(db_file, tmp_path)
    capsys.readouterr()
    assert main(["--db", str(db_file), "status", "--json"]) == 1
    failed = [
        r for r in json.loads(capsys.readouterr().out)["sources"] if r["last_run"] == "failed"
    ]
    errors = {r["source_id"]: r["error"] for r in failed}
    assert set(errors) == set(SOURCES)  # all or nothing: the others were not stored either
    assert errors["iqair_pm25_annual"].startswith("iqair_pm25_annual: ")
    assert errors["tw_household_population"] == "not stored (another source failed)"
