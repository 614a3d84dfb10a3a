"""The duplicate check a commit runs before it writes, and its simplest implementation.

:class:`DuplicateChecker` is the seam: given the contacts a change set creates or changes
(with their after-state) and the open transaction, it returns the stored contacts they
likely duplicate, each with a score and the reasons. :class:`ExactKeyChecker` matches the
email addresses (lower case) and phone numbers (E.164) the change set adds against the
stored ones. The duplicates feature plugs a fuzzier checker in through the same protocol.
Only contacts the user may view are ever returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ..access import User, view_predicate
from ..db import Tx
from ..errors import CrmDataError
from ..matchkeys import unkeyed_ids
from ..model import InfoType


@dataclass(frozen=True)
class StagedContact:
    """A contact as the change set would leave it."""

    label: str  # "contact 42" or "new contact #1"
    contact_id: int  # the id it has, or will have once created
    is_new: bool
    row: dict[str, Any]  # the contacts row after the change
    info: tuple[dict[str, Any], ...]  # its info rows after the change
    new_keys: frozenset[tuple[int, str]]  # (info type, key) the change set adds


@dataclass(frozen=True)
class DuplicateCandidate:
    """A stored contact that a staged one likely duplicates."""

    contact: str
    contact_id: int
    existing_id: int
    existing_name: str
    score: float  # 0..1
    reasons: tuple[str, ...]

    def __str__(self) -> str:
        return (f"{self.contact} looks like contact {self.existing_id} ({self.existing_name}), "
                f"score {self.score:.2f}: {'; '.join(self.reasons)}")


class DuplicateChecker(Protocol):
    """Finds stored contacts that staged contacts likely duplicate."""

    def check(self, tx: Tx, user: User, staged: Sequence[StagedContact]) -> list[DuplicateCandidate]:
        ...


class DuplicatesFound(CrmDataError):  # noqa: N818 - it is an outcome the caller handles, like Conflict
    """A commit found likely duplicates and wrote nothing; ``candidates`` lists them.

    Commit again with ``on_duplicate="save"`` to write anyway, or merge into the existing
    contact instead.
    """

    def __init__(self, candidates: list[DuplicateCandidate]) -> None:
        lines = "\n".join(f"  - {c}" for c in candidates[:20])
        super().__init__(
            f"Nothing was written: {len(candidates)} likely duplicate(s) found.\n{lines}",
            hint="merge into the existing contact, save anyway (on_duplicate='save'), or cancel",
            details=candidates,
        )
        self.candidates = candidates


_KEY_REASON = {int(InfoType.EMAIL): ("same email", 1.0), int(InfoType.PHONE): ("same phone", 0.9)}


@dataclass
class ExactKeyChecker:
    """Same normalised email or E.164 phone as a stored contact the user may view.

    Stored rows are compared by their ``email_key`` / ``e164`` columns (edits and imports
    fill them); rows an older version imported without them are compared by lower-cased
    email and by the digits of the phone until :func:`crmdata.matchkeys.fill_keys`
    catches them up.
    """

    max_candidates: int = 20

    def check(self, tx: Tx, user: User, staged: Sequence[StagedContact]) -> list[DuplicateCandidate]:
        emails = sorted({k for s in staged for t, k in s.new_keys if t == int(InfoType.EMAIL)})
        phones = sorted({k for s in staged for t, k in s.new_keys if t == int(InfoType.PHONE)})
        if not emails and not phones:
            return []
        hits = _key_hits(tx, emails, phones)
        own = {s.contact_id for s in staged}
        others = sorted({int(r[0]) for r in hits} - own)
        if not others:
            return []
        pred, pparams = view_predicate(user, "c")
        in_sql, in_params = _in(others, "BIGINT")
        names = dict(tx.rows(f"SELECT c.id, c.display_name FROM contacts c WHERE c.id IN {in_sql} AND {pred}",
                             [*in_params, *pparams]))
        by_key: dict[tuple[int, str], list[tuple[int, str]]] = {}
        for cid, t, k in hits:
            if int(cid) in names:
                by_key.setdefault((int(t), k), []).append((int(cid), names[int(cid)]))
        found: dict[tuple[int, int], tuple[str, list[str], float]] = {}
        for s in staged:
            for itype, key in sorted(s.new_keys):
                for cid, name in by_key.get((int(itype), key), []):
                    reason, score = _KEY_REASON[int(itype)]
                    slot = found.setdefault((s.contact_id, int(cid)), (str(name), [], 0.0))
                    text = f"{reason} {key}"
                    if text not in slot[1]:
                        slot[1].append(text)
                    found[(s.contact_id, int(cid))] = (slot[0], slot[1], max(slot[2], score))
        labels = {s.contact_id: s.label for s in staged}
        out = [
            DuplicateCandidate(labels[sid], sid, eid, name, score, tuple(reasons))
            for (sid, eid), (name, reasons, score) in found.items()
        ]
        out.sort(key=lambda c: (-c.score, c.contact_id, c.existing_id))
        return out[: self.max_candidates]


def _in(values: Sequence[object], sql_type: str) -> tuple[str, list[object]]:
    """An IN list: literal placeholders for a few values (filtered inside the scan, index
    lookups), one array parameter for many (a semi-join; keeps the SQL short)."""
    if len(values) <= 200:
        return "(" + ", ".join("?" * len(values)) + ")", list(values)
    return f"(SELECT unnest(?::{sql_type}[]))", [list(values)]


def _key_hits(tx: Tx, emails: list[str], phones: list[str]) -> list[tuple[int, int, str]]:
    """(contact id, info type, key) of stored rows with one of the keys.

    Plain ``IN`` lists on one key column, so DuckDB filters inside the scan. Rows whose key
    was never filled (an older version's import, until :func:`crmdata.matchkeys.fill_keys`)
    are compared by their normalised value (those :func:`unkeyed_ids` selects).
    """
    unkeyed = unkeyed_ids(tx)
    email, phone = int(InfoType.EMAIL), int(InfoType.PHONE)
    ctes: list[str] = []
    parts: list[str] = []
    params: list[object] = []
    for itype, keys, column, normalised in (
        (email, emails, "email_key", "lower(trim(data))"),
        (phone, phones, "e164", "'+' || regexp_replace(data, '[^0-9]', '', 'g')"),
    ):
        if not keys:
            continue
        m, mp = _in(keys, "VARCHAR")
        parts.append(f"SELECT contact_id, {itype}, {column} FROM contact_info WHERE {column} IN {m}")
        params += mp
        if unkeyed:
            ctes.append(f"u{itype} AS MATERIALIZED (SELECT contact_id, {normalised} AS k FROM contact_info "
                        f"WHERE {unkeyed} AND info_type = {itype} AND {column} IS NULL)")
            parts.append(f"SELECT contact_id, {itype}, k FROM u{itype} WHERE k IN {m}")
            params += mp
    # one statement: each costs its own round trip
    with_ = "WITH " + ", ".join(ctes) + " " if ctes else ""
    hits = [(int(c), int(t), str(k)) for c, t, k in tx.rows(with_ + " UNION ALL ".join(parts), params)]
    return hits
