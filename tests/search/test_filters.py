"""Every filter against a pandas reference over the raw tables; English descriptions; bad values."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from crmdata import Store
from crmdata.search.api import search
from crmdata.search.filters import FILTERS, FilterError, Filters, describe, filters_sql


def _ids(store: Store, text: str = "", **kw: Any) -> set[int]:
    return set(search(store.db, store.user, text, page_size=10_000, **kw).frame["id"].astype(int))


def _where(tables: dict[str, pd.DataFrame], mask: pd.Series) -> set[int]:
    return set(tables["contacts"].loc[mask, "id"].astype(int))


def _with_tag(tables: dict[str, pd.DataFrame], tag: str) -> set[int]:
    t = tables["tags"]
    return set(t.loc[t["title"].str.lower() == tag.lower(), "contact_id"].astype(int))


def _day(d: str) -> pd.Timestamp:
    return pd.Timestamp(d)


CASES: list[tuple[dict[str, Any], Any]] = [
    ({"show": "companies"}, lambda t: _where(t, t["contacts"]["is_company"])),
    ({"show": "persons"}, lambda t: _where(t, ~t["contacts"]["is_company"])),
    ({"show": "with opportunities"}, lambda t: set(t["deals"]["contact_id"].astype(int))),
    ({"temperatures": ["Hot"]}, lambda t: _where(t, t["contacts"]["status_id"] == 3)),
    ({"temperatures": ["hot", "Cold"]}, lambda t: _where(t, t["contacts"]["status_id"].isin([1, 3]))),
    ({"contact_types": ["Client", "Partner"]},
     lambda t: _where(t, t["contacts"]["contact_type_id"].isin([4, 6]))),
    ({"tags": ["Lead"]}, lambda t: _with_tag(t, "lead")),
    ({"tags": ["lead", "Customer"]}, lambda t: _with_tag(t, "lead") & _with_tag(t, "customer")),
    ({"manager": "anna"},
     lambda t: set(t["managers"].loc[t["managers"]["login"] == "anna", "contact_id"].astype(int))),
    ({"manager": "none"},
     lambda t: set(t["contacts"]["id"].astype(int)) - set(t["managers"]["contact_id"].astype(int))),
    ({"access": "public"}, lambda t: _where(t, t["contacts"]["share_type"].isin([1, 2]))),
    ({"access": "restricted"}, lambda t: _where(t, t["contacts"]["share_type"] == 0)),
    ({"created_from": "2023-01-01"}, lambda t: _where(t, t["contacts"]["created_at"] >= _day("2023-01-01"))),
    ({"created_to": dt.date(2022, 12, 31)},
     lambda t: _where(t, t["contacts"]["created_at"] < _day("2023-01-01"))),
    ({"created_from": "2022-06-01", "created_to": "2022-06-30"},
     lambda t: _where(t, (t["contacts"]["created_at"] >= _day("2022-06-01"))
                      & (t["contacts"]["created_at"] < _day("2022-07-01")))),
    ({"updated_from": "2023-06-01", "updated_to": "2024-01-31"},
     lambda t: _where(t, (t["contacts"]["updated_at"] >= _day("2023-06-01"))
                      & (t["contacts"]["updated_at"] < _day("2024-02-01")))),
    ({"not_updated_since": "2023-01-01"},
     lambda t: _where(t, t["contacts"]["updated_at"] < _day("2023-01-01"))),
    ({"no_activity_since": "2024-01-01"},
     lambda t: set(t["contacts"]["id"].astype(int)) - set(
         t["history"].loc[t["history"]["event_at"] >= _day("2024-01-01"), "contact_id"].astype(int))),
    ({"custom": [("Segment", "enterprise")]},
     lambda t: set(t["custom"].loc[(t["custom"]["label"] == "Segment")
                                   & (t["custom"]["value"] == "Enterprise"), "contact_id"].astype(int))),
    ({"custom": [("segment", "Enterprise"), ("Newsletter", "true")]},
     lambda t: set(t["custom"].loc[(t["custom"]["label"] == "Segment")
                                   & (t["custom"]["value"] == "Enterprise"), "contact_id"].astype(int))
     & set(t["custom"].loc[(t["custom"]["label"] == "Newsletter")
                           & (t["custom"]["value"] == "true"), "contact_id"].astype(int))),
]


@pytest.mark.parametrize(("values", "reference"), CASES, ids=[str(c[0]) for c in CASES])
def test_filter_matches_reference(populated: Store, tables: dict[str, pd.DataFrame],
                                  values: dict[str, Any], reference: Any) -> None:
    expected = reference(tables)
    assert expected, "the generated data must exercise the filter"
    assert expected != set(tables["contacts"]["id"].astype(int)), "and it must exclude something"
    assert _ids(populated, **values) == expected
    assert _ids(populated, filters=Filters(**values)) == expected


def test_filters_combine_with_and_and_with_text(populated: Store, tables: dict[str, pd.DataFrame]) -> None:
    persons = _ids(populated, show="persons")
    hot = _ids(populated, temperatures=["Hot"])
    lead = _ids(populated, tags=["Lead"])
    assert _ids(populated, show="persons", temperatures=["Hot"], tags=["Lead"]) == persons & hot & lead
    text = _ids(populated, "o*")
    assert _ids(populated, "o*", show="persons", temperatures=["Hot"], tags=["Lead"]) == (
        text & persons & hot & lead)


def test_filters_respect_access(populated: Store, tables: dict[str, pd.DataFrame]) -> None:
    anna = populated.as_user("anna")
    all_anna = _ids(anna)
    assert _ids(anna, access="restricted") == _ids(populated, access="restricted") & all_anna
    assert _ids(anna, manager="ben") == _ids(populated, manager="ben") & all_anna


def test_every_filter_kind_is_tested() -> None:
    tested = {k for values, _ in CASES for k in values}
    assert tested == {kind.attr for kind in FILTERS}


def test_descriptions() -> None:
    f = Filters(show="persons", temperatures=("Hot", "Warm"), tags=("Lead", "Customer"),
                manager="none", access="restricted", created_from="2024-01-01",
                not_updated_since=dt.date(2023, 1, 1), custom=(("Segment", "Enterprise"),))
    assert describe(f) == (
        "persons; temperature Hot or Warm; tagged Lead and Customer; without managers; restricted; "
        "created on or after 2024-01-01; not updated since 2023-01-01; Segment is 'Enterprise'")
    assert describe(Filters()) == "all contacts"
    assert filters_sql(Filters()) == ("TRUE", [])


def test_result_description(populated: Store) -> None:
    result = search(populated.db, populated.user, "smi", show="companies", sort="created")
    assert result.description == (
        "contacts matching a word starting with 'smi'; companies; sorted by created")


@pytest.mark.parametrize(("values", "words"), [
    ({"show": "everything"}, "show"),
    ({"access": "secret"}, "public or restricted"),
    ({"created_from": "31.12.2024"}, "YYYY-MM-DD"),
    ({"created_from": "2024-02-01", "created_to": "2024-01-01"}, "after"),
    ({"custom": [("",  "x")]}, "pair"),
])
def test_bad_filter_values(values: dict[str, Any], words: str) -> None:
    with pytest.raises(FilterError, match=words):
        Filters(**values)


@pytest.mark.parametrize(("values", "words"), [
    ({"temperatures": ["Hott"]}, "no temperature level 'Hott'"),
    ({"contact_types": ["Friend"]}, "no contact type"),
    ({"tags": ["Lead", "Nope"]}, "no tag 'Nope'"),
    ({"manager": "zed"}, "no manager 'zed'"),
    ({"custom": [("Shoe size", "42")]}, "no custom field"),
    ({"colour": "red"}, "Unknown filter colour"),
])
def test_unknown_names_are_errors(populated: Store, values: dict[str, Any], words: str) -> None:
    with pytest.raises(FilterError, match=words):
        search(populated.db, populated.user, **values)


@pytest.mark.parametrize(("options", "words"), [
    ({"sort": "shoe_size"}, "Cannot sort"),
    ({"page": 0}, "pages start at 1"),
    ({"page_size": 0}, "A page holds"),
])
def test_bad_sort_and_page(populated: Store, options: dict[str, Any], words: str) -> None:
    with pytest.raises(FilterError, match=words):
        search(populated.db, populated.user, **options)
