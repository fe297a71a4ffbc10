"""The closed vocabularies every layer shares: time grains, estimation methods, verdicts.

Stored as their string values (a StrEnum member equals its value), so the store, SQL files,
URLs and message keys keep the plain words.
"""

from __future__ import annotations

from enum import StrEnum


class Grain(StrEnum):
    """How long one period of a series is, finest first."""

    HOURLY = "hourly"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUAL = "annual"

    def finer_than(self, other: Grain) -> bool:
        order = list(Grain)
        return order.index(self) < order.index(other)


# Grains a source may declare natively (registry indicators and project indicators).
NATIVE_GRAINS = (Grain.HOURLY, Grain.DAILY, Grain.MONTHLY, Grain.ANNUAL)
# Grains whose periods nest (each lies inside one period of every coarser one; weeks do not),
# finest first: a value at one can be aggregated to any coarser one.
NESTED_GRAINS = (Grain.DAILY, Grain.MONTHLY, Grain.QUARTERLY, Grain.ANNUAL)
# Grains the derive step stores for every city series, coarse to fine (what pages offer).
DERIVED_GRAINS = (Grain.ANNUAL, Grain.MONTHLY, Grain.WEEKLY, Grain.DAILY)


class Method(StrEnum):
    """An estimation design the evidence engine can report."""

    SDID = "sdid"
    SYNTHETIC_CONTROL = "synthetic_control"
    DID = "did"
    ITS = "its"
    BEFORE_AFTER = "before_after"
    DESCRIPTIVE = "descriptive"


# Methods whose row states reported figures only (no estimate of its own).
REPORTED_ONLY = (Method.DESCRIPTIVE,)


class Verdict(StrEnum):
    """What an effect's 95% interval says, the first thing every screen shows of it."""

    CLEAR_INCREASE = "clear_increase"  # the interval lies above zero
    CLEAR_DECREASE = "clear_decrease"  # below zero
    NO_CLEAR_CHANGE = "no_clear_change"  # it includes zero
    NOT_ESTIMABLE = "not_estimable"  # no estimate, or an estimate without an interval


class PValueTest(StrEnum):
    """The kind of test behind a stored p-value (the effect's `p_value_test`)."""

    PERMUTATION = "permutation"  # placebo ranks; never below its floor 1 / (J + 1)
    PLACEBO_SE = "placebo_se"  # t-test with the placebo standard error
    HAC = "hac"  # Newey-West t-test
    WELCH = "welch"  # two-sample t-test, before/after
