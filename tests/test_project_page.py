"""Project evidence page as a plain function on the built store: it shows what the store holds."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import zipfile

from gosmart.dashboard import verdict as vd
from gosmart.dashboard.bundle import load_view
from gosmart.dashboard.i18n import t
from gosmart.formats import period
from gosmart.resources import read_sql
from tests.conftest import use_store
from tests.dash_pages import find_all, find_by_id, find_ids, page_module, texts
from tests.store_builder import (
    AIR,
    FAMILY,
    GAP_YEARS,
    METRO,
    METRO_COMPARISON,
    METRO_GAP_MONTHS,
    OLD,
    OLD_CITY,
    OLD_COMPARISONS,
    PAYMENTS_GROUP,
    REPORTED,
    ingest,
)
from tests.store_files import rows

project = page_module("project")

SECTIONS = {
    "project-indicator",
    "project-effect",
    "project-placebos",
    "project-quality",
    "project-milestones",
    "project-sources",
    "project-bundle",
}
PRIMARY = "SELECT * FROM effect WHERE project_id = ? AND is_primary"
PROJECT = "SELECT * FROM project WHERE project_id = ?"
CITY_NAME = "SELECT name_en FROM city WHERE city_id = ?"


def _city(store, city_id: str) -> str:
    return rows(store, CITY_NAME, [city_id])[0]["name_en"]


def _close(text: str, stored: float) -> bool:
    """A number printed with three significant digits is the stored one, rounded."""
    shown = float(text.replace(",", "").replace("−", "-"))
    return abs(shown - stored) <= 0.005 * abs(stored) + 1e-12


def test_unknown_project_is_a_friendly_not_found(dashboard_store):
    for bad in ("nope", "../../etc/passwd", "<script>", None):
        page = project.layout(project_id=bad, lang="zh")
        assert page.id == "project-not-found"
        assert "找不到此專案" in texts(page)


def test_every_section_renders_what_the_store_holds(dashboard_store):
    (primary,) = rows(dashboard_store, PRIMARY, [AIR])
    (stored,) = rows(dashboard_store, PROJECT, [AIR])
    page = project.layout(project_id=AIR)
    assert SECTIONS <= find_ids(page)
    words = texts(page)
    assert "This panel could not be drawn. The rest of the page still works." not in words
    paragraphs = [p for p in stored["story_en"].split("\n\n") if p.strip()]
    assert len(paragraphs) == 2 and all(p in words for p in paragraphs)
    effect = " ".join(texts(find_by_id(page, "project-effect")))
    found = re.search(r"(\S+) \(95% interval (\S+) to (\S+)\)", effect)
    assert found, effect
    columns = ("effect_avg", "effect_avg_lo", "effect_avg_hi")
    for shown, column in zip(found.groups(), columns, strict=True):
        assert _close(shown, primary[column]), (shown, column, primary[column])
    assert t(f"project.method_{primary['method']}", "en") in effect
    assert primary["agreement"] in effect and vd.p_value_kind(primary, "en") in effect
    assert f"Evidence level {primary['evidence_level']} of 5" in effect
    kinds = {r["kind"] for r in rows(dashboard_store, "SELECT kind FROM placebo WHERE "
             "project_id = ? AND method = ?", [AIR, primary["method"]])}  # fmt: skip
    assert {"space", "time", "launch_sensitivity"} <= kinds
    shown = {i for i in find_ids(page) if i.startswith("project-placebo-")}
    assert shown == {f"project-placebo-{k}" for k in kinds}  # the primary method's, no other


def test_effect_card_caveats_come_from_the_engine_in_the_page_language(dashboard_store):
    """The engine's caveats (events by id, the log scale) read in either language."""
    (primary,) = rows(dashboard_store, PRIMARY, [FAMILY])
    caveats = json.loads(primary["details"])["caveats"]
    labels = rows(dashboard_store, "SELECT event_id, label_en, label_zh FROM event")
    label = {r["event_id"]: r for r in labels}
    named = [c["event_id"] for key in ("confounders", "data_breaks") for c in caveats[key]]
    assert "fx_covid" in named and "fx_break2019" in named
    for lang in ("en", "zh"):
        card = " ".join(texts(find_by_id(project.layout(project_id=FAMILY, lang=lang),
                                         "project-effect")))  # fmt: skip
        assert all(label[e][f"label_{lang}"] in card for e in named), lang
    card = " ".join(texts(find_by_id(project.layout(project_id=FAMILY), "project-effect")))
    assert "Estimated on the log scale because of a data break" in card


def test_effect_card_numbers_share_three_significant_digits_and_their_sign():
    effect = {"effect_avg": -7.837, "effect_avg_lo": -16.43, "effect_avg_hi": 0.7561}
    assert project._effect_interval(effect, "en") == "−7.84 (95% interval −16.4 to +0.756)"
    assert project._fmt(812.04) == "812" and project._fmt(float("nan")) == "–"


def test_router_caches_a_page_until_the_data_version_changes(
    world, store_copy, tmp_path, monkeypatch
):
    """A renamed project reaches the page the way it would in production: the registry
    file is edited and `gosmart ingest` runs again."""
    from gosmart.dashboard.app import create_app
    from tests.dash_requests import CALLBACK_ROUTE, router_body

    client = create_app(use_store(monkeypatch, store_copy)).server.test_client()

    def render() -> str:
        response = client.post(CALLBACK_ROUTE, json=router_body(f"/project/{METRO}", ""))
        assert response.status_code == 200
        return response.get_data(as_text=True)

    first = render()
    assert "project-effect-graph" in first and render() == first
    registry = tmp_path / "registry"
    shutil.copytree(world.registry, registry)
    (toml,) = registry.glob(f"projects/*/{METRO}.toml")
    (stored,) = rows(store_copy, PROJECT, [METRO])
    toml.write_text(
        toml.read_text(encoding="utf-8").replace(
            json.dumps(stored["name_en"]), '"Renamed in a new version"'
        ),
        encoding="utf-8",
    )
    ingest(world, store_copy, sources=["tw_household_population"], registry=registry)
    after = render()
    assert "Renamed in a new version" in after and "Renamed in a new version" not in first


def test_router_without_a_store_shows_the_notice(tmp_path, monkeypatch):
    from gosmart.dashboard.app import create_app
    from tests.dash_requests import CALLBACK_ROUTE, router_body

    settings = use_store(monkeypatch, tmp_path / "missing.duckdb")
    client = create_app(settings).server.test_client()
    for path in ("/", f"/project/{METRO}"):
        response = client.post(CALLBACK_ROUTE, json=router_body(path, ""))
        assert response.status_code == 200, path


def _quality_rows(project_id: str) -> list:
    section = find_by_id(project.layout(project_id=project_id), "project-quality")
    body = next(iter(find_all(section, lambda c: type(c).__name__ == "Tbody")))
    return body.children


def test_data_quality_shows_gaps_and_breaks(dashboard_store):
    by_city = {texts(row)[0]: texts(row) for row in _quality_rows(METRO)}
    taipei = by_city[_city(dashboard_store, METRO_COMPARISON)]
    assert taipei[3] == str(len(METRO_GAP_MONTHS))  # city, span, present, missing, coverage
    quality = texts(find_by_id(project.layout(project_id=METRO), "project-quality"))
    (brk,) = rows(dashboard_store, "SELECT * FROM event WHERE event_id = 'fx_break'")
    grain = load_view(METRO).indicator["grain"]  # a break reads at the series' grain
    assert any(f"{period(brk['date_start'], grain)}: {brk['label_en']}" in x for x in quality)


def test_data_quality_lists_the_project_city_first(dashboard_store):
    """fx_old is Taipei's (TW-TPE), which sorts after its comparisons by id; judges read it
    first, marked. Tainan's years without records show as missing periods."""
    first, *others = _quality_rows(OLD)
    assert texts(first)[0] == _city(dashboard_store, OLD_CITY) and first.className == "own-city"
    names = [_city(dashboard_store, c) for c in sorted(OLD_COMPARISONS)]
    assert [texts(row)[0] for row in others] == names
    assert all(row.className is None for row in others)
    tainan = next(texts(r) for r in others if texts(r)[0] == _city(dashboard_store, "TW-TNN"))
    assert tainan[3] == str(len(GAP_YEARS["TW-TNN"]))


def test_reported_only_project_shows_label_milestones_and_sources(dashboard_store):
    page = project.layout(project_id=REPORTED, lang="en")
    effect = texts(find_by_id(page, "project-effect"))
    assert "Reported figures only" in effect
    (descriptive,) = rows(dashboard_store, PRIMARY, [REPORTED])
    assert descriptive["reason"] in effect  # the engine's own words on why there is no effect
    milestones = " ".join(texts(find_by_id(page, "project-milestones")))
    stored = rows(dashboard_store, "SELECT * FROM milestone WHERE project_id = ?", [REPORTED])
    lower = [m for m in stored if m["lower_bound"]]
    assert lower, "the world has a lower-bound figure"
    for m in lower:
        assert f"≥ {m['value']:,.0f} {m['unit']}" in milestones
    assert "reported" in milestones
    assert "project-milestone-graph" in find_ids(page)
    sources = " ".join(texts(find_by_id(page, "project-sources")))
    publishers = rows(
        dashboard_store,
        "SELECT DISTINCT s.publisher, s.title FROM milestone m JOIN source s USING (source_id) "
        "WHERE m.project_id = ?",
        [REPORTED],
    )
    assert publishers and all(p["publisher"] in sources and p["title"] in sources
                              for p in publishers)  # fmt: skip


def test_indicator_choice_and_hostile_values(dashboard_store):
    page = project.layout(project_id=METRO, ind="lrt_ridership")
    assert "No official data for this indicator yet" in " ".join(
        texts(find_by_id(page, "project-indicator"))
    )
    hostile = project.layout(project_id=METRO, ind="population", pc="2", v="x")
    words = " ".join(texts(hostile))
    assert "reset" in words and "ind" in words and "pc" in words
    assert "project-indicator-graph" in find_ids(hostile)


def test_language_changes_page_text(dashboard_store):
    (stored,) = rows(dashboard_store, PROJECT, [METRO])
    zh = texts(project.layout(project_id=METRO, lang="zh"))
    assert "成效" in zh and stored["name_zh"] in zh


def test_bundle_callback_returns_a_zip(dashboard_store, monkeypatch):
    import gosmart.dashboard.bundle

    monkeypatch.setattr(
        gosmart.dashboard.bundle, "svg_images", lambda figs: ({}, "JSON only (test)")
    )
    state = {"project_id": METRO, "ind": "metro_ridership", "pc": False, "lang": "en"}
    data, status = project.bundle_download(1, state)
    assert data["filename"] == f"gosmart-evidence-{METRO}-metro_ridership.zip"
    archive = zipfile.ZipFile(io.BytesIO(base64.b64decode(data["content"])))
    assert json.loads(archive.read("manifest.json"))["project_id"] == METRO
    assert "Downloaded" in status


def test_bundle_callback_with_hostile_state_reports_failure(dashboard_store):
    data, status = project.bundle_download(1, {"project_id": "'; DROP TABLE x; --"})
    assert status == "The bundle could not be built. Please try again."
    data, status = project.bundle_download(1, "not a dict")
    assert "could not be built" in status


def test_a_figure_in_two_reported_files_is_listed_once(dashboard_store):
    """The same value, unit, page and month from two reported sources (the award CSV and a
    news file) is one figure: the page, bundle and API list it once (notes of both kept,
    the more precise date), and so does the engine. Distinct figures stay apart."""
    import duckdb

    from gosmart.dashboard.data import ReadOnlyStore

    store = ReadOnlyStore(dashboard_store)
    both = rows(dashboard_store, "SELECT * FROM milestone WHERE project_id = ?", [PAYMENTS_GROUP])
    assert len({m["source_id"] for m in both}) == 2 and len({m["value"] for m in both}) == 1
    (kept,) = store.fetch("milestone_project", [PAYMENTS_GROUP]).to_dict("records")
    assert kept["as_of"] == max((m["as_of"] for m in both), key=len)
    parts = [
        p.strip() for m in sorted(both, key=lambda m: m["source_id"]) for p in m["note"].split(";")
    ]
    assert kept["note"] == "; ".join(dict.fromkeys(parts))
    assert kept["reported_by"] == next(m["reported_by"] for m in both if m["reported_by"])
    distinct = rows(dashboard_store, "SELECT * FROM milestone WHERE project_id = ?", [REPORTED])
    assert len(store.fetch("milestone_project", [REPORTED])) == len(distinct)
    sql = read_sql("gosmart.evidence", "milestones")
    with duckdb.connect(str(dashboard_store), read_only=True) as con:
        figures = [r[0] for r in con.execute(sql).fetchall()]
    assert figures.count(PAYMENTS_GROUP) == 1 and figures.count(REPORTED) == len(distinct)


def test_a_render_that_showed_a_failure_notice_is_not_cached(dashboard_store):
    """Pages are cached per data version, except a render where a part failed: the next
    request tries again. The failure is a flag set by the notice, not a text search."""
    from dash import html

    from gosmart.dashboard.app import cached_layout
    from gosmart.dashboard.components import failure_notice

    calls: list[int] = []

    def flaky(**_query: str) -> html.Div:
        calls.append(1)
        return html.Div(failure_notice("en") if len(calls) == 1 else "fine")

    render = cached_layout("probe.flaky", "showcase", flaky)
    assert "notice" in str(render())
    assert "fine" in str(render()) and len(calls) == 2
    render()
    assert len(calls) == 2, "a good render is cached"
