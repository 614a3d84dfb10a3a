"""Review decisions on candidate pairs, and the fitted models, kept in the store.

``dedupe_decisions`` holds one row per decided pair (smaller id first): "duplicate" or
"not_duplicate", who decided and when. A "not_duplicate" pair is never suggested again and
never joins a cluster; decided duplicates refine m and both answers calibrate the probability
once there are enough (:mod:`.train`). ``dedupe_models`` keeps the last fitted model per kind
(:class:`.fellegi.Model`) so the write-back check scores new contacts the way the last batch
run did. Both tables are defined
in :mod:`crmdata.schema` (``DEDUPE_TABLES``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

import pandas as pd

from ..access import User, view_predicate
from ..db import Tx
from ..errors import CrmDataError, NotFound
from .fellegi import Model

__all__ = ["DECISIONS", "Decision", "frame", "load_models", "record", "save_model"]

Decision = Literal["duplicate", "not_duplicate"]
DECISIONS: tuple[str, ...] = ("duplicate", "not_duplicate")

def ordered(id1: int, id2: int) -> tuple[int, int]:
    """A pair with the smaller id first; a contact cannot be paired with itself."""
    a, b = int(id1), int(id2)
    if a == b:
        raise CrmDataError(f"A contact cannot be a duplicate of itself (contact {a}).")
    return (a, b) if a < b else (b, a)


def record(tx: Tx, user: User, id1: int, id2: int, decision: str) -> tuple[int, int]:
    """Store (or replace) the decision on a pair of contacts the user may view."""
    if decision not in DECISIONS:
        raise CrmDataError(f"A decision is 'duplicate' or 'not_duplicate', not {decision!r}.")
    a, b = ordered(id1, id2)
    pred, params = view_predicate(user, "c")
    seen = {int(r[0]) for r in tx.rows(f"SELECT c.id FROM contacts c WHERE c.id IN (?, ?) AND {pred}",
                                       [a, b, *params])}
    for cid in (a, b):
        if cid not in seen:
            raise NotFound(f"There is no contact {cid}.")
    tx.execute("DELETE FROM dedupe_decisions WHERE id1 = ? AND id2 = ?", [a, b])
    tx.execute("INSERT INTO dedupe_decisions VALUES (?, ?, ?, ?, now()::TIMESTAMP)",
               [a, b, decision, user.id])
    return a, b


def frame(tx: Tx) -> pd.DataFrame:
    """All decisions: id1, id2, decision."""
    return tx.df("SELECT id1, id2, decision FROM dedupe_decisions ORDER BY id1, id2")


def save_model(tx: Tx, model: Model) -> None:
    """Keep a fitted model as the one the write-back check uses."""
    tx.execute("DELETE FROM dedupe_models WHERE kind = ?", [model.kind])
    tx.execute("INSERT INTO dedupe_models VALUES (?, ?, now()::TIMESTAMP)", [model.kind, model.to_json()])


@lru_cache(maxsize=8)
def _parsed(text: str) -> Model:
    """A stored model, parsed once (the write-back check loads it on every commit; read only)."""
    return Model.from_json(text)


def load_models(tx: Tx) -> dict[str, Model]:
    """The last fitted models by kind (empty before the first run); shared, not to be changed."""
    return {str(k): _parsed(str(m)) for k, m in tx.rows("SELECT kind, model FROM dedupe_models")}
