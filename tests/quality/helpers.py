"""Helpers for data-quality tests (contacts come from :mod:`tests.builders`): data "loaded from
outside" that edits would refuse is written with plain SQL."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd

from crmdata import Store
from crmdata.derived import contacts_changed

#: A day far enough ahead that every contact created today is stale at it.
FAR = dt.date.today() + dt.timedelta(days=4000)


def sql(store: Store, statement: str, params: list[Any] | None = None) -> None:
    """Write what an edit would refuse (data loaded from outside), keeping derived data current
    as every writer does."""
    with store.db.transaction() as tx:
        tx.execute(statement, params)
        contacts_changed(tx, "SELECT id FROM contacts")


def info_id(store: Store, cid: int, info_type: int, n: int = 0) -> int:
    with store.db.read() as tx:
        ids = [int(r[0]) for r in tx.rows(
            "SELECT id FROM contact_info WHERE contact_id = ? AND info_type = ? ORDER BY id",
            [cid, info_type])]
    return ids[n]


def add_field(store: Store, fid: int, label: str, field_type: int, scope: int = 0, mask: Any = None) -> None:
    sql(store, "INSERT INTO custom_fields VALUES (?, ?, ?, ?, ?, ?)",
        [fid, label, field_type, scope, fid, None if mask is None else json.dumps(mask)])


def findings(store: Store, rule: str, **options: Any) -> pd.DataFrame:
    frame = store.check([rule], **options)
    assert set(frame["rule"]) <= {rule}
    return frame
