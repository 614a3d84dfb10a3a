"""Photo suggestions: a contact's Gravatars and the images its profile pages declare.

For every email of the contact the Gravatar of that address is asked for (``d=404``, so an
address without a Gravatar gives nothing rather than a generated picture), and for every
profile URL (website, X/Twitter, LinkedIn, Facebook, VK, ...) the page is fetched and the
image it declares for link previews (``og:image``, ``twitter:image``, ``image_src``) is taken.

Everything travels over plain HTTP(S) with a short timeout, a size cap and a content-type
check, and every candidate must pass the same checks as an upload. Offline, or on any
failure, a candidate is simply left out; the reasons are logged at debug level. The store is
only read before the network is used, never held open while waiting for it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from ..model import InfoType
from . import images
from .store_ops import load_contact

if TYPE_CHECKING:
    from ..access import User
    from ..db import Database

log = logging.getLogger(__name__)

#: Where Gravatars come from unless the caller or ``CRMDATA_GRAVATAR_BASE`` says otherwise.
DEFAULT_GRAVATAR_BASE = "https://www.gravatar.com"
#: Seconds to wait for each request (connect, and each read).
DEFAULT_TIMEOUT = 3.0
#: How much of a profile page is read while looking for its image declaration (in its head).
MAX_PAGE_BYTES = 512 * 1024
USER_AGENT = "crmdata-photo-suggest/0.1"

#: Info types whose values are profile pages, and how a bare handle becomes a URL.
PROFILE_TYPES: dict[InfoType, str | None] = {
    InfoType.WEBSITE: None,
    InfoType.TWITTER: "https://x.com/{}",
    InfoType.LINKEDIN: "https://www.linkedin.com/in/{}",
    InfoType.FACEBOOK: "https://www.facebook.com/{}",
    InfoType.VK: "https://vk.com/{}",
    InfoType.LIVEJOURNAL: "https://{}.livejournal.com/",
    InfoType.MYSPACE: "https://myspace.com/{}",
    InfoType.BLOGGER: "https://{}.blogspot.com/",
}
_HANDLE_RE = re.compile(r"[A-Za-z0-9_.\-]{1,100}")
#: Meta / link declarations of a page's preview image, best first.
_IMAGE_META = ("og:image:secure_url", "og:image:url", "og:image", "twitter:image", "twitter:image:src")


@dataclass(frozen=True)
class Suggestion:
    """A candidate photo: where it came from and its bytes, ready for ``set_photo(source=url)``."""

    source_url: str  # the image's URL
    kind: str  # "gravatar" or "profile"
    found_via: str  # the email address or profile page it was found from
    data: bytes
    format: str
    width: int
    height: int


class FetchFailed(Exception):
    """Internal: one fetch did not give a usable answer (never leaves this module)."""


def resolve_gravatar_base(base: str | None = None) -> str:
    """The Gravatar base URL: the one given, else ``$CRMDATA_GRAVATAR_BASE``, else gravatar.com."""
    return base or os.environ.get("CRMDATA_GRAVATAR_BASE") or DEFAULT_GRAVATAR_BASE


def gravatar_url(email: str, base: str | None = None, size: int = 200) -> str:
    """The Gravatar URL of an address: md5 of the trimmed, lower-cased email, 404 when none."""
    base = resolve_gravatar_base(base)
    digest = hashlib.md5(email.strip().lower().encode("utf-8")).hexdigest()
    return f"{base.rstrip('/')}/avatar/{digest}?s={size}&d=404"


def profile_url(info_type: InfoType | int, value: str) -> str | None:
    """The page URL of a profile value (a URL, a bare domain or a handle); None when unusable.

    A website value without a scheme gets ``https://``. A social value is a URL when it has
    a path after a dotted host (``x.com/jdoe``) or starts with ``www.``, else a handle
    (``@jdoe``, ``john.doe``) put into that network's profile URL.
    """
    v = value.strip()
    if not v or any(c.isspace() for c in v):
        return None
    lowered = v.lower()
    if lowered.startswith(("http://", "https://")):
        return v if urlsplit(v).netloc else None
    if "://" in v or lowered.startswith(("mailto:", "javascript:", "data:")):
        return None
    info_type = InfoType(info_type)
    if info_type not in PROFILE_TYPES:
        return None
    template = PROFILE_TYPES[info_type]
    host = v.split("/")[0]
    if template is None:
        return "https://" + v if "." in host else None
    if lowered.startswith("www.") or ("." in host and "/" in v.strip("/")):
        return "https://" + v
    handle = v.lstrip("@").strip("/")
    if not handle or not _HANDLE_RE.fullmatch(handle):
        return None
    return template.format(handle)


class _ImageDeclarations(HTMLParser):
    """Collects the preview-image declarations of an HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "").strip() for k, v in attrs}
        if tag == "meta":
            name = (a.get("property") or a.get("name") or "").lower()
            if name in _IMAGE_META and a.get("content"):
                self.found.setdefault(name, a["content"])
        elif tag == "link" and "image_src" in a.get("rel", "").lower().split() and a.get("href"):
            self.found.setdefault("image_src", a["href"])


def declared_image(html: str, page_url: str) -> str | None:
    """The absolute URL of the image a page declares for previews (og:image first)."""
    parser = _ImageDeclarations()
    parser.feed(html)
    parser.close()
    for key in (*_IMAGE_META, "image_src"):
        if key in parser.found:
            url = urljoin(page_url, parser.found[key])
            if urlsplit(url).scheme in ("http", "https"):
                return url
    return None


def _opener() -> urllib.request.OpenerDirector:
    """An opener that speaks only HTTP and HTTPS (no file:, ftp: or data: URLs, even via redirects)."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(),
        urllib.request.HTTPRedirectHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


def fetch(
    url: str,
    *,
    accept: tuple[str, ...],
    max_bytes: int,
    timeout: float,
    truncate: bool = False,
) -> tuple[bytes, str, str]:
    """GET a URL: (body, content type, final URL), or FetchFailed on status, type, size or time.

    ``timeout`` bounds connecting and each read; the whole body must arrive within twice that.
    A body over ``max_bytes`` fails, or with ``truncate`` is cut there (a page's head is enough).
    """
    if urlsplit(url).scheme not in ("http", "https"):
        raise FetchFailed(f"not an http(s) URL: {url}")
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": ", ".join(accept)})
    deadline = time.monotonic() + timeout * 2
    try:
        with _opener().open(request, timeout=timeout) as resp:
            ctype = (resp.headers.get_content_type() or "").lower()
            if not any(ctype == a or (a.endswith("/*") and ctype.startswith(a[:-1])) for a in accept):
                raise FetchFailed(f"{url}: content type {ctype!r} is not one of {list(accept)}")
            length = resp.headers.get("Content-Length")
            if not truncate and length and length.isdigit() and int(length) > max_bytes:
                raise FetchFailed(f"{url}: {length} bytes is over the cap of {max_bytes}")
            body = bytearray()
            while len(body) <= max_bytes:
                if time.monotonic() > deadline:
                    raise FetchFailed(f"{url}: took longer than {timeout * 2:g} s")
                chunk = resp.read(64 * 1024)
                if not chunk:
                    break
                body += chunk
            if len(body) > max_bytes:
                if not truncate:
                    raise FetchFailed(f"{url}: more than {max_bytes} bytes")
                del body[max_bytes:]
            return bytes(body), ctype, resp.geturl()
    except FetchFailed:
        raise
    except (urllib.error.URLError, OSError, ValueError) as exc:  # HTTPError, timeouts, refused, DNS
        raise FetchFailed(f"{url}: {exc}") from exc


def fetch_image(
    url: str, *, timeout: float, max_bytes: int = images.MAX_UPLOAD_BYTES
) -> tuple[bytes, str, int, int]:
    """An image that an upload would accept: (bytes, format, width, height), or FetchFailed."""
    data, _, _ = fetch(url, accept=("image/*",), max_bytes=max_bytes, timeout=timeout)
    try:
        fmt, width, height = images.probe(data)
    except images.BadImage as exc:
        raise FetchFailed(f"{url}: {exc}") from exc
    return data, fmt, width, height


def suggestions_for(
    emails: Iterable[str],
    profiles: Iterable[str],
    *,
    gravatar_base: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> list[Suggestion]:
    """Candidates from email addresses (Gravatar) and profile page URLs, in that order."""
    out: list[Suggestion] = []
    seen: set[str] = set()

    def add(url: str, kind: str, via: str) -> None:
        if url in seen:
            return
        seen.add(url)
        try:
            data, fmt, width, height = fetch_image(url, timeout=timeout)
        except FetchFailed as exc:
            log.debug("no photo suggestion from %s: %s", via, exc)
            return
        out.append(Suggestion(url, kind, via, data, fmt, width, height))

    for email in dict.fromkeys(e.strip() for e in emails if e and e.strip()):
        add(gravatar_url(email, gravatar_base), "gravatar", email)
    for page in dict.fromkeys(p for p in profiles if p):
        try:
            body, _, final_url = fetch(
                page, accept=("text/html", "application/xhtml+xml"), max_bytes=MAX_PAGE_BYTES,
                timeout=timeout, truncate=True,
            )
        except FetchFailed as exc:
            log.debug("no photo suggestion from %s: %s", page, exc)
            continue
        image_url = declared_image(body.decode("utf-8", errors="replace"), final_url)
        if image_url is None:
            log.debug("no photo suggestion from %s: it declares no image", page)
            continue
        add(image_url, "profile", page)
    return out


def photo_suggestions(
    db: Database,
    user: User,
    contact_id: int,
    *,
    gravatar_base: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> list[Suggestion]:
    """Photo candidates for a contact the user may view, from its emails and profile URLs."""
    with db.read() as tx:
        contact = load_contact(tx, user, contact_id)
        rows = tx.rows(
            "SELECT info_type, data FROM contact_info WHERE contact_id = ? "
            "ORDER BY info_type, NOT is_primary, id",
            [contact.id],
        )
    emails = [str(d) for t, d in rows if int(t) in (InfoType.EMAIL, InfoType.GMAIL) and "@" in str(d)]
    profiles = [
        u for t, d in rows if int(t) in PROFILE_TYPES
        for u in [profile_url(int(t), str(d))] if u
    ]
    return suggestions_for(emails, profiles, gravatar_base=gravatar_base, timeout=timeout)
