"""Each method on synthetic panels with a known injected effect, over many seeds.

The panels are generated under each method's own identifying assumption
(tests/fixtures/evidence/synthetic.py). A method passes when its 95% interval
holds the true effect at about the nominal rate and, with no effect, it finds
one at about the nominal false-positive rate. Bounds are loose enough for 120
seeds (binomial sd ~2 points) and for the known small-sample shortfall of HAC
errors, which evidence/ols.py corrects only partly.
"""

from __future__ import annotations

import pytest

from gosmart.evidence.did import difference_in_differences
from gosmart.evidence.its import interrupted_time_series
from gosmart.evidence.panel import Panel
from gosmart.evidence.synth import synthetic_control
from tests.fixtures.evidence.synthetic import factor_panel

SEEDS = range(120)
EFFECT = 3.0

CASES = {
    "synthetic_control": (synthetic_control, dict(n_units=20, n_periods=25, launch_at=17)),
    "did_permutation": (difference_in_differences, dict(n_units=21, loading_spread=0.0)),
    "did_hac_few_controls": (
        difference_in_differences,
        dict(n_units=4, n_periods=60, launch_at=40, loading_spread=0.0),
    ),
    "its_monthly": (
        interrupted_time_series,
        dict(n_units=1, n_periods=144, launch_at=96, grain="monthly", seasonal=3.0, factor_sd=0),
    ),
}
# (minimum coverage with an effect, maximum false-positive rate without one)
BOUNDS = {
    "synthetic_control": (0.9, 0.1),
    "did_permutation": (0.9, 0.1),
    "did_hac_few_controls": (0.83, 0.17),
    "its_monthly": (0.85, 0.15),
}


def _rates(name: str, effect: float) -> tuple[float, float]:
    fn, kw = CASES[name]
    covered = rejected = 0
    for seed in SEEDS:
        values, treated, launch = factor_panel(seed, effect=effect, **kw)
        if kw.get("n_units") == 1:
            values = values[[treated]]
        res = fn(Panel(values, treated, launch, kw.get("grain", "annual")))
        assert res.estimable, res.reason
        covered += res.effect_avg_lo <= effect <= res.effect_avg_hi
        rejected += res.interval_excludes_zero()
    return covered / len(SEEDS), rejected / len(SEEDS)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CASES))
def test_recovers_injected_effect(name: str) -> None:
    coverage, power = _rates(name, EFFECT)
    assert coverage >= BOUNDS[name][0], f"{name}: coverage {coverage:.2f}"
    assert power >= 0.5, f"{name}: finds the effect in only {power:.0%} of panels"


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CASES))
def test_finds_no_effect_where_there_is_none(name: str) -> None:
    coverage, false_positive = _rates(name, 0.0)
    assert false_positive <= BOUNDS[name][1], f"{name}: false positives {false_positive:.2f}"
    assert coverage >= BOUNDS[name][0]
