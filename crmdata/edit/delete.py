"""Deleting contacts: irreversible, with ONLYOFFICE's cascades, in one transaction.

Removed with the contact: its info rows, custom values, tag links (tags stay), history
events, photo, manager (access) entries and deal participant links. Kept: deals whose main
contact it was (reference cleared) and a company's persons (unlinked). The deleted contact's
personal data is purged from the journal: its row images are blanked, so an earlier change
set that touched it can no longer be undone. The delete itself is journalled without any
personal data (counts only, plus the unlinked persons' rows).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from .. import journal
from ..access import can_delete, can_view
from ..contact_rows import IDS_SQL
from ..derived import contacts_changed
from ..errors import AccessDenied, NotFound
from .undo import PURGED

if TYPE_CHECKING:
    from ..access import User
    from ..db import Database

#: Rows removed with a contact: (what, table, contact column).
_CASCADE = (
    ("info rows", "contact_info", "contact_id"),
    ("custom values", "custom_values", "contact_id"),
    ("tag links", "contact_tags", "contact_id"),
    ("history events", "history_events", "contact_id"),
    ("photos", "photos", "contact_id"),
    ("access entries", "contact_managers", "contact_id"),
    ("deal participant links", "deal_participants", "contact_id"),
)


@dataclass(frozen=True)
class DeleteReport:
    """What a delete removed or unlinked (or, on a dry run, would)."""

    contacts: int
    removed: dict[str, int]
    deals_unlinked: int
    persons_unlinked: int
    journal_rows_purged: int
    change_set_id: int | None  # None on a dry run

    def __str__(self) -> str:
        parts = [f"{n} {what}" for what, n in self.removed.items() if n]
        head = "Would delete" if self.change_set_id is None else "Deleted"
        return (f"{head} {self.contacts} contact(s)" + (f" with {', '.join(parts)}" if parts else "")
                + f"; {self.deals_unlinked} deal(s) and {self.persons_unlinked} person(s) unlinked.")


def delete_contacts(db: Database, user: User, ids: Sequence[int], *, dry_run: bool = False) -> DeleteReport:
    """Delete contacts the user may delete; refuses all (changing nothing) if any is not.

    Unknown contacts and contacts the user may not view are reported alike as "no contact".
    """
    wanted = sorted({int(i) for i in ids})
    with db.transaction() as tx:
        share = {int(r[0]): (int(r[1]), str(r[2])) for r in tx.rows(
            f"SELECT id, share_type, display_name FROM contacts WHERE id IN ({IDS_SQL})", [wanted])}
        mgrs: dict[int, set[int]] = {}
        mgr_sql = f"SELECT contact_id, user_id FROM contact_managers WHERE contact_id IN ({IDS_SQL})"
        for cid, uid in tx.rows(mgr_sql, [wanted]):
            mgrs.setdefault(int(cid), set()).add(int(uid))
        missing = [i for i in wanted if i not in share or not can_view(user, share[i][0], mgrs.get(i, set()))]
        if missing:
            raise NotFound(f"There is no contact {', '.join(map(str, missing[:20]))}; nothing was deleted.")
        denied = [i for i in wanted if not can_delete(user, share[i][0], mgrs.get(i, set()))]
        if denied:
            names = ", ".join(f"{i} ({share[i][1]})" for i in denied[:20])
            raise AccessDenied(
                f"You ('{user.login}') may not delete contact(s) {names}; nothing was deleted.",
                hint="only managers (or everyone, for read/write contacts) and admins may")
        removed = {what: int(tx.scalar(f"SELECT count(*) FROM {table} WHERE {col} IN ({IDS_SQL})", [wanted]))
                   for what, table, col in _CASCADE}
        deals = int(tx.scalar(f"SELECT count(*) FROM deals WHERE contact_id IN ({IDS_SQL})", [wanted]))
        person_where = f"company_id IN ({IDS_SQL}) AND id NOT IN ({IDS_SQL})"
        persons = journal.capture(tx, "contacts", ("id",), person_where, [wanted, wanted])
        purge = int(tx.scalar(f"SELECT count(*) FROM journal_rows WHERE contact_id IN ({IDS_SQL})", [wanted]))
        if dry_run:
            return DeleteReport(len(wanted), removed, deals, len(persons), purge, None)
        for _what, table, col in _CASCADE:
            tx.execute(f"DELETE FROM {table} WHERE {col} IN ({IDS_SQL})", [wanted])
        tx.execute(f"UPDATE deals SET contact_id = NULL WHERE contact_id IN ({IDS_SQL})", [wanted])
        now = datetime.now(UTC).replace(tzinfo=None)
        person_ids = [int(k[0]) for k in persons]
        if person_ids:
            tx.execute(
                f"UPDATE contacts SET company_id = NULL, version = version + 1, updated_by = ?, "
                f"updated_at = ? WHERE id IN ({IDS_SQL})", [user.id, now, person_ids])
        tx.execute(f"DELETE FROM contacts WHERE id IN ({IDS_SQL})", [wanted])
        tx.execute(
            f"UPDATE journal_rows SET table_name = '{PURGED}', row_key = '{{}}', before = NULL, "
            f"after = NULL WHERE contact_id IN ({IDS_SQL})", [wanted])
        contacts_changed(tx, f"SELECT unnest(?::BIGINT[]) UNION ALL {IDS_SQL}", [wanted, person_ids])
        after = journal.capture(tx, "contacts", ("id",), f"id IN ({IDS_SQL})", [person_ids])
        changes = journal.diff("contacts", ("id",), persons, after, "id")
        report = DeleteReport(len(wanted), removed, deals, len(persons), purge, 0)
        jid = journal.record(tx, user, "delete", str(report).replace("Deleted", "deleted", 1), changes)
    return DeleteReport(len(wanted), removed, deals, len(persons), purge, jid)
