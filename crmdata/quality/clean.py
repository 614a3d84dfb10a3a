"""``clean(store)``: the fixable findings of :func:`crmdata.quality.check.check` as one change set.

The result is an ordinary :class:`crmdata.edit.ChangeSet` (with the findings it fixes and the
ones it had to skip beside it): ``preview()`` is the dry run with a before/after table,
``commit()`` writes everything in one transaction with one journal entry, and
``store.undo(result.change_set_id)`` puts every row back exactly.

Fixes are staged with the versions the check read, so a contact someone changed in between
makes the commit fail with a conflict instead of overwriting their change. Each new value is
checked first with the editing code's own validators; a fix they would refuse (and contacts
the user may view but not edit) is listed in ``skipped`` instead of failing the whole set.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..db import Tx
from ..edit import ChangeSet
from ..edit import validate as v
from ..edit.dupcheck import DuplicateCandidate, StagedContact
from ..model import InfoType
from .check import DEFAULT_PHONE_REGION, DEFAULT_STALE_DAYS, check, rows_of
from .rules import select

if TYPE_CHECKING:
    from ..access import User
    from ..store import Store

#: Contact columns the cleanup may rewrite, with their label and whether a value is required.
_NAME_FIELDS = {"first_name": ("first name", True), "last_name": ("last name", False),
                "company_name": ("company name", True), "title": ("position", False),
                "industry": ("industry", False)}
#: Rules whose fix rewrites a value; later ones win for the same field (re-casing includes
#: collapsing spaces).
_VALUE_RULES = ("whitespace", "email_format", "phone_format", "name_case")


class NoDuplicateCheck:
    """A cleanup normalises values contacts already have; it creates no contact, so the
    write-back duplicate check (which would flag every re-formatted phone) does not apply."""

    def check(self, tx: Tx, user: User, staged: Sequence[StagedContact]) -> list[DuplicateCandidate]:
        return []


class CleanupChangeSet(ChangeSet):
    """A change set built from findings; ``fixes`` lists them, ``skipped`` those left alone."""

    fixes: pd.DataFrame
    skipped: pd.DataFrame


def _skip(frame: pd.DataFrame, mask: pd.Series, reason: str, out: list[pd.DataFrame]) -> pd.DataFrame:
    if mask.any():
        out.append(frame[mask].assign(reason=reason))
    return frame[~mask]


def _value_problem(field: str, value: str, region: str) -> str | None:
    """Would the editing code refuse ``value`` for ``field``? (the message, or None)."""
    if field in _NAME_FIELDS:
        label, required = _NAME_FIELDS[field]
        msgs = v.check_name(label, value, required=required)
    elif field.startswith("address."):
        msgs = v.check_address({field.split(".", 1)[1]: value})
    else:
        _key, msgs = v.check_info_value(InfoType[field.upper()], value, region)
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


def clean(store: Store, rules: str | Iterable[str] | None = None, *,
          findings: pd.DataFrame | None = None, stale_days: int = DEFAULT_STALE_DAYS,
          as_of: dt.date | None = None, default_region: str = DEFAULT_PHONE_REGION,
          progress: bool = False) -> CleanupChangeSet:
    """The fixable findings (of the chosen rules; None: every fixable rule) as one change set.

    Pass ``findings`` from an earlier :func:`check` to fix exactly those; otherwise the check
    runs now. Nothing is written until ``commit()``.
    """
    chosen = [r.name for r in select(rules, fixable_only=True)]
    if findings is None:
        findings = check(store, chosen, stale_days=stale_days, as_of=as_of,
                         default_region=default_region, progress=progress)
    findings = findings[findings["rule"].isin(chosen)]
    fixes, skipped = plan(findings, default_region)
    cs = CleanupChangeSet(store, region=default_region, checker=NoDuplicateCheck())
    cs.fixes, cs.skipped = fixes, skipped
    if not fixes.empty:
        stage(cs, fixes)
    return cs


def before_after(preview: Any) -> pd.DataFrame:
    """A preview's changes as a before/after table (contact, field, before, after)."""
    frame: pd.DataFrame = preview.frame()
    return frame.drop(columns=["contact"]).rename(columns={"contact_id": "contact"})
