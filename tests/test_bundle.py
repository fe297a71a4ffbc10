"""The evidence bundle: a zip whose manifest parses and whose CSVs match the store."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pandas as pd
import plotly.io as pio
import pytest

from gosmart import code_version
from gosmart.dashboard import queries_project
from gosmart.dashboard.bundle import BundleError, build_bundle, svg_images
from tests.store_builder import FAMILY, METRO, METRO_CITY, METRO_COMPARISON, REPORTED
from tests.store_files import rows

PRIMARY = "SELECT * FROM effect WHERE project_id = ? AND indicator_id = ? AND is_primary"


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


def test_manifest_names_versions_method_windows_seed_and_checksums(dashboard_store):
    name, payload = build_bundle(METRO)
    assert name == f"gosmart-evidence-{METRO}-metro_ridership.zip"
    archive = _open(payload)
    manifest = json.loads(archive.read("manifest.json"))
    (primary,) = rows(dashboard_store, PRIMARY, [METRO, "metro_ridership"])
    (project,) = rows(dashboard_store, "SELECT * FROM project WHERE project_id = ?", [METRO])
    meta = dict(
        (r["key"], r["value"]) for r in rows(dashboard_store, "SELECT key, value FROM meta")
    )
    assert manifest["method"] == primary["method"]
    assert manifest["seed"] == primary["seed"]
    assert manifest["code_version"] == primary["code_version"] == code_version()
    assert manifest["effect_data_version"] == primary["data_version"]
    assert primary["data_version"] == meta["evidence_input_version"]  # what it was run on
    assert manifest["data_version"] == meta["data_version"]
    windows = manifest["windows"]
    assert windows["launch"] == f"{project['launch_date']}"
    assert windows["launch_min"] == f"{project['launch_date_min']}"
    assert windows["pre_start"] == f"{primary['pre_start']}"
    assert windows["post_end"] == f"{primary['post_end']}"
    assert manifest["comparison_cities"] == [METRO_COMPARISON]
    for file, meta_ in manifest["files"].items():
        assert hashlib.sha256(archive.read(file)).hexdigest() == meta_["sha256"], file
    shown = rows(
        dashboard_store,
        "SELECT DISTINCT source_id FROM indicator_value WHERE indicator_id = 'metro_ridership' "
        "AND grain = 'monthly' AND city_id IN (?, ?)",
        [METRO_CITY, METRO_COMPARISON],
    )
    assert {s["source_id"] for s in manifest["sources"]} >= {r["source_id"] for r in shown}


def test_series_csv_matches_the_store(dashboard_store):
    archive = _open(build_bundle(METRO)[1])
    shipped = pd.read_csv(io.BytesIO(archive.read("series.csv")))
    cities = [METRO_CITY, METRO_COMPARISON]
    stored = queries_project.series("metro_ridership", "monthly", cities)
    assert len(shipped) == len(stored)
    assert set(shipped["city_id"]) == set(cities)
    merged = shipped.assign(period_start=pd.to_datetime(shipped["period_start"])).merge(
        stored, on=["city_id", "period_start"], suffixes=("_csv", "_db")
    )
    assert len(merged) == len(stored)
    assert (merged["value_csv"] - merged["value_db"]).abs().max() < 1e-9


def test_effect_csvs_match_the_store(dashboard_store):
    archive = _open(build_bundle(FAMILY)[1])
    effects = pd.read_csv(io.BytesIO(archive.read("effects.csv")))
    stored = rows(
        dashboard_store,
        "SELECT * FROM effect WHERE project_id = ? ORDER BY is_primary DESC, method",
        [FAMILY],
    )
    assert effects.loc[0, "method"] == stored[0]["method"]
    assert set(effects["method"]) == {r["method"] for r in stored}
    assert effects.loc[0, "effect_avg"] == stored[0]["effect_avg"]
    path = pd.read_csv(io.BytesIO(archive.read("effect_path.csv")))
    stored_path = queries_project.effect_path(
        FAMILY, "child_protection_records", stored[0]["method"]
    )
    assert list(path["observed"]) == list(stored_path["observed"])
    placebos = pd.read_csv(io.BytesIO(archive.read("placebos.csv")))
    kinds = rows(
        dashboard_store,
        "SELECT DISTINCT kind FROM placebo WHERE project_id = ? AND method = ?",
        [FAMILY, stored[0]["method"]],
    )
    assert set(placebos["kind"]) == {r["kind"] for r in kinds}
    space = placebos[placebos["kind"] == "space"].iloc[0]
    first_period = f"{stored_path['period_start'].min():%Y-%m-%d}"
    assert json.loads(space["path"])[0][0] == first_period


def test_figures_ship_as_plotly_json_that_reloads(dashboard_store):
    archive = _open(build_bundle(METRO, lang="zh")[1])
    names = [n for n in archive.namelist() if n.startswith("figures/") and n.endswith(".json")]
    kinds = rows(
        dashboard_store,
        "SELECT DISTINCT p.kind FROM placebo p JOIN effect e USING (project_id, indicator_id, "
        "method) WHERE e.is_primary AND p.project_id = ?",
        [METRO],
    )
    assert set(names) == {"figures/indicator.json", "figures/effect.json"} | {
        f"figures/placebo_{r['kind']}.json" for r in kinds
    }
    fig = pio.from_json(archive.read("figures/indicator.json").decode("utf-8"))
    (city,) = rows(
        dashboard_store,
        "SELECT c.name_zh FROM project p JOIN city c USING (city_id) WHERE project_id = ?",
        [METRO],
    )
    assert city["name_zh"] in {tr.name for tr in fig.data}


def test_bundle_is_reproducible(dashboard_store):
    assert build_bundle(FAMILY)[1] == build_bundle(FAMILY)[1]


def test_reported_only_project_bundle_holds_milestones(dashboard_store):
    archive = _open(build_bundle(REPORTED)[1])
    milestones = pd.read_csv(io.BytesIO(archive.read("milestones.csv")))
    stored = rows(dashboard_store, "SELECT * FROM milestone WHERE project_id = ?", [REPORTED])
    assert set(milestones["milestone_id"]) == {m["milestone_id"] for m in stored}
    lower = {m["milestone_id"] for m in stored if m["lower_bound"]}
    assert lower and set(milestones.loc[milestones["lower_bound"], "milestone_id"]) == lower
    manifest = json.loads(archive.read("manifest.json"))
    (primary,) = rows(dashboard_store, "SELECT * FROM effect WHERE project_id = ?", [REPORTED])
    assert manifest["method"] == primary["method"] == "descriptive"
    assert manifest["method_reason"] == primary["reason"]
    assert {s["source_id"] for s in manifest["sources"]} >= {m["source_id"] for m in stored}


def test_unknown_project_or_indicator_is_a_clear_error(dashboard_store):
    with pytest.raises(BundleError, match="unknown project 'nope'"):
        build_bundle("nope")
    with pytest.raises(BundleError, match="has no indicator 'pm25'"):
        build_bundle(METRO, "pm25")


def test_svg_export_when_kaleido_is_available(dashboard_store):
    pytest.importorskip("kaleido", reason="kaleido not installed: figures ship as Plotly JSON")
    import plotly.graph_objects as go

    svgs, why_not = svg_images({"one": go.Figure(go.Scatter(x=[1, 2], y=[2, 1]))})
    assert why_not == "" and svgs["one"].lstrip().startswith(b"<svg")
