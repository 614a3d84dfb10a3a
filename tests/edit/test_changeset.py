"""Every edit kind through a change set, on a real DuckDB file; preview; primary rules."""

from __future__ import annotations

import pytest

from crmdata import Store
from crmdata.model import InfoType, ShareType

from ..builders import company, person, row_counts


def info(store: Store, cid: int, t: InfoType) -> list[tuple[str, bool]]:
    frame = store.contact(cid).info
    frame = frame[frame["info_type"] == int(t)].sort_values("id")
    return list(zip(frame["data"], frame["is_primary"], strict=True))


def test_create_person_with_everything(store: Store) -> None:
    with store.db.transaction() as tx:
        tx.execute("INSERT INTO custom_fields VALUES (1, 'Birthday', 5, 5, 1, NULL), "
                   "(2, 'Size', 2, 0, 2, '[\"S\", \"M\"]'), (3, 'VIP', 3, 0, 3, NULL)")
    cs = store.change(region="DE")
    acme = cs.create_company("  Acme GmbH  ", industry="Tools")
    lore = cs.create_person("Lore", "Hamann", title="CEO", company=acme, temperature="hot",
                            contact_type="Client", currency="eur", notes="met at fair")
    cs.add_info(lore, "email", "Lore.Hamann@Example.com")
    cs.add_info(lore, "phone", "030 1234567", category="Mobile")
    cs.add_info(lore, "address", street="Hauptstr. 1", city="Berlin", country="Germany")
    cs.add_info(lore, "twitter", "@lore_h")
    cs.set_custom(lore, "Birthday", "1980-02-29")
    cs.set_custom(lore, "size", "M")
    cs.set_custom(lore, 3, True)
    cs.add_tags(lore, "lead", "VIP guests")
    result = cs.commit()
    assert result.status == "committed"
    d = store.contact(result.created[lore])
    assert d.display_name == "Lore Hamann"
    assert d.fields["company"] == "Acme GmbH"
    assert d.fields["temperature"] == "Hot" and d.fields["contact_type"] == "Client"
    assert d.fields["currency"] == "EUR" and d.fields["version"] == 1
    assert d.tags == ["Lead", "VIP guests"]  # existing spelling of "Lead" reused
    assert d.custom == {"Birthday": "1980-02-29", "Size": "M", "VIP": "true"}
    rows = d.info.set_index("info_type")
    assert rows.loc[int(InfoType.PHONE), "category"] == 2
    assert rows.loc[int(InfoType.ADDRESS), "city"] == "Berlin"
    assert bool(rows["is_primary"].all())
    with store.db.read() as tx:
        assert tx.scalar("SELECT e164 FROM contact_info WHERE info_type = 0") == "+49301234567"
        key = tx.scalar("SELECT email_key FROM contact_info WHERE info_type = 1")
    assert key == "lore.hamann@example.com"
    assert store.contact(result.created[acme]).fields["company_name"] == "Acme GmbH"


def test_update_fields_info_tags_custom_access(store: Store) -> None:
    cid = person(store, email="a@example.com", phone="030 111111")
    acme = company(store)
    store.add_user("bob")
    first_email = int(store.contact(cid).info.query("info_type == 1")["id"].iloc[0])
    phone = int(store.contact(cid).info.query("info_type == 0")["id"].iloc[0])
    cs = store.change(region="DE")
    cs.update(cid, first_name="Lora", title="CTO", temperature="Warm")
    cs.link_company(cid, acme)
    cs.add_info(cid, "email", "b@example.com", primary=True)
    cs.change_info(cid, phone, "030 222222", category="Home")
    cs.add_tags(cid, "Customer")
    cs.set_access(cid, ShareType.READ, ["bob"])
    cs.commit()
    d = store.contact(cid)
    assert (d.fields["first_name"], d.fields["title"], d.fields["temperature"]) == ("Lora", "CTO", "Warm")
    assert d.fields["company_id"] == acme and d.fields["version"] == 2
    assert info(store, cid, InfoType.EMAIL) == [("a@example.com", False), ("b@example.com", True)]
    assert info(store, cid, InfoType.PHONE) == [("030 222222", True)]
    assert d.tags == ["Customer"] and d.managers == ["bob"] and d.fields["share_type"] == 2
    cs = store.change()
    cs.remove_tags(cid, "CUSTOMER")
    cs.delete_info(cid, first_email)
    cs.update(cid, temperature=None, company=None)
    cs.commit()
    d = store.contact(cid)
    assert d.tags == [] and d.fields["temperature"] is None and d.fields["company_id"] is None
    with store.db.read() as tx:  # removing a tag keeps its definition
        assert tx.scalar("SELECT count(*) FROM tags WHERE title = 'Customer'") == 1


def test_primary_rules(store: Store) -> None:
    cid = person(store)
    cs = store.change()
    cs.add_info(cid, "email", "one@example.com")
    cs.add_info(cid, "email", "two@example.com")
    cs.add_info(cid, "email", "three@example.com")
    cs.commit()
    assert [p for _d, p in info(store, cid, InfoType.EMAIL)] == [True, False, False]
    ids = list(store.contact(cid).info.query("info_type == 1").sort_values("id")["id"])
    cs = store.change()
    cs.set_primary(cid, ids[2])
    cs.commit()
    assert [p for _d, p in info(store, cid, InfoType.EMAIL)] == [False, False, True]
    cs = store.change()
    cs.delete_info(cid, ids[2])  # deleting the primary promotes the first remaining
    cs.commit()
    assert info(store, cid, InfoType.EMAIL) == [("one@example.com", True), ("two@example.com", False)]


def test_legacy_double_primary_is_fixed_when_the_type_is_touched(store: Store) -> None:
    cid = person(store, email="one@example.com")
    cs = store.change()
    cs.add_info(cid, "email", "two@example.com")
    cs.commit()
    with store.db.transaction() as tx:
        tx.execute("UPDATE contact_info SET is_primary = TRUE")  # as loaded from outside
    cs = store.change()
    cs.add_info(cid, "email", "three@example.com")
    cs.commit()
    assert [p for _d, p in info(store, cid, InfoType.EMAIL)] == [True, False, False]


def test_preview_shows_changes_and_writes_nothing(store: Store) -> None:
    cid = person(store, email="a@example.com")
    before = row_counts(store)
    cs = store.change()
    cs.update(cid, last_name="Meyer")
    cs.add_tags(cid, "Staff")
    pv = cs.preview()
    frame = pv.frame().set_index("field")
    assert frame.loc["last_name", "before"] == "Hamann" and frame.loc["last_name", "after"] == "Meyer"
    assert frame.loc["tags", "after"] == "Staff"
    assert set(frame["contact"]) == {"Lore Hamann"}  # the name a person knows, not "contact 1"
    assert set(frame["contact_id"]) == {cid}
    assert pv.ok
    assert row_counts(store) == before
    assert store.contact(cid).fields["last_name"] == "Hamann"


@pytest.mark.parametrize("whose", ["the edited contact's", "another contact's"])
def test_info_rows_numbered_outside_crmdata_do_not_stop_an_edit(store: Store, whose: str) -> None:
    """A row written with SQL of one's own takes the id the store's sequence hands out next:
    the edit's first attempt is refused (the key, or the read rows' ids), writes nothing, and
    the commit moves the sequence past every row and succeeds, replacing no row."""
    cid = person(store, email="a@example.com")
    other = person(store, "Other", email="o@example.com")
    with store.db.transaction() as tx:
        taken = int(tx.scalar("SELECT max(id) FROM contact_info")) + 1
        tx.execute("INSERT INTO contact_info (id, contact_id, info_type, category, data, is_primary) "
                   "VALUES (?, ?, 1, 1, 'sql@example.com', FALSE)",
                   [taken, cid if whose.startswith("the") else other])
    cs = store.change()
    cs.add_info(cid, "email", "b@example.com")
    cs.update(cid, title="Buyer")
    (email,) = [c for c in cs.preview().changes if c.field.startswith("Email")]
    assert email.before is None and email.after.startswith("b@example.com")  # it replaces no row
    assert cs.commit().status == "committed"
    with store.db.read() as tx:
        assert tx.rows("SELECT id, data FROM contact_info ORDER BY id")[-2:] == [
            (taken, "sql@example.com"), (taken + 1, "b@example.com")]
        assert tx.scalar("SELECT count(*) FROM journal WHERE action = 'edit'") == 3  # one per commit
    assert store.contact(cid).fields["title"] == "Buyer"


def test_nothing_to_do_writes_no_journal(store: Store) -> None:
    cid = person(store)
    before = row_counts(store)
    cs = store.change()
    cs.add_tags(cid)  # no tags given
    assert cs.commit().status == "nothing to do"
    assert row_counts(store) == before


def test_display_name_and_derived_hook(store: Store) -> None:
    cid = person(store)
    cs = store.change()
    cs.update(cid, first_name="  Anna ", last_name=None)
    cs.commit()
    assert store.contact(cid).display_name == "Anna"


@pytest.mark.parametrize("share", [ShareType.NONE])
def test_restricted_new_contact_gets_creator_as_manager(store: Store, share: ShareType) -> None:
    store.add_user("eve")
    eve = store.as_user("eve")
    cid = person(eve, share_type=int(share))
    assert eve.contact(cid).managers == ["eve"]


def test_large_change_set_goes_set_based(store: Store) -> None:
    cs = store.change(region="DE")
    refs = [cs.create_person(f"P{i}", "Bulk", temperature="Warm") for i in range(40)]
    for i, ref in enumerate(refs):
        cs.add_info(ref, "phone", f"030 55{i:05d}")
    created = cs.commit().created
    ids = [created[r] for r in refs]
    cs = store.change()
    cs.pin(ids)
    for cid in ids:
        cs.update(cid, title="Boss", temperature=None)
        cs.add_tags(cid, "Bulk tag")
    jid = cs.commit().change_set_id
    frame = store.contacts(ids)
    assert set(frame["position"]) == {"Boss"} and frame["temperature"].isna().all()
    assert set(frame["tags"]) == {"Bulk tag"} and set(frame["version"]) == {2}
    with store.db.read() as tx:
        assert tx.scalar("SELECT count(DISTINCT e164) FROM contact_info") == 40
    store.undo(jid)
    frame = store.contacts(ids)
    assert frame["position"].isna().all() and set(frame["temperature"]) == {"Warm"}
    assert frame["tags"].isna().all() and set(frame["version"]) == {3}


def test_an_unknown_info_type_is_a_crmdata_error() -> None:
    from crmdata.edit.changeset import info_type_of
    from crmdata.errors import CrmDataError
    from crmdata.model import InfoType

    assert info_type_of("Web site") is InfoType.WEBSITE
    assert info_type_of(int(InfoType.EMAIL)) is InfoType.EMAIL
    for bad in ("fax", 999):
        with pytest.raises(CrmDataError, match="is not a contact info type"):
            info_type_of(bad)
