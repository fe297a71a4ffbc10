"""How fast each page shows its verdict and its first chart, on a phone network and on a desktop.

Prints figures only (no assertions). Run: `python bench/browser.py [--url BASE]`.

Without --url it builds a throwaway store from the bundled snapshot and starts the
production server (`gosmart serve`, as the browser tests start it) on a free loopback port.
Headless Chromium (as the browser tests launch it) then loads each page once in a fresh
browser context, so every load is a visitor's first, with an empty HTTP cache:

* phone: Lighthouse's mobile profile through the DevTools protocol - 150 ms round trip,
  1.6 Mbit/s down, 750 kbit/s up (`Network.emulateNetworkConditions`), the CPU slowed 4x
  (`Emulation.setCPUThrottlingRate`), a 412x823 touch viewport;
* desktop: 1440x900 over loopback, no throttling.

Per page, times are from navigation start, taken in the page on the animation frame after
the DOM first showed the thing:

* content: the page's layout rendered (a kiosk: its first slide shown);
* verdict: `#verdict` visible with text ("-" when the page has none);
* static: the server-drawn chart (phone_view.py's SVG image) shown, before any script;
* chart: the first Plotly chart with data painted (a trace's path or image);
* KB: bytes received until the page settled (headers and encoded bodies), JS KB the
  scripts' share, raw JS KB their decoded size (what the CPU parses);
* overflow (phone only): how far the page is wider than the screen at 360, 412 and
  430 px (`scrollWidth - clientWidth`: a phone widens innerWidth to fit the page).

Targets (issue 15): phone QR landing page (/project/<id>) verdict <= 2.5 s, first chart
<= 4 s, <= 600 KB, no overflow at 360-430 px; desktop every first chart <= 1.0 s and the
kiosk's first slide <= 2 s. Cells over a target are printed red. The machine's load swings these
figures: use --repeat for a median.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))  # for tests.browser.conftest

from tests.browser.conftest import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    DASHBOARD_PAGES,
    served_snapshot,
)

PAGES = [*DASHBOARD_PAGES, "/kiosk"]
PHONE_WIDTHS = (360, 412, 430)
MBIT = 1_000_000 / 8  # bytes per second in one Mbit/s


@dataclass(frozen=True)
class Profile:
    name: str
    viewport: dict[str, int]
    mobile: bool = False
    latency_ms: float = 0
    down_bytes_s: float = -1  # -1: not throttled
    up_bytes_s: float = -1
    cpu_slowdown: float = 1
    scale: float = 1


PROFILES = {
    "phone": Profile(
        "phone",
        {"width": 412, "height": 823},
        mobile=True,
        latency_ms=150,
        down_bytes_s=1.6 * MBIT,
        up_bytes_s=0.75 * MBIT,
        cpu_slowdown=4,
        scale=1.75,
    ),
    "desktop": Profile("desktop", {"width": 1440, "height": 900}),
}

# Recorded in the page from its first byte on: window.__bench.{content,verdict,chart}
# become performance.now() on the animation frame after the DOM first matched.
MARKS = """(() => {
  const b = window.__bench = {content: null, verdict: null, static: null, chart: null};
  const pending = {};
  const CHART = '.js-plotly-plot .main-svg g.trace path[d]:not([d=""]),'
              + ' .js-plotly-plot .main-svg g.hm image';  // a heatmap draws one image
  const seen = {
    content: () => document.querySelector('#react-entry-point .page')
      || document.querySelector('#kiosk-root[data-current] .kiosk-slide[data-state="active"]'),
    verdict: () => {
      const v = document.getElementById('verdict');
      return v && v.textContent.trim() && v.getClientRects().length;
    },
    static: () => [...document.querySelectorAll('img.static-chart')]
      .some(i => i.complete && i.naturalWidth && i.getClientRects().length),
    chart: () => document.querySelector(CHART),
  };
  function check() {
    for (const key in seen) {
      if (b[key] === null && !pending[key] && seen[key]()) {
        pending[key] = true;
        requestAnimationFrame(() => { b[key] = performance.now(); });
      }
    }
    if (b.content !== null && b.verdict !== null && b.static !== null && b.chart !== null) {
      observer.disconnect();
    }
  }
  const observer = new MutationObserver(check);
  observer.observe(document, {subtree: true, childList: true, characterData: true,
                              attributes: true, attributeFilter: ['class', 'data-current']});
  document.addEventListener('load', check, true);  // an image's load is no DOM mutation
})();"""

# The page has settled: Dash idle, every dcc.Graph drawn (or the kiosk's first slide shown).
SETTLED = """() => {
  const kiosk = document.getElementById('kiosk-root');
  if (kiosk ? !kiosk.dataset.current : !document.querySelector('#react-entry-point .page')) {
    return false;
  }
  if (document.querySelector('[data-dash-is-loading="true"], .dash-graph--pending')) return false;
  return [...document.querySelectorAll('.dash-graph')].every(g => g.querySelector('.main-svg'));
}"""

# On a phone, content wider than the screen widens the layout viewport (innerWidth grows with
# it, to 462 on a 412 px screen), so the overflow is measured against the screen's width,
# which documentElement.clientWidth keeps.
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
# The outermost elements sticking out to the right of the viewport (for --detail).
OVERFLOWING = """() => {
  const w = document.documentElement.clientWidth, out = [];
  const sticks = (el) => el.getBoundingClientRect().right > w + 0.5;
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('svg') !== null && el.tagName.toLowerCase() !== 'svg') continue;  // clipped
    if (!sticks(el) || (el.parentElement && sticks(el.parentElement))) continue;
    if (getComputedStyle(el).position === 'fixed') continue;
    const id = el.id ? '#' + el.id : '';
    const cls = typeof el.className === 'string' && el.className
      ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
    out.push(`${el.tagName.toLowerCase()}${id}${cls} right=${Math.round(el.getBoundingClientRect().right)}`);
  }
  return out.slice(0, 8);
}"""


@dataclass
class Load:
    """One page load's figures (times in seconds, sizes in bytes; None: did not happen)."""

    path: str
    profile: str
    content_s: float | None = None
    verdict_s: float | None = None
    static_s: float | None = None
    chart_s: float | None = None
    bytes: int = 0
    js_bytes: int = 0
    js_raw_bytes: int = 0
    requests: int = 0
    settled: bool = False
    overflow: dict[int, int] = field(default_factory=dict)
    overflowing: dict[int, list[str]] = field(default_factory=dict)
    requests_log: list[dict] = field(default_factory=list)  # path, bytes, type, start/end s


class Traffic:
    """Chrome's own count of what crossed the wire, per request (CDP Network events)."""

    def __init__(self, cdp) -> None:  # noqa: ANN001 - a Playwright CDPSession
        self.rows: dict[str, dict] = {}
        self.in_flight: set[str] = set()
        self.last_activity = time.monotonic()
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.dataReceived", self._data)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.loadingFailed", self._failed)

    def _row(self, event: dict) -> dict:
        self.last_activity = time.monotonic()
        return self.rows.setdefault(event["requestId"], {"raw": 0, "bytes": 0, "type": ""})

    def _sent(self, event: dict) -> None:
        row = self._row(event)
        row["url"] = event["request"]["url"]
        row["start"] = event["timestamp"]  # seconds, Chrome's monotonic clock
        self.in_flight.add(event["requestId"])

    def _response(self, event: dict) -> None:
        row = self._row(event)
        row["url"] = event["response"]["url"]
        row["type"] = event.get("type", "")

    def _data(self, event: dict) -> None:
        self._row(event)["raw"] += event["dataLength"]

    def _finished(self, event: dict) -> None:
        row = self._row(event)
        row["bytes"] = event["encodedDataLength"]
        row["end"] = event["timestamp"]
        self.in_flight.discard(event["requestId"])

    def _failed(self, event: dict) -> None:
        self._row(event)
        self.in_flight.discard(event["requestId"])

    def idle_for(self) -> float:
        """Seconds since the last network event, 0 while a request is in flight."""
        return 0.0 if self.in_flight else time.monotonic() - self.last_activity


def load_page(browser, base: str, path: str, profile: Profile, *, timeout_s: float) -> Load:  # noqa: ANN001
    """Load `path` once in a fresh context under `profile`; wait until it settled."""
    context = browser.new_context(
        viewport=profile.viewport,
        is_mobile=profile.mobile,
        has_touch=profile.mobile,
        device_scale_factor=profile.scale,
    )
    page = context.new_page()
    page.add_init_script(MARKS)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
    if profile.down_bytes_s > 0:
        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": profile.latency_ms,
                "downloadThroughput": profile.down_bytes_s,
                "uploadThroughput": profile.up_bytes_s,
            },
        )
    if profile.cpu_slowdown > 1:
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": profile.cpu_slowdown})
    traffic = Traffic(cdp)
    result = Load(path, profile.name)
    try:
        page.goto(base + path, wait_until="commit", timeout=timeout_s * 1000)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if traffic.idle_for() >= 0.5 and page.evaluate(SETTLED):
                result.settled = True
                break
            page.wait_for_timeout(100)
        marks = page.evaluate("() => window.__bench")
        for key in ("content", "verdict", "static", "chart"):
            if marks.get(key) is not None:
                setattr(result, f"{key}_s", marks[key] / 1000)
        rows = [r for r in traffic.rows.values() if r.get("url", "data:")[:5] != "data:"]
        result.requests = len(rows)
        result.bytes = sum(r["bytes"] for r in rows)
        scripts = [r for r in rows if r["type"] == "Script"]
        result.js_bytes = sum(r["bytes"] for r in scripts)
        result.js_raw_bytes = sum(r["raw"] for r in scripts)
        t0 = min((r["start"] for r in rows if "start" in r), default=0)
        result.requests_log = [
            {
                "path": urlsplit(r["url"]).path,
                "bytes": r["bytes"],
                "type": r["type"],
                "start": round(r.get("start", t0) - t0, 3),
                "end": round(r["end"] - t0, 3) if "end" in r else None,
            }
            for r in sorted(rows, key=lambda r: r.get("start", t0))
        ]
        if profile.mobile:
            for width in PHONE_WIDTHS:
                page.set_viewport_size({"width": width, "height": profile.viewport["height"]})
                page.wait_for_timeout(600)  # Plotly's responsive resize runs after a debounce
                result.overflow[width] = int(page.evaluate(OVERFLOW))
                result.overflowing[width] = page.evaluate(OVERFLOWING)
    finally:
        context.close()
    return result


def median_load(loads: list[Load]) -> Load:
    """Per figure, the median of repeated loads of one page."""
    if len(loads) == 1:
        return loads[0]
    out = loads[-1]

    def med(values: list) -> float | None:
        present = [v for v in values if v is not None]
        return statistics.median(present) if present else None

    for key in ("content_s", "verdict_s", "static_s", "chart_s"):
        setattr(out, key, med([getattr(x, key) for x in loads]))
    for key in ("bytes", "js_bytes", "js_raw_bytes", "requests"):
        setattr(out, key, int(med([getattr(x, key) for x in loads])))
    out.settled = all(x.settled for x in loads)
    return out


def _seconds(value: float | None, target: float | None) -> str:
    if value is None:
        return "–"
    text = f"{value:.2f}"
    return f"[red]{text}[/red]" if target is not None and value > target else text


def _kb(value: int, target: float | None = None) -> str:
    text = f"{value / 1000:,.0f}"
    return f"[red]{text}[/red]" if target is not None and value / 1000 > target else text


def targets(load: Load) -> dict[str, float | None]:
    """Issue 15's target for each figure of this load, None where it sets none."""
    phone = load.profile == "phone"
    landing = phone and load.path.startswith("/project/")
    kiosk = load.path.startswith("/kiosk")
    return {
        "content": 2.0 if kiosk and not phone else None,  # the kiosk runs on a PC
        "verdict": 2.5 if landing else None,
        "chart": 4.0 if landing else None if phone else 1.0,
        "kb": 600 if landing else None,
    }


def print_table(loads: list[Load], profile: Profile) -> None:
    from rich.console import Console
    from rich.table import Table

    title = f"{profile.name}: {profile.viewport['width']}x{profile.viewport['height']}" + (
        f", {profile.latency_ms:.0f} ms RTT, {profile.down_bytes_s / MBIT:.1f}/"
        f"{profile.up_bytes_s / MBIT:.2f} Mbit/s, CPU {profile.cpu_slowdown:.0f}x slower"
        if profile.down_bytes_s > 0
        else ", loopback, no throttling"
    )
    table = Table(title=title, title_justify="left")
    columns = ("page", "content s", "verdict s", "static s", "chart s", "KB", "JS KB", "raw JS KB")
    for name in (*columns, "req"):
        table.add_column(name, justify="left" if name == "page" else "right")
    if profile.mobile:
        for width in PHONE_WIDTHS:
            table.add_column(f"ovf {width}", justify="right")
    for load in loads:
        goal = targets(load)
        row = [
            load.path + ("" if load.settled else " (not settled)"),
            _seconds(load.content_s, goal["content"]),
            _seconds(load.verdict_s, goal["verdict"]),
            _seconds(load.static_s, None),
            _seconds(load.chart_s, goal["chart"]),
            _kb(load.bytes, goal["kb"]),
            _kb(load.js_bytes),
            _kb(load.js_raw_bytes),
            str(load.requests),
        ]
        if profile.mobile:
            row += [
                f"[red]{load.overflow[w]}[/red]" if load.overflow.get(w, 0) > 0 else "0"
                for w in PHONE_WIDTHS
            ]
        table.add_row(*row)
    Console(width=160).print(table)


def print_detail(loads: list[Load]) -> None:
    for load in loads:
        print(f"\n{load.profile} {load.path}:")
        print("       start     end       bytes  type       path (from the page's request)")
        for r in load.requests_log:
            end = "-" if r["end"] is None else f"{r['end']:7.2f}"
            print(f"  {r['start']:8.2f} {end:>7} {r['bytes']:>11,}  {r['type']:<10} {r['path']}")
        for width, culprits in load.overflowing.items():
            if load.overflow.get(width, 0) > 0:
                print(f"  overflow at {width}px: {'; '.join(culprits)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", help="base URL of a running app (default: start one)")
    ap.add_argument("--pages", help="comma-separated paths (default: every page)")
    ap.add_argument("--profile", choices=["phone", "desktop", "both"], default="both")
    ap.add_argument("--repeat", type=int, default=1, help="loads per page; the median is shown")
    ap.add_argument("--timeout", type=float, default=90, help="seconds a load may take")
    ap.add_argument("--json", type=Path, help="also write every figure to this file")
    ap.add_argument("--detail", action="store_true", help="largest requests, overflowing boxes")
    args = ap.parse_args()
    pages = args.pages.split(",") if args.pages else PAGES
    profiles = list(PROFILES.values()) if args.profile == "both" else [PROFILES[args.profile]]

    from playwright.sync_api import sync_playwright

    results: dict[str, list[Load]] = {}
    with served_snapshot(args.url) as base:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for path in pages:  # the server renders and caches each page once
                load_page(browser, base, path, PROFILES["desktop"], timeout_s=args.timeout)
            for profile in profiles:
                results[profile.name] = [
                    median_load(
                        [
                            load_page(browser, base, path, profile, timeout_s=args.timeout)
                            for _ in range(args.repeat)
                        ]
                    )
                    for path in pages
                ]
            browser.close()
    for profile in profiles:
        print_table(results[profile.name], profile)
    if args.detail:
        for profile in profiles:
            print_detail(results[profile.name])
    if args.json:
        args.json.write_text(
            json.dumps({k: [asdict(x) for x in v] for k, v in results.items()}, indent=1),
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
