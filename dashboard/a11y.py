"""The page's language on its <html> element (WCAG 3.1.1), from the first byte on, and
Chinese fragments inside English text marked as such (3.1.2).

Dash writes a bare `<html>`; the page language is the `lang` URL field, so the index page
is served with `<html lang="en">` or `<html lang="zh-Hant">`. assets/a11y.js keeps it right
when the URL changes in the browser (the dashboard's links keep `lang`, the toggle reloads)."""

from __future__ import annotations

import re
from typing import Any

from dash import Dash, html
from flask import has_request_context, request

from gosmart.dashboard.i18n import HTML_LANG, normalise_lang


def html_lang() -> str:
    """The HTML lang of the page being served (English outside a request)."""
    lang = request.args.get("lang") if has_request_context() else None
    return HTML_LANG[normalise_lang(lang)]


def install(app: Dash) -> None:
    """Serve every page with `<html lang>` set to its language."""
    interpolate = app.interpolate_index

    def with_lang(**kwargs: Any) -> str:
        page = interpolate(**kwargs)
        return page.replace("<html>", f'<html lang="{html_lang()}">', 1)

    app.interpolate_index = with_lang


# Runs of Han characters with the CJK punctuation between them and the numbers inside them,
# so「用心網助、平安守護」and 自2021年上線 are one fragment each.
HAN = r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]"
HAN_RUN = re.compile(rf"{HAN}+(?:[0-9 .,%/:-]+{HAN}+)*")


def in_languages(text: object, lang: str) -> str | html.Span:
    """`text` for a page in `lang`, with each run of Chinese inside an English page in a
    <span lang="zh-Hant"> (WCAG 3.1.2), so a screen reader switches voice for it, all in one
    <span>; the text itself when there is nothing to mark."""
    text = "" if text is None else str(text)
    if normalise_lang(lang) == "zh" or not HAN_RUN.search(text):
        return text
    parts: list[Any] = []
    at = 0
    for match in HAN_RUN.finditer(text):
        if match.start() > at:
            parts.append(text[at : match.start()])
        parts.append(html.Span(match.group(), lang=HTML_LANG["zh"]))
        at = match.end()
    if at < len(text):
        parts.append(text[at:])
    return html.Span(parts)  # one component: Dash renders no list nested in a list
