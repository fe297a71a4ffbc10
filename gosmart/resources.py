"""Read-only data shipped inside the package, found through `importlib.resources`.

The registry, the snapshot, map boundaries, kiosk playlists, the dashboard's assets, SQL
and message catalogues live in the installed `gosmart` package (a wheel, pipx or an
editable checkout alike), never relative to a working directory. Nothing here is written.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path


def package_dir(package: str) -> Path:
    """The folder of an installed `gosmart` package (the app is installed unzipped)."""
    root = files(package)
    if not isinstance(root, Path):
        raise RuntimeError(f"{package} is not installed as a folder; install the wheel unzipped")
    return root


DATASETS_DIR = package_dir("gosmart.datasets")
REGISTRY_DIR = DATASETS_DIR / "registry"
SNAPSHOT_DIR = DATASETS_DIR / "snapshot"
GEO_DIR = DATASETS_DIR / "geo"
KIOSK_DIR = DATASETS_DIR / "kiosk"
ASSETS_DIR = package_dir("gosmart.assets")


def checkout_root() -> Path | None:
    """The project checkout this code runs from (an editable install), else None: a wheel's
    parent folder is site-packages, which may sit inside some unrelated git repository."""
    root = package_dir("gosmart").parent
    pyproject = root / "pyproject.toml"
    if (root / ".git").exists() and pyproject.is_file():
        if 'name = "gosmart-evidence"' in pyproject.read_text(encoding="utf-8"):
            return root
    return None


@cache
def read_sql(package: str, name: str) -> str:
    """Text of `<package>/sql/<name>.sql` without its closing semicolon, so a query can be
    wrapped in another; names come from code, never from input."""
    text = (files(package) / "sql" / f"{name}.sql").read_text(encoding="utf-8")
    return text.strip().rstrip(";")
