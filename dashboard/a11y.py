"""The page's language on its <html> element (WCAG 3.1.1), from the first byte on.

Dash writes a bare `<html>`; the page language is the `lang` URL field, so the index page
is served with `<html lang="en">` or `<html lang="zh-Hant">`. assets/a11y.js keeps it right
when the URL changes in the browser (the dashboard's links keep `lang`, the toggle reloads)."""

from __future__ import annotations

from typing import Any

from dash import Dash
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
