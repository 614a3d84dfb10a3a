"""crmdata.photos.store_ops on real store files: set, replace, refuse, remove, read, access."""

from __future__ import annotations

import io
import json
from pathlib import Path

import photo_samples as s
import pytest
from photo_samples import add_contact

from crmdata import Store
from crmdata.errors import AccessDenied, Conflict, CrmDataError, NotFound
from crmdata.model import ShareType
from crmdata.photos._make_defaults import asset_path
from crmdata.photos.images import BadImage


def stored(store: Store, cid: int) -> dict | None:
    with store.db.read() as tx:
        row = tx.one("SELECT format, width, height, image, thumb_82, thumb_40, source, updated_by "
                     "FROM photos WHERE contact_id = ?", [cid])
    if row is None:
        return None
    keys = ("format", "width", "height", "image", "thumb_82", "thumb_40", "source", "updated_by")
    return dict(zip(keys, row, strict=True))


def version(store: Store, cid: int) -> tuple[int, int]:
    with store.db.read() as tx:
        v, by = tx.one("SELECT version, updated_by FROM contacts WHERE id = ?", [cid])  # type: ignore[misc]
    return int(v), int(by)


def journal(store: Store) -> list[tuple]:
    with store.db.read() as tx:
        return tx.rows("SELECT id, user_id, action, summary FROM journal ORDER BY id")


def journal_rows(store: Store, jid: int) -> list[tuple]:
    with store.db.read() as tx:
        return tx.rows("SELECT table_name, contact_id, row_key, before, after FROM journal_rows "
                       "WHERE journal_id = ? ORDER BY seq", [jid])


def test_set_photo_stores_fitted_image_and_thumbnails(store: Store) -> None:
    cid = add_contact(store)
    info = store.set_photo(cid, s.jpeg(1000, 750))
    assert (info.format, info.width, info.height, info.version) == ("JPEG", 200, 150, 2)
    row = stored(store, cid)
    assert row is not None
    assert (row["format"], row["width"], row["height"], row["source"]) == ("JPEG", 200, 150, "upload")
    # read the stored bytes back with Pillow
    assert s.decode(row["image"]).size == (200, 150)
    assert s.decode(row["thumb_82"]).size == (82, 62)
    assert s.decode(row["thumb_40"]).size == (40, 30)
    assert all(s.decode(row[k]).format == "JPEG" for k in ("image", "thumb_82", "thumb_40"))
    assert info.bytes == len(row["image"])


def test_set_photo_accepts_a_path_and_an_open_file(store: Store, tmp_path: Path) -> None:
    cid = add_contact(store, "Acme Ltd", company=True)
    path = tmp_path / "logo.png"
    path.write_bytes(s.transparent_png())
    assert store.set_photo(cid, path).format == "PNG"
    assert store.set_photo(cid, str(path)).version == 3
    with path.open("rb") as fh:
        assert store.set_photo(cid, fh, source="file").version == 4
    assert s.decode(stored(store, cid)["image"]).mode == "RGBA"  # type: ignore[index]


def test_set_bumps_version_and_journals_before_and_after(store: Store) -> None:
    cid = add_contact(store)
    assert version(store, cid) == (1, 1)
    info = store.set_photo(cid, s.jpeg(300, 300))
    assert version(store, cid) == (2, 1)
    (jid, user_id, action, summary), = journal(store)
    assert (jid, user_id, action) == (info.journal_id, 1, "photo")
    assert "Jane Doe" in summary and f"({cid})" in summary
    rows = {r[0]: r for r in journal_rows(store, jid)}
    assert set(rows) == {"photos", "contacts"}
    table, jcid, key, before, after = rows["photos"]
    assert (jcid, json.loads(key), before) == (cid, {"contact_id": cid}, None)
    image = bytes.fromhex(json.loads(after)["image"]["$bytes"])
    assert image == stored(store, cid)["image"]  # type: ignore[index]
    c_before, c_after = json.loads(rows["contacts"][3]), json.loads(rows["contacts"][4])
    assert (c_before["version"], c_after["version"]) == (1, 2)


def test_replacing_journals_the_old_photo(store: Store) -> None:
    cid = add_contact(store)
    store.set_photo(cid, s.jpeg(100, 100))
    old = stored(store, cid)["image"]  # type: ignore[index]
    info = store.set_photo(cid, s.png(50, 60), source="https://example.org/me.png")
    row = stored(store, cid)
    assert (row["format"], row["width"], row["height"]) == ("PNG", 50, 60)  # type: ignore[index]
    assert row["source"] == "https://example.org/me.png"  # type: ignore[index]
    photos_row = [r for r in journal_rows(store, info.journal_id) if r[0] == "photos"][0]
    assert bytes.fromhex(json.loads(photos_row[3])["image"]["$bytes"]) == old


BAD_UPLOADS = {
    "over 1 MiB": s.noisy_png(),
    "not an image": s.TEXT,
    "truncated": s.jpeg()[:4000],
    "corrupt": s.corrupt_png(),
    "bomb": s.bomb_png(8000, 7000),
    "svg": s.SVG,
    "pdf": s.pdf(),
    "empty": b"",
}


@pytest.mark.parametrize("name", list(BAD_UPLOADS))
def test_refused_upload_keeps_the_previous_photo(store: Store, name: str) -> None:
    cid = add_contact(store)
    store.set_photo(cid, s.jpeg(400, 300))
    before = (stored(store, cid), version(store, cid), journal(store))
    with pytest.raises(BadImage):
        store.set_photo(cid, BAD_UPLOADS[name])
    assert (stored(store, cid), version(store, cid), journal(store)) == before


def test_over_limit_file_error_names_limit_and_size(store: Store, tmp_path: Path) -> None:
    cid = add_contact(store)
    big = tmp_path / "big.png"
    big.write_bytes(s.noisy_png())
    with pytest.raises(BadImage) as err:
        store.set_photo(cid, big)
    assert f"{big.stat().st_size:,} bytes" in str(err.value)
    assert "1 MiB (1,048,576 bytes)" in str(err.value)
    with big.open("rb") as fh, pytest.raises(BadImage, match="more than .*1,048,576 bytes"):
        store.set_photo(cid, fh)
    assert stored(store, cid) is None


def test_missing_file(store: Store, tmp_path: Path) -> None:
    cid = add_contact(store)
    with pytest.raises(NotFound, match="no file"):
        store.set_photo(cid, tmp_path / "nope.jpg")


def test_remove_brings_back_the_default(store: Store) -> None:
    cid = add_contact(store)
    store.set_photo(cid, s.jpeg())
    assert store.photo(cid).is_default is False
    assert store.remove_photo(cid) is True
    assert stored(store, cid) is None
    assert version(store, cid)[0] == 3
    shown = store.photo(cid)
    assert shown.is_default and shown.data == asset_path("person", "big").read_bytes()
    *_, (jid, _, action, summary) = journal(store)
    assert action == "photo" and summary.startswith("Removed the photo")
    photos_row = [r for r in journal_rows(store, jid) if r[0] == "photos"][0]
    assert photos_row[3] is not None and photos_row[4] is None
    # nothing to remove: no version bump, no journal entry
    n = len(journal(store))
    assert store.remove_photo(cid) is False
    assert version(store, cid)[0] == 3 and len(journal(store)) == n


@pytest.mark.parametrize(("size", "px"), [("big", 200), ("82", 82), (82, 82), ("40", 40), (40, 40)])
@pytest.mark.parametrize("company", [False, True])
def test_default_images(store: Store, size: str | int, px: int, company: bool) -> None:
    cid = add_contact(store, "Acme" if company else "Jane Doe", company=company)
    shown = store.photo(cid, size)
    assert shown.is_default and shown.format == "PNG"
    im = s.decode(shown.data)
    assert im.size == (px, px) == (shown.width, shown.height)
    key = "big" if px == 200 else str(px)
    assert shown.data == asset_path("company" if company else "person", key).read_bytes()


def test_photo_sizes_read_back(store: Store) -> None:
    cid = add_contact(store)
    store.set_photo(cid, s.jpeg(600, 900))
    for size, dims in (("big", (200, 300)), ("82", (55, 82)), ("40", (27, 40))):
        shown = store.photo(cid, size)
        assert not shown.is_default and shown.source == "upload"
        assert s.decode(shown.data).size == dims == (shown.width, shown.height)
    with pytest.raises(CrmDataError, match="no photo size '100'"):
        store.photo(cid, "100")


def test_access_rules(store: Store) -> None:
    bob = store.add_user("bob")
    hidden = add_contact(store, "Hidden Person", share_type=ShareType.NONE)
    readonly = add_contact(store, "Read Only", share_type=ShareType.READ)
    managed = add_contact(store, "Bob's Client", share_type=ShareType.NONE, managers=(bob.id,))
    public = add_contact(store, "Public Person", share_type=ShareType.READ_WRITE)
    store.set_photo(hidden, s.jpeg())
    store.set_photo(readonly, s.jpeg())
    as_bob = store.as_user("bob")
    before = {c: (stored(store, c), version(store, c)) for c in (hidden, readonly)}

    # invisible: the same message as a contact that does not exist
    for call in (lambda: as_bob.photo(hidden), lambda: as_bob.set_photo(hidden, s.png()),
                 lambda: as_bob.remove_photo(hidden)):
        with pytest.raises(NotFound) as err:
            call()
        assert str(err.value) == f"There is no contact {hidden}."
    with pytest.raises(NotFound) as err:
        as_bob.photo(9999)
    assert str(err.value) == "There is no contact 9999."

    # visible but read-only: may look, may not change
    assert as_bob.photo(readonly).is_default is False
    with pytest.raises(AccessDenied, match="bob"):
        as_bob.set_photo(readonly, s.png())
    with pytest.raises(AccessDenied):
        as_bob.remove_photo(readonly)
    assert {c: (stored(store, c), version(store, c)) for c in (hidden, readonly)} == before

    # manager of a restricted contact, and anyone on a read-write contact
    assert as_bob.set_photo(managed, s.png()).version == 2
    assert as_bob.set_photo(public, s.png()).version == 2
    assert version(store, public) == (2, bob.id)
    assert stored(store, public)["updated_by"] == bob.id  # type: ignore[index]
    assert as_bob.remove_photo(managed) is True


def test_expected_version_conflict_changes_nothing(store: Store) -> None:
    cid = add_contact(store)
    store.set_photo(cid, s.jpeg(), expected_version=1)
    with pytest.raises(Conflict, match="version 1, now 2"):
        store.set_photo(cid, s.png(), expected_version=1)
    with pytest.raises(Conflict):
        store.remove_photo(cid, expected_version=1)
    assert stored(store, cid)["format"] == "JPEG"  # type: ignore[index]
    assert store.remove_photo(cid, expected_version=2) is True


def test_photo_survives_reopening_the_file(store_path: Path) -> None:
    with Store(store_path) as first:
        cid = add_contact(first)
        first.set_photo(cid, io.BytesIO(s.webp()))
    with Store(store_path) as again:
        shown = again.photo(cid)
        assert (shown.format, s.decode(shown.data).size) == ("JPEG", (200, 100))
        assert again.contact(cid).has_photo
