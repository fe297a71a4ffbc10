"""A local HTTP server that replays scripted responses and injects faults, for connector tests.

Binds 127.0.0.1 on a free port in a background thread (stdlib only). A route is
a path (plus optional query values that must match) and a script of `Reply`s
consumed in order; the last reply repeats. Faults: a status with headers, a
delay before answering (for read timeouts), a reset connection, a body cut
short of its Content-Length, or a close without any response. An `echo` reply
repeats the request as received (request line, headers, body) in its reason
phrase, an `X-Echo` header and the body, the way careless APIs echo a key back.
"""

from __future__ import annotations

import json
import re
import socket
import struct
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import duckdb

from gosmart.connectors.core import Batch, SourceSpec, load_batch, sha256_bytes
from gosmart.schema import stored_columns
from gosmart.store import writing

DATA_TABLES = ("source", "station", "series", "series_source", "observation", "indicator_value")
# Observations are dumped with their series and source named (an unkeyed row shows as None).
OBSERVATION_NAMED = """
SELECT k.series_id, o.ts, o.value, k.source_id
FROM observation o LEFT JOIN series_source k USING (series_key)
"""


@dataclass
class Reply:
    """One scripted answer. `fault` is None, 'reset', 'truncate' or 'close'."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    fault: str | None = None
    content_type: str = "application/json; charset=utf-8"
    echo: bool = False  # put the request in the reason, X-Echo and the body ('{request}')


ECHO_MARK = b"{request}"


def json_reply(body: bytes | str, status: int = 200, **kw) -> Reply:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return Reply(status=status, body=data, **kw)


@dataclass
class Seen:
    """A request as the server received it, for assertions."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class _Route:
    path: str
    query: dict[str, str]
    replies: list[Reply]
    served: int = 0

    def matches(self, path: str, query: dict[str, str]) -> bool:
        return path == self.path and all(query.get(k) == v for k, v in self.query.items())

    def next_reply(self) -> Reply:
        reply = self.replies[min(self.served, len(self.replies) - 1)]
        self.served += 1
        return reply


class FaultServer:
    """Use as a context manager: `with FaultServer() as srv: srv.route('/x', Reply(...))`."""

    def __init__(self) -> None:
        self.routes: list[_Route] = []
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, path: str, *replies: Reply, query: dict[str, str] | None = None) -> None:
        """Script the answers for `path` (more specific query routes first win)."""
        with self._lock:
            self.routes.insert(0, _Route(path, dict(query or {}), list(replies)))
            self.routes.sort(key=lambda r: -len(r.query))

    def hits(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _pick(self, path: str, query: dict[str, str]) -> Reply | None:
        with self._lock:
            for route in self.routes:
                if route.matches(path, query):
                    return route.next_reply()
        return None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                """Quiet: tests read `server.seen` instead."""

            def do_GET(self) -> None:  # noqa: N802 - stdlib name
                self._answer()

            def do_POST(self) -> None:  # noqa: N802 - stdlib name
                self._answer()

            def _answer(self) -> None:
                parts = urlsplit(self.path)
                query = dict(parse_qsl(parts.query, keep_blank_values=True))
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with server._lock:
                    server.seen.append(
                        Seen(self.command, parts.path, query, dict(self.headers), body)
                    )
                reply = server._pick(parts.path, query) or Reply(404, b'{"error":"no route"}')
                if reply.delay:
                    server._stop.wait(reply.delay)
                if reply.fault == "reset":
                    self._reset()
                    return
                if reply.fault == "close":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                reply_body, reason, extra = reply.body, None, dict(reply.headers)
                if reply.echo:
                    request = self._request_text(body)
                    escaped = json.dumps(request)[1:-1].encode()
                    reply_body = reply.body.replace(ECHO_MARK, escaped) or (
                        b'{"error": "' + escaped + b'"}'
                    )
                    reason, extra["X-Echo"] = f"Rejected {request}", request
                self.send_response(reply.status, reason)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply_body)))
                for name, value in extra.items():
                    self.send_header(name, value)
                if reply.fault == "truncate":
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(reply_body[: len(reply_body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.end_headers()
                self.wfile.write(reply_body)

            def _request_text(self, body: bytes) -> str:
                """The request on one line: request line, headers, body."""
                headers = "; ".join(f"{k}: {v}" for k, v in self.headers.items())
                return f"{self.requestline} | {headers} | {body.decode('latin-1')}"

            def _reset(self) -> None:
                """Close with SO_LINGER 0 so the client sees a TCP reset."""
                self.close_connection = True
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self.connection.close()

        return Handler


def quick_session(waits: list[float] | None = None, *, read: float = 0.5, tries: int = 3):
    """The shared session with tiny timeouts and waits; recorded waits instead of sleeping."""
    from gosmart.connectors.http import make_session

    record = waits.append if waits is not None else (lambda _s: None)
    return make_session(
        timeout=(1.0, read), tries=tries, backoff_factor=0.001, max_wait=0.01, sleep=record
    )


FIXTURES = Path(__file__).resolve().parent / "fixtures" / "api"


def fixture_bytes(name: str) -> bytes:
    """A response copy-in-shape from tests/fixtures/api/."""
    return (FIXTURES / name).read_bytes()


def load_pages(spec: SourceSpec, pages: list[tuple[bytes, str]], db: Path) -> int:
    """Parse fetched pages with the spec's parser and load them into a real store file."""
    batch = Batch()
    for raw, location in pages:
        for table, frame in spec.parse(raw, location).tables.items():
            batch.add(table, frame)
    location = pages[0][1]
    with writing(db) as con:
        return load_batch(
            con, spec, batch, location=location, sha256=sha256_bytes(pages[0][0]), kind="live"
        )


def ingest_live(spec: SourceSpec, session, db: Path) -> int:
    """What the runner does in live mode for one source: fetch with the session, parse, load."""
    return load_pages(spec, spec.fetch(session), db)


def dump_tables(db: Path, tables: tuple[str, ...] = DATA_TABLES) -> dict[str, list[tuple]]:
    """Every row of the data tables (sorted), to compare store states exactly."""
    if not db.exists():
        return {}
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for table in tables:
            cols = [c for c in stored_columns(con, table) if c != "retrieved_at"]
            sql = (
                OBSERVATION_NAMED
                if table == "observation"
                else f"SELECT {', '.join(cols)} FROM {table}"  # noqa: S608 - names from code
            )
            rows = con.execute(sql).fetchall()
            out[table] = sorted((tuple(map(_portless, r)) for r in rows), key=repr)
        return out
    finally:
        con.close()


def _portless(value):
    """Local server URLs differ by port between runs; the rest of a location must not."""
    return _LOCAL_PORT.sub("http://127.0.0.1:PORT", value) if isinstance(value, str) else value


_LOCAL_PORT = re.compile(r"http://127\.0\.0\.1:\d+")
