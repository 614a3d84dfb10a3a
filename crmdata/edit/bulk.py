"""One change to many contacts at once: tag, untag, temperature, access.

What a CRM's "select many, act once" does. :func:`bulk_changeset` stages the same change for
every selected contact in one :class:`~crmdata.edit.ChangeSet` (so it is previewed, committed
in one transaction and undone as a whole with ``crmdata undo``), with every contact pinned to
the version it has now: someone else's edit in between is a conflict, not overwritten.
The dashboards and the CLI both call it; neither knows the rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..errors import CrmDataError
from ..model import ShareType
from .changeset import ChangeSet

#: More contacts than this in one bulk change are refused (one change set is held in memory).
MAX_BULK = 100_000

#: The access choices by name, as the dashboards and the CLI offer them.
ACCESS_BY_NAME: dict[str, ShareType] = {
    "public": ShareType.READ_WRITE,
    "read-only": ShareType.READ,
    "restricted": ShareType.NONE,
}


@dataclass(frozen=True)
class BulkChange:
    """The change to make on every selected contact; a field left at None (or empty) is kept.

    ``temperature=""`` clears the level; ``managers`` replaces the whole manager list.
    """

    add_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()
    temperature: str | None = None
    access: str | None = None  # a key of ACCESS_BY_NAME
    managers: tuple[str, ...] | None = None

    def is_empty(self) -> bool:
        return not (self.add_tags or self.remove_tags or self.temperature is not None
                    or self.access is not None or self.managers is not None)

    def describe(self) -> str:
        """The change in words ("add tag Lead; temperature Hot")."""
        parts = []
        if self.add_tags:
            parts.append("add tag " + ", ".join(self.add_tags))
        if self.remove_tags:
            parts.append("remove tag " + ", ".join(self.remove_tags))
        if self.temperature is not None:
            parts.append(f"temperature {self.temperature or '(none)'}")
        if self.access is not None:
            parts.append(f"access {self.access}")
        if self.managers is not None:
            parts.append("managers " + (", ".join(self.managers) or "(none)"))
        return "; ".join(parts) or "nothing"


def selection(ids: Iterable[int]) -> list[int]:
    """The selected contact ids, each once, in order; an empty or oversized selection is an error."""
    out = list(dict.fromkeys(int(i) for i in ids))
    if not out:
        raise CrmDataError("No contacts are selected.", hint="tick some rows or select all that match")
    if len(out) > MAX_BULK:
        raise CrmDataError(f"{len(out):,} contacts are selected; one bulk change takes at most {MAX_BULK:,}.",
                           hint="narrow the search, or change them in parts")
    return out


def bulk_changeset(cs: ChangeSet, ids: Sequence[int], change: BulkChange) -> ChangeSet:
    """``cs`` (a new change set: ``store.change()``) with ``change`` staged on every contact of
    ``ids``, not yet written."""
    chosen = selection(ids)
    if change.is_empty():
        raise CrmDataError("The bulk change changes nothing.", hint="choose tags, a temperature or access")
    share = None
    if change.access is not None:
        key = change.access.strip().lower()
        if key not in ACCESS_BY_NAME:
            raise CrmDataError(f"Access {change.access!r} is not one of {', '.join(ACCESS_BY_NAME)}.")
        share = ACCESS_BY_NAME[key]
    cs.pin(chosen)
    for cid in chosen:
        if change.add_tags:
            cs.add_tags(cid, *change.add_tags)
        if change.remove_tags:
            cs.remove_tags(cid, *change.remove_tags)
        if change.temperature is not None:
            cs.set_temperature(cid, change.temperature or None)
        if share is not None or change.managers is not None:
            cs.set_access(cid, share, None if change.managers is None else list(change.managers))
    return cs


def bulk_change(cs: ChangeSet, ids: Sequence[int], change: BulkChange) -> int | None:
    """Make ``change`` on every contact of ``ids`` as one journalled change set (``cs``, a new
    one: ``store.change()``); returns its id
    (``store.undo(id)`` reverts all of it), or None when every contact already was so.
    Nothing is written when any contact fails."""
    result = bulk_changeset(cs, ids, change).commit(on_duplicate="save")
    return None if result.change_set_id is None else int(result.change_set_id)
