"""The expo kiosk: an attract loop of slides that a visitor can pause and step through.

The server builds each slide's content; `assets/kiosk.js` runs the timer, the controls,
the idle reset and the long-uptime reload in the browser, so the loop never waits on
the server. A refresh callback rebuilds the slides when the language or the data
version changes; a slide that fails keeps its last good content (`no_update`), and a
failing store leaves every slide as it was.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from typing import Any

import dash
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from gosmart.dashboard.components import fallback_notice
from gosmart.dashboard.data import settings
from gosmart.dashboard.i18n import LANG_LABELS, LANGS, t
from gosmart.dashboard.kiosk import content, data, qr, render
from gosmart.dashboard.kiosk.playlist import (
    Playlist,
    PlaylistError,
    Slide,
    fallback_playlist,
    load_playlist,
    playlist_file,
    playlist_names,
)
from gosmart.dashboard.kiosk.timing import MAX_SPEED, timing
from gosmart.dashboard.urlstate import Field, decode, register_view

dash.register_page(__name__, path="/kiosk", title="GO SMART Evidence · Kiosk")

log = logging.getLogger(__name__)
VIEW = "kiosk"
register_view(
    VIEW,
    [
        Field("playlist", "choice", "default", lambda: ["default", *playlist_names()]),
        Field("speed", "int", 1, lo=1, hi=MAX_SPEED),
        Field("cycle", "choice", "auto", ("auto", "on", "off")),
    ],
)
_LOGGED: set[str] = set()
BUILT_ENTRIES = 64
_BUILT: dict[tuple, dict[str, Any]] = {}
_BUILT_LOCK = threading.Lock()


def _warn_once(message: str) -> None:
    if message not in _LOGGED:
        _LOGGED.add(message)
        log.warning("kiosk: %s", message)


def current_playlist(name: str) -> Playlist:
    """The usable slides of the playlist; problems are logged once and the bad slides skipped."""
    try:
        known: tuple[set[str], set[str]] | tuple[None, None] = (
            data.project_ids(),
            data.indicator_ids(),
        )
    except Exception as exc:  # store unreadable: check references later, slide by slide
        _warn_once(f"registry unreadable, playlist references not checked: {exc}")
        known = (None, None)
    try:
        playlist, problems = load_playlist(playlist_file(name, settings().playlist), *known)
    except PlaylistError as exc:
        _warn_once(str(exc))
        return fallback_playlist()
    for problem in problems:
        _warn_once(f"skipping: {problem}")
    return playlist


def _base_url() -> str:
    from flask import has_request_context, request

    return qr.public_base(request.host_url if has_request_context() else None)


def _content(playlist: Playlist, slide: Slide, lang: str, base: str, version: str) -> dict:
    """A slide's content, kept per data version: a language switch or a page load after
    the first is instant, and a new ingest (new version) rebuilds it."""
    key = (playlist.name, repr(slide), lang, base, version)
    with _BUILT_LOCK:
        found = _BUILT.get(key) if version else None
    if found is None:
        found = content.build_slide(playlist, slide, lang, base)
        if version:
            with _BUILT_LOCK:
                while len(_BUILT) >= BUILT_ENTRIES:
                    _BUILT.pop(next(iter(_BUILT)))
                _BUILT[key] = found
    return found


def _build(
    playlist: Playlist, lang: str, base: str, version: str
) -> dict[str, dict[str, Any] | None]:
    """Content of every slide; None for a slide that cannot be shown right now."""
    built: dict[str, dict[str, Any] | None] = {}
    for slide in playlist.slides:
        try:
            built[slide.slide_id] = _content(playlist, slide, lang, base, version)
        except Exception as exc:  # one bad slide never stops the loop
            _warn_once(f"slide {slide.slide_id} not shown: {str(exc)[:300]}")
            built[slide.slide_id] = None
    return built


def _slide_class(kind: str, ok: bool) -> str:
    return f"kiosk-slide kiosk-{kind}" + ("" if ok else " is-empty")


def _chrome_text(lang: str) -> tuple[str, str, str]:
    other = LANGS[(LANGS.index(lang) + 1) % len(LANGS)]
    return LANG_LABELS[other], t("kiosk.paused", lang), t("kiosk.tap_hint", lang)


def _version() -> str:
    try:
        return data.data_version()
    except Exception:
        return ""


def layout(**query: Any) -> html.Div:
    state, notices = decode(VIEW, query)
    lang = state["lang"]
    playlist = current_playlist(state["playlist"])
    clock = timing(playlist, state)
    version = _version()
    built = _build(playlist, lang, _base_url(), version)
    slides = []
    for i, slide in enumerate(playlist.slides):
        found = built.get(slide.slide_id)
        slides.append(
            html.Section(
                html.Div(
                    render.body(found, lang),
                    id={"type": "kiosk-body", "index": i},
                    className="kiosk-body",
                ),
                id={"type": "kiosk-slide", "index": i},
                className=_slide_class(slide.kind, found is not None),
                **{
                    "data-slide-id": slide.slide_id,
                    "data-duration-ms": str(clock.dwell_ms[i]),
                    "aria-roledescription": "slide",
                },
            )
        )
    lang_label, paused, hint = _chrome_text(lang)
    status = {
        "playlist": state["playlist"],
        "slides": [s.slide_id for s in playlist.slides],
        "lang": lang,
        "version": version,
        "stale": [k for k, v in built.items() if v is None],
        "ok": True,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    notice = fallback_notice(lang, notices, extra_class="kiosk-notice")
    return html.Div(
        [
            dcc.Store(id="kiosk-lang", data=lang),
            dcc.Store(id="kiosk-status", data=status),
            dcc.Interval(id="kiosk-refresh", interval=clock.refresh_ms),
            notice,
            html.Div(slides, className="kiosk-deck", **{"aria-live": "polite"}),
            html.Div(
                [
                    html.Div(
                        [
                            html.Span(className="kiosk-dot", **{"data-index": str(i)})
                            for i in range(len(slides))
                        ],
                        className="kiosk-dots",
                    ),
                    html.Div(html.Div(className="kiosk-progress-fill"), className="kiosk-progress"),
                    html.Div(
                        [
                            html.Button(
                                "◀",
                                id="kiosk-prev",
                                className="kiosk-btn",
                                **{
                                    "data-kiosk-action": "prev",
                                    "aria-label": t("kiosk.prev", lang),
                                },
                            ),
                            html.Button(
                                "❚❚",
                                id="kiosk-pause",
                                className="kiosk-btn",
                                **{
                                    "data-kiosk-action": "toggle",
                                    "aria-label": t("kiosk.pause", lang),
                                },
                            ),
                            html.Button(
                                "▶",
                                id="kiosk-next",
                                className="kiosk-btn",
                                **{
                                    "data-kiosk-action": "next",
                                    "aria-label": t("kiosk.next", lang),
                                },
                            ),
                            html.Button(
                                lang_label,
                                id="kiosk-lang-btn",
                                className="kiosk-btn kiosk-lang-btn",
                                **{"data-kiosk-action": "lang"},
                            ),
                        ],
                        className="kiosk-controls",
                    ),
                    html.Div(
                        [
                            html.Span(hint, id="kiosk-hint-text", className="kiosk-hint-text"),
                            html.Span(
                                paused, id="kiosk-paused-text", className="kiosk-paused-text"
                            ),
                            html.Span("", className="kiosk-countdown"),
                        ],
                        className="kiosk-hint",
                    ),
                ],
                className="kiosk-bar",
            ),
        ],
        id="kiosk-root",
        className="kiosk",
        lang="zh-Hant" if lang == "zh" else "en",
        style={"--kiosk-transition": f"{clock.transition_ms}ms"},
        **{
            "data-lang": lang,
            "data-default-lang": lang,
            "data-langs": ",".join(LANGS),
            "data-idle-ms": str(clock.idle_ms),
            "data-reload-ms": str(clock.reload_ms),
            "data-cycle": "1" if clock.alternate_languages else "0",
            "tabIndex": "-1",
        },
    )


def _index_of(output_list: list[dict]) -> list[int]:
    return [o["id"]["index"] for o in output_list]


@callback(
    Output({"type": "kiosk-body", "index": ALL}, "children"),
    Output({"type": "kiosk-slide", "index": ALL}, "className"),
    Output("kiosk-status", "data"),
    Output("kiosk-lang-btn", "children"),
    Output("kiosk-paused-text", "children"),
    Output("kiosk-hint-text", "children"),
    Output("kiosk-prev", "aria-label"),
    Output("kiosk-pause", "aria-label"),
    Output("kiosk-next", "aria-label"),
    Input("kiosk-lang", "data"),
    Input("kiosk-refresh", "n_intervals"),
    State("kiosk-status", "data"),
    prevent_initial_call=True,
)
def refresh_slides(lang: Any, _ticks: Any, status: Any) -> tuple:
    """Rebuild the slides for a new language or data version; keep the last good on failure."""
    bodies_out, classes_out = ctx.outputs_list[0], ctx.outputs_list[1]
    keep = ([no_update] * len(bodies_out), [no_update] * len(classes_out))
    try:
        return _refresh(lang, status, bodies_out)
    except PreventUpdate:
        raise
    except Exception as exc:  # never an error on the booth screen: keep what is shown
        _warn_once(f"refresh failed, keeping the last good slides: {str(exc)[:300]}")
        failed = {
            **(status if isinstance(status, dict) else {}),
            "ok": False,
            "error": type(exc).__name__,
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        return (*keep, failed, *[no_update] * 6)


def _refresh(lang: Any, status: Any, bodies_out: list[dict]) -> tuple:
    status = status if isinstance(status, dict) else {}
    lang = lang if lang in LANGS else status.get("lang", LANGS[0])
    version = data.data_version()  # raises on an unreadable store: keep everything
    same = version == status.get("version") and lang == status.get("lang")
    if same and not status.get("stale") and status.get("ok", True):
        raise PreventUpdate
    playlist = current_playlist(str(status.get("playlist", "default")))
    by_id = {s.slide_id: s for s in playlist.slides}
    order = list(status.get("slides") or [])
    base = _base_url()
    bodies, classes, stale = [], [], []
    for index in _index_of(bodies_out):
        slide = by_id.get(order[index]) if index < len(order) else None
        if slide is None:
            bodies.append(no_update)
            classes.append(no_update)
            continue
        try:
            found = _content(playlist, slide, lang, base, version)
        except Exception as exc:  # keep this slide's last good content
            _warn_once(f"slide {slide.slide_id} kept as it was: {str(exc)[:300]}")
            stale.append(slide.slide_id)
            bodies.append(no_update)
            classes.append(no_update)
            continue
        bodies.append(render.body(found, lang))
        classes.append(_slide_class(slide.kind, True))
    lang_label, paused, hint = _chrome_text(lang)
    new_status = {
        **status,
        "lang": lang,
        "version": version,
        "stale": stale,
        "ok": True,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    names = [t(f"kiosk.{button}", lang) for button in ("prev", "pause", "next")]
    return bodies, classes, new_status, lang_label, paused, hint, *names


dash.clientside_callback(
    "function (status) { if (window.gosmartKiosk) { window.gosmartKiosk.setStatus(status); } }",
    Input("kiosk-status", "data"),
)
