"""Who may view, edit and delete a contact (ONLYOFFICE spec section 6), as pure rules.

Share type Read or ReadWrite lets every CRM user view; ReadWrite lets every user edit;
managers may always view and edit; admins bypass everything. The same rules exist twice, on
purpose: as SQL predicates that reads and filters use, and as Python functions for one
contact in hand. Tests check that the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import ShareType


@dataclass(frozen=True)
class User:
    """A CRM user; every read and write runs as one."""

    id: int
    login: str
    name: str
    is_admin: bool


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
