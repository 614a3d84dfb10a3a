"""Sync with an ONLYOFFICE portal: pull its contacts into a store, push the store's changes back.

:func:`crmdata.Store.sync_pull` and :func:`crmdata.Store.sync_push` are the entry points;
:class:`PortalClient` talks to the portal's REST API; docs/onlyoffice-sync.md says what the
API allows and what crmdata does about its limits.
"""

from .client import (
    PortalAuthFailed,
    PortalBadResponse,
    PortalClient,
    PortalDenied,
    PortalError,
    PortalNotFound,
    PortalUnavailable,
)
from .credentials import ENV_VAR, password_source
from .pull import PullReport, SyncConflict

__all__ = [
    "ENV_VAR",
    "PortalAuthFailed",
    "PortalBadResponse",
    "PortalClient",
    "PortalDenied",
    "PortalError",
    "PortalNotFound",
    "PortalUnavailable",
    "PullReport",
    "SyncConflict",
    "password_source",
]
