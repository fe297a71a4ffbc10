"""Evidence benchmark: time to estimate every registry project (placebos included) on the real store.

    GOSMART_DB=/tmp/full/gosmart.duckdb python bench/evidence.py [--repeat 3]

Works on a throwaway copy of the store (`--source`, default $GOSMART_DB or
data/gosmart.duckdb; built from datasets/snapshot when that file is absent), so
the real store is never written. Prints figures only (no assertions):

* `gosmart evidence` as a user runs it: a fresh process, wall time and peak RSS;
* `evidence.run.run_evidence` in this process, best and median of --repeat runs
  (read inputs, every design and placebo, one atomic write);
* per project: seconds and the effect / path / placebo rows it produces;
* `gosmart estimate` on the Proposition 99 panel (39 states x 31 years, every
  design with its placebos), in a fresh process and in this process.

Targets: the whole registry in under 30 s on 2 cores, and so `gosmart estimate`
on Prop 99.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

from gosmart.evidence.run import compute, run_evidence  # noqa: E402
from gosmart.resources import SNAPSHOT_DIR  # noqa: E402
from gosmart.settings import Settings  # noqa: E402
from gosmart.snapshot import load_snapshot  # noqa: E402

TARGET_S = 30.0
PROP99 = REPO_ROOT / "tests" / "fixtures" / "evidence" / "california_prop99.csv"
PROP99_ARGS = ["estimate", str(PROP99), "--unit-col", "state", "--time-col", "year",
               "--outcome-col", "packs_per_capita", "--treated", "California", "--start", "1989",
               "--format", "json"]  # fmt: skip


def throwaway_store(source: Path, workdir: Path) -> tuple[Path, str]:
    """A private copy of `source` (or a store built from the snapshot) and how it was made."""
    copy = workdir / "evidence-bench.duckdb"
    if source.is_file():
        shutil.copyfile(source, copy)
        return copy, f"copy of {source}"
    load_snapshot(SNAPSHOT_DIR, copy)
    return copy, f"built from {SNAPSHOT_DIR} ({source} absent)"


def rss_mib(kib: int) -> float:
    return kib / 1024  # Linux reports ru_maxrss in KiB


def cli_run(db: Path) -> tuple[float, float, int]:
    """(wall s, peak RSS MiB, exit code) of `gosmart evidence` in a fresh process."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "gosmart.cli", "--db", str(db), "evidence"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    if proc.returncode:
        print(proc.stderr, file=sys.stderr)
    return wall, rss_mib(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss), proc.returncode


def estimate_cli() -> tuple[float, int]:
    """(wall s, exit code) of `gosmart estimate` on Prop 99 in a fresh process."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "gosmart.cli", *PROP99_ARGS],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    if proc.returncode:
        print(proc.stderr, file=sys.stderr)
    return time.perf_counter() - start, proc.returncode


def estimate_in_process(repeat: int) -> list[float]:
    """Wall times of reading the Prop 99 CSV and running every design on it."""
    from gosmart.evidence.estimate import estimate, read_panel

    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        estimate(read_panel(PROP99, "state", "year", "packs_per_capita", "California", "1989"))
        times.append(time.perf_counter() - start)
    return times


def import_time() -> float:
    """Wall seconds of a fresh interpreter that only imports the evidence code (the CLI's fixed cost)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import gosmart.evidence.run"], cwd=REPO_ROOT, check=True)
    return time.perf_counter() - start


def in_process(db: Path, repeat: int) -> list[float]:
    """Wall times of run_evidence(db); its summary lines are swallowed, a failure is not."""
    times = []
    for _ in range(repeat):
        out, err = io.StringIO(), io.StringIO()
        start = time.perf_counter()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = run_evidence(db)
        times.append(time.perf_counter() - start)
        if code:
            sys.exit(f"run_evidence returned {code}: {err.getvalue().strip()}")
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--source", type=Path, default=Settings.from_env().db, help="store to copy")
    parser.add_argument("--repeat", type=int, default=3, help="in-process runs")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="gosmart-bench-evidence-") as tmp:
        db, origin = throwaway_store(args.source, Path(tmp))
        print(f"store: {origin} ({db.stat().st_size / 2**20:,.1f} MiB)")
        print(f"machine: {os.cpu_count()} CPU(s) visible, load average {os.getloadavg()[0]:.2f}")
        print()

        wall, cli_rss, code = cli_run(db)
        print(
            f"gosmart evidence (fresh process):  {wall:6.2f} s wall, peak RSS {cli_rss:,.0f} MiB"
            + ("" if code == 0 else f"  EXIT CODE {code}")
        )
        print(f"  of which interpreter start + imports: {import_time():6.2f} s")

        rss_before = rss_mib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        times = in_process(db, args.repeat)
        rss_after = rss_mib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        print(
            f"run_evidence (in process, x{args.repeat}):  best {min(times):6.2f} s, "
            f"median {statistics.median(times):6.2f} s; peak RSS {rss_after:,.0f} MiB "
            f"({rss_before:,.0f} MiB after imports)"
        )

        start = time.perf_counter()
        results, timings = compute(db)
        total = time.perf_counter() - start
        print()
        print(f"{'project':38s} {'s':>7s} {'effects':>8s} {'path rows':>10s} {'placebos':>9s}")
        for pid in sorted(timings, key=timings.get, reverse=True):
            rows = results[pid]
            print(
                f"{pid:38s} {timings[pid]:7.2f} {len(rows.effect):8d} "
                f"{len(rows.effect_path):10d} {len(rows.placebo):9d}"
            )
        n = {k: sum(len(getattr(r, k)) for r in results.values()) for k in ("effect", "placebo")}
        print(
            f"{'all ' + str(len(results)) + ' projects':38s} {sum(timings.values()):7.2f} "
            f"{n['effect']:8d} {'':10s} {n['placebo']:9d}"
        )
        print(f"{'reading inputs + setup':38s} {total - sum(timings.values()):7.2f}")
        print()
        est_wall, est_code = estimate_cli()
        est_times = estimate_in_process(args.repeat)
        print(
            f"gosmart estimate, Prop 99 (fresh process):  {est_wall:6.2f} s wall"
            + ("" if est_code == 0 else f"  EXIT CODE {est_code}")
        )
        print(
            f"estimate on Prop 99 (in process, x{args.repeat}):  best {min(est_times):6.2f} s, "
            f"median {statistics.median(est_times):6.2f} s"
        )
        print()
        worst = max(wall, *times)
        print(
            f"target: whole registry < {TARGET_S:.0f} s -> "
            + ("MET" if worst < TARGET_S else "NOT MET")
            + f" (slowest run {worst:.2f} s)"
        )
        print(
            f"target: gosmart estimate on Prop 99 < {TARGET_S:.0f} s -> "
            + ("MET" if est_wall < TARGET_S else "NOT MET")
            + f" ({est_wall:.2f} s)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
