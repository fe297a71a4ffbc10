"""The import contracts in pyproject.toml hold (import-linter), on the package as installed.

import-linter builds its graph by walking the `gosmart` folder, but in a checkout the layers
live in the repository's top-level folders (setuptools' package-dir). So each test lays the
modules out as the wheel does, from the same pyproject mapping, and lints that copy.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

LINT = "from importlinter.cli import lint_imports; raise SystemExit(lint_imports(no_cache=True))"


def package_folder(package: str, mapping: dict[str, str]) -> Path:
    """Where a package's modules sit in the checkout, by the nearest mapped ancestor."""
    parts = package.split(".")
    for cut in range(len(parts), 0, -1):
        prefix = ".".join(parts[:cut])
        if prefix in mapping:
            return REPO_ROOT / mapping[prefix] / Path(*parts[cut:])
    return REPO_ROOT / Path(*parts)


def installed_layout(dest: Path) -> Path:
    """The package's Python modules under `dest` as a wheel installs them, plus the config."""
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    setup = config["tool"]["setuptools"]
    for package in setup["packages"]:
        target = dest / Path(*package.split("."))
        target.mkdir(parents=True, exist_ok=True)
        for module in package_folder(package, setup.get("package-dir", {})).glob("*.py"):
            shutil.copyfile(module, target / module.name)
    shutil.copyfile(REPO_ROOT / "pyproject.toml", dest / "pyproject.toml")
    return dest


def lint(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", LINT],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return installed_layout(tmp_path_factory.mktemp("installed"))


def test_every_import_contract_holds(tree: Path) -> None:
    done = lint(tree)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout and "kept" in done.stdout


@pytest.mark.parametrize(
    ("module", "imports", "contract"),
    [
        ("gosmart/dashboard/_probe.py", "import gosmart.connectors.runner", "Layers"),
        ("gosmart/store_probe.py", "import gosmart.evidence.run", "Layers"),
        ("gosmart/dashboard/pages/_probe.py", "import duckdb", "only through its read-only"),
        ("gosmart/evidence/_probe.py", "import dash", "never import the web framework"),
    ],
)
def test_a_forbidden_import_breaks_its_contract(
    tree: Path, tmp_path: Path, module: str, imports: str, contract: str
) -> None:
    broken = shutil.copytree(tree, tmp_path / "broken")
    (broken / module).write_text(imports + "\n", encoding="utf-8")
    if module == "gosmart/store_probe.py":  # a new core module must be placed in a layer
        text = (broken / "pyproject.toml").read_text(encoding="utf-8")
        text = text.replace(": store : settings", ": store : store_probe : settings")
        (broken / "pyproject.toml").write_text(text, encoding="utf-8")
    done = lint(broken)
    assert done.returncode != 0
    assert "BROKEN" in done.stdout and contract in done.stdout, done.stdout[-3000:]
