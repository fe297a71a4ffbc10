"""Project evidence page as a plain function on the synthetic fixture store."""

from __future__ import annotations

import base64
import io
import json
import shutil
import zipfile
from datetime import date

from gosmart.resources import read_sql
from tests.conftest import use_store
from tests.test_project_fixture_store import (  # noqa: F401
    find_by_id,
    find_ids,
    page_module,
    texts,
)

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


def test_unknown_project_is_a_friendly_not_found(fixture_store):
    for bad in ("nope", "../../etc/passwd", "<script>", None):
        page = project.layout(project_id=bad, lang="zh")
        assert page.id == "project-not-found"
        assert "找不到此專案" in texts(page)


def test_every_section_renders_without_error_panels(fixture_store):
    page = project.layout(project_id="fx_transit")
    assert SECTIONS <= find_ids(page)
    words = texts(page)
    assert "This panel could not be drawn. The rest of the page still works." not in words
    assert "First paragraph of a synthetic story." in words
    assert "Second paragraph of it." in words
    effect = " ".join(texts(find_by_id(page, "project-effect")))
    assert "+5,012 (95% interval +3,100 to +6,900)" in effect
    assert "Synthetic control" in effect and "2 of 2 methods agree on direction" in effect
    assert "permutation test; the smallest p-value it can give is 0.25" in effect
    assert "0.01 (cluster-robust standard errors)" in effect  # a kind named by a code
    assert {
        "project-placebo-space",
        "project-placebo-time",
        "project-placebo-leave_one_out",
        "project-placebo-launch_sensitivity",
    } <= find_ids(page)


def test_effect_card_numbers_share_three_significant_digits_and_their_sign(fixture_store):
    effect = {"effect_avg": -7.837, "effect_avg_lo": -16.43, "effect_avg_hi": 0.7561}
    assert project._effect_interval(effect, "en") == "−7.84 (95% interval −16.4 to +0.756)"
    assert project._fmt(812.04) == "812" and project._fmt(float("nan")) == "–"


def test_router_caches_a_page_until_the_data_version_changes(
    fixture_store_file, tmp_path, monkeypatch
):
    from gosmart.dashboard.app import create_app
    from gosmart.store import writing
    from tests.dash_requests import CALLBACK_ROUTE, router_body

    db = tmp_path / "gosmart.duckdb"
    shutil.copyfile(fixture_store_file, db)
    client = create_app(use_store(monkeypatch, db)).server.test_client()

    def render() -> str:
        response = client.post(CALLBACK_ROUTE, json=router_body("/project/fx_transit", ""))
        assert response.status_code == 200
        return response.get_data(as_text=True)

    first = render()
    assert "project-effect-graph" in first and render() == first
    with writing(db) as con:
        con.execute(
            "UPDATE project SET name_en = 'Renamed in a new version' WHERE project_id = ?",
            ["fx_transit"],
        )
    after = render()
    assert "Renamed in a new version" in after and "Renamed in a new version" not in first


def test_router_without_a_store_shows_the_notice(tmp_path, monkeypatch):
    from gosmart.dashboard.app import create_app
    from tests.dash_requests import CALLBACK_ROUTE, router_body

    settings = use_store(monkeypatch, tmp_path / "missing.duckdb")
    client = create_app(settings).server.test_client()
    for path in ("/", "/project/fx_transit"):
        response = client.post(CALLBACK_ROUTE, json=router_body(path, ""))
        assert response.status_code == 200, path


def test_data_quality_shows_gaps_and_breaks(fixture_store):
    quality = texts(find_by_id(project.layout(project_id="fx_transit"), "project-quality"))
    assert "Tainan City" in quality and "2" in quality
    assert any("Event fx_break" in x for x in quality)


def test_data_quality_lists_the_project_city_first(fixture_store):
    """fx_old is Taipei's (TW-TPE), which sorts after Tainan (TW-TNN) by id; judges read it
    first, marked."""
    section = find_by_id(project.layout(project_id="fx_old"), "project-quality")
    body = next(iter(_all(section, lambda c: type(c).__name__ == "Tbody")))
    first, *others = body.children
    assert texts(first)[0] == "Taipei City" and first.className == "own-city"
    assert [texts(row)[0] for row in others][:1] == ["Tainan City"]
    assert all(row.className is None for row in others)


def _all(component, keep):
    """Every component in a tree that `keep` accepts, depth first."""
    if isinstance(component, list | tuple):
        for child in component:
            yield from _all(child, keep)
    elif component is not None and hasattr(component, "children"):
        if keep(component):
            yield component
        yield from _all(component.children, keep)


def test_reported_only_project_shows_label_milestones_and_sources(fixture_store):
    page = project.layout(project_id="fx_reported", lang="en")
    effect = texts(find_by_id(page, "project-effect"))
    assert "Reported figures only" in effect
    milestones = texts(find_by_id(page, "project-milestones"))
    assert "≥ 1,180,000 members" in milestones and "reported" in milestones
    assert "project-milestone-graph" in find_ids(page)
    assert "Synthetic News" in texts(find_by_id(page, "project-sources"))


def test_indicator_choice_and_hostile_values(fixture_store):
    page = project.layout(project_id="fx_transit", ind="lrt_ridership")
    assert "No official data for this indicator yet" in " ".join(
        texts(find_by_id(page, "project-indicator"))
    )
    hostile = project.layout(project_id="fx_transit", ind="population", pc="2", v="x")
    words = " ".join(texts(hostile))
    assert "reset" in words and "ind" in words and "pc" in words
    assert "project-indicator-graph" in find_ids(hostile)


def test_language_changes_page_text(fixture_store):
    zh = texts(project.layout(project_id="fx_transit", lang="zh"))
    assert "成效" in zh and "測試交通月票" in zh


def test_bundle_callback_returns_a_zip(fixture_store, monkeypatch):
    import gosmart.dashboard.bundle

    monkeypatch.setattr(
        gosmart.dashboard.bundle, "svg_images", lambda figs: ({}, "JSON only (test)")
    )
    state = {"project_id": "fx_transit", "ind": "metro_ridership", "pc": False, "lang": "en"}
    data, status = project.bundle_download(1, state)
    assert data["filename"] == "gosmart-evidence-fx_transit-metro_ridership.zip"
    archive = zipfile.ZipFile(io.BytesIO(base64.b64decode(data["content"])))
    assert json.loads(archive.read("manifest.json"))["project_id"] == "fx_transit"
    assert "Downloaded" in status


def test_bundle_callback_with_hostile_state_reports_failure(fixture_store):
    data, status = project.bundle_download(1, {"project_id": "'; DROP TABLE x; --"})
    assert status == "The bundle could not be built. Please try again."
    data, status = project.bundle_download(1, "not a dict")
    assert "could not be built" in status


def test_a_figure_in_two_reported_files_is_listed_once(fixture_store_file, tmp_path):
    """The same value, unit, page and month from two reported sources is one figure: the
    page, bundle and API list it once (notes of both kept), and so does the engine."""
    import duckdb

    from gosmart.dashboard.data import ReadOnlyStore
    from gosmart.store import insert_rows, writing

    path = tmp_path / "gosmart.duckdb"
    shutil.copy(fixture_store_file, path)
    with writing(path) as con:
        con.execute("UPDATE milestone SET note = 'first file' WHERE milestone_id = 'm1'")
        insert_rows(
            con,
            "milestone",
            [
                {
                    "milestone_id": "m1-again",
                    "project_id": "fx_reported",
                    "as_of": "2024-01",  # the same month, less precise
                    "as_of_date": date(2024, 1, 1),
                    "metric": "fx_members",
                    "value": 860_000.0,
                    "unit": "members",
                    "value_as_reported": "860,000",
                    "lower_bound": False,
                    "reported_by": "Synthetic News",
                    "url": "https://example.org/news/m1",
                    "note": "second file",
                    "source_id": "fx_news",
                }
            ],
        )
    rows = ReadOnlyStore(path).fetch("milestone_project", ["fx_reported"])
    assert sorted(rows["milestone_id"]) == ["m1", "m2", "m3"]
    kept = rows.set_index("milestone_id").loc["m1"]
    assert kept["as_of"] == "2024-01-31" and kept["note"] == "first file · second file"
    sql = read_sql("gosmart.evidence", "milestones")
    with duckdb.connect(str(path), read_only=True) as con:
        figures = [r for r in con.execute(sql).fetchall() if r[0] == "fx_reported"]
    assert len(figures) == 3


def test_a_render_that_showed_a_failure_notice_is_not_cached(fixture_store):
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
