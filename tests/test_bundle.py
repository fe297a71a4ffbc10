"""The evidence bundle: a zip whose manifest parses and whose CSVs match the store."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pandas as pd
import plotly.io as pio
import pytest

from gosmart.dashboard import queries_project
from gosmart.dashboard.bundle import BundleError, build_bundle, svg_images
from tests.test_project_fixture_store import (  # noqa: F401
    DONORS,
    SEED,
    TREATED_CITY,
)


@pytest.fixture(autouse=True)
def json_figures_only(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """SVG export starts Chromium (seconds); only the SVG test pays for it."""
    if "svg" not in request.node.name:
        import gosmart.dashboard.bundle

        monkeypatch.setattr(
            gosmart.dashboard.bundle, "svg_images", lambda figs: ({}, "JSON only (test)")
        )


def _open(payload: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(payload))


def test_manifest_names_versions_method_windows_seed_and_checksums(fixture_store):
    name, payload = build_bundle("fx_transit")
    assert name == "gosmart-evidence-fx_transit-metro_ridership.zip"
    archive = _open(payload)
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["method"] == "synthetic_control"
    assert manifest["seed"] == SEED
    assert manifest["code_version"] == "fixture-code"
    assert manifest["effect_data_version"] == "fixture-data"
    assert manifest["data_version"]
    assert manifest["windows"]["launch"] == "2019-06-01"
    assert manifest["windows"]["pre_start"] == "2016-01-01"
    assert manifest["windows"]["launch_min"] == "2019-03-01"
    assert manifest["comparison_cities"] == DONORS
    for file, meta in manifest["files"].items():
        assert hashlib.sha256(archive.read(file)).hexdigest() == meta["sha256"], file
    assert {s["source_id"] for s in manifest["sources"]} >= {"fx_ridership"}


def test_series_csv_matches_the_store(fixture_store):
    archive = _open(build_bundle("fx_transit")[1])
    shipped = pd.read_csv(io.BytesIO(archive.read("series.csv")))
    stored = queries_project.series("metro_ridership", "monthly", [TREATED_CITY, *DONORS])
    assert len(shipped) == len(stored)
    assert set(shipped["city_id"]) == {TREATED_CITY, *DONORS}
    merged = shipped.assign(period_start=pd.to_datetime(shipped["period_start"])).merge(
        stored, on=["city_id", "period_start"], suffixes=("_csv", "_db")
    )
    assert len(merged) == len(stored)
    assert (merged["value_csv"] - merged["value_db"]).abs().max() < 1e-9


def test_effect_csvs_match_the_store(fixture_store):
    archive = _open(build_bundle("fx_transit")[1])
    effects = pd.read_csv(io.BytesIO(archive.read("effects.csv")))
    assert list(effects["method"]) == ["synthetic_control", "did"]
    assert effects.loc[0, "effect_avg"] == 5012.0
    path = pd.read_csv(io.BytesIO(archive.read("effect_path.csv")))
    stored = queries_project.effect_path("fx_transit", "metro_ridership", "synthetic_control")
    assert list(path["observed"]) == list(stored["observed"])
    placebos = pd.read_csv(io.BytesIO(archive.read("placebos.csv")))
    assert set(placebos["kind"]) == {"space", "time", "leave_one_out", "launch_sensitivity"}
    assert json.loads(placebos.loc[0, "path"])[0][0] == "2016-01-01"


def test_figures_ship_as_plotly_json_that_reloads(fixture_store):
    archive = _open(build_bundle("fx_transit", lang="zh")[1])
    names = [n for n in archive.namelist() if n.startswith("figures/") and n.endswith(".json")]
    assert "figures/indicator.json" in names and "figures/placebo_space.json" in names
    fig = pio.from_json(archive.read("figures/indicator.json").decode("utf-8"))
    assert "高雄市" in {tr.name for tr in fig.data}


def test_bundle_is_reproducible(fixture_store):
    assert build_bundle("fx_transit")[1] == build_bundle("fx_transit")[1]


def test_reported_only_project_bundle_holds_milestones(fixture_store):
    archive = _open(build_bundle("fx_reported")[1])
    milestones = pd.read_csv(io.BytesIO(archive.read("milestones.csv")))
    assert set(milestones["milestone_id"]) == {"m1", "m2", "m3"}
    assert milestones.set_index("milestone_id").loc["m2", "lower_bound"]
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["method"] == "descriptive"
    assert "fx_news" in {s["source_id"] for s in manifest["sources"]}


def test_unknown_project_or_indicator_is_a_clear_error(fixture_store):
    with pytest.raises(BundleError, match="unknown project 'nope'"):
        build_bundle("nope")
    with pytest.raises(BundleError, match="has no indicator 'pm25'"):
        build_bundle("fx_transit", "pm25")


def test_svg_export_when_kaleido_is_available(fixture_store):
    pytest.importorskip("kaleido", reason="kaleido not installed: figures ship as Plotly JSON")
    import plotly.graph_objects as go

    svgs, why_not = svg_images({"one": go.Figure(go.Scatter(x=[1, 2], y=[2, 1]))})
    assert why_not == "" and svgs["one"].lstrip().startswith(b"<svg")
