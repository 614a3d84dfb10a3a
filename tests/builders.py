"""Builders every test uses: contacts made through change sets, as users make them, and
snapshots of the store for "nothing changed" checks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from crmdata import Store
from crmdata.edit import DuplicateChecker
from crmdata.model import DEFAULT_PHONE_REGION

#: Every table a contact's data lives in, with the journal and the tag pool.
TABLES = ("contacts", "contact_info", "contact_tags", "custom_values", "contact_managers", "tags",
          "journal", "journal_rows", "deals", "deal_participants", "history_events", "photos")


def person(store: Store, first: str = "Lore", last: str | None = "Hamann", *, email: str | None = None,
           phone: str | None = None, emails: Sequence[str] = (), phones: Sequence[str] = (),
           tags: Sequence[str] = (), custom: Mapping[str, str] | None = None, country: str | None = None,
           website: str | None = None, share_type: int | None = None, managers: list[str] | None = None,
           checker: DuplicateChecker | None = None, region: str = DEFAULT_PHONE_REGION,
           **fields: Any) -> int:
    """A person committed through one change set (saved even if it looks like a duplicate);
    returns the new contact id. ``email``/``phone`` add one value, ``emails``/``phones`` several;
    ``country`` adds an address in that country; ``checker`` replaces the store's default."""
    cs = store.change(region=region, checker=checker) if checker else store.change(region=region)
    ref = cs.create_person(first, last, **fields)
    for e in ([email] if email else []) + list(emails):
        cs.add_info(ref, "email", e)
    for p in ([phone] if phone else []) + list(phones):
        cs.add_info(ref, "phone", p)
    if country:
        cs.add_info(ref, "address", None, city="Somewhere", country=country)
    if website:
        cs.add_info(ref, "website", website)
    if tags:
        cs.add_tags(ref, *tags)
    for label, value in (custom or {}).items():
        cs.set_custom(ref, label, value)
    if share_type is not None or managers is not None:
        cs.set_access(ref, share_type, managers)
    return cs.commit(on_duplicate="save").created[ref]


def company(store: Store, name: str = "Acme GmbH", *, email: str | None = None,
            checker: DuplicateChecker | None = None, **fields: Any) -> int:
    """A company committed through one change set; returns the new contact id."""
    cs = store.change(checker=checker) if checker else store.change()
    ref = cs.create_company(name, **fields)
    if email:
        cs.add_info(ref, "email", email)
    return cs.commit(on_duplicate="save").created[ref]


def row_counts(store: Store, tables: Sequence[str] = TABLES) -> dict[str, int]:
    """How many rows each table has."""
    with store.db.read() as tx:
        return {t: int(tx.scalar(f"SELECT count(*) FROM {t}")) for t in tables}


def snapshot(store: Store, tables: Sequence[str] | None = TABLES,
             drop: Mapping[str, Sequence[str]] | None = None,
             skip: Sequence[str] = ()) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of ``tables`` (None: every table of the store but those in ``skip``), sorted,
    without the columns ``drop`` names per table: compare two snapshots to show that an
    operation changed nothing (or only what it should)."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with store.db.read() as tx:
        if tables is None:
            tables = [str(r[0]) for r in tx.rows(
                "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database() "
                "ORDER BY table_name") if r[0] not in skip]
        for t in tables:
            cols = [r[0] for r in tx.rows(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                "AND table_catalog = current_database() ORDER BY ordinal_position", [t])]
            keep = [c for c in cols if c not in (drop or {}).get(t, ())]
            out[t] = tx.rows(f"SELECT {', '.join(keep)} FROM {t} ORDER BY ALL")
    return out
