"""The dashboard's only door to DuckDB: read-only, named SQL files, bound parameters, a row cap.

The store file is replaced atomically by each ingest; every call checks the file's
identity and reopens when it changed, so the next request sees the new data and
no request fails during a swap. Two caches, both keyed on the data version:
`cached` holds query results and rendered pages in one bounded LRU; `per_version`
holds the small lookups every request needs (cities, indicators, which grains and
years exist), read once after each swap and never evicted in between.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd

from gosmart.resources import read_sql
from gosmart.settings import Settings
from gosmart.store import connect_sandboxed, data_version

MAX_ROWS = 50_000
CACHE_ENTRIES = 512
T = TypeVar("T")


# Text of `dashboard/sql/<name>.sql` (names come from code, never from input).
sql_text = partial(read_sql, "gosmart.dashboard")


class ReadOnlyStore:
    """A read-only view of the store that follows atomic file swaps."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._identity: tuple[int, int, int] | None = None
        self._version = ""
        self._cache: OrderedDict[tuple, Any] = OrderedDict()
        self._pinned: dict[tuple, Any] = {}

    def _connection(self) -> duckdb.DuckDBPyConnection:
        st = os.stat(self.path)
        identity = (st.st_ino, st.st_mtime_ns, st.st_size)
        if identity != self._identity:
            with self._lock:
                if identity != self._identity:
                    con = connect_sandboxed(self.path)
                    self._version = data_version(con)
                    self._con, self._identity = con, identity
                    self._pinned = {}
        assert self._con is not None
        return self._con

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A fresh cursor for one query (a thread's own; opening one is cheap next to a query)."""
        cursor = self._connection().cursor()
        cursor.execute("USE store")
        return cursor

    @property
    def version(self) -> str:
        self._connection()
        return self._version

    def cached(
        self, key: tuple, make: Callable[[], T], keep: Callable[[T], bool] | None = None
    ) -> T:
        """`make()` memoised on (key, data version) in one bounded LRU shared by queries and
        rendered pages; a result `keep` rejects is returned but not stored."""
        self._connection()
        key = (*key, self._version)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        value = make()
        if keep is None or keep(value):
            with self._lock:
                self._cache[key] = value
                while len(self._cache) > CACHE_ENTRIES:
                    self._cache.popitem(last=False)
        return value

    def per_version(self, key: tuple, make: Callable[[], T]) -> T:
        """`make()` kept until the store file changes: for small lookups every request needs."""
        self._connection()
        key = (*key, self._version)
        pinned = self._pinned
        if key in pinned:
            return pinned[key]
        value = make()
        with self._lock:
            pinned[key] = value
        return value

    def forget_results(self) -> None:
        """Drop every cached query result and page (the per-version lookups stay)."""
        with self._lock:
            self._cache.clear()

    def fetch(self, name: str, params: list | tuple = ()) -> pd.DataFrame:
        """Rows of a named query with bound parameters, at most MAX_ROWS of them (uncached)."""
        sql = f"SELECT * FROM ({sql_text(name)}) AS q LIMIT {MAX_ROWS}"  # noqa: S608 - named file
        return self.cursor().execute(sql, list(params)).df()

    def query(self, name: str, params: list | tuple = ()) -> pd.DataFrame:
        """`fetch`, cached on (name, parameters, data version)."""
        key = ("query", name, tuple(tuple(p) if isinstance(p, list) else p for p in params))
        return self.cached(key, lambda: self.fetch(name, params))


_SETTINGS: Settings | None = None
_STORE: ReadOnlyStore | None = None


def configure(settings: Settings) -> None:
    """Serve this run's settings: `create_app` calls it once, before the first request."""
    global _SETTINGS, _STORE
    _SETTINGS, _STORE = settings, ReadOnlyStore(settings.db)


def settings() -> Settings:
    """The settings the app was created with."""
    if _SETTINGS is None:
        raise RuntimeError("the dashboard has no settings: build it with create_app(settings)")
    return _SETTINGS


def store() -> ReadOnlyStore:
    """The process-wide read-only store of the configured settings."""
    settings()
    assert _STORE is not None
    return _STORE


def query(name: str, params: list | tuple = ()) -> pd.DataFrame:
    """Shorthand for `store().query(...)`."""
    return store().query(name, params)
