"""Who may view, edit and delete a contact (ONLYOFFICE spec section 6): the one place of the rule.

Share type Read or ReadWrite lets every CRM user view; ReadWrite lets every user edit;
managers may always view and edit; admins bypass everything. The same rules exist twice, on
purpose: as SQL predicates that reads and filters use, and as Python functions for one
contact in hand. Tests check that the two agree.

The rule covers more than a contact's own row:

- every value that comes from *another* contact (a person's company name, a deal whose main
  contact it is, a merge candidate, a duplicate pair) passes the view check of that other
  contact: :func:`view_predicate` on the joined row, :func:`deal_view_predicate` for deals;
- every write to a contact passes its edit check, whichever command makes it. Writers check
  up front (for a clear error before any work), and :func:`refuse_unpermitted_writes`, which
  :func:`crmdata.journal.record` runs on every journal entry, refuses inside the transaction
  any write to a contact the user could not edit before it, so a path that forgets its own
  check still changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import AccessDenied, NotFound
from .model import ShareType

if TYPE_CHECKING:
    from .db import Tx


@dataclass(frozen=True)
class User:
    """A CRM user; every read and write runs as one."""

    id: int
    login: str
    name: str
    is_admin: bool


def require_admin(user: User, what: str) -> None:
    """Refuse ``what`` (a phrase: "add users") unless the user is a CRM administrator."""
    if not user.is_admin:
        raise AccessDenied(f"Only CRM administrators may {what}; you are '{user.login}'.")


def can_view(user: User, share_type: int, managers: set[int] | frozenset[int]) -> bool:
    if user.is_admin or user.id in managers:
        return True
    return share_type in (ShareType.READ, ShareType.READ_WRITE)


def can_edit(user: User, share_type: int, managers: set[int] | frozenset[int]) -> bool:
    if user.is_admin or user.id in managers:
        return True
    return share_type == ShareType.READ_WRITE


def can_delete(user: User, share_type: int, managers: set[int] | frozenset[int]) -> bool:
    """crmdata has no invoices, so delete rights equal edit rights."""
    return can_edit(user, share_type, managers)


def view_predicate(user: User, alias: str = "c") -> tuple[str, list[int]]:
    """SQL that is true for the rows of ``contacts AS alias`` the user may view."""
    if user.is_admin:
        return "TRUE", []
    return (
        f"({alias}.share_type IN ({int(ShareType.READ)}, {int(ShareType.READ_WRITE)}) "
        f"OR EXISTS (SELECT 1 FROM contact_managers m_ "
        f"WHERE m_.contact_id = {alias}.id AND m_.user_id = ?))",
        [user.id],
    )


def edit_predicate(user: User, alias: str = "c") -> tuple[str, list[int]]:
    """SQL that is true for the rows of ``contacts AS alias`` the user may edit."""
    if user.is_admin:
        return "TRUE", []
    return (
        f"({alias}.share_type = {int(ShareType.READ_WRITE)} "
        f"OR EXISTS (SELECT 1 FROM contact_managers m_ "
        f"WHERE m_.contact_id = {alias}.id AND m_.user_id = ?))",
        [user.id],
    )


def deal_view_predicate(user: User, alias: str = "d") -> tuple[str, list[int]]:
    """SQL that is true for the rows of ``deals AS alias`` the user may see: a deal belongs to
    its main contact, so it shows only where that contact may be viewed (a deal without a
    main contact shows to whoever sees one of its participants)."""
    if user.is_admin:
        return "TRUE", []
    pred, params = view_predicate(user, "dc_")
    return (
        f"({alias}.contact_id IS NULL OR EXISTS (SELECT 1 FROM contacts dc_ "
        f"WHERE dc_.id = {alias}.contact_id AND {pred}))",
        params,
    )


#: Columns that only say who and when, or are derived: a change of nothing else is bookkeeping.
_BOOKKEEPING = ("version", "updated_by", "updated_at", "display_name")


def refuse_unpermitted_writes(tx: Tx, user: User, journal_id: int) -> None:
    """Raise (so the transaction rolls back) when journal entry ``journal_id`` wrote to a
    contact the user could not edit before the entry.

    Rights are judged on the contact as it was: its share type from the entry's "before"
    image (else the stored row), its managers as stored minus those the entry added plus
    those it removed, so making oneself a manager in the same write does not count. New
    contacts are the writer's own. One cascade is not an edit: a person whose only change is
    its company link, re-pointed because that company was merged away or deleted in the same
    transaction. A contact the user may not view is reported as not existing.
    """
    if user.is_admin:
        return
    drop = "{" + ", ".join(f'"{c}": null' for c in ("company_id", *_BOOKKEEPING)) + "}"
    rows = tx.rows(
        f"""WITH r AS (
            SELECT contact_id, table_name, before, after FROM journal_rows
            WHERE journal_id = ? AND contact_id IS NOT NULL),
        crow AS (SELECT contact_id, before::JSON AS before, after::JSON AS after
                 FROM r WHERE table_name = 'contacts'),
        existed AS (
            SELECT DISTINCT r.contact_id FROM r LEFT JOIN crow USING (contact_id)
            WHERE crow.contact_id IS NULL OR crow.before IS NOT NULL),
        cascaded AS (
            SELECT crow.contact_id FROM crow
            WHERE crow.before IS NOT NULL AND crow.after IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM r WHERE r.contact_id = crow.contact_id
                              AND r.table_name <> 'contacts')
              AND (crow.before->>'company_id') IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM contacts gone
                              WHERE gone.id = TRY_CAST(crow.before->>'company_id' AS BIGINT))
              AND json_merge_patch(crow.before, '{drop}')::VARCHAR
                  = json_merge_patch(crow.after, '{drop}')::VARCHAR),
        share AS (
            SELECT e.contact_id,
                   coalesce(TRY_CAST(crow.before->>'share_type' AS INTEGER), c.share_type) AS share_type
            FROM existed e LEFT JOIN crow USING (contact_id) LEFT JOIN contacts c ON c.id = e.contact_id
            WHERE e.contact_id NOT IN (SELECT contact_id FROM cascaded)),
        was_manager AS (
            (SELECT contact_id FROM contact_managers
             WHERE user_id = ? AND contact_id IN (SELECT contact_id FROM share)
             EXCEPT SELECT contact_id FROM r WHERE table_name = 'contact_managers'
                    AND before IS NULL AND TRY_CAST(after::JSON->>'user_id' AS INTEGER) = ?)
            UNION SELECT contact_id FROM r WHERE table_name = 'contact_managers'
                  AND after IS NULL AND TRY_CAST(before::JSON->>'user_id' AS INTEGER) = ?)
        SELECT s.contact_id, s.share_type, s.contact_id IN (SELECT contact_id FROM was_manager)
        FROM share s WHERE s.share_type IS NOT NULL ORDER BY s.contact_id""",
        [journal_id, user.id, user.id, user.id],
    )
    hidden, readonly = [], []
    for cid, share, manager in rows:
        managers = {user.id} if manager else set()
        if not can_view(user, int(share), managers):
            hidden.append(int(cid))
        elif not can_edit(user, int(share), managers):
            readonly.append(int(cid))
    if hidden:
        raise NotFound(f"There is no contact {', '.join(map(str, hidden[:20]))}; nothing was changed.")
    if readonly:
        raise AccessDenied(
            f"You ('{user.login}') may view but not edit contact(s) "
            f"{', '.join(map(str, readonly[:20]))}; nothing was changed.",
            hint="ask one of the contact's managers or an administrator",
        )
