"""Settings: built once from flags and the environment; every variable read is documented."""

from __future__ import annotations

import re
from pathlib import Path

from gosmart.settings import ENVIRONMENT, Settings, data_dir
from tests.conftest import REPO_ROOT

PACKAGE_FOLDERS = ("gosmart", "connectors", "evidence", "dashboard")
ENV_NAME = re.compile(r"""["']((?:GOSMART|MOENV|OPENAQ|TDX|DATAGOVTW)_[A-Z0-9_]+)["']""")


def names_in_code() -> set[str]:
    found: set[str] = set()
    for folder in PACKAGE_FOLDERS:
        for module in (REPO_ROOT / folder).rglob("*.py"):
            found |= set(ENV_NAME.findall(module.read_text(encoding="utf-8")))
    return found


def names_in_readme() -> set[str]:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Environment", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z0-9_]+)`", row)}


def test_every_variable_the_code_reads_is_declared_and_in_the_readme() -> None:
    in_code = names_in_code()
    assert in_code, "the scan found no environment variable at all"
    assert in_code == set(ENVIRONMENT), "declare it in gosmart.settings.ENVIRONMENT"
    assert names_in_readme() == set(ENVIRONMENT), "list it in the README's Environment table"


def test_flags_win_over_the_environment_and_the_store_defaults_to_the_user_data_dir() -> None:
    env = {"GOSMART_DB": "/srv/env.duckdb", "GOSMART_PUBLIC_URL": " https://a.example/ "}
    settings = Settings.from_env(env)
    assert settings.db == Path("/srv/env.duckdb")
    assert settings.public_url == "https://a.example/"
    assert Settings.from_env(env, db="/srv/flag.duckdb", public_url=None).db == Path(
        "/srv/flag.duckdb"
    )
    assert Settings.from_env({}).db == data_dir() / "gosmart.duckdb"
    assert "site-packages" not in str(Settings.from_env({}).db)
    assert Settings.from_env({"GOSMART_KIOSK": "1"}).kiosk
    assert not Settings.from_env({"GOSMART_KIOSK": "yes"}).kiosk


def test_the_cli_hands_no_setting_on_through_the_environment() -> None:
    cli = (REPO_ROOT / "gosmart" / "cli.py").read_text(encoding="utf-8")
    assert "os.environ" not in cli and "putenv" not in cli
