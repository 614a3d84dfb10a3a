"""`make lab`'s store step: it builds data/crm.duckdb when missing and never touches one that exists.

The Makefile is run for real by GNU make in a copy of the project's top level. Its venv step
runs ``$(BIN)/python -m pip ...``; BIN points at two small scripts that log their arguments
instead of installing, so the test sees which steps make runs after the pins change.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="GNU make is not installed")


def _project(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "project"
    (root / "data").mkdir(parents=True)
    for name in ("Makefile", "pyproject.toml", "constraints.txt"):
        shutil.copy(REPO / name, root / name)
    for name in ("sample_contacts.csv", "sample_deals.csv", "sample_history.csv", "sample_dates.csv"):
        shutil.copy(REPO / "data" / name, root / "data" / name)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    for tool in ("python", "crmdata"):
        script = bin_dir / tool
        script.write_text(f'#!/bin/sh\necho "{tool} $*" >> {log}\n')
        script.chmod(0o755)
    stamp = root / ".venv" / ".installed"
    stamp.parent.mkdir()
    stamp.touch()
    return root, log


def _make(root: Path, *targets: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", f"BIN={root.parent / 'bin'}", *targets],
        cwd=root, capture_output=True, text=True, timeout=60, check=False,
    )


def test_an_existing_store_survives_a_change_of_pins_and_sample(tmp_path: Path) -> None:
    root, log = _project(tmp_path)
    store = root / "data" / "crm.duckdb"
    store.write_bytes(b"the user's real contacts")
    wal = root / "data" / "crm.duckdb.wal"
    wal.write_bytes(b"their last commits")
    time.sleep(0.01)
    later = time.time() + 5
    for name in ("constraints.txt", "data/sample_contacts.csv"):  # a git pull changed both
        os.utime(root / name, (later, later))
    result = _make(root, "data/crm.duckdb")
    assert result.returncode == 0, result.stderr
    calls = log.read_text()
    assert "python -m pip install" in calls  # the pins change is noticed: the venv is updated
    assert "crmdata" not in calls  # but the store is not rebuilt
    assert store.read_bytes() == b"the user's real contacts"
    assert wal.read_bytes() == b"their last commits"


def test_a_missing_store_is_built_from_the_sample(tmp_path: Path) -> None:
    root, log = _project(tmp_path)
    result = _make(root, "data/crm.duckdb")
    assert result.returncode == 0, result.stderr
    assert log.read_text().splitlines() == ["crmdata --db data/crm.duckdb sample load data"]


def test_a_stray_log_without_its_store_is_not_overwritten(tmp_path: Path) -> None:
    root, log = _project(tmp_path)
    wal = root / "data" / "crm.duckdb.wal"
    wal.write_bytes(b"commits of a store that was moved")
    result = _make(root, "data/crm.duckdb")
    assert result.returncode != 0 and "move it aside" in result.stderr
    assert wal.read_bytes() == b"commits of a store that was moved" and not log.exists()
