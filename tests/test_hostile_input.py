"""Hostile input: every URL parameter and every callback input, fuzzed with hypothesis.

Each page's declared fields (dashboard.urlstate) and each server callback of the
app (its /_dash-dependencies) get random, oversized, unicode, SQL-injection and
path-traversal text and values of the wrong JSON type, through the Flask test
client exactly as a browser sends them. Promises checked: no 5xx, no traceback
or database error text in any response, the store file's bytes and tables are
unchanged (a canary table proves injected SQL never ran), and a hostile value of
a known parameter falls back to its default with the visible notice.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import dash
import duckdb
import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gosmart.dashboard.i18n import t
from gosmart.dashboard.urlstate import MAX_VALUE_CHARS, Field, fields_of
from gosmart.schema import stored_tables
from gosmart.settings import Settings
from gosmart.store import writing
from tests.conftest import use_store
from tests.dash_requests import CALLBACK_ROUTE, callback_body, router_body
from tests.store_builder import METRO as PROJECT_ID
from tests.store_files import file_sha256

CANARY = "hostile_input_canary"
INJECTIONS = [
    "'; DROP TABLE city; --",
    f"'; DROP TABLE {CANARY}; --",
    "1 OR 1=1",
    "1' OR '1'='1",
    "TW-TPE') UNION SELECT * FROM meta --",
    "x'); ATTACH '/tmp/pwned.duckdb' AS p; --",
    "COPY city TO '/tmp/pwned.csv'",
    "../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "/etc/passwd",
    "file:///etc/passwd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{7*7}}",
    "${jndi:ldap://127.0.0.1/a}",
    "\x00",
    "\u202e\u0000\ufeff",
    "臺北市",
    "😀" * 50,
    "",
    " ",
    ",,,",
    "-1",
    "999999999999999999999",
    "1e309",
    "NaN",
    "true",
    "null",
    "[]",
    "{}",
]
SCRIPT_MARKERS = ["<script>alert(1)</script>", "<img src=x onerror"]
LEAK = re.compile(
    r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+|"
    r"(Binder|Parser|Catalog|Conversion|Invalid Input|Permission|IO) Error|duckdb\.\w+Exception|"
    r"\b(KeyError|TypeError|ValueError|AttributeError|IndexError)\b"
)

text_values = st.one_of(
    st.sampled_from(INJECTIONS),
    st.text(max_size=40),
    st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=8), st.integers(30, 3000)),
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | text_values,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
FUZZ = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@dataclass
class Served:
    """The app's test client and the store it reads, with its state before any request."""

    client: FlaskClient
    db: Path
    sha256: str
    tables: dict[str, tuple[int, str]]
    identity: tuple[int, int, int]
    files: list[str]


def table_fingerprint(db: Path) -> dict[str, tuple[int, str]]:
    """Row count and an order-independent content hash of every table."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = stored_tables(con)
        return {
            n: con.execute(
                f'SELECT count(*), coalesce(sum(hash(t)), 0)::VARCHAR FROM "{n}" AS t'  # noqa: S608
            ).fetchone()
            for n in names
        }
    finally:
        con.close()


def identity(db: Path) -> tuple[int, int, int]:
    st_ = os.stat(db)
    return (st_.st_ino, st_.st_mtime_ns, st_.st_size)


@pytest.fixture(scope="module")
def served(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    db = tmp_path_factory.mktemp("hostile") / "gosmart.duckdb"
    shutil.copyfile(built_store, db)
    with writing(db) as con:
        con.execute(f"CREATE TABLE {CANARY} AS SELECT 'alive' AS status")
    with pytest.MonkeyPatch.context() as mp:
        from gosmart.dashboard.app import create_app

        use_store(mp, db)
        app = create_app(Settings(db=db))
        before = (file_sha256(db), table_fingerprint(db), identity(db), folder(db))
        yield Served(app.server.test_client(), db, *before)


def folder(db: Path) -> list[str]:
    """The files beside the store (a write would leave a .wal or a temporary copy)."""
    return sorted(p.name for p in db.parent.iterdir())


def assert_store_untouched(served: Served, *, full: bool = True) -> None:
    assert identity(served.db) == served.identity, "the store file was replaced or written"
    assert folder(served.db) == served.files
    if full:
        assert file_sha256(served.db) == served.sha256
        tables = table_fingerprint(served.db)
        assert tables == served.tables
        assert tables[CANARY][0] == 1


def assert_safe(response: Any, sent: str = "") -> str:
    """The response is no server error and shows no traceback; its text for more checks."""
    body = response.get_data(as_text=True)
    assert response.status_code < 500, (response.status_code, sent[:300], body[:500])
    found = LEAK.search(body)
    assert found is None, (found.group(0) if found else "", sent[:300], body[:500])
    if response.mimetype == "text/html":
        assert not any(m in body for m in SCRIPT_MARKERS), "hostile markup reflected into HTML"
    return body


# --- URL parameters --------------------------------------------------------------------


def page_path(view: str) -> str:
    """The URL of the page that declared `view` (page modules are named after their view)."""
    for page in dash.page_registry.values():
        if page["module"].rsplit(".", 1)[-1] == view:
            template = page.get("path_template") or page["path"]
            return template.replace("<project_id>", PROJECT_ID)
    raise AssertionError(f"view {view!r} belongs to no page")


# The kiosk draws every slide on each render (about 1.5 s here): fewer examples keep the file quick.
SLOW_VIEWS = {"kiosk": 4}


def per_view(view: str) -> settings:
    return settings(FUZZ, max_examples=SLOW_VIEWS.get(view, FUZZ.max_examples))


# Every view a page declares (a test below keeps this list equal to the registered ones).
VIEWS = ["about", "compare", "kiosk", "map", "project", "showcase", "sources"]


def registered_views() -> set[str]:
    """The views declared with dashboard.urlstate (the app has loaded its pages by now)."""
    from gosmart.dashboard.urlstate import _VIEWS

    return set(_VIEWS)


def render(client: FlaskClient, path: str, query: dict[str, str] | str) -> tuple[str, dict]:
    """The layout JSON Dash Pages sends for `path?query` (what the browser would draw)."""
    search = query if isinstance(query, str) else "?" + urlencode(query)
    response = client.post(CALLBACK_ROUTE, json=router_body(path, search))
    body = assert_safe(response, search)
    assert response.status_code == 200, body[:300]
    return body, response.get_json()


def texts(node: Any) -> Iterator[str]:
    """Every string child of a rendered layout."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, list):
        for item in node:
            yield from texts(item)
    elif isinstance(node, dict):
        props = node.get("props", node)
        yield from texts(props.get("children") if isinstance(props, dict) else None)
        if "response" in node:
            yield from texts(node["response"])
        if "_pages_content" in node:
            yield from texts(node["_pages_content"])


def notice_shown(layout: dict, lang: str, field: str) -> bool:
    prefix = t("common.notice_fallback", lang, fields="\x00").split("\x00")[0]
    return any(s.startswith(prefix) and field in s for s in texts(layout))


def error_panel_shown(layout: dict, lang: str) -> bool:
    return t("common.error_panel", lang) in texts(layout)


def test_every_view_belongs_to_a_page_and_renders_cleanly(served: Served) -> None:
    pages = {p["module"].rsplit(".", 1)[-1] for p in dash.page_registry.values()}
    assert pages - {"not_found_404"} == set(VIEWS), "a page was added: add its view to VIEWS"
    assert set(VIEWS) <= registered_views()
    for view in VIEWS:
        _, layout = render(served.client, page_path(view), "")
        assert not error_panel_shown(layout, "en"), view


@pytest.mark.parametrize("view", VIEWS)
def test_hostile_url_values_fall_back_with_a_visible_notice(served: Served, view: str) -> None:
    """A value of a declared field that cannot be right resets it and names it on the page."""
    path = page_path(view)
    field_names = st.sampled_from([f.name for f in fields_of(view)])
    bad = st.one_of(
        st.sampled_from([i for i in INJECTIONS if i]),
        st.builds(lambda s: s * (MAX_VALUE_CHARS * 31), st.sampled_from(["a", "臺", "😀"])),
    )

    @per_view(view)
    @given(field=field_names, value=bad)
    def check(field: str, value: str) -> None:
        spec = next(f for f in fields_of(view) if f.name == field)
        if _could_be_valid(spec, value):
            return
        _, layout = render(served.client, path, {field: value})
        assert notice_shown(layout, "en", field), (view, field, value[:80])
        assert not error_panel_shown(layout, "en")
        assert_store_untouched(served, full=False)

    check()
    assert_store_untouched(served)


def _could_be_valid(field: Field, value: str) -> bool:
    """True for the few fuzz values that a field really accepts (an int like -1 in range)."""
    if field.kind == "int":
        return value.lstrip("-").isdigit() and len(value) <= 6
    if field.kind == "list":
        return all(not i for i in value.split(","))
    if field.kind == "text":
        return len(value) <= MAX_VALUE_CHARS
    allowed = field.allowed()
    return allowed is not None and value in allowed


@pytest.mark.parametrize("view", VIEWS)
def test_random_queries_never_fail_a_page(served: Served, view: str) -> None:
    """Any query at all: known and unknown names, repeated keys, raw bytes in the string."""
    path = page_path(view)
    names = st.sampled_from([f.name for f in fields_of(view)] + ["v"]) | st.text(max_size=12)
    pairs = st.lists(st.tuples(names, text_values), max_size=5)

    @per_view(view)
    @given(pairs=pairs, raw=st.booleans())
    def check(pairs: list[tuple[str, str]], raw: bool) -> None:
        search = "?" + ("&".join(f"{k}={v}" for k, v in pairs) if raw else urlencode(pairs))
        body, layout = render(served.client, path, search)
        assert not error_panel_shown(layout, "en")
        page = served.client.get(path + "?" + quote(search[1:], safe="=&"))
        assert_safe(page, search)
        assert_store_untouched(served, full=False)

    check()
    assert_store_untouched(served)


def test_unknown_parameters_change_nothing_but_the_notice(served: Served) -> None:
    """Names a view does not declare are ignored, with a notice naming them."""
    for view in VIEWS:
        path = page_path(view)
        plain, _ = render(served.client, path, "")
        noisy, _ = render(served.client, path, {"utm_source": "x", "'; DROP TABLE city; --": "1"})
        assert "utm_source" not in plain and "utm_source" in noisy, view
        assert "DROP TABLE" not in _without_volatile(plain), view
    assert_store_untouched(served)


def _without_volatile(body: str) -> str:
    """Layout text without the clock stamps some pages carry."""
    return re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[^\"]*", "T", body)


@FUZZ
@given(pathname=text_values, search=json_values)
def test_router_and_shell_take_any_pathname_and_search(
    served: Served, pathname: str, search: Any
) -> None:
    """The page router and the shell callback get whatever a tampered client sends."""
    deps = served.client.get("/_dash-dependencies").get_json()
    shell = next(d for d in deps if d["output"].startswith("..lang-toggle.href"))
    for path in (pathname, "/project/" + pathname, "/" + pathname):
        for body in (router_body(path, search), callback_body(shell, [path, search])):
            assert_safe(served.client.post(CALLBACK_ROUTE, json=body), repr((path, search)))
    assert_store_untouched(served, full=False)


# --- callback inputs -------------------------------------------------------------------


def server_callbacks(client: FlaskClient) -> list[dict]:
    """Every callback the server runs (clientside ones never reach it)."""
    deps = client.get("/_dash-dependencies").get_json()
    return [d for d in deps if not d.get("clientside_function")]


def hostile_body(dependency: dict, values: list[Any], slides: int, changed: int) -> dict:
    """A callback request as if input `changed` fired; wildcard outputs span `slides` components."""
    body = callback_body(dependency, values)
    fired = dependency["inputs"][changed % len(dependency["inputs"])]
    body["changedPropIds"] = [f"{fired['id']}.{fired['property']}"]
    if '["ALL"]' in dependency["output"]:
        outputs = []
        for part in dependency["output"][2:-2].split("..."):
            ident, prop = part.rsplit(".", 1)
            if ident.startswith("{"):
                kind = json.loads(ident)["type"]
                outputs.append(
                    [{"id": {"index": i, "type": kind}, "property": prop} for i in range(slides)]
                )
            else:
                outputs.append({"id": ident, "property": prop})
        body["outputs"] = outputs
    return body


def fuzz_callback(served: Served, dependency: dict) -> Any:
    """A hypothesis test posting hostile values to one callback."""
    width = len(dependency["inputs"]) + len(dependency["state"])

    @FUZZ
    @given(
        values=st.lists(json_values, min_size=width, max_size=width),
        slides=st.integers(0, 3),
        changed=st.integers(0, 9),
    )
    def check(values: list[Any], slides: int, changed: int) -> None:
        body = hostile_body(dependency, values, slides, changed)
        sent = dependency["output"][:60] + " " + json.dumps(values)[:300]
        assert_safe(served.client.post(CALLBACK_ROUTE, json=body), sent)
        assert_store_untouched(served, full=False)

    return check


def test_callback_inputs_of_any_type_and_text(served: Served) -> None:
    """Every server callback with all its inputs and state replaced by hostile JSON values."""
    deps = server_callbacks(served.client)
    assert len(deps) >= 6
    for dependency in deps:
        fuzz_callback(served, dependency)()
    assert_store_untouched(served)


@FUZZ
@given(body=json_values, output=st.sampled_from(["", "compare-url.search", "nope.x"]))
def test_malformed_callback_bodies_are_refused_not_crashed(
    served: Served, body: Any, output: str
) -> None:
    """Bodies no renderer would send: wrong shapes, wrong counts, no JSON at all."""
    deps = server_callbacks(served.client)
    for candidate in (
        body,
        {"output": output, "inputs": body},
        {"output": deps[0]["output"], "inputs": body, "state": body, "changedPropIds": body},
    ):
        assert_safe(served.client.post(CALLBACK_ROUTE, json=candidate), repr(candidate)[:300])
    raw = json.dumps(body, default=str).encode()[:-1] or b"{"
    for data in (raw, b"\xff\xfe" + raw):
        response = served.client.post(CALLBACK_ROUTE, data=data, content_type="application/json")
        assert_safe(response, repr(data)[:300])


# --- the data API ------------------------------------------------------------------------


@FUZZ
@given(
    ind=text_values,
    fmt=st.sampled_from(["csv", "json", "xml", "../x"]),
    params=st.dictionaries(
        st.sampled_from(["cities", "from", "to", "grain", "pc", "align", "lang"])
        | st.text(max_size=6),
        text_values,
        max_size=4,
    ),
)
def test_data_api_takes_any_parameters(served: Served, ind: str, fmt: str, params: dict) -> None:
    """The API's path variables and query (the same fields as /compare) never fail the server."""
    query = urlencode(params)
    for path in (
        f"/api/v1/indicator/{quote(ind, safe='')}.{fmt}?{query}",
        f"/api/v1/project/{quote(ind, safe='')}/series.{fmt}?{query}",
        f"/api/v1/project/{PROJECT_ID}/series.{fmt}?{query}",
        f"/api/v1/{quote(ind, safe='/')}",
    ):
        assert_safe(served.client.get(path), path)
    assert_store_untouched(served, full=False)


def test_store_bytes_tables_and_canary_unchanged_after_all(served: Served) -> None:
    assert_store_untouched(served)


@pytest.mark.parametrize(
    "path",
    [
        "/assets/../../../../etc/passwd",
        "/assets/..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/assets/%2e%2e/%2e%2e/pyproject.toml",
        "/assets/....//....//pyproject.toml",
        "/_dash-component-suites/dash/../../../../../etc/passwd",
        "/_dash-component-suites/..%2f..%2fetc/passwd",
        "/_dash-component-suites/dash/dcc/..%2f..%2f..%2f__init__.py",
        "/api/v1/project/..%2f..%2f..%2fetc%2fpasswd/series.csv",
        "/project/..%2f..%2f..%2fetc%2fpasswd",
        "/%2e%2e/%2e%2e/etc/passwd",
    ],
)
def test_path_traversal_serves_no_file_from_outside(served: Served, path: str) -> None:
    """Static and data routes never hand out a file from outside their folder."""
    body = assert_safe(served.client.get(path), path)
    assert "root:x:0:0" not in body
    assert "[project]" not in body and "import " not in body
