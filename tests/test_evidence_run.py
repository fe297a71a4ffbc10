"""`gosmart evidence` end to end on a real DuckDB file filled with synthetic panels."""

from __future__ import annotations

import json

import duckdb
import pytest

from gosmart import schema
from gosmart.cli import main
from gosmart.evidence.run import compute, run_evidence
from gosmart.texts import render
from tests.fixtures.evidence.store import build_store


@pytest.fixture
def store(db_file):
    build_store(db_file, effect=5.0)
    return db_file


def _rows(path, sql: str, params: list | None = None) -> list[dict]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        cur = con.execute(sql, params or [])
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()


def test_cli_writes_effects_paths_and_placebos(store, capsys) -> None:
    assert main(["--db", str(store), "evidence", "--project", "hrf", "--project", "metro"]) == 0
    out = capsys.readouterr().out
    assert "hrf × child_protection_records" in out
    effects = _rows(store, "SELECT * FROM effect ORDER BY project_id, method")
    primary = {(e["project_id"], e["indicator_id"]): e for e in effects if e["is_primary"]}
    hrf = primary[("hrf", "child_protection_records")]
    # 5 pre-launch years and 21 donors: the weighted-donor fits are close by construction,
    # so they are capped at 2 and difference-in-differences (no fitted weights) leads
    assert hrf["method"] == "did"
    for method in ("sdid", "synthetic_control"):
        (row,) = [e for e in effects if e["project_id"] == "hrf" and e["method"] == method]
        assert row["evidence_level"] == 2 and "expected by construction" in row["evidence_reason"]
        assert json.loads(row["details"])["overfit"]["fires"] is True
    assert hrf["effect_avg_lo"] <= 5.0 <= hrf["effect_avg_hi"]
    assert 1 <= hrf["evidence_level"] <= 4 and hrf["evidence_reason"]
    assert hrf["data_version"] and hrf["code_version"].startswith("0.1.0")
    details = json.loads(hrf["details"])
    assert details["scale"] == "log"  # the registered 2019 data break is in the window
    assert details["caveats"]["data_breaks"][0]["when"] == "at launch"
    assert any(c["event_id"] == "covid" for c in details["caveats"]["confounders"])
    assert details["launch_sensitivity"]
    # every engine text of the row is also a message the Chinese page renders from
    assert set(details["messages"]) == {
        "reason", "p_value_kind", "mde_basis", "evidence_reason", "agreement",
    }  # fmt: skip
    for name in details["messages"].keys() - {"mde_basis"}:
        assert render(details["messages"][name], "en") == hrf[name]
    # what the screens lead with, as columns: the verdict and what the data could detect
    assert hrf["verdict"] == details["verdict"]["code"]
    assert hrf["verdict"] == ("no_clear_change" if hrf["effect_avg_lo"] <= 0 <= hrf["effect_avg_hi"]
                              else "clear_increase" if hrf["effect_avg_lo"] > 0 else "clear_decrease")  # fmt: skip
    assert hrf["mde"] > 0 and hrf["mde_kind"] == details["mde"]["basis"] == "placebo"
    assert hrf["p_value_test"] in {"permutation", "placebo_se", "hac"}
    if hrf["p_value_test"] == "permutation":
        assert hrf["p_value_min"] <= hrf["p_value"]
    for method in ("sdid", "synthetic_control"):
        (row,) = [e for e in effects if e["project_id"] == "hrf" and e["method"] == method]
        overfit = json.loads(row["details"])["messages"]["overfit"]
        assert "expected by construction" in render(overfit, "en") and render(overfit, "zh")
    assert render(details["messages"]["reason"], "zh").startswith("採用：")
    metro = primary[("metro", "metro_ridership")]
    assert metro["estimable"] and metro["evidence_level"] <= 3
    # the unit pages show: records per 10,000 residents for hrf, riders for the metro
    assert hrf["per_capita"] is True and details["input"]["value_column"] == "value_per_capita"
    assert metro["per_capita"] is False
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
                 ["hrf", "synthetic_control"])  # fmt: skip
    assert len(path) == 10 and all(p["lo"] <= p["hi"] for p in path)


def test_reported_figures_only_is_descriptive(store) -> None:
    assert run_evidence(store, ["pay"]) == 0
    (row,) = _rows(store, "SELECT * FROM effect WHERE project_id = 'pay'")
    assert row["method"] == "descriptive" and not row["estimable"]
    assert row["reason"].startswith("No effect can be estimated because the registry names no")
    assert "Reported figures only: 1 figure(s)" in row["reason"]
    message = json.loads(row["details"])["messages"]["reason"]
    assert render(message, "zh").startswith("無法估計效果，因為登錄資料沒有指定目標指標")
    assert row["effect_avg"] is None and row["p_value"] is None
    assert json.loads(row["details"])["milestones"][0]["url"] == "https://example.org/pay"


def test_rerun_replaces_rather_than_duplicates(store) -> None:
    assert run_evidence(store, ["hrf"]) == 0
    first = _rows(store, "SELECT count(*) AS n FROM placebo")[0]["n"]
    assert run_evidence(store, ["hrf"]) == 0
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
