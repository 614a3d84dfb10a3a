"""Helpers shared by the benchmarks: timing in a fresh process, peak memory, sample files."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

CACHE = Path(tempfile.gettempdir()) / "crmdata-bench"


def sample_csv(n: int, seed: int = 1, part: int = 0, parts: int = 1) -> Path:
    """A generated ONLYOFFICE export of ``n`` contacts (made once, then reused); ``part`` of
    ``parts`` when it is one piece of a larger base (see :func:`sample_parts`)."""
    from crmdata.csvio.exporter import write_frame
    from crmdata.sample import generate

    CACHE.mkdir(parents=True, exist_ok=True)
    name = f"contacts-{n}-{seed}" + (f"-{part}of{parts}" if parts > 1 else "")
    path = CACHE / f"{name}.csv"
    if not path.exists():
        sample = generate(n, seed=seed, part=part, parts=parts)
        sample.truth.to_parquet(CACHE / f"{name}.truth.parquet", index=False)
        tmp = path.with_suffix(".part")
        write_frame(sample.contacts, tmp)
        tmp.replace(path)
    return path


def sample_truth(n: int, seed: int = 1) -> pd.DataFrame:
    """Which rows of the base :func:`sample_parts` makes are one entity: ``row`` (1-based, part
    after part) and ``entity`` (unique across parts), read from beside each part's file."""
    import pandas as pd

    from crmdata.sample import generate

    frames = []
    for i, path in enumerate(sample_parts(n, seed)):
        truth_file = path.with_suffix(".truth.parquet")
        if not truth_file.exists():  # a file cached before truths were kept beside it
            part, parts = (i, n // CHUNK) if n > CHUNK else (0, 1)
            size = min(n, CHUNK)
            generate(size, seed=seed if n <= CHUNK else seed * 1000 + i, part=part,
                     parts=parts).truth.to_parquet(truth_file, index=False)
        truth = pd.read_parquet(truth_file)
        offset = i * CHUNK
        frames.append(pd.DataFrame({"row": truth["row"] + offset, "entity": truth["entity_id"] + offset}))
    return pd.concat(frames, ignore_index=True)


#: Largest base generated and imported in one piece. Bigger bases are made of independent
#: samples of this size (the generator's frames for 10M contacts would not fit in memory), each
#: imported in its own transaction, as an administrator would load a base of that size.
CHUNK = 1_000_000


def sample_parts(n: int, seed: int = 1) -> list[Path]:
    """The generated files a base of ``n`` contacts is imported from: one file up to ``CHUNK``
    contacts, else ``n / CHUNK`` independent samples (seeds ``seed * 1000 + i``) generated as the
    parts of one base, so that duplicates lie within one part, as the generator makes them, and
    no email address or domain is in two parts (part ``i``'s contact of row ``r`` is
    ``i * CHUNK + r`` in the base, and its truth the part's)."""
    if n <= CHUNK:
        return [sample_csv(n, seed)]
    if n % CHUNK:
        raise ValueError(f"sizes above {CHUNK:,} must be a multiple of it, not {n:,}")
    parts = n // CHUNK
    return [sample_csv(CHUNK, seed * 1000 + i, i, parts) for i in range(parts)]


def sample_store(n: int, name: str) -> Path:
    """A store with ``n`` imported sample contacts, ``bench-<name>-<n>.duckdb`` in the cache:
    made once (through a ``.part`` file, so a stopped build never counts as made), then reused;
    checkpointed, so the file alone is complete and may be copied. Made in a process of its own,
    so that the memory a 10M import takes is given back before the measured runs start."""
    path = CACHE / f"bench-{name}-{n}.duckdb"
    if not path.exists():
        in_subprocess(f"from benchmarks.common import build_store\n"
                      f"build_store({n}, {str(path)!r})\nout = {{}}", timeout=6 * 3600)
    return path


def build_store(n: int, path: str) -> None:
    """Import ``n`` sample contacts into a new store at ``path`` (see :func:`sample_store`)."""
    from crmdata import Store
    from crmdata.sample import CUSTOM_FIELDS

    final = Path(path)
    tmp = final.with_suffix(".part")
    remove_store(tmp)
    store = Store(tmp)
    for part in sample_parts(n):
        store.import_onlyoffice(part, custom_field_types=CUSTOM_FIELDS, duplicates="clone")
    store.checkpoint()
    store.close()
    tmp.replace(final)
    remove_store(tmp)  # the lock files and search index named for the .part file


def remove_store(path: Path) -> None:
    """Delete a benchmark store file and what lives beside it (write-ahead log, lock files,
    search index), if they exist."""
    from crmdata.search.fulltext import folder_of

    for suffix in ("", ".wal", ".lock", ".queue"):  # the lock files: crmdata.turns.Turn
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(folder_of(str(path)), ignore_errors=True)


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
                           f"{time.perf_counter() - started:.0f} s (out of memory?); the end of what it "
                           f"said:\n{done.stderr[-3000:]}")
    if done.returncode != 0:
        raise RuntimeError(f"benchmark process failed:\n{done.stderr[-3000:]}")
    out: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    out["process_s"] = time.perf_counter() - started
    return out
