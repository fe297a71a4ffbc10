"""The wheel: one package with all its data, that works installed in a fresh environment.

`pip wheel` builds it once per session from a copy of the working tree (the build writes
`build/` and egg-info beside its sources). It is installed without dependencies into a
fresh venv that sees the system's packages - where an editable install of a checkout may
also be - and each command runs from an empty folder with no GOSMART_DB, the home and data
folders in temp dirs, as a new user's first run would.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.browser.conftest import free_port, wait_for_200
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow

PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
VERSION = PYPROJECT["project"]["version"]
NOT_SOURCES = shutil.ignore_patterns(
    ".git", "build", "dist", "data", "artifacts", "*.egg-info", "__pycache__", ".*_cache"
)
BIN = "Scripts" if os.name == "nt" else "bin"
ENTRY_PAGES = ["/", "/kiosk", "/healthz"]


def _run(command: list, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, **kwargs)
    assert done.returncode == 0, f"{command}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    sources = work / "src"
    shutil.copytree(REPO_ROOT, sources, ignore=NOT_SOURCES)
    out = work / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", str(sources), "-w", str(out)])
    wheels = sorted(out.glob("*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="session")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv over the system's packages with the wheel installed (no index, no deps)."""
    env_dir = tmp_path_factory.mktemp("venv") / "venv"
    _run([sys.executable, "-m", "venv", "--system-site-packages", str(env_dir)])
    python = env_dir / BIN / "python"
    _run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)])
    return env_dir


def _site_packages(venv: Path) -> Path:
    python = venv / BIN / "python"
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    return Path(_run([python, "-c", code]).stdout.strip())


def _packaged(source: str) -> str:
    """Where a file of the repository lands in the wheel (pyproject's package-dir)."""
    for package, folder in PYPROJECT["tool"]["setuptools"]["package-dir"].items():
        if source.startswith(folder + "/"):
            return package.replace(".", "/") + source[len(folder) :]
    return source


def test_the_wheel_holds_one_package_with_all_its_data(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    tops = {n.split("/")[0] for n in names}
    assert tops == {"gosmart", f"gosmart_evidence-{VERSION}.dist-info"}, tops
    tracked = subprocess.run(
        ["git", "ls-files", "gosmart", *PYPROJECT["tool"]["setuptools"]["package-dir"].values()],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    expected = {_packaged(path) for path in tracked}
    assert expected, "git lists no package files"
    missing = sorted(expected - names)
    assert not missing, missing
    manifest = json.loads(zipfile.ZipFile(wheel).read("gosmart/datasets/snapshot/manifest.json"))
    assert {f"gosmart/datasets/snapshot/{name}" for name in manifest["files"]} <= names
    for kind, prefix in [
        ("registry", "gosmart/datasets/registry/"),
        ("geo boundaries", "gosmart/datasets/geo/"),
        ("kiosk playlist", "gosmart/datasets/kiosk/"),
        ("dashboard SQL", "gosmart/dashboard/sql/"),
        ("core SQL", "gosmart/sql/"),
        ("locales", "gosmart/dashboard/locales/"),
    ]:
        assert any(n.startswith(prefix) for n in names), kind
    assert any(n.endswith(".css") for n in names) and any(n.endswith(".js") for n in names)


def test_the_venv_imports_its_own_copy_not_the_checkout(venv: Path, tmp_path: Path):
    code = "import gosmart.dashboard, gosmart.resources as r; print(gosmart.dashboard.__file__)"
    code += "; print(r.SNAPSHOT_DIR); print(r.checkout_root())"
    where, snapshot, checkout = _run(
        [venv / BIN / "python", "-c", code], cwd=tmp_path
    ).stdout.split()
    site = _site_packages(venv)
    assert Path(where).is_relative_to(site), where
    assert Path(snapshot).is_relative_to(site), snapshot
    assert checkout == "None"


def _first_run_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOSMART_", "PYTHON"))}
    home = tmp_path / "home"
    for name, folder in [
        ("HOME", home),
        ("XDG_DATA_HOME", home / "data"),
        ("XDG_CONFIG_HOME", home / "config"),
        ("XDG_CACHE_HOME", home / "cache"),
    ]:
        folder.mkdir(parents=True, exist_ok=True)
        env[name] = str(folder)
    return env


def _serve_until_up(gosmart: Path, command: str, cwd: Path, env: dict, log: Path) -> dict:
    port = free_port()
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen(
            [gosmart, command, "--port", str(port)], cwd=cwd, env=env, stdout=out, stderr=out
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_200(base, ENTRY_PAGES, proc, log)
        with urllib.request.urlopen(base + "/healthz", timeout=10) as r:
            return json.load(r)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_every_command_runs_from_an_empty_folder_and_writes_nothing_in_the_venv(
    venv: Path, tmp_path: Path
):
    site = _site_packages(venv)

    def listing() -> set[str]:  # bytecode aside: pip compiles it at install, Python may add some
        return {str(p.relative_to(site)) for p in site.rglob("*") if p.suffix != ".pyc"}

    before = listing()
    gosmart = venv / BIN / "gosmart"
    env = _first_run_env(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    store = Path(env["XDG_DATA_HOME"]) / "gosmart" / "gosmart.duckdb"

    assert _run([gosmart, "--version"], cwd=empty, env=env).stdout.strip() == f"gosmart {VERSION}"
    loaded = _run([gosmart, "snapshot", "load"], cwd=empty, env=env)
    assert f"store: {store}" in loaded.stderr and store.is_file()
    status = _run([gosmart, "status"], cwd=empty, env=env).stdout
    assert "snapshot (file)" in status
    _run([gosmart, "evidence"], cwd=empty, env=env)
    for command in ("serve", "kiosk"):
        health = _serve_until_up(gosmart, command, empty, env, tmp_path / f"{command}.log")
        assert health["store_readable"] is True and health["origin"] == "snapshot"
        assert f"store: {store}" in (tmp_path / f"{command}.log").read_text(encoding="utf-8")

    assert list(empty.iterdir()) == []
    assert listing() == before
