"""crmdata.photos.suggest against a real HTTP server on 127.0.0.1 started by the test."""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import photo_samples as s
import pytest
from photo_samples import add_contact

from crmdata import Store, numbering
from crmdata.errors import NotFound
from crmdata.model import InfoType, ShareType
from crmdata.photos.suggest import declared_image, gravatar_url, profile_url, suggestions_for

JANE = "Jane.Doe@Example.com"
JANE_MD5 = hashlib.md5(b"jane.doe@example.com").hexdigest()
GRAVATAR_JPEG = s.jpeg(240, 240)
OG_PNG = s.png(400, 300)
TWITTER_WEBP = s.webp()


def page(head: str) -> bytes:
    return f"<!DOCTYPE html><html><head><title>x</title>{head}</head><body>hi</body></html>".encode()


class Handler(BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, str, bytes]] = {
        f"/avatar/{JANE_MD5}": (200, "image/jpeg", GRAVATAR_JPEG),
        "/img/og.png": (200, "image/png", OG_PNG),
        "/img/tw.webp": (200, "image/webp", TWITTER_WEBP),
        "/img/big.png": (200, "image/png", s.noisy_png()),
        "/img/wrong-type.png": (200, "text/plain", OG_PNG),
        "/img/not-really.png": (200, "image/png", s.TEXT),
        "/img/truncated.jpg": (200, "image/jpeg", s.jpeg()[:3000]),
        "/profile": (200, "text/html; charset=utf-8",
                     page('<meta property="og:image" content="/img/og.png">')),
        "/tw": (200, "text/html", page('<meta name="twitter:image" content="{base}/img/tw.webp">')),
        "/linkrel": (200, "text/html", page('<link rel="image_src" href="img/og.png">')),
        "/no-image": (200, "text/html", page('<meta property="og:title" content="Jane">')),
        "/file-image": (200, "text/html", page('<meta property="og:image" content="file:///etc/passwd">')),
        "/big-image": (200, "text/html", page('<meta property="og:image" content="/img/big.png">')),
        "/wrong-type": (200, "text/html", page('<meta property="og:image" content="/img/wrong-type.png">')),
        "/fake-image": (200, "text/html", page('<meta property="og:image" content="/img/not-really.png">')),
        "/broken-image": (200, "text/html", page('<meta property="og:image" content="/img/truncated.jpg">')),
        "/json": (200, "application/json", b'{"og:image": "/img/og.png"}'),
        "/huge-page": (200, "text/html", b"<html>" + b" " * (600 * 1024)
                       + b'<meta property="og:image" content="/img/og.png"></html>'),
        "/long-page": (200, "text/html", page('<meta property="og:image" content="/img/og.png">')
                       + b"<p>words</p>" * 100_000),
    }
    slow_seconds = 2.0
    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        type(self).requests.append(self.path)
        path = self.path.split("?")[0]
        if path == "/slow.png":
            time.sleep(self.slow_seconds)
            return self._send(200, "image/png", OG_PNG)
        if path == "/slow":
            return self._send(200, "text/html", page('<meta property="og:image" content="/slow.png">'))
        if path == "/img/big-unsized.png":  # no Content-Length: the cap must hold while reading
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(s.noisy_png())
            return None
        if path == "/unsized-image":
            head = '<meta property="og:image" content="/img/big-unsized.png">'
            return self._send(200, "text/html", page(head))
        if path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/profile")
            self.end_headers()
            return None
        if path not in self.routes:
            return self._send(404, "text/plain", b"not found")
        status, ctype, body = self.routes[path]
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        return self._send(status, ctype, body.replace(b"{base}", base.encode()))

    def _send(self, status: int, ctype: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def closed_port_url() -> str:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"


# -- pure parts -------------------------------------------------------------------------------
def test_gravatar_url() -> None:
    # the example from Gravatar's documentation: trimmed, lower-cased, md5
    assert gravatar_url(" MyEmailAddress@example.com ", "https://g.example/") == (
        "https://g.example/avatar/0bc83cb571cd1c50ba6f3e8a78ef1346?s=200&d=404"
    )


def test_gravatar_base_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRMDATA_GRAVATAR_BASE", "http://mirror.test")
    assert gravatar_url("a@b.c").startswith("http://mirror.test/avatar/")
    monkeypatch.delenv("CRMDATA_GRAVATAR_BASE")
    assert gravatar_url("a@b.c").startswith("https://www.gravatar.com/avatar/")


@pytest.mark.parametrize(
    ("info_type", "value", "url"),
    [
        (InfoType.WEBSITE, "https://jane.example.org/about", "https://jane.example.org/about"),
        (InfoType.WEBSITE, "jane.example.org", "https://jane.example.org"),
        (InfoType.WEBSITE, "not a url", None),
        (InfoType.WEBSITE, "intranet", None),
        (InfoType.WEBSITE, "javascript:alert(1)", None),
        (InfoType.WEBSITE, "ftp://files.example.org/", None),
        (InfoType.TWITTER, "@janedoe", "https://x.com/janedoe"),
        (InfoType.TWITTER, "x.com/janedoe", "https://x.com/janedoe"),
        (InfoType.FACEBOOK, "jane.doe", "https://www.facebook.com/jane.doe"),
        (InfoType.FACEBOOK, "www.facebook.com/jane.doe", "https://www.facebook.com/jane.doe"),
        (InfoType.LINKEDIN, "jane-doe-123", "https://www.linkedin.com/in/jane-doe-123"),
        (InfoType.VK, "id12345", "https://vk.com/id12345"),
        (InfoType.TWITTER, "@jane/../../x", None),
        (InfoType.SKYPE, "jane.doe", None),
        (InfoType.TWITTER, "", None),
    ],
)
def test_profile_url(info_type: InfoType, value: str, url: str | None) -> None:
    assert profile_url(info_type, value) == url


@pytest.mark.parametrize(
    ("html", "url"),
    [
        ('<meta property="og:image" content="/a.png">', "http://h.test/a.png"),
        ('<META PROPERTY="og:image" CONTENT="b.jpg">', "http://h.test/p/b.jpg"),
        ('<meta name="twitter:image" content="https://cdn.test/c.jpg">'
         '<meta property="og:image" content="/a.png">', "http://h.test/a.png"),
        ('<meta property="og:image:secure_url" content="https://s.test/d.png">'
         '<meta property="og:image" content="/a.png">', "https://s.test/d.png"),
        ('<meta name="twitter:image" content="https://cdn.test/c.jpg">', "https://cdn.test/c.jpg"),
        ('<link rel="image_src" href="/e.gif">', "http://h.test/e.gif"),
        ('<meta property="og:image" content="data:image/png;base64,AAAA">', None),
        ('<meta property="og:title" content="x">', None),
        ("<html><head><meta property='og:image' content='/f.png'", None),  # unfinished tag
    ],
)
def test_declared_image(html: str, url: str | None) -> None:
    assert declared_image(html, "http://h.test/p/index.html") == url


# -- over HTTP --------------------------------------------------------------------------------
def test_gravatar_and_profile_images(server: str) -> None:
    Handler.requests.clear()
    found = suggestions_for(
        [JANE, "nobody@example.com"], [f"{server}/profile", f"{server}/tw", f"{server}/linkrel"],
        gravatar_base=server, timeout=2,
    )
    assert [(x.kind, x.source_url, x.found_via) for x in found] == [
        ("gravatar", f"{server}/avatar/{JANE_MD5}?s=200&d=404", JANE),
        ("profile", f"{server}/img/og.png", f"{server}/profile"),
        ("profile", f"{server}/img/tw.webp", f"{server}/tw"),
        # /linkrel declares the same image as /profile: suggested once
    ]
    assert found[0].data == GRAVATAR_JPEG and (found[0].format, found[0].width) == ("JPEG", 240)
    assert found[1].data == OG_PNG and (found[1].format, found[1].width, found[1].height) == ("PNG", 400, 300)
    assert found[2].format == "WebP"
    nobody = hashlib.md5(b"nobody@example.com").hexdigest()
    assert f"/avatar/{nobody}?s=200&d=404" in Handler.requests  # asked, got a 404, left out


@pytest.mark.parametrize(
    "path",
    ["/no-image", "/file-image", "/big-image", "/unsized-image", "/wrong-type", "/fake-image",
     "/broken-image", "/json", "/huge-page", "/missing-page"],
)
def test_no_suggestion_on_failure(server: str, path: str) -> None:
    assert suggestions_for([], [server + path], gravatar_base=server, timeout=2) == []


def test_long_page_is_read_up_to_the_cap(server: str) -> None:
    # the declaration sits in the head; the 1.2 MB body after it is not needed
    found = suggestions_for([], [f"{server}/long-page"], gravatar_base=server, timeout=2)
    assert [x.source_url for x in found] == [f"{server}/img/og.png"]


def test_redirect_is_followed(server: str) -> None:
    found = suggestions_for([], [f"{server}/moved"], gravatar_base=server, timeout=2)
    assert [x.source_url for x in found] == [f"{server}/img/og.png"]


def test_timeout_gives_no_suggestion_quickly(server: str) -> None:
    started = time.monotonic()
    assert suggestions_for([], [f"{server}/slow"], gravatar_base=server, timeout=0.5) == []
    assert time.monotonic() - started < Handler.slow_seconds


def test_offline_gives_nothing() -> None:
    dead = closed_port_url()
    assert suggestions_for([JANE], [f"{dead}/profile"], gravatar_base=dead, timeout=1) == []


def add_info(store: Store, cid: int, rows: list[tuple[InfoType, str]]) -> None:
    with store.db.transaction() as tx:
        for info_type, data in rows:
            tx.execute(
                "INSERT INTO contact_info (id, contact_id, info_type, category, data, is_primary) "
                "VALUES (?, ?, ?, 1, ?, FALSE)",
                [numbering.next_id(tx, "contact_info"), cid, int(info_type), data],
            )


def test_store_suggestions_then_set_photo(store: Store, server: str) -> None:
    cid = add_contact(store)
    add_info(store, cid, [
        (InfoType.EMAIL, JANE), (InfoType.PHONE, "+49 30 1234567"),
        (InfoType.WEBSITE, f"{server}/profile"), (InfoType.SKYPE, "jane.skype"),
    ])
    found = store.photo_suggestions(cid, gravatar_base=server, timeout=2)
    assert [x.kind for x in found] == ["gravatar", "profile"]
    info = store.set_photo(cid, found[1].data, source=found[1].source_url)
    assert (info.format, info.width, info.height) == ("PNG", 200, 150)
    assert store.photo(cid).source == f"{server}/img/og.png"


def test_suggestions_respect_visibility(store: Store, server: str) -> None:
    store.add_user("bob")
    cid = add_contact(store, share_type=ShareType.NONE)
    add_info(store, cid, [(InfoType.EMAIL, JANE)])
    with pytest.raises(NotFound, match=f"There is no contact {cid}."):
        store.as_user("bob").photo_suggestions(cid, gravatar_base=server, timeout=2)
