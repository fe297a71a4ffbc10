"""Showcase page as a plain function on the built store: cards show what the store holds."""

from __future__ import annotations

import re

from dash import dcc, html

from gosmart.dashboard import verdict as vd
from tests.conftest import use_store
from tests.dash_pages import find_all, find_by_id, find_ids, page_module, texts
from tests.store_builder import FAMILY, OLD, REPORTED
from tests.store_files import rows

showcase = page_module("showcase")
CARD = (
    "SELECT p.*, c.name_en AS city_name_en, e.verdict, e.evidence_level, e.effect_rel, "
    "e.effect_rel_lo, "
    "e.effect_rel_hi FROM project p JOIN city c USING (city_id) "
    "LEFT JOIN effect e ON e.project_id = p.project_id AND e.is_primary "
    "WHERE p.project_id = ?"
)


def test_cards_of_2023_with_badges_and_sparkline(dashboard_store):
    page = showcase.layout()
    ids = find_ids(page)
    of_2023 = rows(dashboard_store, "SELECT project_id FROM project WHERE award_year = 2023")
    assert {f"showcase-card-{r['project_id']}" for r in of_2023} <= ids
    assert {FAMILY, REPORTED} <= {r["project_id"] for r in of_2023}
    assert f"showcase-card-{OLD}" not in ids
    (card,) = rows(dashboard_store, CARD, [FAMILY])
    family = texts(find_by_id(page, f"showcase-card-{FAMILY}"))
    # the verdict first, then its level, then the estimate with its interval and MDE
    verdict, level, size = family[1:4]
    assert (
        verdict == vd.label(card, "en") and level == f"Evidence level {card['evidence_level']} of 5"
    )
    assert "95% interval" in size and " · MDE " in size, size
    # fitted in logs (a data break in the window): the MDE's two sides, not ±
    assert re.search(r" · MDE −\d+(\.\d)?% / \+\d+(\.\d)?%$", size), size
    estimate = size.split(" · ")[0].replace("95% interval", "interval")
    percents = re.findall(r"([+−]?)(\d+(?:\.\d)?)%", estimate)
    shown = [(-1 if sign == "−" else 1) * float(v) / 100 for sign, v in percents]
    stored = [card["effect_rel"], card["effect_rel_lo"], card["effect_rel_hi"]]
    assert len(shown) == 3
    # one decimal below 10%, whole percents above
    assert all(abs(a - b) <= 0.0051 for a, b in zip(shown, stored, strict=True)), (shown, stored)
    # the headline indicator and its data span, at the series' grain (annual: 2014–2023)
    assert any(x.endswith(", 2014–2023") for x in family), family
    assert card["city_name_en"] in family and card["summary_en"] in family
    reported = texts(find_by_id(page, f"showcase-card-{REPORTED}"))
    assert "Reported figures only" in reported
    assert not any("Evidence level" in x for x in reported)


def test_year_selector_puts_2023_first_and_switches_year(dashboard_store):
    page = showcase.layout()
    assert find_ids(page) >= {"showcase-year-2023", "showcase-year-2022"}
    assert showcase.ordered_years(["2024", "2022", "2023"]) == ["2023", "2024", "2022"]
    older = showcase.layout(year="2022", lang="zh")
    assert f"showcase-card-{OLD}" in find_ids(older)
    assert f"showcase-card-{FAMILY}" not in find_ids(older)


def test_links_keep_language(dashboard_store):
    page = showcase.layout(lang="zh")
    link = find_by_id(page, f"showcase-open-{FAMILY}")
    assert isinstance(link, dcc.Link)
    assert link.href == f"/project/{FAMILY}?v=1&lang=zh"
    assert find_by_id(page, "showcase-year-2022").href.endswith("lang=zh&year=2022")


def test_hostile_query_falls_back_with_a_notice(dashboard_store):
    page = showcase.layout(year="<script>alert(1)</script>", lang="xx")
    words = " ".join(texts(page))
    assert "reset to defaults: lang, year." in words
    assert f"showcase-card-{FAMILY}" in find_ids(page)


def test_sparkline_marks_launch_and_uncertain_range(dashboard_store):
    graph = find_by_id(showcase.layout(), f"showcase-card-{FAMILY}")
    (chart,) = find_all(graph, lambda c: isinstance(c, html.Figure))  # with its caption
    sparkline = chart.children[0]
    assert isinstance(sparkline, dcc.Graph)
    shapes = sparkline.figure.layout.shapes
    (card,) = rows(dashboard_store, CARD, [FAMILY])
    (rect,) = [s for s in shapes if s.type == "rect"]
    (line,) = [s for s in shapes if s.type == "line"]
    assert str(rect.x0)[:10] == f"{card['launch_date_min']}" < f"{card['launch_date_max']}"
    assert str(rect.x1)[:10] == f"{card['launch_date_max']}"
    assert str(line.x0)[:10] == f"{card['launch_date']}"


def test_first_sentence():
    assert showcase.first_sentence("One pass. Two modes.") == "One pass."
    assert showcase.first_sentence("一張月票。還有更多。") == "一張月票。"
    assert showcase.first_sentence("No stop") == "No stop"


def test_missing_store_shows_a_notice_not_a_traceback(db_file, monkeypatch):

    use_store(monkeypatch, db_file)
    page = showcase.layout()
    assert "notice" in " ".join(c.className or "" for c in page.children if hasattr(c, "className"))


def test_effect_in_units_names_per_capita_when_estimated_so():
    """Without a relative effect the card shows units: the ones the engine estimated on."""
    from gosmart.dashboard.figures.showcase import effect_size_text

    card = {"effect_rel": None, "effect_avg": -3.04, "effect_avg_lo": -7.8, "effect_avg_hi": 6.4}
    card |= {"unit": "records", "unit_zh": "件", "per_capita_scale": 10000}
    assert effect_size_text(card, "en").startswith("−3.04 records (")
    card["effect_per_capita"] = True
    assert effect_size_text(card, "en").startswith("−3.04 records per 10,000 residents")
    assert "件（每 10,000 人）" in effect_size_text(card, "zh")
