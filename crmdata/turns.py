"""A store file's turn among processes: a fair lock in two lock files beside it.

:class:`crmdata.db.Database` takes the turn before it ATTACHes the file and gives it back
after DETACH (see :class:`Turn` for why DuckDB's own file lock is not enough).
"""

from __future__ import annotations

import time

from filelock import FileLock, Timeout

#: Seconds between two looks at a turn lock held by another process.
TURN_POLL = 0.005


class TurnTimeout(Exception):
    """Waited for the store's turn lock until the deadline (turned into :class:`Busy`)."""


class Turn:
    """A store file's turn among processes: a fair lock in two lock files beside it.

    DuckDB's own file lock can only be tried again and again, so a process that commits back
    to back nearly always takes the file again before a waiting one next tries, and that one
    waits its whole ``busy_timeout``. Here a process first queues at ``<store>.queue`` and,
    holding it, waits for ``<store>.lock``, which it holds from ATTACH to DETACH. The holder,
    wanting the file again, must queue too: the waiting process is ahead of it, so it gets the
    file as soon as the current action ends. With several waiting, whichever looks first gets
    the queue, and only one can be ahead in the queue each time. Readers and writers queue
    alike (every action ATTACHes the file read-write). ``filelock`` takes both locks (flock).
    """

    def __init__(self, key: str) -> None:
        self._queue = FileLock(f"{key}.queue", thread_local=False, preserve_lock_file=True)
        self._lock = FileLock(f"{key}.lock", thread_local=False, preserve_lock_file=True)

    def take(self, deadline: float) -> None:
        """Wait for the turn until ``deadline`` (``time.monotonic``); :class:`TurnTimeout` then."""
        try:
            self._queue.acquire(timeout=max(0.0, deadline - time.monotonic()), poll_interval=TURN_POLL)
        except Timeout as exc:
            raise TurnTimeout from exc
        try:
            self._lock.acquire(timeout=max(0.0, deadline - time.monotonic()), poll_interval=TURN_POLL)
        except Timeout as exc:
            raise TurnTimeout from exc
        finally:
            self._queue.release()

    def give_back(self) -> None:
        self._lock.release()

    def wanted(self) -> bool:
        """Whether another process waits for the turn (it holds the queue while it waits)."""
        try:
            self._queue.acquire(timeout=0)
        except Timeout:
            return True
        self._queue.release()
        return False
