"""The bundled snapshot: build -> load gives the same city-level values; tampering is refused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import gosmart.connectors.runner as runner
from gosmart.cli import main
from gosmart.connectors.catalog import all_specs
from gosmart.snapshot import build_snapshot, load_snapshot
from gosmart.store import StoreError, connect_read

FIX = Path(__file__).parent / "fixtures" / "files" / "opendata"
MINE = ("transit", "welfare", "population", "jabar", "air_files")
SOURCES = [s.source_id for s in all_specs().values() if s.connector in MINE]
VALUES = "SELECT * FROM indicator_value ORDER BY ALL"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("snap")
    db = root / "src.duckdb"
    folder = root / "opendata"
    shutil.copytree(FIX, folder)
    assert runner.run_ingest(db, sources=SOURCES, from_dir=folder) == 0
    out = root / "snapshot"
    build_snapshot(db, out)
    return db, out


def test_round_trip_keeps_city_level_values(built, tmp_path):
    db, out = built
    fresh = tmp_path / "fresh.duckdb"
    load_snapshot(out, fresh)
    a, b = connect_read(db), connect_read(fresh)
    assert b.execute(VALUES).fetchall() == a.execute(VALUES).fetchall()
    assert b.execute("SELECT count(*) FROM station_value").fetchone()[0] > 0
    assert b.execute("SELECT value FROM meta WHERE key = 'origin'").fetchone() == ("snapshot",)
    assert b.execute("SELECT count(*) FROM observation").fetchone() == (0,)


def test_manifest_names_sources_licences_and_checksums(built):
    _, out = built
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["data_version"] and manifest["code_version"]
    iv = manifest["files"]["indicator_value.parquet"]
    assert "mohw_child_protection_2019_2023" in iv["source_ids"]
    assert iv["licence"] and iv["attribution"] and iv["derivation"] and iv["rows"] > 0
    assert "observation.parquet" not in manifest["files"]
    assert sorted(p.name for p in out.iterdir()) == sorted([*manifest["files"], "manifest.json"])


def test_rebuild_of_unchanged_store_is_byte_identical(built, tmp_path):
    db, out = built
    again = tmp_path / "again"
    build_snapshot(db, again)
    for name in json.loads((out / "manifest.json").read_text())["files"]:
        assert (again / name).read_bytes() == (out / name).read_bytes(), name


def test_snapshot_folders_are_arguments_never_sql_text(built, tmp_path, capsys):
    """A folder name with a quote in it is a folder, not a way into the SQL."""
    db, out = built
    odd = tmp_path / "it's; DROP TABLE source; --"
    assert main(["--db", str(db), "snapshot", "build", "--dir", str(odd)]) == 0
    for name in json.loads((out / "manifest.json").read_text())["files"]:
        assert (odd / name).read_bytes() == (out / name).read_bytes(), name
    fresh = tmp_path / "o'fresh.duckdb"
    assert main(["--db", str(fresh), "snapshot", "load", "--dir", str(odd)]) == 0
    assert connect_read(db).execute("SELECT count(*) FROM source").fetchone()[0] > 0
    assert main(["--db", str(db), "snapshot", "build"]) == 2
    assert "--dir" in capsys.readouterr().err


def test_tampered_file_is_refused_and_store_untouched(built, tmp_path):
    _, out = built
    copy = tmp_path / "snap"
    shutil.copytree(out, copy)
    target = copy / "indicator_value.parquet"
    target.write_bytes(target.read_bytes()[:-10])
    db = tmp_path / "x.duckdb"
    with pytest.raises(StoreError, match="sha256"):
        load_snapshot(copy, db)
    assert not db.exists()
    with pytest.raises(StoreError, match="no snapshot"):
        load_snapshot(tmp_path / "nowhere", db)


def test_cli_snapshot_load(built, tmp_path, monkeypatch):
    _, out = built
    db = tmp_path / "cli.duckdb"
    monkeypatch.setenv("GOSMART_DB", str(db))
    assert main(["snapshot", "load", "--dir", str(out)]) == 0
    assert connect_read(db).execute("SELECT count(*) FROM indicator_value").fetchone()[0] > 0


def _newer_snapshot(out: Path, tmp_path: Path) -> Path:
    """The same files under a newer data version, as after `git pull` of a rebuilt snapshot."""
    newer = tmp_path / "newer"
    shutil.copytree(out, newer)
    manifest = json.loads((newer / "manifest.json").read_text(encoding="utf-8"))
    manifest["data_version"] = "newer-version"
    (newer / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return newer


def _identity(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_ino, st.st_mtime_ns


def test_serve_rebuilds_a_store_built_from_an_older_snapshot(built, tmp_path, capsys):
    from gosmart.readiness import ready_store

    _, out = built
    db = tmp_path / "gosmart.duckdb"
    ready_store(db, out)
    assert "building it from the bundled snapshot" in capsys.readouterr().err
    before = _identity(db)
    ready_store(db, out)  # same snapshot: the store stays as it is
    assert _identity(db) == before and capsys.readouterr().err == ""
    broken = _newer_snapshot(out, tmp_path)
    (broken / "indicator_value.parquet").write_bytes(b"not the file the manifest names")
    ready_store(db, broken)  # a damaged update: the store it has keeps serving
    assert "serving the existing store" in capsys.readouterr().err and _identity(db) == before
    shutil.rmtree(broken)
    ready_store(db, _newer_snapshot(out, tmp_path))
    assert "built from an older snapshot" in capsys.readouterr().err
    with connect_read(db) as con:
        version = con.execute("SELECT value FROM meta WHERE key = 'snapshot_data_version'")
        assert version.fetchone() == ("newer-version",)


def test_a_store_filled_by_ingest_is_never_replaced_by_a_snapshot(built, tmp_path, capsys):
    """Neither a store built by ingest nor a snapshot store that ingest has loaded into since:
    their data is the user's. Told apart by the ingest runs after the snapshot was built."""
    from gosmart.readiness import ready_store

    db, out = built
    newer = _newer_snapshot(out, tmp_path)
    before = _identity(db)
    ready_store(db, newer)
    assert _identity(db) == before and capsys.readouterr().err == ""
    on_top = tmp_path / "on_top.duckdb"
    load_snapshot(out, on_top)
    folder = tmp_path / "opendata"
    shutil.copytree(FIX, folder)
    assert runner.run_ingest(on_top, sources=["iqair_pm25_annual"], from_dir=folder) == 0
    capsys.readouterr()
    before = _identity(on_top)
    ready_store(on_top, newer)
    assert _identity(on_top) == before and capsys.readouterr().err == ""
