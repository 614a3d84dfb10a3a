"""How new rows are numbered: contact ids are never reused, info ids come from a sequence.

Contact ids go past the largest id ever committed, even once deleted, so journal entries of a
removed contact can never be mistaken for a new one's (the ``contacts_high_water`` meta row).
New ``contact_info`` rows take ids from the store's sequence (:data:`crmdata.schema.INFO_IDS`);
a writer that numbers them itself (a bulk import) moves the sequence past them before it
commits. Other tables number from their largest id. Every writer numbers new rows with
:func:`next_id` (or :func:`info_ids_sql`); the transaction then keeps these marks itself.
"""

from __future__ import annotations

from .db import Tx
from .schema import INFO_IDS

#: The largest contact id ever committed (meta row kept by :func:`keep_high_water`).
_HIGH_WATER = (
    "coalesce((SELECT value::BIGINT FROM meta WHERE key = 'contacts_high_water'), 0)"
)

#: The last contact_info id handed out by the store's sequence (:data:`crmdata.schema.INFO_IDS`).
_INFO_LAST = (
    "(SELECT coalesce(last_value, start_value - 1) FROM duckdb_sequences() "
    f"WHERE database_name = current_database() AND sequence_name = '{INFO_IDS}')"
)

#: The largest contact_info id the store has used: its rows' and its sequence's.
_INFO_PAST = f"(SELECT greatest(coalesce(max(id), 0), {_INFO_LAST}) FROM contact_info)"


def info_ids_sql(count: int, *, take: bool) -> str:
    """``SELECT id`` of ``count`` ids for new contact_info rows: taken from the sequence
    (``take``, in a write transaction), or the ones it would hand out next (a preview, which
    writes nothing). Callers may make it part of a statement of their own."""
    if take:
        return f"SELECT nextval('{INFO_IDS}') AS id FROM range({int(count)})"
    return f"SELECT {_INFO_LAST} + 1 + range AS id FROM range({int(count)})"


def next_id(tx: Tx, table: str) -> int:
    """The next free id of a table (one writer at a time holds the file, so this is safe).

    For ``contacts`` and ``contact_info`` the transaction remembers, before it commits, how far
    it numbered (:func:`keep_high_water`, :func:`keep_info_ids`).
    """
    if table == "contacts":
        tx.before_commit("keep_high_water", keep_high_water)
        return int(tx.scalar(f"SELECT greatest(coalesce(max(id), 0), {_HIGH_WATER}) + 1 "
                             "FROM contacts"))
    if table == "contact_info":  # past the sequence too, which is moved past the new rows
        tx.before_commit("keep_info_ids", keep_info_ids)
        return int(tx.scalar(f"SELECT {_INFO_PAST} + 1"))
    return int(tx.scalar(f"SELECT coalesce(max(id), 0) + 1 FROM {table}"))


def keep_info_ids(tx: Tx) -> None:
    """Move the contact_info id sequence past every stored row (before committing a
    transaction that numbered rows with :func:`next_id`, and after rows were numbered
    outside crmdata)."""
    tx.execute(f"SELECT setval('{INFO_IDS}', {_INFO_PAST})")


def keep_high_water(tx: Tx) -> None:
    """Remember the largest contact id so far (before committing a transaction that numbered
    new contacts; every writer numbers them with :func:`next_id`)."""
    tx.execute(
        "INSERT OR REPLACE INTO meta SELECT 'contacts_high_water', "
        f"greatest(coalesce(max(id), 0), {_HIGH_WATER})::VARCHAR FROM contacts"
    )
    tx.forget_meta("contacts_high_water")
