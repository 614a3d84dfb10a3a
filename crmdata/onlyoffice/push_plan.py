"""Planning a push: what the store's committed changes since the last push would send.

:func:`plan` reads the journal and the sync links (no request is made) and returns a
:class:`PushPlan`, one :class:`Step` per contact with every request it would make; the dry run
shows it and :mod:`crmdata.onlyoffice.push` carries it out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from ..errors import CrmDataError
from . import forms
from . import links as lk
from . import photos as ph

if TYPE_CHECKING:
    from ..access import User
    from ..db import Database

Request = tuple[str, str, str]  # method, path, why
#: Step kinds in the order a push carries them out (photos: :mod:`crmdata.onlyoffice.photos`).
KINDS = ("create", "merge", "update", "photo", "delete")


@dataclass
class Step:
    """What one contact needs: kind is create, merge, update, photo or delete."""

    kind: str
    contact_id: int
    portal_id: int | None
    name: str
    requests: list[Request]
    through: int  # the contact's latest journal entry in the plan
    survivor: int | None = None  # merges: the crmdata id merged into
    cannot_carry: list[str] = field(default_factory=list)


@dataclass
class PushPlan:
    steps: list[Step]
    local_only: int  # contacts that were in the store before the first pull (never pushed)

    @property
    def deletes(self) -> list[Step]:
        return [s for s in self.steps if s.kind == "delete"]

    @property
    def merges(self) -> list[Step]:
        return [s for s in self.steps if s.kind == "merge"]

    def frame(self) -> pd.DataFrame:
        """Every request the push would make, one row each."""
        return pd.DataFrame(
            [
                (s.kind, s.contact_id, s.portal_id, s.name, m, p, why)
                for s in self.steps
                for m, p, why in s.requests
            ],
            columns=["step", "contact_id", "portal_id", "name", "method", "path", "why"],
        )

    def summary(self) -> str:
        kinds = {k: sum(1 for s in self.steps if s.kind == k) for k in KINDS}
        text = (
            f"{kinds['create']} to create, {kinds['merge']} to merge, {kinds['update']} to update, "
            f"{kinds['photo']} photo(s) to send, {kinds['delete']} to delete on the portal "
            f"({sum(len(s.requests) for s in self.steps)} requests)"
        )
        carry = sorted({c for s in self.steps for c in s.cannot_carry})
        if carry:
            text += f"; the portal's API cannot carry: {', '.join(carry)}"
        return text


def kind_path(form: forms.Form) -> str:
    return "company" if form["core"]["is_company"] else "person"


def _update_requests(
    pid: int | str, base: forms.Form, target: forms.Form, *, after_merge: bool = False
) -> list[Request]:
    out: list[Request] = (
        [] if after_merge else [("GET", f"crm/contact/{pid}", "re-read: changed on the portal?")]
    )
    diff = forms.changed_parts(base, target)
    if "tags" in diff and not after_merge:
        out.append(("GET", f"crm/contact/{pid}/tag", "re-read the tags"))
    if "core" in diff:
        out.append(
            (
                "PUT",
                f"crm/contact/{kind_path(target)}/{pid}",
                "the whole contact ("
                + ", ".join(k for k in target["core"] if target["core"][k] != base["core"][k])
                + ")",
            )
        )
    if "info" in diff:
        out.append(("PUT", f"crm/contact/{pid}/batch", "all contact info (replaces every row)"))
    for label in sorted(set(base["custom"]) | set(target["custom"])):
        if base["custom"].get(label) != target["custom"].get(label):
            out.append(("POST", f"crm/contact/{pid}/customfield/<{label}>", f"custom field {label}"))
    old = {t.lower() for t in base["tags"]}
    new = {t.lower(): t for t in target["tags"]}
    out += [("POST", f"crm/contact/{pid}/tag", f"add tag {new[t]}") for t in sorted(set(new) - old)]
    out += [("DELETE", f"crm/contact/{pid}/tag", f"remove tag {t}") for t in sorted(old - set(new))]
    if "core" in diff or "status" in diff:
        out.append(
            (
                "PUT",
                f"crm/contact/{pid}/status",
                "temperature "
                + (target["status"] or "none")
                + (" (the update cleared it)" if "core" in diff else ""),
            )
        )
    elif len(out) > (0 if after_merge else 1):
        out.append(("GET", f"crm/contact/{pid}", "re-read what the portal stored"))
    return out


def _cannot_carry(base: forms.Form | None, target: forms.Form) -> list[str]:
    extra = target.get("extra", {})
    seen = (base or {}).get("extra", {})
    return [
        name for name in ("industry", "currency") if extra.get(name) and extra.get(name) != seen.get(name)
    ]


def plan(db: Database, user: User) -> PushPlan:
    """What a push would send, from the journal and the store (no request is made)."""
    with db.read() as tx:
        all_links = lk.links(tx)
        latest = lk.latest_changes(tx)
        first = lk.meta_int(tx, lk.FIRST_KEY)
        if first is None:
            raise CrmDataError("This store was never pulled from a portal; pull first (crmdata sync pull).")
        visible = {int(c) for (c,) in tx.rows("SELECT id FROM contacts")}
        forms_now = lk.local_forms(
            tx,
            user,
            sorted(
                {c for c in latest if c in visible} | {c for c in visible if c > first and c not in all_links}
            ),
        )
        gone_here = [c for c, link in all_links.items() if c not in visible and not link.gone]
        why_gone = lk.removals(tx, gone_here)
        local_only = int(
            tx.scalar(
                "SELECT count(*) FROM contacts WHERE id <= ? AND id NOT IN "
                "(SELECT contact_id FROM sync_links)",
                [first],
            )
        )
    steps: list[Step] = []
    new_ids = sorted(c for c in forms_now if c not in all_links and c > first)
    for cid in sorted(new_ids, key=lambda c: (not forms_now[c]["core"]["is_company"], c)):
        target = forms_now[cid]
        reqs: list[Request] = [("POST", f"crm/contact/{kind_path(target)}", "create")]
        reqs += _update_requests("<new>", _empty(target), target, after_merge=True)
        steps.append(
            Step(
                "create",
                cid,
                None,
                forms.display(target),
                reqs,
                latest.get(cid, 0),
                cannot_carry=_cannot_carry(None, target),
            )
        )
    for cid, (kind, survivor, jid) in sorted(why_gone.items(), key=lambda kv: kv[1][2]):
        link = all_links[cid]
        if kind == "merge" and survivor is not None:
            to = all_links.get(survivor)
            to_pid = to.portal_id if to else "<new>"
            steps.append(
                Step(
                    "merge",
                    cid,
                    link.portal_id,
                    forms.display(link.snapshot),
                    [
                        ("GET", f"crm/contact/{link.portal_id}", "re-read the contact merged away"),
                        ("GET", f"crm/contact/{to_pid}", "re-read the survivor"),
                        ("PUT", "crm/contact/merge", f"merge {link.portal_id} into {to_pid}"),
                    ],
                    jid,
                    survivor=survivor,
                )
            )
        else:
            steps.append(
                Step(
                    "delete",
                    cid,
                    link.portal_id,
                    forms.display(link.snapshot),
                    [
                        ("GET", f"crm/contact/{link.portal_id}", "re-read: changed on the portal?"),
                        ("DELETE", f"crm/contact/{link.portal_id}", "deleted in crmdata"),
                    ],
                    jid,
                )
            )
    survivors = {s.survivor for s in steps if s.kind == "merge"}
    for cid, link in sorted(all_links.items()):
        if cid in forms_now and latest.get(cid, 0) > link.pushed_through:
            target = forms_now[cid]
            reqs = _update_requests(link.portal_id, link.snapshot, target)
            if len(reqs) > 1 or cid in survivors:
                steps.append(
                    Step(
                        "update",
                        cid,
                        link.portal_id,
                        forms.display(target),
                        reqs,
                        latest[cid],
                        cannot_carry=_cannot_carry(link.snapshot, target),
                    )
                )
    steps += ph.plan_steps(db, new_ids, Step)
    steps.sort(key=lambda s: KINDS.index(s.kind))
    return PushPlan(steps, local_only)


def _empty(target: forms.Form) -> forms.Form:
    """What a contact just created holds: its core, nothing else."""
    return {
        "core": dict(target["core"]),
        "status": None,
        "info": [],
        "custom": {},
        "tags": [],
        "extra": {"industry": "", "currency": ""},
    }
