"""Helpers shared by the benchmarks: timing in a fresh process, peak memory, sample files."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CACHE = Path(tempfile.gettempdir()) / "crmdata-bench"


def sample_csv(n: int, seed: int = 1) -> Path:
    """A generated ONLYOFFICE export of ``n`` contacts (made once, then reused)."""
    from crmdata.csvio.exporter import write_frame
    from crmdata.sample import generate

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"contacts-{n}-{seed}.csv"
    if not path.exists():
        sample = generate(n, seed=seed)
        tmp = path.with_suffix(".part")
        write_frame(sample.contacts, tmp)
        tmp.replace(path)
    return path


def sample_store(n: int, name: str) -> Path:
    """A store with ``n`` imported sample contacts, ``bench-<name>-<n>.duckdb`` in the cache:
    made once (through a ``.part`` file, so a stopped build never counts as made), then reused;
    checkpointed, so the file alone is complete and may be copied."""
    from crmdata import Store
    from crmdata.sample import CUSTOM_FIELDS

    path = CACHE / f"bench-{name}-{n}.duckdb"
    if not path.exists():
        tmp = path.with_suffix(".part")
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)
        store = Store(tmp)
        store.import_onlyoffice(sample_csv(n), custom_field_types=CUSTOM_FIELDS, duplicates="clone")
        store.checkpoint()
        store.close()
        tmp.replace(path)
    return path


def remove_store(path: Path) -> None:
    """Delete a benchmark store file and its write-ahead log, if they exist."""
    for stale in (path, Path(str(path) + ".wal")):
        stale.unlink(missing_ok=True)


def in_subprocess(code: str, timeout: float = 3600) -> dict[str, float]:
    """Run ``code`` in a fresh Python; it must print one JSON object. Adds peak RSS in MiB.

    Peak RSS is the process's own high-water mark (VmHWM), which starts afresh at exec;
    ``ru_maxrss`` can carry the parent's peak over.
    """
    wrapper = (
        "import json, resource, time, sys\n"
        f"{code}\n"
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')]\n"
        "out['peak_rss_mib'] = (int(hwm[0].split()[1]) if hwm else "
        "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024\n"
        "print(json.dumps(out))\n"
    )
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True,
                          timeout=timeout, check=False)
    if done.returncode < 0:  # e.g. -9: the kernel's out-of-memory killer
        raise RuntimeError(f"benchmark process killed by signal {-done.returncode} after "
                           f"{time.perf_counter() - started:.0f} s (out of memory?)")
    if done.returncode != 0:
        raise RuntimeError(f"benchmark process failed:\n{done.stderr[-3000:]}")
    out: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    out["process_s"] = time.perf_counter() - started
    return out
