"""axe-core's WCAG 2.1 A+AA violations per page view: every dashboard page in English and
繁體中文 at 1440 and 412 px, and every kiosk slide in both languages (issue 17).

Prints counts only (no assertions): per view the elements failing a rule, and a total per
rule. Run: `python bench/a11y.py [--url BASE] [--pages /,/map] [--detail]`. Without --url it
serves a throwaway store built from the bundled snapshot, as bench/browser.py does.
tests/browser/test_accessibility_browser.py fails on any violation.
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))  # for tests.browser

from tests.browser.axe import EXTRA_VIEWS, audit_kiosk, audit_pages, count, describe  # noqa: E402
from tests.browser.conftest import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    DASHBOARD_PAGES,
    served_snapshot,
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", help="base URL of a running app (default: start one)")
    ap.add_argument("--pages", help="comma-separated paths (default: every page and the kiosk)")
    ap.add_argument("--detail", action="store_true", help="print every failing element")
    args = ap.parse_args()
    pages = args.pages.split(",") if args.pages else [*DASHBOARD_PAGES, *EXTRA_VIEWS, "/kiosk"]

    from playwright.sync_api import sync_playwright

    rules: collections.Counter[str] = collections.Counter()
    views = total = 0
    with served_snapshot(args.url) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(bypass_csp=True).new_page()  # axe is injected
        audits = [audit_pages(page, base, [p for p in pages if p != "/kiosk"])]
        if "/kiosk" in pages:
            audits.append(audit_kiosk(page, base))
        print(f"{'view':<40} {'violations':>10}  rules")
        for audit in audits:
            for view, violations in audit:
                n = count(violations)
                views += 1
                total += n
                for v in violations:
                    rules[v["id"]] += len(v["nodes"])
                ids = ", ".join(f"{v['id']} {len(v['nodes'])}" for v in violations)
                print(f"{view:<40} {n:>10}  {ids}", flush=True)
                if args.detail:
                    for line in describe(violations, view):
                        print("   ", line)
        browser.close()
    print(f"\n{total} violations in {views} views")
    for rule, n in rules.most_common():
        print(f"  {rule:<32} {n:>5}")


if __name__ == "__main__":
    main()
