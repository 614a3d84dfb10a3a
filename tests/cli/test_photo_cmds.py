"""``crmdata photo ...`` through click's CliRunner on a real store file."""

from __future__ import annotations

import hashlib
import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from crmdata import Store, numbering
from crmdata.cli import cli
from crmdata.model import InfoType, ShareType


def image_bytes(size: tuple[int, int], fmt: str = "JPEG") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, fmt)
    return buf.getvalue()


def add_contact(store: Store, name: str, share_type: ShareType = ShareType.READ_WRITE,
                company: bool = False) -> int:
    with store.db.transaction() as tx:
        cid = numbering.next_id(tx, "contacts")
        tx.execute(
            "INSERT INTO contacts (id, is_company, first_name, company_name, display_name, share_type, "
            "created_by, created_at, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, now(), 1, now())",
            [cid, company, None if company else name, name if company else None, name, int(share_type)],
        )
    return cid


def stored_size(store: Store, cid: int, column: str = "image") -> tuple[int, int] | None:
    with store.db.read() as tx:
        blob = tx.scalar(f"SELECT {column} FROM photos WHERE contact_id = ?", [cid])
    return None if blob is None else Image.open(io.BytesIO(blob)).size


@pytest.fixture
def setup(store_path: Path) -> Iterator[tuple[Path, int, int]]:
    with Store(store_path) as store:
        store.add_user("bob")
        person = add_contact(store, "Jane")
        readonly = add_contact(store, "Locked", ShareType.READ)
    yield store_path, person, readonly


def run(db: Path, *args: str, user: str = "admin", input: bytes | str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["--db", str(db), "--user", user, "photo", *args], input=input)


def test_set_get_remove(setup: tuple[Path, int, int], tmp_path: Path) -> None:
    db, cid, _ = setup
    src = tmp_path / "me.jpg"
    src.write_bytes(image_bytes((900, 600)))
    result = run(db, "set", str(cid), str(src))
    assert result.exit_code == 0, result.output
    assert "JPEG 200x133" in result.output and "contact version 2" in result.output
    with Store(db) as store:
        assert stored_size(store, cid) == (200, 133)
        assert stored_size(store, cid, "thumb_82") == (82, 55)
        assert stored_size(store, cid, "thumb_40") == (40, 27)

    out = tmp_path / "got.jpg"
    result = run(db, "get", str(cid), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert Image.open(out).size == (200, 133)
    result = run(db, "get", str(cid), "--size", "40", "--out", "-")
    assert result.exit_code == 0
    assert Image.open(io.BytesIO(result.stdout_bytes)).size == (40, 27)

    result = run(db, "remove", str(cid), input="n\n")
    assert result.exit_code != 0  # aborted: nothing removed
    with Store(db) as store:
        assert stored_size(store, cid) == (200, 133)
    result = run(db, "remove", str(cid), "--yes")
    assert result.exit_code == 0 and "default image shows again" in result.output
    result = run(db, "get", str(cid))
    assert result.exit_code == 0 and "default image, PNG 200x200" in result.output
    result = run(db, "remove", str(cid), "--yes")
    assert "has no photo" in result.output


def test_set_from_stdin(setup: tuple[Path, int, int]) -> None:
    db, cid, _ = setup
    result = run(db, "set", str(cid), "-", input=image_bytes((120, 400), "PNG"))
    assert result.exit_code == 0, result.output
    with Store(db) as store:
        assert stored_size(store, cid) == (90, 300)


def test_get_writes_default_with_extension(setup: tuple[Path, int, int], tmp_path: Path) -> None:
    db, cid, _ = setup
    result = run(db, "get", str(cid), "--size", "82", "--out", str(tmp_path / "avatar"))
    assert result.exit_code == 0, result.output
    assert Image.open(tmp_path / "avatar.png").size == (82, 82)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"just text", "Error: The file is not a PNG, JPEG, GIF or WebP image"),
        (b"%PDF-1.4\n...", "Error: The file is a PDF document"),
        (image_bytes((100, 100))[:400], "Error: The image is truncated or corrupt"),
    ],
)
def test_bad_file_is_refused_and_previous_photo_kept(
    setup: tuple[Path, int, int], tmp_path: Path, content: bytes, message: str
) -> None:
    db, cid, _ = setup
    good, bad = tmp_path / "good.png", tmp_path / "bad.bin"
    good.write_bytes(image_bytes((64, 64), "PNG"))
    bad.write_bytes(content)
    assert run(db, "set", str(cid), str(good)).exit_code == 0
    result = run(db, "set", str(cid), str(bad))
    assert result.exit_code == 1
    assert message in result.output
    with Store(db) as store:
        assert stored_size(store, cid) == (64, 64)


def test_too_big_names_limit_and_size(setup: tuple[Path, int, int], tmp_path: Path) -> None:
    db, cid, _ = setup
    big = tmp_path / "big.jpg"
    big.write_bytes(b"\xff\xd8" + b"\0" * 2_000_000)
    result = run(db, "set", str(cid), str(big))
    assert result.exit_code == 1
    assert "2,000,002 bytes" in result.output and "1 MiB (1,048,576 bytes)" in result.output


def test_access_rights(setup: tuple[Path, int, int], tmp_path: Path) -> None:
    db, cid, readonly = setup
    src = tmp_path / "me.png"
    src.write_bytes(image_bytes((50, 50), "PNG"))
    result = run(db, "set", str(readonly), str(src), user="bob")
    assert result.exit_code == 1 and "Error: You (bob) may view contact" in result.output
    assert run(db, "get", str(readonly), user="bob").exit_code == 0
    result = run(db, "set", "999", str(src))
    assert result.exit_code == 1 and "Error: There is no contact 999." in result.output
    assert run(db, "set", str(cid), str(src), user="bob").exit_code == 0


class _Gravatar(BaseHTTPRequestHandler):
    image = image_bytes((300, 300))
    known = hashlib.md5(b"jane@example.com").hexdigest()

    def do_GET(self) -> None:  # noqa: N802
        found = self.path.startswith(f"/avatar/{self.known}?")
        body = self.image if found else b"nope"
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "image/jpeg" if found else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def gravatar() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Gravatar)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_suggest_and_pick(setup: tuple[Path, int, int], gravatar: str) -> None:
    db, cid, _ = setup
    with Store(db) as store, store.db.transaction() as tx:
        for i, email in enumerate(["jane@example.com", "other@example.com"], 1):
            tx.execute("INSERT INTO contact_info (id, contact_id, info_type, category, data) "
                       "VALUES (?, ?, ?, 1, ?)", [i, cid, int(InfoType.EMAIL), email])
    result = run(db, "suggest", str(cid), "--gravatar-base", gravatar)
    assert result.exit_code == 0, result.output
    assert "gravatar" in result.output and "300x300" in result.output and "jane@example.com" in result.output
    assert "other@example.com" not in result.output
    result = run(db, "suggest", str(cid), "--gravatar-base", gravatar, "--format", "json")
    (row,) = json.loads(result.stdout)
    assert (row["n"], row["kind"], row["format"]) == (1, "gravatar", "JPEG")
    assert row["found_via"] == "jane@example.com"
    result = run(db, "suggest", str(cid), "--gravatar-base", gravatar, "--pick", "2")
    assert result.exit_code == 1 and "There is no candidate 2; found 1" in result.output
    result = run(db, "suggest", str(cid), "--gravatar-base", gravatar, "--pick", "1")
    assert result.exit_code == 0, result.output
    with Store(db) as store:
        assert stored_size(store, cid) == (200, 200)
        assert store.photo(cid).source.startswith(f"{gravatar}/avatar/")  # type: ignore[union-attr]


def test_suggest_offline_lists_none(setup: tuple[Path, int, int]) -> None:
    db, cid, _ = setup
    with Store(db) as store, store.db.transaction() as tx:
        tx.execute("INSERT INTO contact_info (id, contact_id, info_type, category, data) "
                   "VALUES (1, ?, 1, 1, 'jane@example.com')", [cid])
    result = run(db, "suggest", str(cid), "--gravatar-base", "http://127.0.0.1:9", "--timeout", "1")
    assert result.exit_code == 0 and "(none)" in result.output
