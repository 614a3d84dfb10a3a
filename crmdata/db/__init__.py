"""The one package that owns DuckDB connections; every SQL statement in crmdata runs here.

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

The package's modules: :mod:`.database` (a store file and its actions), :mod:`.tx` (the
connection of one action, which runs every statement) and :mod:`.host` (the process's one
in-memory DuckDB, to which store files are attached, and when their write-ahead logs are folded
in). Only this package imports duckdb.
"""

from .database import Database
from .host import BLOCK_MEMORY, WAL_LIMIT, WATCH_KEEP
from .tx import MetaMemo, Params, Tx

__all__ = ["BLOCK_MEMORY", "WAL_LIMIT", "WATCH_KEEP", "Database", "MetaMemo", "Params", "Tx"]
