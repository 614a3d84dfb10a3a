"""The sync's entry points as :class:`crmdata.Store` exposes them (``store.sync_pull``,
``store.sync_push``): named, typed parameters; a client made from the address and login."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from .client import PortalClient
from .credentials import password_source
from .pull import PullReport, pull

if TYPE_CHECKING:
    from ..store import Store
    from .push import PushPlan, PushReport


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
    store: Store,
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
    store._require_admin("pull contacts from a portal")
    with make_client(
        portal, login, password, prompt=prompt, timeout=timeout, retries=retries, backoff=backoff
    ) as client:
        return pull(store, client, take_portal=take_portal, photos=photos)


def sync_push(
    store: Store,
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
    store._require_admin("push changes to a portal")
    with make_client(
        portal, login, password, prompt=prompt, timeout=timeout, retries=retries, backoff=backoff
    ) as client:
        return push(store, client, dry_run=dry_run, confirm=confirm, overwrite=overwrite)
