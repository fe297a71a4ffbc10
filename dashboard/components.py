"""Small page parts every page shares: the link-settings notice and the failure fallback."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from dash import html

from dashboard.i18n import t

log = logging.getLogger(__name__)


def fallback_notice(
    lang: str, fields: list[str], *, id: str | None = None, extra_class: str = ""
) -> html.Div | None:
    """A polite status line naming `fields` (from `urlstate.decode`), or None when empty."""
    if not fields:
        return None
    attrs = {"id": id} if id else {}
    return html.Div(
        t("common.notice_fallback", lang, fields=", ".join(fields)),
        className=f"notice {extra_class}".strip(),
        role="status",
        **attrs,
    )


def guarded_page(
    name: str,
    lang: str,
    render: Callable[[], Any],
    *,
    heading: str | None = None,
    keep: tuple[Any, ...] = (),
    class_name: str = "page",
) -> Any:
    """`render()`, or on any failure a logged error and a short notice, never a traceback.

    `keep` holds components the page's callbacks need even when it failed (its Location).
    """
    try:
        return render()
    except Exception:
        log.exception("%s page failed", name)
        return html.Div(
            [
                *keep,
                html.H1(heading) if heading else None,
                html.P(t("common.error_panel", lang), className="notice"),
            ],
            className=class_name,
        )
