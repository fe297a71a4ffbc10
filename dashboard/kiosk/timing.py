"""Kiosk timing: the playlist's durations, overridden or accelerated by URL fields (for tests)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dashboard.kiosk.playlist import Playlist

MIN_DWELL_MS = 300
MIN_REFRESH_MS = 1000


@dataclass(frozen=True)
class Timing:
    dwell_ms: tuple[int, ...]  # per slide, in playlist order
    idle_ms: int
    reload_ms: int
    refresh_ms: int
    transition_ms: int
    alternate_languages: bool


def timing(playlist: Playlist, state: Mapping[str, Any]) -> Timing:
    """Durations in milliseconds from the playlist and the URL state.

    `speed` divides every playlist duration; `dwell_ms`, `idle_ms`, `reload_s` and
    `refresh_ms` (0 = not set) replace one of them outright; `cycle` forces the
    alternate-language loop on or off.
    """
    s = playlist.settings
    speed = max(1, int(state.get("speed") or 1))
    dwell = tuple(
        max(MIN_DWELL_MS, int(state.get("dwell_ms") or slide.duration_s * 1000 / speed))
        for slide in playlist.slides
    )
    idle = int(state.get("idle_ms") or s.idle_reset_s * 1000 / speed)
    reload_ms = int((state.get("reload_s") or 0) * 1000 or s.reload_after_h * 3_600_000 / speed)
    refresh = max(MIN_REFRESH_MS, int(state.get("refresh_ms") or s.refresh_s * 1000 / speed))
    transition = min(s.transition_ms, min(dwell) // 3)
    cycle = {"on": True, "off": False}.get(state.get("cycle", "auto"), s.alternate_languages)
    return Timing(
        dwell, max(MIN_DWELL_MS, idle), max(MIN_REFRESH_MS, reload_ms), refresh, transition, cycle
    )
