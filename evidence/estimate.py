"""`gosmart estimate`: every design on any long-format panel (one row per unit and period).

Reads a CSV, checks it (one clear line for a bad panel), builds the same `Panel`
the registry projects use and runs the engine on it: synthetic
difference-in-differences, synthetic control, difference-in-differences and
whatever else the data allow, each with its placebos in time and evidence level.
Prints, per method, the verdict, the average post-period effect with its 95%
interval, the p-value and its kind, the minimum detectable effect, the pre-period
fit, the weights and the level, as a table or as JSON.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gosmart import formats
from gosmart.evidence.engine import Evaluation, evaluate
from gosmart.evidence.panel import FREQ, Panel, complete_index, period_floor
from gosmart.evidence.result import MethodResult, finite
from gosmart.evidence.strength import overfits
from gosmart.evidence.verdict import (
    detectable,
    number,
    percent,
    signed_number,
    signed_percent,
    verdict,
    verdict_message,
)
from gosmart.texts import render

GRAINS = ["annual", "quarterly", "monthly", "daily"]  # coarsest first
YEAR = re.compile(r"^\s*\d{4}\s*$")
MIN_PRE, MIN_POST, MIN_COMPARISON = 2, 1, 1


class PanelError(ValueError):
    """The panel cannot be estimated as given; the message says what is wrong."""


def parse_time(value: str, what: str) -> pd.Timestamp:
    """A year (1989) or a date (1989-01-01, 2019-10) as a timestamp."""
    text = str(value).strip()
    if YEAR.match(text):
        return pd.Timestamp(int(text), 1, 1)
    try:
        return pd.Timestamp(text)
    except (ValueError, TypeError):
        raise PanelError(f"{what} {text!r} is neither a year nor a date") from None


def infer_grain(times: pd.DatetimeIndex) -> str:
    """The coarsest grain whose period starts are every time in the panel."""
    for grain in GRAINS:
        if all(period_floor(t, grain) == t for t in times):
            return grain
    raise PanelError("the time column holds times of day; give dates or years")


def _read(path: Path, columns: list[str]) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=True)
    except FileNotFoundError:
        raise PanelError(f"{path}: no such file") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise PanelError(f"{path}: not a readable CSV ({exc})") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise PanelError(
            f"{path}: no column {', '.join(map(repr, missing))} "
            f"(columns: {', '.join(frame.columns)})"
        )
    return frame[columns]


def read_panel(
    path: Path,
    unit_col: str,
    time_col: str,
    outcome_col: str,
    treated: str,
    start: str,
    grain: str | None = None,
) -> Panel:
    """A checked `Panel` from a long CSV, or PanelError naming the first problem."""
    frame = _read(Path(path), [unit_col, time_col, outcome_col])
    frame = frame.dropna(subset=[unit_col, time_col])
    if frame.empty:
        raise PanelError(f"{path}: no rows with a unit and a time")
    units = frame[unit_col].str.strip()
    times = pd.DatetimeIndex([parse_time(v, f"time {time_col!r} value") for v in frame[time_col]])
    raw = frame[outcome_col]
    values = pd.to_numeric(raw, errors="coerce")
    bad = raw.notna() & values.isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise PanelError(f"outcome {outcome_col!r} is not a number in row {i + 2}: {raw.iloc[i]!r}")
    long = pd.DataFrame({"unit": units.to_numpy(), "time": times, "y": values.to_numpy()})
    dup = long.duplicated(["unit", "time"])
    if dup.any():
        row = long[dup].iloc[0]
        raise PanelError(
            f"more than one row for unit {row['unit']!r} at {row['time'].date().isoformat()}"
        )
    if treated not in set(long["unit"]):
        raise PanelError(f"treated unit {treated!r} is not in column {unit_col!r}")
    grain = grain or infer_grain(pd.DatetimeIndex(long["time"].unique()))
    if grain not in FREQ:
        raise PanelError(f"grain {grain!r} is not one of {', '.join(GRAINS)}")
    off_grain = long.loc[[period_floor(t, grain) != t for t in long["time"]], "time"]
    if len(off_grain):
        raise PanelError(f"time {off_grain.iloc[0].date()} does not start a {grain} period")
    wide = long.pivot(index="time", columns="unit", values="y").astype(float)
    panel = Panel(complete_index(wide, grain), treated, parse_time(start, "--start"), grain)
    _check_windows(panel, start)
    return panel


def _check_windows(panel: Panel, start: str) -> None:
    """Enough periods on each side of the launch, and a comparison unit."""
    index = panel.values.index
    first, last = (formats.period(t, panel.grain) for t in (index.min(), index.max()))
    if panel.launch <= index.min() or panel.post_start > index.max():
        raise PanelError(
            f"--start {start} is outside the data ({first} to {last}): it needs periods "
            "before and after it"
        )
    y = panel.y
    n_pre = int(y[y.index < panel.launch].notna().sum())
    n_post = int(y[y.index >= panel.post_start].notna().sum())
    if n_pre < MIN_PRE or n_post < MIN_POST:
        raise PanelError(
            f"{panel.treated!r} has {n_pre} period(s) with a value before {start} and {n_post} "
            f"after (need at least {MIN_PRE} and {MIN_POST})"
        )
    donors = panel.fit_values[panel.donors]
    before = donors[donors.index < panel.launch].notna().any()
    after = donors[donors.index >= panel.post_start].notna().any()
    n_comparison = int((before & after).sum())
    if n_comparison < MIN_COMPARISON:
        raise PanelError(
            f"{n_comparison} comparison unit(s) with values before and after {start} "
            f"(need at least {MIN_COMPARISON})"
        )


def _iso(ts: Any) -> str | None:
    return None if ts is None or pd.isna(ts) else pd.Timestamp(ts).date().isoformat()


def _equal_weights(units: list[str] | None) -> dict[str, float] | None:
    """Difference-in-differences weighs its comparison units equally."""
    return {u: round(1 / len(units), 4) for u in units} if units else None


def method_row(result: MethodResult, ev: Evaluation) -> dict[str, Any]:
    """One method as the JSON output shows it."""
    level = ev.levels.get(result.method)
    d = result.details
    line = detectable(result)
    row: dict[str, Any] = {
        "method": result.method,
        "estimable": result.estimable,
        "reason": str(result.reason),
        "verdict": verdict(result),
        "verdict_text": str(verdict_message(result)),
        "estimate": finite(result.effect_avg),
        "estimate_rel": finite(result.effect_rel),
        "ci_low": finite(result.effect_avg_lo),
        "ci_high": finite(result.effect_avg_hi),
        "se": finite(result.se),
        "p_value": finite(result.p_value),
        "p_kind": None if result.p_value_kind is None else str(result.p_value_kind),
        "p_value_min": finite(result.p_value_min),
        "mde": finite(result.mde),
        "mde_rel": finite(result.mde_rel),
        "mde_low": finite(result.mde_lo),  # a log-scale fit's downward side (else null)
        "mde_rel_low": finite(result.mde_rel_lo),
        "mde_kind": None if result.mde_kind is None else str(result.mde_kind),
        "detectable": None if line is None else str(line),
        "pre_fit": {
            "r2": finite(result.pre_fit_r2),
            "rmspe": finite(result.pre_rmspe),
            "counts_as_evidence": result.estimable and not overfits(result),
        },
        "weights": d.get("weights") or _equal_weights(d.get("comparison_cities")),
        "level": level[0] if level else None,
        "level_reason": str(level[1]) if level else None,
        "strengthen": None,
        "n_pre": d.get("n_pre"),
        "n_post": d.get("n_post"),
        "pre_start": _iso(result.pre_start),
        "pre_end": _iso(result.pre_end),
        "post_start": _iso(result.post_start),
        "post_end": _iso(result.post_end),
    }
    if "time_weights" in d:
        row["time_weights"] = d["time_weights"]
    if d.get("no_inference"):
        row["no_inference"] = str(d["no_inference"])
    if overfits(result):
        row["overfit"] = str(d["overfit"]["message"])
    if d.get("strengthen"):
        row["strengthen"] = render(d["strengthen"], "en")
    return row


def estimate(panel: Panel) -> list[dict[str, Any]]:
    """Every design on `panel`, one dict per method, in the engine's order of preference."""
    ev = evaluate(panel)
    return [method_row(r, ev) for r in ev.results]


def _weights_text(weights: dict[str, float] | None, k: int = 3) -> str:
    if not weights:
        return "–"
    top = list(weights.items())[:k]
    more = len(weights) - len(top)
    return ", ".join(f"{u} {w:.2f}" for u, w in top) + (f" +{more}" if more > 0 else "")


def print_table(rows: list[dict[str, Any]], panel: Panel, file=None) -> None:
    """The rows as a rich table, then the p-value kinds and notes it refers to."""
    from rich.console import Console
    from rich.table import Table

    console = Console(file=file or sys.stdout, width=160)
    # a launch at the start of a period reads as that period ('1989'); inside one, as its day
    launch_grain = panel.grain if panel.transition is None else None
    window = f"launch {formats.period(panel.launch_date, launch_grain)}"
    if panel.transition is not None:
        left_out = formats.period(panel.transition, panel.grain)
        window += f" ({panel.grain} period {left_out} left out as a transition)"
    table = Table(title=f"{panel.treated}: {window}", show_lines=True)
    for name in ("method", "verdict", "estimate", "95% interval", "p", "MDE", "pre-fit R²",
                 "weights", "level"):  # fmt: skip
        table.add_column(name, overflow="fold")
    notes = []
    for row in rows:
        if not row["estimable"]:
            table.add_row(row["method"], "not estimable", row["reason"], "", "", "", "", "", "")
            continue
        interval = (
            f"[{number(row['ci_low'])}, {number(row['ci_high'])}]"
            if row["ci_low"] is not None
            else "–"
        )
        p = "–"
        if row["p_value"] is not None:
            notes.append(f"{row['method']}: p-value: {row['p_kind']}")
            p = f"{row['p_value']:.3f} [{len(notes)}]"
        mde = "–"
        if row["mde_low"] is not None and row["mde_rel_low"] is not None:
            mde = f"{signed_number(row['mde_low'])} / {signed_number(row['mde'])}"
            mde += f" ({signed_percent(row['mde_rel_low'])} / {signed_percent(row['mde_rel'])})"
        elif row["mde"] is not None:
            mde = f"±{number(row['mde'])}"
            if row["mde_rel"] is not None:
                mde += f" (±{percent(row['mde_rel'])})"
        fit = "–" if row["pre_fit"]["r2"] is None else f"{row['pre_fit']['r2']:.2f}"
        if not row["pre_fit"]["counts_as_evidence"]:
            fit += " (overfit)"
        for key in ("no_inference", "overfit", "detectable"):
            if row.get(key):
                notes.append(f"{row['method']}: {row[key]}")
        table.add_row(
            row["method"], row["verdict_text"], number(row["estimate"]), interval, p, mde,
            fit, _weights_text(row["weights"]), str(row["level"]),
        )  # fmt: skip
    console.print(table)
    for i, note in enumerate(notes, 1):
        console.print(f"{i}. {note}", highlight=False)


def run_estimate(
    path: str,
    unit_col: str,
    time_col: str,
    outcome_col: str,
    treated: str,
    start: str,
    fmt: str = "table",
    grain: str | None = None,
) -> int:
    """The `gosmart estimate` command; returns a process exit code."""
    try:
        panel = read_panel(Path(path), unit_col, time_col, outcome_col, treated, start, grain)
    except PanelError as exc:
        print(f"gosmart estimate: {exc}", file=sys.stderr)
        return 2
    rows = estimate(panel)
    if fmt == "json":
        print(json.dumps(rows, ensure_ascii=False, allow_nan=False, indent=2))
    else:
        print_table(rows, panel)
    return 0
