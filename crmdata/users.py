"""CRM users: reading one by login and creating one (administrators only).

Every read and write runs as a :class:`~crmdata.access.User`; the ``Store`` loads its user
here, and a portal pull creates the users its contacts' managers need here.
"""

from __future__ import annotations

from . import numbering
from .access import User, require_admin
from .db import Tx
from .errors import CrmDataError, NotFound


def load_user(tx: Tx, login: str) -> User:
    """The user with this login; NotFound when there is none."""
    row = tx.one("SELECT id, login, name, is_admin FROM users WHERE login = ?", [login])
    if row is None:
        raise NotFound(f"There is no CRM user '{login}'.", hint="see `crmdata users`")
    return User(int(row[0]), str(row[1]), str(row[2]), bool(row[3]))


def add_user(tx: Tx, by: User, login: str, name: str | None = None, *, is_admin: bool = False) -> User:
    """Create a CRM user (``by`` must be an administrator); the login is unique ignoring case."""
    require_admin(by, "add users")
    login = login.strip()
    if not login:
        raise CrmDataError("A user needs a login name.")
    if tx.scalar("SELECT count(*) FROM users WHERE lower(login) = lower(?)", [login]):
        raise CrmDataError(f"There is already a user '{login}'.")
    uid = numbering.next_id(tx, "users")
    shown = (name or login).strip()
    tx.execute("INSERT INTO users (id, login, name, is_admin) VALUES (?, ?, ?, ?)",
               [uid, login, shown, is_admin])
    return User(uid, login, shown, is_admin)
