"""One error family for everything a person can get wrong or run into.

Every error carries a message written for the person at the keyboard, an optional hint of
what to do, and optional structured details (a list of problems, a table of rows). The CLI
prints ``Error: <message>`` and exits non-zero; the dashboards show the message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class CrmDataError(Exception):
    """Base of every error crmdata raises on purpose."""

    def __init__(self, message: str, *, hint: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = details

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class NotFound(CrmDataError):
    """A contact, user, list item or file that does not exist (or that the user may not see)."""


class AccessDenied(CrmDataError):
    """The user may see the thing but not do this to it."""


class StoreError(CrmDataError):
    """The store file cannot be opened or is not a crmdata store."""


class KeyTaken(StoreError):
    """A write would have stored a second row with a key the store already has."""


class Busy(CrmDataError):
    """Another process held the store for longer than the bounded wait."""


class Conflict(CrmDataError):
    """The data changed since it was read (optimistic concurrency), or an undo is no longer possible."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where (line, contact, field) and what."""

    message: str
    line: int | None = None
    field: str | None = None
    contact_id: int | None = None
    value: str | None = None

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.contact_id is not None:
            where.append(f"contact {self.contact_id}")
        if self.field:
            where.append(self.field)
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class ValidationFailed(CrmDataError):
    """Input with problems; ``details`` lists every :class:`Problem` found, not just the first."""

    def __init__(self, message: str, problems: list[Problem], *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint, details=problems)
        self.problems = problems

    def __str__(self) -> str:
        shown = "\n".join(f"  - {p}" for p in self.problems[:20])
        more = len(self.problems) - 20
        if more > 0:
            shown += f"\n  ... and {more} more"
        text = f"{self.message}\n{shown}" if shown else self.message
        return f"{text}\n({self.hint})" if self.hint else text


class ImportFailed(ValidationFailed):
    """An import refused as a whole; the store is exactly as before."""


class OverBudget(CrmDataError):
    """A read ran past its time budget and was stopped, so it held the store no longer; nothing
    was changed."""
