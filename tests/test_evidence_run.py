"""`gosmart evidence` end to end on the store `gosmart ingest` made of the synthetic files."""

from __future__ import annotations

import json
import math
import shutil

import pytest

from gosmart import schema
from gosmart.cli import main
from gosmart.evidence.run import compute, run_evidence
from gosmart.texts import render
from tests.store_builder import FAMILY, FAMILY_CITY, FAMILY_EFFECT, METRO, REPORTED
from tests.store_files import rows as _rows


@pytest.fixture
def store(world, db_file):
    """A writable copy of the world's store as ingest left it: no effect rows yet."""
    db_file.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(world.ingested, db_file)
    assert _rows(db_file, "SELECT count(*) AS n FROM effect")[0]["n"] == 0
    return db_file


def test_cli_writes_effects_paths_and_placebos(store, capsys) -> None:
    assert main(["--db", str(store), "evidence", "--project", FAMILY, "--project", METRO]) == 0
    out = capsys.readouterr().out
    assert f"{FAMILY} × child_protection_records" in out
    effects = _rows(store, "SELECT * FROM effect ORDER BY project_id, method")
    assert {e["project_id"] for e in effects} == {FAMILY, METRO}
    primary = {(e["project_id"], e["indicator_id"]): e for e in effects if e["is_primary"]}
    family = primary[(FAMILY, "child_protection_records")]
    # 5 pre-launch years and 21 donors: the weighted-donor fits are close by construction,
    # so they are capped at 2 and difference-in-differences (no fitted weights) leads
    assert family["method"] == "did"
    for method in ("sdid", "synthetic_control"):
        (row,) = [e for e in effects if e["project_id"] == FAMILY and e["method"] == method]
        assert row["evidence_level"] == 2 and "expected by construction" in row["evidence_reason"]
        assert json.loads(row["details"])["overfit"]["fires"] is True
    # the files hold FAMILY_EFFECT more records per 10,000 residents from the launch year on
    assert family["effect_avg_lo"] <= FAMILY_EFFECT <= family["effect_avg_hi"]
    assert 1 <= family["evidence_level"] <= 4 and family["evidence_reason"]
    assert family["data_version"] and family["code_version"].startswith("0.1.0")
    details = json.loads(family["details"])
    assert details["scale"] == "log"  # the registered 2019 data break is in the window
    assert details["caveats"]["data_breaks"][0]["when"] == "at launch"
    assert any(c["event_id"] == "fx_covid" for c in details["caveats"]["confounders"])
    assert details["launch_sensitivity"]
    # every engine text of the row is also a message the Chinese page renders from
    assert set(details["messages"]) == {
        "reason", "p_value_kind", "mde_basis", "evidence_reason", "agreement",
    }  # fmt: skip
    for name in details["messages"].keys() - {"mde_basis"}:
        assert render(details["messages"][name], "en") == family[name]
    # what the screens lead with, as columns: the verdict and what the data could detect
    assert family["verdict"] == details["verdict"]["code"]
    assert family["verdict"] == ("no_clear_change" if family["effect_avg_lo"] <= 0 <= family["effect_avg_hi"]
                              else "clear_increase" if family["effect_avg_lo"] > 0 else "clear_decrease")  # fmt: skip
    assert family["mde"] > 0 and family["mde_kind"] == details["mde"]["basis"] == "placebo"
    # fitted in logs: the detectable change has two sides, expm1(-x) down and expm1(+x) up
    log_mde = details["mde"]["log_points"]
    assert family["mde_rel"] == pytest.approx(math.expm1(log_mde))
    assert details["mde"]["relative_lo"] == pytest.approx(math.expm1(-log_mde))
    assert details["verdict"]["detectable"]["key"].endswith("_mde_bounds")
    assert family["p_value_test"] in {"permutation", "placebo_se", "hac"}
    if family["p_value_test"] == "permutation":
        assert family["p_value_min"] <= family["p_value"]
    for method in ("sdid", "synthetic_control"):
        (row,) = [e for e in effects if e["project_id"] == FAMILY and e["method"] == method]
        overfit = json.loads(row["details"])["messages"]["overfit"]
        assert "expected by construction" in render(overfit, "en") and render(overfit, "zh")
    assert render(details["messages"]["reason"], "zh").startswith("採用：")
    metro = primary[(METRO, "metro_ridership")]
    assert metro["estimable"] and metro["evidence_level"] <= 3
    # the unit the pages show is the one the engine estimated on: per 10,000 residents for
    # the records (population is in the files), and the same rule for the metro
    assert family["per_capita"] is True and details["input"]["value_column"] == "value_per_capita"
    for row in effects:
        if row["estimable"]:
            column = json.loads(row["details"])["input"]["value_column"]
            assert row["per_capita"] == (column == "value_per_capita"), row["method"]
    # every estimable row says its window once, in periods of its grain; cities by name
    for row in effects:
        if row["estimable"]:
            assert row["reason"].count("before launch") == 1, row["reason"]
            assert " pre, " not in row["reason"] and "TW-" not in row["reason"], row["reason"]
    metro_zh = render(json.loads(metro["details"])["messages"]["reason"], "zh")
    if metro["method"] == "its":
        assert "Kaohsiung City's own series" in metro["reason"] and "以高雄市自身數列" in metro_zh
    assert "TW-" not in metro_zh and "啟動前" in metro_zh
    kinds = {r["kind"] for r in _rows(store, "SELECT DISTINCT kind FROM placebo")}
    assert kinds >= {"space", "time", "leave_one_out", "launch_sensitivity"}
    path = _rows(store, "SELECT * FROM effect_path WHERE project_id = ? AND method = ?",
                 [FAMILY, "synthetic_control"])  # fmt: skip
    years = _rows(
        store,
        "SELECT count(DISTINCT period_start) AS n FROM indicator_value "
        "WHERE indicator_id = 'child_protection_records' AND grain = 'annual' AND city_id = ?",
        [FAMILY_CITY],
    )[0]["n"]
    assert len(path) == years and all(p["lo"] <= p["hi"] for p in path)


def test_reported_figures_only_is_descriptive(store) -> None:
    assert run_evidence(store, [REPORTED]) == 0
    (row,) = _rows(store, "SELECT * FROM effect WHERE project_id = ?", [REPORTED])
    assert row["method"] == "descriptive" and not row["estimable"]
    assert row["reason"].startswith("No effect can be estimated because the registry names no")
    figures = _rows(
        store, "SELECT * FROM milestone WHERE project_id = ? ORDER BY as_of_date", [REPORTED]
    )
    assert f"Reported figures only: {len(figures)} figure(s)" in row["reason"]
    message = json.loads(row["details"])["messages"]["reason"]
    assert render(message, "zh").startswith("無法估計效果，因為登錄資料沒有指定目標指標")
    assert row["effect_avg"] is None and row["p_value"] is None
    cited = json.loads(row["details"])["milestones"]
    assert [m["url"] for m in cited] == [m["url"] for m in figures]


def test_rerun_replaces_rather_than_duplicates(store) -> None:
    assert run_evidence(store, [FAMILY]) == 0
    first = _rows(store, "SELECT count(*) AS n FROM placebo")[0]["n"]
    assert run_evidence(store, [FAMILY]) == 0
    assert _rows(store, "SELECT count(*) AS n FROM placebo")[0]["n"] == first


def test_unknown_project_is_one_clear_error(store, capsys) -> None:
    assert run_evidence(store, ["nope"]) == 2
    assert "unknown project(s): nope" in capsys.readouterr().err


def test_missing_store_is_one_clear_error(tmp_path, capsys) -> None:
    assert main(["--db", str(tmp_path / "none.duckdb"), "evidence"]) == 1
    assert "no database" in capsys.readouterr().err


def test_every_result_row_names_every_column_of_its_table(store) -> None:
    """Rows are bound by column name: each one the engine writes carries the whole table,
    launch-sensitivity placebos and descriptive rows included."""
    results, _ = compute(store)
    seen = {"effect": 0, "effect_path": 0, "placebo": 0}
    for rows in results.values():
        for table in seen:
            for row in getattr(rows, table):
                assert list(row) == schema.columns(table), table
                seen[table] += 1
    assert all(seen.values()), seen
