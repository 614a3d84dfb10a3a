"""A store file taken for one action at a time: opened, migrated, read and written in
transactions, in turn with other processes (see :mod:`crmdata.db`)."""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from ..errors import Busy, CrmDataError, OverBudget, StoreError
from ..schema import migrate
from ..store_files import foreign_log
from ..turns import TurnTimeout
from .host import HOST
from .tx import MetaMemo, Tx, raise_if_taken

_LOCK_RE = re.compile(r"lock|conflicting|being used by another", re.IGNORECASE)
#: DuckDB's refusal of a write-ahead log written for another state of the file.
_WAL_RE = re.compile(r"replaying WAL|WAL does not match", re.IGNORECASE)


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


class Database:
    """A crmdata store file: opens, migrates and hands out short-lived connections.

    ``linger`` (seconds, default 0): after an action, keep the file attached that long in case
    another action follows (an interactive session searching as one types), instead of
    attaching it anew, with DuckDB's cache of its blocks empty, each time. The file stays this
    process's meanwhile, but only while no other crmdata process waits for its turn: a waiting
    one gets it within :data:`crmdata.turns.TURN_POLL`. Other programs (DuckDB's own shell) wait the whole
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
                    return HOST.take(self.path, deadline)
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
                raise_if_taken(exc)
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
            HOST.checkpoint(self.path)

    def _after_fatal(self) -> None:
        """Let go of a DuckDB instance a fatal error invalidated, so that the next action of this
        store (kept open or not) attaches its file to a new one."""
        if self.keep_open and self._con is not None and self.path != ":memory:":
            self._con = None
            HOST.forget_instance()

    def _let_go(self, con: duckdb.DuckDBPyConnection) -> None:
        if self.path == ":memory:":
            con.close()
        else:
            HOST.give_back(self.path, con, self.linger)

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                con, self._con = self._con, None
                self._let_go(con)
            if self.path != ":memory:" and self.linger > 0:
                HOST.let_go(self.path)

    @property
    def schema_version(self) -> int:
        with self.read() as tx:
            return int(tx.scalar("SELECT value FROM meta WHERE key = 'schema_version'"))
