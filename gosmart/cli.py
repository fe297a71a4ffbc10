"""`gosmart`: the one command. Each subcommand is a thin shell over a module function."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gosmart import __version__
from gosmart.resources import SNAPSHOT_DIR
from gosmart.settings import Settings


def _settings(args: argparse.Namespace) -> Settings:
    """This run's settings: the environment, with the command line's flags on top."""
    return Settings.from_env(
        db=args.db,
        public_url=getattr(args, "public_url", None),
        playlist=getattr(args, "playlist", None),
    )


def _db(args: argparse.Namespace) -> Path:
    return _settings(args).db


def cmd_ingest(args: argparse.Namespace) -> int:
    from gosmart.connectors.runner import run_ingest

    if args.files and (len(args.sources) != 1 or args.from_dir):
        print("gosmart ingest: --file needs exactly one SOURCE and no --from", file=sys.stderr)
        return 2
    if not args.sources and not args.from_dir:
        found = _settings(args).opendata_dir()
        if found is None:
            print("gosmart ingest: name a SOURCE or give --from DIR", file=sys.stderr)
            return 2
        args.from_dir = str(found)
    return run_ingest(
        _db(args),
        lake=_settings(args).lake,
        sources=args.sources,
        from_dir=Path(args.from_dir) if args.from_dir else None,
        files=[Path(f) for f in args.files] if args.files else None,
    )


def cmd_derive(args: argparse.Namespace) -> int:
    from gosmart.connectors.derive import run_derive

    settings = _settings(args)
    return run_derive(
        settings.db,
        engine=args.engine,
        full=args.full,
        lake=settings.lake,
        master=args.spark_master,
        remote=args.spark_remote,
    )


def cmd_status(args: argparse.Namespace) -> int:
    from gosmart.connectors.status import print_status

    return print_status(_db(args), as_json=args.json)


def cmd_snapshot(args: argparse.Namespace) -> int:
    from gosmart.snapshot import build_snapshot, load_snapshot

    if args.action == "build":
        if not args.dir:
            print("gosmart snapshot build: name the folder to write with --dir", file=sys.stderr)
            return 2
        build_snapshot(_db(args), Path(args.dir))
    else:
        db = _db(args)
        print(f"store: {db}", file=sys.stderr)
        load_snapshot(Path(args.dir) if args.dir else SNAPSHOT_DIR, db)
    return 0


def cmd_evidence(args: argparse.Namespace) -> int:
    from gosmart.evidence.run import run_evidence

    return run_evidence(_db(args), projects=args.project or None)


def cmd_estimate(args: argparse.Namespace) -> int:
    from gosmart.evidence.estimate import run_estimate

    return run_estimate(
        args.panel,
        args.unit_col,
        args.time_col,
        args.outcome_col,
        args.treated,
        args.start,
        fmt=args.format,
        grain=args.grain,
    )


def cmd_serve(args: argparse.Namespace, *, kiosk: bool = False) -> int:
    from dataclasses import replace

    from gosmart.dashboard.app import ListenError, run_server
    from gosmart.readiness import ready_store

    settings = replace(_settings(args), kiosk=kiosk or _settings(args).kiosk)
    print(f"store: {settings.db}", file=sys.stderr)
    ready_store(settings.db)
    try:
        run_server(settings, host=args.host, port=args.port, threads=args.threads, debug=args.debug)
    except ListenError as exc:
        print(f"gosmart {args.command}: {exc}", file=sys.stderr)
        return 2
    return 0


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gosmart", description=__doc__)
    parser.add_argument("--version", action="version", version=f"gosmart {__version__}")
    parser.add_argument(
        "--db", help="DuckDB file (default: $GOSMART_DB, else the per-user data directory)"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="load open data into the store")
    p.add_argument("sources", nargs="*", help="source ids to fetch live (see `gosmart status`)")
    p.add_argument("--from", dest="from_dir", help="load the files held in this folder instead")
    p.add_argument(
        "--file",
        dest="files",
        action="append",
        metavar="PATH",
        help="load this file (a saved API response or a download) through SOURCE's parser; "
        "repeat it for a source read as a set of files",
    )
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser(
        "derive", help="derive city and station values from the raw lake (what changed, or all)"
    )
    p.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb")
    p.add_argument("--full", action="store_true", help="re-derive everything, not what changed")
    p.add_argument(
        "--spark-master", default="local[2]", help="Spark master (default local[2]: this machine)"
    )
    p.add_argument("--spark-remote", help="a Spark Connect URL (sc://host:15002) instead")
    p.set_defaults(func=cmd_derive)

    p = sub.add_parser("status", help="show every source and its last load")
    p.add_argument("--json", action="store_true", help="the same rows as JSON, for scripts")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("snapshot", help="build or load the bundled snapshot")
    p.add_argument("action", choices=["build", "load"])
    p.add_argument("--dir", help="snapshot folder (load: default the bundled one; build: required)")
    p.set_defaults(func=cmd_snapshot)

    p = sub.add_parser("evidence", help="estimate the effect of every project")
    p.add_argument("--project", action="append", help="only this project (repeatable)")
    p.set_defaults(func=cmd_evidence)

    p = sub.add_parser(
        "estimate", help="run every design on a long-format panel CSV (one row per unit and period)"
    )
    p.add_argument("panel", help="CSV file, one row per unit and period")
    p.add_argument("--unit-col", required=True, help="column naming the unit (city, state...)")
    p.add_argument("--time-col", required=True, help="column holding the year or the date")
    p.add_argument("--outcome-col", required=True, help="column holding the outcome")
    p.add_argument("--treated", required=True, help="the treated unit, as in --unit-col")
    p.add_argument("--start", required=True, help="launch: a year (1989) or a date (2019-10-01)")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.add_argument(
        "--grain",
        choices=["annual", "quarterly", "monthly", "daily"],
        help="period length (default: inferred from the time column)",
    )
    p.set_defaults(func=cmd_estimate)

    for name, kiosk in (("serve", False), ("kiosk", True)):
        p = sub.add_parser(name, help="start the dashboard" + (" in kiosk mode" if kiosk else ""))
        p.add_argument("--host", default="127.0.0.1", help="address to listen on")
        p.add_argument("--port", type=int, default=8050)
        p.add_argument(
            "--threads", type=_positive, default=4, help="requests answered at once (default 4)"
        )
        p.add_argument(
            "--debug", action="store_true", help="Dash's development server (reloads, errors)"
        )
        p.set_defaults(func=lambda a, k=kiosk: cmd_serve(a, kiosk=k))
        if kiosk:
            add_kiosk_options(p)
    return parser


def add_kiosk_options(p: argparse.ArgumentParser) -> None:
    """`gosmart kiosk` settings (each overrides its environment variable)."""
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
    from gosmart.dashboard.kiosk.playlist import PlaylistError, check_playlist_file
    from gosmart.dashboard.kiosk.qr import valid_base

    settings = _settings(args)
    if args.public_url and not valid_base(args.public_url):
        print("gosmart kiosk: --public-url must be an http(s):// URL", file=sys.stderr)
        return 2
    try:
        check_playlist_file(settings.playlist)
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
        from gosmart.connectors.errors import IngestError
        from gosmart.lake import LakeError
        from gosmart.registry import RegistryError
        from gosmart.store import StoreError

        if isinstance(exc, IngestError | RegistryError | StoreError | LakeError):
            print(f"gosmart: {exc}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
