"""The one banner that tells a visitor which link settings were reset or ignored."""

from __future__ import annotations

from dash import html

from dashboard.i18n import t


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
