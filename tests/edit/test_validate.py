"""Pure validators (literal values) and one change set that reports every problem at once."""

from __future__ import annotations

from datetime import date

import pytest

from crmdata import Store, ValidationFailed
from crmdata.edit import validate as v
from crmdata.model import CustomFieldType, InfoType

from ..builders import person, row_counts


@pytest.mark.parametrize("value,ok", [
    ("lore.hamann@gmail.com", True), ("a.b+c@sub.example.org", True),
    ("no-at-sign", False), ("a@b", False), ("two@@example.com", False), ("x" * 96 + "@a.de", False),
])
def test_email(value: str, ok: bool) -> None:
    key, problem = v.normalise_email(value)
    assert (problem is None) == ok
    if ok:
        assert key == value.lower()


@pytest.mark.parametrize("value,region,e164", [
    ("030 1234567", "DE", "+49301234567"), ("+49 (30) 123-4567", "US", "+49301234567"),
    ("(415) 555-2671", "US", "+14155552671"), ("no digits", "US", None), ("+1 12", "DE", None),
])
def test_phone(value: str, region: str, e164: str | None) -> None:
    key, problem = v.normalise_phone(value, region)
    assert key == e164
    assert (problem is None) == (e164 is not None)


@pytest.mark.parametrize("t,value,ok", [
    (InfoType.WEBSITE, "https://example.com/about", True), (InfoType.WEBSITE, "www.example.de", True),
    (InfoType.WEBSITE, "ftp://example.com", False), (InfoType.WEBSITE, "not a url", False),
    (InfoType.WEBSITE, "http://nodot", False),
    (InfoType.TWITTER, "@lore_h", True), (InfoType.TWITTER, "https://x.com/lore_h", True),
    (InfoType.TWITTER, "this handle is far too long", False),
    (InfoType.SKYPE, "live:lore.h", True), (InfoType.SKYPE, "a b", False),
    (InfoType.ICQ, "1234567", True), (InfoType.ICQ, "abc", False),
    (InfoType.LINKEDIN, "https://www.linkedin.com/in/lore", True),
    (InfoType.JABBER, "lore@jabber.org", True), (InfoType.JABBER, "lore", False),
])
def test_info_values(t: InfoType, value: str, ok: bool) -> None:
    _key, problems = v.check_info_value(t, value)
    assert (not problems) == ok, problems


def test_custom_values() -> None:
    assert v.normalise_custom(CustomFieldType.DATE, None, date(2020, 1, 31)) == ("2020-01-31", [])
    assert v.normalise_custom(CustomFieldType.DATE, None, "31.01.2020")[1]
    assert v.normalise_custom(CustomFieldType.CHECKBOX, None, "TRUE") == ("true", [])
    assert v.normalise_custom(CustomFieldType.CHECKBOX, None, "yes")[1]
    assert v.normalise_custom(CustomFieldType.SELECT, '["S","M"]', "M") == ("M", [])
    assert v.normalise_custom(CustomFieldType.SELECT, '["S","M"]', "XL")[1]
    assert v.normalise_custom(CustomFieldType.HEADING, None, "x")[1]
    assert v.normalise_custom(CustomFieldType.TEXT, '{"size": 40}', "a\nb")[1]
    assert v.normalise_custom(CustomFieldType.TEXTAREA, None, "a\nb") == ("a\nb", [])
    assert v.normalise_custom(CustomFieldType.TEXT, None, "  ") == (None, [])  # empty clears


def test_masks() -> None:
    assert v.check_mask(CustomFieldType.TEXT, {"size": 151})[1]
    assert v.check_mask(CustomFieldType.TEXTAREA, {"rows": 0, "cols": 200})[1] and len(
        v.check_mask(CustomFieldType.TEXTAREA, {"rows": 0, "cols": 200})[1]) == 2
    assert v.check_mask(CustomFieldType.SELECT, ["a", "a"])[1]
    assert v.check_mask(CustomFieldType.SELECT, ["a", "b"]) == ('["a", "b"]', [])


def test_every_problem_is_reported_at_once(store: Store) -> None:
    with store.db.transaction() as tx:
        tx.execute("INSERT INTO custom_fields VALUES (1, 'Founded', 5, 4, 1, NULL), "
                   "(2, 'Size', 2, 0, 2, '[\"S\", \"M\"]')")
    existing = person(store)
    before = row_counts(store)
    cs = store.change()
    ref = cs.create_person("   ", "x" * 300, temperature="Lukewarm", contact_type="Friend", currency="euro")
    cs.add_info(ref, "email", "not-an-email")
    cs.add_info(ref, "phone", "call me")
    cs.add_info(ref, "website", "not a url")
    cs.add_info(ref, "phone", "030 1234567", category="Pager")
    cs.add_info(ref, "address")
    cs.set_custom(ref, "Founded", "2020-01-01")  # a company-only field on a person
    cs.set_custom(ref, "Size", "XL")
    cs.set_custom(ref, "Nope", "1")
    cs.set_access(ref, managers=["ghost"])
    cs.link_company(ref, 999)
    cs.update(existing, first_name="")
    cs.delete_info(existing, 12345)
    with pytest.raises(ValidationFailed) as err:
        cs.commit()
    messages = [str(p) for p in err.value.problems]
    expected = ["first name is required", "last name is 300 characters", "no temperature level 'Lukewarm'",
                "no contact type 'Friend'", "not a 3-letter ISO code", "not a valid email", "'call me'",
                "not a web address", "category 'Pager'", "address is empty", "for companies only",
                "not one of the options", "no custom field 'Nope'", "no CRM user 'ghost'",
                "no company 999", "has no info row 12345"]
    for text in expected:
        assert any(text in m for m in messages), (text, messages)
    assert sum("first name is required" in m for m in messages) == 2  # new and existing
    assert any(p.contact_id == existing for p in err.value.problems)
    assert row_counts(store) == before
    assert cs.preview().problems  # the preview lists the same problems without raising


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("abc1", "it does not have the form of a phone number"),
        ("+999 1234", "the country code after + is not one in use"),
        ("1" * 30, "too many digits"),
    ],
)
def test_phone_problems_are_crmdatas_own_words(value: str, reason: str) -> None:
    _key, problem = v.normalise_phone(value, "DE")
    assert problem is not None
    assert problem.startswith(f"phone '{value}' is not a phone number: {reason}")
    assert "such as +49 30 123456, or as a number of region DE" in problem
    assert "(1)" not in problem and "The string supplied" not in problem  # not phonenumbers' wording
