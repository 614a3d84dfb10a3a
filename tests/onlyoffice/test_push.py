"""Push, end to end for every change kind: pull, edit in crmdata, push, pull again; then the
portal and the store agree part by part."""

from __future__ import annotations

import pytest

from crmdata import Store
from crmdata.errors import CrmDataError
from crmdata.model import ShareType
from crmdata.onlyoffice import forms
from crmdata.onlyoffice import links as lk

from .conftest import PortalUnderTest, linked

ADDRESS = '{"street":"1 Main St","city":"Berlin","state":"","zip":"10115","country":"Germany"}'


@pytest.fixture
def pulled(portal: PortalUnderTest, store: Store) -> tuple[int, int]:
    """A company and a person on the portal, pulled into the store: their portal ids."""
    acme = portal.company("Acme Push GmbH", about="Anvils")
    portal.info(acme, (7, 2, ADDRESS, True))
    lore = portal.person("Lore", "Hamann-Push", jobTitle="CTO", companyId=acme)
    portal.info(lore, (0, 1, "+49 30 1234567", True), (1, 1, "lore@push.example.com", True))
    portal.tag(lore, "Lead")
    portal.status(lore, "Warm")
    portal.custom(lore, "Favourite drink", "tea")
    store.sync_pull(**portal.kw())
    return acme, lore


def agree(store: Store, portal: PortalUnderTest, *pids: int) -> None:
    """The store's contacts look like the portal's, part by part, and a pull finds nothing new."""
    for pid in pids:
        with store.db.read() as tx:
            local = lk.local_forms(tx, store.user, [linked(store, pid)])[linked(store, pid)]
        remote = forms.from_portal(portal.read(pid), portal.read(pid)["tags"])
        assert forms.changed_parts(local, remote) == [], (pid, local, remote)
    again = store.sync_pull(**portal.kw())
    assert again.conflicts == [] and again.updated == [] and again.created == []


def push(store: Store, portal: PortalUnderTest, **kw: object):  # type: ignore[no-untyped-def]
    report = store.sync_push(**portal.kw(), confirm=True, **kw)  # type: ignore[arg-type]
    assert report.status == "done" and not report.conflicts and not report.refused, str(report)
    return report


def test_field_edits_and_temperature(portal: PortalUnderTest, store: Store, pulled: tuple[int, int]) -> None:
    _acme, lore = pulled
    cid = linked(store, lore)
    cs = store.change()
    cs.update(cid, title="Chief Technology Officer", notes="Met at the fair", last_name="Hamann-Push2")
    cs.set_temperature(cid, "Hot")
    cs.commit()
    report = push(store, portal)
    assert report.requests <= 1 + 3 + 1  # login, re-read + update + temperature, the status list
    item = portal.read(lore)
    assert (item["title"], item["about"], item["lastName"]) == (
        "Chief Technology Officer",
        "Met at the fair",
        "Hamann-Push2",
    )
    assert item["contactStatus"]["title"] == "Hot"
    assert item["company"]["id"] == pulled[0]  # the update sent the whole contact: the company link stays
    assert portal.read(lore)["tags"] == ["Lead"] and item["customFields"][0]["fieldValue"] == "tea"
    agree(store, portal, lore)


def test_a_field_edit_costs_three_requests(
    portal: PortalUnderTest, store: Store, pulled: tuple[int, int]
) -> None:
    _acme, lore = pulled
    cs = store.change()
    cs.update(linked(store, lore), title="VP")
    cs.commit()
    report = store.sync_push(**portal.kw())
    step = report.plan.steps[0]
    assert [m for m, _p, _w in step.requests] == ["GET", "PUT", "PUT"]
    assert portal.read(lore)["contactStatus"]["title"] == "Warm"  # re-applied after the update cleared it


def test_info_rows_added_changed_removed(
    portal: PortalUnderTest, store: Store, pulled: tuple[int, int]
) -> None:
    acme, lore = pulled
    cid = linked(store, lore)
    info = store.contact(cid).info
    phone = int(info[info["info_type"] == 0]["id"].iloc[0])
    email = int(info[info["info_type"] == 1]["id"].iloc[0])
    cs = store.change()
    cs.change_info(cid, phone, "+49 30 7654321")
    cs.delete_info(cid, email)
    cs.add_info(cid, "email", "lore.hamann@push.example.com")
    cs.add_info(
        cid, "address", street="2 Side St", city="Hamburg", zip="20095", country="Germany", category="Home"
    )
    cs.commit()
    push(store, portal)
    item = portal.read(lore)
    assert sorted(r["data"] for r in item["commonData"]) == ["+49 30 7654321", "lore.hamann@push.example.com"]
    assert [(a["street"], a["city"]) for a in item["addresses"]] == [("2 Side St", "Hamburg")]
    agree(store, portal, lore, acme)


def test_tags_and_custom_values(portal: PortalUnderTest, store: Store, pulled: tuple[int, int]) -> None:
    _acme, lore = pulled
    cid = linked(store, lore)
    cs = store.change()
    cs.add_tags(cid, "Customer", "Key account")
    cs.remove_tags(cid, "Lead")
    cs.set_custom(cid, "Favourite drink", "coffee")
    cs.commit()
    push(store, portal)
    assert portal.read(lore)["tags"] == ["Customer", "Key account"]
    assert [f["fieldValue"] for f in portal.read(lore)["customFields"]] == ["coffee"]
    cs = store.change()
    cs.set_custom(cid, "Favourite drink", None)
    cs.commit()
    push(store, portal)
    assert portal.read(lore)["customFields"] == []
    agree(store, portal, lore)


def test_access(portal: PortalUnderTest, store: Store, pulled: tuple[int, int]) -> None:
    _acme, lore = pulled
    cid = linked(store, lore)
    cs = store.change()
    cs.set_access(cid, ShareType.READ)
    cs.commit()
    push(store, portal)
    assert portal.read(lore)["shareType"] == 2
    agree(store, portal, lore)


def test_new_contacts(portal: PortalUnderTest, store: Store, pulled: tuple[int, int]) -> None:
    cs = store.change()
    firm = cs.create_company("Neue Firma Push AG")
    person = cs.create_person("Nina", "Neu-Push", company=firm, temperature="Cold")
    cs.add_info(person, "email", "nina@neu-push.example.com")
    cs.add_tags(person, "Lead")
    cs.set_custom(person, "Favourite drink", "water")
    result = cs.commit()
    push(store, portal)
    with store.db.read() as tx:
        got = {c: x.portal_id for c, x in lk.links(tx).items()}
    pid, firm_pid = got[result.created[person]], got[result.created[firm]]
    item = portal.read(pid)
    assert (item["firstName"], item["company"]["id"], item["contactStatus"]["title"]) == (
        "Nina",
        firm_pid,
        "Cold",
    )
    assert item["tags"] == ["Lead"] and item["commonData"][0]["data"] == "nina@neu-push.example.com"
    agree(store, portal, pid, firm_pid)


def test_deletes_need_confirmation(portal: PortalUnderTest, store: Store, pulled: tuple[int, int]) -> None:
    acme, lore = pulled
    store.delete(linked(store, lore))
    waiting = store.sync_push(**portal.kw())
    assert waiting.status == "needs confirmation" and [s.kind for s in waiting.plan.steps] == ["delete"]
    assert portal.exists(lore)
    push(store, portal)
    assert not portal.exists(lore) and portal.exists(acme)
    assert store.sync_push(**portal.kw()).plan.steps == []
    if portal.double is not None:
        assert portal.double.filter_deletes == 0 and not portal.double.requests("PUT", r"^crm/contact$")


def test_merges_reapply_what_the_server_drops(
    portal: PortalUnderTest, store: Store, pulled: tuple[int, int]
) -> None:
    _acme, lore = pulled
    twin = portal.person("Lore", "Hamann-Push", jobTitle="")
    portal.info(twin, (1, 1, "l.hamann@push.example.com", True))
    portal.tag(twin, "Customer")
    store.sync_pull(**portal.kw())
    plan = store.plan_merge([linked(store, lore), linked(store, twin)], survivor=linked(store, lore))
    store.merge(plan)
    report = push(store, portal)
    assert [s.kind for s in report.plan.steps] == ["merge", "update"]
    assert not portal.exists(twin)
    item = portal.read(lore)
    assert sorted(r["data"] for r in item["commonData"] if r["infoType"] == 1) == [
        "l.hamann@push.example.com",
        "lore@push.example.com",
    ]
    assert item["tags"] == ["Customer", "Lead"]
    assert item["contactStatus"]["title"] == "Warm"
    agree(store, portal, lore)


def test_a_person_and_a_company_are_never_merged(store: Store, pulled: tuple[int, int]) -> None:
    acme, lore = pulled
    with pytest.raises(CrmDataError, match="(?i)person|compan"):
        store.plan_merge([linked(store, lore), linked(store, acme)])


def test_dry_run_lists_every_request_and_sends_nothing(
    portal: PortalUnderTest, store: Store, pulled: tuple[int, int]
) -> None:
    _acme, lore = pulled
    cs = store.change()
    cs.update(linked(store, lore), title="Boss")
    cs.commit()
    report = store.sync_push(**portal.kw(), dry_run=True)
    frame = report.plan.frame()
    assert list(frame["method"]) == ["GET", "PUT", "PUT"]
    assert list(frame["path"]) == [
        f"crm/contact/{lore}",
        f"crm/contact/person/{lore}",
        f"crm/contact/{lore}/status",
    ]
    assert portal.read(lore)["title"] == "CTO"


def test_push_before_any_pull_is_refused(portal: PortalUnderTest, store: Store) -> None:
    with pytest.raises(CrmDataError, match="never pulled"):
        store.sync_push(**portal.kw())


def test_managers_of_a_restricted_contact(portal: PortalUnderTest, store: Store) -> None:
    me = portal.client.get("people/@self.json") if portal.double is None else {"id": portal.double.user_id}
    secret = portal.person("Rita", "Restricted-Push", shareType=0, managerList=[me["id"]])
    store.sync_pull(**portal.kw())
    cid = linked(store, secret)
    managers = store.contact(cid).managers
    assert len(managers) == 1 and (portal.double is None or managers == [portal.login])  # made by name
    assert store.contact(cid).fields["share_type"] == ShareType.NONE
    cs = store.change()
    cs.set_access(cid, ShareType.READ_WRITE)
    cs.commit()
    push(store, portal)
    assert portal.read(secret)["shareType"] == 1
    agree(store, portal, secret)
