"""Photos in the sync: pulled when asked, pushed when changed in crmdata, conflicts both ways."""

from __future__ import annotations

import pytest

from crmdata import Store
from crmdata.onlyoffice import PortalDenied
from tests.onlyoffice_double import Portal

from .conftest import PortalUnderTest, linked, mean_color, near, png

RED, BLUE, GREEN = (200, 30, 30), (30, 40, 200), (20, 160, 60)


def _photo_of(store: Store, cid: int) -> tuple[int, ...] | None:
    got = store.photo(cid)
    return None if got.is_default else mean_color(got.data)


def test_round_trip_pull_edit_push_pull(portal: PortalUnderTest, store: Store) -> None:
    lore = portal.person("Lore", "Foto")
    anna = portal.person("Anna", "Ohnefoto")
    acme = portal.company("Acme Foto AG")
    portal.set_photo(lore, png(RED))
    plain = store.sync_pull(**portal.kw())  # without --photos: no photo is read
    assert plain.photos == [] and _photo_of(store, linked(store, lore)) is None
    if portal.double is not None:
        assert portal.double.requests("GET", "filehandler") == []

    report = store.sync_pull(**portal.kw(), photos=True)
    lore_id, anna_id, acme_id = (linked(store, p) for p in (lore, anna, acme))
    assert report.photos == [lore_id] and not report.conflicts and not report.refused
    assert near(_photo_of(store, lore_id) or (), RED)
    assert _photo_of(store, anna_id) is None and _photo_of(store, acme_id) is None
    assert store.photo(lore_id).source == "portal"
    again = store.sync_pull(**portal.kw(), photos=True)  # nothing changed: nothing written
    assert again.photos == [] and again.change_set_id is None
    assert store.sync_push(**portal.kw()).plan.steps == []

    store.set_photo(lore_id, png(BLUE))  # changed in crmdata
    store.set_photo(acme_id, png(GREEN))  # a logo the portal does not have
    dry = store.sync_push(**portal.kw(), dry_run=True)
    frame = dry.plan.frame()
    photo_rows = frame[frame["step"] == "photo"]
    assert sorted(photo_rows[photo_rows["method"] == "PUT"]["path"]) == sorted(
        [f"crm/contact/{lore}/changephoto", f"crm/contact/{acme}/changephoto"]
    )
    assert set(frame["step"]) == {"photo"}  # a photo change is not a field update
    assert "2 photo(s) to send" in str(dry)
    assert near(mean_color(portal.photo(lore) or b""), RED)  # a dry run sends nothing

    pushed = store.sync_push(**portal.kw())
    assert sorted(pushed.done) == sorted([lore_id, acme_id]) and not pushed.conflicts
    assert near(mean_color(portal.photo(lore) or b""), BLUE)
    assert near(mean_color(portal.photo(acme) or b""), GREEN)
    assert store.sync_push(**portal.kw()).plan.steps == []  # nothing sent twice

    back = store.sync_pull(**portal.kw(), photos=True)  # the portal and the store agree
    assert back.photos == [] and not back.conflicts
    assert store.photo(lore_id).source == "upload" and near(_photo_of(store, lore_id) or (), BLUE)

    assert store.remove_photo(lore_id)  # removed in crmdata
    assert [(s.kind, s.requests[2][:2]) for s in store.sync_push(**portal.kw(), dry_run=True).plan.steps] == [
        ("photo", ("DELETE", f"crm/contact/{lore}/avatar"))
    ]
    store.sync_push(**portal.kw())
    assert portal.photo(lore) is None
    assert store.sync_pull(**portal.kw(), photos=True).photos == []

    portal.set_photo(anna, png(GREEN))  # changed on the portal: the next pull takes it
    taken = store.sync_pull(**portal.kw(), photos=True)
    assert taken.photos == [anna_id] and near(_photo_of(store, anna_id) or (), GREEN)
    store.undo(taken.change_set_id)  # a pull's photos are one change set, undone as one
    assert _photo_of(store, anna_id) is None


def test_a_photo_changed_on_both_sides_is_a_conflict(portal: PortalUnderTest, store: Store) -> None:
    lore = portal.person("Lore", "Zweifoto")
    portal.set_photo(lore, png(RED))
    store.sync_pull(**portal.kw(), photos=True)
    cid = linked(store, lore)
    portal.set_photo(lore, png(GREEN))  # changed on the portal
    store.set_photo(cid, png(BLUE))  # and here
    pulled = store.sync_pull(**portal.kw(), photos=True)
    assert [(c.contact_id, c.parts) for c in pulled.conflicts] == [(cid, ["photo"])]
    assert near(_photo_of(store, cid) or (), BLUE)  # the local photo is not overwritten
    pushed = store.sync_push(**portal.kw())
    assert [(c.contact_id, c.parts) for c in pushed.conflicts] == [(cid, ["photo"])]
    assert near(mean_color(portal.photo(lore) or b""), GREEN)  # nor the portal's
    store.sync_push(**portal.kw(), overwrite=[cid])  # settled in the store's favour
    assert near(mean_color(portal.photo(lore) or b""), BLUE)


def test_a_broken_image_on_the_portal_is_reported_and_the_rest_goes_on(
    portal: PortalUnderTest, double: Portal, store: Store
) -> None:
    bad = portal.person("Kaputt", "Bild")
    good = portal.person("Heil", "Bild")
    double.put_photo(bad, b"<html>not an image</html>")
    portal.set_photo(good, png(RED))
    report = store.sync_pull(**portal.kw(), photos=True)
    assert [p for p, _m in report.refused] == [bad]
    assert "not" in report.refused[0][1] and "photo" in report.refused[0][1]
    assert report.photos == [linked(store, good)] and near(_photo_of(store, linked(store, good)) or (), RED)
    assert _photo_of(store, linked(store, bad)) is None
    assert store.contact(linked(store, bad)).fields["last_name"] == "Bild"  # the contact itself came
    double.put_photo(bad, png(GREEN))  # fixed on the portal: the next pull takes it
    assert store.sync_pull(**portal.kw(), photos=True).photos == [linked(store, bad)]


def test_the_portal_refuses_a_file_that_is_not_an_image(portal: PortalUnderTest) -> None:
    lore = portal.person("Lore", "Keinbild")
    with pytest.raises(PortalDenied, match="403"):
        portal.set_photo(lore, b"%PDF-1.4 not an image", name="cv.pdf")
    assert portal.photo(lore) is None


def test_a_photo_push_that_stopped_is_finished_by_the_next(
    portal: PortalUnderTest, double: Portal, store: Store
) -> None:
    lore = portal.person("Lore", "Abbruch")
    store.sync_pull(**portal.kw(), photos=True)
    cid = linked(store, lore)
    store.set_photo(cid, png(BLUE))
    double.fail("PUT", r"changephoto", "lost", times=4)  # carried out, the answer never arrives
    stopped = store.sync_push(**portal.kw(), retries=3, backoff=0.0)
    assert stopped.status == "stopped" and stopped.done == []
    assert near(mean_color(portal.photo(lore) or b""), BLUE)  # it did reach the portal
    finished = store.sync_push(**portal.kw())
    assert finished.done == [cid] and not finished.conflicts
    assert store.sync_push(**portal.kw()).plan.steps == []


def test_a_handler_that_sends_images_is_compared_by_bytes(
    portal: PortalUnderTest, double: Portal, store: Store
) -> None:
    double.handler_sends_images = True  # no address to tell the default avatar by
    lore = portal.person("Lore", "Bytes")
    anna = portal.person("Anna", "Bytes")
    portal.set_photo(lore, png(RED))
    report = store.sync_pull(**portal.kw(), photos=True)
    assert report.photos == [linked(store, lore)] and not report.refused
    assert _photo_of(store, linked(store, anna)) is None  # the default avatar is not taken as a photo
    assert store.sync_pull(**portal.kw(), photos=True).photos == []
    store.set_photo(linked(store, anna), png(BLUE))
    assert store.sync_push(**portal.kw()).done == [linked(store, anna)]
    assert near(mean_color(portal.photo(anna) or b""), BLUE)
    assert store.sync_pull(**portal.kw(), photos=True).photos == []


def test_change_photo_by_url_and_remove_it(portal: PortalUnderTest, double: Portal) -> None:
    lore = portal.person("Lore", "Adresse")
    anna = portal.person("Anna", "Adresse")
    address = portal.set_photo(lore, png(RED))
    got = portal.client.call("PUT", f"crm/contact/{anna}/changephotobyurl.json", body={"photourl": address})
    assert isinstance(got.response, str) and got.count == len(got.response)  # a string payload
    assert near(mean_color(portal.photo(anna) or b""), RED)
    portal.client.call("DELETE", f"crm/contact/{lore}/avatar.json", params={"uploadOnly": "true"})
    assert portal.photo(lore) is not None  # uploadOnly touches nothing stored
    portal.client.call("DELETE", f"crm/contact/{lore}/avatar.json", params={"uploadOnly": "false"})
    assert portal.photo(lore) is None and portal.photo(anna) is not None


def test_the_token_goes_to_the_portal_only(portal: PortalUnderTest, double: Portal) -> None:
    """A photo address on another server (a file store) is fetched without the session's token."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    seen: list[str | None] = []

    class Elsewhere(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            seen.append(self.headers.get("Authorization"))
            body = png(RED)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    other = ThreadingHTTPServer(("127.0.0.1", 0), Elsewhere)
    Thread(target=other.serve_forever, daemon=True).start()
    try:
        data, ctype = portal.client.fetch(f"http://127.0.0.1:{other.server_address[1]}/photo.png")
        assert ctype == "image/png" and data == png(RED) and seen == [None]
        lore = portal.person("Lore", "Token")
        portal.photo(lore)  # the portal's own handler gets it: it needs the login
        assert double.requests("GET", "filehandler")
    finally:
        other.shutdown()
        other.server_close()


def test_a_photo_never_pulled_is_not_overwritten_blindly(portal: PortalUnderTest, store: Store) -> None:
    lore = portal.person("Lore", "Ungesehen")
    portal.set_photo(lore, png(RED))
    store.sync_pull(**portal.kw())  # without photos: the portal's photo was never seen
    cid = linked(store, lore)
    store.set_photo(cid, png(BLUE))
    pushed = store.sync_push(**portal.kw())
    assert [c.parts for c in pushed.conflicts] == [["photo"]] and "never" in pushed.conflicts[0].reason
    assert near(mean_color(portal.photo(lore) or b""), RED)
    pulled = store.sync_pull(**portal.kw(), photos=True)  # still a conflict: the local photo stays
    assert [c.parts for c in pulled.conflicts] == [["photo"]] and near(_photo_of(store, cid) or (), BLUE)
    store.sync_push(**portal.kw(), overwrite=[cid])
    assert near(mean_color(portal.photo(lore) or b""), BLUE)
    assert store.sync_pull(**portal.kw(), photos=True).conflicts == []
