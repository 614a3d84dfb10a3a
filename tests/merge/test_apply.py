"""Merging on real store files: cascades, primaries, unions, re-pointing, undo, conflicts, access."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import pytest
from PIL import Image

from crmdata import AccessDenied, Conflict, NotFound, Store
from crmdata.edit import ExactKeyChecker
from crmdata.merge.plan import MergeRefused
from crmdata.model import ShareType
from crmdata.search.index import LIVE_TOKENS

from .. import builders

#: Building test contacts needs no fuzzy duplicate check (it only warns; they are saved anyway).
QUICK = ExactKeyChecker()

NOW = datetime(2026, 1, 1)


def person(store: Store, first: str, last: str = "Doe", **kwargs: Any) -> int:
    return builders.person(store, first, last, checker=QUICK, **kwargs)


def company(store: Store, name: str, **fields: Any) -> int:
    return builders.company(store, name, checker=QUICK, **fields)


def png(color: tuple[int, int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (30, 20), color).save(buf, "PNG")
    return buf.getvalue()


def snapshot(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows but the logs' (the journal, and the search index's log of changed
    contacts, which an undo extends as every write does); contacts without the columns a write
    always bumps."""
    return builders.snapshot(store, None, drop={"contacts": ("version", "updated_by", "updated_at")},
                             skip=("journal", "journal_rows", "search_changes"))


def add_custom_field(store: Store, fid: int, label: str) -> None:
    with store.db.transaction() as tx:
        tx.execute("INSERT INTO custom_fields VALUES (?, ?, 0, 0, ?, NULL)", [fid, label, fid])


@pytest.fixture
def cluster(store: Store) -> dict[str, int]:
    """Three copies of one person with overlapping data, deals, history and photos."""
    add_custom_field(store, 1, "Size")
    add_custom_field(store, 2, "Shoe")
    a = person(store, "Jane", emails=("jane@x.de", "j.doe@y.de", "jane.doe@work.de"),
               phones=("030 1234567", "030 7654321"), tags=("VIP", "Partner"), custom={"Size": "L"},
               title="CEO")
    b = person(store, "Jane", emails=("JANE@x.de",), phones=("0171 555000",), tags=("VIP", "Lead"),
               custom={"Size": "M", "Shoe": "42"}, notes="from the fair")
    c = person(store, "Jane", "Doe", emails=("jd@z.de",), industry="Retail")
    other = person(store, "Someone", "Else", emails=("else@x.de",))
    with store.db.transaction() as tx:
        tx.execute("INSERT INTO deals VALUES (1, 'Deal A', ?, 'open', 10, 'EUR', 1, ?)", [a, NOW])
        tx.execute("INSERT INTO deals VALUES (2, 'Deal B', ?, 'won', 20.5, 'EUR', 1, ?)", [b, NOW])
        tx.execute("INSERT INTO deals VALUES (3, 'Deal X', ?, 'open', 5, 'EUR', 1, ?)", [other, NOW])
        tx.execute("INSERT INTO deal_participants VALUES (3, ?), (3, ?), (3, ?), (1, ?)", [a, b, c, c])
        tx.execute("INSERT INTO history_events VALUES (1, ?, 2, 'Call', 'called', ?, 1), "
                   "(2, ?, NULL, 'Note', 'noted', ?, 1)", [b, NOW, c, NOW])
    store.set_photo(b, png((200, 0, 0)))
    store.set_photo(c, png((0, 0, 200)))
    return {"a": a, "b": b, "c": c, "other": other}


def test_merge_cascades_everything_onto_the_survivor(store: Store, cluster: dict[str, int]) -> None:
    a, b, c, other = cluster["a"], cluster["b"], cluster["c"], cluster["other"]
    plan = store.plan_merge([a, b, c])
    assert plan.survivor_id == a and set(plan.removed_ids) == {b, c}
    result = store.merge(plan)
    assert result.survivor_id == a and set(result.removed_ids) == {b, c}
    for gone in (b, c):
        with pytest.raises(NotFound):
            store.contact(gone)
    d = store.contact(a)
    assert d.fields["title"] == "CEO" and d.fields["notes"] == "from the fair"
    assert d.fields["industry"] == "Retail"
    emails = d.info[d.info["info_type"] == 1]
    assert sorted(emails["data"]) == ["j.doe@y.de", "jane.doe@work.de", "jane@x.de", "jd@z.de"]
    for t in (0, 1):
        assert int(d.info[d.info["info_type"] == t]["is_primary"].sum()) == 1
    assert emails[emails["is_primary"]]["data"].iloc[0] == "jane@x.de"
    assert sorted(d.tags) == ["Lead", "Partner", "VIP"]
    assert d.custom == {"Size": "L", "Shoe": "42"}
    assert d.has_photo
    with store.db.read() as tx:
        assert tx.rows("SELECT id, contact_id FROM deals ORDER BY id") == [(1, a), (2, a), (3, other)]
        assert tx.rows("SELECT deal_id, contact_id FROM deal_participants ORDER BY ALL") == [(1, a), (3, a)]
        assert tx.rows("SELECT id, contact_id FROM history_events ORDER BY id") == [(1, a), (2, a)]
        assert tx.scalar("SELECT count(*) FROM photos") == 1
        assert tx.scalar("SELECT count(*) FROM contact_info WHERE contact_id IN (?, ?)", [b, c]) == 0
        action = tx.one("SELECT action, summary FROM journal WHERE id = ?", [result.change_set_id])
    assert action is not None and action[0] == "merge" and f"into {a}" in action[1]
    assert result.counts["deals re-pointed"] == 1 and result.counts["history events re-pointed"] == 2
    assert result.counts["duplicate info rows dropped"] == 1 and result.counts["photo taken over"] == 1
    with store.db.read() as tx:  # derived search data follows the merge
        indexed = {r[0] for r in tx.rows(f"SELECT DISTINCT contact_id FROM {LIVE_TOKENS} AS s")}
    assert a in indexed and not indexed & {b, c}


def test_photo_of_a_merged_contact_is_taken_when_the_survivor_has_none(
        store: Store, cluster: dict[str, int]) -> None:
    a, b, c = cluster["a"], cluster["b"], cluster["c"]
    plan = store.plan_merge([a, b, c])
    assert plan.field("photo").conflict
    with store.db.read() as tx:
        source = plan.field("photo").source_contact_id
        wanted = tx.scalar("SELECT image FROM photos WHERE contact_id = ?", [source])
    store.merge(plan)
    with store.db.read() as tx:
        assert tx.scalar("SELECT image FROM photos WHERE contact_id = ?", [a]) == wanted


def test_merge_then_undo_restores_every_table_exactly(store: Store, cluster: dict[str, int]) -> None:
    ids = [cluster["a"], cluster["b"], cluster["c"]]
    before = snapshot(store)
    plan = store.plan_merge(ids).choose("photo", cluster["c"]).choose("notes", cluster["b"])
    result = store.merge(plan)
    assert snapshot(store) != before
    undo_id, = store.undo(result.change_set_id)
    assert snapshot(store) == before
    with store.db.read() as tx:
        assert tx.one("SELECT undone_by FROM journal WHERE id = ?", [result.change_set_id]) == (undo_id,)
    # the undo's own entry can be undone: the merge is back
    store.undo(undo_id)
    with pytest.raises(NotFound):
        store.contact(cluster["b"])


def test_undo_refuses_after_a_later_change(store: Store, cluster: dict[str, int]) -> None:
    a, b = cluster["a"], cluster["b"]
    result = store.merge(store.plan_merge([a, b]))
    cs = store.change(checker=QUICK)
    cs.update(a, title="Boss")
    cs.commit(on_duplicate="save")
    with pytest.raises(Conflict, match="changed since"):
        store.undo(result.change_set_id)


def test_a_removed_id_is_never_given_to_a_new_contact(store: Store) -> None:
    a = person(store, "Jane", emails=("a@x.de",), title="CEO")
    b = person(store, "Jane")
    result = store.merge(store.plan_merge([a, b]))
    assert result.removed_ids == (b,)
    newcomer = person(store, "Newcomer")  # b was the largest id; it is not handed out again
    assert newcomer > b
    store.undo(result.change_set_id)
    assert store.contact(b).fields["first_name"] == "Jane"
    assert store.contact(newcomer).fields["first_name"] == "Newcomer"


def test_choices_override_the_rule(store: Store, cluster: dict[str, int]) -> None:
    a, b = cluster["a"], cluster["b"]
    plan = store.plan_merge([a, b], survivor=b, keep={"title": a, "custom:Size": a})
    assert plan.survivor_id == b
    store.merge(plan.choose("primary_phone", a))
    d = store.contact(b)
    assert d.fields["title"] == "CEO" and d.custom["Size"] == "L"
    phones = d.info[d.info["info_type"] == 0]
    assert phones[phones["is_primary"]]["data"].iloc[0] == "030 1234567"


def test_company_merge_moves_persons(store: Store) -> None:
    acme = company(store, "Acme")
    acme2 = company(store, "ACME GmbH", industry="Tools")
    p1 = person(store, "Ann", company=acme)
    p2 = person(store, "Ben", company=acme2)
    before = snapshot(store)
    plan = store.plan_merge([acme, acme2], survivor=acme)
    assert plan.field("company_name").conflict and plan.field("industry").value == "Tools"
    result = store.merge(plan)
    assert result.counts["persons moved"] == 1
    assert store.contact(p2).fields["company_id"] == acme
    assert sorted(store.contact(acme).persons["id"]) == sorted([p1, p2])
    store.undo(result.change_set_id)
    assert snapshot(store) == before


def test_mixed_kinds_are_refused(store: Store) -> None:
    with pytest.raises(MergeRefused, match="cannot be merged with companies"):
        store.plan_merge([person(store, "Ann"), company(store, "Acme")])


def test_stale_plan_conflicts_and_changes_nothing(store: Store, cluster: dict[str, int]) -> None:
    a, b = cluster["a"], cluster["b"]
    plan = store.plan_merge([a, b])
    cs = store.change(checker=QUICK)
    cs.update(b, notes="edited meanwhile")
    cs.commit(on_duplicate="save")
    before = snapshot(store)
    with pytest.raises(Conflict, match=f"contact {b} .* changed after you read it"):
        store.merge(plan)
    assert snapshot(store) == before
    with pytest.raises(Conflict, match="version 1"):
        store.merge(store.plan_merge([a, b]), expected_versions={a: 1, b: 1})
    # a row changed without a version bump is caught too
    with store.db.transaction() as tx:
        tx.execute("UPDATE contact_info SET data = 'x@x.de' WHERE contact_id = ? AND info_type = 1", [b])
    with pytest.raises(Conflict, match="after the plan was made"):
        store.merge(plan.choose("notes", a), expected_versions=store.plan_merge([a, b]).versions)
    assert store.contact(b)


def test_access_restricted_contacts_never_appear(store: Store) -> None:
    store.add_user("bob")
    store.add_user("eve")
    mine = person(store, "Jane", emails=("jane@x.de",))
    hidden = person(store, "Jane", emails=("jane@x.de",), share_type=ShareType.NONE, managers=["eve"])
    readonly = person(store, "Jane", share_type=ShareType.READ, managers=["eve"])
    bob = store.as_user("bob")
    missing = 10_000
    with pytest.raises(NotFound) as hidden_err:
        bob.plan_merge([mine, hidden])
    with pytest.raises(NotFound) as missing_err:
        bob.plan_merge([mine, missing])
    said = str(hidden_err.value).replace(str(hidden), "N")
    assert said == str(missing_err.value).replace(str(missing), "N")
    with pytest.raises(AccessDenied, match="may view but not edit"):
        bob.plan_merge([mine, readonly])
    # a plan made by someone allowed cannot be applied by someone who is not
    plan = store.plan_merge([mine, hidden])
    before = snapshot(store)
    with pytest.raises(NotFound, match=f"no contact {hidden}"):
        bob.merge(plan)
    assert snapshot(store) == before
    eve = store.as_user("eve")
    assert eve.merge(eve.plan_merge([mine, hidden])).survivor_id in (mine, hidden)


def test_access_follows_the_chosen_contact(store: Store) -> None:
    store.add_user("eve")
    a = person(store, "Jane", emails=("a@x.de",), title="x")
    b = person(store, "Jane", share_type=ShareType.NONE, managers=["eve", "admin"])
    plan = store.plan_merge([a, b])
    assert plan.survivor_id == a and plan.field("access").conflict
    store.merge(plan.choose("access", b))
    d = store.contact(a)
    assert d.fields["share_type"] == ShareType.NONE and d.managers == ["admin", "eve"]


@pytest.mark.slow
def test_large_cluster(store: Store) -> None:
    ids = [person(store, "Jane", emails=(f"j{i % 5}@x.de",), phones=(f"030 55{i:04d}",)) for i in range(12)]
    result = store.merge(store.plan_merge(ids))
    d = store.contact(result.survivor_id)
    assert len(d.info[d.info["info_type"] == 1]) == 5 and len(d.info[d.info["info_type"] == 0]) == 12
    assert store.count() == 1


def test_choosing_another_photo_replaces_the_survivors_and_undo_puts_both_back(store: Store) -> None:
    a = person(store, "Jane", emails=("a@x.de",), title="CEO")
    b = person(store, "Jane")
    store.set_photo(a, png((10, 200, 10)))
    store.set_photo(b, png((200, 10, 10)))
    with store.db.read() as tx:
        images = dict(tx.rows("SELECT contact_id, image FROM photos"))
    before = snapshot(store)
    plan = store.plan_merge([a, b])
    assert plan.survivor_id == a and plan.field("photo").source_contact_id == a
    result = store.merge(plan.choose("photo", b))
    with store.db.read() as tx:
        assert tx.rows("SELECT contact_id, image FROM photos") == [(a, images[b])]
    store.undo(result.change_set_id)
    assert snapshot(store) == before
    none = store.merge(store.plan_merge([a, b]).choose("photo", b).choose("photo", a))
    assert none.counts["photo taken over"] == 0


def test_overlapping_plans_second_one_is_refused(store: Store) -> None:
    a = person(store, "Jane", emails=("a@x.de",), title="CEO", notes="n")
    b = person(store, "Jane", emails=("b@x.de",))
    c = person(store, "Jane", emails=("c@x.de",))
    first, second = store.plan_merge([a, b]), store.plan_merge([b, c])
    store.merge(first)
    before = snapshot(store)
    with pytest.raises(NotFound, match=f"There is no contact {b}; nothing was merged"):
        store.merge(second)
    assert snapshot(store) == before


def test_review_decisions_follow_the_survivor_and_undo_restores_them(store: Store) -> None:
    a = person(store, "Jane", emails=("a@x.de",), title="CEO")
    b = person(store, "Jane", emails=("b@x.de",))
    c = person(store, "Jane", emails=("c@x.de",))
    store.decide(a, b, "duplicate")
    store.decide(b, c, "not_duplicate")
    before = snapshot(store)
    result = store.merge(store.plan_merge([a, b]))
    assert result.counts["duplicate review decisions re-pointed"] == 2
    with store.db.read() as tx:
        assert tx.rows("SELECT id1, id2, decision FROM dedupe_decisions") == [(a, c, "not_duplicate")]
    store.undo(result.change_set_id)
    assert snapshot(store) == before


def test_decisions_after_is_pure_and_prefers_standing_decisions() -> None:
    from crmdata.merge.apply import decisions_after

    def row(i: int, j: int, d: str) -> dict[str, Any]:
        return {"id1": i, "id2": j, "decision": d, "decided_by": 1, "decided_at": "2026-01-01 00:00:00"}

    pairs = [(1, 2, "duplicate"), (2, 5, "duplicate"), (3, 5, "duplicate"), (1, 5, "duplicate"),
             (4, 9, "not_duplicate"), (3, 4, "duplicate"), (2, 4, "not_duplicate")]
    rows = {(i, j): row(i, j, d) for i, j, d in pairs}
    out = decisions_after(rows, {2, 3}, 1)
    assert out == {(1, 5): row(1, 5, "duplicate"), (4, 9): row(4, 9, "not_duplicate"),
                   (1, 4): row(1, 4, "not_duplicate")}


def test_company_merge_moves_hidden_persons_without_revealing_them(store: Store) -> None:
    store.add_user("bob")
    store.add_user("eve")
    acme = company(store, "Acme", industry="Tools")
    acme2 = company(store, "ACME")
    seen = person(store, "Ann", company=acme2)
    hidden = person(store, "Hid", company=acme2, share_type=ShareType.NONE, managers=["eve"])
    bob = store.as_user("bob")
    plan = bob.plan_merge([acme, acme2])
    assert plan.survivor_id == acme and "1 person(s) moved" in plan.summary()
    result = bob.merge(plan)
    assert result.counts["persons moved"] == 1
    assert store.contact(seen).fields["company_id"] == acme
    assert store.contact(hidden).fields["company_id"] == acme  # nobody is left pointing at a removed company
