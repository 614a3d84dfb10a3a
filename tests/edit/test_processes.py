"""Real OS processes on one store file: two writers at once lose nothing; a writer killed
with SIGKILL in the middle of a large commit leaves the store as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crmdata import Store

from ..builders import person, row_counts

WRITER = r"""
import sys, time
from pathlib import Path
from crmdata import Busy, Conflict, Store
path, name, n, shared, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), Path(sys.argv[5])
while not go.exists():
    time.sleep(0.005)
store = Store(path, busy_timeout=30)
retries = 0
for i in range(n):
    cs = store.change()
    ref = cs.create_person(f"{name}-{i}")
    cs.add_info(ref, "email", f"{name}-{i}@example.com")
    cs.commit()
    while True:  # the shared contact: re-read and redo on conflict, retry when busy
        cs = store.change()
        cs.add_tags(shared, f"{name}-{i}")
        try:
            cs.commit()
            break
        except (Conflict, Busy):
            retries += 1
print("retries", retries, flush=True)
"""


@pytest.mark.slow
def test_two_processes_write_at_once_and_nothing_is_lost(store: Store, store_path: Path) -> None:
    shared = person(store, "Shared")
    store.close()
    go = store_path.with_name("go")
    n = 15
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(store_path), name, str(n), str(shared),
                               str(go)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for name in ("notebook", "script")]
    time.sleep(1.0)  # both have imported crmdata and wait for the same moment
    go.touch()
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (_out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
    after = Store(store_path)
    frame = after.contacts()
    assert len(frame) == 1 + 2 * n
    names = set(frame["first_name"])
    assert {f"{w}-{i}" for w in ("notebook", "script") for i in range(n)} <= names
    assert sorted(after.contact(shared).tags) == sorted(f"{w}-{i}" for w in ("notebook", "script")
                                                        for i in range(n))
    assert after.contact(shared).fields["version"] == 1 + 2 * n
    with after.db.read() as tx:
        assert tx.scalar("SELECT count(*) FROM journal WHERE action = 'edit'") == 1 + 4 * n


KILLED = r"""
import sys
from crmdata import Store, db
marker = sys.argv[3]


def announcing(real):  # says which statement runs, then really runs it
    def run(self, sql, params=None):
        if sql.startswith(marker):
            print("writing", flush=True)
        return real(self, sql, params)
    return run


db.Tx.execute = announcing(db.Tx.execute)
db.Tx.rows = announcing(db.Tx.rows)  # writes that return what they wrote
store = Store(sys.argv[1])
cs = store.change()
for i in range(int(sys.argv[2])):
    ref = cs.create_person(f"Bulk{i}", "Person", title="x")
    cs.add_info(ref, "email", f"bulk{i}@example.com")
    cs.add_tags(ref, f"bulk-tag-{i % 50}")
cs.commit()
print("done", flush=True)
"""


@pytest.mark.slow
@pytest.mark.parametrize("marker", ["INSERT INTO contact_info", "INSERT INTO journal_rows"])
def test_sigkill_in_a_large_commit_leaves_the_store_as_before(
    store: Store, store_path: Path, marker: str
) -> None:
    person(store, email="keep@example.com")
    before = row_counts(store)
    store.close()
    proc = subprocess.Popen([sys.executable, "-c", KILLED, str(store_path), "5000", marker],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "writing"  # contacts already inserted, more running
    os.kill(proc.pid, signal.SIGKILL)
    rest = proc.stdout.read()
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert "done" not in rest
    reopened = Store(store_path)
    assert row_counts(reopened) == before
    person(reopened, "After", email="after@example.com")  # the store opens and writes cleanly
    assert reopened.count() == 2


HOLDER = r"""
import sys, time
from crmdata.db import Database
db = Database(sys.argv[1])
with db.transaction() as tx:
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
"""


@pytest.mark.slow
def test_busy_after_a_bounded_wait_then_success(store: Store, store_path: Path) -> None:
    from crmdata import Busy

    cid = person(store)
    store.close()
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(store_path), "4"], stdout=subprocess.PIPE,
                              text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    started = time.monotonic()
    with pytest.raises(Busy, match="in use by another process; waited 0.5 s"):
        Store(store_path, busy_timeout=0.5)
    assert 0.4 < time.monotonic() - started < 3.5
    patient = Store(store_path, busy_timeout=30)  # waits for the holder, then works
    cs = patient.change()
    cs.update(cid, title="after the wait")
    cs.commit()
    holder.wait(timeout=30)
    assert patient.contact(cid).fields["title"] == "after the wait"
