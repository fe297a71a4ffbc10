"""Showcase page as a plain function on the synthetic fixture store."""

from __future__ import annotations

from dash import dcc

from tests.conftest import use_store
from tests.test_project_fixture_store import (  # noqa: F401
    find_by_id,
    find_ids,
    page_module,
    texts,
)

showcase = page_module("showcase")


def test_cards_of_2023_with_badges_and_sparkline(fixture_store):
    page = showcase.layout()
    ids = find_ids(page)
    assert {"showcase-card-fx_transit", "showcase-card-fx_reported"} <= ids
    assert "showcase-card-fx_old" not in ids
    transit = texts(find_by_id(page, "showcase-card-fx_transit"))
    # the verdict first, then the estimate with its interval and MDE on one line
    assert transit[1:4] == [
        "Clear increase",
        "Evidence level 3 of 5",
        "+4.1% (95% interval +2.5% to +5.7%) · MDE ±2%",
    ]
    # the headline indicator and its data span, at the series' grain
    assert any(x.endswith(", Jan 2016 – Dec 2021") for x in transit), transit
    assert "Kaohsiung City" in transit and "A synthetic transit pass." in transit
    reported = texts(find_by_id(page, "showcase-card-fx_reported"))
    assert "Reported figures only" in reported
    assert not any("Evidence level" in x for x in reported)


def test_year_selector_puts_2023_first_and_switches_year(fixture_store):
    page = showcase.layout()
    assert find_ids(page) >= {"showcase-year-2023", "showcase-year-2022"}
    assert showcase.ordered_years(["2024", "2022", "2023"]) == ["2023", "2024", "2022"]
    older = showcase.layout(year="2022", lang="zh")
    assert "showcase-card-fx_old" in find_ids(older)
    assert "showcase-card-fx_transit" not in find_ids(older)


def test_links_keep_language(fixture_store):
    page = showcase.layout(lang="zh")
    link = find_by_id(page, "showcase-open-fx_transit")
    assert isinstance(link, dcc.Link)
    assert link.href == "/project/fx_transit?v=1&lang=zh"
    assert find_by_id(page, "showcase-year-2022").href.endswith("lang=zh&year=2022")


def test_hostile_query_falls_back_with_a_notice(fixture_store):
    page = showcase.layout(year="<script>alert(1)</script>", lang="xx")
    words = " ".join(texts(page))
    assert "reset to defaults: lang, year." in words
    assert "showcase-card-fx_transit" in find_ids(page)


def test_sparkline_marks_launch_and_uncertain_range(fixture_store):
    graph = find_by_id(showcase.layout(), "showcase-card-fx_transit")
    sparkline = next(c for c in graph.children if isinstance(c, dcc.Graph))
    shapes = sparkline.figure.layout.shapes
    assert any(s.type == "rect" for s in shapes) and any(s.type == "line" for s in shapes)


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
