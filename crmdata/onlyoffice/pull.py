"""Pull: a full snapshot of every contact the portal account may see, into the store.

The API exposes no modification time (a sync client must take a snapshot and compare), so a
pull reads every page, builds each contact's form and compares its fingerprint with the one
stored at the last pull. New contacts are created, changed ones updated, all through one
change set (validated, journalled as a ``sync pull``, undoable) in the same transaction as
their links; contacts with local changes not yet pushed are not touched but reported as
conflicts with both versions; contacts missing from the snapshot are reported (deleted or
merged on the portal, or no longer visible to the account), never deleted here.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..access import User
from ..edit import ChangeSet, DuplicateCandidate, NewContact, StagedContact
from ..edit.lists import ListEditor, add_custom_field
from ..errors import CrmDataError, ValidationFailed
from ..model import CustomFieldType, FieldScope, InfoType, ListType
from ..numbering import next_id
from ..users import add_user
from . import forms
from . import links as lk
from . import photos as ph
from .client import PortalClient

if TYPE_CHECKING:
    from ..db import Database, Tx

_NEW = re.compile(r"^new contact #(\d+)")


class _NoDuplicateCheck:
    """A pull copies the portal as it is: its contacts are not checked against each other."""

    def check(self, tx: Tx, user: User, staged: Sequence[StagedContact]) -> list[DuplicateCandidate]:
        return []


@dataclass
class SyncConflict:
    """A contact changed on both sides (or, on a push, on the portal since the pull)."""

    contact_id: int | None
    portal_id: int
    name: str
    parts: list[str]
    portal: forms.Form | None
    local: forms.Form | None
    reason: str = ""

    def __str__(self) -> str:
        return (
            f"contact {self.contact_id} (portal {self.portal_id}, {self.name}): "
            f"{self.reason or 'changed on the portal and here'} ({', '.join(self.parts)})"
        )


@dataclass
class PullReport:
    """What a pull did. ``conflicts`` hold both versions; ``refused`` the portal contacts the
    store could not take, with the problems."""

    seen: int = 0
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: int = 0
    conflicts: list[SyncConflict] = field(default_factory=list)
    disappeared: list[tuple[int, int, str]] = field(default_factory=list)  # (contact, portal id, name)
    refused: list[tuple[int, str]] = field(default_factory=list)  # (portal id, problems)
    repeated_ids: int = 0
    change_set_id: int | None = None  # the last of change_set_ids
    change_set_ids: list[int] = field(default_factory=list)  # the pull's change sets (undo each)
    requests: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    photos: list[int] = field(default_factory=list)  # contacts whose photo the pull set or removed
    with_photos: bool = False

    def __str__(self) -> str:
        lines = [
            f"Pulled {self.seen} contact(s) in {self.requests} request(s): {len(self.created)} new, "
            f"{len(self.updated)} updated, {self.unchanged} unchanged, "
            f"{len(self.conflicts)} conflict(s), "
            f"{len(self.disappeared)} gone from the portal, {len(self.refused)} refused"
            + (f", {len(self.photos)} photo(s) changed." if self.with_photos else ".")
        ]
        lines += [f"  conflict: {c}" for c in self.conflicts[:20]]
        lines += [
            f"  gone: contact {c} (portal {p}, {n}) is no longer on the portal (deleted, merged or "
            "not visible to this account)"
            for c, p, n in self.disappeared[:20]
        ]
        lines += [f"  refused: portal contact {p}: {msg}" for p, msg in self.refused[:20]]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def fetch(
    client: PortalClient, photo_urls: dict[int, str] | None = None
) -> tuple[dict[int, forms.Form], dict[str, str], int]:
    """Every visible contact's form by portal id, portal user names by id, and how many ids
    pages repeated (a page repeats ids when contacts before it were deleted meanwhile).
    ``photo_urls`` gets each contact's photo handler address, when given."""
    seen: dict[int, forms.Form] = {}
    names: dict[str, str] = {}
    repeated = 0
    for page in client.contact_pages():
        for item in page:
            if not isinstance(item, dict) or not isinstance(item.get("id"), int):
                raise CrmDataError(
                    "The portal's contact list holds an entry without a numeric id; nothing was changed."
                )
            pid = int(item["id"])
            if pid in seen:
                repeated += 1
            seen[pid] = forms.from_portal(item)
            if photo_urls is not None:
                photo_urls[pid] = ph.handler_url(item)
            for emp in item.get("accessList") or []:
                if isinstance(emp, dict) and emp.get("id"):
                    names[str(emp["id"])] = str(emp.get("displayName") or emp["id"])
    return seen, names, repeated


def _definitions(client: PortalClient) -> dict[str, tuple[int, FieldScope, str | None]]:
    """Custom field definitions by label: type, scope (person, company or both), mask."""
    found: dict[str, dict[str, Any]] = {}
    for entity in ("person", "company"):
        for d in client.get(f"crm/{entity}/customfield/definitions.json") or []:
            entry = found.setdefault(
                str(d.get("label")),
                {"type": int(d.get("fieldType", 0) or 0), "mask": d.get("mask") or None, "in": set()},
            )
            entry["in"].add(entity)
    out = {}
    for label, d in found.items():
        scope = (
            FieldScope.CONTACT
            if len(d["in"]) == 2
            else FieldScope.PERSON
            if "person" in d["in"]
            else FieldScope.COMPANY
        )
        out[label] = (d["type"], scope, d["mask"])
    return out


def _ensure_lists(
    db: Database,
    user: User,
    wanted: dict[int, forms.Form],
    definitions: dict[str, tuple[int, FieldScope, str | None]],
    user_names: dict[str, str],
    tx: Tx,
) -> None:
    """Temperature levels, custom fields and users the pulled contacts need, created if missing."""
    titles = {f["status"] for f in wanted.values() if f["status"]}
    have = {
        str(t).lower()
        for (t,) in tx.rows("SELECT title FROM list_items WHERE list_type = ?", [int(ListType.TEMPERATURE)])
    }
    editor = ListEditor(db, user, ListType.TEMPERATURE)
    for title in sorted(titles):
        if title.lower() not in have:
            editor.add(title, "#77cf9a")
    labels = {label for f in wanted.values() for label in f["custom"]}
    known = {str(x).lower() for (x,) in tx.rows("SELECT label FROM custom_fields")}
    for label in sorted(labels):
        if label.lower() not in known:
            ftype, scope, mask = definitions.get(label, (int(CustomFieldType.TEXT), FieldScope.CONTACT, None))
            if ftype == CustomFieldType.HEADING:
                continue
            try:
                add_custom_field(db, user, label, ftype, scope, mask)
            except ValidationFailed:
                add_custom_field(db, user, label, ftype, scope, None)
    guid_users = {g: u for u, g in lk.portal_users(tx).items()}
    wanted_guids = {g for f in wanted.values() for g in f["core"]["managers"]}
    logins = {str(login).lower(): int(uid) for uid, login in tx.rows("SELECT id, login FROM users")}
    for guid in sorted(wanted_guids - set(guid_users)):
        name = user_names.get(guid, guid)
        uid = logins.get(name.lower())
        if uid is None:
            uid = add_user(tx, user, name).id
            logins[name.lower()] = uid
        tx.execute("DELETE FROM sync_users WHERE user_id = ? OR portal_user = ?", [uid, guid])
        tx.execute("INSERT INTO sync_users VALUES (?, ?)", [uid, guid])


def _stage(
    cs: ChangeSet,
    target: int | NewContact,
    form: forms.Form,
    local: forms.Form | None,
    company: int | NewContact | None,
    logins: dict[str, str],
    info_ids: list[int],
) -> None:
    """Operations that make the store's contact look like ``form`` (from ``local``, if it exists)."""
    core = form["core"]
    fields: dict[str, Any] = {"notes": core["notes"] or None}
    if core["is_company"]:
        fields["company_name"] = core["company_name"]
    else:
        fields.update(
            first_name=core["first_name"],
            last_name=core["last_name"] or None,
            title=core["title"] or None,
            company=company,
        )
    fields["temperature"] = form["status"]
    fields["industry"] = form["extra"]["industry"] or None
    fields["currency"] = form["extra"]["currency"] or None
    cs.update(target, **fields)
    managers = [logins[g] for g in core["managers"] if g in logins]
    cs.set_access(target, core["share_type"], managers)
    if local is None or local["info"] != form["info"]:
        for iid in info_ids:
            cs.delete_info(target, iid)
        for itype, cat, data, primary in form["info"]:
            if itype == InfoType.ADDRESS:
                parts = forms.json.loads(data)
                cs.add_info(
                    target,
                    InfoType.ADDRESS,
                    None,
                    category=cat,
                    primary=primary,
                    **{k: str(v) for k, v in parts.items()},
                )
            else:
                cs.add_info(target, itype, data, category=cat, primary=primary)
    old_tags = {t.lower(): t for t in (local["tags"] if local else [])}
    new_tags = {t.lower(): t for t in form["tags"]}
    if set(new_tags) - set(old_tags):
        cs.add_tags(target, *[new_tags[k] for k in sorted(set(new_tags) - set(old_tags))])
    if set(old_tags) - set(new_tags):
        cs.remove_tags(target, *[old_tags[k] for k in sorted(set(old_tags) - set(new_tags))])
    old_custom = local["custom"] if local else {}
    for label in sorted(set(old_custom) | set(form["custom"])):
        if old_custom.get(label) != form["custom"].get(label):
            cs.set_custom(target, label, form["custom"].get(label))


def pull(
    db: Database, user: User, client: PortalClient, *, take_portal: Sequence[int] = (), photos: bool = False
) -> PullReport:
    """Pull every contact the portal account may see (see the module docstring).

    ``take_portal``: crmdata ids of conflicting contacts whose portal version replaces the
    store's (their local changes not pushed are overwritten; undoing the pull brings them back).
    ``photos``: pull photos too (:mod:`crmdata.onlyoffice.photos`; one or two more requests a
    contact).
    """
    take = {int(i) for i in take_portal}
    started = time.perf_counter()
    report = PullReport(with_photos=photos)
    with db.read() as tx:
        lk.check_portal(tx, client.url)
        known_photos = ph.known_by_portal(tx) if photos else {}
    photo_urls: dict[int, str] | None = {} if photos else None
    snapshot, user_names, report.repeated_ids = fetch(client, photo_urls)
    got_photos = ph.download(client, photo_urls, known_photos, report.refused) if photo_urls else {}
    definitions = _definitions(client) if any(f["custom"] for f in snapshot.values()) else {}
    report.seen = len(snapshot)
    with db.transaction() as tx:
        lk.check_portal(tx, client.url)
        if tx.meta(lk.FIRST_KEY) is None:
            tx.set_meta(lk.FIRST_KEY, str(next_id(tx, "contacts") - 1))
        tx.set_meta(lk.PORTAL_KEY, client.url)
        by_portal = {link.portal_id: link for link in lk.links(tx).values()}
        latest = lk.latest_changes(tx, [link.contact_id for link in by_portal.values()])
        existing = {
            int(c)
            for (c,) in tx.rows(
                f"SELECT id FROM contacts WHERE id IN ({lk.IDS})",
                [[x.contact_id for x in by_portal.values()]],
            )
        }
        todo: dict[int, forms.Form] = {}
        for pid, form in snapshot.items():
            link = by_portal.get(pid)
            if link is None:
                todo[pid] = form
            elif link.fingerprint == forms.fingerprint(form) and link.contact_id in existing:
                report.unchanged += 1
            elif (
                latest.get(link.contact_id, 0) > link.pushed_through and link.contact_id not in take
            ) or link.contact_id not in existing:
                local = lk.local_forms(tx, user, [link.contact_id]).get(link.contact_id)
                report.conflicts.append(
                    SyncConflict(
                        link.contact_id,
                        pid,
                        forms.display(form),
                        forms.changed_parts(link.snapshot, form),
                        form,
                        local,
                        "changed on the portal since the last pull, and changed (or deleted or "
                        "merged) here and not pushed yet; the store keeps its version",
                    )
                )
            else:
                todo[pid] = form
        if report.repeated_ids:
            report.notes.append(
                f"the portal's pages repeated {report.repeated_ids} id(s) (contacts changed "
                "during the pull); gone contacts are not reported this time: pull again"
            )
        else:
            gone = [x for pid, x in by_portal.items() if pid not in snapshot and not x.gone]
            lk.mark_gone(tx, [x.contact_id for x in gone])
            report.disappeared = [(x.contact_id, x.portal_id, forms.display(x.snapshot)) for x in gone]
        _ensure_lists(db, user, todo, definitions, user_names, tx)
        jid = _write(db, user, tx, todo, by_portal, report)
        report.change_set_id = jid
        if photos:
            _photos(user, tx, got_photos, take, report)
    report.requests = client.stats.requests
    report.seconds = time.perf_counter() - started
    return report


def _photos(user: User, tx: Tx, got: dict[int, ph.PortalPhoto], take: set[int], report: PullReport) -> None:
    done = ph.apply_pulled(user, tx, got, take)
    report.photos = done.changed
    report.refused += done.refused
    report.conflicts += [
        SyncConflict(
            cid, pid, f"contact {cid}", ["photo"], None, None,
            "its photo changed on the portal since the last pull, and here and not pushed yet; the "
            "store keeps its photo",
        )
        for cid, pid in done.conflicts
    ]
    if done.change_set_id is not None:
        report.change_set_ids.append(done.change_set_id)
        report.change_set_id = done.change_set_id


#: Contacts per change set of a pull (all in the pull's one transaction): a change set holds its
#: contacts in memory while it checks and writes them.
CHUNK = 5000


def _write(
    db: Database, user: User, tx: Tx, todo: dict[int, forms.Form], by_portal: dict[int, lk.Link],
    report: PullReport,
) -> int | None:
    """Create and update the contacts of ``todo``, companies first, in change sets of
    :data:`CHUNK` contacts inside the pull's transaction; returns the last change set id."""
    logins = {
        g: str(login)
        for g, login in tx.rows(
            "SELECT s.portal_user, u.login FROM sync_users s JOIN users u ON u.id = s.user_id"
        )
    }
    known = {x.portal_id: x.contact_id for x in by_portal.values()}
    order = sorted(todo, key=lambda p: (not todo[p]["core"]["is_company"], p))
    last = None
    for start in range(0, len(order), CHUNK):
        part = {pid: todo[pid] for pid in order[start : start + CHUNK]}
        last = _write_part(db, user, tx, part, by_portal, known, logins, report) or last
    return last


def _write_part(
    db: Database,
    user: User,
    tx: Tx,
    todo: dict[int, forms.Form],
    by_portal: dict[int, lk.Link],
    known: dict[int, int],
    logins: dict[str, str],
    report: PullReport,
) -> int | None:
    """One change set of a pull, leaving out (and reporting) contacts the store refuses; then
    link them. ``known`` (portal id -> crmdata id) gains the contacts it creates."""
    left = dict(todo)
    for _round in range(3):
        cs = ChangeSet(db, user, checker=_NoDuplicateCheck())
        cs.pin([by_portal[pid].contact_id for pid in left if pid in by_portal])
        updates = {pid: by_portal[pid].contact_id for pid in left if pid in by_portal}
        locals_ = lk.local_forms(tx, user, list(updates.values()))
        info_ids: dict[int, list[int]] = {}
        for cid, iid in tx.rows(
            f"SELECT contact_id, id FROM contact_info WHERE contact_id IN ({lk.IDS})",
            [list(updates.values())],
        ):
            info_ids.setdefault(int(cid), []).append(int(iid))
        refs: dict[int, int | NewContact] = {pid: cid for pid, cid in updates.items()}
        refs.update({pid: cid for pid, cid in known.items() if pid not in left})
        new_of: dict[int, int] = {}
        order = sorted(left, key=lambda p: (not left[p]["core"]["is_company"], p))
        for pid in order:
            form = left[pid]
            if pid not in updates:
                core = form["core"]
                ref = (
                    cs.create_company(core["company_name"])
                    if core["is_company"]
                    else cs.create_person(core["first_name"], core["last_name"] or None)
                )
                refs[pid] = ref
                new_of[ref.seq] = pid
        for pid in order:
            form = left[pid]
            company = form["core"]["company"]
            target = refs[pid]
            _stage(
                cs,
                target,
                form,
                locals_.get(updates.get(pid, -1)),
                refs.get(company) if company is not None else None,
                logins,
                info_ids.get(updates.get(pid, -1), []),
            )
        try:
            result = cs.commit(on_duplicate="save")
        except ValidationFailed as exc:
            bad = _refused_of(exc, updates, new_of)
            if not bad:
                raise
            for pid, msg in bad.items():
                report.refused.append((pid, msg))
                left.pop(pid, None)
            continue
        created = {new_of[ref.seq]: cid for ref, cid in result.created.items()}
        known.update(created)
        jid = result.change_set_id or 0
        report.created += sorted(created.values())
        report.updated += sorted(updates[p] for p in updates if p in left)
        if jid:
            report.change_set_ids.append(jid)
        # an update that changed nothing here (no entry) keeps the link's mark
        lk.save_links(
            tx,
            [(cid, pid, left[pid], jid) for pid, cid in created.items()]
            + [(updates[pid], pid, left[pid], max(jid, by_portal[pid].pushed_through)) for pid in updates],
        )
        return result.change_set_id
    raise CrmDataError("The store refused the portal's contacts three times; nothing was changed.")


def _refused_of(exc: ValidationFailed, updates: dict[int, int], new_of: dict[int, int]) -> dict[int, str]:
    """Portal ids of the contacts a validation failure names, with their problems."""
    portal_of = {cid: pid for pid, cid in updates.items()}
    bad: dict[int, list[str]] = {}
    for p in exc.problems:
        pid = portal_of.get(p.contact_id) if p.contact_id is not None else None
        if pid is None and p.field:
            hit = _NEW.match(p.field)
            pid = new_of.get(int(hit.group(1))) if hit else None
        if pid is not None:
            bad.setdefault(pid, []).append(str(p))
    return {pid: "; ".join(msgs) for pid, msgs in bad.items()}
