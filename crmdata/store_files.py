"""The files beside a store file: its write-ahead log (``<store>.wal``), read and explained
without opening DuckDB."""

from __future__ import annotations

import os
import time
from pathlib import Path

from .errors import StoreError

__all__ = ["foreign_log", "wal_size"]


def foreign_log(path: str | Path) -> StoreError:
    """The error for a store whose ``.wal`` beside it belongs to another state of the file.

    This is what a backup restored over the file leaves behind: the log of the replaced file
    (its commits since its last checkpoint) stays, and DuckDB refuses to replay it onto the
    restored one. Nothing is touched: the person decides where the log goes.
    """
    wal = Path(f"{path}.wal")
    try:
        stat = wal.stat()
        written = time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(stat.st_mtime))
        held = f"{stat.st_size:,} bytes, last written {written}"
    except OSError:
        held = "its size and time could not be read"
    aside = f"{wal}.stale-{time.strftime('%Y%m%d-%H%M%S')}"
    return StoreError(
        f"The store {path} cannot be opened: the write-ahead log {wal} beside it ({held}) was "
        f"written for another state of this file, not for the file that is there now. This "
        f"happens when a backup is restored over the store (or a store file is copied in) and "
        f"the old file's log stays behind. The log holds the changes committed to that other "
        f"file after its last checkpoint (usually its most recent edits); they are not in {path}.",
        hint=f"move the log aside to open the store as it is ('mv {wal} {aside}'); to keep "
        f"those changes instead, put the log back beside the file it was written for (the one "
        f"replaced), open that with crmdata and run 'crmdata checkpoint'",
    )


def wal_size(path: str | Path) -> int:
    """Bytes in the store's write-ahead log (0 when there is none)."""
    try:
        return os.path.getsize(f"{path}.wal")
    except OSError:
        return 0
