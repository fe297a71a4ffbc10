"""Shared fixtures: a real DuckDB file in a temp dir, never a mock."""

from __future__ import annotations

from pathlib import Path

import pytest

from gosmart.settings import Settings

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


# The project-page fixture store (real DuckDB, synthetic rows labelled as such), for every test module.
from tests.test_project_fixture_store import fixture_store, fixture_store_file  # noqa: E402, F401


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
