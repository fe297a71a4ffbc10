"""Small page parts pages share: the link-settings notice, the failure fallback, pickers."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from typing import Any

from dash import dcc, html

from gosmart.dashboard.i18n import dropdown_labels, pick, t
from gosmart.dashboard.urlstate import decode

log = logging.getLogger(__name__)
# Set while a page renders when any part of it fell back to a failure notice.
_RENDER_FAILED: ContextVar[bool] = ContextVar("render_failed", default=False)


def failure_notice(lang: str, key: str = "common.error_panel") -> html.P:
    """The short notice a part that failed shows instead of itself; it flags the render as
    failed, so a page that showed it is never cached."""
    _RENDER_FAILED.set(True)
    return html.P(t(key, lang), className="notice")


def render_flagging_failure(render: Callable[[], Any]) -> tuple[Any, bool]:
    """`render()` and whether any part of it showed a failure notice."""
    token = _RENDER_FAILED.set(False)
    try:
        return render(), _RENDER_FAILED.get()
    finally:
        _RENDER_FAILED.reset(token)


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
                failure_notice(lang),
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


def period_slider(*, id: str, lang: str, **props: Any) -> html.Div:
    """A dcc.RangeSlider of years whose two thumbs and two year boxes are named in `lang`
    ("From" and "To"; Dash names the thumbs in English and the boxes not at all), which
    assets/a11y.js reads from `data-thumb-labels`."""
    names = "|".join(t(f"common.period_{end}", lang) for end in ("from", "to"))
    return html.Div(dcc.RangeSlider(id=id, **props), **{"data-thumb-labels": names})
