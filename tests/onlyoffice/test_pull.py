"""Pull: a snapshot of the portal into the store; changes, conflicts, disappearances."""

from __future__ import annotations

import pytest

from crmdata import Store
from crmdata.errors import CrmDataError

from .conftest import PortalUnderTest, linked

ADDRESS = '{"street":"1 Main St","city":"Berlin","state":"","zip":"10115","country":"Germany"}'


def _seed(portal: PortalUnderTest) -> tuple[int, int]:
    acme = portal.company("Acme Pull GmbH", about="Makes anvils")
    portal.info(acme, (1, 1, "info@acme-pull.example.com", True), (7, 2, ADDRESS, True))
    lore = portal.person("Lore", "Hamann-Pull", jobTitle="CTO", companyId=acme)
    portal.info(lore, (0, 1, "+49 30 1234567", True), (1, 1, "lore@acme-pull.example.com", True))
    portal.tag(lore, "Lead")
    portal.status(lore, "Warm")
    portal.custom(lore, "Favourite drink", "tea")
    return acme, lore


def test_pull_takes_every_part_of_a_contact(portal: PortalUnderTest, store: Store) -> None:
    acme, lore = _seed(portal)
    report = store.sync_pull(**portal.kw())
    assert report.seen >= 2 and not report.refused and not report.conflicts
    person = store.contact(linked(store, lore))
    company = store.contact(linked(store, acme))
    assert person.fields["first_name"] == "Lore" and person.fields["title"] == "CTO"
    assert person.fields["company_id"] == company.id
    assert person.fields["temperature"] == "Warm"
    assert person.tags == ["Lead"]
    assert person.custom == {"Favourite drink": "tea"}
    assert sorted(person.info["data"]) == ["+49 30 1234567", "lore@acme-pull.example.com"]
    address = company.info[company.info["info_type"] == 7].iloc[0]
    assert (address["street"], address["city"], address["zip"], address["category"]) == (
        "1 Main St",
        "Berlin",
        "10115",
        2,
    )
    assert company.fields["notes"] == "Makes anvils"


def test_second_pull_changes_only_what_changed_there(portal: PortalUnderTest, store: Store) -> None:
    acme, lore = _seed(portal)
    store.sync_pull(**portal.kw())
    again = store.sync_pull(**portal.kw())
    assert again.created == [] and again.updated == [] and again.change_set_id is None
    portal.tag(lore, "Customer")
    third = store.sync_pull(**portal.kw())
    assert third.updated == [linked(store, lore)]
    assert store.contact(linked(store, lore)).tags == ["Customer", "Lead"]


def test_an_unpushed_local_edit_is_a_conflict(portal: PortalUnderTest, store: Store) -> None:
    _acme, lore = _seed(portal)
    store.sync_pull(**portal.kw())
    cid = linked(store, lore)
    cs = store.change()
    cs.update(cid, title="Chief Technology Officer")
    cs.commit()
    portal.tag(lore, "Staff")  # changed on the portal too
    report = store.sync_pull(**portal.kw())
    assert [c.contact_id for c in report.conflicts] == [cid]
    conflict = report.conflicts[0]
    assert conflict.parts == ["tags"]
    assert "Staff" in conflict.portal["tags"]
    assert conflict.local["core"]["title"] == "Chief Technology Officer"
    assert store.contact(cid).fields["title"] == "Chief Technology Officer"
    assert store.contact(cid).tags == ["Lead"]
    settled = store.sync_pull(**portal.kw(), take_portal=[cid])  # the portal's version wins
    assert settled.conflicts == [] and settled.updated == [cid]
    assert store.contact(cid).fields["title"] == "CTO" and store.contact(cid).tags == ["Lead", "Staff"]
    assert store.sync_push(**portal.kw()).plan.steps == []


def test_contacts_gone_from_the_portal_are_reported(portal: PortalUnderTest, store: Store) -> None:
    acme, lore = _seed(portal)
    store.sync_pull(**portal.kw())
    portal.client.call("DELETE", f"crm/contact/{lore}.json")
    report = store.sync_pull(**portal.kw())
    assert [(c, p) for c, p, _n in report.disappeared] == [(linked(store, lore), lore)]
    assert store.contact(linked(store, lore)).fields["last_name"] == "Hamann-Pull"


def test_a_store_syncs_with_one_portal(portal: PortalUnderTest, store: Store) -> None:
    store.sync_pull(**portal.kw())
    with pytest.raises(CrmDataError, match="syncs with the portal"):
        store.sync_pull(portal="http://127.0.0.1:9", login="x", password="y")
