"""`gosmart evidence`: estimate every project's effects offline and store them.

Reads the store read-only, computes, then writes all results in one atomic write
(gosmart.store.writing), replacing the earlier results of the projects it ran.
Every row records the input data version, the code version and the seed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import duckdb

from gosmart import code_version
from gosmart.evidence.inputs import load_inputs
from gosmart.evidence.project import Context, Rows, evaluate_project
from gosmart.store import connect_read, insert_rows, writing

DELETE_EFFECTS = "DELETE FROM effect WHERE project_id = ?"
DELETE_PATHS = "DELETE FROM effect_path WHERE project_id = ?"
DELETE_PLACEBOS = "DELETE FROM placebo WHERE project_id = ?"
SET_META = "INSERT OR REPLACE INTO meta VALUES (?, ?)"


def compute(
    db: Path, projects: list[str] | None = None
) -> tuple[dict[str, Rows], dict[str, float]]:
    """Results and seconds taken, per project, without writing anything."""
    con = connect_read(db)
    try:
        inputs = load_inputs(con)
    finally:
        con.close()
    ctx = Context(inputs=inputs, code_version=code_version())
    chosen = [p for p in inputs.projects if not projects or p["project_id"] in projects]
    unknown = sorted(set(projects or []) - {p["project_id"] for p in inputs.projects})
    if unknown:
        raise ValueError(f"unknown project(s): {', '.join(unknown)}")
    results, timings = {}, {}
    for project in chosen:
        start = time.perf_counter()
        results[project["project_id"]] = evaluate_project(ctx, project)
        timings[project["project_id"]] = time.perf_counter() - start
    return results, timings


def store(db: Path, results: dict[str, Rows], input_version: str) -> None:
    """Replace the stored results of these projects in one atomic write."""
    with writing(db) as con:
        for pid, rows in results.items():
            for statement in (DELETE_EFFECTS, DELETE_PATHS, DELETE_PLACEBOS):
                con.execute(statement, [pid])
            insert_rows(con, "effect", rows.effect)
            insert_rows(con, "effect_path", rows.effect_path)
            insert_rows(con, "placebo", rows.placebo)
        con.execute(SET_META, ["evidence_input_version", input_version or "unversioned"])


def summary_lines(results: dict[str, Rows]) -> list[str]:
    lines = []
    for rows in results.values():
        for rec in rows.effect:
            if not rec["is_primary"]:
                continue
            if rec["estimable"]:
                ci = ""
                if rec["effect_avg_lo"] is not None:
                    ci = f" [{rec['effect_avg_lo']:.3g}, {rec['effect_avg_hi']:.3g}]"
                p = f" p={rec['p_value']:.3f}" if rec["p_value"] is not None else ""
                what = f"{rec['method']}: {rec['effect_avg']:+.3g}{ci}{p}"
            else:
                what = f"{rec['method']}: {rec['reason']}"
            lines.append(
                f"{rec['project_id']} × {rec['indicator_id']}: {what} "
                f"(level {rec['evidence_level']})"
            )
    return lines


def run_evidence(db: Path, projects: list[str] | None = None) -> int:
    """Compute and store every project's effects; returns a process exit code."""
    db = Path(db)
    try:
        con = connect_read(db)
        from gosmart.store import data_version

        input_version = data_version(con)
        con.close()
        results, timings = compute(db, projects)
    except ValueError as exc:
        print(f"gosmart evidence: {exc}", file=sys.stderr)
        return 2
    except duckdb.Error as exc:
        print(f"gosmart evidence: {db}: cannot read the inputs ({exc})", file=sys.stderr)
        return 1
    if not results:
        print(
            "gosmart evidence: the registry holds no projects; nothing to estimate", file=sys.stderr
        )
        return 0
    store(db, results, input_version)
    for line in summary_lines(results):
        print(line)
    total = sum(timings.values())
    n = sum(len(r.effect) for r in results.values())
    print(f"{n} effect rows for {len(results)} project(s) in {total:.1f} s", file=sys.stderr)
    return 0
