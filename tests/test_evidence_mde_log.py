"""A log-scale fit's minimum detectable effect, back in levels, has two sides.

A log MDE of x points is a change of expm1(+x) upwards but expm1(−x) downwards: 0.2 log
points is +22% or −18%, not ±22%. The engine keeps both, and every screen gives both.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gosmart.dashboard import verdict as vd
from gosmart.dashboard.kiosk.content import _mde
from gosmart.evidence.engine import to_levels
from gosmart.evidence.result import MethodResult, effect_path
from gosmart.evidence.verdict import detectable
from gosmart.texts import render

LOG_MDE = 0.2
LEVEL = 10.0  # the counterfactual, in the indicator's units


def _log_result(lo: float = -0.3, hi: float = 0.25) -> MethodResult:
    """A log-scale estimate whose interval holds zero, counterfactual 10 throughout."""
    index = pd.date_range("2014-01-01", periods=8, freq="YS")
    observed = np.log(np.full(8, LEVEL))
    path = effect_path(index, observed, observed.copy())
    return MethodResult(
        method="did", estimable=True, reason="r", effect_avg=-0.02, effect_avg_lo=lo,
        effect_avg_hi=hi, mde=LOG_MDE, path=path, post_start=index[4],
        details={"mde": {"value": LOG_MDE, "relative": None, "basis": "placebo"}},
    )  # fmt: skip


def test_the_engine_keeps_both_sides() -> None:
    result = _log_result()
    to_levels(result)
    assert result.mde_rel == pytest.approx(np.expm1(LOG_MDE))  # +22.1%
    assert result.mde_rel_lo == pytest.approx(np.expm1(-LOG_MDE))  # −18.1%
    assert result.mde == pytest.approx(LEVEL * np.expm1(LOG_MDE))
    assert result.mde_lo == pytest.approx(LEVEL * np.expm1(-LOG_MDE))
    stored = result.details["mde"]
    assert stored["relative_lo"] == result.mde_rel_lo and stored["log_points"] == LOG_MDE
    line = detectable(result)
    assert line.key == "no_change_mde_bounds"
    assert (
        str(line) == "No change larger than −1.81 / +2.21 (−18% / +22%) could be seen in this data"
    )
    assert "−18% / +22%" in render(line.as_dict(), "zh")


def test_a_symmetric_mde_keeps_its_plus_minus() -> None:
    result = _log_result()
    result.details["mde"] = {"value": 2.0}
    result.mde, result.mde_rel = 2.0, 0.2
    line = detectable(result)  # not converted from logs: one size either way
    assert line.key == "no_change_mde" and "±2 (±20%)" in str(line)


def _row(**extra) -> dict:
    result = _log_result()
    to_levels(result)
    return {"mde": result.mde, "mde_rel": result.mde_rel, "verdict": "no_clear_change",
            "details": {"mde": result.details["mde"]}, **extra}  # fmt: skip


def test_screens_show_the_two_bounds() -> None:
    row = _row()
    assert vd.mde_size(row, "en") == "−1.81 / +2.21 (−18% / +22%)"
    assert vd.mde_size(row, "zh") == "−1.81 / +2.21（−18% / +22%）"
    assert vd.mde_size(row, "en", relative=True) == "−18% / +22%"
    assert "±" not in vd.mde_text(row, "en")
    # the kiosk reads the downward side from its query's columns
    kiosk = {"mde": row["mde"], "mde_rel": row["mde_rel"],
             "mde_lo": row["details"]["mde"]["value_lo"],
             "mde_rel_lo": row["details"]["mde"]["relative_lo"]}  # fmt: skip
    assert _mde(kiosk, True, "", "en") == "−18% / +22%"
    assert _mde(kiosk, False, "records", "en") == "−1.81 / +2.21 records"
    symmetric = {"mde": 2.0, "mde_rel": 0.2}
    assert vd.mde_size(symmetric, "en") == "±2 (±20%)" and _mde(symmetric, True, "", "en") == "±20%"
