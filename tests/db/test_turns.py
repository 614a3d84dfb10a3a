"""Issue 17 item 8: processes take the store file in turn, within a bounded wait.

Real processes on a real store file: one holds the file again and again (a writer committing back
to back, or a slow reader), another must still get it well within its ``busy_timeout``. Before
the turn lock, the second waited out its whole timeout and got ``Busy``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crmdata.db import Database

pytestmark = pytest.mark.slow  # a few seconds of real processes each

WORKER = r"""
import json, sys, time
from pathlib import Path
from crmdata.db import Database
from crmdata.errors import Busy

path, role, seconds, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
db = Database(path, busy_timeout=timeout)
Path(f"{path}.{role}.ready").touch()
while not Path(f"{path}.go").exists():
    time.sleep(0.005)
end = time.monotonic() + seconds
waits, busy, n = [], 0, 0
while time.monotonic() < end:
    asked = time.monotonic()
    try:
        if role in ("hog", "writer"):  # a commit
            with db.transaction() as tx:
                waits.append(time.monotonic() - asked)
                tx.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [role, str(n)])
        elif role == "slow_reader":  # a read that holds the file for 0.3 s
            with db.read() as tx:
                waits.append(time.monotonic() - asked)
                tx.scalar("SELECT count(*) FROM meta")
                time.sleep(0.3)
        else:  # reader: a quick read
            with db.read() as tx:
                waits.append(time.monotonic() - asked)
                tx.scalar("SELECT count(*) FROM meta")
        n += 1
    except Busy:
        busy += 1
    if role in ("writer", "reader"):  # an action now and then, not back to back
        time.sleep(0.05)
print(json.dumps({"n": n, "busy": busy, "max_wait": max(waits, default=-1.0)}))
"""


def _together(path: Path, roles: dict[str, float], seconds: float = 4.0) -> dict[str, dict[str, float]]:
    """Run one process per role (role -> busy_timeout) on the store at once, for ``seconds``."""
    Database(path).close()
    procs = {role: subprocess.Popen([sys.executable, "-c", WORKER, str(path), role, str(seconds),
                                     str(timeout)], stdout=subprocess.PIPE, text=True)
             for role, timeout in roles.items()}
    try:
        deadline = time.monotonic() + 60
        while not all(Path(f"{path}.{r}.ready").exists() for r in roles):
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.01)
        Path(f"{path}.go").touch()
        out = {}
        for role, proc in procs.items():
            stdout, _ = proc.communicate(timeout=120)
            assert proc.returncode == 0, role
            out[role] = json.loads(stdout.strip().splitlines()[-1])
        return out
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()


#: The waiting process's busy_timeout: its bound. The other holds the file for far longer in all.
BOUND = 2.0


def test_a_writer_gets_the_file_while_another_commits_back_to_back(tmp_path: Path) -> None:
    out = _together(tmp_path / "crm.duckdb", {"hog": 30.0, "writer": BOUND})
    assert out["writer"]["busy"] == 0, out
    assert out["writer"]["n"] >= 5 and out["writer"]["max_wait"] < BOUND, out
    assert out["hog"]["busy"] == 0 and out["hog"]["n"] > out["writer"]["n"], out  # both progressed


def test_a_writer_gets_the_file_between_the_reads_of_a_slow_reader(tmp_path: Path) -> None:
    out = _together(tmp_path / "crm.duckdb", {"slow_reader": 30.0, "writer": BOUND})
    assert out["writer"]["busy"] == 0, out
    assert out["writer"]["n"] >= 5 and out["writer"]["max_wait"] < BOUND, out
    assert out["slow_reader"]["n"] >= 3, out


def test_a_reader_gets_the_file_while_a_writer_commits_back_to_back(tmp_path: Path) -> None:
    out = _together(tmp_path / "crm.duckdb", {"hog": 30.0, "reader": BOUND})
    assert out["reader"]["busy"] == 0, out
    assert out["reader"]["n"] >= 5 and out["reader"]["max_wait"] < BOUND, out


OTHER = r"""
import sys, time
from crmdata.db import Database
path = sys.argv[1]
asked = time.monotonic()
db = Database(path, busy_timeout=5.0)
with db.transaction() as tx:
    waited = time.monotonic() - asked
    tx.execute("INSERT OR REPLACE INTO meta VALUES ('other', 'wrote')")
print(round(waited, 3))
"""


def test_a_lingering_store_keeps_its_file_only_until_another_process_waits(tmp_path: Path) -> None:
    import os

    from crmdata.db import host

    path = tmp_path / "crm.duckdb"
    db = Database(path, linger=60.0)
    key = os.path.realpath(path)
    with db.read() as tx:
        assert tx.scalar("SELECT count(*) FROM meta")
    assert key in host.HOST._attached  # kept attached after the read, for the next action
    with db.read() as tx:  # the next action takes it as it is
        tx.scalar("SELECT count(*) FROM meta")
    assert key in host.HOST._attached
    started = time.monotonic()
    out = subprocess.run([sys.executable, "-c", OTHER, str(path)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert float(out.stdout.strip()) < BOUND  # handed over long before the linger of 60 s ran out
    assert time.monotonic() - started < 60
    with db.read() as tx:  # attached afresh: sees the other process's write
        assert tx.scalar("SELECT value FROM meta WHERE key = 'other'") == "wrote"
    db.close()
    assert key not in host.HOST._attached  # closing lets the file go at once


def test_one_watcher_thread_serves_back_to_back_lingering_actions(tmp_path: Path) -> None:
    """Actions that each linger do not start a thread each: the one watching lingering files
    stays while actions follow one another, and ends once none has lingered for a while."""
    from crmdata.db import host

    db = Database(tmp_path / "crm.duckdb", linger=0.05)
    seen = set()
    for _ in range(5):
        with db.read() as tx:
            tx.scalar("SELECT count(*) FROM meta")
            time.sleep(0.02)  # the watcher polls while the action holds the file
        seen.add(host.HOST._watcher)
    assert len(seen) == 1 and None not in seen
    watcher = seen.pop()
    assert watcher is not None
    watcher.join(timeout=host.WATCH_KEEP + 5)  # the linger runs out, then the watcher ends
    assert not watcher.is_alive() and host.HOST._watcher is None
    db.close()
