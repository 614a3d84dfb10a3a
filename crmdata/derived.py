"""Data derived from contacts and kept current in the same transaction as every write.

Every writer (import, edits, merges, deletes) calls :func:`contacts_changed` with the ids it
touched, after its own changes and before its transaction commits. Derived data therefore
never lags: a read right after a write sees it.
"""

from __future__ import annotations

from collections.abc import Sequence

from .db import Database, Tx
from .schema import PENDING_FILL
from .search import index as search_index

#: SQL for a contact's display name: the company name, or "First Last" for a person.
DISPLAY_NAME_SQL = (
    "CASE WHEN is_company THEN coalesce(company_name, '') "
    "ELSE trim(coalesce(first_name, '') || ' ' || coalesce(last_name, '')) END"
)


def contacts_changed(tx: Tx, ids_sql: str, params: Sequence[object] = (),
                     known_ids: Sequence[int] | None = None) -> None:
    """Refresh everything derived from the contacts whose ids ``ids_sql`` selects.

    ``ids_sql`` is a ``SELECT`` of one BIGINT column; deleted ids may be among them. A caller
    holding those ids in a list may pass them as ``known_ids`` as well.
    """
    tx.execute(
        f"UPDATE contacts SET display_name = {DISPLAY_NAME_SQL} "
        f"WHERE id IN ({ids_sql}) AND display_name IS DISTINCT FROM {DISPLAY_NAME_SQL}",
        list(params),
    )
    search_index.refresh(tx, ids_sql, params, known_ids)


#: The keys of derived data schema migrations left pending (:data:`crmdata.schema.PENDING_FILL`).
PENDING_SQL = f"SELECT key FROM meta WHERE key LIKE '{PENDING_FILL}%'"


def fill_pending(db: Database) -> None:
    """Fill the derived data schema migrations left pending, in one transaction (a store
    opens this when :data:`PENDING_SQL` finds any)."""
    with db.transaction() as tx:
        pending = {str(r[0]) for r in tx.rows(PENDING_SQL)}  # again: another process may have filled them
        if pending:
            search_index.fill_pending(tx, pending)
