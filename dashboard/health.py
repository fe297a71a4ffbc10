"""`/healthz`: whether the app can read its store, and how fresh that store is, as JSON.

A monitor or the kiosk's watchdog tells a healthy app from a stale one by it: HTTP 200 with
the data version, whether the store is the bundled snapshot or has been ingested into, and
each source's last successful load; HTTP 503 with the same keys when the store cannot be
read. It reads through the dashboard's read-only store, never from a cache.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from flask import Flask, Response, jsonify

from gosmart import __version__
from gosmart.dashboard.data import store
from gosmart.snapshot import store_loads
from gosmart.store import StoreError

ROUTE = "/healthz"
SOURCE_FIELDS = ("source_id", "kind", "retrieved_at", "last_ok_run", "loaded_at", "from_snapshot")
log = logging.getLogger(__name__)


def _json_value(value: Any) -> Any:
    """Store timestamps are naive UTC: ISO 8601 with a Z."""
    if isinstance(value, datetime):
        return value.isoformat() + "Z"
    if isinstance(value, date):
        return value.isoformat()
    return value


def _unreadable(exc: Exception) -> str:
    """Why the store cannot be read, in one line that names no server path."""
    if isinstance(exc, FileNotFoundError | StoreError):
        return "no store yet: run `gosmart snapshot load` or `gosmart ingest`"
    return f"the store cannot be read ({type(exc).__name__})"


def health() -> tuple[dict[str, Any], int]:
    """The /healthz body and its HTTP status."""
    body: dict[str, Any] = {"app_version": __version__}
    try:
        readonly = store()
        version = readonly.version
        loads = store_loads(readonly.cursor())
    except Exception as exc:  # every failure is a 503 with a reason, never a traceback
        log.warning("/healthz: store not readable: %s", exc)
        body.update(
            store_readable=False,
            error=_unreadable(exc),
            data_version=None,
            origin=None,
            snapshot_built_at=None,
            last_load_at=None,
            sources=[],
        )
        return body, 503
    sources = [
        {**{k: _json_value(r[k]) for k in SOURCE_FIELDS}, "last_run": r["status"]}
        for r in loads.sources
    ]
    loaded = [r["loaded_at"] for r in loads.sources if r["loaded_at"] is not None]
    body.update(
        store_readable=True,
        data_version=version,
        origin=loads.origin,
        snapshot_built_at=_json_value(loads.built_at),
        last_load_at=_json_value(max(loaded)) if loaded else None,
        sources=sources,
    )
    return body, 200


def register_health(server: Flask) -> None:
    """Answer GET /healthz on this server."""

    def healthz() -> tuple[Response, int]:
        body, status = health()
        return jsonify(body), status

    server.add_url_rule(ROUTE, "healthz", healthz, methods=["GET"])
