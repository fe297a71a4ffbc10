"""What inference the data can bear, and what effect they could have detected.

Three rules every method follows:

* a permutation p-value over J placebos can never be below 1/(J+1), and says so;
* Newey-West (HAC) errors rest on long-run asymptotics: with fewer than
  `MIN_HAC_PERIODS` points they are not used, and the method gives no p-value
  and says why rather than a number from five annual points;
* a standard error from placebos (each comparison city treated in turn,
  Arkhangelsky et al. 2021, Algorithm 4) needs at least `MIN_PLACEBOS_SE` of them.

The minimum detectable effect (Bloom 1995) is the true effect a two-sided 5% test
would find with 80% power: (t_0.975 + t_0.80) × standard error, with the standard
error from the spread of the placebo estimates or from the method's own model, in
the indicator's unit and as a share of the counterfactual.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from gosmart.evidence.result import MethodResult, finite
from gosmart.texts import Message
from gosmart.vocab import PValueTest

ALPHA = 0.05
POWER = 0.80
# Newey-West below this many points: coverage of nominal 95% intervals fell to 60-75%
# at 16-48 points in our validation (evidence/ols.py), so no HAC p-value below 24.
MIN_HAC_PERIODS = 24
# fewer placebo estimates than this give a standard error too noisy to use (its
# relative error is about 1/sqrt(2J): 32% at J = 5)
MIN_PLACEBOS_SE = 5


# The test behind each p-value kind the methods write (by its catalogue key): stored beside
# the p-value so screens can name the kind in a word and give a permutation its floor.
P_VALUE_TESTS = {
    "pkind_did_permutation": PValueTest.PERMUTATION,
    "pkind_synth_rank": PValueTest.PERMUTATION,
    "pkind_sdid_placebo": PValueTest.PLACEBO_SE,
    "pkind_did_placebo_se": PValueTest.PLACEBO_SE,
    "pkind_did_hac": PValueTest.HAC,
    "pkind_its_hac": PValueTest.HAC,
    "pkind_welch": PValueTest.WELCH,
}


def p_value_test(kind: Message | str | None) -> PValueTest | None:
    """The test a result's `p_value_kind` names (None without a p-value)."""
    if not isinstance(kind, Message):
        return None
    return P_VALUE_TESTS[kind.key]


def quantile(q: float, df: float | None) -> float:
    """Normal quantile, or Student t with `df` degrees of freedom."""
    return float(stats.norm.ppf(q) if df is None else stats.t.ppf(q, max(df, 1.0)))


def permutation_p(stat: float, null: np.ndarray) -> tuple[float, float]:
    """(1 + #{null >= stat}) / (J + 1) and its smallest possible value 1 / (J + 1)."""
    null = np.asarray(null, dtype=float)
    n = len(null)
    return (1 + int(np.sum(null >= stat))) / (n + 1), 1 / (n + 1)


def placebo_se(estimates: np.ndarray) -> float | None:
    """Standard deviation of the placebo estimates (Algorithm 4 over every placebo exactly);
    None with fewer than MIN_PLACEBOS_SE of them, or when they do not vary at all."""
    est = np.asarray(estimates, dtype=float)
    est = est[np.isfinite(est)]
    if est.size < MIN_PLACEBOS_SE:
        return None
    sd = finite(np.std(est))
    return sd if sd else None


def spread(gaps: list[np.ndarray]) -> np.ndarray:
    """Per-period standard deviation of placebo gap paths (NaN where none has a value)."""
    g = np.vstack(gaps)
    out = np.full(g.shape[1], np.nan)
    some = np.isfinite(g).any(axis=0)
    out[some] = np.nanstd(g[:, some], axis=0)
    return out


def se_interval(
    est: float, se: float, df: float | None
) -> tuple[float | None, float | None, float | None]:
    """95% interval and two-sided p-value of `est` with standard error `se`."""
    if not se or not np.isfinite(se):
        return None, None, None
    half = quantile(1 - ALPHA / 2, df) * se
    tstat = abs(est) / se
    p = float(2 * (stats.norm.sf(tstat) if df is None else stats.t.sf(tstat, max(df, 1.0))))
    return finite(est - half), finite(est + half), finite(p)


def mde_of(se: float, df: float | None) -> float:
    return (quantile(1 - ALPHA / 2, df) + quantile(POWER, df)) * se


def set_mde(
    result: MethodResult,
    se: float | None,
    basis: str,
    df: float | None,
    cf_mean: float | None,
    n: int | None = None,
) -> None:
    """Record the minimum detectable effect (in place); `basis` 'placebo' or 'model'."""
    if se is None or not np.isfinite(se) or se <= 0:
        return
    result.mde = finite(mde_of(se, df))
    if cf_mean:
        result.mde_rel = finite(result.mde / abs(cf_mean))
    key = "mde_basis_placebo" if basis == "placebo" else "mde_basis_model"
    result.mde_kind = Message(key, n=n) if basis == "placebo" else Message(key)
    result.details["mde"] = {
        "value": result.mde,
        "relative": result.mde_rel,
        "basis": basis,
        "standard_error": finite(se),
        "alpha": ALPHA,
        "power": POWER,
        "degrees_of_freedom": None if df is None else finite(df),
        "n_placebos": n,
    }


def post_cf_mean(path_cf: np.ndarray, post: np.ndarray) -> float | None:
    """Mean counterfactual over the post periods that have one."""
    cf = np.asarray(path_cf, dtype=float)[post]
    cf = cf[np.isfinite(cf)]
    return finite(cf.mean()) if cf.size else None


def no_inference(result: MethodResult, why: Message) -> None:
    """An estimate the data cannot test: no interval, no p-value, and the reason."""
    for name in (
        "effect_avg_lo", "effect_avg_hi", "effect_rel_lo", "effect_rel_hi",
        "effect_cum_lo", "effect_cum_hi", "p_value", "p_value_kind", "p_value_min",
    ):  # fmt: skip
        setattr(result, name, None)
    result.details["no_inference"] = why
