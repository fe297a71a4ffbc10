"""A store ready to serve: built from the bundled snapshot, rebuilt after an update, upgraded.

`gosmart serve`, `gosmart kiosk` and the WSGI entry point call `ready_store` before the
first request, so restarting after an update never serves a store the pages cannot read.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from gosmart.resources import SNAPSHOT_DIR
from gosmart.snapshot import load_snapshot, stale_snapshot_store
from gosmart.store import StoreError, connect_read, pending_upgrades, writing


def ready_store(db: Path, snapshot_dir: Path = SNAPSHOT_DIR) -> None:
    """A store to serve: built from the bundled snapshot on a fresh machine, and rebuilt
    when the store came from an older snapshot (after an update). A store filled by
    `gosmart ingest` is never replaced, only upgraded to this schema."""
    if not db.exists():
        print(f"No database at {db}; building it from the bundled snapshot ...", file=sys.stderr)
    elif (versions := stale_snapshot_store(db, snapshot_dir)) is not None:
        print(
            f"{db} was built from an older snapshot (data version {versions[0] or 'unknown'}); "
            f"rebuilding it from the bundled one ({versions[1]}) ...",
            file=sys.stderr,
        )
    else:
        upgrade_store(db)
        return
    try:
        load_snapshot(snapshot_dir, db)
    except StoreError as exc:
        if not db.exists():
            raise
        print(f"could not rebuild ({exc}); serving the existing store", file=sys.stderr)


def upgrade_store(db: Path) -> list[str]:
    """Bring a store an older version wrote up to this schema, keeping its data (one atomic
    write, as any other: every write upgrades first); returns the upgrades made. A store
    that cannot be written is served as it is, with a warning."""
    con = connect_read(db)
    try:
        pending = pending_upgrades(con)
    finally:
        con.close()
    if not pending:
        return []
    print(f"{db}: upgrading the store to this version ({', '.join(pending)}) ...", file=sys.stderr)
    try:
        with writing(db):
            pass
    except (OSError, duckdb.Error) as exc:
        print(f"could not upgrade ({exc}); serving the store as it is", file=sys.stderr)
        return []
    return pending
