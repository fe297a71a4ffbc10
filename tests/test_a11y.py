"""The page language on <html> from the first byte, and Chinese fragments of English text
marked with their own lang (issue 17, WCAG 3.1.1 and 3.1.2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from dash import html

from gosmart.dashboard.a11y import in_languages
from gosmart.settings import Settings
from tests.conftest import use_store


@pytest.mark.parametrize(
    ("query", "lang"),
    [("", "en"), ("?lang=zh", "zh-Hant"), ("?lang=en", "en"), ("?lang=xx", "en")],
)
def test_every_page_is_served_with_its_language(built_store: Path, query: str, lang: str):
    from gosmart.dashboard.app import create_app

    with pytest.MonkeyPatch.context() as mp:
        use_store(mp, built_store)
        client = create_app(Settings(db=built_store)).server.test_client()
        for path in ("/", "/compare", "/kiosk"):
            page = client.get(path + query).get_data(as_text=True)
            assert f'<html lang="{lang}">' in page, (path, query)
            assert "<html>" not in page


def test_chinese_inside_english_text_carries_its_own_lang():
    marked = in_languages(
        "Mayor Hou: 'online since 2021' (自2021年上線); 「用心網助、平安守護」.", "en"
    )
    assert isinstance(marked, html.Span)  # one component: it goes wherever the text went
    parts = marked.children
    spans = [p for p in parts if isinstance(p, html.Span)]
    assert [s.children for s in spans] == ["自2021年上線", "「用心網助、平安守護」"]
    assert {s.lang for s in spans} == {"zh-Hant"}
    assert "".join(p if isinstance(p, str) else p.children for p in parts) == (
        "Mayor Hou: 'online since 2021' (自2021年上線); 「用心網助、平安守護」."
    )


def test_text_with_nothing_to_mark_stays_a_string():
    assert in_languages("Kaohsiung City Government open data", "en") == (
        "Kaohsiung City Government open data"
    )
    assert in_languages("高雄市政府 open data", "zh") == "高雄市政府 open data"  # the page's own
    assert in_languages(None, "en") == ""
