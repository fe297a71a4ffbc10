"""The kiosk playlist: which slides, in what order, for how long, with which figure and chart.

A playlist is data (`datasets/kiosk/*.toml` or `.json`), so a booth operator can reorder
slides or rewrite a caption without touching code. Loading checks every slide; a bad
slide is named in one clear line. `validate_playlist` raises on any problem (tests, CI);
`load_playlist` drops the bad slides and returns the problems, so the loop keeps going.
"""

from __future__ import annotations

import json
import string
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gosmart.dashboard.i18n import LANGS, t
from gosmart.resources import KIOSK_DIR
from gosmart.vocab import Grain

PLAYLIST_DIR = KIOSK_DIR
DEFAULT_PLAYLIST = "playlist_2023"
SLIDE_KINDS = ("title", "project")
CHART_KINDS = ("effect", "series", "milestones")
HEADLINE_SOURCES = ("effect", "milestone", "latest")
EFFECT_MEASURES = ("effect_rel", "effect_avg", "effect_cum")
GRAINS = (Grain.DAILY, Grain.MONTHLY, Grain.ANNUAL)  # a kiosk chart's choices
PLACEHOLDERS = ("value", "city", "project", "as_of", "unit")
DURATION_RANGE = (2.0, 300.0)


class PlaylistError(ValueError):
    """A playlist file that cannot be used, with every problem named."""


@dataclass(frozen=True)
class Headline:
    """One candidate for the slide's headline figure; the first with data wins."""

    source: str  # 'effect' | 'milestone' | 'latest'
    caption: Mapping[str, str]  # lang -> template with {value} and friends
    indicator: str | None = None
    metric: str | None = None
    measure: str = "effect_rel"


@dataclass(frozen=True)
class Chart:
    """One candidate for the slide's large chart; the first with data wins."""

    kind: str  # 'effect' | 'series' | 'milestones'
    indicator: str | None = None
    metric: str | None = None
    per_capita: bool = False
    grain: str | None = None
    title: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Slide:
    slide_id: str
    kind: str  # 'title' | 'project'
    duration_s: float
    project: str | None = None
    headlines: tuple[Headline, ...] = ()
    charts: tuple[Chart, ...] = ()


@dataclass(frozen=True)
class Settings:
    default_duration_s: float = 12.0
    idle_reset_s: float = 45.0
    reload_after_h: float = 6.0
    refresh_s: float = 60.0
    alternate_languages: bool = False
    transition_ms: int = 700


@dataclass(frozen=True)
class Playlist:
    name: str
    award_year: int
    title: Mapping[str, str]
    subtitle: Mapping[str, str]
    settings: Settings
    slides: tuple[Slide, ...]


def playlist_path(name: str) -> Path:
    """The file of a shipped playlist by name (`playlist_2023` -> datasets/kiosk/...)."""
    for suffix in (".toml", ".json"):
        path = PLAYLIST_DIR / f"{name}{suffix}"
        if path.exists():
            return path
    raise PlaylistError(f"{PLAYLIST_DIR}: no playlist named {name!r}")


def playlist_file(name: str, env: str = "") -> Path:
    """The file to play: a shipped playlist by name; 'default' is `env` (a name or a path)
    when set, else the shipped default."""
    if name == "default":
        env = env.strip()
        if env:
            return Path(env) if env.endswith((".toml", ".json")) else playlist_path(env)
        name = DEFAULT_PLAYLIST
    return playlist_path(name)


def check_playlist_file(env: str) -> Playlist:
    """The default playlist as `gosmart kiosk` will play it, or PlaylistError (start-up check).

    Only the file is checked here; slides naming what the store lacks are skipped at run time.
    """
    path = playlist_file("default", env)
    if not path.exists():
        raise PlaylistError(f"{path}: no such playlist file")
    return parse_playlist(read_playlist_file(path), path.name)[0]


def playlist_names() -> list[str]:
    """Names of the shipped playlists (what the `playlist` URL field accepts)."""
    return sorted(p.stem for p in PLAYLIST_DIR.glob("*") if p.suffix in (".toml", ".json"))


def read_playlist_file(path: Path) -> dict[str, Any]:
    """The raw mapping in a TOML or JSON playlist file, or one clear error line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
        raw = tomllib.loads(text) if Path(path).suffix == ".toml" else json.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise PlaylistError(f"{path}: cannot read playlist: {exc}") from exc
    if not isinstance(raw, dict):
        raise PlaylistError(f"{path}: a playlist is a table/object at the top level")
    return raw


def _texts(value: Any, where: str, problems: list[str], *, template: bool) -> dict[str, str]:
    """A {lang: text} mapping with every shipped language; templates use known placeholders."""
    if not isinstance(value, dict):
        problems.append(f"{where}: expected a table with one text per language {list(LANGS)}")
        return {}
    texts: dict[str, str] = {}
    for lang in LANGS:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            problems.append(f"{where}: missing the {lang!r} text")
            continue
        if template:
            try:
                names = [f for _, f, spec, conv in string.Formatter().parse(text) if f is not None]
                bad_form = any(
                    spec or conv for _, f, spec, conv in string.Formatter().parse(text) if f
                )
            except ValueError as exc:
                problems.append(f"{where} ({lang}): broken template: {exc}")
                continue
            unknown = sorted({n for n in names if n not in PLACEHOLDERS})
            if unknown or bad_form:
                problems.append(
                    f"{where} ({lang}): unknown placeholder(s) {unknown or names}; "
                    f"allowed: {', '.join(PLACEHOLDERS)} (no format specs)"
                )
                continue
            if "value" not in names:
                problems.append(f"{where} ({lang}): the caption must show {{value}}")
                continue
        texts[lang] = text
    return texts


def _number(
    raw: Mapping[str, Any],
    key: str,
    default: float,
    lo: float,
    hi: float,
    where: str,
    problems: list[str],
) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
        problems.append(f"{where}: {key} must be a number from {lo:g} to {hi:g}, got {value!r}")
        return default
    return float(value)


def _settings(raw: Any, where: str, problems: list[str]) -> Settings:
    if raw is None:
        return Settings()
    if not isinstance(raw, dict):
        problems.append(f"{where}: settings must be a table")
        return Settings()
    base = Settings()
    alternate = raw.get("alternate_languages", base.alternate_languages)
    if not isinstance(alternate, bool):
        problems.append(f"{where}: alternate_languages must be true or false")
        alternate = base.alternate_languages
    return Settings(
        default_duration_s=_number(
            raw, "default_duration_s", base.default_duration_s, *DURATION_RANGE, where, problems
        ),
        idle_reset_s=_number(raw, "idle_reset_s", base.idle_reset_s, 5, 3600, where, problems),
        reload_after_h=_number(
            raw, "reload_after_h", base.reload_after_h, 0.1, 168, where, problems
        ),
        refresh_s=_number(raw, "refresh_s", base.refresh_s, 5, 3600, where, problems),
        alternate_languages=alternate,
        transition_ms=int(
            _number(raw, "transition_ms", base.transition_ms, 0, 3000, where, problems)
        ),
    )


def _headline(raw: Any, where: str, problems: list[str]) -> Headline | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: a headline is a table")
        return None
    before = len(problems)
    source = raw.get("from")
    if source not in HEADLINE_SOURCES:
        problems.append(f"{where}: unknown headline source {source!r} (use {HEADLINE_SOURCES})")
    indicator, metric = raw.get("indicator"), raw.get("metric")
    measure = raw.get("measure", "effect_rel")
    if source in ("effect", "latest") and not isinstance(indicator, str):
        problems.append(f"{where}: a {source!r} headline names an indicator")
    if source == "milestone" and not (isinstance(metric, str) and metric):
        problems.append(f"{where}: a 'milestone' headline names a metric")
    if source == "effect" and measure not in EFFECT_MEASURES:
        problems.append(f"{where}: unknown measure {measure!r} (use {EFFECT_MEASURES})")
    caption = _texts(raw.get("caption"), f"{where} caption", problems, template=True)
    if len(problems) > before:
        return None
    return Headline(source, caption, indicator, metric, measure)


def _chart(raw: Any, where: str, problems: list[str]) -> Chart | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: a chart is a table")
        return None
    before = len(problems)
    kind = raw.get("kind")
    if kind not in CHART_KINDS:
        problems.append(f"{where}: unknown chart kind {kind!r} (use {CHART_KINDS})")
    indicator, metric = raw.get("indicator"), raw.get("metric")
    if kind in ("effect", "series") and not isinstance(indicator, str):
        problems.append(f"{where}: a {kind!r} chart names an indicator")
    if kind == "milestones" and not (isinstance(metric, str) and metric):
        problems.append(f"{where}: a 'milestones' chart names a metric")
    grain = raw.get("grain")
    if grain is not None and grain not in GRAINS:
        problems.append(f"{where}: unknown grain {grain!r} (use {GRAINS})")
    per_capita = raw.get("per_capita", False)
    if not isinstance(per_capita, bool):
        problems.append(f"{where}: per_capita must be true or false")
    title = None
    if raw.get("title") is not None:
        title = _texts(raw["title"], f"{where} title", problems, template=False)
    if len(problems) > before:
        return None
    return Chart(kind, indicator, metric, per_capita, grain, title)


def _slide(raw: Any, index: int, settings: Settings, problems: list[str]) -> Slide | None:
    where = f"slide {index + 1}"
    if not isinstance(raw, dict):
        problems.append(f"{where}: a slide is a table")
        return None
    kind = raw.get("kind", "project")
    slide_id = raw.get("id") or (raw.get("project") if kind == "project" else kind)
    where = f"slide {index + 1} ({slide_id})"
    before = len(problems)
    if kind not in SLIDE_KINDS:
        problems.append(f"{where}: unknown slide kind {kind!r} (use {SLIDE_KINDS})")
    if not isinstance(slide_id, str) or not slide_id.replace("_", "").replace("-", "").isalnum():
        problems.append(f"{where}: id must be letters, digits, '-' or '_'")
    duration = _number(
        raw, "duration_s", settings.default_duration_s, *DURATION_RANGE, where, problems
    )
    project = raw.get("project")
    headlines: list[Headline] = []
    charts: list[Chart] = []
    if kind == "project":
        if not isinstance(project, str) or not project:
            problems.append(f"{where}: a project slide names its project")
        for i, item in enumerate(raw.get("headline") or []):
            headlines.append(_headline(item, f"{where} headline {i + 1}", problems))
        for i, item in enumerate(raw.get("chart") or []):
            charts.append(_chart(item, f"{where} chart {i + 1}", problems))
        if not headlines:
            problems.append(f"{where}: a project slide has at least one headline")
        if not charts:
            problems.append(f"{where}: a project slide has at least one chart")
    if len(problems) > before:
        return None
    return Slide(slide_id, kind, duration, project, tuple(headlines), tuple(charts))


def parse_playlist(raw: Mapping[str, Any], name: str) -> tuple[Playlist, list[str]]:
    """A playlist from its raw mapping, without the slides that have problems, and the problems.

    File-level problems (no usable slide, bad title) raise PlaylistError at once.
    """
    problems: list[str] = []
    settings = _settings(raw.get("settings"), f"{name} settings", problems)
    title = _texts(raw.get("title"), f"{name} title", problems, template=False)
    subtitle = _texts(
        raw.get("subtitle", raw.get("title")), f"{name} subtitle", problems, template=False
    )
    year = raw.get("award_year")
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise PlaylistError(f"{name}: award_year must be a year, got {year!r}")
    if not title:
        raise PlaylistError("; ".join(problems))
    slides_raw = raw.get("slides")
    if not isinstance(slides_raw, list) or not slides_raw:
        raise PlaylistError(f"{name}: no slides (add [[slides]] tables)")
    slides = [s for i, r in enumerate(slides_raw) if (s := _slide(r, i, settings, problems))]
    seen: set[str] = set()
    unique = []
    for slide in slides:
        if slide.slide_id in seen:
            problems.append(f"{name}: slide id {slide.slide_id!r} is used twice")
            continue
        seen.add(slide.slide_id)
        unique.append(slide)
    if not unique:
        raise PlaylistError(f"{name}: no usable slide: " + "; ".join(problems))
    return Playlist(name, year, title, subtitle or title, settings, tuple(unique)), problems


def check_references(
    playlist: Playlist, projects: Collection[str], indicators: Collection[str]
) -> tuple[Playlist, list[str]]:
    """Drop the slides naming a project or indicator the registry does not know."""
    problems: list[str] = []
    kept = []
    for slide in playlist.slides:
        where = f"{playlist.name}: slide {slide.slide_id}"
        bad = []
        if slide.kind == "project" and slide.project not in projects:
            bad.append(f"{where}: unknown project {slide.project!r}")
        named = {h.indicator for h in slide.headlines} | {c.indicator for c in slide.charts}
        bad += [
            f"{where}: unknown indicator {i!r}"
            for i in sorted(named - {None})
            if i not in indicators
        ]
        problems += bad
        if not bad:
            kept.append(slide)
    if not kept:
        problems.append(f"{playlist.name}: no slide left after checking the registry")
        kept = [s for s in playlist.slides if s.kind == "title"]
    return Playlist(
        playlist.name,
        playlist.award_year,
        playlist.title,
        playlist.subtitle,
        playlist.settings,
        tuple(kept),
    ), problems


def load_playlist(
    path: Path,
    projects: Collection[str] | None = None,
    indicators: Collection[str] | None = None,
) -> tuple[Playlist, list[str]]:
    """The usable part of a playlist and the problems found (run time: skip, keep looping).

    References are checked only when `projects` and `indicators` are given (the store
    may be unreadable at that moment; the slide builders then skip what has no data).
    """
    path = Path(path)
    playlist, problems = parse_playlist(read_playlist_file(path), path.name)
    if projects is not None and indicators is not None:
        playlist, more = check_references(playlist, projects, indicators)
        problems += more
    return playlist, problems


def validate_playlist(
    path: Path, projects: Collection[str], indicators: Collection[str]
) -> Playlist:
    """The playlist, or PlaylistError naming every problem (strict: tests and checks)."""
    playlist, problems = load_playlist(path, projects, indicators)
    if problems:
        raise PlaylistError(f"{Path(path).name}: " + "; ".join(problems))
    return playlist


def fallback_playlist(year: int = 2023) -> Playlist:
    """A title-only playlist for when the playlist file itself cannot be read."""
    title = {lang: t("kiosk.fallback_title", lang) for lang in LANGS}
    return Playlist(
        "fallback",
        year,
        title,
        title,
        Settings(),
        (Slide("title", "title", Settings().default_duration_s),),
    )
