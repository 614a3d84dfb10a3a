"""Merge plans on literal contacts: survivorship, per-field choices, info union, refusals."""

from __future__ import annotations

from typing import Any

import pytest

from crmdata.merge.plan import MergeRefused, info_key, plan_merge


def person(cid: int, first: str = "Jane", last: str | None = "Doe", **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"id": cid, "is_company": False, "first_name": first, "last_name": last,
                           "version": 1, "updated_at": "2024-01-01T00:00:00", "share_type": 1}
    row.update(extra)
    return row


def email(iid: int, data: str, primary: bool = False, category: int = 1) -> dict[str, Any]:
    return {"id": iid, "info_type": 1, "category": category, "data": data, "is_primary": primary,
            "email_key": data.strip().lower()}


def phone(iid: int, data: str, e164: str, primary: bool = False) -> dict[str, Any]:
    return {"id": iid, "info_type": 0, "category": 2, "data": data, "is_primary": primary, "e164": e164}


def test_most_complete_contact_survives_and_empty_fields_are_filled() -> None:
    a = person(1, title=None, notes="met at fair")
    b = person(2, title="CEO", notes="old note", industry="Retail", info=[email(10, "j@x.de", True)])
    plan = plan_merge([a, b])
    assert plan.survivor_id == 2 and plan.removed_ids == (1,)
    assert "most complete" in plan.survivor_why
    notes = plan.field("notes")
    assert (notes.value, notes.source_contact_id, notes.conflict) == ("old note", 2, True)
    assert notes.alternatives == ((2, "old note"), (1, "met at fair"))
    assert plan.field("title").value == "CEO" and not plan.field("title").conflict
    assert plan.field("last_name").conflict is False  # same value on both


def test_ties_go_to_the_most_recent_then_the_oldest_id() -> None:
    a = person(5, updated_at="2024-03-01T10:00:00")
    b = person(3, updated_at="2024-05-01T10:00:00")
    c = person(4, updated_at="2024-05-01T10:00:00")
    plan = plan_merge([a, b, c])
    assert plan.survivor_id == 3 and plan.removed_ids == (4, 5)
    assert "recently updated" not in plan.survivor_why or plan.survivor_why.startswith("it is as")
    assert plan_merge([person(9), person(7), person(8)]).survivor_id == 7
    assert "oldest" in plan_merge([person(9), person(7)]).survivor_why


def test_survivor_fills_from_next_in_rank_order() -> None:
    s = person(1, title="CTO", notes=None, info=[email(1, "a@x.de")], industry=None)
    second = person(2, notes="second's note", industry=None, updated_at="2024-06-01T00:00:00")
    third = person(3, notes="third's note")
    fourth = person(4, industry="Bakery")
    plan = plan_merge([fourth, third, second, s], survivor=1)
    assert plan.survivor_why == "you chose it"
    assert plan.removed_ids == (2, 3, 4)  # equally complete: most recent, then lowest id
    assert plan.field("notes").source_contact_id == 2
    assert "filled from contact 2" in plan.field("notes").why
    assert (plan.field("industry").value, plan.field("industry").source_contact_id) == ("Bakery", 4)
    assert plan.field("currency").value is None and plan.field("currency").why == "empty on every contact"


def test_choose_overrides_one_field_and_returns_a_new_plan() -> None:
    plan = plan_merge([person(1, notes="keep me", title="A"), person(2, notes="other", title="B")])
    assert plan.survivor_id == 1
    chosen = plan.choose("notes", 2)
    assert chosen.field("notes").value == "other" and "you chose" in chosen.field("notes").why
    assert plan.field("notes").value == "keep me"  # the original is unchanged (frozen)
    assert chosen.field("title").value == "A"
    assert chosen.overrides == (("notes", 2),)
    again = chosen.with_survivor(2)
    assert again.survivor_id == 2 and again.field("notes").value == "other"
    assert again.choose("title", 1).field("notes").value == "other"  # choices accumulate
    with pytest.raises(MergeRefused, match="no field 'nickname'"):
        plan.choose("nickname", 1)
    with pytest.raises(MergeRefused, match="not part of this merge"):
        plan.choose("notes", 99)
    with pytest.raises(MergeRefused, match="has no last name|no first name"):
        plan_merge([person(1), person(2, first="")], overrides={"first_name": 2})
    cleared = plan_merge([person(1, title="A"), person(2)]).choose("title", 2)
    assert cleared.field("title").value is None  # choosing an empty value clears the field


def test_info_rows_are_unioned_without_duplicates_with_one_primary_per_type() -> None:
    a = person(1, info=[email(11, "Jane@X.de", True), phone(12, "030 123", "+4930123", True)])
    b = person(2, info=[email(21, "jane@x.de ", True), email(22, "j.doe@y.de"),
                        phone(23, "+49 30 999", "+4930999", True), phone(24, "(030) 123", "+4930123")])
    plan = plan_merge([a, b], survivor=1)
    by_id = {o.info_id: o for o in plan.info}
    assert by_id[11].action == "keep" and by_id[11].is_primary
    assert by_id[21].action == "drop" and "info #11" in by_id[21].note
    assert by_id[24].action == "drop"
    assert by_id[22].action == "move" and not by_id[22].is_primary
    assert by_id[23].action == "move" and not by_id[23].is_primary and by_id[23].note == "(was primary)"
    for t in ("email", "phone"):
        assert sum(o.is_primary for o in plan.info if o.info_type == t) == 1
    prim_phone = plan.field("primary_phone")
    assert prim_phone.conflict and prim_phone.value == 12
    swapped = plan.choose("primary_phone", 2)
    assert {o.info_id for o in swapped.info if o.is_primary} == {11, 23}
    # a chosen primary that duplicates a kept row makes the kept row primary
    assert plan.field("primary_email").conflict is False
    with pytest.raises(MergeRefused, match="has no"):
        plan_merge([a, person(3, info=[phone(31, "1", "+1")])]).choose("primary_email", 3)


def test_primary_comes_from_another_contact_when_the_survivor_has_none_of_that_type() -> None:
    a = person(1, info=[email(11, "a@x.de", True), email(12, "b@x.de")], title="x", notes="y")
    b = person(2, info=[phone(21, "030 5", "+49305"), phone(22, "030 6", "+49306", True)])
    plan = plan_merge([a, b])
    assert plan.survivor_id == 1
    assert {o.info_id for o in plan.info if o.is_primary} == {11, 22}


def test_tags_custom_access_and_photo_choices() -> None:
    a = person(1, tags=[(1, "VIP")], custom=[{"field_id": 3, "label": "Size", "value": "L"}],
               share_type=0, managers=[(2, "bob")], photo="JPEG 200x150")
    b = person(2, tags=[(1, "VIP"), (4, "Lead")], photo="PNG 100x100",
               custom=[{"field_id": 3, "label": "Size", "value": "M"},
                       {"field_id": 5, "label": "Shoe", "value": "42"}])
    plan = plan_merge([a, b], survivor=1)
    assert plan.tags == ((4, "Lead"), (1, "VIP"))
    assert plan.field("custom:Size").value == "L" and plan.field("custom:Size").conflict
    assert plan.field("custom:shoe").value == "42"  # field names ignore case
    access = plan.field("access")
    assert access.value == (0, (2,)) and access.conflict and access.shown == "private; managers bob"
    assert plan.choose("access", 2).field("access").value == (1, ())
    photo = plan.field("photo")
    assert photo.value == "JPEG 200x150" and photo.conflict
    assert plan.choose("photo", 2).field("photo").source_contact_id == 2
    no_photo = plan_merge([person(1, notes="n", title="t"), person(2, photo="PNG 1x1")])
    assert no_photo.field("photo").source_contact_id == 2 and not no_photo.field("photo").conflict


def test_company_fields_and_labels() -> None:
    a = {"id": 1, "is_company": True, "company_name": "Acme", "status_id": 2,
         "labels": {"temperature": "Warm"}, "persons": 3}
    b = {"id": 2, "is_company": True, "company_name": "ACME ", "industry": "Tools", "persons": 2}
    plan = plan_merge([a, b])
    assert plan.is_company and plan.survivor_id == 1
    assert plan.field("company_name").conflict is False  # case and spaces do not count
    assert plan.field("temperature").shown == "Warm"
    names = {f.field for f in plan.fields}
    assert "first_name" not in names and "company_name" in names
    assert "1 conflict" not in plan.summary() and "2 person(s) moved" in plan.summary()
    table = plan.table()
    assert list(table.columns) == ["field", "value", "from_contact", "why", "conflict", "alternatives"]
    assert table.set_index("field").loc["industry", "from_contact"] == 2


def test_refusals() -> None:
    with pytest.raises(MergeRefused, match="at least two"):
        plan_merge([person(1)])
    with pytest.raises(MergeRefused, match="repeat"):
        plan_merge([person(1), person(1)])
    with pytest.raises(MergeRefused, match=r"Persons \(1\) cannot be merged with companies \(2\)"):
        plan_merge([person(1), {"id": 2, "is_company": True, "company_name": "Acme"}])
    with pytest.raises(MergeRefused, match="not part of this merge"):
        plan_merge([person(1), person(2)], survivor=3)


def test_clusters_of_any_size() -> None:
    records = [person(i, info=[email(100 + i, f"p{i % 7}@x.de")]) for i in range(1, 41)]
    plan = plan_merge(records)
    assert len(plan.removed_ids) == 39
    kept = [o for o in plan.info if o.action != "drop"]
    assert len(kept) == 7 and sum(o.is_primary for o in kept) == 1


def test_info_key_rules() -> None:
    assert info_key({"info_type": 0, "data": "(030) 12-3"}) == "030123"
    assert info_key({"info_type": 0, "data": "x", "e164": "+4930"}) == "+4930"
    assert info_key({"info_type": 2, "data": " Example.COM "}) == "example.com"
    address = {"info_type": 7, "data": "x", "city": "Berlin", "street": "Main St"}
    assert info_key(address) == "main st|berlin|||"


def test_legacy_rows_end_with_exactly_one_primary_per_type() -> None:
    two_primaries = person(1, title="t", info=[email(11, "a@x.de", True), email(12, "b@x.de", True)])
    no_primary = person(2, info=[phone(21, "030 1", "+49301"), phone(22, "030 2", "+49302")])
    plan = plan_merge([two_primaries, no_primary], survivor=1)
    primary = {o.info_id for o in plan.info if o.is_primary}
    assert primary == {11, 21}  # the survivor's first primary; the lowest row when none is marked
    assert {o.info_id: o.note for o in plan.info}[12] == "(was primary)"
