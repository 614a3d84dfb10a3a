"""Where the pair-heavy steps of a duplicate run execute: DuckDB (the store's own) or Spark.

Blocking, comparison vectors, scoring and the connected components of the matched pairs are
the steps whose size grows with the square of a block; they run on an :class:`Engine`. Both
engines run the very same SQL text (:mod:`.blocking` and :mod:`.compare` write the portable
subset DuckDB and Spark SQL both accept; the one function Spark lacks, Jaro-Winkler, is
registered there under DuckDB's name), so the rules, comparison levels and scoring are defined
once. The key tables are built in DuckDB and the model is fitted there (on samples of pairs)
whichever engine runs: the engine gets the key tables (:data:`KEY_TABLES`) and the fitted
weights written into the scoring statement.

:class:`DuckEngine` is the default. The Spark engine lives in :mod:`.spark`, the only module
that imports ``pyspark`` (an optional extra, ``pip install 'crmdata[spark]'``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol

import numpy as np
import pandas as pd

from ..db import Tx
from . import cluster

#: The tables an engine reads: the key tables of :mod:`.keys`, the nickname pairs and the
#: review decisions (pairs decided "not duplicate" are never candidates).
KEY_TABLES = ("dd_c", "dd_first", "dd_email", "dd_phone", "dd_domain", "dd_nick", "dedupe_decisions")

ENGINES = ("duckdb", "spark")
#: The DuckDB engine computes comparison vectors this many candidate pairs at a time, so the
#: memory of that step does not grow with the number of pairs (each slice spills on its own).
PAIRS_PER_SLICE = 2_000_000
#: The temporary table holding the slice of pairs being compared.
SLICE = "dd_slice"


class Engine(Protocol):
    """Runs the portable SQL of a duplicate run over the key tables."""

    name: str

    def create(self, name: str, sql: str) -> None:
        """Make the rows of ``sql`` a table ``name`` later statements read."""

    def create_per_pairs(self, name: str, sql_of: Callable[[str], str], pairs: str, count: int) -> None:
        """Make table ``name`` of the rows ``sql_of(table)`` gives for the ``count`` pairs of table
        ``pairs``, all at once or in slices of them (``sql_of`` gets a table expression of
        ``(id1, id2)``)."""

    def df(self, sql: str) -> pd.DataFrame:
        """The rows of ``sql`` as a frame (only small results: counts, matched pairs)."""

    def frames(self, sql: str, rows: int) -> Iterator[pd.DataFrame]:
        """The rows of ``sql`` as frames of at most ``rows`` rows (large results: scored pairs)."""

    def scalar(self, sql: str) -> Any:
        """The first value of the first row of ``sql``."""

    def drop(self, name: str) -> None:
        """Forget a table made by :meth:`create`."""

    def components(self, ids1: np.ndarray, ids2: np.ndarray) -> dict[int, int]:
        """Contact id -> the smallest id of its connected component, for the links ``ids1-ids2``."""


class DuckEngine:
    """The store's DuckDB, inside the read transaction of the run (temp tables)."""

    name = "duckdb"

    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    def create(self, name: str, sql: str) -> None:
        self.tx.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")

    def create_per_pairs(self, name: str, sql_of: Callable[[str], str], pairs: str, count: int) -> None:
        slices = max(1, -(-count // PAIRS_PER_SLICE))
        if slices == 1:
            self.create(name, sql_of(pairs))
            return
        # Each slice is a table of its own: read through a filter, its size would be estimated
        # at a few rows, and DuckDB would then build its hash tables on the wide side of every
        # join, which it cannot spill.
        for i in range(slices):
            self.create(SLICE, f"SELECT id1, id2 FROM {pairs} WHERE id1 % {slices} = {i}")
            part = sql_of(SLICE)
            if i == 0:
                self.create(name, part)
            else:
                self.tx.execute(f"INSERT INTO {name} {part}")
        self.drop(SLICE)

    def df(self, sql: str) -> pd.DataFrame:
        return self.tx.df(sql)

    def frames(self, sql: str, rows: int) -> Iterator[pd.DataFrame]:
        for batch in self.tx.arrow_batches(sql, size=rows):
            yield batch.to_pandas()

    def scalar(self, sql: str) -> Any:
        return self.tx.scalar(sql)

    def drop(self, name: str) -> None:
        self.tx.execute(f"DROP TABLE IF EXISTS {name}")

    def components(self, ids1: np.ndarray, ids2: np.ndarray) -> dict[int, int]:
        return cluster.components(ids1, ids2)
