"""Every rule on literal contacts: a finding where there should be one, none where there should not."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from crmdata import Store
from crmdata.errors import CrmDataError
from crmdata.model import CustomFieldType, FieldScope, InfoType, ShareType
from crmdata.quality import RULES, check

from ..builders import company, person
from .helpers import FAR, add_field, findings, info_id, sql


def test_every_rule_is_tested_here() -> None:
    tested = {name[len("test_"):].split("__")[0] for name in globals() if name.startswith("test_")}
    assert {r.name for r in RULES} <= tested


def test_email_invalid(store: Store) -> None:
    bad = person(store, "Bad", emails=("bad@example.com",))
    person(store, "Good", emails=("good@example.com", "x.y+tag@sub.example.co.uk"))
    odd = person(store, "Odd", emails=("odd@example.com",))
    sql(store, "UPDATE contact_info SET data = 'bad@@example.com' WHERE contact_id = ?", [bad])
    sql(store, "UPDATE contact_info SET data = 'odd@host.test' WHERE contact_id = ?", [odd])
    f = findings(store, "email_invalid")
    assert sorted(f["contact_id"]) == [bad, odd]
    assert f["severity"].eq("error").all() and not f["fixable"].any()
    assert "not a valid email address" in f.loc[f["contact_id"] == bad, "message"].iloc[0]


def test_email_format(store: Store) -> None:
    upper = person(store, "Upper", emails=("Lore.Hamann@Example.com",))
    person(store, "Lower", emails=("lore@example.com",))
    spaced = person(store, "Spaced", emails=("spaced@example.com",))
    sql(store, "UPDATE contact_info SET data = ' spaced@example.com ' WHERE contact_id = ?", [spaced])
    f = findings(store, "email_format").set_index("contact_id")
    assert sorted(f.index) == [upper, spaced]
    assert f.loc[upper, "fix_value"] == "lore.hamann@example.com"
    assert f.loc[spaced, "fix_value"] == "spaced@example.com"


def test_phone_invalid__by_country(store: Store) -> None:
    de = person(store, "De", phones=("0179 27787338",), country="Deutschland")
    us = person(store, "Us", phones=("+49 179 27787338",), country="United States")
    sql(store, "UPDATE contact_info SET data = '0179 27787338', e164 = NULL WHERE contact_id = ? "
        "AND info_type = 0", [us])  # loaded from outside: a German mobile written nationally
    short = person(store, "Short", phones=("+49 30 1234567",))
    sql(store, "UPDATE contact_info SET data = '12', e164 = NULL WHERE contact_id = ? AND info_type = 0",
        [short])
    f = findings(store, "phone_invalid")
    assert sorted(f["contact_id"]) == [us, short]
    assert de not in set(f["contact_id"])
    assert "region US" in f.loc[f["contact_id"] == us, "message"].iloc[0]


def test_phone_format(store: Store) -> None:
    national = person(store, "National", phones=("030 1234567",))
    person(store, "Intl", phones=("+49 30 1234567",))
    uk = person(store, "Uk", phones=("07400 330829",), country="UK")
    f = findings(store, "phone_format").set_index("contact_id")
    assert sorted(f.index) == [national, uk]
    assert f.loc[uk, "fix_value"] == "+44 7400 330829" and f.loc[uk, "fixable"]
    # nothing names the national number's country: for review, with what DE would make of it
    assert pd.isna(f.loc[national, "fix_value"]) and not f.loc[national, "fixable"]
    assert "read for the default region DE it would be '+49 30 1234567'" in f.loc[national, "message"]


def test_phone_default_region_option(store: Store) -> None:
    cid = person(store, "Us", phones=("+1 415-271-3508",))
    sql(store, "UPDATE contact_info SET data = '(415) 271-3508', e164 = NULL WHERE contact_id = ?", [cid])
    f = findings(store, "phone_format", default_region="US")
    assert f["fix_value"].isna().all() and f["fixable"].tolist() == [False]
    assert "default region US it would be '+1 415-271-3508'" in f["message"].iloc[0]
    assert findings(store, "phone_invalid", default_region="US").empty
    with pytest.raises(CrmDataError, match="not a phone region"):
        store.check(default_region="XX")


def _us_company(store: Store, *, address: bool) -> int:
    cs = store.change()
    ref = cs.create_company("Boulder Instruments Inc")
    if address:
        cs.add_info(ref, "address", None, city="Boulder", country="United States")
    return cs.commit(on_duplicate="save").created[ref]


def test_phone_region_from_the_address_then_the_company_then_other_phones_then_review(
    store: Store,
) -> None:
    """Issue 17 item 9: clean planned 303-828-3248 -> +49 30 38283248 for a contact at a US
    company, without an address, whose other phone is +1 ..."""
    us_co, bare_co = _us_company(store, address=True), _us_company(store, address=False)
    literal = person(store, "Dana", "Reyes", company=us_co, phones=("+1 720-555-0143", "+49 30 1234567"))
    by_company = person(store, "Chris", "Lane", company=us_co, phones=("+49 30 1234567",))
    by_phones = person(store, "Sam", "Ortiz", company=bare_co, phones=("+1 720-555-0143", "+49 30 1234567"))
    mixed = person(store, "Kim", "Berg", phones=("+1 720-555-0143", "+44 20 7946 0958", "+49 30 1234567"))
    own = person(store, "Ute", "Moll", company=us_co, phones=("+49 30 1234567",), country="Germany")
    nothing = person(store, "Max", "Roth", phones=("+49 30 1234567",))
    for cid in (literal, by_company, by_phones, mixed, own, nothing):  # loaded from outside
        sql(store, "UPDATE contact_info SET data = '303-828-3248', e164 = NULL WHERE contact_id = ? "
            "AND data = '+49 30 1234567'", [cid])
    sql(store, "UPDATE contact_info SET data = '030 1234567' WHERE contact_id = ? "
        "AND data = '303-828-3248'", [own])
    f = findings(store, "phone_format").set_index("contact_id")
    assert f.loc[literal, "fix_value"] == "+1 303-828-3248"  # not +49 30 38283248
    assert f.loc[by_company, "fix_value"] == "+1 303-828-3248"
    assert f.loc[by_company, "message"].endswith("read for region US, from the company's address")
    assert f.loc[by_phones, "fix_value"] == "+1 303-828-3248"
    assert "from the country code of the contact's other phones" in f.loc[by_phones, "message"]
    assert f.loc[own, "fix_value"] == "+49 30 1234567"  # its own address comes first
    for cid in (mixed, nothing):  # phones that disagree, or none: never "fixed"
        assert pd.isna(f.loc[cid, "fix_value"]) and not f.loc[cid, "fixable"]
        assert "default region DE it would be '+49 30 38283248'" in f.loc[cid, "message"]
    plan = store.clean(["phone_format"])
    staged = set(plan.fixes["contact_id"])
    assert staged == {literal, by_company, by_phones, own}
    plan.commit()
    assert "+1 303-828-3248" in store.contact(literal).info["data"].tolist()
    assert "303-828-3248" in store.contact(nothing).info["data"].tolist()  # left for review


def test_url_invalid(store: Store) -> None:
    bad = person(store, "Bad", website="www.example.com")
    person(store, "Good", website="https://www.example.com/path?q=1")
    sql(store, "UPDATE contact_info SET data = 'http://exa mple' WHERE contact_id = ?", [bad])
    f = findings(store, "url_invalid")
    assert f["contact_id"].tolist() == [bad] and f["field"].tolist() == ["website"]


def test_name_case(store: Store) -> None:
    caps = person(store, "LUDWIG", "VAN BEETHOVEN")
    low = person(store, "sean", "o'brien")
    person(store, "Jo", "McDonald")
    person(store, "J", "Li")
    shout = company(store, "SIEMENS AG")
    company(store, "IBM")
    f = findings(store, "name_case")
    got = {(r.contact_id, r.field): r.fix_value for r in f.itertuples()}
    assert got == {(caps, "first_name"): "Ludwig", (caps, "last_name"): "van Beethoven",
                   (low, "first_name"): "Sean", (low, "last_name"): "O'Brien",
                   (shout, "company_name"): "Siemens AG"}


def test_whitespace(store: Store) -> None:
    cid = person(store, "Anna", "Lena", country="Germany", title="Sales")
    person(store, "Clean", "Person", title="Head of Sales")
    sql(store, "UPDATE contacts SET first_name = '  Anna  Lena ', title = 'Sales\tlead' WHERE id = ?", [cid])
    sql(store, "UPDATE contact_info SET city = 'Bad  Homburg' WHERE contact_id = ?", [cid])
    f = findings(store, "whitespace")
    got = {(r.field, r.fix_value) for r in f.itertuples()}
    assert got == {("first_name", "Anna Lena"), ("title", "Sales lead"), ("address.city", "Bad Homburg")}
    assert set(f["contact_id"]) == {cid}


def test_primary_several(store: Store) -> None:
    cid = person(store, emails=("a@example.com", "b@example.com"))
    person(store, "Fine", emails=("c@example.com", "d@example.com"))
    sql(store, "UPDATE contact_info SET is_primary = TRUE WHERE contact_id = ?", [cid])
    f = findings(store, "primary_several")
    assert f["contact_id"].tolist() == [cid]
    assert int(f["info_id"].iloc[0]) == info_id(store, cid, int(InfoType.EMAIL), 0)


def test_primary_none(store: Store) -> None:
    cid = person(store, emails=("a@example.com", "b@example.com"))
    person(store, "Fine", emails=("c@example.com",))
    sql(store, "UPDATE contact_info SET is_primary = FALSE WHERE contact_id = ?", [cid])
    f = findings(store, "primary_none")
    assert f["contact_id"].tolist() == [cid] and f["field"].tolist() == ["email"]


def test_company_missing(store: Store) -> None:
    gone = company(store, "Gone GmbH")
    kept = company(store, "Kept GmbH")
    orphan = person(store, "Orphan", company=gone)
    person(store, "Linked", company=kept)
    person(store, "Alone")
    sql(store, "DELETE FROM contacts WHERE id = ?", [gone])
    f = findings(store, "company_missing")
    assert f["contact_id"].tolist() == [orphan] and f["value"].tolist() == [str(gone)]


def test_company_empty(store: Store) -> None:
    empty = company(store, "Empty GmbH")
    with_person = company(store, "Staffed GmbH")
    person(store, "Staff", company=with_person)
    company(store, "Mailed GmbH", email="info@mailed.example.com")
    assert findings(store, "company_empty")["contact_id"].tolist() == [empty]


def test_stale(store: Store) -> None:
    old = person(store, "Old")
    active = person(store, "Active")
    sql(store, "INSERT INTO history_events VALUES (1, ?, NULL, 'Call', 'called', ?, 1)",
        [active, dt.datetime.combine(FAR, dt.time())])
    assert findings(store, "stale", as_of=dt.date.today()).empty
    f = findings(store, "stale", as_of=FAR, stale_days=30)
    assert f["contact_id"].tolist() == [old]
    assert "no activity ever" in f["message"].iloc[0]
    assert len(findings(store, "stale", as_of=FAR + dt.timedelta(days=400), stale_days=30)) == 2
    with pytest.raises(CrmDataError, match="at least 1 day"):
        store.check(stale_days=0)


def test_unreachable(store: Store) -> None:
    web_only = person(store, "Web", website="www.example.com")
    person(store, "Mail", emails=("m@example.com",))
    person(store, "Phone", phones=("+49 30 1234567",))
    person(store, "Post", country="Germany")
    assert findings(store, "unreachable")["contact_id"].tolist() == [web_only]


def test_custom_invalid(store: Store) -> None:
    add_field(store, 1, "Segment", int(CustomFieldType.SELECT), mask=["Retail", "Industry"])
    add_field(store, 2, "Newsletter", int(CustomFieldType.CHECKBOX))
    add_field(store, 3, "Since", int(CustomFieldType.DATE), scope=int(FieldScope.PERSON))
    add_field(store, 4, "Code", int(CustomFieldType.TEXT), mask={"size": 20})
    a = person(store, "A")
    b = person(store, "B")
    co = company(store, "Co GmbH")
    for cid in (a, b):
        cs = store.change()
        cs.set_custom(cid, "Segment", "Retail")
        cs.set_custom(cid, "Newsletter", True)
        cs.set_custom(cid, "Since", "2020-01-05")
        cs.set_custom(cid, "Code", "X1")
        cs.commit()
    # definitions changed or values loaded from outside since
    sql(store, """UPDATE custom_fields SET mask = '["Industry", "Services"]' WHERE id = 1""")
    sql(store, "UPDATE custom_values SET value = 'yes' WHERE contact_id = ? AND field_id = 2", [b])
    sql(store, "UPDATE custom_values SET value = 'line one\nline two' WHERE contact_id = ? AND field_id = 4",
        [b])
    sql(store, "INSERT INTO custom_values VALUES (?, 3, '2021-02-03', 1, NULL)", [co])
    sql(store, "INSERT INTO custom_values VALUES (?, 99, 'orphan', 1, NULL)", [a])
    f = findings(store, "custom_invalid")
    got = {(r.contact_id, r.field) for r in f.itertuples()}
    assert got == {(a, "custom:Segment"), (b, "custom:Segment"), (b, "custom:Newsletter"),
                   (b, "custom:Code"), (co, "custom:Since"), (a, "custom:99")}
    assert (a, "custom:Newsletter") not in got and (a, "custom:Since") not in got


def test_info_duplicate(store: Store) -> None:
    cid = person(store, emails=("lore@example.com", "Lore@Example.com "),
                 phones=("030 1234567", "+49 30 1234567"))
    person(store, "Other", emails=("lore@example.com",))
    f = findings(store, "info_duplicate")
    assert f["contact_id"].tolist() == [cid, cid]
    assert sorted(f["info_id"].astype(int)) == sorted([info_id(store, cid, 0, 1), info_id(store, cid, 1, 1)])


def test_two_unreadable_phones_are_not_the_same_number(store: Store) -> None:
    cid = person(store, phones=("030 1234567",))
    sql(store, "INSERT INTO contact_info (id, contact_id, info_type, category, data, is_primary, e164) "
               "VALUES (90, ?, 0, 1, 'ask reception', FALSE, ''), (91, ?, 0, 1, 'call back', FALSE, '')",
        [cid, cid])  # '' is the key an import gives a phone nothing can read
    assert findings(store, "info_duplicate").empty


def test_only_visible_contacts_and_edit_rights(store: Store) -> None:
    store.add_user("eve")
    hidden = person(store, "HIDDEN")
    read_only = person(store, "READONLY")
    open_ = person(store, "OPEN")
    cs = store.change()
    cs.set_access(hidden, ShareType.NONE, ["admin"])
    cs.set_access(read_only, ShareType.READ)
    cs.commit()
    f = check(store.db, store.as_user("eve").user, ["name_case"])
    assert set(f["contact_id"]) == {read_only, open_}
    assert dict(zip(f["contact_id"], f["editable"], strict=True)) == {read_only: False, open_: True}
    assert len(check(store.db, store.user, ["name_case"])) == 3


def test_empty_store_and_columns(store: Store) -> None:
    f = store.check()
    assert f.empty and list(f.columns)[:3] == ["contact_id", "name", "kind"]
    with pytest.raises(CrmDataError, match="no data-quality rule 'nope'"):
        store.check("nope")


def test_import_kept(store: Store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "in.csv"
    src.write_text("First Name,Last Name,Email (work)\nHans,Dieter,hansd..zirme@aol.de\n"
                   "Anna,Meyer,anna@example.com\n", encoding="utf-8")
    report = store.import_onlyoffice(src, keep_bad_values=True)
    f = findings(store, "import_kept")
    assert list(f["contact_id"]) == [report.contact_ids[0]]
    assert f["severity"].eq("error").all() and not f["fixable"].any()
    assert f["message"].iloc[0] == f"is not a valid email address (line 2 of {src})"
