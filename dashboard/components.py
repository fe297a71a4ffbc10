"""Small page parts pages share: the link-settings notice, the failure fallback, pickers."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from dash import dcc, html

from gosmart.dashboard.i18n import dropdown_labels, pick, t
from gosmart.dashboard.urlstate import decode

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


def view_page(
    view: str,
    query: Mapping[str, Any],
    render: Callable[[dict[str, Any], list[str]], Any],
    *,
    keep: tuple[Any, ...] = (),
) -> Any:
    """The page of a URL-state view: `render(state, notices)` of the decoded query, guarded,
    headed '<view>.title' and classed 'page <view>' (also when it fails)."""
    state, notices = decode(view, query)
    lang = state["lang"]
    return guarded_page(
        view,
        lang,
        lambda: render(state, notices),
        heading=t(f"{view}.title", lang),
        keep=keep,
        class_name=f"page {view}",
    )


def indicator_control(
    id: str, label: str, value: str, indicators: Iterable[dict], lang: str
) -> html.Div:
    """The labelled indicator picker of the compare and map pages."""
    return html.Div(
        [
            html.Label(label, htmlFor=id),
            dcc.Dropdown(
                id=id,
                options=[
                    {"label": pick(i, "name", lang), "value": i["indicator_id"]} for i in indicators
                ],
                value=value,
                clearable=False,
                labels=dropdown_labels(lang),
            ),
        ],
        className="control control-wide",
    )
