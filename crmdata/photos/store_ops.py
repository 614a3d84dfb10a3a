"""Photos in the store: set, remove and read a contact's photo or company logo.

A photo is one row of the ``photos`` table (the stored image and its 82 px and 40 px
thumbnails as BLOBs), so it commits together with the contact. Setting or removing a photo
is one transaction that writes the row, bumps the contact's version and updated by/at, and
records a journal entry with the photo row and the contact row before and after, so that an
undo can put back exactly what was there. A refused upload changes nothing.

Access follows the contact: viewing needs view rights, changing needs edit rights, and a
contact the user may not view does not exist for them (the same "There is no contact" message).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ..access import User, can_edit, can_view
from ..db import Tx
from ..derived import contacts_changed
from ..errors import AccessDenied, Conflict, CrmDataError, NotFound
from ..journal import RowChange, capture, diff, record
from . import images
from ._make_defaults import SIZES, asset_path

if TYPE_CHECKING:
    from ..db import Database

#: What an upload may be: its bytes, a path to a file, or an open binary file.
PhotoInput = bytes | bytearray | memoryview | str | os.PathLike[str] | IO[bytes]

#: Rows captured for the journal, keyed by their key columns.
Captured = dict[tuple[Any, ...], dict[str, Any]]
#: Rendition name -> photos column.
_COLUMNS = {"big": "image", "82": "thumb_82", "40": "thumb_40"}


@dataclass(frozen=True)
class PhotoInfo:
    """What :func:`set_photo` stored."""

    contact_id: int
    format: str
    width: int
    height: int
    bytes: int
    source: str
    version: int  # the contact's version after the change
    journal_id: int


@dataclass(frozen=True)
class PhotoImage:
    """One rendition of a contact's photo, or the default image when it has none."""

    data: bytes
    format: str
    width: int
    height: int
    is_default: bool
    source: str | None = None


@dataclass(frozen=True)
class _Contact:
    id: int
    is_company: bool
    display_name: str
    version: int


def read_input(data: PhotoInput) -> bytes:
    """The bytes of an upload, refusing more than 1 MiB before reading it all."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
        images.check_size(len(raw))
        return raw
    if isinstance(data, (str, os.PathLike)):
        path = Path(data)
        if not path.is_file():
            raise NotFound(f"There is no file {path}.")
        images.check_size(path.stat().st_size)
        with path.open("rb") as fh:
            raw = fh.read(images.MAX_UPLOAD_BYTES + 1)
        images.check_size(len(raw), at_least=len(raw) > images.MAX_UPLOAD_BYTES)
        return raw
    raw = data.read(images.MAX_UPLOAD_BYTES + 1)
    if not isinstance(raw, bytes):
        raise CrmDataError("A photo must be read from a binary file (open it with 'rb').")
    images.check_size(len(raw), at_least=len(raw) > images.MAX_UPLOAD_BYTES)
    return raw


def load_contact(tx: Tx, user: User, contact_id: int, *, edit: bool = False) -> _Contact:
    """The contact as the user may see it; NotFound if invisible, AccessDenied if not editable."""
    cid = int(contact_id)
    row = tx.one(
        "SELECT share_type, is_company, display_name, version FROM contacts WHERE id = ?", [cid]
    )
    managers = {
        int(r[0]) for r in tx.rows("SELECT user_id FROM contact_managers WHERE contact_id = ?", [cid])
    }
    if row is None or not can_view(user, int(row[0]), managers):
        raise NotFound(f"There is no contact {cid}.")
    contact = _Contact(cid, bool(row[1]), str(row[2]), int(row[3]))
    if edit and not can_edit(user, int(row[0]), managers):
        what = "logo" if contact.is_company else "photo"
        raise AccessDenied(
            f"You ({user.login}) may view contact {cid} ({contact.display_name}) "
            f"but not change its {what}.",
            hint="ask a manager of the contact or an administrator",
        )
    return contact


def _check_version(contact: _Contact, expected_version: int | None) -> None:
    if expected_version is not None and contact.version != int(expected_version):
        raise Conflict(
            f"Contact {contact.id} ({contact.display_name}) was changed by someone else since "
            f"you read it (version {expected_version}, now {contact.version}); nothing was saved.",
            hint="reload the contact and try again",
        )


def _capture_both(tx: Tx, cid: int) -> tuple[Captured, Captured]:
    return (
        capture(tx, "photos", ["contact_id"], "contact_id = ?", [cid]),
        capture(tx, "contacts", ["id"], "id = ?", [cid]),
    )


def _bump_and_journal(
    tx: Tx, user: User, contact: _Contact, before: tuple[Captured, Captured], summary: str
) -> tuple[int, int]:
    """Bump the contact's version, refresh derived data, journal; returns (version, journal id)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    tx.execute(
        "UPDATE contacts SET version = version + 1, updated_by = ?, updated_at = ? WHERE id = ?",
        [user.id, now, contact.id],
    )
    contacts_changed(tx, "SELECT CAST(? AS BIGINT)", [contact.id])
    after = _capture_both(tx, contact.id)
    changes: list[RowChange] = diff("photos", ["contact_id"], before[0], after[0])
    changes += diff("contacts", ["id"], before[1], after[1], contact_column="id")
    jid = record(tx, user, "photo", summary, changes)
    return contact.version + 1, jid


def set_photo(
    db: Database,
    user: User,
    contact_id: int,
    data: PhotoInput,
    source: str = "upload",
    *,
    expected_version: int | None = None,
) -> PhotoInfo:
    """Check an upload, fit it, and store it as the contact's photo (or company logo).

    Raises :class:`~crmdata.photos.images.BadImage` for anything that is not an acceptable
    image; the previous photo then stays as it was.
    """
    raw = read_input(data)
    with db.transaction() as tx:
        contact = load_contact(tx, user, contact_id, edit=True)
        _check_version(contact, expected_version)
        photo = images.process(raw)
        before = _capture_both(tx, contact.id)
        now = datetime.now(UTC).replace(tzinfo=None)
        tx.execute(
            "INSERT INTO photos (contact_id, format, width, height, image, thumb_82, thumb_40, "
            "source, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (contact_id) DO UPDATE SET format = excluded.format, "
            "width = excluded.width, height = excluded.height, image = excluded.image, "
            "thumb_82 = excluded.thumb_82, thumb_40 = excluded.thumb_40, "
            "source = excluded.source, updated_by = excluded.updated_by, "
            "updated_at = excluded.updated_at",
            [contact.id, photo.format, photo.big.width, photo.big.height, photo.big.data,
             photo.thumb_82.data, photo.thumb_40.data, source, user.id, now],
        )
        what = "logo" if contact.is_company else "photo"
        version, jid = _bump_and_journal(
            tx, user, contact, before,
            f"Set the {what} of {contact.display_name} ({contact.id}) from {source}: "
            f"{photo.format} {photo.big.width}x{photo.big.height}",
        )
    return PhotoInfo(contact.id, photo.format, photo.big.width, photo.big.height,
                     len(photo.big.data), source, version, jid)


def remove_photo(db: Database, user: User, contact_id: int, *, expected_version: int | None = None) -> bool:
    """Remove the contact's photo so the default image shows again; False if it had none."""
    with db.transaction() as tx:
        contact = load_contact(tx, user, contact_id, edit=True)
        _check_version(contact, expected_version)
        before = _capture_both(tx, contact.id)
        if not before[0]:
            return False
        tx.execute("DELETE FROM photos WHERE contact_id = ?", [contact.id])
        what = "logo" if contact.is_company else "photo"
        _bump_and_journal(tx, user, contact, before,
                          f"Removed the {what} of {contact.display_name} ({contact.id})")
    return True


def write_many(
    tx: Tx, user: User, changes: dict[int, bytes | None], *, source: str, action: str, summary: str
) -> tuple[int | None, dict[int, str]]:
    """Set (bytes) or remove (None) the photos of several contacts inside the caller's
    transaction, journalled as one entry of ``action`` (a pull's photos: one undoable change set).

    Returns the entry id (None when nothing changed) and, by contact, why an image was refused
    (:class:`~crmdata.photos.images.BadImage`): those contacts keep the photo they had.
    """
    refused: dict[int, str] = {}
    ready: dict[int, tuple[_Contact, images.ProcessedPhoto | None]] = {}
    for cid, raw in changes.items():
        contact = load_contact(tx, user, cid, edit=True)
        if raw is None:
            ready[contact.id] = (contact, None)
            continue
        try:
            images.check_size(len(raw))
            ready[contact.id] = (contact, images.process(raw))
        except images.BadImage as exc:
            refused[contact.id] = exc.message
    if not ready:
        return None, refused
    ids = sorted(ready)
    where = "contact_id IN (SELECT unnest(?::BIGINT[]))"
    before_photos = capture(tx, "photos", ["contact_id"], where, [ids])
    before_contacts = capture(tx, "contacts", ["id"], "id IN (SELECT unnest(?::BIGINT[]))", [ids])
    now = datetime.now(UTC).replace(tzinfo=None)
    touched = []
    for cid in ids:
        contact, photo = ready[cid]
        if photo is None:
            if (cid,) not in before_photos:
                continue
            tx.execute("DELETE FROM photos WHERE contact_id = ?", [cid])
        else:
            tx.execute(
                "INSERT OR REPLACE INTO photos (contact_id, format, width, height, image, thumb_82, "
                "thumb_40, source, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [cid, photo.format, photo.big.width, photo.big.height, photo.big.data,
                 photo.thumb_82.data, photo.thumb_40.data, source, user.id, now],
            )
        touched.append(cid)
    if not touched:
        return None, refused
    tx.execute(
        "UPDATE contacts SET version = version + 1, updated_by = ?, updated_at = ? "
        "WHERE id IN (SELECT unnest(?::BIGINT[]))",
        [user.id, now, touched],
    )
    contacts_changed(tx, "SELECT unnest(?::BIGINT[])", [touched])
    changes_: list[RowChange] = diff(
        "photos", ["contact_id"], before_photos, capture(tx, "photos", ["contact_id"], where, [ids])
    )
    changes_ += diff(
        "contacts", ["id"], before_contacts,
        capture(tx, "contacts", ["id"], "id IN (SELECT unnest(?::BIGINT[]))", [ids]), contact_column="id",
    )
    return record(tx, user, action, summary, changes_), refused


def _size_key(size: str | int) -> str:
    key = str(size).strip().lower()
    key = "big" if key in ("200", "large") else key
    if key not in _COLUMNS:
        raise CrmDataError(f"There is no photo size {size!r}; use big, 82 or 40.")
    return key


@cache
def _default_image(kind: str, size: str) -> PhotoImage:
    path = asset_path(kind, size)
    return PhotoImage(path.read_bytes(), "PNG", SIZES[size], SIZES[size], True)


def default_photo(is_company: bool, size: str | int = "big") -> PhotoImage:
    """The image shown for a contact without a photo: the default person or company image."""
    return _default_image("company" if is_company else "person", _size_key(size))


def photo(db: Database, user: User, contact_id: int, size: str | int = "big") -> PhotoImage:
    """The contact's photo in one size ("big", "82" or "40"), or the default image."""
    key = _size_key(size)
    with db.read() as tx:
        contact = load_contact(tx, user, contact_id)
        row = tx.one(
            f"SELECT {_COLUMNS[key]}, format, width, height, source FROM photos WHERE contact_id = ?",
            [contact.id],
        )
    if row is None:
        return default_photo(contact.is_company, key)
    data = bytes(row[0])
    if key == "big":
        width, height = int(row[2]), int(row[3])
    else:
        width, height = images.probe(data)[1:]
    return PhotoImage(data, str(row[1]), width, height, False, row[4])
