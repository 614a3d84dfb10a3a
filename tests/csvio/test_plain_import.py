"""Plain CSV files with a column mapping: address-only files, lone surnames, typed custom fields."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crmdata import CrmDataError, ImportFailed, Store
from crmdata.csvio.layout import split_field_types
from crmdata.model import CustomFieldType, InfoType

from ..builders import snapshot

ADDRESS_ONLY = """name,surname,street,zip,city
Evie,Dean,2950 W 25th St,60623,Chicago
,Dean,2950 W. 25th Street,60623,
"""

ADDRESS_MAP = {"name": "firstName", "surname": "lastName", "street": "contactInfo_Address_0_Street",
               "zip": "contactInfo_Address_0_Zip", "city": "contactInfo_Address_0_City"}


def test_a_file_whose_only_info_columns_are_addresses_imports(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "addresses.csv"
    path.write_text(ADDRESS_ONLY, encoding="utf-8")
    report = store.import_onlyoffice(path, mapping=ADDRESS_MAP)
    assert report.imported == 2 and not report.problems
    info = store.info()
    addresses = info[info.info_type == int(InfoType.ADDRESS)].sort_values("contact_id")
    assert list(addresses.street) == ["2950 W 25th St", "2950 W. 25th Street"]
    assert list(addresses.zip) == ["60623", "60623"]
    assert list(addresses.city.fillna("-")) == ["Chicago", "-"]
    assert list(addresses.data) == ["2950 W 25th St, Chicago, 60623", "2950 W. 25th Street, 60623"]


def test_a_lone_surname_stays_the_last_name(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "addresses.csv"
    path.write_text(ADDRESS_ONLY, encoding="utf-8")
    store.import_onlyoffice(path, mapping=ADDRESS_MAP)
    people = store.contacts().sort_values("id")
    assert list(people.first_name.fillna("-")) == ["Evie", "-"]
    assert list(people.last_name) == ["Dean", "Dean"]
    assert list(people.display_name) == ["Evie Dean", "Dean"]
    assert list(people.kind) == ["person", "person"]


def test_typed_keys_split_into_plain_keys_and_field_types() -> None:
    plain, types = split_field_types({
        "dob": "customField_Birthday:date", "E-Mail": "email", "size": "customField_Size:select(S|M|L)",
        "vip": "customField_VIP:checkbox", "bio": "customField_Bio:textarea", "x": "customField_X:text"})
    assert plain == {"dob": "customField_Birthday", "E-Mail": "email", "size": "customField_Size",
                     "vip": "customField_VIP", "bio": "customField_Bio", "x": "customField_X"}
    assert types == {"Birthday": (CustomFieldType.DATE, None),
                     "Size": (CustomFieldType.SELECT, ["S", "M", "L"]),
                     "VIP": (CustomFieldType.CHECKBOX, None), "Bio": (CustomFieldType.TEXTAREA, None),
                     "X": (CustomFieldType.TEXT, None)}


@pytest.mark.parametrize(("key", "message"), [
    ("customField_Birthday:day", "asks for the field type 'day'"),
    ("email:date", "only a custom field takes a type"),
    ("customField_Size:select", "select field without its options"),
    ("customField_Size:select()", "select field without its options"),
    ("customField_Birthday:date(a)", "asks for the field type 'date(a)'"),
])
def test_bad_typed_keys_say_which_column(key: str, message: str) -> None:
    with pytest.raises(CrmDataError, match=re.escape(message)) as err:
        split_field_types({"dob": key})
    assert "'dob'" in str(err.value)


FEBRL_LIKE = """given_name,surname,date_of_birth
thomas,chudleigh,19610923
thomas,chudleigh,19610932
"""


def test_a_typed_date_column_becomes_a_date_field(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(FEBRL_LIKE.replace("19610932", "19610329"), encoding="utf-8")
    report = store.import_onlyoffice(
        path, mapping={"given_name": "firstName", "surname": "lastName",
                       "date_of_birth": "customField_Birthday:date"}, date_format="%Y%m%d")
    assert report.imported == 2 and report.new_custom_fields == ["Birthday"]
    fields = store.custom_fields().set_index("label")
    assert fields.loc["Birthday", "field_type"] == int(CustomFieldType.DATE)
    values = store.custom_values()
    assert sorted(values.value) == ["1961-03-29", "1961-09-23"]


def test_a_bad_date_says_what_and_where_and_changes_nothing(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(FEBRL_LIKE, encoding="utf-8")
    before = snapshot(store, tables=None)
    with pytest.raises(ImportFailed) as err:
        store.import_onlyoffice(
            path, mapping={"given_name": "firstName", "surname": "lastName",
                           "date_of_birth": "customField_Birthday:date"}, date_format="%Y%m%d")
    problems = [str(p) for p in err.value.problems]
    assert len(problems) == 1
    assert "line 3" in problems[0] and "Birthday" in problems[0] and "19610932" in problems[0]
    assert "'19610932' is not a date (expected yyyymmdd" in problems[0]
    after = snapshot(store, tables=None)
    assert after == before


def test_a_typed_key_never_retypes_an_existing_field(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(FEBRL_LIKE.replace("19610932", "19610329"), encoding="utf-8")
    mapping = {"given_name": "firstName", "surname": "lastName", "date_of_birth": "customField_Birthday"}
    store.import_onlyoffice(path, mapping=mapping)  # untyped: a text field
    before = snapshot(store, tables=None)
    with pytest.raises(CrmDataError, match="'Birthday' already exists as a text field; the mapping "
                                           "asks for a date field"):
        store.import_onlyoffice(path, mapping={**mapping, "date_of_birth": "customField_Birthday:date"},
                                date_format="%Y%m%d")
    after = snapshot(store, tables=None)
    assert after == before
