"""Journal, history and undo on real store files."""

from __future__ import annotations

import pytest

from crmdata import Conflict, NotFound, Store
from crmdata.model import ShareType

from ..builders import person, row_counts


def _snapshot(store: Store, cid: int) -> tuple[object, ...]:
    d = store.contact(cid)
    fields = {k: v for k, v in d.fields.items() if k not in ("version", "updated_at", "updated_by")}
    return (fields, d.info.to_dict("records"), d.tags, d.custom, d.managers)


def test_history_lists_every_field_before_and_after(store: Store) -> None:
    cid = person(store, email="a@example.com")
    cs = store.change()
    cs.update(cid, title="CEO")
    cs.add_tags(cid, "Brand new tag")
    jid = cs.commit().change_set_id
    h = store.history(cid)
    mine = h[h["change_set_id"] == jid].set_index("field")
    assert mine.loc["title", "before"] is None and mine.loc["title", "after"] == "CEO"
    assert mine.loc["tag", "after"] == "Brand new tag"
    assert set(mine["user"]) == {"admin"}
    created = h[h["change_set_id"] < jid]
    assert "a@example.com" in set(created["after"])


def test_history_names_fields_and_codes_as_the_form_does(store: Store) -> None:
    cid = person(store, email="a@example.com")
    email = int(store.contact(cid).info.query("info_type == 1")["id"].iloc[0])
    cs = store.change()
    cs.update(cid, title="CEO", temperature="Hot")
    cs.change_info(cid, email, "b@example.com")
    cs.add_info(cid, "phone", "+49 30 1234567", category="Mobile")
    cs.set_access(cid, ShareType.READ, ["admin"])
    jid = cs.commit().change_set_id
    h = store.history(cid)
    mine = h[h["change_set_id"] == jid]
    what = dict(zip(mine["field"] + "/" + mine["table"], mine["what"], strict=True))
    assert what["title/contacts"] == "position"
    assert what["status_id/contacts"] == "temperature"
    assert what["share_type/contacts"] == "access"
    rows = mine.set_index("what")
    assert rows.loc["email (work)", "after"] == "b@example.com"
    assert rows.loc["phone (mobile)", "after"] == "+49 30 1234567"
    assert rows.loc["temperature", "after"] == "Hot"
    assert rows.loc["access", "after"] == "public (read only)"


def test_undo_restores_exactly_and_is_journalled(store: Store) -> None:
    store.add_user("bob")
    cid = person(store, email="a@example.com", phone="030 1234567")
    before = _snapshot(store, cid)
    counts = row_counts(store)
    email = int(store.contact(cid).info.query("info_type == 1")["id"].iloc[0])
    cs = store.change()
    cs.update(cid, first_name="Lora", temperature="Hot")
    cs.change_info(cid, email, "b@example.com")
    cs.add_info(cid, "email", "c@example.com", primary=True)
    cs.add_tags(cid, "Fresh tag")
    cs.set_access(cid, ShareType.READ, ["bob"])
    jid = cs.commit().change_set_id
    assert _snapshot(store, cid) != before
    version = store.contact(cid).fields["version"]
    undo_id, = store.undo(jid)
    assert _snapshot(store, cid) == before
    assert store.contact(cid).fields["version"] == version + 1  # stale reads still conflict
    after = row_counts(store)
    assert after["tags"] == counts["tags"]  # the tag the change set created is gone again
    assert after["journal"] == counts["journal"] + 2
    with store.db.read() as tx:
        assert tx.one("SELECT undone_by FROM journal WHERE id = ?", [jid]) == (undo_id,)
        assert tx.one("SELECT undoes FROM journal WHERE id = ?", [undo_id]) == (jid,)
    with pytest.raises(Conflict, match="already undone"):
        store.undo(jid)
    store.undo(undo_id)  # an undo can be undone
    assert store.contact(cid).fields["first_name"] == "Lora"


def test_undo_of_a_create_removes_the_contact(store: Store) -> None:
    counts = row_counts(store)
    cs = store.change()
    ref = cs.create_person("Temp")
    cs.add_info(ref, "email", "t@example.com")
    result = cs.commit()
    store.undo(result.change_set_id)
    with pytest.raises(NotFound):
        store.contact(result.created[ref])
    now = row_counts(store)
    assert {k: now[k] for k in ("contacts", "contact_info")} == {"contacts": counts["contacts"],
                                                                "contact_info": counts["contact_info"]}


def test_undo_conflicts_when_changed_since(store: Store) -> None:
    cid = person(store)
    cs = store.change()
    cs.update(cid, title="A")
    jid = cs.commit().change_set_id
    cs = store.change()
    cs.update(cid, notes="later")
    cs.commit()
    counts = row_counts(store)
    with pytest.raises(Conflict, match=rf"contact {cid} \(contact\) changed since; nothing was reverted"):
        store.undo(jid)
    assert row_counts(store) == counts
    assert store.contact(cid).fields["title"] == "A"


def test_undo_of_unknown_or_invisible_change_set(store: Store) -> None:
    store.add_user("mia")
    store.add_user("olaf")
    cid = person(store, share_type=int(ShareType.NONE), managers=["mia"])
    cs = store.change()
    cs.update(cid, title="x")
    jid = cs.commit().change_set_id
    with pytest.raises(NotFound, match=f"There is no change set {jid}."):
        store.as_user("olaf").undo(jid)
    with pytest.raises(NotFound, match="There is no change set 999."):
        store.undo(999)


def test_check_undo_is_a_dry_run(store: Store) -> None:
    from crmdata.edit import check_undo

    cid = person(store)
    cs = store.change()
    cs.update(cid, title="A")
    jid = cs.commit().change_set_id
    counts = row_counts(store)
    assert check_undo(store.db, store.user, jid) == 1
    assert row_counts(store) == counts and store.contact(cid).fields["title"] == "A"
    store.undo(jid)
    with pytest.raises(Conflict, match="already undone"):
        check_undo(store.db, store.user, jid)
