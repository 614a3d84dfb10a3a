"""A local stand-in for an ONLYOFFICE portal's CRM contacts API, for tests, benchmarks and the
sync notebook (an ONLYOFFICE Community Server cannot run here).

It follows the contract crmdata's docs/onlyoffice-sync.md summarises, derived from the server's
source (ONLYOFFICE/CommunityServer), for the endpoints crmdata's sync uses:

* transport (contract sections 1.2-1.5): routes with and without ``.json``; parameters from the
  query string, a JSON body or a form body, names case-insensitive; the success envelope with
  ``count`` / ``startIndex`` omitted when 0, ``nextIndex`` only when another page exists and off by
  one (``startIndex + count + 1``), ``total`` on the contact list, ``statusCode`` 201 for every
  successful POST, ``count`` = string length for a string payload; the error envelope
  (``status`` 1, ``error.message``) with 400/403/404/500; a plain-text ``Unauthorized`` 401;
  strings written with ``/`` escaped as ``\\/``;
* authentication (section 2): ``POST authentication`` returns a token (201); a wrong password is a
  500 "User authentication failed"; the token goes in the ``Authorization`` header (raw or Bearer);
* the contact model (section 3): ``displayName`` "First Last" (trailing space without a last name),
  ``contactType`` and ``persons`` never emitted, ``tags`` only in the list view and only when
  non-empty, addresses as objects without ids (``category`` 0 and ``isPrimary`` false omitted),
  custom field definitions with ``entityId`` -1 and ``fieldValue`` " ";
* reading (section 4.1): ``GET crm/contact/filter`` paged by ``count`` (at most 1,000) and
  ``startIndex``, ``sortBy=id`` or the default created-descending order, ``filterValue`` cut at
  the first comma;
* writing (sections 5-9): create person/company; update person/company as a full overwrite
  that clears status, contact type, industry and currency and empties omitted fields, with the
  stale scalar fields of section 5.5 in its response; status and access; batch info insert and
  batch info replacement (every id changes); tags; custom values (stored under the entity type of
  the URL); statuses and custom field definitions;
* merge (section 10, its table row by row: scalars filled from "from" only where empty, info
  conflicts and exact duplicates, tags, custom values moved only when stored as type contact,
  members of merged companies, "from" deleted);
* delete (section 11): one contact, and the batch delete that silently skips what it cannot
  delete; the delete-by-filter endpoint exists and is counted so tests can prove it is never called;
* access (section 12): CRM admin, or read with share type 1/2 or the ACL, edit with share type 1 or
  the ACL; unreadable contacts are 404, uneditable ones 403 (404 on info endpoints);
* photos (sections 3.2 and 5.4): every wrapper carries ``smallFotoUrl`` / ``mediumFotoUrl``
  (``<base>HttpHandlers/filehandler.ashx?action=contactphotoulr&cid=<id>&isc=<True/False>&ps=1|2``,
  lower-cased as the server writes them). As in the server's file handler (CRM
  ``HttpHandlers/FileHandler.ashx.cs`` and ``ContactPhotoManager``, which the contract does not
  spell out), that address answers with the *address* of the photo as plain text: the stored photo
  (``.../photos/..../contact_<id>_<w>_<h>.jpeg?cd=<ticks>``) or, for a contact without one, the
  default image of the skin (``.../empty_people_logo_<h>_<w>.png`` or ``empty_company_logo_...``);
  both addresses serve the image (the handler needs the login, the images do not). ``PUT
  crm/contact/{id}/changephoto`` (multipart ``photo``; read access; a file that is not an image is a
  403, the InvalidOperationException mapping of section 1.5) stores 200, 82 and 40 px JPEG
  renditions and returns the photo's address as a string; ``PUT crm/contact/{id}/changephotobyurl``
  (``photourl``) does the same from an address; ``DELETE crm/contact/{id}/avatar`` (edit access;
  ``uploadOnly`` true touches nothing stored) removes it. Merges and deletes leave photos alone
  (sections 10, 11). :meth:`Portal.put_photo` stores bytes as they are, so tests can make the portal
  serve a broken image; ``Portal.handler_sends_images`` makes the handler answer with the image
  itself (a variant the contract does not rule out).

Faults for the tests are injected with :meth:`Portal.fail` (a status, malformed JSON, a dropped
connection, a slow answer, an expired token, a repeated page).
"""

from __future__ import annotations

import io
import itertools
import json
import re
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qsl, urlsplit
from urllib.request import urlopen

from PIL import Image, UnidentifiedImageError

PERSON, COMPANY, CONTACT = 5, 4, 0
_ENTITY = {"contact": CONTACT, "person": PERSON, "company": COMPANY}
ADDRESS = 7
_PARTS = ("street", "city", "state", "zip", "country")
_PHONE_CATS = ["Home", "Work", "Mobile", "Fax", "Direct", "Other"]
_BASE_CATS = ["Home", "Work", "Other"]
_ADDR_CATS = ["Home", "Postal", "Office", "Billing", "Other", "Work"]


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Fault:
    """Make matching requests fail ``times`` times: ``kind`` is an HTTP status (int),
    "malformed", "drop" (before the request is carried out), "lost" (after it), "slow", "expire"
    (the token stops working) or "repeat" (a page starts
    one row early, as when a contact before it was deleted between two pages)."""

    method: str
    path: re.Pattern[str]
    kind: int | str
    times: int = 1
    seen: int = 0


@dataclass
class Contact:
    id: int
    is_company: bool
    first_name: str | None = None
    last_name: str | None = None
    company_name: str | None = None
    title: str | None = None
    company_id: int = 0
    about: str | None = None
    industry: str | None = None
    currency: str | None = None
    status_id: int = 0
    contact_type_id: int = 0
    share_type: int = 1
    acl: set[str] = field(default_factory=set)
    created: str = ""
    tags: set[int] = field(default_factory=set)

    @property
    def display_name(self) -> str:
        if self.is_company:
            return self.company_name or ""
        return f"{self.first_name or ''} {self.last_name or ''}"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


class Portal:
    """The portal's data and rules; :meth:`serve` runs it on 127.0.0.1."""

    def __init__(
        self, login: str = "admin@example.com", password: str = "portal-secret", *, admin: bool = True
    ) -> None:
        self.login, self.password, self.admin = login, password, admin
        self.user_id = str(uuid.UUID(int=1))
        self.users = {self.user_id: login}
        self.lock = threading.RLock()
        self.contacts: dict[int, Contact] = {}
        self.info: dict[int, dict[str, Any]] = {}  # info id -> row (through _put_info / _drop_info)
        self._info_index: dict[int, set[int]] = {}  # contact id -> its info ids
        self.custom: dict[tuple[int, int, int], str] = {}  # (entity type, entity id, field) -> value
        self.fields: dict[int, dict[str, Any]] = {}
        self.tag_titles: dict[int, str] = {}
        self.statuses: dict[int, dict[str, Any]] = {}
        self.tokens: set[str] = set()
        self.faults: list[Fault] = []
        self.log: list[tuple[str, str]] = []  # (method, path) of every API request
        self.filter_deletes = 0
        self._ids = itertools.count(1)
        self._info_ids = itertools.count(1)
        self._other_ids = itertools.count(1)
        for i, (title, color) in enumerate((("Cold", "#8a98d8"), ("Warm", "#ffd267"), ("Hot", "#df7895")), 1):
            self.statuses[next(self._other_ids)] = {"title": title, "color": color, "sortOrder": i}
        for name in ("Lead", "Customer", "Supplier", "Staff"):
            self.tag_titles[next(self._other_ids)] = name
        self.server: ThreadingHTTPServer | None = None
        self.base = "/"  # the portal's address with a final slash, once it serves
        self.photos: dict[int, dict[int, bytes]] = {}  # contact id -> size (200, 82, 40) -> image
        self.photo_ticks: dict[int, int] = {}  # contact id -> when its photo was stored (?cd=)
        self.handler_sends_images = False  # True: the file handler answers with the image itself

    # -- running -------------------------------------------------------------------------
    def serve(self) -> str:
        """Start serving on a free port of 127.0.0.1 (a thread); returns the portal's address."""
        portal = self

        class Handler(_Handler):
            pass

        Handler.portal = portal
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/"
        return self.base.rstrip("/")

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def fail(self, method: str, path: str, kind: int | str, times: int = 1) -> Fault:
        """Make the next ``times`` requests whose path matches the regex ``path`` fail."""
        fault = Fault(method.upper(), re.compile(path), kind, times)
        self.faults.append(fault)
        return fault

    def requests(self, method: str | None = None, path: str = "") -> list[tuple[str, str]]:
        return [(m, p) for m, p in self.log if (method is None or m == method) and re.search(path, p)]

    # -- seeding (direct, for big fixtures) ------------------------------------------------
    def add(self, is_company: bool, **values: Any) -> int:
        with self.lock:
            cid = next(self._ids)
            c = Contact(cid, is_company, created=_now())
            for key in ("first_name", "last_name", "company_name", "title", "about", "industry", "currency"):
                setattr(c, key, values.get(key))
            c.company_id = int(values.get("company_id", 0) or 0)
            c.share_type = int(values.get("share_type", 1))
            c.status_id = int(values.get("status_id", 0) or 0)
            self.contacts[cid] = c
            for t, cat, data, primary in values.get("info", ()):
                self._put_info(
                    next(self._info_ids),
                    {
                        "contact_id": cid,
                        "type": t,
                        "category": cat,
                        "data": data,
                        "primary": primary,
                    },
                )
            for tag in values.get("tags", ()):
                c.tags.add(self._tag_id(tag))
            return cid

    def _put_info(self, iid: int, row: dict[str, Any]) -> None:
        old = self.info.get(iid)
        if old is not None:
            self._info_index.get(old["contact_id"], set()).discard(iid)
        self.info[iid] = row
        self._info_index.setdefault(row["contact_id"], set()).add(iid)

    def _drop_info(self, iid: int) -> None:
        row = self.info.pop(iid)
        self._info_index.get(row["contact_id"], set()).discard(iid)

    def _rows_of(self, cid: int) -> list[tuple[int, dict[str, Any]]]:
        return sorted((iid, self.info[iid]) for iid in self._info_index.get(cid, ()))

    def _tag_id(self, name: str) -> int:
        name = " ".join(name.replace("\r", "").replace("\n", "").split())
        for tid, title in self.tag_titles.items():
            if title.strip().lower() == name.lower():
                return tid
        tid = next(self._other_ids)
        self.tag_titles[tid] = name
        return tid

    def field_id(self, label: str, field_type: int = 0, entity: int = CONTACT) -> int:
        with self.lock:
            for fid, f in self.fields.items():
                if f["label"] == label:
                    return fid
            fid = next(self._other_ids)
            self.fields[fid] = {
                "label": label,
                "fieldType": field_type,
                "entity": entity,
                "position": len(self.fields),
                "mask": "",
            }
            return fid

    # -- access ---------------------------------------------------------------------------
    def _readable(self, c: Contact) -> bool:
        return self.admin or c.share_type in (1, 2) or self.user_id in c.acl

    def _editable(self, c: Contact) -> bool:
        return self.admin or c.share_type == 1 or self.user_id in c.acl

    def _get(self, cid: Any) -> Contact:
        cid = _int(cid)
        if cid <= 0:
            raise ApiError(400, "Value does not fall within the expected range.")
        c = self.contacts.get(cid)
        if c is None or not self._readable(c):
            raise ApiError(404, "Not found")
        return c

    def _edit(self, cid: Any, status: int = 403) -> Contact:
        c = self._get(cid)
        if not self._editable(c):
            raise ApiError(status, "Access Denied" if status == 403 else "Not found")
        return c

    # -- wrappers (section 3) --------------------------------------------------------------
    def _info_wrapper(self, iid: int, row: dict[str, Any]) -> dict[str, Any]:
        cats = _ADDR_CATS if row["type"] == ADDRESS else _PHONE_CATS if row["type"] == 0 else _BASE_CATS
        cat = int(row["category"])
        return {
            "id": iid,
            "infoType": row["type"],
            "category": cat,
            "data": row["data"],
            "categoryName": cats[cat] if 0 <= cat < len(cats) else "",
            "isPrimary": bool(row["primary"]),
        }

    def _address(self, row: dict[str, Any]) -> dict[str, Any]:
        try:
            parts = json.loads(row["data"])
            out = {k: parts[k] for k in _PARTS}
        except (ValueError, KeyError, TypeError):
            return {}
        if row["category"]:
            out["category"] = row["category"]
            out["categoryName"] = _ADDR_CATS[int(row["category"])]
        if row["primary"]:
            out["isPrimary"] = True
        return out

    def _base(self, c: Contact) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": c.id,
            "displayName": c.display_name,
            "isCompany": c.is_company,
            "isPrivate": c.share_type == 0,
            "isShared": c.share_type in (1, 2),
            "shareType": c.share_type,
            "currency": None if not c.currency else {"abbreviation": c.currency, "title": c.currency},
            "canEdit": self._editable(c),
            "canDelete": self._editable(c),
            "smallFotoUrl": self.foto_url(c, 1),
            "mediumFotoUrl": self.foto_url(c, 2),
        }
        if c.share_type == 0:
            out["accessList"] = [{"id": u, "displayName": self.users.get(u, u)} for u in sorted(c.acl)]
        return out

    def wrapper(self, c: Contact, *, list_view: bool, stale: Contact | None = None) -> dict[str, Any]:
        s = stale or c  # section 5.5: scalars from the cached pre-update row
        out = self._base(s)
        out["id"] = c.id
        out["created"] = c.created
        if s.about is not None:
            out["about"] = s.about
        if s.industry:
            out["industry"] = s.industry
        if s.status_id and s.status_id in self.statuses:
            st = self.statuses[s.status_id]
            out["contactStatus"] = {
                "id": s.status_id,
                "title": st["title"],
                "color": st["color"],
                "sortOrder": st["sortOrder"],
            }
        rows = self._rows_of(c.id)
        out["commonData"] = [self._info_wrapper(i, r) for i, r in rows if r["type"] != ADDRESS]
        addresses = [self._address(r) for _i, r in rows if r["type"] == ADDRESS]
        if addresses or not list_view:
            out["addresses"] = addresses
        etypes = (CONTACT, COMPANY if c.is_company else PERSON)
        values = []
        for fid, f in sorted(self.fields.items(), key=lambda kv: (kv[1]["position"], kv[0])):
            value = next((self.custom[(e, c.id, fid)] for e in etypes if (e, c.id, fid) in self.custom), "")
            if value or (not list_view and f["fieldType"] == 4):
                values.append(
                    {
                        "id": fid,
                        "entityId": c.id,
                        "label": f["label"],
                        "fieldValue": value,
                        "fieldType": f["fieldType"],
                        "position": f["position"],
                        "mask": f["mask"],
                    }
                )
        out["customFields"] = values
        if list_view and c.tags:
            out["tags"] = sorted((self.tag_titles[t] for t in c.tags), key=str.lower)
        out["haveLateTasks"] = False
        if c.is_company:
            if s.company_name is not None:
                out["companyName"] = s.company_name
            members = sum(1 for p in self.contacts.values() if p.company_id == c.id)
            if members:
                out["personsCount"] = members
        else:
            for key, attr in (("firstName", "first_name"), ("lastName", "last_name"), ("title", "title")):
                if getattr(s, attr) is not None:
                    out[key] = getattr(s, attr)
            comp = self.contacts.get(s.company_id)
            if comp is not None:
                out["company"] = self._base(comp) | {"displayName": comp.display_name}
        return out

    # -- photos (sections 3.2, 5.4) -------------------------------------------------------------
    def foto_url(self, c: Contact, size: int) -> str:
        return (
            f"{self.base}products/crm/HttpHandlers/filehandler.ashx?action=contactphotoulr"
            f"&cid={c.id}&isc={c.is_company}&ps={size}"
        ).lower()

    def put_photo(self, cid: int, data: bytes) -> None:
        """Store ``data`` as the contact's photo in every size, as it is (seeding; no check)."""
        with self.lock:
            self.photos[cid] = {size: data for size in PHOTO_SIZES}
            self.photo_ticks[cid] = time.time_ns() // 100

    def photo_address(self, cid: int, is_company: bool, size: int) -> str:
        """What the file handler answers: the stored photo's address, or the skin's default."""
        if cid in self.photos:
            return (
                f"{self.base}products/crm/data/photos/{cid:06d}/contact_{cid}_{size}_{size}.jpeg"
                f"?cd={self.photo_ticks[cid]}"
            )
        kind = "company" if is_company else "people"
        return f"{self.base}skins/default/images/empty_{kind}_logo_{size}_{size}.png"

    def photo_file(self, path: str) -> bytes | None:
        """The bytes at an address :meth:`photo_address` gave, or None."""
        if hit := re.search(r"contact_(\d+)_(\d+)_\d+\.jpeg$", path):
            return self.photos.get(int(hit.group(1)), {}).get(int(hit.group(2)))
        if hit := re.search(r"empty_(people|company)_logo_(\d+)_\d+\.png$", path):
            return _default_image(hit.group(1) == "company", int(hit.group(2)))
        return None

    def _change_photo(self, c: Contact, data: Any) -> str:
        if not isinstance(data, bytes):
            raise ApiError(400, "Value does not fall within the expected range.")
        try:
            with Image.open(io.BytesIO(data)) as img:
                img.load()
                renditions = {}
                for size in PHOTO_SIZES:
                    copy = img.convert("RGB")
                    copy.thumbnail((size, size))
                    out = io.BytesIO()
                    copy.save(out, "JPEG", quality=85)
                    renditions[size] = out.getvalue()
        except (UnidentifiedImageError, OSError) as exc:
            raise ApiError(403, "Only image files can be uploaded") from exc  # InvalidOperationException
        self.photos[c.id] = renditions
        self.photo_ticks[c.id] = time.time_ns() // 100
        return self.photo_address(c.id, c.is_company, 200)

    def _photo_route(self, method: str, path: str, p: dict[str, Any]) -> Any:
        if (hit := re.fullmatch(r"crm/contact/(\d+)/changephoto", path)) and method == "PUT":
            return self._change_photo(self._get(hit.group(1)), p.get("photo"))
        if (hit := re.fullmatch(r"crm/contact/(\d+)/changephotobyurl", path)) and method == "PUT":
            c = self._get(hit.group(1))
            url = _str(p.get("photourl"))
            if not url:
                raise ApiError(400, "Value does not fall within the expected range.")
            with urlopen(url, timeout=10) as got:  # noqa: S310 - the test's own server
                return self._change_photo(c, got.read())
        if (hit := re.fullmatch(r"crm/contact/(\d+)/avatar", path)) and method == "DELETE":
            c = self._edit(hit.group(1))
            if not _bool(p.get("uploadonly")):
                self.photos.pop(c.id, None)
                self.photo_ticks.pop(c.id, None)
            return None
        return _NO_ROUTE

    # -- the API --------------------------------------------------------------------------
    def handle(self, method: str, path: str, p: dict[str, Any]) -> Any:
        """Run one authenticated API call; returns the payload or raises ApiError."""
        with self.lock:
            return self._route(method, path, p)

    def _route(self, method: str, path: str, p: dict[str, Any]) -> Any:  # noqa: C901 - a router
        m = re.fullmatch
        if (photo := self._photo_route(method, path, p)) is not _NO_ROUTE:
            return photo
        if method == "GET" and path == "crm/contact/filter":
            return self._filter(p)
        if method == "DELETE" and path == "crm/contact/filter":
            self.filter_deletes += 1
            gone = [c for c in self.contacts.values() if self._editable(c)]
            for c in gone:
                self._delete(c)
            return [self._base(c) for c in gone]
        if method == "GET" and path == "crm/contact/status":
            return [{"id": i, **s} for i, s in sorted(self.statuses.items())]
        if method == "POST" and path == "crm/contact/status":
            if not self.admin:
                raise ApiError(403, "Access Denied")
            title = _str(p.get("title"))
            for i, s in self.statuses.items():
                if s["title"] == title:
                    return {"id": i, **s}
            sid = next(self._other_ids)
            self.statuses[sid] = {
                "title": title,
                "color": _str(p.get("color")) or "#77cf9a",
                "sortOrder": len(self.statuses) + 1,
            }
            return {"id": sid, **self.statuses[sid]}
        if method == "PUT" and path == "crm/contact/merge":
            return self._merge(p)
        if method == "PUT" and path == "crm/contact":
            ids = p.get("contactids")
            if ids is None:
                raise ApiError(400, "Value does not fall within the expected range.")
            done = []
            for cid in _list(ids):
                found = self.contacts.get(_int(cid))
                if found is not None and self._readable(found) and self._editable(found):
                    done.append(self._base(found))
                    self._delete(found)
            return done
        if hit := m(r"crm/(contact|person|company)/customfield/definitions", path):
            if method == "GET":
                want = {CONTACT, _ENTITY[hit.group(1)]} if hit.group(1) != "contact" else {CONTACT}
                return [
                    {
                        "id": fid,
                        "entityId": -1,
                        "label": f["label"],
                        "fieldValue": " ",
                        "fieldType": f["fieldType"],
                        "position": f["position"],
                        "mask": f["mask"],
                        "relativeItemsCount": 0,
                    }
                    for fid, f in sorted(self.fields.items())
                    if f["entity"] in want
                ]
        if (hit := m(r"crm/(contact|person|company)/customfield", path)) and method == "POST":
            if not self.admin:
                raise ApiError(403, "Access Denied")
            fid = self.field_id(_str(p.get("label")), _int(p.get("fieldType")), _ENTITY[hit.group(1)])
            f = self.fields[fid]
            return {
                "id": fid,
                "entityId": -1,
                "label": f["label"],
                "fieldValue": " ",
                "fieldType": f["fieldType"],
                "position": f["position"],
                "mask": f["mask"],
            }
        if (hit := m(r"crm/(contact|person|company)/(\d+)/customfield/(\d+)", path)) and method == "POST":
            if "fieldvalue" not in p:
                raise ApiError(500, "Object reference not set to an instance of an object.")
            fid = int(hit.group(3))
            if fid not in self.fields:
                raise ApiError(500, "Object reference not set to an instance of an object.")
            key = (_ENTITY[hit.group(1)], int(hit.group(2)), fid)
            value = _str(p.get("fieldvalue")).strip()
            if value:
                self.custom[key] = value
            else:
                self.custom.pop(key, None)
            f = self.fields[fid]
            return {
                "id": fid,
                "entityId": key[1],
                "label": f["label"],
                "fieldValue": value,
                "fieldType": f["fieldType"],
                "position": f["position"],
                "mask": f["mask"],
            }
        if (hit := m(r"crm/contact/(person|company)", path)) and method == "POST":
            return self._save(None, hit.group(1) == "company", p)
        if (hit := m(r"crm/contact/(person|company)/(\d+)", path)) and method == "PUT":
            return self._save(int(hit.group(2)), hit.group(1) == "company", p)
        if hit := m(r"crm/contact/(\d+)", path):
            if method == "GET":
                return self.wrapper(self._get(hit.group(1)), list_view=False)
            if method == "DELETE":
                c = self._get(hit.group(1))
                if not self._editable(c):
                    raise ApiError(403, "Access Denied")
                out = self._base(c)
                self._delete(c)
                return out
        if (hit := m(r"crm/contact/(\d+)/status", path)) and method == "PUT":
            c = self._edit(hit.group(1))
            sid = _int(p.get("contactstatusid"))
            if sid < 0:
                raise ApiError(400, "Value does not fall within the expected range.")
            if sid and sid not in self.statuses:
                raise ApiError(404, "Not found")
            c.status_id = sid
            return self.wrapper(c, list_view=False)
        if (hit := m(r"crm/contact/(\d+)/access", path)) and method == "PUT":
            c = self._edit(hit.group(1))
            old = Contact(**{**c.__dict__, "acl": set(c.acl)})
            managers = {str(u) for u in _list(p.get("managerlist"))}
            c.acl = managers
            c.share_type = 1 if _bool(p.get("isshared")) else 0
            out = self.wrapper(c, list_view=False, stale=old)
            if c.share_type == 0:
                out["accessList"] = [{"id": u, "displayName": self.users.get(u, u)} for u in sorted(c.acl)]
            return out
        if hit := m(r"crm/contact/(\d+)/tag", path):
            c = self._get(hit.group(1))
            if method == "GET":
                return sorted((self.tag_titles[t] for t in c.tags), key=str.lower)
            if not self._editable(c):
                raise ApiError(403, "Access Denied")
            name = _str(p.get("tagname")).strip()
            if not name:
                raise ApiError(400, "Value does not fall within the expected range.")
            if method == "POST":
                c.tags.add(self._tag_id(name))
                return name
            if method == "DELETE":
                tid = next(
                    (t for t, title in self.tag_titles.items() if title.strip().lower() == name.lower()), None
                )
                if tid is None:
                    raise ApiError(404, "Not found")
                c.tags.discard(tid)
                return name
        if hit := m(r"crm/contact/(\d+)/data", path):
            c = self._get(hit.group(1))
            if method == "GET":
                rows = sorted(self._rows_of(c.id), reverse=True)
                return [self._info_wrapper(i, r) for i, r in rows]
        if (hit := m(r"crm/contact/(\d+)/batch", path)) and method in ("POST", "PUT"):
            c = self._edit(hit.group(1), 404)
            items = p.get("items") or []
            if method == "PUT":
                for iid, _r in self._rows_of(c.id):
                    self._drop_info(iid)
            added = []
            for item in _list(items):
                item = {str(k).lower(): v for k, v in dict(item).items()}
                iid = next(self._info_ids)
                row = {
                    "contact_id": c.id,
                    "type": _info_type(item.get("infotype")),
                    "category": _int(item.get("category")),
                    "data": _str(item.get("data")),
                    "primary": _bool(item.get("isprimary")),
                }
                self._put_info(iid, row)
                added.append(
                    {
                        "id": iid,
                        "infoType": row["type"],
                        "category": row["category"],
                        "data": row["data"],
                        "isPrimary": row["primary"],
                    }
                )
            return added
        raise ApiError(404, "Method not found")

    def _filter(self, p: dict[str, Any]) -> dict[str, Any]:
        count = _int(p.get("count"), 1000)
        count = 1000 if count <= 0 or count > 1000 else count
        start = max(0, _int(p.get("startindex")))
        rows = [c for c in self.contacts.values() if self._readable(c)]
        text = _str(p.get("filtervalue")).split(",")[0].strip().lower()
        if text:
            rows = [
                c
                for c in rows
                if all(
                    any(w.startswith(word) for w in c.display_name.lower().split()) for word in text.split()
                )
            ]
        if str(p.get("sortby") or "").lower() == "id":
            rows.sort(key=lambda c: c.id, reverse=p.get("sortorder") == "descending")
        else:
            rows.sort(key=lambda c: (c.created, c.id), reverse=True)
        page = rows[start : start + count + 1]
        more = len(page) > count
        page = page[:count]
        return {
            "$page": [self.wrapper(c, list_view=True) for c in page],
            "$start": start,
            "$next": start + len(page) + 1 if more else None,
            "$total": len(rows) if more else start + len(page),
        }

    def _save(self, cid: int | None, is_company: bool, p: dict[str, Any]) -> dict[str, Any]:
        """Create, or update as a full overwrite (section 5.3)."""
        if cid is not None:
            c = self.contacts.get(cid)
            if c is None:
                raise ApiError(400, "Value does not fall within the expected range.")
            if not self._readable(c) or not self._editable(c):
                raise ApiError(403, "Access Denied")
            if c.is_company != is_company:
                raise ApiError(500, "Unable to cast object of type to the requested type.")
        if is_company:
            if "companyname" not in p:
                raise ApiError(500, "Object reference not set to an instance of an object.")
            if not _str(p.get("companyname")).strip():
                raise ApiError(400, "Value does not fall within the expected range.")
        else:
            if "firstname" not in p or "lastname" not in p:
                raise ApiError(500, "Object reference not set to an instance of an object.")
            last_missing = cid is not None and not _str(p.get("lastname")).strip()
            if not _str(p.get("firstname")).strip() or last_missing:
                raise ApiError(400, "Value does not fall within the expected range.")
        company_id = _int(p.get("companyid"))
        if not is_company and company_id > 0:
            comp = self.contacts.get(company_id)
            if comp is None or not self._readable(comp):
                if cid is None:
                    raise ApiError(404, "Not found")
        stale = None
        if cid is None:
            c = Contact(next(self._ids), is_company, created=_now())
            self.contacts[c.id] = c
        else:
            c = self.contacts[cid]
            stale = Contact(**{**c.__dict__, "acl": set(c.acl), "tags": set(c.tags)})
        if is_company:
            c.company_name = _str(p.get("companyname")).strip()
        else:
            c.first_name = _str(p.get("firstname")).strip()
            c.last_name = _str(p.get("lastname")).strip()
            c.title = _opt(p.get("jobtitle"))
            c.company_id = company_id
        c.about = _opt(p.get("about"))
        c.share_type = _int(p.get("sharetype"))
        c.status_id = 0
        c.contact_type_id = 0
        c.industry = "" if cid is not None else None
        c.currency = None
        managers = [str(u) for u in _list(p.get("managerlist"))]
        if managers:
            c.acl = set(managers)
        for item in _list(p.get("customfieldlist")):
            item = {str(k).lower(): v for k, v in dict(item).items()}
            value = _str(item.get("value")).strip()
            if value:
                self.custom[(COMPANY if is_company else PERSON, c.id, _int(item.get("key")))] = value
        return self.wrapper(c, list_view=False, stale=stale)

    def _delete(self, c: Contact) -> None:
        for iid, _r in self._rows_of(c.id):
            self._drop_info(iid)
        for key in [k for k in self.custom if k[1] == c.id]:
            del self.custom[key]
        for other in self.contacts.values():
            if other.company_id == c.id:
                other.company_id = 0
        del self.contacts[c.id]

    def _merge(self, p: dict[str, Any]) -> dict[str, Any]:
        """Section 10, row by row."""
        f_id, t_id = _int(p.get("fromcontactid")), _int(p.get("tocontactid"))
        if f_id <= 0 or t_id <= 0:
            raise ApiError(400, "Value does not fall within the expected range.")
        f, t = self.contacts.get(f_id), self.contacts.get(t_id)
        if f is None or t is None:
            raise ApiError(404, "Not found")
        if not self._editable(f) or not self._editable(t):
            raise ApiError(403, "Access Denied")
        if f_id == t_id:
            return self.wrapper(t, list_view=False)
        if not t.is_company and not t.company_id:
            t.company_id = f.company_id
        for attr in ("title", "industry", "about"):
            if not getattr(t, attr):
                setattr(t, attr, getattr(f, attr))
        if not t.status_id:
            t.status_id = f.status_id
        if not t.contact_type_id:
            t.contact_type_id = f.contact_type_id
        t_rows = [r for _i, r in self._rows_of(t.id)]
        for iid, r in self._rows_of(f.id):
            same = [x for x in t_rows if (x["type"], x["category"]) == (r["type"], r["category"])]
            if any(x["data"] == r["data"] and x["primary"] == r["primary"] for x in same):
                self._drop_info(iid)
                continue
            if r["primary"] and any(x["primary"] and x["data"] != r["data"] for x in same):
                r["primary"] = False
            self._put_info(iid, {**r, "contact_id": t.id})
        t.tags |= f.tags
        for (etype, eid, fid), value in list(self.custom.items()):
            if eid != f.id:
                continue
            has = any((e, t.id, fid) in self.custom for e in (CONTACT, PERSON, COMPANY))
            if has:
                del self.custom[(etype, eid, fid)]
            elif etype == CONTACT:
                self.custom[(CONTACT, t.id, fid)] = value
                del self.custom[(etype, eid, fid)]
            # values stored as person/company stay behind on the deleted id (lost)
        if f.is_company and t.is_company:
            for other in self.contacts.values():
                if other.company_id == f.id:
                    other.company_id = t.id
        del self.contacts[f.id]
        return self.wrapper(t, list_view=False)


def _int(value: Any, default: int = 0) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return int(value)
    try:
        return int(str(value))
    except ValueError as exc:
        raise ApiError(400, f"Cannot convert '{value}' to a number.") from exc


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def _opt(value: Any) -> str | None:
    return None if value is None else str(value).strip()


def _bool(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


_INFO_NAMES = [
    "phone",
    "email",
    "website",
    "skype",
    "twitter",
    "linkedin",
    "facebook",
    "address",
    "livejournal",
    "myspace",
    "gmail",
    "blogger",
    "yahoo",
    "msn",
    "icq",
    "jabber",
    "aim",
    "vk",
]


def _info_type(value: Any) -> int:
    text = str(value)
    if text.lower() in _INFO_NAMES:
        return _INFO_NAMES.index(text.lower())
    return _int(value)


#: Photo sizes the server stores (ContactPhotoManager: big, medium, small) and the ``ps`` of each.
PHOTO_SIZES = (200, 82, 40)
_PS = {1: 40, 2: 82, 3: 200}
_NO_ROUTE = object()


def _default_image(is_company: bool, size: int) -> bytes:
    """The skin's default avatar: a plain square, one grey for people, another for companies."""
    out = io.BytesIO()
    Image.new("RGB", (size, size), (200, 200, 210) if is_company else (210, 200, 200)).save(out, "PNG")
    return out.getvalue()


def _multipart(ctype: str, raw: bytes) -> dict[str, Any]:
    """Form fields of a multipart body: files as bytes, other fields as text."""
    msg = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + raw)
    out: dict[str, Any] = {}
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        # typeshed allows a Message here too; decode=True gives a leaf part's bytes (None if multipart)
        data = cast("bytes | None", part.get_payload(decode=True)) or b""
        out[str(name).lower()] = data if part.get_filename() else data.decode("utf-8", "replace")
    return out


def _dumps(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False).replace("/", "\\/").encode()


class _Handler(BaseHTTPRequestHandler):
    portal: Portal
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def setup(self) -> None:
        super().setup()  # headers and body go out in two writes: no waiting for the delayed ACK
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _params(self, query: str) -> dict[str, Any]:
        """Query string, then a JSON or form body; names case-insensitive (section 1.2)."""
        params: dict[str, Any] = {}
        for k, v in parse_qsl(query, keep_blank_values=True):
            key = k.lower().removesuffix("[]")
            params[key] = [*_list(params[key]), v] if key in params else v
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if raw:
            ctype = self.headers.get("Content-Type", "")
            if "json" in ctype:
                try:
                    body = json.loads(raw)
                except ValueError as exc:
                    raise ApiError(400, "Unable to deserialize json") from exc
                if isinstance(body, dict):
                    params.update({str(k).lower(): v for k, v in body.items()})
            elif "multipart/form-data" in ctype and self.command != "GET":
                params.update(_multipart(ctype, raw))
            elif self.command != "GET":
                for k, v in parse_qsl(raw.decode(), keep_blank_values=True):
                    params[k.lower().removesuffix("[]")] = v
        return params

    def _send(self, status: int, body: bytes, ctype: str = "application/json; charset=utf-8") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", uuid.uuid4().hex)
        self.send_header("Cache-Control", "max-age=0")
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, message: str) -> None:
        self._send(
            status,
            _dumps(
                {
                    "status": 1,
                    "statusCode": status,
                    "error": {"message": message, "hresult": -2147467259, "data": {}},
                }
            ),
        )

    def _fault(self, path: str) -> Fault | None:
        for fault in self.portal.faults:
            if fault.seen < fault.times and fault.method in (self.command, "*") and fault.path.search(path):
                fault.seen += 1
                return fault
        return None

    def _run(self) -> None:
        url = urlsplit(self.path)
        path = url.path.removeprefix("/api/2.0/").strip("/").removesuffix(".json")
        portal = self.portal
        portal.log.append((self.command, path))
        fault = self._fault(path)
        if fault is not None and fault.kind == "drop":
            self.close_connection = True
            self.connection.close()
            return
        if fault is not None and fault.kind == "slow":
            time.sleep(2.0)
        try:
            params = self._params(url.query)
            if fault is not None and fault.kind == "repeat":  # the page starts one row early
                params["startindex"] = max(0, _int(params.get("startindex")) - 1)
            if path == "authentication" and self.command == "POST":
                if params.get("username") != portal.login or params.get("password") != portal.password:
                    raise ApiError(500, "User authentication failed")
                token = uuid.uuid4().hex + uuid.uuid4().hex
                portal.tokens.add(token)
                payload: Any = {"token": token, "expires": "2099-01-01T00:00:00.0000000Z"}
                self._envelope(payload, 201)
                return
            if not url.path.startswith("/api/2.0/") and not path.endswith("filehandler.ashx"):
                self._web(url.path, params)  # stored images and the skin's: served to anyone
                return
            token = (self.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
            if fault is not None and fault.kind == "expire":
                portal.tokens.discard(token)
            if token not in portal.tokens:
                self._send(401, b"Unauthorized", "text/plain")
                return
            if fault is not None and isinstance(fault.kind, int):
                raise ApiError(fault.kind, "Internal server error" if fault.kind >= 500 else "Access Denied")
            if not url.path.startswith("/api/2.0/"):
                self._web(url.path, params)
                return
            payload = portal.handle(self.command, path, params)
        except ApiError as exc:
            self._error(exc.status, str(exc))
            return
        if fault is not None and fault.kind == "lost":  # carried out, but the answer never arrives
            self.close_connection = True
            self.connection.close()
            return
        if fault is not None and fault.kind == "malformed":
            self._send(200, b'{"count":1,"status":0,"response":{"id":')
            return
        self._envelope(payload, 201 if self.command == "POST" else 200)

    def _web(self, path: str, params: dict[str, Any]) -> None:
        """The portal's web side: the CRM file handler (a photo's address as text) and images."""
        portal = self.portal
        if path.lower().endswith("/httphandlers/filehandler.ashx") and self.command == "GET":
            with portal.lock:
                if params.get("action") != "contactphotoulr" or _int(params.get("ps")) not in _PS:
                    self._send(500, b"Unknown photo size", "text/plain")
                    return
                cid, is_company = _int(params.get("cid")), _bool(params.get("isc"))
                text = portal.photo_address(cid, is_company, _PS[_int(params.get("ps"))])
                if not portal.handler_sends_images:
                    self._send(200, text.encode(), "text/html; charset=utf-8")
                    return
                path = urlsplit(text).path
        # read without the lock: changephotobyurl fetches from here while it holds it
        data = portal.photo_file(path) if self.command == "GET" else None
        if data is None:
            self._send(404, b"Not found", "text/html")
            return
        self._send(200, data, "image/png" if path.endswith(".png") else "image/jpeg")

    def _envelope(self, payload: Any, status: int) -> None:
        body: dict[str, Any] = {}
        if isinstance(payload, dict) and "$page" in payload:
            items = payload["$page"]
            body = {
                "count": len(items),
                "startIndex": payload["$start"],
                "nextIndex": payload["$next"],
                "total": payload["$total"],
            }
            payload = items
        else:
            body["count"] = len(payload) if isinstance(payload, (list, str)) else 1
        body = {k: v for k, v in body.items() if v}  # omitted when 0 / absent (section 1.4)
        body.update({"status": 0, "statusCode": status, "response": {} if payload is None else payload})
        self._send(status, _dumps(body))

    def do_GET(self) -> None:  # noqa: N802 - http.server's names
        self._run()

    def do_POST(self) -> None:  # noqa: N802
        self._run()

    def do_PUT(self) -> None:  # noqa: N802
        self._run()

    def do_DELETE(self) -> None:  # noqa: N802
        self._run()
