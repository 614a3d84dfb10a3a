"""``clean(db, user)``: the fixable findings of :func:`crmdata.quality.check.check` as one change set.

The result is built from change sets of :mod:`crmdata.edit` (with the findings it fixes and
the ones it had to skip beside it): ``preview()`` is the dry run with a before/after table,
``commit()`` writes everything in one transaction, journalled, and ``store.undo`` with the
result's ``change_set_ids`` puts every row back exactly.

Fixes are staged with the versions the check read, so a contact someone changed in between
makes the commit fail with a conflict instead of overwriting their change. Each new value is
checked first with the editing code's own validators; a fix they would refuse (and contacts
the user may view but not edit) is listed in ``skipped`` instead of failing the whole set.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..db import Tx
from ..edit import ChangeSet, validate
from ..edit.dupcheck import DuplicateCandidate, StagedContact
from ..edit.ops import Preview
from ..model import InfoType
from .check import DEFAULT_PHONE_REGION, DEFAULT_STALE_DAYS, check, rows_of
from .rules import select

if TYPE_CHECKING:
    from ..access import User
    from ..db import Database

#: Contact columns the cleanup may rewrite, with their label and whether a value is required.
_NAME_FIELDS = {"first_name": ("first name", True), "last_name": ("last name", False),
                "company_name": ("company name", True), "title": ("position", False),
                "industry": ("industry", False)}
#: Contacts per staged change set (see :class:`CleanupChangeSet` for why there are chunks).
CHUNK = 500
#: Rules whose fix rewrites a value; later ones win for the same field (re-casing includes
#: collapsing spaces).
_VALUE_RULES = ("whitespace", "email_format", "phone_format", "name_case")


class NoDuplicateCheck:
    """A cleanup normalises values contacts already have; it creates no contact, so the
    write-back duplicate check (which would flag every re-formatted phone) does not apply."""

    def check(self, tx: Tx, user: User, staged: Sequence[StagedContact]) -> list[DuplicateCandidate]:
        return []


@dataclass
class CleanupResult:
    """What a committed cleanup did: its change sets (journal entries, one per chunk, all
    written in one transaction), the contacts it updated."""

    status: str  # "committed" or "nothing to do"
    change_set_ids: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)

    @property
    def change_set_id(self) -> int | None:
        """The first change set id (the only one for cleanups up to one chunk)."""
        return self.change_set_ids[0] if self.change_set_ids else None


class CleanupChangeSet:
    """The fixes of a cleanup, staged as change sets of :mod:`crmdata.edit` and written as one.

    The editing code's preview and commit cost grows with the square of the contacts in one
    change set (lookups of each contact's rows scan every loaded row), so a change set of tens
    of thousands of contacts takes too long to preview. The cleanup
    therefore stages chunks of :data:`CHUNK` contacts and writes them all in ONE transaction:
    all or nothing, one journal entry per chunk, undone together by ``store.undo(result.change_set_ids)``.
    ``fixes`` lists what is staged, ``skipped`` what was left alone and why.
    """

    def __init__(self, db: Database, user: User, fixes: pd.DataFrame, skipped: pd.DataFrame,
                 region: str, chunk: int = 0) -> None:
        self.db = db
        self.fixes = fixes
        self.skipped = skipped
        self.change_sets: list[ChangeSet] = []
        ids = list(dict.fromkeys(int(i) for i in fixes["contact_id"]))
        size = chunk or CHUNK
        for start in range(0, len(ids), size):
            part = fixes[fixes["contact_id"].isin(ids[start:start + size])]
            cs = ChangeSet(db, user, region=region, checker=NoDuplicateCheck())
            stage(cs, part)
            self.change_sets.append(cs)

    def __len__(self) -> int:
        """Staged operations, over all chunks."""
        return sum(len(cs) for cs in self.change_sets)

    def preview(self) -> Preview:
        """The dry run: every change field by field, and what would stop the commit."""
        out = Preview()
        with self.db.read():  # one connection for all chunks
            for cs in self.change_sets:
                p = cs.preview()
                out.changes += p.changes
                out.problems += p.problems
                out.conflicts += p.conflicts
                out.duplicates += p.duplicates
        return out

    def commit(self) -> CleanupResult:
        """Write every chunk in one transaction (nothing at all on any error)."""
        ids: list[int] = []
        updated: list[int] = []
        with self.db.transaction():
            for cs in self.change_sets:
                result = cs.commit(on_duplicate="save")
                if result.change_set_id is not None:
                    ids.append(result.change_set_id)
                    updated += result.updated
        return CleanupResult("committed" if ids else "nothing to do", ids, updated)


def _skip(frame: pd.DataFrame, mask: pd.Series, reason: str, out: list[pd.DataFrame]) -> pd.DataFrame:
    if mask.any():
        out.append(frame[mask].assign(reason=reason))
    return frame[~mask]


def _value_problem(field: str, value: str, region: str) -> str | None:
    """Would the editing code refuse ``value`` for ``field``? (the message, or None)."""
    if field in _NAME_FIELDS:
        label, required = _NAME_FIELDS[field]
        msgs = validate.check_name(label, value, required=required)
    elif field.startswith("address."):
        msgs = validate.check_address({field.split(".", 1)[1]: value})
    else:
        _key, msgs = validate.check_info_value(InfoType[field.upper()], value, region)
    return "; ".join(msgs) if msgs else None


def plan(findings: pd.DataFrame, region: str = DEFAULT_PHONE_REGION) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(fixes to stage, skipped findings with a ``reason``) from a findings frame."""
    fixable = findings[findings["fixable"].astype(bool)].copy()
    skipped: list[pd.DataFrame] = []
    fixable = _skip(fixable, ~fixable["editable"].astype(bool),
                    "you may view but not edit this contact", skipped)
    values = fixable["rule"].isin(_VALUE_RULES)
    problems = pd.Series([
        _value_problem(f, str(fv), region) if is_value else None
        for f, fv, is_value in zip(fixable["field"], fixable["fix_value"], values, strict=True)
    ], index=fixable.index, dtype=object)
    if problems.notna().any():
        reason = "the fixed value would be refused: " + problems.dropna()
        skipped.append(fixable[problems.notna()].assign(reason=reason))
        fixable = fixable[problems.isna()]
    deleted = set(zip(fixable.loc[fixable["rule"] == "info_duplicate", "contact_id"],
                      fixable.loc[fixable["rule"] == "info_duplicate", "info_id"], strict=True))
    on_deleted = fixable["rule"].isin(_VALUE_RULES) & fixable["info_id"].notna() & pd.Series(
        [(c, i) in deleted for c, i in zip(fixable["contact_id"], fixable["info_id"], strict=True)],
        index=fixable.index)
    fixable = _skip(fixable, on_deleted, "the row is deleted as a repeated value", skipped)
    cols = [*findings.columns, "reason"]
    skipped_frame = (pd.concat(skipped, ignore_index=True) if skipped
                     else pd.DataFrame({c: pd.Series(dtype=object) for c in cols}))
    return fixable.reset_index(drop=True), skipped_frame[cols]


def stage(cs: ChangeSet, fixes: pd.DataFrame) -> None:
    """Stage the fixes on ``cs``: field updates, info values, deletions, then primaries."""
    versions = fixes.drop_duplicates("contact_id")
    cs.pin([int(i) for i in versions["contact_id"]], [int(x) for x in versions["version"]])
    fields: dict[int, dict[str, Any]] = {}
    info: dict[tuple[int, int], str] = {}
    parts: dict[tuple[int, int], dict[str, str]] = {}
    order = {r: i for i, r in enumerate(_VALUE_RULES)}
    value_rows = fixes[fixes["rule"].isin(_VALUE_RULES)]
    value_rows = value_rows.assign(_o=value_rows["rule"].map(order)).sort_values("_o", kind="stable")
    for r in rows_of(value_rows):
        cid = int(r.contact_id)
        if pd.isna(r.info_id):
            fields.setdefault(cid, {})[str(r.field)] = str(r.fix_value)
        elif str(r.field).startswith("address."):
            parts.setdefault((cid, int(r.info_id)), {})[str(r.field).split(".", 1)[1]] = str(r.fix_value)
        else:
            info[(cid, int(r.info_id))] = str(r.fix_value)
    for cid, values in fields.items():
        cs.update(cid, **values)
    for (cid, iid), data in info.items():
        cs.change_info(cid, iid, data)
    for (cid, iid), address in parts.items():
        cs.change_info(cid, iid, **address)
    for r in rows_of(fixes[fixes["rule"] == "info_duplicate"]):
        cs.delete_info(int(r.contact_id), int(r.info_id))
    for r in rows_of(fixes[fixes["rule"].isin(("primary_several", "primary_none"))]):
        cs.set_primary(int(r.contact_id), int(r.info_id))


def clean(db: Database, user: User, rules: str | Iterable[str] | None = None, *,
          findings: pd.DataFrame | None = None, stale_days: int = DEFAULT_STALE_DAYS,
          as_of: dt.date | None = None, default_region: str = DEFAULT_PHONE_REGION,
          progress: bool = False, chunk: int = 0) -> CleanupChangeSet:
    """The fixable findings (of the chosen rules; None: every fixable rule) as one change set
    (staged in chunks of ``chunk`` contacts, default :data:`CHUNK`, committed as one).

    Pass ``findings`` from an earlier :func:`check` to fix exactly those; otherwise the check
    runs now. Nothing is written until ``commit()``.
    """
    chosen = [r.name for r in select(rules, fixable_only=True)]
    if findings is None:
        findings = check(db, user, chosen, stale_days=stale_days, as_of=as_of,
                         default_region=default_region, progress=progress)
    findings = findings[findings["rule"].isin(chosen)]
    fixes, skipped = plan(findings, default_region)
    return CleanupChangeSet(db, user, fixes, skipped, default_region, chunk)


def before_after(preview: Any) -> pd.DataFrame:
    """A preview's changes as a before/after table (contact_id, name, field, before, after)."""
    frame: pd.DataFrame = preview.frame()
    return frame.rename(columns={"contact": "name"})[["contact_id", "name", "field", "before", "after"]]
