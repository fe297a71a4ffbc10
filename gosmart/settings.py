"""One settings object, built once from the command line and the environment, passed down.

Every environment variable the app reads is named in `ENVIRONMENT` (the README lists the
same, and a test keeps the two and the code in step). Nothing hands a setting on by
changing the environment: the CLI and the WSGI entry point build a `Settings` and give it
to what they start.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import platformdirs

from gosmart.resources import checkout_root

APP_NAME = "gosmart"

# Every environment variable the app reads, and what it sets.
ENVIRONMENT: dict[str, str] = {
    "GOSMART_DB": "the DuckDB store (default: gosmart.duckdb in the per-user data directory)",
    "GOSMART_LAKE": "the raw lake, Parquet by source and month: a folder or an object-store URL such as s3://bucket/prefix (default: the store recorded, else <store>.lake/ beside it)",
    "GOSMART_OPENDATA": "the open-data folder `gosmart ingest` reads (default: ../shared/opendata)",
    "GOSMART_PUBLIC_URL": "base URL the kiosk's QR codes open on a phone",
    "GOSMART_KIOSK_PLAYLIST": "kiosk playlist: a name in the bundled playlists or a .toml/.json file",
    "GOSMART_KIOSK": "`1` sends / to the kiosk under a WSGI server (as `gosmart kiosk` does)",
    "MOENV_API_KEY": "key for the MOENV air-quality API",
    "OPENAQ_API_KEY": "key for the OpenAQ v3 API",
    "TDX_CLIENT_ID": "TDX OAuth2 client id",
    "TDX_CLIENT_SECRET": "TDX OAuth2 client secret",
}


def data_dir() -> Path:
    """The per-user folder for writable data (the store), e.g. ~/.local/share/gosmart."""
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def default_opendata() -> Path | None:
    """`../shared/opendata` beside the checkout, as the project lays it out (None installed)."""
    root = checkout_root()
    return root.parent / "shared" / "opendata" if root else None


@dataclass(frozen=True)
class Settings:
    """What a run of the app needs to know about its surroundings."""

    db: Path
    lake: str | None = (
        None  # a folder or an object-store URL; None: where the store recorded it, else beside the store
    )
    opendata: Path | None = None
    public_url: str = ""
    playlist: str = ""
    kiosk: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Settings from the environment; a non-empty override (a command-line flag) wins."""
        env = os.environ if environ is None else environ
        opendata = Path(env["GOSMART_OPENDATA"]) if env.get("GOSMART_OPENDATA") else None
        settings = cls(
            db=Path(env.get("GOSMART_DB") or data_dir() / "gosmart.duckdb"),
            lake=env.get("GOSMART_LAKE") or None,
            opendata=opendata or default_opendata(),
            public_url=env.get("GOSMART_PUBLIC_URL", "").strip(),
            playlist=env.get("GOSMART_KIOSK_PLAYLIST", "").strip(),
            kiosk=env.get("GOSMART_KIOSK", "") == "1",
        )
        given = {k: v for k, v in overrides.items() if v not in (None, "")}
        if isinstance(given.get("db"), str):
            given["db"] = Path(given["db"])
        return replace(settings, **given)

    def opendata_dir(self) -> Path | None:
        """The open-data folder if present (CI has it; a fresh machine may not)."""
        return self.opendata if self.opendata is not None and self.opendata.is_dir() else None
