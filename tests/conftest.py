"""Shared fixtures: a real DuckDB file in a temp dir, never a mock."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from gosmart.settings import Settings

if TYPE_CHECKING:
    from tests.store_builder import World

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def db_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Path of a not-yet-created store in a temp dir; GOSMART_DB points at it."""
    path = tmp_path / "store" / "gosmart.duckdb"
    monkeypatch.setenv("GOSMART_DB", str(path))
    return path


def use_store(monkeypatch: pytest.MonkeyPatch, path: Path, **fields: object) -> Settings:
    """Point the dashboard's read-only store (and settings) at `path` for one test."""
    from gosmart.dashboard import data

    monkeypatch.setattr(data, "_SETTINGS", None)
    monkeypatch.setattr(data, "_STORE", None)
    settings = Settings(db=path, **fields)
    data.configure(settings)
    return settings


@pytest.fixture(scope="session")
def opendata() -> Path:
    """The shared open-data folder; tests that need it skip, saying why, where it is absent."""
    path = Settings.from_env().opendata_dir()
    if path is None:
        pytest.skip(
            "../shared/opendata is not on this machine (CI has it); "
            "set GOSMART_OPENDATA to run tests on the real files"
        )
    return path


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """The synthetic world through the real ingest and evidence (tests/store_builder.py),
    built once per test run: parallel workers share it through their common base folder."""
    from tests.store_builder import cached_world

    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    world = cached_world(base / "worlds")
    for path in (world.ingested, world.store):
        path.chmod(0o444)  # tests read these; one that writes works on a copy
    return world


@pytest.fixture(scope="session")
def built_store(world: World) -> Path:
    """The world's store after `gosmart evidence` (read only: copy it to write)."""
    return world.store


@pytest.fixture
def dashboard_store(built_store: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The dashboard reading the built store."""
    use_store(monkeypatch, built_store)
    return built_store


@pytest.fixture
def store_copy(built_store: Path, tmp_path: Path) -> Path:
    """A private, writable copy of the built store."""
    path = tmp_path / "store" / "gosmart.duckdb"
    path.parent.mkdir(parents=True)
    shutil.copyfile(built_store, path)
    return path


@pytest.fixture(scope="session")
def opendata_store(opendata: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store ingested from every real file in ../shared/opendata, effects estimated, as
    `gosmart ingest --from ../shared/opendata && gosmart evidence` builds it."""
    from gosmart.connectors.runner import run_ingest
    from gosmart.evidence.run import run_evidence

    db = tmp_path_factory.mktemp("opendata") / "gosmart.duckdb"
    assert run_ingest(db, from_dir=opendata) == 0
    assert run_evidence(db) == 0
    return db
