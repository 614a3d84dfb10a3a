"""The sync's entry points as :class:`crmdata.Store` exposes them (``store.sync_pull``,
``store.sync_push``): named, typed parameters; a client made from the address and login."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ..access import require_admin
from .client import PortalClient
from .credentials import password_source
from .pull import PullReport, pull

if TYPE_CHECKING:
    from ..access import User
    from ..db import Database
    from .push import PushReport
    from .push_plan import PushPlan


def make_client(
    portal: str,
    login: str,
    password: str | None,
    *,
    prompt: Callable[[str], str] | None,
    timeout: float,
    retries: int,
    backoff: float,
) -> PortalClient:
    secret: str | Callable[[], str] = password if password else password_source(portal, login, prompt=prompt)
    return PortalClient(portal, login, secret, timeout=timeout, retries=retries, backoff=backoff)


def sync_pull(
    db: Database,
    user: User,
    *,
    portal: str,
    login: str,
    password: str | None = None,
    prompt: Callable[[str], str] | None = None,
    timeout: float = 30.0,
    retries: int = 3,
    backoff: float = 0.5,
    take_portal: Sequence[int] = (),
    photos: bool = False,
) -> PullReport:
    """Pull every contact the portal account may see (see :mod:`crmdata.onlyoffice.pull`)."""
    # an administrator's task, asked before any credential: a pull writes the portal account's
    # whole view into the shared store (and creates levels, fields and users)
    require_admin(user, "pull contacts from a portal")
    with make_client(
        portal, login, password, prompt=prompt, timeout=timeout, retries=retries, backoff=backoff
    ) as client:
        return pull(db, user, client, take_portal=take_portal, photos=photos)


def sync_push(
    db: Database,
    user: User,
    *,
    portal: str,
    login: str,
    password: str | None = None,
    dry_run: bool = False,
    confirm: bool | Callable[[PushPlan], bool] = False,
    prompt: Callable[[str], str] | None = None,
    timeout: float = 30.0,
    retries: int = 3,
    backoff: float = 0.5,
    overwrite: Sequence[int] = (),
) -> PushReport:
    """Send the committed local changes since the last push (see :mod:`crmdata.onlyoffice.push`).

    Deletes and merges reach the portal only when ``confirm`` is True or returns True for the plan.
    """
    from .push import push

    # an administrator's task: a push sends every user's committed changes
    require_admin(user, "push changes to a portal")
    with make_client(
        portal, login, password, prompt=prompt, timeout=timeout, retries=retries, backoff=backoff
    ) as client:
        return push(db, user, client, dry_run=dry_run, confirm=confirm, overwrite=overwrite)
