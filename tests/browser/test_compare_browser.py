"""Compare in Chromium: the URL holds a selection made with the controls, hostile links fall
back with a notice, the CSV download is the table, and the language toggle reaches the chart."""

from __future__ import annotations

import csv
import io
from urllib.parse import parse_qs, urlsplit

import pytest

from gosmart.dashboard.i18n import t
from tests.browser.conftest import screenshot
from tests.browser.dashpage import choose_option, drawn_text, figure, has_cjk, settle, watch

pytestmark = pytest.mark.browser

DEFAULT_CITY_NAMES = ["New Taipei City", "Taipei City", "Taichung City", "Kaohsiung City"]
PICKED = {"ID-JB-3273": "Bandung City", "ID-JB-3275": "Bekasi City", "ID-JB-3271": "Bogor City"}


def _query(pg) -> dict[str, str]:  # noqa: ANN001
    return {k: v[-1] for k, v in parse_qs(urlsplit(pg.url).query, keep_blank_values=True).items()}


def _after(pg, action, wanted: dict[str, str]) -> None:  # noqa: ANN001
    """Run a control action and wait until the URL carries `wanted` and the page has redrawn."""
    pg.evaluate("() => { document.querySelector('.page').dataset.stale = '1'; }")
    action()
    pg.wait_for_function("() => !document.querySelector('.page[data-stale]')", timeout=30000)
    pg.wait_for_function(
        """(wanted) => { const q = new URLSearchParams(location.search);
                         return Object.entries(wanted).every(([k, v]) => q.get(k) === v); }""",
        arg=wanted,
        timeout=30000,
    )
    settle(pg)


def _controls(pg) -> dict:  # noqa: ANN001
    """What the compare controls show."""
    return {
        "indicator": pg.inner_text("#compare-ind-value"),
        "cities": pg.locator("#compare-cities-value .dash-dropdown-value-item").all_inner_texts(),
        "years": [
            pg.input_value("#compare-years .dash-range-slider-min-input"),
            pg.input_value("#compare-years .dash-range-slider-max-input"),
        ],
        "per_capita": pg.get_by_label(t("compare.per_capita")).is_checked(),
    }


def test_selection_made_with_controls_survives_a_reload(live_server: str, tab) -> None:  # noqa: ANN001
    pg = tab
    network = watch(pg)
    pg.goto(live_server + "/compare")
    settle(pg)

    _after(
        pg,
        lambda: choose_option(pg, "compare-ind", "Waste generation"),
        {"ind": "waste_generation"},
    )
    _after(pg, lambda: pg.click("#compare-cities .dash-dropdown-clear"), {"cities": ""})
    chosen: list[str] = []
    for city_id, name in PICKED.items():
        chosen.append(city_id)
        _after(
            pg,
            lambda n=name: choose_option(pg, "compare-cities", n, search=n.split()[0]),
            {"cities": ",".join(chosen)},
        )
    for side, year in (("min", "2016"), ("max", "2020")):
        box = f"#compare-years .dash-range-slider-{side}-input"
        key = "from" if side == "min" else "to"
        _after(pg, lambda b=box, y=year: (pg.fill(b, y), pg.press(b, "Tab")), {key: year})
    _after(pg, lambda: pg.get_by_label(t("compare.per_capita")).check(), {"pc": "1"})

    assert _query(pg) == {
        "v": "1",
        "ind": "waste_generation",
        "cities": ",".join(PICKED),
        "from": "2016",
        "to": "2020",
        "pc": "1",
    }
    shown = _controls(pg)
    assert shown == {
        "indicator": "Waste generation",
        "cities": list(PICKED.values()),
        "years": ["2016", "2020"],
        "per_capita": True,
    }
    chart = figure(pg, "compare-graph")
    assert chart["title"] == "Waste generation"
    assert "per 100,000 residents" in chart["ytitle"]
    assert [tr["name"] for tr in chart["traces"]] == list(PICKED.values())
    years = {x[:4] for tr in chart["traces"] for x in tr["x"]}
    assert years == {"2016", "2017", "2018", "2019", "2020"}
    url = pg.url
    screenshot(pg, "compare-selection")

    pg.reload()
    settle(pg)
    assert pg.url == url
    assert _controls(pg) == shown
    assert figure(pg, "compare-graph") == chart
    assert pg.console_errors == []
    assert network.problems() == []


HOSTILE = (
    "/compare?v=99&ind=%3Cscript%3Ealert(1)%3C%2Fscript%3E&cities=TW-TPE,XX-EVIL"
    "&from=abc&to=99999&grain=hourly&pc=maybe&tab=..%2F..%2Fetc&zzz=%3Cimg+src%3Dx%3E"
)


def test_hostile_link_falls_back_to_defaults_with_a_notice(live_server: str, tab) -> None:  # noqa: ANN001
    pg = tab
    network = watch(pg)
    response = pg.goto(live_server + HOSTILE)
    assert response is not None and response.status == 200
    settle(pg)
    screenshot(pg, "compare-hostile-link")

    notice = pg.locator("#compare-notice")
    assert notice.is_visible()
    reset = notice.inner_text().rstrip("。.").split(": ", 1)[1].split(", ")
    assert set(reset) == {"v", "ind", "cities", "from", "to", "grain", "pc", "tab", "zzz"}
    shown = _controls(pg)
    assert shown["indicator"] == "Child and youth protection records"
    assert shown["cities"] == DEFAULT_CITY_NAMES
    assert shown["per_capita"] is False
    assert pg.inner_text("#compare-tab .tab--selected") == t("compare.tab_chart")
    chart = figure(pg, "compare-graph")
    assert [tr["name"] for tr in chart["traces"]] == DEFAULT_CITY_NAMES
    body = pg.locator("body").inner_text()
    assert t("common.error_panel") not in body and "Traceback" not in body
    assert pg.locator("img[src='x']").count() == 0
    assert "<script>alert(1)" not in pg.content()
    assert pg.console_errors == []
    assert network.problems() == []


def _table_rows(pg) -> tuple[list[str], list[list[str]]]:  # noqa: ANN001
    """Header and every row of the compare DataTable, walking its pages."""
    pg.wait_for_selector("#compare-table td")
    header = pg.locator("#compare-table th .column-header-name").all_inner_texts()
    rows: list[list[str]] = []
    while True:
        page_rows = pg.evaluate(
            """() => [...document.querySelectorAll('#compare-table tr')]
                      .filter(r => r.querySelector('td'))
                      .map(r => [...r.querySelectorAll('td')].map(td => td.innerText.trim()))"""
        )
        rows += page_rows
        nxt = pg.locator("#compare-table button.next-page")
        if nxt.count() == 0 or nxt.is_disabled():
            return header, rows
        first = page_rows[0]  # the server sends the next page: wait until it has replaced this one
        nxt.click()
        pg.wait_for_function(
            """(before) => { const r = document.querySelector('#compare-table tr td');
                             if (!r) return false;
                             const cells = [...r.closest('tr').querySelectorAll('td')];
                             return cells.map(td => td.innerText.trim()).join('\t') !== before; }""",
            arg="\t".join(first),
        )


def _cell(text: str) -> object:
    """A cell as a number when it is one, so '1' (table) equals '1.0' (CSV)."""
    try:
        return float(text)
    except ValueError:
        return text


def _csv_rows(text: str) -> tuple[list[str], list[list[object]]]:
    header, *rows = list(csv.reader(io.StringIO(text)))
    return header, [[_cell(c) for c in r] for r in rows]


def test_csv_download_is_the_table(live_server: str, tab) -> None:  # noqa: ANN001
    pg = tab
    network = watch(pg)
    pg.goto(live_server + "/compare?v=1&cities=TW-NWT,TW-TPE,TW-TXG&from=2015&pc=1")
    settle(pg)
    _after(
        pg,
        lambda: pg.locator("#compare-tab .tab", has_text=t("compare.tab_table")).click(),
        {"tab": "table"},
    )
    header, rows = _table_rows(pg)
    screenshot(pg, "compare-table")

    with pg.expect_download() as info:
        pg.click("#compare-download-btn")
    download = info.value
    assert download.suggested_filename == "gosmart-child_protection_records.csv"
    csv_header, csv_rows = _csv_rows(open(download.path(), encoding="utf-8").read())

    assert len(rows) == 27  # 3 cities x 2015-2023, over two table pages
    assert len(csv_header) == len(header) == 8
    assert [[_cell(c) for c in r] for r in rows] == csv_rows
    assert {r[0] for r in csv_rows} == {"TW-NWT", "TW-TPE", "TW-TXG"}
    assert all(isinstance(r[3], float) for r in csv_rows)

    api = pg.request.get(live_server + pg.get_attribute("#compare-api-csv", "href"))
    assert api.ok
    assert _csv_rows(api.text()) == (csv_header, csv_rows)
    assert pg.console_errors == []
    assert network.problems() == []


def test_language_toggle_translates_the_chart(live_server: str, tab) -> None:  # noqa: ANN001
    pg = tab
    network = watch(pg)
    pg.goto(live_server + "/compare?v=1&cities=TW-NWT,TW-TPE&pc=1")
    settle(pg)
    english = drawn_text(pg, "compare-graph")
    assert english["title"] == ["Child and youth protection records"]
    assert english["legend"] == ["New Taipei City", "Taipei City"]
    assert any("per 10,000 residents" in a for a in english["axes"])

    _after(pg, lambda: pg.click("#lang-toggle"), {"lang": "zh"})
    assert _query(pg)["cities"] == "TW-NWT,TW-TPE" and _query(pg)["pc"] == "1"
    chinese = drawn_text(pg, "compare-graph")
    screenshot(pg, "compare-zh")
    assert chinese["title"] == ["兒少保護案件紀錄數"]
    assert chinese["legend"] == ["新北市", "臺北市"]
    assert chinese["axes"] and all(has_cjk(a) for a in chinese["axes"]), chinese["axes"]
    count = t("common.dropdown_selected_count", "zh").replace("{num_selected}", "2")
    assert pg.inner_text("#compare-cities-value-count") == count
    assert pg.console_errors == []
    assert network.problems() == []
