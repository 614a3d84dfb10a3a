"""A client for an ONLYOFFICE portal's CRM REST API (``/api/2.0/``), as crmdata's sync uses it.

It authenticates with ``POST authentication`` and sends the token on every call; reads the
success envelope (``{"count", "startIndex", "nextIndex", "total", "status", "statusCode",
"response"}``, keys omitted when 0) and turns the error envelope (``{"status": 1, "error":
{"message"}}``) and the plain-text 401 into :class:`PortalError` s a person can read. Reads
page 1,000 contacts at a time sorted by id and stop on a short page (``nextIndex`` is off by
one and ignored). Timeouts, dropped connections and 5xx answers are retried a bounded number
of times with growing pauses, but only for requests that are safe to send twice; an expired
token is renewed once, then the call fails.

The password and the token live only in this object's memory: they are never part of an
error message, a log line or a ``repr``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from ..errors import AccessDenied, CrmDataError, NotFound

#: Contacts per page: the portal's shipped maximum (its config's ``maxPage``).
PAGE_SIZE = 1000


class PortalError(CrmDataError):
    """The portal refused a request or could not be reached; ``status`` is the HTTP status (0: none)."""

    def __init__(self, message: str, *, status: int = 0, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status


class PortalNotFound(PortalError, NotFound):
    """404: the contact (or item) does not exist on the portal, or the account may not see it."""


class PortalDenied(PortalError, AccessDenied):
    """403: the portal account may not do this."""


class PortalAuthFailed(PortalError):
    """The portal did not accept the login, or asked for it again after a renewal."""


class PortalUnavailable(PortalError):
    """Timeouts, dropped connections or server errors that outlasted the retries."""


class PortalBadResponse(PortalError):
    """The portal answered with something that is not its JSON envelope."""


@dataclass(frozen=True)
class Envelope:
    """A successful answer: the payload and the envelope's counters (0 when omitted)."""

    response: Any
    count: int
    start_index: int
    total: int | None
    status_code: int


@dataclass
class Stats:
    """What a client sent: requests by method, retries and re-authentications."""

    requests: int = 0
    retries: int = 0
    logins: int = 0
    by_method: dict[str, int] | None = None

    def count(self, method: str) -> None:
        self.requests += 1
        self.by_method = self.by_method or {}
        self.by_method[method] = self.by_method.get(method, 0) + 1


class PortalClient:
    """One portal account's session. ``password`` is a string or a function returning it
    (asked only when a token is needed).

    ``retries`` bounds the attempts after the first for requests safe to repeat; the pause
    before attempt n is ``backoff * 2**(n-1)`` seconds.
    """

    def __init__(
        self,
        url: str,
        login: str,
        password: str | Callable[[], str],
        *,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.5,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        base = url.strip().rstrip("/")
        if not base.startswith(("http://", "https://")):
            raise CrmDataError(f"The portal address '{url}' must start with http:// or https://.")
        if not base.endswith("/api/2.0"):
            base += "/api/2.0"
        self.url = base
        self.login = login
        self._password = password
        self._token: str | None = None
        self.retries = max(0, int(retries))
        self.backoff = float(backoff)
        self.stats = Stats()
        self.sent: list[tuple[str, str]] = []  # (method, path) of every request sent, in order
        self._http = httpx.Client(
            base_url=base + "/", timeout=timeout, transport=transport, headers={"Accept": "application/json"}
        )

    def __repr__(self) -> str:
        return f"PortalClient({self.url!r}, login={self.login!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PortalClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- authentication -------------------------------------------------------------------
    def authenticate(self) -> None:
        """Get a token (``POST authentication``); never retried, so that a wrong password
        does not run into the portal's brute-force guard."""
        password = self._password() if callable(self._password) else self._password
        self.stats.count("POST")
        self.stats.logins += 1
        try:
            resp = self._http.post("authentication.json", json={"userName": self.login, "password": password})
        except httpx.TimeoutException as exc:
            raise PortalUnavailable(f"The portal {self.url} did not answer the login in time.") from exc
        except httpx.TransportError as exc:
            raise PortalUnavailable(
                f"The portal {self.url} cannot be reached ({type(exc).__name__})."
            ) from exc
        if resp.status_code >= 400:
            message = _error_message(resp)
            raise PortalAuthFailed(
                f"The portal {self.url} did not accept the login '{self.login}': {message}.",
                status=resp.status_code,
                hint="check the login and the password",
            )
        body = _json(resp, "POST authentication")
        payload = body.get("response") if isinstance(body, dict) else None
        token = payload.get("token") if isinstance(payload, dict) else None
        if not token:
            if isinstance(payload, dict) and (payload.get("tfa") or payload.get("sms")):
                raise PortalAuthFailed(
                    f"The portal account '{self.login}' uses two-factor authentication, which crmdata's "
                    "sync does not support.",
                    hint="sync with an account without two-factor authentication",
                )
            raise PortalBadResponse(f"The portal {self.url} answered the login without a token.")
        self._token = str(token)

    # -- requests -------------------------------------------------------------------------
    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
        repeatable: bool | None = None,
    ) -> Envelope:
        """Send one request and return its envelope, or raise a :class:`PortalError`.

        ``files`` (field -> (file name, bytes, media type)) makes it a multipart request.
        ``repeatable`` says whether sending the request twice does no harm (default: every
        method but POST); only such requests are retried after a timeout or a dropped
        connection, since the first attempt may have reached the portal.
        """
        what = f"{method} {path}"
        resp = self._send(method, path, params=params, body=body, files=files, repeatable=repeatable)
        body_json = _json(resp, what)
        if not isinstance(body_json, dict) or body_json.get("status", 0) != 0:
            raise PortalBadResponse(f"The portal's answer to {what} is not its response envelope.")
        return Envelope(
            body_json.get("response"),
            int(body_json.get("count", 0) or 0),
            int(body_json.get("startIndex", 0) or 0),
            None if body_json.get("total") is None else int(body_json["total"]),
            int(body_json.get("statusCode", resp.status_code) or resp.status_code),
        )

    def fetch(self, url: str) -> tuple[bytes, str]:
        """GET an address the portal gave (a photo's, outside ``/api/2.0``): its bytes and media
        type. Relative addresses are taken from the portal's root; the token goes only to the
        portal itself (same scheme, host and port), never elsewhere (a photo on another file store)."""
        root = httpx.URL(self.url.removesuffix("/api/2.0") + "/")
        absolute = root.join(url)
        own = (absolute.scheme, absolute.host, absolute.port) == (root.scheme, root.host, root.port)
        resp = self._send("GET", str(absolute), auth=own, repeatable=True)
        return resp.content, resp.headers.get("content-type", "")

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
        repeatable: bool | None = None,
        auth: bool = True,
    ) -> httpx.Response:
        """One request with the session's token, retries and error mapping; the raw answer."""
        if repeatable is None:
            repeatable = method != "POST"
        if auth and self._token is None:
            self.authenticate()
        renewed = False
        attempt = 0
        what = f"{method} {path.split('?')[0]}"
        while True:
            self.stats.count(method)
            self.sent.append((method, path))
            try:
                resp = self._http.request(
                    method,
                    path,
                    params=params,
                    json=body if files is None else None,
                    data=body if files is not None else None,
                    files=files,
                    headers={"Authorization": str(self._token)} if auth else None,
                )
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                kind = (
                    "did not answer in time"
                    if isinstance(exc, httpx.TimeoutException)
                    else f"dropped the connection ({type(exc).__name__})"
                )
                if repeatable and attempt < self.retries:
                    attempt = self._pause(attempt)
                    continue
                raise PortalUnavailable(
                    f"The portal {kind} for {what}"
                    + (f" after {attempt + 1} attempts" if attempt else "")
                    + ("" if repeatable else "; it may or may not have been carried out")
                    + "."
                ) from exc
            if resp.status_code == 401 and auth:
                if renewed:
                    raise PortalAuthFailed(
                        f"The portal refused the login again for {what} after a renewal.",
                        status=401,
                        hint="check the account's access to the CRM module",
                    )
                renewed = True
                self.authenticate()
                continue
            if resp.status_code >= 500 and repeatable and attempt < self.retries:
                attempt = self._pause(attempt)
                continue
            if resp.status_code >= 400:
                raise _status_error(resp, what)
            return resp

    def _pause(self, attempt: int) -> int:
        self.stats.retries += 1
        time.sleep(self.backoff * (2**attempt))
        return attempt + 1

    def get(self, path: str, **params: Any) -> Any:
        return self.call("GET", path, params=params or None).response

    # -- reads ----------------------------------------------------------------------------
    def contact_pages(self, page_size: int = PAGE_SIZE) -> Iterator[list[dict[str, Any]]]:
        """Every contact the account may see, a page at a time, in id order (list view:
        info, addresses, tags and custom fields included). Stops on a short page."""
        start = 0
        while True:
            env = self.call(
                "GET",
                "crm/contact/filter.json",
                params={"sortBy": "id", "sortOrder": "ascending", "count": page_size, "startIndex": start},
            )
            page = env.response if isinstance(env.response, list) else None
            if page is None:
                raise PortalBadResponse(
                    f"The portal's contact list at startIndex {start} is not a list of contacts."
                )
            yield page
            if len(page) < page_size:
                return
            start += len(page)

    def contact(self, portal_id: int) -> dict[str, Any]:
        """One contact (single view: no tags)."""
        got = self.get(f"crm/contact/{int(portal_id)}.json")
        if not isinstance(got, dict) or "id" not in got:
            raise PortalBadResponse(f"The portal's answer for contact {portal_id} is not a contact.")
        return got

    def contact_tags(self, portal_id: int) -> list[str]:
        got = self.get(f"crm/contact/{int(portal_id)}/tag.json")
        return [str(t) for t in got] if isinstance(got, list) else []


def _json(resp: httpx.Response, what: str) -> Any:
    try:
        return json.loads(resp.content)
    except ValueError as exc:
        start = resp.content[:60].decode("utf-8", "replace")
        raise PortalBadResponse(
            f"The portal's answer to {what} (HTTP {resp.status_code}) is not valid JSON: {start!r}...",
            status=resp.status_code,
        ) from exc


def _error_message(resp: httpx.Response) -> str:
    """The error envelope's message, or the start of a non-JSON body."""
    try:
        body = json.loads(resp.content)
    except ValueError:
        text = resp.text.strip()[:80]
        return text or f"HTTP {resp.status_code}"
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return str(body["error"].get("message") or f"HTTP {resp.status_code}")
    return f"HTTP {resp.status_code}"


def _status_error(resp: httpx.Response, what: str) -> PortalError:
    message = _error_message(resp)
    code = resp.status_code
    text = f"The portal refused {what} (HTTP {code}): {message}."
    if code == 404:
        return PortalNotFound(text, status=code)
    if code == 403:
        return PortalDenied(text, status=code)
    if code >= 500:
        return PortalUnavailable(text, status=code)
    return PortalError(text, status=code)
