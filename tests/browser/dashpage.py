"""Helpers for driving dashboard pages: offline network log, rendered Plotly figures, Dash controls.

The network log records every request that would leave the loopback interface: the app
must work on an offline expo machine, so any such request is a failure, whether or not
the machine running the test happens to have a network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
NETWORK_SCHEMES = {"http", "https", "ws", "wss"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def leaves_machine(url: str) -> bool:
    """True for a network URL whose host is not loopback (data:/blob: URLs never leave)."""
    parts = urlsplit(url)
    return parts.scheme in NETWORK_SCHEMES and parts.hostname not in LOOPBACK_HOSTS


@dataclass
class NetworkLog:
    """What a page asked for: off-machine attempts, failed requests, HTTP errors, dialogs."""

    external: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    http_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return [
            *(f"external request: {u}" for u in self.external),
            *(f"failed request: {u}" for u in self.failed),
            *(f"HTTP error: {u}" for u in self.http_errors),
            *(f"dialog: {d}" for d in self.dialogs),
        ]


def watch(pg) -> NetworkLog:  # noqa: ANN001 - a Playwright Page
    """Record the page's traffic from now on."""
    log = NetworkLog()

    def on_request(request) -> None:  # noqa: ANN001 - a Playwright Request
        if leaves_machine(request.url):
            log.external.append(request.url)

    def on_failed(request) -> None:  # noqa: ANN001
        if not leaves_machine(request.url):
            log.failed.append(f"{request.url} ({request.failure})")

    def on_response(response) -> None:  # noqa: ANN001 - a Playwright Response
        if response.status >= 400:
            log.http_errors.append(f"{response.status} {response.url}")

    def on_dialog(dialog) -> None:  # noqa: ANN001 - a Playwright Dialog
        log.dialogs.append(dialog.message)
        dialog.dismiss()

    pg.on("request", on_request)
    pg.on("requestfailed", on_failed)
    pg.on("response", on_response)
    pg.on("dialog", on_dialog)
    return log


def wait_for_graphs(pg) -> int:  # noqa: ANN001
    """Wait until every dcc.Graph on the page has drawn its SVG; returns how many there are."""
    pg.wait_for_load_state("networkidle")
    pg.wait_for_function(
        """() => !document.querySelector('.dash-graph--pending') &&
                 [...document.querySelectorAll('.dash-graph')]
                   .every(g => g.querySelector('.js-plotly-plot .main-svg'))""",
        timeout=30000,
    )
    pg.evaluate("() => document.fonts.ready.then(() => true)")
    return pg.locator(".dash-graph").count()


def settle(pg) -> None:  # noqa: ANN001
    """Dash idle, lazy chunks loaded, every graph drawn."""
    from tests.browser.conftest import wait_for_dash

    wait_for_dash(pg)
    wait_for_graphs(pg)


def figure(pg, graph_id: str) -> dict:  # noqa: ANN001
    """The figure a dcc.Graph holds in the browser: title, axis titles and traces."""
    return pg.evaluate(
        """(id) => {
            const gd = document.querySelector(`#${id} .js-plotly-plot`);
            const text = (t) => (t && (typeof t === 'string' ? t : t.text)) || '';
            return {
                title: text(gd.layout.title),
                xtitle: text(gd.layout.xaxis && gd.layout.xaxis.title),
                ytitle: text(gd.layout.yaxis && gd.layout.yaxis.title),
                annotations: (gd.layout.annotations || []).map(a => a.text),
                traces: gd.data.map(d => ({name: d.name || '', x: d.x || [], y: d.y || []})),
            };
        }""",
        graph_id,
    )


def drawn_text(pg, graph_id: str) -> dict[str, list[str]]:  # noqa: ANN001
    """The text Plotly actually drew in the SVG: title, axis titles, legend entries."""
    return pg.evaluate(
        """(id) => {
            const root = document.querySelector(`#${id}`);
            const all = (sel) => [...root.querySelectorAll(sel)].map(e => e.textContent.trim())
                                                                 .filter(Boolean);
            return {
                title: all('.gtitle'),
                axes: all('.g-xtitle text, .g-ytitle text'),
                legend: all('.legendtext'),
            };
        }""",
        graph_id,
    )


def choose_option(pg, dropdown_id: str, label: str, *, search: str | None = None) -> None:  # noqa: ANN001
    """Open a dcc.Dropdown, optionally type in its search box, and click the option `label`."""
    pg.click(f"#{dropdown_id}")
    if search is not None:
        pg.locator(".dash-dropdown-content input.dash-dropdown-search").fill(search)
    pg.locator(".dash-dropdown-content [role=option]").filter(
        has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")
    ).click()


def has_cjk(text: str) -> bool:
    return bool(CJK.search(text or ""))
