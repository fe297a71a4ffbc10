"""Bytes a browser moves for the first load of a page, compressed and not, and on a revisit.

Prints figures only (no assertions). Run: `python bench/first_load.py [--url BASE] [--path /]`.

Without --url it builds a throwaway store from the bundled snapshot and starts
`gosmart serve` on a free loopback port. Headless Chromium (as the browser tests launch
it) loads the page until Dash has rendered and the network is idle; Chrome's own count of
bytes received per request (headers and encoded body, CDP `encodedDataLength`) is summed:

* first load, the encodings Chromium asks for (gzip, deflate, br, zstd);
* first load asking for no encoding (`Accept-Encoding: identity`): what an uncompressed
  server sends;
* revisit: the same page again in the same browser context, so only what the HTTP cache
  does not hold crosses the wire.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))  # for tests.browser.conftest

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, served_snapshot  # noqa: E402

RENDERED = "#react-entry-point .page, #react-entry-point .kiosk-deck"


def load(context, url: str, *, compressed: bool = True) -> list[dict]:  # noqa: ANN001
    """One page load in `context`; per request: url, bytes received, encoding, cache use."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    if not compressed:
        cdp.send("Network.setExtraHTTPHeaders", {"headers": {"Accept-Encoding": "identity"}})
    seen: dict[str, dict] = {}

    def response(event: dict) -> None:
        r = event["response"]
        seen.setdefault(event["requestId"], {})["url"] = r["url"]
        headers = {k.lower(): v for k, v in r.get("headers", {}).items()}
        seen[event["requestId"]]["encoding"] = headers.get("content-encoding", "-")
        seen[event["requestId"]]["cache"] = headers.get("cache-control", "-")
        seen[event["requestId"]]["from_cache"] = bool(
            r.get("fromDiskCache") or r.get("fromMemoryCache")
        )

    def finished(event: dict) -> None:
        seen.setdefault(event["requestId"], {})["bytes"] = event["encodedDataLength"]

    cdp.on("Network.responseReceived", response)
    cdp.on("Network.loadingFinished", finished)
    page.goto(url, wait_until="networkidle", timeout=60000)
    page.wait_for_selector(RENDERED, timeout=30000)
    page.wait_for_load_state("networkidle")
    page.close()
    return [r for r in seen.values() if "url" in r]


def summary(label: str, rows: list[dict]) -> int:
    total = sum(r.get("bytes", 0) for r in rows)
    by_kind: dict[str, int] = defaultdict(int)
    for r in rows:
        path = urlsplit(r["url"]).path
        kind = (
            "component suites"
            if path.startswith("/_dash-component-suites/")
            else "assets"
            if path.startswith("/assets/")
            else "callbacks"
            if path.startswith("/_dash-update-component")
            else "page + layout"
        )
        by_kind[kind] += r.get("bytes", 0)
    parts = ", ".join(f"{k} {v / 1024:,.1f}" for k, v in sorted(by_kind.items()))
    print(f"{label:<34} {len(rows):>3} requests {total / 1024:>9,.1f} KiB  ({parts} KiB)")
    return total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", help="base URL of a running app (default: start one)")
    ap.add_argument("--path", default="/", help="page to load (default /)")
    ap.add_argument("--detail", action="store_true", help="print every request")
    args = ap.parse_args()

    from playwright.sync_api import sync_playwright

    with served_snapshot(args.url) as base:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            url = base + args.path
            context = browser.new_context()
            plain = load(context, url, compressed=False)
            context.close()
            context = browser.new_context()
            first = load(context, url)
            again = load(context, url)
            context.close()
            browser.close()
    print(f"first load of {args.path} (bytes received: headers + encoded bodies)")
    raw = summary("no compression asked", plain)
    packed = summary("compression asked (Chromium)", first)
    summary("revisit, same browser", again)
    if raw:
        print(f"compressed / uncompressed: {packed / raw:.3f}")
    if args.detail:
        for label, rows in (("compressed", first), ("revisit", again)):
            print(f"\n{label}:")
            for r in sorted(rows, key=lambda r: -r.get("bytes", 0)):
                cached = " (cache)" if r.get("from_cache") else ""
                print(
                    f"{r.get('bytes', 0):>10,}  {r['encoding']:<5} {r['cache']:<28} "
                    f"{urlsplit(r['url']).path}{cached}"
                )


if __name__ == "__main__":
    main()
