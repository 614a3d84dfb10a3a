"""Processes sharing one store file: how long a writer waits for the file while another process
holds it again and again (issue 17 item 8).

Two real processes on one fresh store for a fixed time: a "hog" that commits back to back (or
a slow reader whose every read holds the file for 0.3 s), and a writer that commits every 50 ms
with the default ``busy_timeout`` (10 s). Figures: the writer's commits, the ``Busy`` errors it
got, and its wait for the file (from asking to being in its transaction). Baseline: the same
processes with the turn lock switched off inside them (``crmdata.turns.Turn`` made a no-op), i.e.
DuckDB's own file lock retried with back-off, as before.

Run: ``.venv/bin/python -m benchmarks.turns_bench [--quick]``.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORKER = r"""
import json, sys, time
from pathlib import Path
import crmdata.turns as turns_module
from crmdata.db import Database
from crmdata.errors import Busy

path, role, seconds, fair = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4] == "fair"
if not fair:  # the baseline: DuckDB's file lock alone
    turns_module.Turn.take = lambda self, deadline: None
    turns_module.Turn.give_back = lambda self: None
db = Database(path)
Path(f"{path}.{role}.ready").touch()
while not Path(f"{path}.go").exists():
    time.sleep(0.005)
end = time.monotonic() + seconds
waits, busy, n = [], 0, 0
while time.monotonic() < end:
    asked = time.monotonic()
    try:
        if role == "slow_reader":
            with db.read() as tx:
                waits.append(time.monotonic() - asked)
                tx.scalar("SELECT count(*) FROM meta")
                time.sleep(0.3)
        else:
            with db.transaction() as tx:
                waits.append(time.monotonic() - asked)
                tx.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [role, str(n)])
        n += 1
    except Busy:
        busy += 1
    if role == "writer":
        time.sleep(0.05)
print(json.dumps({"n": n, "busy": busy, "waits": waits}))
"""


def _pair(folder: Path, other: str, fair: bool, seconds: float) -> dict[str, dict[str, object]]:
    from crmdata.db import Database

    path = folder / f"{other}-{'fair' if fair else 'base'}.duckdb"
    Database(path).close()
    roles = (other, "writer")
    procs = {r: subprocess.Popen([sys.executable, "-c", WORKER, str(path), r, str(seconds),
                                  "fair" if fair else "base"], stdout=subprocess.PIPE, text=True)
             for r in roles}
    while not all(Path(f"{path}.{r}.ready").exists() for r in roles):
        time.sleep(0.01)
    Path(f"{path}.go").touch()
    out = {}
    for r, proc in procs.items():
        stdout, _ = proc.communicate(timeout=seconds + 120)
        if proc.returncode != 0:
            raise RuntimeError(f"{r} failed")
        out[r] = json.loads(stdout.strip().splitlines()[-1])
    return out


def run(quick: bool = False) -> str:
    seconds = 5.0 if quick else 20.0
    lines = [
        "## Store turns between processes (issue 17 item 8)",
        "",
        f"Command: `python -m benchmarks.turns_bench{' --quick' if quick else ''}` (part of "
        f"`make bench`). Two processes on one store for {seconds:g} s each: the other process "
        "holds the file again and again, the writer commits every 50 ms with the default "
        "`busy_timeout` of 10 s. Wait: from asking for the file to being in the transaction. "
        "Baseline: the same processes with the turn lock switched off (DuckDB's file lock "
        "retried with back-off).",
        "",
        "| other process | how | writer commits | writer Busy | median wait ms | max wait ms | "
        "other's actions |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for other in ("hog", "slow_reader"):
            label = "commits back to back" if other == "hog" else "reads holding the file 0.3 s each"
            for fair in (False, True):
                out = _pair(Path(tmp), other, fair, seconds)
                w = out["writer"]
                waits = [float(x) * 1000 for x in w["waits"]]  # type: ignore[attr-defined]
                med = f"{statistics.median(waits):,.0f}" if waits else "-"
                top = f"{max(waits):,.0f}" if waits else "-"
                lines.append(f"| {label} | {'crmdata (turns)' if fair else 'baseline'} | {w['n']} | "
                             f"{w['busy']} | {med} | {top} | {out[other]['n']} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv))
