"""Faults and bad input: each leaves the store consistent, loses nothing and says what happened."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from crmdata import Store
from crmdata.onlyoffice import PortalAuthFailed, PortalBadResponse, PortalClient
from tests.onlyoffice_double import Portal

from .conftest import PortalUnderTest, linked

FAST = {"retries": 2, "backoff": 0.01}


@pytest.fixture
def three(portal: PortalUnderTest, store: Store) -> list[int]:
    """Three persons pulled and then edited locally: their portal ids, in push order."""
    pids = [portal.person(name, "Fault") for name in ("Anna", "Bert", "Cleo")]
    store.sync_pull(**portal.kw())
    cs = store.change()
    for pid in pids:
        cs.update(linked(store, pid), title="Edited")
    cs.commit()
    return pids


def _titles(portal: PortalUnderTest, pids: list[int]) -> list[str | None]:
    return [portal.read(pid).get("title") for pid in pids]


def test_wrong_password_changes_nothing(portal: PortalUnderTest, store: Store) -> None:
    kw = portal.kw() | {"password": "not-the-password"}
    with pytest.raises(PortalAuthFailed, match="did not accept the login") as err:
        store.sync_pull(**kw)
    assert "not-the-password" not in str(err.value)
    assert store.count() == 0
    with store.db.read() as tx:
        assert tx.scalar("SELECT count(*) FROM sync_links") == 0


def test_expired_token_is_renewed_once(
    double: Portal, portal: PortalUnderTest, store: Store, three: list[int]
) -> None:
    double.fail("GET", rf"^crm/contact/{three[1]}$", "expire")
    double.log.clear()
    report = store.sync_push(**portal.kw(), **FAST)
    assert report.status == "done" and len(report.done) == 3
    assert len(double.requests("POST", "^authentication$")) == 2


def test_token_refused_after_renewal_stops_the_push(
    double: Portal, portal: PortalUnderTest, store: Store, three: list[int]
) -> None:
    double.fail("GET", rf"^crm/contact/{three[1]}$", "expire", times=2)
    report = store.sync_push(**portal.kw(), **FAST)
    assert report.status == "stopped" and "refused the login again" in (report.stopped or "")
    assert report.done == [linked(store, three[0])]
    assert _titles(portal, three) == ["Edited", None, None]
    again = store.sync_push(**portal.kw(), **FAST)
    assert again.status == "done" and len(again.done) == 2
    assert _titles(portal, three) == ["Edited"] * 3


def test_403_on_one_contact_is_reported_and_the_rest_goes_on(
    double: Portal, portal: PortalUnderTest, store: Store, three: list[int]
) -> None:
    double.fail("PUT", rf"^crm/contact/person/{three[1]}$", 403)
    report = store.sync_push(**portal.kw(), **FAST)
    assert [c for c, _m in report.refused] == [linked(store, three[1])]
    assert "may not change it" in report.refused[0][1]
    assert _titles(portal, three) == ["Edited", None, "Edited"]


def test_404_for_a_contact_deleted_on_the_portal_since_the_pull(
    portal: PortalUnderTest, store: Store, three: list[int]
) -> None:
    portal.client.call("DELETE", f"crm/contact/{three[0]}.json")
    report = store.sync_push(**portal.kw(), **FAST)
    assert [c for c, _m in report.refused] == [linked(store, three[0])]
    assert "no longer on the portal" in report.refused[0][1]
    assert _titles(portal, three[1:]) == ["Edited", "Edited"]
    assert store.contact(linked(store, three[0])).fields["title"] == "Edited"  # nothing lost here


def test_5xx_and_timeouts_are_retried(
    double: Portal, portal: PortalUnderTest, store: Store, three: list[int]
) -> None:
    double.fail("PUT", rf"^crm/contact/person/{three[0]}$", 503, times=2)
    double.fail("GET", rf"^crm/contact/{three[1]}$", "slow", times=1)
    report = store.sync_push(**portal.kw(), timeout=1.0, **FAST)
    assert report.status == "done" and len(report.done) == 3
    assert _titles(portal, three) == ["Edited"] * 3


def test_5xx_beyond_the_retries_stops_with_what_was_done(
    double: Portal, portal: PortalUnderTest, store: Store, three: list[int]
) -> None:
    double.fail("PUT", rf"^crm/contact/person/{three[1]}$", 500, times=3)
    report = store.sync_push(**portal.kw(), **FAST)
    assert report.status == "stopped" and "HTTP 500" in (report.stopped or "")
    assert report.done == [linked(store, three[0])]
    again = store.sync_push(**portal.kw(), **FAST)
    assert again.status == "done" and [s.contact_id for s in again.plan.steps] == [
        linked(store, pid) for pid in three[1:]
    ]


def test_a_dropped_connection_mid_push_then_the_next_push_finishes(
    double: Portal, portal: PortalUnderTest, store: Store, three: list[int]
) -> None:
    cs = store.change()
    cs.set_temperature(linked(store, three[1]), "Hot")
    cs.commit()
    double.fail("PUT", rf"^crm/contact/{three[1]}/status$", "drop", times=3)  # updated, status never set
    report = store.sync_push(**portal.kw(), **FAST)
    assert report.status == "stopped" and "dropped the connection" in (report.stopped or "")
    double.log.clear()
    again = store.sync_push(**portal.kw(), **FAST)
    assert again.status == "done" and not again.conflicts
    assert not double.requests(path=rf"^crm/contact(/person)?/{three[0]}")  # done: not sent again
    assert not double.requests("PUT", rf"^crm/contact/person/{three[1]}$")  # its update arrived before
    assert double.requests("PUT", rf"^crm/contact/{three[1]}/status$")  # only what was left
    assert _titles(portal, three) == ["Edited"] * 3
    assert portal.read(three[1])["contactStatus"]["title"] == "Hot"


def test_a_create_whose_answer_was_lost_is_not_created_twice(
    double: Portal, portal: PortalUnderTest, store: Store, three: list[int]
) -> None:
    cs = store.change()
    cs.create_person("Dora", "Lost-Answer")
    cs.commit()
    double.fail("POST", r"^crm/contact/person$", "lost")
    double.log.clear()
    report = store.sync_push(**portal.kw(), **FAST)
    assert report.status == "stopped" and "may or may not have been carried out" in (report.stopped or "")
    again = store.sync_push(**portal.kw(), **FAST)
    assert again.status == "done"
    doras = [c for c in double.contacts.values() if c.last_name == "Lost-Answer"]
    assert len(doras) == 1 and len(double.requests("POST", r"^crm/contact/person$")) == 1


def test_a_contact_edited_on_the_portal_after_the_pull_is_a_conflict(
    portal: PortalUnderTest, store: Store, three: list[int]
) -> None:
    portal.client.call(
        "PUT",
        f"crm/contact/person/{three[2]}.json",
        body={"firstName": "Cleo", "lastName": "Fault", "jobTitle": "Changed there", "shareType": 1},
    )
    report = store.sync_push(**portal.kw(), **FAST)
    assert [c.contact_id for c in report.conflicts] == [linked(store, three[2])]
    assert report.conflicts[0].parts == ["core"]
    assert portal.read(three[2])["title"] == "Changed there"
    assert _titles(portal, three[:2]) == ["Edited", "Edited"]
    settled = store.sync_push(**portal.kw(), overwrite=[linked(store, three[2])], **FAST)  # ours wins
    assert settled.conflicts == [] and portal.read(three[2])["title"] == "Edited"


def test_malformed_json_is_a_clear_error_and_changes_nothing(
    double: Portal, portal: PortalUnderTest, store: Store
) -> None:
    portal.person("Eva", "Malformed")
    double.fail("GET", r"^crm/contact/filter$", "malformed")
    with pytest.raises(PortalBadResponse, match="not valid JSON"):
        store.sync_pull(**portal.kw())
    assert store.count() == 0


def test_a_page_that_repeats_ids(double: Portal, portal: PortalUnderTest, store: Store) -> None:
    for i in range(1003):
        double.add(False, first_name=f"P{i}", last_name="Paged")
    store.sync_pull(**portal.kw())
    double.fail("GET", r"^crm/contact/filter$", "repeat", times=2)  # pages 1 and 2 start one row early
    del double.contacts[5]
    report = store.sync_pull(**portal.kw())
    assert report.repeated_ids >= 1 and report.disappeared == [] and "repeated" in report.notes[0]
    assert report.conflicts == [] and report.refused == []
    final = store.sync_pull(**portal.kw())
    assert [p for _c, p, _n in final.disappeared] == [5]


def test_no_password_or_token_in_the_store_journal_or_logs(
    double: Portal, portal: PortalUnderTest, store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    lore = portal.person("Lore", "Secret")
    store.sync_pull(**portal.kw())
    cs = store.change()
    cs.update(linked(store, lore), title="Keeper")
    cs.commit()
    store.sync_push(**portal.kw())
    with pytest.raises(PortalAuthFailed):
        with PortalClient(portal.url, portal.login, "wrong-" + portal.password) as c:
            c.authenticate()
    secrets = [portal.password, *double.tokens]
    assert secrets and all(len(s) >= 8 for s in secrets)
    with store.db.read() as tx:
        text = " ".join(str(v) for row in tx.rows("SELECT * FROM journal_rows") for v in row)
        text += " ".join(str(v) for row in tx.rows("SELECT * FROM journal") for v in row)
        text += " ".join(
            str(v)
            for t in ("sync_links", "sync_log", "sync_users", "sync_pending", "meta")
            for row in tx.rows(f"SELECT * FROM {t}")
            for v in row
        )
    store.checkpoint()
    files = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    for secret in secrets:
        assert secret not in text and secret.encode() not in files and secret not in caplog.text
