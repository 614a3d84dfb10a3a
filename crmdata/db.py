"""The one module that owns DuckDB connections; every SQL statement in crmdata runs here.

DuckDB lets one process at a time write a database file. So that a notebook and a cron
script can share ``data/crm.duckdb``, a :class:`Database` takes the file for one action
(a read, or one write transaction) and lets it go again, retrying for a bounded time while
another process holds the file, then raising :class:`~crmdata.errors.Busy`. Processes take
the file in turn (:class:`crmdata.turns.Turn`, two lock files beside the store), so one that commits back
to back cannot keep another out until its timeout; a read may carry a time budget
(``Database.read(budget=...)``, as every search does), after which it is stopped. A process that
has the file to itself (a benchmark, a long batch job) may ask to ``keep_open``; one that acts
in quick succession (a dashboard) to ``linger``, keeping the file between actions while no
other process waits for it.

Taking the file means ATTACHing it to one in-memory DuckDB kept per process (the
:class:`_Host`), not starting a new DuckDB: a new instance registers every built-in function
again, which costs several times an ATTACH/DETACH of a store file, and the file lock is held
exactly from ATTACH to DETACH.

Detaching does not checkpoint: a commit is durable once it is in the file's write-ahead log
(``<store>.wal``), and folding the log into the main file rewrites every table the commits
touched (at 1M contacts more than the whole rest of a one-contact commit).
Instead the log is folded in when it has grown past :data:`WAL_LIMIT`, and by
:meth:`Database.checkpoint` (before copying the file on its own). The price is that each
ATTACH replays the log, the more the longer it is; the limit keeps that small. The figures
are in docs/benchmarks.md ("Write-back latency").
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from .errors import Busy, CrmDataError, KeyTaken, OverBudget, StoreError
from .schema import migrate
from .store_files import foreign_log, wal_size
from .turns import TURN_POLL, Turn, TurnTimeout

#: Seconds the thread detaching lingering files waits for the next lingering before it ends.
WATCH_KEEP = 1.0

Params = Sequence[Any] | dict[str, Any] | None

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

_LOCK_RE = re.compile(r"lock|conflicting|being used by another", re.IGNORECASE)
#: DuckDB's refusal of a write-ahead log written for another state of the file.
_WAL_RE = re.compile(r"replaying WAL|WAL does not match", re.IGNORECASE)


class _Host:
    """The process's in-memory DuckDB, to which store files are attached for one action.

    Several :class:`Database` objects (or nested actions) on one file share one attachment,
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
                    host.execute(f"ATTACH {_literal(key)} AS {alias}").fetchall()
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


_HOST = _Host()


@contextmanager
def _stop_after(con: duckdb.DuckDBPyConnection, seconds: float) -> Iterator[None]:
    """Interrupt the connection's running statement once ``seconds`` have passed (a timer
    thread); an interrupted block raises :class:`OverBudget`. An interrupt that comes between
    statements is lost, not kept for the next one, so the timer is disarmed under a lock."""
    guard = threading.Lock()
    state = {"armed": True, "fired": False}

    def stop() -> None:
        with guard:
            if state["armed"]:
                state["fired"] = True
                con.interrupt()

    timer = threading.Timer(max(0.0, float(seconds)), stop)
    timer.daemon = True
    timer.start()
    try:
        yield
    except duckdb.InterruptException as exc:
        if not state["fired"]:
            raise
        raise OverBudget(
            f"The read was stopped after its time budget of {seconds:g} s, so that it does not "
            "keep other users from the store; nothing was changed."
        ) from exc
    finally:
        with guard:
            state["armed"] = False
        timer.cancel()


def _raise_if_taken(exc: duckdb.Error) -> None:
    """A key the store already has, as crmdata's error (other refusals stay DuckDB's): refused
    by a statement, or by COMMIT when a transaction of this process that overlapped wrote the
    same key and committed first."""
    if "Duplicate key" in str(exc) or "PRIMARY KEY or UNIQUE constraint violation" in str(exc):
        raise KeyTaken(f"The store already has a row with that key, so the write was refused "
                       f"({exc}).") from exc


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass
class MetaMemo:
    """The ``meta`` values one action has read (``complete``: all of them)."""

    values: dict[str, str | None] = field(default_factory=dict)
    complete: bool = False


class Tx:
    """A connection inside one action. The only object that runs SQL."""

    def __init__(self, con: duckdb.DuckDBPyConnection, owner: Database | None = None) -> None:
        self._con = con
        self._owner = owner
        # meta values read in this action (see meta()), shared by the action's nested blocks
        self._memo = owner.meta_memo if owner is not None else MetaMemo()

    # -- the meta table: read once per action, written through set_meta ----------------------
    META_SQL = "SELECT key, value FROM meta"

    def meta(self, key: str) -> str | None:
        """A value of the ``meta`` table (None if unset), read once per action: every write
        goes through :meth:`set_meta`, or is followed by :meth:`forget_meta`."""
        memo = self._memo
        if key not in memo.values and not memo.complete:
            memo.values[key] = self.scalar("SELECT value FROM meta WHERE key = ?", [key])
        return memo.values.get(key)

    def remember_meta(self, rows: Iterable[tuple[str, str]]) -> None:
        """Take every row of ``meta`` (:data:`META_SQL`), read by a caller in a statement of
        its own making (each statement costs its own round trip)."""
        self._memo.values = {str(k): str(v) for k, v in rows}
        self._memo.complete = True

    def set_meta(self, key: str, value: str) -> None:
        self.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])
        self._memo.values[key] = value

    def execute(self, sql: str, params: Params = None) -> int | None:
        """Run a statement to completion; returns the rows changed for INSERT/UPDATE/DELETE."""
        rows = self.rows(sql, params)
        if len(rows) == 1 and len(rows[0]) == 1 and isinstance(rows[0][0], int):
            return int(rows[0][0])
        return None

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            try:
                self._con.executemany(sql, rows).fetchall()
            except duckdb.ConstraintException as exc:
                _raise_if_taken(exc)
                raise

    def df(self, sql: str, params: Params = None) -> pd.DataFrame:
        return self._con.execute(sql, params).df()

    def rows(self, sql: str, params: Params = None) -> list[tuple[Any, ...]]:
        try:
            return self._con.execute(sql, params).fetchall()
        except duckdb.ConstraintException as exc:
            _raise_if_taken(exc)
            raise

    def one(self, sql: str, params: Params = None) -> tuple[Any, ...] | None:
        rows = self.rows(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: Params = None) -> Any:
        row = self.one(sql, params)
        return None if row is None else row[0]

    def batches(
        self, sql: str, params: Params = None, size: int = 50_000
    ) -> Iterator[list[tuple[Any, ...]]]:
        """The rows of a query in lists of at most ``size``, for streaming large results."""
        cur = self._con.execute(sql, params)
        while rows := cur.fetchmany(size):
            yield rows

    def arrow_batches(self, sql: str, params: Params = None, size: int = 50_000) -> Iterator[Any]:
        """The rows of a query as Arrow record batches of at most ``size`` rows (for writers)."""
        relation = self._con.sql(sql, params=params)
        if relation is not None:
            yield from relation.to_arrow_reader(size)

    @contextmanager
    def side(self) -> Iterator[Tx | None]:
        """A second connection to the same store for this action, whose statements may run on
        another thread while this one's caller works (a connection runs one statement at a
        time); None inside a transaction, whose writes another connection would not see. Its
        statements are not stopped by the read's time budget."""
        if self._owner is None or self._owner.in_transaction:
            yield None
            return
        cur = self._con.cursor()
        try:
            cur.execute(f"USE {self._con.execute('SELECT current_database()').fetchall()[0][0]}").fetchall()
            yield Tx(cur)
        finally:
            cur.close()

    def register(self, name: str, frame: pd.DataFrame) -> None:
        """Make a DataFrame visible to SQL under ``name`` for the rest of this action."""
        self._con.register(name, frame)

    def unregister(self, name: str) -> None:
        self._con.unregister(name)

    def forget_meta(self, key: str) -> None:
        """Read ``key`` of ``meta`` afresh next time (after a write of it in a statement of the
        caller's own making)."""
        self._memo.values.pop(key, None)
        self._memo.complete = False

    def before_commit(self, name: str, hook: Callable[[Tx], None]) -> None:
        """Run ``hook`` once, just before the outermost transaction commits (``name`` makes a
        second registration of the same hook a no-op). Outside a transaction, never."""
        if self._owner is not None:
            self._owner.commit_hooks.setdefault(name, hook)


class Database:
    """A crmdata store file: opens, migrates and hands out short-lived connections.

    ``linger`` (seconds, default 0): after an action, keep the file attached that long in case
    another action follows (an interactive session searching as one types), instead of
    attaching it anew, with DuckDB's cache of its blocks empty, each time. The file stays this
    process's meanwhile, but only while no other crmdata process waits for its turn: a waiting
    one gets it within :data:`TURN_POLL`. Other programs (DuckDB's own shell) wait the whole
    time; :meth:`close` lets it go at once.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        keep_open: bool = False,
        busy_timeout: float = 10.0,
        create: bool = True,
        linger: float = 0.0,
    ) -> None:
        self.path = str(path)
        self.keep_open = keep_open
        self.linger = float(linger)
        self.busy_timeout = busy_timeout
        self._con: duckdb.DuckDBPyConnection | None = None
        self._depth = 0
        self.meta_memo = MetaMemo()  # new for each outermost read or transaction
        self.commit_hooks: dict[str, Callable[[Tx], None]] = {}  # of the open transaction
        self._lock = threading.RLock()
        if self.path != ":memory:":
            p = Path(self.path)
            if not p.exists() and not create:
                raise StoreError(f"There is no store at {self.path}.")
            if p.exists() and p.is_dir():
                raise StoreError(f"{self.path} is a folder, not a store file.")
            p.parent.mkdir(parents=True, exist_ok=True)
        elif not keep_open:
            self.keep_open = True  # an in-memory store lives as long as its connection
        with self.transaction() as tx:
            migrate(tx, self.path)

    # -- connections -------------------------------------------------------------------
    def _open(self) -> duckdb.DuckDBPyConnection:
        deadline = time.monotonic() + self.busy_timeout
        delay = 0.01
        while True:
            try:
                if self.path != ":memory:":
                    # a cursor of the host starts with DuckDB's progress bar off (tested), so an
                    # action spends no statement on it
                    return _HOST.take(self.path, deadline)
                con = duckdb.connect(self.path)
                # no progress bar of DuckDB's own on standard output (Jupyter turns it on for
                # a connection of its own)
                con.execute("SET enable_progress_bar = false").fetchall()
                return con
            except duckdb.IOException as exc:
                if _WAL_RE.search(str(exc)):
                    raise foreign_log(self.path) from exc
                if not _LOCK_RE.search(str(exc)):
                    raise StoreError(f"Cannot open the store {self.path}: {exc}") from exc
                if time.monotonic() >= deadline:
                    raise Busy(
                        f"The store {self.path} is in use by another process; "
                        f"waited {self.busy_timeout:g} s.",
                        hint="retry when the other job has finished",
                    ) from exc
                time.sleep(delay)
                delay = min(delay * 2, 0.25)
            except duckdb.Error as exc:
                raise StoreError(f"{self.path} is not a crmdata store: {exc}") from exc
            except OSError as exc:  # the lock files beside the store cannot be made or opened
                raise StoreError(f"Cannot take turns on the store {self.path}: {exc}",
                                 hint="crmdata needs to write beside the store file") from exc
            except TurnTimeout as exc:
                raise Busy(
                    f"The store {self.path} is in use by another process; "
                    f"waited {self.busy_timeout:g} s for its turn.",
                    hint="retry when the other job has finished",
                ) from exc

    @contextmanager
    def _connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._lock:
            if self._con is not None:
                yield self._con
                return
            con = self._open()
            if self.keep_open:
                self._con = con
                yield con
                return
            self._con = con
            try:
                yield con
            finally:
                self._con = None
                self._let_go(con)

    @property
    def in_transaction(self) -> bool:
        """True inside a :meth:`transaction` block (its writes are not committed yet)."""
        return self._depth > 0

    @contextmanager
    def read(self, *, budget: float | None = None) -> Iterator[Tx]:
        """A connection for reading, released afterwards unless the store is kept open.

        With a ``budget`` (seconds), a statement still running when it is spent is stopped
        and the block ends with :class:`~crmdata.errors.OverBudget`, so one read holds the file
        from other processes for that long at most.
        """
        with self._connection() as con:
            if not self._depth:  # a read inside a transaction shares its memo
                self.meta_memo = MetaMemo()
            if budget is None:
                yield Tx(con, self)
                return
            with _stop_after(con, budget):
                yield Tx(con, self)

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """All-or-nothing: commits when the block ends, rolls back on any exception.

        Nested blocks join the outer transaction (DuckDB has no savepoints).
        """
        with self._connection() as con:
            if self._depth:
                self._depth += 1
                try:
                    yield Tx(con, self)
                finally:
                    self._depth -= 1
                return
            con.execute("BEGIN TRANSACTION")
            self.meta_memo = MetaMemo()
            self._depth = 1
            self.commit_hooks = {}
            try:
                yield Tx(con, self)
            except BaseException:
                self._depth = 0
                con.execute("ROLLBACK")
                raise
            self._depth = 0
            try:
                hooks, self.commit_hooks = self.commit_hooks, {}
                for hook in hooks.values():
                    hook(Tx(con, self))
                con.execute("COMMIT")
            except duckdb.Error as exc:
                # a COMMIT that failed has rolled back already; its error is the one to report
                with contextlib.suppress(duckdb.Error):
                    con.execute("ROLLBACK")
                _raise_if_taken(exc)
                raise

    @contextmanager
    def memory_cap(self, gib: float, advice: str = "Raise the limit (--memory-limit) or leave it unset."
                   ) -> Iterator[None]:
        """Hold DuckDB's own memory to ``gib`` GiB for the block (one action): bulk steps then
        spill to temporary files instead of growing the process. DuckDB's default is 80% of
        the machine's memory, which a large import would otherwise fill with buffers."""
        with self._connection() as con:
            con.execute(f"SET memory_limit = '{float(gib):g}GiB'").fetchall()
            try:
                yield
            except duckdb.Error as exc:
                # out of memory at a commit comes as a transaction error, and when the rollback
                # then runs out too, as a fatal one that invalidates the instance
                if not isinstance(exc, duckdb.OutOfMemoryException) and "could not allocate" not in str(exc):
                    raise
                raise CrmDataError(
                    f"The work needed more than the memory limit of {float(gib):.3g} GiB and could not "
                    f"spill it to disk ({str(exc).splitlines()[0]}). {advice}"
                ) from exc
            finally:
                try:
                    con.execute("RESET memory_limit").fetchall()
                except duckdb.FatalException:  # the instance was invalidated: start afresh
                    self._after_fatal()

    def checkpoint(self) -> None:
        """Write every committed change into the store file itself, emptying its write-ahead log.

        Until then the latest commits may live only in ``<store>.wal`` beside the file; call
        this before copying the file alone (a backup, a fixture). Safe at any time.
        """
        if self.path == ":memory:":
            return
        with self._connection():
            _HOST.checkpoint(self.path)

    def _after_fatal(self) -> None:
        """Let go of a DuckDB instance a fatal error invalidated, so that the next action of this
        store (kept open or not) attaches its file to a new one."""
        if self.keep_open and self._con is not None and self.path != ":memory:":
            self._con = None
            _HOST.forget_instance()

    def _let_go(self, con: duckdb.DuckDBPyConnection) -> None:
        if self.path == ":memory:":
            con.close()
        else:
            _HOST.give_back(self.path, con, self.linger)

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                con, self._con = self._con, None
                self._let_go(con)
            if self.path != ":memory:" and self.linger > 0:
                _HOST.let_go(self.path)

    @property
    def schema_version(self) -> int:
        with self.read() as tx:
            return int(tx.scalar("SELECT value FROM meta WHERE key = 'schema_version'"))
