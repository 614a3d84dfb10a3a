"""Photos in the portal sync: pulled when asked, pushed when changed here.

The API gives every contact the address of the CRM file handler
(``<base>HttpHandlers/filehandler.ashx?action=contactphotoulr&cid=<id>&isc=<True/False>&ps=1|2``),
the same for a contact with a photo and one without, so the contact itself cannot tell a photo
from the default avatar. The handler answers with the address of the image: the stored photo
(its address changes on every upload) or the skin's default image (``empty_people_logo_...`` or
``empty_company_logo_...``). A contact has a photo on the portal when the address is not a
default one; that address is what the sync compares ("seen"), so an unchanged photo is not
downloaded again. A handler that answers with the image itself is compared by its sha256, and
its default avatar is recognised by its bytes: the handler's answer for contact 0 (which has no
photo) is the default avatar of that kind.

Photos are compared apart from the contact's fields, with their own last-seen value and mark
(``sync_photos``): a pull takes the portal's photo unless the contact has a local photo change
not yet pushed (a conflict, as for fields); a push sends local photo changes with ``PUT
contact/{id}/changephoto`` (multipart) or ``DELETE contact/{id}/avatar``, after checking the
portal's photo did not change since it was last seen.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..photos.store_ops import write_many
from . import forms
from . import links as lk
from .client import PortalBadResponse, PortalClient, PortalError, PortalNotFound

if TYPE_CHECKING:
    from ..access import User
    from ..db import Database, Tx

#: A push step and the pusher (crmdata.onlyoffice.push_plan and .push import this module, not
#: the other way).
Step = Any
Pusher = Any

#: What the address of the portal's default avatar contains (ContactPhotoManager's defaults).
DEFAULT_MARKS = ("empty_people_logo_", "empty_company_logo_")
_MEDIA = {"PNG": "image/png", "JPEG": "image/jpeg"}


@dataclass(frozen=True)
class PortalPhoto:
    """A contact's photo as the portal has it: ``seen`` identifies it ("" for the default
    avatar); ``data`` is the image when it was downloaded."""

    seen: str
    data: bytes | None = None


def handler_url(item: dict[str, Any]) -> str:
    """The file handler address of a contact wrapper (the medium, 82 px rendition)."""
    url = item.get("mediumFotoUrl") or item.get("smallFotoUrl")
    if not url:
        is_company = "True" if item.get("isCompany") else "False"
        url = (
            "products/crm/HttpHandlers/filehandler.ashx?action=contactphotoulr"
            f"&cid={int(item['id'])}&isc={is_company}&ps=2"
        )
    return str(url)


def read_photo(
    client: PortalClient,
    url: str,
    *,
    known: str | None = None,
    download: bool = True,
    defaults: dict[str, bytes] | None = None,
) -> PortalPhoto:
    """Ask the file handler for a contact's photo; download it unless it is the default avatar,
    the one already ``known``, or ``download`` is False. ``defaults`` caches default avatars."""
    content, ctype = client.fetch(url)
    if ctype.lower().startswith("image/"):
        if content == _default_image(client, url, {} if defaults is None else defaults):
            return PortalPhoto("")
        return PortalPhoto("sha256:" + hashlib.sha256(content).hexdigest(), content)
    address = content.decode("utf-8", "replace").strip()
    if not address or len(address) > 2000 or any(c.isspace() for c in address):
        raise PortalBadResponse(
            f"The portal's photo handler answered {url} with neither an image nor an address: "
            f"{address[:60]!r}."
        )
    if any(mark in address.lower() for mark in DEFAULT_MARKS):
        return PortalPhoto("")
    if address == known or not download:
        return PortalPhoto(address)
    data, _ctype = client.fetch(address)
    return PortalPhoto(address, data)


def _default_image(client: PortalClient, url: str, cache: dict[str, bytes]) -> bytes:
    """What a handler that sends images itself sends for no photo: its answer for contact 0,
    which never has one (the server then falls back to the default avatar of that kind)."""
    zero = re.sub(r"(?i)([?&]cid=)\d+", r"\g<1>0", url)
    if zero == url:
        return b""
    if zero not in cache:
        cache[zero] = client.fetch(zero)[0]
    return cache[zero]


# -- the store side ----------------------------------------------------------------------------
def seen_rows(tx: Tx, contact_ids: Sequence[int] | None = None) -> dict[int, tuple[str, int]]:
    """contact id -> (photo as last seen on the portal, journal mark of its pushed photo changes)."""
    where, params = "", []
    if contact_ids is not None:
        where, params = f"WHERE contact_id IN ({lk.IDS})", [[int(c) for c in contact_ids]]
    return {
        int(c): (str(s), int(t))
        for c, s, t in tx.rows(f"SELECT contact_id, seen, pushed_through FROM sync_photos {where}", params)
    }


def save_seen(tx: Tx, rows: Sequence[tuple[int, int, str, int]]) -> None:
    """Record (contact, portal id, seen, mark) rows."""
    for cid, pid, seen, through in rows:
        tx.execute("DELETE FROM sync_photos WHERE contact_id = ?", [cid])
        tx.execute("INSERT INTO sync_photos VALUES (?, ?, ?, ?, ?)", [cid, pid, seen, through, lk.now()])


def local_changes(tx: Tx) -> dict[int, int]:
    """contact id -> the latest journal entry (not a pull's) that changed its photo."""
    return {
        int(c): int(j)
        for c, j in tx.rows(
            "SELECT r.contact_id, max(r.journal_id) FROM journal_rows r "
            "JOIN journal j ON j.id = r.journal_id "
            f"WHERE r.table_name = 'photos' AND j.action <> '{lk.PULL_ACTION}' AND r.contact_id IS NOT NULL "
            "GROUP BY r.contact_id"
        )
    }


# -- pull ----------------------------------------------------------------------------------------
def download(
    client: PortalClient, urls: dict[int, str], known: dict[int, str], refused: list[tuple[int, str]]
) -> dict[int, PortalPhoto]:
    """Each pulled contact's photo by portal id (``known``: seen values by portal id). A photo
    the portal lists but cannot serve goes to ``refused`` for that contact; the rest goes on."""
    out: dict[int, PortalPhoto] = {}
    defaults: dict[str, bytes] = {}
    for pid, url in urls.items():
        try:
            out[pid] = read_photo(client, url, known=known.get(pid), defaults=defaults)
        except (PortalNotFound, PortalBadResponse) as exc:
            refused.append((pid, f"its photo was not pulled: {exc.message}"))
    return out


def known_by_portal(tx: Tx) -> dict[int, str]:
    return {int(p): str(s) for p, s in tx.rows("SELECT portal_id, seen FROM sync_photos")}


@dataclass
class Pulled:
    """What a pull did with photos: contacts changed, conflicts (contact, portal id), portal
    contacts whose photo was refused (portal id, why), and the journal entry."""

    changed: list[int]
    conflicts: list[tuple[int, int]]
    refused: list[tuple[int, str]]
    change_set_id: int | None


def apply_pulled(user: User, tx: Tx, got: dict[int, PortalPhoto], take: set[int]) -> Pulled:
    """Store the pulled photos that changed on the portal, inside the pull's transaction, as one
    ``sync pull`` journal entry; a contact with a local photo change not pushed yet is a conflict."""
    conflicts: list[tuple[int, int]] = []
    bad: list[tuple[int, str]] = []
    cid_of = {link.portal_id: link.contact_id for link in lk.links(tx).values()}
    rows = seen_rows(tx)
    local = local_changes(tx)
    existing = {int(c) for (c,) in tx.rows("SELECT id FROM contacts")}
    changes: dict[int, bytes | None] = {}
    record: dict[int, tuple[int, str, int]] = {}
    for pid, photo in got.items():
        cid = cid_of.get(pid)
        if cid is None or cid not in existing:
            continue
        old_seen, mark = rows.get(cid, (None, 0))
        if old_seen == photo.seen:
            continue
        if local.get(cid, 0) > mark and cid not in take:
            if old_seen is None and photo.seen == "":
                record[cid] = (pid, "", mark)  # a local photo the portal never had: pushed later
                continue
            conflicts.append((cid, pid))
            continue
        if photo.seen == "" and old_seen is None:
            record[cid] = (pid, "", max(mark, local.get(cid, 0)))
            continue
        changes[cid] = photo.data
        record[cid] = (pid, photo.seen, max(mark, local.get(cid, 0)))
    jid, refused = write_many(
        tx, user, changes, source="portal", action=lk.PULL_ACTION,
        summary=f"Photos pulled from {tx.meta(lk.PORTAL_KEY) or 'the portal'}",
    )
    for cid, message in refused.items():
        pid = record.pop(cid)[0]
        bad.append((pid, f"its photo was not taken (contact {cid}): {message}"))
    save_seen(tx, [(cid, pid, seen, mark) for cid, (pid, seen, mark) in record.items()])
    return Pulled(sorted(c for c in changes if c not in refused), conflicts, bad, jid)


# -- push ----------------------------------------------------------------------------------------
def plan_steps(db: Database, new_ids: Sequence[int], step_class: Any) -> list[Step]:
    """A photo step for every linked (or newly created) contact whose photo changed here since
    its last photo push."""
    with db.read() as tx:
        links = lk.links(tx)
        rows = seen_rows(tx)
        local = local_changes(tx)
        with_photo = {int(c) for (c,) in tx.rows("SELECT contact_id FROM photos")}
        visible = {int(c) for (c,) in tx.rows("SELECT id FROM contacts")}
        names = {int(c): str(n) for c, n in tx.rows("SELECT id, display_name FROM contacts")}
    steps = []
    for cid, jid in sorted(local.items()):
        link = links.get(cid)
        if cid not in visible or (link is None and cid not in new_ids) or (link is not None and link.gone):
            continue
        if jid <= rows.get(cid, ("", 0))[1]:
            continue
        pid: int | str = link.portal_id if link else "<new>"
        send: tuple[str, str, str] = (
            ("PUT", f"crm/contact/{pid}/changephoto", "the photo (multipart)")
            if cid in with_photo
            else ("DELETE", f"crm/contact/{pid}/avatar", "photo removed in crmdata")
        )
        steps.append(
            step_class(
                "photo",
                cid,
                link.portal_id if link else None,
                forms.display(link.snapshot) if link else names.get(cid, str(cid)),
                [
                    ("GET", f"crm/contact/{pid}", "re-read: the photo's address"),
                    ("GET", f"filehandler.ashx?cid={pid}", "photo changed on the portal?"),
                    send,
                    ("GET", f"filehandler.ashx?cid={pid}", "the photo's new address"),
                ],
                jid,
            )
        )
    return steps


def run_step(p: Pusher, step: Step) -> bool:
    """Send one contact's photo change (see the module docstring); False, sending nothing, when
    the portal's photo changed since it was last seen (a conflict)."""
    cid = step.contact_id
    with p.db.read() as tx:
        link = lk.links(tx, contact_ids=[cid]).get(cid)
        row = seen_rows(tx, [cid]).get(cid)
        resumed = lk.pending(tx).get(cid, ("",))[0] == "photo"
        photo = tx.one("SELECT image, format FROM photos WHERE contact_id = ?", [cid])
    if link is None:
        raise PortalError("it is not on the portal (its creation was not pushed)")
    pid = link.portal_id
    url = handler_url(p.client.contact(pid))
    now = read_photo(p.client, url, download=False)
    base = row[0] if row else ""
    if now.seen != base and not resumed and cid not in p.overwrite:
        return False
    p.pending(step, pid)
    if photo is not None:
        fmt = str(photo[1]).upper()
        p.client.call(
            "PUT",
            f"crm/contact/{pid}/changephoto.json",
            files={"photo": (f"photo.{fmt.lower()}", bytes(photo[0]), _MEDIA.get(fmt, "image/jpeg"))},
            repeatable=True,
        )
    else:
        p.client.call(
            "DELETE",
            f"crm/contact/{pid}/avatar.json",
            params={"contactType": "company" if link.snapshot["core"]["is_company"] else "person",
                    "uploadOnly": "false"},
        )
    after = read_photo(p.client, url, download=False)
    with p.db.transaction() as tx:
        save_seen(tx, [(cid, pid, after.seen, step.through)])
        lk.clear_pending(tx, cid)
        lk.log(tx, [(cid, pid, step.through, m, pth.split("?")[0], "sent") for m, pth in p.sent()])
    p.report.done.append(cid)
    return True
