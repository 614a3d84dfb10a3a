"""Builders for data-quality tests: contacts are created through change sets, like users do;
data "loaded from outside" that edits would refuse is then written with plain SQL."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd

from crmdata import Store
from crmdata.derived import contacts_changed

#: A day far enough ahead that every contact created today is stale at it.
FAR = dt.date.today() + dt.timedelta(days=4000)


def person(store: Store, first: str = "Lore", last: str | None = "Hamann", *, emails: tuple[str, ...] = (),
           phones: tuple[str, ...] = (), country: str | None = None, website: str | None = None,
           **fields: Any) -> int:
    cs = store.change(region="DE")
    ref = cs.create_person(first, last, **fields)
    for e in emails:
        cs.add_info(ref, "email", e)
    for p in phones:
        cs.add_info(ref, "phone", p)
    if country:
        cs.add_info(ref, "address", None, city="Somewhere", country=country)
    if website:
        cs.add_info(ref, "website", website)
    return cs.commit(on_duplicate="save").created[ref]


def company(store: Store, name: str = "Acme GmbH", *, email: str | None = None) -> int:
    cs = store.change()
    ref = cs.create_company(name)
    if email:
        cs.add_info(ref, "email", email)
    return cs.commit(on_duplicate="save").created[ref]


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


def snapshot(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table a cleanup may touch, in a stable order."""
    tables = ["contacts", "contact_info", "contact_tags", "custom_values", "contact_managers", "tags",
              "journal", "journal_rows"]
    with store.db.read() as tx:
        return {t: tx.rows(f"SELECT * FROM {t} ORDER BY ALL") for t in tables}
