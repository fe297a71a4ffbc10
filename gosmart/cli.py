"""`gosmart`: the one command. Each subcommand is a thin shell over a module function."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from gosmart.paths import SNAPSHOT_DIR, db_path, opendata_dir


def _db(args: argparse.Namespace) -> Path:
    return Path(args.db) if args.db else db_path()


def ensure_store(db: Path, snapshot_dir: Path = SNAPSHOT_DIR) -> None:
    """A store to serve: built from the bundled snapshot on a fresh machine, and rebuilt
    when the store came from an older snapshot (after an update). A store filled by
    `gosmart ingest` is never replaced."""
    from connectors.snapshot import load_snapshot, stale_snapshot_store
    from gosmart.store import StoreError

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
    import duckdb

    from gosmart.store import connect_read, pending_upgrades, writing

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


def cmd_ingest(args: argparse.Namespace) -> int:
    from connectors.runner import run_ingest

    if not args.sources and not args.from_dir:
        found = opendata_dir()
        if found is None:
            print("gosmart ingest: name a SOURCE or give --from DIR", file=sys.stderr)
            return 2
        args.from_dir = str(found)
    return run_ingest(
        _db(args),
        sources=args.sources,
        from_dir=Path(args.from_dir) if args.from_dir else None,
    )


def cmd_status(args: argparse.Namespace) -> int:
    from connectors.status import print_status

    return print_status(_db(args))


def cmd_snapshot(args: argparse.Namespace) -> int:
    from connectors.snapshot import build_snapshot, load_snapshot

    out = Path(args.dir) if args.dir else SNAPSHOT_DIR
    if args.action == "build":
        build_snapshot(_db(args), out)
    else:
        load_snapshot(out, _db(args))
    return 0


def cmd_evidence(args: argparse.Namespace) -> int:
    from evidence.run import run_evidence

    return run_evidence(_db(args), projects=args.project or None)


def cmd_serve(args: argparse.Namespace, *, kiosk: bool = False) -> int:
    db = _db(args)
    ensure_store(db)
    os.environ["GOSMART_DB"] = str(db)
    from dashboard.app import run_server

    run_server(host=args.host, port=args.port, kiosk=kiosk, debug=args.debug)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gosmart", description=__doc__)
    parser.add_argument("--db", help="DuckDB file (default: $GOSMART_DB or data/gosmart.duckdb)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="load open data into the store")
    p.add_argument("sources", nargs="*", help="source ids to fetch live (see `gosmart status`)")
    p.add_argument("--from", dest="from_dir", help="load the files held in this folder instead")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("status", help="show every source and its last load")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("snapshot", help="build or load the bundled snapshot")
    p.add_argument("action", choices=["build", "load"])
    p.add_argument("--dir", help="snapshot folder (default: datasets/snapshot)")
    p.set_defaults(func=cmd_snapshot)

    p = sub.add_parser("evidence", help="estimate the effect of every project")
    p.add_argument("--project", action="append", help="only this project (repeatable)")
    p.set_defaults(func=cmd_evidence)

    for name, kiosk in (("serve", False), ("kiosk", True)):
        p = sub.add_parser(name, help="start the dashboard" + (" in kiosk mode" if kiosk else ""))
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=8050)
        p.add_argument("--debug", action="store_true")
        p.set_defaults(func=lambda a, k=kiosk: cmd_serve(a, kiosk=k))
        if kiosk:
            add_kiosk_options(p)
    return parser


def add_kiosk_options(p: argparse.ArgumentParser) -> None:
    """`gosmart kiosk` settings, passed on as the environment variables the app reads."""
    p.add_argument(
        "--public-url",
        help="base URL phones open from the QR codes, e.g. https://gosmart.example.org/ "
        "(default: $GOSMART_PUBLIC_URL, else the address the kiosk screen uses)",
    )
    p.add_argument(
        "--playlist",
        help="playlist name in datasets/kiosk/ or a .toml/.json file "
        "(default: $GOSMART_KIOSK_PLAYLIST, else playlist_2023)",
    )
    p.set_defaults(func=cmd_kiosk)


def cmd_kiosk(args: argparse.Namespace) -> int:
    """Check the kiosk options at start (one clear line), then serve in kiosk mode."""
    from dashboard.kiosk.playlist import PLAYLIST_ENV, PlaylistError, check_playlist_file
    from dashboard.kiosk.qr import PUBLIC_URL_ENV, valid_base

    if args.public_url:
        if not valid_base(args.public_url):
            print("gosmart kiosk: --public-url must be an http(s):// URL", file=sys.stderr)
            return 2
        os.environ[PUBLIC_URL_ENV] = args.public_url
    if args.playlist:
        os.environ[PLAYLIST_ENV] = args.playlist
    try:
        check_playlist_file(os.environ.get(PLAYLIST_ENV, ""))
    except PlaylistError as exc:
        print(f"gosmart kiosk: {exc}", file=sys.stderr)
        return 2
    return cmd_serve(args, kiosk=True)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # one clear line, never a traceback, for expected failures
        from connectors.errors import IngestError
        from gosmart.registry import RegistryError
        from gosmart.store import StoreError

        if isinstance(exc, IngestError | RegistryError | StoreError):
            print(f"gosmart: {exc}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
