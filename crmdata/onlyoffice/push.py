"""Push: send the store's committed changes since the last push to the portal.

The journal says which contacts changed since their link's ``pushed_through`` (and which were
deleted or merged away); the store says what they look like now. A push plans first (every
request it would make, :meth:`PushPlan.frame`), then carries the plan out contact by contact
in four phases: new contacts (companies first), merges (``PUT contact/merge``, one pair at a
time into the survivor), updates, deletes.

For each contact it re-reads the portal and compares three versions part by part: as last
seen (the link's snapshot), as the portal has it now, and as the store wants it. A part the
portal changed since the pull, to something else than the store wants, is a conflict: nothing
of that contact is written. The API's writes are lossy (an update empties what it is not sent
and clears the temperature), so an update always sends the whole contact and then sets the
temperature again; its answer is stale, so the temperature call's fresh answer (or a re-read)
is what the store records as the portal's new version.

Progress is recorded contact by contact: a contact is marked "under way" before its first
write and its link moves past its journal entries when it is done, so a push that stops half
way (connection lost, portal down, token refused twice) can be run again and sends only what
is left; parts already on the portal compare equal and are not sent again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import forms
from . import links as lk
from . import photos as ph
from .client import (
    PortalAuthFailed,
    PortalClient,
    PortalDenied,
    PortalError,
    PortalNotFound,
    PortalUnavailable,
)
from .pull import SyncConflict
from .push_plan import KINDS, PushPlan, Step, kind_path, plan

if TYPE_CHECKING:
    from ..access import User
    from ..db import Database

#: Contacts pushed while the store file is held (it is let go between runs of this many).
HOLD = 25


@dataclass
class PushReport:
    plan: PushPlan
    status: str = "done"  # done, dry run, needs confirmation, stopped
    done: list[int] = field(default_factory=list)
    conflicts: list[SyncConflict] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)
    stopped: str | None = None
    requests: int = 0
    seconds: float = 0.0

    def __str__(self) -> str:
        head = {"dry run": "Would push: ", "needs confirmation": "Not pushed (needs confirmation): "}.get(
            self.status, "Pushed: "
        )
        lines = [head + self.plan.summary() + "."]
        if self.status in ("done", "stopped"):
            lines.append(
                f"{len(self.done)} contact(s) done in {self.requests} request(s), "
                f"{len(self.conflicts)} conflict(s), {len(self.refused)} refused."
            )
        lines += [f"  conflict: {c}" for c in self.conflicts[:20]]
        lines += [f"  refused: contact {c}: {m}" for c, m in self.refused[:20]]
        if self.stopped:
            lines.append(f"Stopped: {self.stopped} Run the push again to send the rest.")
        return "\n".join(lines)


# -- carrying out ----------------------------------------------------------------------------
class _Stop(Exception):  # noqa: N818 - control flow: the push stops, what is done stays done
    pass


class _Pusher:
    def __init__(self, db: Database, user: User, client: PortalClient, report: PushReport) -> None:
        self.db, self.user, self.client, self.report = db, user, client, report
        self._statuses: dict[str, int] | None = None
        self._fields: dict[str, int] | None = None
        self.targets: dict[int, forms.Form] = {}
        self.links: dict[int, lk.Link] = {}
        self.under_way: dict[int, tuple[str, int | None, int | None]] = {}
        self.mark = 0
        self.overwrite: set[int] = set()  # contacts whose store version wins over portal changes

    def sent(self) -> list[tuple[str, str]]:
        """The requests sent for the current step (what the push log records)."""
        return self.client.sent[self.mark :]

    def prefetch(self, run: list[Step]) -> None:
        """The store's side of a run of steps of one kind, read at once: the contacts' forms,
        links and markers (a run of updates touches nothing another update of it reads)."""
        ids = [s.contact_id for s in run]
        with self.db.read() as tx:
            self.targets = (
                lk.local_forms(tx, self.user, ids) if run[0].kind in ("create", "update") else {}
            )
            self.links = lk.links(tx, contact_ids=ids)
            self.under_way = lk.pending(tx)

    # lookups on the portal, read once per push
    def status_id(self, title: str | None) -> int:
        if not title:
            return 0
        if self._statuses is None:
            self._statuses = {
                str(s["title"]).lower(): int(s["id"])
                for s in self.client.get("crm/contact/status.json") or []
            }
        if title.lower() not in self._statuses:
            made = self.client.call(
                "POST", "crm/contact/status.json", body={"title": title, "color": "#77cf9a"}
            ).response
            self._statuses[title.lower()] = int(made["id"])
        return self._statuses[title.lower()]

    def field_id(self, label: str) -> int:
        if self._fields is None:
            self._fields = {}
            for entity in ("person", "company"):
                for d in self.client.get(f"crm/{entity}/customfield/definitions.json") or []:
                    self._fields.setdefault(str(d["label"]).lower(), int(d["id"]))
        if label.lower() not in self._fields:
            made = self.client.call(
                "POST", "crm/contact/customfield.json", body={"label": label, "fieldType": 0}
            ).response
            self._fields[label.lower()] = int(made["id"])
        return self._fields[label.lower()]

    def read(self, pid: int, *, tags: bool) -> forms.Form:
        item = self.client.contact(pid)
        return forms.from_portal(item, self.client.contact_tags(pid) if tags else [])

    # writing one contact towards its target, from what the portal has now
    def write(self, pid: int, now: forms.Form, target: forms.Form) -> forms.Form:
        """Send the parts where ``now`` differs from ``target``; returns the portal's version after."""
        c = self.client
        diff = forms.changed_parts(now, target)
        fresh: dict[str, Any] | None = None
        if "core" in diff:
            if not target["core"]["is_company"] and not target["core"]["last_name"]:
                raise PortalError(
                    "the portal's API cannot save a person without a last name "
                    "(PUT contact/person refuses it)"
                )
            c.call("PUT", f"crm/contact/{kind_path(target)}/{pid}.json", body=forms.core_payload(target))
        if "info" in diff:
            c.call("PUT", f"crm/contact/{pid}/batch.json", body={"items": forms.info_items(target)})
        for label in sorted(set(now["custom"]) | set(target["custom"])):
            if now["custom"].get(label) != target["custom"].get(label):
                c.call(
                    "POST",
                    f"crm/contact/{pid}/customfield/{self.field_id(label)}.json",
                    body={"fieldValue": target["custom"].get(label, "")},
                    repeatable=True,
                )
        old = {t.lower() for t in now["tags"]}
        new = {t.lower(): t for t in target["tags"]}
        for t in sorted(set(new) - old):
            c.call("POST", f"crm/contact/{pid}/tag.json", body={"tagName": new[t]}, repeatable=True)
        for t in sorted(old - set(new)):
            try:
                c.call("DELETE", f"crm/contact/{pid}/tag.json", params={"tagName": t})
            except PortalNotFound:
                pass  # the tag no longer exists anywhere on the portal: it is not on the contact either
        if "core" in diff or "status" in diff:  # the update cleared the temperature; its answer is fresh
            fresh = c.call(
                "PUT",
                f"crm/contact/{pid}/status.json",
                body={"contactStatusid": self.status_id(target["status"])},
            ).response
        elif diff:
            fresh = c.contact(pid)
        if fresh is None:
            return now
        return forms.from_portal(fresh, target["tags"])

    def record(self, step: Step, pid: int, form: forms.Form, outcome: str = "sent") -> None:
        with self.db.transaction() as tx:
            lk.update_link(tx, step.contact_id, pid, form, step.through)
            lk.clear_pending(tx, step.contact_id)
            lk.log(tx, [(step.contact_id, pid, step.through, m, p, outcome) for m, p in self.sent()])
        self.report.done.append(step.contact_id)

    def pending(self, step: Step, pid: int | None, high: int | None = None) -> None:
        with self.db.transaction() as tx:
            lk.set_pending(tx, step.contact_id, step.kind, pid, high)


def _three_way(base: forms.Form, now: forms.Form, target: forms.Form, resumed: bool) -> list[str]:
    """Parts the portal changed since the pull to something the store does not want."""
    out = []
    for part in forms.PARTS:
        if forms.part_equal(part, now, base) or forms.part_equal(part, now, target):
            continue
        if resumed and part in ("core", "status", "info", "custom", "tags"):
            continue  # an earlier push of this contact stopped half way: the change is its own
        out.append(part)
    return out


def push(
    db: Database,
    user: User,
    client: PortalClient,
    *,
    dry_run: bool = False,
    confirm: bool | Callable[[PushPlan], bool] = False,
    overwrite: Sequence[int] = (),
) -> PushReport:
    """Plan, then (unless ``dry_run``) carry the plan out; see the module docstring.

    ``overwrite``: crmdata ids of contacts whose store version replaces the portal's even where
    the portal changed it since the pull (settling a conflict in the store's favour)."""
    started = time.perf_counter()
    the_plan = plan(db, user)
    report = PushReport(the_plan)
    if dry_run:
        report.status = "dry run"
        return report
    if the_plan.deletes or the_plan.merges:
        ok = confirm(the_plan) if callable(confirm) else bool(confirm)
        if not ok:
            report.status = "needs confirmation"
            return report
    with db.read() as tx:
        lk.check_portal(tx, client.url)
    p = _Pusher(db, user, client, report)
    p.overwrite = {int(i) for i in overwrite}
    runs = [
        [s for s in the_plan.steps if s.kind == kind][i : i + HOLD]
        for kind in KINDS
        for i in range(0, len(the_plan.steps), HOLD)
    ]
    try:
        for run in filter(None, runs):
            # the store is taken once for a run of contacts (every action taking it afresh costs more
            # than the requests) and let go between runs, so other processes can write meanwhile
            with db.read():
                p.prefetch(run)
                for step in run:
                    _run_step(p, step)
    except _Stop as exc:
        report.status, report.stopped = "stopped", str(exc)
    report.requests = client.stats.requests
    report.seconds = time.perf_counter() - started
    return report


def _run_step(p: _Pusher, step: Step) -> None:
    p.mark = len(p.client.sent)
    try:
        run = {"create": _create, "merge": _merge, "update": _update, "photo": _photo, "delete": _delete}
        run[step.kind](p, step)
    except (PortalUnavailable, PortalAuthFailed) as exc:
        raise _Stop(
            f"{exc} (at contact {step.contact_id}, {step.name}; "
            f"{len(p.report.done)} contact(s) were done before)."
        ) from exc
    except PortalDenied as exc:
        p.report.refused.append((step.contact_id, f"the portal account may not change it: {exc.message}"))
    except PortalNotFound as exc:
        p.report.refused.append(
            (
                step.contact_id,
                f"it is no longer on the portal (deleted there since the "
                f"pull, or no longer visible): {exc.message}",
            )
        )
        if step.kind != "create":
            with p.db.transaction() as tx:
                lk.mark_gone(tx, [step.contact_id])
    except PortalError as exc:
        p.report.refused.append((step.contact_id, exc.message))


def _target(p: _Pusher, cid: int) -> forms.Form:
    if cid not in p.targets:
        raise PortalError(f"contact {cid} is not in the store any more")
    target = p.targets[cid]
    if target["core"]["company"] is None and target.get("company_local") is not None:
        with p.db.read() as tx:
            company = lk.links(tx, contact_ids=[int(target["company_local"])])
        if company:
            target["core"]["company"] = next(iter(company.values())).portal_id
    return target


def _update(p: _Pusher, step: Step) -> None:
    link = p.links[step.contact_id]
    resumed = step.contact_id in p.under_way
    target = _target(p, step.contact_id)
    pid = link.portal_id
    base = link.snapshot
    now = p.read(pid, tags=not forms.part_equal("tags", base, target))
    if forms.part_equal("tags", base, target):
        now["tags"] = list(base["tags"])
    clash = [] if step.contact_id in p.overwrite else _three_way(base, now, target, resumed)
    if clash:
        p.report.conflicts.append(
            SyncConflict(
                step.contact_id,
                pid,
                step.name,
                clash,
                now,
                target,
                "changed on the portal since the pull; nothing was overwritten",
            )
        )
        return
    p.pending(step, pid)
    after = p.write(pid, now, target)
    p.record(step, pid, after)


def _photo(p: _Pusher, step: Step) -> None:
    if not ph.run_step(p, step):
        p.report.conflicts.append(
            SyncConflict(step.contact_id, step.portal_id or 0, step.name, ["photo"], None, None,
                         "its photo changed on the portal since it was last seen (or photos were never "
                         "pulled: pull with photos first); nothing was overwritten")
        )


def _create(p: _Pusher, step: Step) -> None:
    target = _target(p, step.contact_id)
    with p.db.read() as tx:
        under_way = lk.pending(tx).get(step.contact_id)
        high = int(tx.scalar("SELECT coalesce(max(portal_id), 0) FROM sync_links"))
    pid = _adopt(p, target, under_way[2] or 0) if under_way and under_way[0] == "create" else None
    if pid is None:
        p.pending(step, None, high)
        made = p.client.call(
            "POST", f"crm/contact/{kind_path(target)}.json", body=forms.core_payload(target)
        )
        pid = int(made.response["id"])
        now = forms.from_portal(made.response, [])
    else:
        now = p.read(pid, tags=True)
    with p.db.transaction() as tx:  # linked at once: a push that stops now never creates it twice
        lk.save_links(tx, [(step.contact_id, pid, now, 0)])
        lk.set_pending(tx, step.contact_id, "update", pid)
    step.portal_id = pid
    after = p.write(pid, now, target)
    p.record(step, pid, after)


def _adopt(p: _Pusher, target: forms.Form, high: int) -> int | None:
    """The portal contact an earlier push created for ``target`` but never heard back about:
    same kind and name, newer than every contact known when that push began, linked to nothing."""
    name = forms.display(target)
    found = p.client.call(
        "GET",
        "crm/contact/filter.json",
        params={
            "filterValue": name.replace(",", " "),
            "sortBy": "id",
            "sortOrder": "descending",
            "count": 100,
        },
    ).response
    with p.db.read() as tx:
        taken = {link.portal_id for link in lk.links(tx).values()}
    for item in found or []:
        form = forms.from_portal(item)
        if (
            int(item["id"]) > high
            and int(item["id"]) not in taken
            and forms.display(form) == name
            and form["core"]["is_company"] == target["core"]["is_company"]
        ):
            return int(item["id"])
    return None


def _merge(p: _Pusher, step: Step) -> None:
    with p.db.read() as tx:
        both = lk.links(tx, contact_ids=[step.contact_id, int(step.survivor or 0)])
        resumed = step.contact_id in lk.pending(tx)
    gone, into = both.get(step.contact_id), both.get(int(step.survivor or 0))
    if gone is None:
        return
    if into is None:
        raise PortalError(f"the survivor {step.survivor} is not on the portal; push it first")
    if gone.snapshot["core"]["is_company"] != into.snapshot["core"]["is_company"]:
        raise PortalError("a person and a company cannot be merged; the merge is not sent")
    try:
        now_from = p.read(gone.portal_id, tags=False)
    except PortalNotFound:
        if not resumed:
            raise
        now_from = None  # the earlier push's merge went through before it stopped
    now_to = p.read(into.portal_id, tags=False)
    clash = []
    if now_from is not None:
        clash = [
            f"merged-away {x}"
            for x in _three_way(gone.snapshot, now_from, gone.snapshot, False)
            if x != "tags"
        ]
    clash += [f"survivor {x}" for x in _three_way(into.snapshot, now_to, into.snapshot, False) if x != "tags"]
    if step.contact_id in p.overwrite:
        clash = []
    if clash:
        p.report.conflicts.append(
            SyncConflict(
                step.contact_id,
                gone.portal_id,
                step.name,
                clash,
                now_from,
                gone.snapshot,
                "changed on the portal since the pull; not merged",
            )
        )
        return
    merged = now_to
    if now_from is not None:
        p.pending(step, gone.portal_id)
        got = p.client.call(
            "PUT",
            "crm/contact/merge.json",
            repeatable=False,
            body={"fromcontactid": gone.portal_id, "tocontactid": into.portal_id},
        ).response
        merged = forms.from_portal(
            got, sorted({*into.snapshot["tags"], *gone.snapshot["tags"]}, key=str.lower)
        )
    with p.db.transaction() as tx:  # the survivor's base is now the merged contact
        lk.save_links(tx, [(into.contact_id, into.portal_id, merged, into.pushed_through)])
        lk.drop_link(tx, step.contact_id)
        lk.clear_pending(tx, step.contact_id)
        lk.log(
            tx,
            [(step.contact_id, gone.portal_id, step.through, m, pth, "sent") for m, pth in p.sent()],
        )
    p.report.done.append(step.contact_id)


def _delete(p: _Pusher, step: Step) -> None:
    with p.db.read() as tx:
        link = lk.links(tx, contact_ids=[step.contact_id])[step.contact_id]
    try:
        now = p.read(link.portal_id, tags=False)
    except PortalNotFound:
        now = None  # already gone: nothing to send
    if now is not None:
        clash = [x for x in _three_way(link.snapshot, now, link.snapshot, False) if x != "tags"]
        if step.contact_id in p.overwrite:
            clash = []
        if clash:
            p.report.conflicts.append(
                SyncConflict(
                    step.contact_id,
                    link.portal_id,
                    step.name,
                    clash,
                    now,
                    None,
                    "changed on the portal since the pull; not deleted",
                )
            )
            return
        p.pending(step, link.portal_id)
        try:
            p.client.call("DELETE", f"crm/contact/{link.portal_id}.json")
        except PortalNotFound:
            pass
    with p.db.transaction() as tx:
        lk.drop_link(tx, step.contact_id)
        lk.clear_pending(tx, step.contact_id)
        lk.log(
            tx,
            [(step.contact_id, link.portal_id, step.through, m, pth, "sent") for m, pth in p.sent()],
        )
    p.report.done.append(step.contact_id)
