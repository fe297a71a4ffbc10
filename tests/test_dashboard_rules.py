"""Architecture rules the dashboard keeps: pages only read, through the data layer."""

from __future__ import annotations

import ast
from pathlib import Path

PAGES = Path(__file__).resolve().parents[1] / "dashboard" / "pages"
FORBIDDEN = {"duckdb", "requests", "connectors", "evidence"}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_pages_never_import_duckdb_or_requests():
    pages = sorted(PAGES.glob("*.py"))
    assert pages, "no pages found"
    for page in pages:
        assert not imported_roots(page) & FORBIDDEN, page.name
