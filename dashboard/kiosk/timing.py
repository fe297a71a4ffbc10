"""Kiosk timing: the playlist's durations, accelerated by the `speed` URL field (for tests).

`speed` is the one way to run the loop faster: it divides every duration of the
playlist (slide dwell, idle reset, data refresh, page reload), so an accelerated
run keeps the proportions of a real one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gosmart.dashboard.kiosk.playlist import Playlist

MIN_DWELL_MS = 300
MIN_REFRESH_MS = 1000
MAX_SPEED = 3600


@dataclass(frozen=True)
class Timing:
    dwell_ms: tuple[int, ...]  # per slide, in playlist order
    idle_ms: int
    reload_ms: int
    refresh_ms: int
    transition_ms: int
    alternate_languages: bool


def timing(playlist: Playlist, state: Mapping[str, Any]) -> Timing:
    """Durations in milliseconds from the playlist, divided by the URL's `speed`.

    `cycle` forces the alternate-language loop on or off ('auto': as the playlist says).
    """
    s = playlist.settings
    speed = min(MAX_SPEED, max(1, int(state.get("speed") or 1)))
    dwell = tuple(
        max(MIN_DWELL_MS, int(slide.duration_s * 1000 / speed)) for slide in playlist.slides
    )
    idle = max(MIN_DWELL_MS, int(s.idle_reset_s * 1000 / speed))
    reload_ms = max(MIN_REFRESH_MS, int(s.reload_after_h * 3_600_000 / speed))
    refresh = max(MIN_REFRESH_MS, int(s.refresh_s * 1000 / speed))
    transition = min(s.transition_ms, min(dwell) // 3)
    cycle = {"on": True, "off": False}.get(state.get("cycle", "auto"), s.alternate_languages)
    return Timing(dwell, idle, reload_ms, refresh, transition, cycle)
