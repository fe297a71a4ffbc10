"""SIGKILL an ingesting process at random moments: the store is always the old or the new state.

Each trial forks a process that loads a generated batch (synthetic, version k)
through `gosmart.store.writing` + `connectors.core.load_batch`, and kills it at a
random moment of its write (seeded). Afterwards the file must open, and hold
exactly version k-1 (killed before the swap) or version k (swap done).
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO_ROOT

TRIALS = 24
SEED = 20231108

# A pre-imported parent ("zygote") forks one writer per trial, so a trial costs the
# write, not the interpreter start-up; the forked writer is what gets SIGKILLed.
ZYGOTE = r"""
import os
import sys
import numpy as np
import pandas as pd
from gosmart.connectors.core import Batch, SourceSpec, load_batch
from gosmart.store import writing

db = sys.argv[1]
spec = SourceSpec(source_id="sigkill_test", connector="test", publisher="test (synthetic)",
                  title="synthetic batch for the SIGKILL test", licence="none", attribution="",
                  parse=lambda raw, loc: Batch())
N = 20000
TS = pd.date_range("2020-01-01", periods=N, freq="h")

def write(version):
    batch = Batch({
        "series": pd.DataFrame([{"series_id": "pm25|TW-TXG|synthetic", "indicator_id": "pm25",
                                 "city_id": "TW-TXG", "entity_id": "synthetic",
                                 "grain": "hourly", "unit": "µg/m³"}]),
        "observation": pd.DataFrame({"series_id": "pm25|TW-TXG|synthetic", "ts": TS,
                                     "value": np.full(N, float(version))}),
    })
    with writing(db) as con:
        load_batch(con, spec, batch, location=f"synthetic v{version}", sha256=str(version))

print("ready", flush=True)
for line in sys.stdin:
    pid = os.fork()
    if pid == 0:
        try:
            write(int(line))
        finally:
            os._exit(0)
    print(f"forked {pid}", flush=True)
    _, status = os.waitpid(pid, 0)
    print(f"exit {status}", flush=True)
"""


def _state(db: Path) -> tuple | None:
    """(version, rows) stored, or None for a store never written; the file must open."""
    if not db.exists():
        return None
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows, lo, hi = con.execute(
            "SELECT count(*), min(value), max(value) FROM observation"
        ).fetchone()
        (source_rows,) = con.execute("SELECT rows FROM source").fetchone()
    finally:
        con.close()
    assert lo == hi, "a store mixing two versions"
    assert source_rows == rows + 1
    return (int(lo), rows)


class Zygote:
    """The pre-imported parent; `write(k)` forks a writer and returns its pid."""

    def __init__(self, db: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", ZYGOTE, str(db)],
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout.readline().strip() == "ready"

    def write(self, version: int) -> int:
        self.proc.stdin.write(f"{version}\n")
        self.proc.stdin.flush()
        word, pid = self.proc.stdout.readline().split()
        assert word == "forked"
        return int(pid)

    def reaped(self) -> str:
        return self.proc.stdout.readline().strip()

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.mark.slow
def test_sigkill_at_random_moments_leaves_old_or_new_state(tmp_path):
    db = tmp_path / "store" / "gosmart.duckdb"
    rng = random.Random(SEED)
    zygote = Zygote(db)
    try:
        zygote.write(1)
        assert zygote.reaped() == "exit 0"
        assert _state(db) == (1, 20000)
        started = time.monotonic()
        zygote.write(2)  # a full rewrite measures how long one takes on this machine
        assert zygote.reaped() == "exit 0"
        write_time = time.monotonic() - started
        current = _state(db)
        assert current == (2, 20000)
        outcomes = {"old": 0, "new": 0}
        for version in range(3, TRIALS + 3):
            pid = zygote.write(version)
            time.sleep(rng.uniform(0, 1.5 * write_time))
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            zygote.reaped()
            after = _state(db)
            assert after in (current, (version, 20000)), f"trial {version}: {after} after {current}"
            outcomes["new" if after != current else "old"] += 1
            current = after
    finally:
        zygote.close()
    assert outcomes["old"] + outcomes["new"] == TRIALS
    live = [p.name for p in db.parent.iterdir() if ".tmp-" not in p.name]
    assert sorted(live) == ["gosmart.duckdb", "gosmart.duckdb.lock", "gosmart.lake"]
    print(f"SIGKILL trials: {outcomes}, one write {write_time:.2f} s")
