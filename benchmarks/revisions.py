"""Two git revisions of this repository side by side, each in a worker process of its own.

The side-by-side benchmarks (:mod:`benchmarks.edit_ab`, :mod:`benchmarks.check_ab`,
:mod:`benchmarks.import_ab`) export each revision with ``git archive`` and run a worker on its
own code, so that the machine's drift in speed falls on both alike. :func:`workers` starts a
worker per revision on its own copy of a store, each running ``script --worker STORE ...`` with
the revision's tree first on the path, and checks that it runs that tree's crmdata; :func:`ask`
sends one line and reads the answer.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def export(rev: str, into: Path) -> Path:
    """The source tree of a git revision of this repository, in a folder of its own."""
    into.mkdir(parents=True)
    archive = into / "src.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "archive", rev], check=True, stdout=out, cwd=REPO)
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    archive.unlink()
    return into


@contextmanager
def workers(old: str, new: str, source: Path, scratch: Path, script: str,
            args: Sequence[str] = ()) -> Iterator[dict[str, subprocess.Popen[str]]]:
    """``{"old": worker, "new": worker}``, each ``script --worker <its copy of source> *args``
    on its revision's code; the copies and trees are removed afterwards. A worker prints the
    folder of the crmdata it runs as its first line."""
    from .common import remove_store

    work = Path(tempfile.mkdtemp(prefix="crmdata-ab-", dir=scratch))
    procs: dict[str, subprocess.Popen[str]] = {}
    try:
        for name, rev in (("old", old), ("new", new)):
            tree = export(rev, work / name)
            store = work / f"{name}.duckdb"
            shutil.copy(source, store)
            proc = procs[name] = subprocess.Popen(
                [sys.executable, script, "--worker", str(store), *args], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(tree)}, cwd=work)
            assert proc.stdout is not None
            running = proc.stdout.readline().strip()
            if not running:
                raise RuntimeError(f"the worker of {rev} stopped before its first step (its error is "
                                   "above; a revision refuses a store of a newer schema)")
            if not running.startswith(str(tree)):
                raise RuntimeError(f"the worker of {rev} runs the crmdata in {running}, not {tree}")
        yield procs
    finally:
        for proc in procs.values():
            if proc.stdin is not None:
                proc.stdin.close()
            proc.wait()
        for name in procs:
            remove_store(work / f"{name}.duckdb")
        shutil.rmtree(work, ignore_errors=True)


def in_turns(revs: Sequence[str], rounds: int) -> Iterator[tuple[int, str]]:
    """``(round, revision)``: every revision once per round, in alternating order, so that each
    sees the same phases of a machine whose speed drifts."""
    for r in range(rounds):
        for rev in (revs if r % 2 == 0 else list(reversed(revs))):
            yield r, rev


def run_fresh(rev: str, tree: Path, code: str, args: Sequence[str], cwd: Path) -> dict[str, Any]:
    """Run ``code`` (``python -c``) on the revision's ``tree`` in a fresh process; the JSON
    object it prints last, which names the crmdata it ran as ``tree`` (checked)."""
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(tree)}, cwd=cwd)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    if not str(result["tree"]).startswith(str(tree)):
        raise RuntimeError(f"{rev} ran the crmdata in {result['tree']}")
    return result


def ask(proc: subprocess.Popen[str], line: str) -> list[str]:
    """Send a worker one line; the words of the line it answers."""
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(f"{line}\n")
    proc.stdin.flush()
    return proc.stdout.readline().split()
