"""A connection inside one action: the only object that runs SQL."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from ..errors import KeyTaken

if TYPE_CHECKING:
    from .database import Database

Params = Sequence[Any] | dict[str, Any] | None


def raise_if_taken(exc: duckdb.Error) -> None:
    """A key the store already has, as crmdata's error (other refusals stay DuckDB's): refused
    by a statement, or by COMMIT when a transaction of this process that overlapped wrote the
    same key and committed first."""
    if "Duplicate key" in str(exc) or "PRIMARY KEY or UNIQUE constraint violation" in str(exc):
        raise KeyTaken(f"The store already has a row with that key, so the write was refused "
                       f"({exc}).") from exc


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
                raise_if_taken(exc)
                raise

    def df(self, sql: str, params: Params = None) -> pd.DataFrame:
        return self._con.execute(sql, params).df()

    def rows(self, sql: str, params: Params = None) -> list[tuple[Any, ...]]:
        try:
            return self._con.execute(sql, params).fetchall()
        except duckdb.ConstraintException as exc:
            raise_if_taken(exc)
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
