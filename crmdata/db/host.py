"""The process's one in-memory DuckDB, to which store files are attached for one action.

Taking a store file means ATTACHing it to one in-memory DuckDB kept per process (:data:`HOST`),
not starting a new DuckDB: a new instance registers every built-in function again, which costs
several times an ATTACH/DETACH of a store file, and the file lock is held exactly from ATTACH to
DETACH.

Detaching does not checkpoint: a commit is durable once it is in the file's write-ahead log
(``<store>.wal``), and folding the log into the main file rewrites every table the commits
touched (at 1M contacts more than the whole rest of a one-contact commit).
Instead the log is folded in when it has grown past :data:`WAL_LIMIT`, and by
:meth:`crmdata.db.Database.checkpoint` (before copying the file on its own). The price is that
each ATTACH replays the log, the more the longer it is; the limit keeps that small. The figures
are in docs/benchmarks.md ("Write-back latency").
"""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
import time

import duckdb

from ..errors import StoreError
from ..quoting import sql_literal
from ..store_files import wal_size
from ..turns import TURN_POLL, Turn

#: Seconds the thread detaching lingering files waits for the next lingering before it ends.
WATCH_KEEP = 1.0

#: The write-ahead log is folded into the store file when it is larger than this at the end
#: of an action: a few one-contact edits, so an ATTACH replays little while most commits skip
#: the checkpoint (module docstring). Chosen by measuring smaller and larger limits side by
#: side (docs/benchmarks.md, "Write-back latency").
WAL_LIMIT = 32 * 1024

#: Memory the process's DuckDB keeps for blocks once it has used it, instead of allocating
#: and freeing each block: every action attaches the store afresh and reads dozens of blocks
#: even for a one-contact commit. A larger value gained nothing more when measured
#: (docs/benchmarks.md, "Write-back latency"), and DuckDB never gives this memory back, so it
#: is kept small.
BLOCK_MEMORY = "64MiB"


class _Host:
    """The process's in-memory DuckDB, to which store files are attached for one action.

    Several :class:`~crmdata.db.Database` objects (or nested actions) on one file share one attachment,
    counted, and each action gets its own cursor (its own transaction and temp tables). A
    forked child makes its own host: a DuckDB instance does not survive ``fork``.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._pid = 0
        self._attached: dict[str, tuple[str, int]] = {}
        self._turns: dict[str, Turn] = {}  # held exactly while the file is attached
        self._names = itertools.count(1)
        # files kept attached after their last action (see Database's ``linger``), until when
        self._idle: dict[str, float] = {}
        self._watcher: threading.Thread | None = None

    def _host(self) -> duckdb.DuckDBPyConnection:
        if self._con is None or self._pid != os.getpid():
            self._con = duckdb.connect(":memory:")
            self._con.execute("SET checkpoint_on_detach = 'DISABLED'").fetchall()
            self._con.execute(f"SET block_allocator_memory = '{BLOCK_MEMORY}'").fetchall()
            self._pid = os.getpid()
            self._attached = {}
            self._turns = {}
            self._idle = {}
            self._watcher = None
        return self._con

    def forget_instance(self) -> None:
        """:meth:`_forget_instance`, for a caller that learnt of the fatal error itself."""
        with self._lock:
            self._forget_instance()

    def _forget_instance(self) -> None:
        """Drop a DuckDB instance that a fatal error invalidated (it answers every statement with
        that error until it is replaced): the files it had attached are let go, their turns
        given back, and the next action starts a new instance. Called with the lock held.
        Nothing a fatal error interrupted was committed, so the files hold what they held."""
        if self._con is not None:
            with contextlib.suppress(duckdb.Error):
                self._con.close()
        for key in list(self._attached):
            with contextlib.suppress(Exception):
                self._turns[key].give_back()
        self._con = None
        self._attached = {}
        self._idle = {}

    def take(self, path: str, deadline: float) -> duckdb.DuckDBPyConnection:
        """A cursor whose default database is the store file at ``path`` (attached if need be,
        once it is this process's turn: :class:`Turn`, waited for until ``deadline``)."""
        key = os.path.realpath(path)
        with self._lock:
            host = self._host()
            alias, count = self._attached.get(key, ("", 0))
            if key in self._idle:  # still attached from an action that just ended: the turn is held
                del self._idle[key]
                count = 0  # the lingering's hold passes to this action
            elif not count:
                turn = self._turns.get(key) or self._turns.setdefault(key, Turn(key))
                turn.take(deadline)
                alias = f"crm_{next(self._names)}"
                try:
                    host.execute(f"ATTACH {sql_literal(key)} AS {alias}").fetchall()
                except BaseException:
                    turn.give_back()
                    raise
            self._attached[key] = (alias, count + 1)
            try:
                cur = host.cursor()
                cur.execute(f"USE {alias}").fetchall()
            except BaseException:
                self._release(key)
                raise
            return cur

    def give_back(self, path: str, cur: duckdb.DuckDBPyConnection, linger: float = 0.0) -> None:
        """Close an action's cursor; the last one out detaches the file (releasing its lock),
        or with ``linger`` seconds keeps it attached that long unless another process waits."""
        key = os.path.realpath(path)
        with self._lock:
            try:
                cur.close()
            finally:
                self._release(key, linger)

    def let_go(self, path: str) -> None:
        """Detach a file kept attached after its last action now (a store being closed)."""
        key = os.path.realpath(path)
        with self._lock:
            if key in self._idle:
                del self._idle[key]
                self._release(key)

    def _watch(self) -> None:
        """Detach the lingering files whose time is up or that another process waits for; kept
        :data:`WATCH_KEEP` s after the last one, so back-to-back actions start no thread each."""
        quiet_since: float | None = None
        while True:
            time.sleep(TURN_POLL)
            with self._lock:
                now = time.monotonic()
                if self._idle:
                    quiet_since = None
                elif quiet_since is None:
                    quiet_since = now
                if self._pid != os.getpid() or (quiet_since is not None and now - quiet_since >= WATCH_KEEP):
                    self._watcher = None
                    return
                for key, until in list(self._idle.items()):
                    if now >= until or self._turns[key].wanted():
                        del self._idle[key]
                        with contextlib.suppress(StoreError):  # the log stays; the next action retries
                            self._release(key)

    def _release(self, key: str, linger: float = 0.0) -> None:
        alias, count = self._attached[key]
        if count > 1:
            self._attached[key] = (alias, count - 1)
            return
        if linger > 0 and self._con is not None and self._pid == os.getpid():
            if wal_size(key) > WAL_LIMIT:  # as at a detach; one that fails is tried again then
                with contextlib.suppress(duckdb.Error):
                    self._con.execute(f"CHECKPOINT {alias}").fetchall()
            self._attached[key] = (alias, 1)  # held by the lingering itself
            self._idle[key] = time.monotonic() + linger
            if self._watcher is None:
                self._watcher = threading.Thread(target=self._watch, name="crmdata-linger", daemon=True)
                self._watcher.start()
            return
        del self._attached[key]
        if self._con is not None and self._pid == os.getpid():
            failed: duckdb.Error | None = None
            turn = self._turns[key]
            try:
                if wal_size(key) > WAL_LIMIT:
                    self._con.execute(f"CHECKPOINT {alias}").fetchall()
            except duckdb.FatalException:
                failed = None  # the instance is gone: nothing left to fold or detach
            except duckdb.Error as exc:
                failed = exc
            finally:
                try:
                    self._con.execute(f"DETACH {alias}").fetchall()
                except duckdb.FatalException:
                    self._forget_instance()
                finally:
                    turn.give_back()
            if failed is not None:
                raise StoreError(
                    f"Every change is saved in {key}.wal, but folding that log into {key} failed: {failed}",
                    hint="free disk space if it is full; the next action tries again",
                ) from failed

    def checkpoint(self, path: str) -> None:
        """Fold the file's write-ahead log into it (the file must be attached by the caller)."""
        key = os.path.realpath(path)
        with self._lock:
            alias, count = self._attached.get(key, ("", 0))
            if count:
                self._host().execute(f"CHECKPOINT {alias}").fetchall()



HOST = _Host()
