"""SDID, the minimum detectable effect and the overfitting rule on simulated panels.

Panels come from the seeded factor model of tests/fixtures/evidence/synthetic.py
(city levels, common shocks, a shared factor with city loadings, AR(1) noise),
under which a weighted comparison exists. 100 seeds per run: the binomial standard
deviation of a rate near 0.05 is 0.022, near 0.8 it is 0.04, so the bounds below
sit two to three of those from the nominal values.
"""

from __future__ import annotations

import numpy as np
import pytest

from gosmart.evidence.panel import Panel
from gosmart.evidence.sdid import synthetic_did
from gosmart.evidence.strength import OVERFIT_CAP, evidence_level
from gosmart.evidence.synth import synthetic_control
from tests.fixtures.evidence.synthetic import factor_panel

SEEDS = range(100)
PANEL = dict(n_units=20, n_periods=25, launch_at=17)
PASSED = {"n_fake_dates": 4, "n_significant": 0, "passed": True}


def _sdid_runs(effect: float, seeds) -> list:
    out = []
    for seed in seeds:
        values, treated, launch = factor_panel(seed, effect=effect, **PANEL)
        res = synthetic_did(Panel(values, treated, launch, "annual"))
        assert res.estimable and res.se is not None, res.reason
        out.append(res)
    return out


@pytest.fixture(scope="module")
def null_runs() -> list:
    return _sdid_runs(0.0, SEEDS)


@pytest.mark.slow
def test_sdid_false_positives_and_coverage_are_near_nominal_without_an_effect(null_runs) -> None:
    false_positive = np.mean([r.interval_excludes_zero() for r in null_runs])
    coverage = np.mean([r.effect_avg_lo <= 0 <= r.effect_avg_hi for r in null_runs])
    p_below = np.mean([r.p_value < 0.05 for r in null_runs])
    assert false_positive <= 0.10 and p_below <= 0.10, false_positive
    assert coverage >= 0.90
    assert all(r.p_value_kind.key == "pkind_sdid_placebo" for r in null_runs)


@pytest.mark.slow
def test_an_effect_the_size_of_the_mde_is_found_about_80_percent_of_the_time(null_runs) -> None:
    mde = float(np.mean([r.mde for r in null_runs]))
    assert all(r.details["mde"]["basis"] == "placebo" for r in null_runs)
    runs = _sdid_runs(mde, range(1000, 1000 + len(SEEDS)))
    detected = np.mean([r.effect_avg_lo > 0 for r in runs])
    coverage = np.mean([r.effect_avg_lo <= mde <= r.effect_avg_hi for r in runs])
    assert 0.70 <= detected <= 0.90, f"MDE {mde:.2f} detected in {detected:.0%}"
    assert coverage >= 0.90
    # the relative MDE is the MDE over the counterfactual level (about 50 here)
    rel = np.mean([r.mde_rel for r in null_runs])
    assert rel == pytest.approx(mde / 50, rel=0.25)


SHORT = dict(n_units=22, n_periods=10, launch_at=5)  # 5 pre-launch years, 21 donors
LONG = dict(n_units=8, n_periods=40, launch_at=30)  # 30 pre-launch years, 7 donors


@pytest.mark.parametrize(("shape", "fires"), [(SHORT, True), (LONG, False)])
def test_overfitting_rule_fires_on_short_panels_with_many_donors_only(shape, fires) -> None:
    for seed in range(25):
        values, treated, launch = factor_panel(seed, noise=0.5, **shape)
        panel = Panel(values, treated, launch, "annual")
        for res in (synthetic_control(panel, inference=False), synthetic_did(panel)):
            check = res.details["overfit"]
            assert check["fires"] is fires, (seed, res.method, check)
            level, reason = evidence_level(res, PASSED)
            if fires:
                assert level == OVERFIT_CAP and "expected by construction" in reason
                assert "5 years before launch and 21 comparison cities" in reason
            else:
                assert level > OVERFIT_CAP or "R²" in reason, (seed, res.method, reason)
