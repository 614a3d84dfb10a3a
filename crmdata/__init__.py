"""crmdata: keep a CRM contact base current and free of duplicates.

The public surface: open a :class:`Store` (one DuckDB file) as a user, read contacts as
pandas DataFrames, import and export ONLYOFFICE CSV. Every deliberate error is a
:class:`CrmDataError` with a message written for a person.
"""

from .access import User
from .errors import (
    AccessDenied,
    Busy,
    Conflict,
    CrmDataError,
    ImportFailed,
    NotFound,
    Problem,
    StoreError,
    ValidationFailed,
)
from .store import DEFAULT_PATH, ContactDetail, Store

__all__ = [
    "DEFAULT_PATH",
    "AccessDenied",
    "Busy",
    "Conflict",
    "ContactDetail",
    "CrmDataError",
    "ImportFailed",
    "NotFound",
    "Problem",
    "Store",
    "StoreError",
    "User",
    "ValidationFailed",
]
