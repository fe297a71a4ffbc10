"""The kiosk without a browser: the shipped playlist, bad playlists, timing, QR links, figures.

The playlist file's header points here: run this after editing it. Slide content is
built from a real DuckDB store loaded from the bundled snapshot.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from gosmart import cli
from gosmart.dashboard import urlstate
from gosmart.dashboard.kiosk import content, figures, locator, qr
from gosmart.dashboard.kiosk.playlist import (
    DEFAULT_PLAYLIST,
    PlaylistError,
    load_playlist,
    parse_playlist,
    playlist_path,
    validate_playlist,
)
from gosmart.dashboard.kiosk.timing import MIN_DWELL_MS, timing
from gosmart.registry import list_projects, read_csv_rows
from gosmart.resources import REGISTRY_DIR, SNAPSHOT_DIR
from tests.conftest import use_store

SHIPPED = playlist_path(DEFAULT_PLAYLIST)
PUBLIC = "https://kiosk.example.org/booth/"


def _registry() -> tuple[set[str], set[str]]:
    projects = {p["project_id"] for p in list_projects()}
    indicators = {
        r["indicator_id"] for r in read_csv_rows(REGISTRY_DIR / "indicators.csv", ["indicator_id"])
    }
    return projects, indicators


# -- the shipped playlist ---------------------------------------------------------------------


def test_shipped_playlist_is_valid_and_names_the_2023_winners() -> None:
    playlist = validate_playlist(SHIPPED, *_registry())
    assert playlist.slides[0].kind == "title"
    years = {p["project_id"]: p["award_year"] for p in list_projects()}
    shown = [s.project for s in playlist.slides if s.kind == "project"]
    assert shown and all(years[p] == playlist.award_year == 2023 for p in shown)
    assert len(set(shown)) == len(shown)
    for slide in playlist.slides:
        for headline in slide.headlines:
            assert set(headline.caption) == {"en", "zh"}


# -- bad playlists give one clear error each -------------------------------------------------

GOOD = """
award_year = 2023
title.en = "Winners"
title.zh = "得主"

[[slides]]
kind = "title"

[[slides]]
project = "mengo"

[[slides.headline]]
from = "milestone"
metric = "passes_sold_cumulative"
caption.en = "Passes sold by {as_of}: {value}"
caption.zh = "至 {as_of} 售出：{value}"

[[slides.chart]]
kind = "series"
indicator = "metro_ridership"
"""

BAD = [
    ('caption.zh = "至 {as_of} 售出：{value}"\n', "", "missing the 'zh' text"),
    ("{as_of}: {value}", "{when}: {value}", "unknown placeholder(s) ['when']"),
    ("{as_of}: {value}", "{as_of}", "the caption must show {value}"),
    ("{as_of}: {value}", "{value:,.0f}", "no format specs"),
    ('kind = "series"', 'kind = "pie"', "unknown chart kind 'pie'"),
    ('from = "milestone"', 'from = "rumour"', "unknown headline source 'rumour'"),
    ('project = "mengo"', 'project = "mengo"\nduration_s = 0.5', "duration_s must be a number"),
    ('project = "mengo"', 'project = "atlantis"', "unknown project 'atlantis'"),
    ('indicator = "metro_ridership"', 'indicator = "unicorns"', "unknown indicator 'unicorns'"),
    (
        'kind = "title"',
        'kind = "title"\nid = "x"\n[[slides]]\nkind = "title"\nid = "x"',
        "'x' is used twice",
    ),
    ("award_year = 2023", 'award_year = "soon"', "award_year must be a year"),
    (
        'title.zh = "得主"',
        'title.zh = "得主"\n[settings]\nidle_reset_s = 1',
        "idle_reset_s must be",
    ),
    (
        'title.zh = "得主"',
        'title.zh = "得主"\n[settings]\nalternate_languages = "yes"',
        "true or false",
    ),
    ("[[slides]]\nkind", "[[slides]\nkind", "cannot read playlist"),
]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "playlist_test.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_good_example_is_valid(tmp_path: Path) -> None:
    playlist = validate_playlist(_write(tmp_path, GOOD), *_registry())
    assert [s.slide_id for s in playlist.slides] == ["title", "mengo"]


@pytest.mark.parametrize(("old", "new", "message"), BAD, ids=[b[2][:30] for b in BAD])
def test_a_bad_playlist_names_its_problem(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in GOOD
    path = _write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(PlaylistError) as caught:
        validate_playlist(path, *_registry())
    assert message in str(caught.value)
    assert "\n" not in str(caught.value).strip()


def test_no_slides_at_all_is_an_error_at_once() -> None:
    with pytest.raises(PlaylistError, match="no slides"):
        parse_playlist({"award_year": 2023, "title": {"en": "a", "zh": "b"}}, "empty")


def test_at_run_time_a_bad_slide_is_skipped_and_the_rest_plays(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace('kind = "series"', 'kind = "pie"'))
    playlist, problems = load_playlist(path, *_registry())
    assert [s.slide_id for s in playlist.slides] == ["title"]
    assert any("unknown chart kind 'pie'" in p for p in problems)


def test_gosmart_kiosk_refuses_a_bad_playlist_or_public_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOSMART_KIOSK_PLAYLIST", "")
    monkeypatch.setenv("GOSMART_PUBLIC_URL", "")
    db = ["--db", str(tmp_path / "none.duckdb")]
    assert cli.main([*db, "kiosk", "--playlist", "no_such_playlist"]) == 2
    assert "no playlist named 'no_such_playlist'" in capsys.readouterr().err
    broken = _write(tmp_path, GOOD.replace("[[slides]]\nkind", "[[slides]\nkind"))
    assert cli.main([*db, "kiosk", "--playlist", str(broken)]) == 2
    assert "cannot read playlist" in capsys.readouterr().err
    assert cli.main([*db, "kiosk", "--public-url", "kiosk.example.org"]) == 2
    assert "--public-url" in capsys.readouterr().err
    assert not (tmp_path / "none.duckdb").exists(), "refused before building a store"


# -- timing: `speed` is the one way to accelerate ---------------------------------------------


def test_speed_divides_every_duration_and_cycle_overrides_the_playlist() -> None:
    playlist = load_playlist(SHIPPED)[0]
    real = timing(playlist, {"speed": 1, "cycle": "auto"})
    fast = timing(playlist, {"speed": 10, "cycle": "off"})
    assert real.dwell_ms == tuple(int(s.duration_s * 1000) for s in playlist.slides)
    assert fast.dwell_ms == tuple(d // 10 for d in real.dwell_ms)
    assert fast.idle_ms == real.idle_ms // 10 and fast.refresh_ms == real.refresh_ms // 10
    assert fast.reload_ms == real.reload_ms // 10
    assert real.alternate_languages is playlist.settings.alternate_languages is True
    assert fast.alternate_languages is False
    assert min(timing(playlist, {"speed": 3600}).dwell_ms) == MIN_DWELL_MS
    assert fast.transition_ms <= min(fast.dwell_ms) // 3


# -- slide content on a real store: QR links, figures, the locator map ------------------------


@pytest.fixture(scope="module")
def snapshot_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from gosmart.snapshot import load_snapshot

    db = tmp_path_factory.mktemp("kiosk") / "gosmart.duckdb"
    load_snapshot(SNAPSHOT_DIR, db)
    return db


@pytest.fixture
def store(snapshot_store: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """GOSMART_DB on the snapshot store, QR codes on PUBLIC, every page's URL view declared."""
    from tests.dash_pages import page_module

    page_module("project")  # the app's pages declare their URL fields (project: ind, pc)
    use_store(monkeypatch, snapshot_store, public_url=PUBLIC)
    return snapshot_store


def _slide(slide_id: str):  # noqa: ANN202 - a playlist Slide
    playlist = load_playlist(SHIPPED)[0]
    return playlist, next(s for s in playlist.slides if s.slide_id == slide_id)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_qr_encodes_the_project_page_from_the_url_state_serialiser(
    store: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    import segno

    encoded: list[str] = []
    real_make = segno.make
    monkeypatch.setattr(
        qr.segno, "make", lambda text, **kw: encoded.append(text) or real_make(text, **kw)
    )
    qr.qr_data_uri.cache_clear()
    playlist, slide = _slide("ntpc_hrf")
    found = content.build_slide(playlist, slide, lang, qr.public_base("http://10.0.0.5:8050/"))

    state = {"lang": lang, "ind": "child_protection_records"}  # its first chart's indicator
    expected = urljoin(PUBLIC, urlstate.href("/project/ntpc_hrf", "project", state).lstrip("/"))
    assert found["qr_url"] == expected
    assert encoded == [expected], "segno must encode exactly the serialised URL"
    assert found["qr"].startswith("data:image/svg+xml")
    parts = urlsplit(expected)
    assert f"{parts.scheme}://{parts.netloc}/" == "https://kiosk.example.org/"
    assert parts.path == "/booth/project/ntpc_hrf"
    decoded, notices = urlstate.decode("project", urlstate.parse_query(parts.query))
    assert notices == [] and decoded == {**state, "pc": False}


def test_title_qr_opens_the_showcase_and_the_base_falls_back_to_the_screen_host(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    playlist, slide = _slide("title")
    found = content.build_slide(playlist, slide, "zh", qr.public_base(None))
    assert found["qr_url"] == PUBLIC + "?v=1&lang=zh"
    use_store(monkeypatch, store, public_url="kiosk.example.org")  # no scheme: ignored
    assert qr.public_base("http://10.0.0.5:8050/") == "http://10.0.0.5:8050/"
    use_store(monkeypatch, store)
    assert qr.public_base("http://10.0.0.5:8050") == "http://10.0.0.5:8050/"


def test_project_slide_has_figure_label_chart_with_launch_and_map(store: Path) -> None:
    playlist, slide = _slide("ntpc_hrf")
    found = content.build_slide(playlist, slide, "en", PUBLIC)
    headline = found["headline"]
    assert headline["label"] and headline["badge"].startswith(("level-", "reported"))
    assert any(kind in ("value", "verdict") for kind, _ in headline["caption"])
    layout = found["chart"]["figure"]["layout"]
    launch = [s for s in layout["shapes"] if s["type"] == "line"]
    assert len(launch) == 1
    # the time axis ends at the data, not years later (plotly widens it for labels)
    assert str(layout["xaxis"]["range"][1]) < "2024-06-01"
    assert found["map"]["data"], "no locator map"


def test_locator_shows_all_of_taiwan_around_new_taipei_and_rings_small_cities(
    store: Path,
) -> None:
    from gosmart.dashboard.kiosk import data

    ntpc = locator.locate(data.project("ntpc_hrf"))
    assert ntpc is not None and ntpc.target
    assert ntpc.lat_range[0] < 22.0, "the south of Taiwan is cut off"
    assert ntpc.lat_range[0] <= ntpc.centre[1] <= ntpc.lat_range[1]
    ring = [t for t in figures.map_figure(ntpc)["data"] if t.get("mode") == "markers"]
    assert ring and ring[0]["marker"]["symbol"] == "circle-open"
    jds = locator.locate(data.project("jds"))
    assert [t for t in figures.map_figure(jds)["data"] if t.get("mode") == "markers"] == []


def test_value_axis_reads_in_the_visitors_numbers(store: Path) -> None:
    """Chinese slides count large numbers in 萬 on the axis too, as their captions do."""
    playlist, slide = _slide("mengo")
    zh = content.build_slide(playlist, slide, "zh", PUBLIC)["chart"]["figure"]["layout"]["yaxis"]
    en = content.build_slide(playlist, slide, "en", PUBLIC)["chart"]["figure"]["layout"]["yaxis"]
    assert zh["tickvals"] == en["tickvals"] and len(zh["tickvals"]) >= 2
    assert any(text.endswith("萬") for text in zh["ticktext"]), zh["ticktext"]
    assert not any("萬" in text or text.endswith("k") for text in en["ticktext"]), en["ticktext"]
    assert figures.nice_ticks(0, 31.5) == [0, 10, 20, 30, 40]
    assert figures.nice_ticks(-3, 12) == [-5, 0, 5, 10, 15]
    assert figures.nice_ticks(5, 5) == []


def test_effect_chart_names_the_unit_the_engine_estimated_on(store: Path) -> None:
    """New Taipei's effect is estimated per 10,000 residents: the axis must say so."""
    playlist, slide = _slide("ntpc_hrf")
    for lang, unit in (("en", "records per 10,000 residents"), ("zh", "件（每 1 萬人）")):
        yaxis = content.build_slide(playlist, slide, lang, PUBLIC)["chart"]["figure"]["layout"][
            "yaxis"
        ]
        assert unit in yaxis["title"]["text"], yaxis["title"]["text"]
