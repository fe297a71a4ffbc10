"""The benchmarks still run, at a tiny size, and their two computations agree.

Benchmarks print figures and assert no time (see the README's benchmark table); these tests
only keep them working as the code changes under them, and check what they can check
without timing: the DuckDB and pandas compare views give the same numbers, every callback
row is printed, and the ingest benchmark loads every real file it names.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT


def _bench(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "bench" / args[0]), *args[1:]],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO_ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_dashboard_benchmark_runs_and_its_two_computations_agree():
    out = _bench(
        "dashboard.py", "--rows", "20000", "--iterations", "2", "--baseline-iterations", "2"
    )
    for row in (
        "compare.layout tab=chart",
        "map.layout (synthetic, station points)",
        "api indicator.csv",
    ):
        assert re.search(rf"{re.escape(row)}\s+\d+\.\d", out), row
    difference = float(re.search(r"max \|difference\| (\S+)", out).group(1))
    assert difference < 1e-9


def test_ingest_benchmark_loads_every_file_it_names(opendata):
    out = _bench("ingest.py", "--opendata", str(opendata), "--repeat", "1")
    ratios = re.findall(
        r"^\S+\.(?:parquet|csv)\s+[\d,]+\s+[\d,]+\s+[\d,]+\s+(\d+\.\d+)$", out, re.M
    )
    assert len(ratios) == 4 and all(float(r) > 0 for r in ratios)
    assert "load_snapshot" in out


def test_evidence_benchmark_runs_on_a_store_and_leaves_it_untouched(world):
    store = world.ingested
    before = store.read_bytes()
    out = _bench("evidence.py", "--source", str(store), "--repeat", "1")
    assert re.search(r"^all \d+ projects\s+\d+\.\d+", out, re.M), out[-1500:]
    assert store.read_bytes() == before  # it works on a copy


@pytest.mark.browser
@pytest.mark.slow
def test_first_load_benchmark_counts_fewer_bytes_compressed_and_on_a_revisit():
    from tests.browser.conftest import _require_chromium

    _require_chromium()
    out = _bench("first_load.py")
    kib = {
        label: float(total.replace(",", ""))
        for label, total in re.findall(r"^(.+?)\s+\d+ requests\s+([\d,.]+) KiB", out, re.M)
    }
    assert set(kib) == {
        "no compression asked",
        "compression asked (Chromium)",
        "revisit, same browser",
    }
    assert kib["revisit, same browser"] < kib["compression asked (Chromium)"]
    assert kib["compression asked (Chromium)"] < kib["no compression asked"] / 2


@pytest.mark.browser
@pytest.mark.slow
def test_browser_benchmark_prints_both_profiles_and_measures_what_each_page_has(tmp_path):
    from tests.browser.conftest import _require_chromium

    _require_chromium()
    figures = tmp_path / "browser.json"
    pages = ["/project/ntpc_hrf", "/about"]
    out = _bench("browser.py", "--pages", ",".join(pages), "--json", str(figures))
    assert re.search(r"^phone: 412x823, 150 ms RTT, 1\.6/0\.75 Mbit/s, CPU 4x slower", out, re.M)
    assert re.search(r"^desktop: 1440x900, loopback", out, re.M)
    for column in ("verdict s", "chart s", "KB", "JS KB", "ovf 360", "ovf 430"):
        assert column in out, column
    loads = json.loads(figures.read_text(encoding="utf-8"))
    assert set(loads) == {"phone", "desktop"}
    for profile, rows in loads.items():
        assert [r["path"] for r in rows] == pages
        for r in rows:
            assert r["settled"], (profile, r["path"])
            assert r["content_s"] > 0
            assert r["verdict_s"] is None or r["verdict_s"] > 0  # "-" until a page has #verdict
            assert 0 < r["js_bytes"] <= r["bytes"] and r["js_raw_bytes"] >= r["js_bytes"]
            assert any(q["type"] == "Document" for q in r["requests_log"])
        project, about = rows
        assert project["chart_s"] > project["content_s"] and about["chart_s"] is None
        widths = {"360", "412", "430"} if profile == "phone" else set()
        assert set(project["overflow"]) == widths
        assert all(isinstance(v, int) for v in project["overflow"].values())


@pytest.mark.browser
@pytest.mark.slow
def test_accessibility_benchmark_prints_a_count_per_view():
    from tests.browser.conftest import _require_chromium

    _require_chromium()
    out = _bench("a11y.py", "--pages", "/about")
    counts = re.findall(r"^/about (en|zh) (1440|412) +(\d+)", out, re.M)
    assert {(lang, width) for lang, width, _ in counts} == {
        (lang, width) for lang in ("en", "zh") for width in ("1440", "412")
    }
    total = sum(int(n) for _, _, n in counts)
    assert re.search(rf"^{total} violations in 4 views$", out, re.M), out[-500:]
