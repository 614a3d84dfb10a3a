"""Small builders for edit tests: contacts are created through change sets, like users do."""

from __future__ import annotations

from typing import Any

from crmdata import Store


def person(store: Store, first: str = "Lore", last: str = "Hamann", *, email: str | None = None,
           phone: str | None = None, share_type: int | None = None, managers: list[str] | None = None,
           **fields: Any) -> int:
    cs = store.change(region="DE")
    ref = cs.create_person(first, last, **fields)
    if email:
        cs.add_info(ref, "email", email)
    if phone:
        cs.add_info(ref, "phone", phone)
    if share_type is not None or managers is not None:
        cs.set_access(ref, share_type, managers)
    return cs.commit(on_duplicate="save").created[ref]


def company(store: Store, name: str = "Acme GmbH", **fields: Any) -> int:
    cs = store.change()
    ref = cs.create_company(name, **fields)
    return cs.commit(on_duplicate="save").created[ref]


def row_counts(store: Store) -> dict[str, int]:
    tables = ["contacts", "contact_info", "contact_tags", "custom_values", "contact_managers", "tags",
              "journal", "journal_rows", "deals", "deal_participants", "history_events", "photos"]
    with store.db.read() as tx:
        return {t: int(tx.scalar(f"SELECT count(*) FROM {t}")) for t in tables}
