"""clean(): fixable findings as one change set; dry run changes nothing, commit fixes, undo restores."""

from __future__ import annotations

import pytest

from crmdata import Store
from crmdata.errors import Conflict
from crmdata.model import ShareType
from crmdata.quality.clean import CleanupChangeSet, before_after, plan

from ..builders import company, person, snapshot
from .helpers import sql

pytestmark = pytest.mark.slow  # real stores, several commits each: 5-10 s per test here

FIXABLE = ["email_format", "phone_format", "name_case", "whitespace", "primary_several", "primary_none",
           "info_duplicate"]


def _messy(store: Store) -> dict[str, int]:
    """One contact per fixable problem, plus a clean one and an unfixable one."""
    ids = {
        "caps": person(store, "LUDWIG", "VAN BEETHOVEN", emails=("Ludwig@Example.com",)),
        "phone": person(store, "Phone", "Person", phones=("030 1234567",), country="Germany"),
        "uk": person(store, "Uk", "Person", phones=("07400 330829",), country="United Kingdom"),
        "dups": person(store, "Dup", "Person", emails=("dup@example.com", "DUP@example.com")),
        "prims": person(store, "Prim", "Person", emails=("p1@example.com", "p2@example.com"),
                        phones=("+49 30 1111111", "+49 30 2222222")),
        "spaces": person(store, "Space", "Person", country="Germany"),
        "company": company(store, "acme logistik gmbh"),
        "fine": person(store, "Fine", "Person", emails=("fine@example.com",)),
        "bad": person(store, "Bad", "Email", emails=("bad@example.com",)),
    }
    sql(store, "UPDATE contact_info SET is_primary = TRUE WHERE contact_id = ? AND info_type = 1",
        [ids["prims"]])
    sql(store, "UPDATE contact_info SET is_primary = FALSE WHERE contact_id = ? AND info_type = 0",
        [ids["prims"]])
    sql(store, "UPDATE contacts SET first_name = ' Space ', last_name = 'Person  Two' WHERE id = ?",
        [ids["spaces"]])
    sql(store, "UPDATE contact_info SET city = ' Bad  Homburg' WHERE contact_id = ?", [ids["spaces"]])
    sql(store, "UPDATE contact_info SET data = 'Bad@@example.com' WHERE contact_id = ?", [ids["bad"]])
    return ids


def test_dry_run_changes_nothing(store: Store) -> None:
    ids = _messy(store)
    before = snapshot(store)
    cs = store.clean()
    assert isinstance(cs, CleanupChangeSet) and len(cs) > 0
    preview = cs.preview()
    assert preview.ok
    table = preview.frame()
    assert {"field", "before", "after"} <= set(table.columns)
    rows = {(r.contact_id, r.field): (r.before, r.after) for r in table.itertuples()}
    assert rows[(ids["caps"], "first_name")] == ("LUDWIG", "Ludwig")
    assert rows[(ids["caps"], "last_name")] == ("VAN BEETHOVEN", "van Beethoven")
    names = before_after(preview).set_index(["contact_id", "field"])["name"]
    assert names[(ids["caps"], "first_name")] == "LUDWIG VAN BEETHOVEN"  # named, not "contact 3"
    assert snapshot(store) == before


def test_clean_fixes_then_undo_restores_exactly(store: Store) -> None:
    ids = _messy(store)
    before = snapshot(store)
    found_before = store.check(FIXABLE)
    assert set(found_before["rule"]) == set(FIXABLE)
    result = store.clean().commit()
    assert result.status == "committed"
    assert sorted(result.updated) == sorted(v for k, v in ids.items() if k not in ("fine", "bad"))
    assert store.check(FIXABLE).empty
    left = store.check()
    assert set(left["rule"]) <= {"email_invalid", "unreachable", "company_empty", "stale"}
    lv = store.contact(ids["caps"])
    assert (lv.fields["first_name"], lv.fields["last_name"]) == ("Ludwig", "van Beethoven")
    assert lv.info["data"].tolist() == ["ludwig@example.com"]
    assert store.contact(ids["uk"]).info.query("info_type == 0")["data"].tolist() == ["+44 7400 330829"]
    assert store.contact(ids["company"]).fields["company_name"] == "Acme Logistik GmbH"
    assert len(store.contact(ids["dups"]).info) == 1
    prim = store.contact(ids["prims"]).info
    assert prim.groupby("info_type")["is_primary"].sum().tolist() == [1, 1]
    sp = store.contact(ids["spaces"])
    assert (sp.fields["first_name"], sp.fields["last_name"]) == ("Space", "Person Two")
    assert sp.info["city"].tolist() == ["Bad Homburg"]
    assert len(result.change_set_ids) == 1  # fewer contacts than one chunk: one journal entry

    store.undo(result.change_set_ids)
    after = snapshot(store)
    for table in ("contact_info", "contact_tags", "custom_values", "contact_managers", "tags"):
        assert after[table] == before[table], table
    # contacts come back field for field; an undo gives them a new version (edit.undo's rule)
    def fields(rows: list[tuple]) -> list[tuple]:
        return [r[:14] for r in rows]  # every column before share_type/created/updated/version
    assert fields(after["contacts"]) == fields(before["contacts"])
    assert set(store.check(FIXABLE)["rule"]) == set(FIXABLE)


def test_nothing_to_fix(store: Store) -> None:
    person(store, "Fine", "Person", emails=("fine@example.com",))
    cs = store.clean()
    assert len(cs) == 0 and cs.fixes.empty
    assert cs.commit().status == "nothing to do"


def test_rules_choose_the_fixes(store: Store) -> None:
    ids = _messy(store)
    cs = store.clean("name_case")
    assert set(cs.fixes["rule"]) == {"name_case"}
    cs.commit()
    assert store.check("name_case").empty
    assert not store.check("email_format").empty
    assert store.contact(ids["caps"]).info["data"].tolist() == ["Ludwig@Example.com"]


def test_changed_since_check_conflicts_and_writes_nothing(store: Store) -> None:
    cid = person(store, "LORE", "HAMANN")
    findings = store.check("name_case")
    cs = store.change()
    cs.update(cid, title="Buyer")
    cs.commit()
    before = snapshot(store)
    with pytest.raises(Conflict):
        store.clean(findings=findings).commit()
    assert snapshot(store) == before


def test_read_only_contacts_are_skipped(store: Store) -> None:
    store.add_user("eve")
    ro = person(store, "READONLY", "PERSON")
    rw = person(store, "OPEN", "PERSON")
    cs = store.change()
    cs.set_access(ro, ShareType.READ)
    cs.commit()
    eve = store.as_user("eve")
    clean = eve.clean()
    assert set(clean.fixes["contact_id"]) == {rw}
    assert set(clean.skipped["contact_id"]) == {ro}
    assert "not edit" in clean.skipped["reason"].iloc[0]
    clean.commit()
    assert store.contact(ro).fields["first_name"] == "READONLY"
    assert store.contact(rw).fields["first_name"] == "Open"


def test_plan_skips_values_the_editor_would_refuse(store: Store) -> None:
    cid = person(store, "Sky", "Person")
    cs = store.change()
    cs.add_info(cid, "skype", "sky.person")
    cs.commit()
    sql(store, "UPDATE contact_info SET data = 'sky  person' WHERE contact_id = ?", [cid])
    fixes, skipped = plan(store.check("whitespace"))
    assert fixes.empty
    assert skipped["reason"].str.contains("would be refused").all()


def test_chunks_commit_as_one_and_undo_together(store: Store) -> None:
    ids = [person(store, f"NAME{i}", "PERSON") for i in range(5)]
    before = snapshot(store)
    cs = store.clean("name_case", chunk=2)
    assert len(cs.change_sets) == 3 and len(cs) == 5
    assert len(cs.preview().changes) == 10
    result = cs.commit()
    assert len(result.change_set_ids) == 3 and sorted(result.updated) == ids
    assert store.check("name_case").empty
    store.undo(result.change_set_ids)
    assert snapshot(store)["contact_info"] == before["contact_info"]
    assert [store.contact(i).fields["first_name"] for i in ids] == [f"NAME{i}" for i in range(5)]


def test_a_failing_chunk_writes_nothing_at_all(store: Store) -> None:
    ids = [person(store, f"NAME{i}", "PERSON") for i in range(4)]
    cs = store.clean("name_case", chunk=2)
    edit = store.change()
    edit.update(ids[-1], title="Buyer")  # changed after the check: the last chunk conflicts
    edit.commit()
    before = snapshot(store)
    with pytest.raises(Conflict):
        cs.commit()
    assert snapshot(store) == before
