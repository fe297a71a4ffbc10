"""`gosmart estimate` end to end, the transition period, the inference rules and verdicts."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gosmart.cli import main
from gosmart.evidence.did import difference_in_differences
from gosmart.evidence.engine import evaluate
from gosmart.evidence.estimate import GRAINS
from gosmart.evidence.its import interrupted_time_series
from gosmart.evidence.panel import Panel, period_label
from gosmart.evidence.result import MethodResult
from gosmart.evidence.sdid import synthetic_did
from gosmart.evidence.synth import synthetic_control
from gosmart.evidence.verdict import detectable, number, percent, verdict
from gosmart.texts import render
from tests.fixtures.evidence.synthetic import factor_panel

COLUMNS = ["--unit-col", "city", "--time-col", "year", "--outcome-col", "value"]
JSON_FIELDS = {"method", "estimate", "ci_low", "ci_high", "p_value", "p_kind", "mde", "pre_fit",
               "weights", "level", "verdict", "se", "mde_rel"}  # fmt: skip


def _csv(tmp_path: Path, values: pd.DataFrame, name: str = "panel.csv", edit=None) -> Path:
    """A long CSV (city, year, value) of a wide panel; `edit` may change the rows first."""
    rows = [[c, str(t.year), repr(float(v))] for c in values.columns for t, v in values[c].items()]
    if edit is not None:
        rows = edit(rows)
    path = tmp_path / name
    with path.open("w", newline="") as f:
        csv.writer(f).writerows([["city", "year", "value"], *rows])
    return path


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def panel_csv(tmp_path_factory) -> Path:
    values, _, _ = factor_panel(3, n_units=12, n_periods=30, launch_at=20, effect=6.0, noise=0.5)
    return _csv(tmp_path_factory.mktemp("estimate"), values)


def test_json_lists_every_design_with_the_documented_fields(panel_csv) -> None:
    code, out, err = _run("estimate", str(panel_csv), *COLUMNS, "--treated", "U00",
                          "--start", "2020", "--format", "json")  # fmt: skip
    assert code == 0, err
    rows = json.loads(out)
    assert [r["method"] for r in rows] == ["sdid", "synthetic_control", "did", "its"]
    for row in rows:
        assert JSON_FIELDS <= set(row), row["method"]
        assert row["estimable"], row["reason"]
        assert row["p_value"] is None or row["p_kind"], row["method"]
        assert row["p_value_min"] is None or row["p_value"] >= row["p_value_min"]
    sdid = rows[0]
    assert sdid["ci_low"] <= 6.0 <= sdid["ci_high"] and sdid["verdict"] == "clear_increase"
    assert sdid["mde"] > 0 and 0 < sdid["mde_rel"] < 1 and sdid["time_weights"]
    assert sum(sdid["weights"].values()) == pytest.approx(1, abs=0.01)
    assert rows[2]["weights"] == {f"U{i:02d}": round(1 / 11, 4) for i in range(1, 12)}


def test_table_puts_the_verdict_beside_every_method(panel_csv) -> None:
    code, out, _ = _run("estimate", str(panel_csv), *COLUMNS, "--treated", "U00", "--start", "2020")
    assert code == 0
    for text in ("sdid", "synthetic_control", "did", "Clear increase", "MDE", "level",
                 "Algorithm 4", "could see changes larger than"):  # fmt: skip
        assert text in out, text


def _drop_donors(rows):
    return [r for r in rows if r[0] == "U00"]


BAD = {
    "duplicate row": (lambda rows: rows + [rows[3]], {}, "more than one row for unit 'U00'"),
    "unknown treated unit": (None, {"--treated": "Atlantis"}, "treated unit 'Atlantis' is not in"),
    "start after the data": (None, {"--start": "2099"}, "outside the data"),
    "start at the first period": (None, {"--start": "2000"}, "outside the data"),
    "non-numeric outcome": (
        lambda rows: [*rows[:5], [rows[5][0], rows[5][1], "n/a?"], *rows[6:]],
        {},
        "is not a number in row 7: 'n/a?'",
    ),
    "too few donors": (_drop_donors, {}, "comparison unit(s)"),
    "too few pre-periods": (None, {"--start": "2001"}, "need at least 2"),
    "no such column": (None, {"--outcome-col": "nope"}, "no column 'nope'"),
    "bad time value": (
        lambda rows: [[rows[0][0], "soon", rows[0][2]], *rows[1:]],
        {},
        "is neither a year nor a date",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_panel_is_one_line_on_stderr_and_exit_2(tmp_path, case) -> None:
    edit, options, words = BAD[case]
    values, _, _ = factor_panel(1, n_units=4, n_periods=12, launch_at=6)
    path = _csv(tmp_path, values, edit=edit)
    opts = {"--unit-col": "city", "--time-col": "year", "--outcome-col": "value",
            "--treated": "U00", "--start": "2006"} | options  # fmt: skip
    code, out, err = _run("estimate", str(path), *[x for kv in opts.items() for x in kv])
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("gosmart estimate: ") and words in err, err


def test_a_missing_file_is_one_line_too(tmp_path) -> None:
    code, _, err = _run("estimate", str(tmp_path / "none.csv"), *COLUMNS, "--treated", "U00",
                        "--start", "2006")  # fmt: skip
    assert code == 2 and "no such file" in err and err.count("\n") == 1


def test_a_launch_inside_a_year_leaves_that_year_out_of_both_windows() -> None:
    values, treated, _ = factor_panel(3, n_units=8, n_periods=12, launch_at=6)  # 2000-2011
    panel = Panel(values, treated, pd.Timestamp("2006-10-01"), "annual")
    assert panel.transition == pd.Timestamp("2006-01-01")
    assert panel.post_start == pd.Timestamp("2007-01-01")
    assert panel.values.loc["2006-01-01"].notna().all()  # the data are kept, only not fitted
    for fn in (synthetic_did, synthetic_control, difference_in_differences):
        res = fn(panel)
        assert res.estimable, res.reason
        assert res.pre_end == pd.Timestamp("2005-01-01"), res.method
        assert res.post_start == pd.Timestamp("2007-01-01"), res.method
        assert (res.details["n_pre"], res.details["n_post"]) == (6, 5)
        assert np.isnan(res.path.loc["2006-01-01", "observed"])
    on_the_first_day = Panel(values, treated, pd.Timestamp("2006-01-01"), "annual")
    assert on_the_first_day.transition is None and on_the_first_day.post_start.year == 2006


def test_the_grain_decides_whether_a_launch_splits_a_period() -> None:
    values, treated, _ = factor_panel(3, n_units=4, n_periods=48, launch_at=30, grain="monthly")
    assert Panel(values, treated, pd.Timestamp("2002-07-01"), "monthly").transition is None
    mid = Panel(values, treated, pd.Timestamp("2002-07-15"), "monthly")
    assert mid.transition == pd.Timestamp("2002-07-01")
    assert mid.post_start == pd.Timestamp("2002-08-01")
    assert mid.with_values(np.log(values), "log").transition == mid.transition
    assert mid.truncated(pd.Timestamp("2003-01-01")).post_start == mid.post_start


def test_the_cli_says_which_period_it_left_out(panel_csv) -> None:
    code, out, _ = _run("estimate", str(panel_csv), *COLUMNS, "--treated", "U00",
                        "--start", "2020-10", "--format", "json")  # fmt: skip
    assert code == 0
    rows = json.loads(out)
    assert {r["post_start"] for r in rows if r["estimable"]} == {"2021-01-01"}
    assert {r["pre_end"] for r in rows if r["estimable"]} == {"2019-01-01"}
    code, out, _ = _run(
        "estimate", str(panel_csv), *COLUMNS, "--treated", "U00", "--start", "2020-10"
    )
    assert "launch 2020-10-01 (annual period 2020 left out as a transition)" in out


def _panel(seed=3, **kw) -> Panel:
    values, treated, launch = factor_panel(seed, **kw)
    return Panel(values, treated, launch, kw.get("grain", "annual"))


def test_a_permutation_p_value_states_its_floor() -> None:
    res = synthetic_control(_panel(n_units=7))
    assert res.p_value_min == pytest.approx(1 / 7) and res.p_value >= res.p_value_min
    assert "smallest possible p-value 0.143" in res.p_value_kind
    did = difference_in_differences(_panel(n_units=25))
    assert (
        did.p_value_min == pytest.approx(1 / 25) and did.p_value_kind.key == "pkind_did_permutation"
    )


def test_newey_west_only_on_long_series_and_otherwise_no_p_value() -> None:
    short_few = difference_in_differences(_panel(n_units=4, n_periods=10, launch_at=5))
    assert short_few.estimable and short_few.effect_avg is not None
    assert short_few.p_value is None and short_few.p_value_kind is None
    assert short_few.effect_avg_lo is None and short_few.mde is None
    assert short_few.details["no_inference"].key == "did_no_inference"
    assert verdict(short_few) == "not_estimable"
    short_more = difference_in_differences(_panel(n_units=7, n_periods=10, launch_at=5))
    assert short_more.p_value_kind.key == "pkind_did_placebo_se" and short_more.se > 0
    long_few = difference_in_differences(_panel(n_units=4, n_periods=60, launch_at=40))
    assert long_few.p_value_kind.key == "pkind_did_hac"
    assert long_few.details["mde"]["basis"] == "model"
    annual = interrupted_time_series(_panel(n_units=1, n_periods=14, launch_at=8, factor_sd=0))
    assert annual.estimable and annual.p_value is None
    assert annual.details["no_inference"].key == "its_no_inference"
    assert "p_values" not in annual.details and np.isnan(annual.path["lo"]).all()


def test_every_p_value_says_its_kind_and_every_estimate_its_verdict() -> None:
    for kw in (dict(n_units=12), dict(n_units=3), dict(n_units=1, n_periods=40, launch_at=28)):
        ev = evaluate(_panel(**kw))
        for r in ev.results:
            assert r.p_value is None or r.p_value_kind, (kw, r.method)
            if r.estimable:
                assert r.details["verdict"]["code"] == verdict(r)
                assert render(r.details["verdict"]["message"], "zh")
                if r.method in ev.levels:
                    assert render(r.details["strengthen"], "zh"), r.method


def _result(lo, hi, mde=None, rel=None) -> MethodResult:
    return MethodResult("x", True, "", effect_avg=0.0, effect_avg_lo=lo, effect_avg_hi=hi,
                        mde=mde, mde_rel=rel)  # fmt: skip


def test_verdicts_follow_the_interval_and_say_what_the_data_could_see() -> None:
    assert verdict(_result(0.5, 2)) == "clear_increase"
    assert verdict(_result(-3, -0.1)) == "clear_decrease"
    assert verdict(_result(-1, 1)) == "no_clear_change"
    assert verdict(_result(None, None)) == "not_estimable"
    assert verdict(MethodResult("x", False, "no")) == "not_estimable"
    line = detectable(_result(-1, 1, mde=2.345, rel=0.0421))
    assert str(line) == "No change larger than ±2.35 (±4.2%) could be seen in this data"
    assert render(line.as_dict(), "zh") == "這份資料足以看出大於 ±2.35（±4.2%）的變化，但沒有看到"
    assert str(detectable(_result(1, 3, mde=2.0, rel=0.25))).startswith("This data could see")
    assert str(detectable(_result(-1, 1, mde=12.0))) == (
        "No change larger than ±12 could be seen in this data"
    )
    assert detectable(_result(-1, 1)) is None
    assert (number(1234.4), number(-0.5), number(0.000123), percent(0.153), percent(-0.042)) == (
        "1,234", "-0.5", "1.23e-04", "15%", "4.2%")  # fmt: skip


def test_launch_sensitivity_names_each_date_at_the_series_grain() -> None:
    values, treated, _ = factor_panel(3, n_units=8, n_periods=12, launch_at=6)
    ev = evaluate(
        Panel(values, treated, pd.Timestamp("2006-10-01"), "annual"),
        pd.Timestamp("2005-07-01"),
        pd.Timestamp("2006-12-31"),
    )
    table = ev.primary.details["launch_sensitivity"]
    assert [(r["launch"], r["period"]) for r in table] == [
        ("2005-01-01", "2005"),
        ("2006-01-01", "2006"),
    ]
    assert [period_label(pd.Timestamp("2019-11-01"), g) for g in GRAINS] == [
        "2019", "2019-Q4", "2019-11", "2019-11-01"]  # fmt: skip
