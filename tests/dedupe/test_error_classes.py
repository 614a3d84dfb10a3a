"""The error classes of issue 16, pinned with literal pairs scored by the comparison and scoring SQL.

Each pair is scored by the default model (the one a store has before its first run) through
the same SQL a duplicate run and the write-back check use; "found" means at or above the
default threshold, "kept apart" below it.
"""

from __future__ import annotations

import pandas as pd
import pytest

from crmdata import Store
from crmdata.dedupe import fellegi
from crmdata.dedupe.api import DEFAULT_THRESHOLD

from .literal import company, person, score

SHARED = {"email": "k.weber@example.org"}
PHONE = {"phone": "+49 30 1234567"}
HOME = {"street": "Hauptstraße 12", "zip": "10115", "city": "Berlin"}


@pytest.mark.parametrize(
    ("first", "last"),
    [
        ("Katharnia", "Weebr"),  # two typos, one per part
        ("Katarina", "Webber"),  # two edits in the first name
        ("Weber", "Katharina"),  # first and last swapped
        ("Weber", "Kathi"),  # a nickname plus a swap
        ("KATHARINA", "WEBER"),  # all capitals
    ],
)
@pytest.mark.parametrize("strong", [SHARED, PHONE, HOME], ids=["email", "phone", "address"])
def test_class1_a_strong_identifier_carries_a_mangled_name(
    store: Store, first: str, last: str, strong: dict[str, str]
) -> None:
    got = score(
        store, [person(1, "Katharina", "Weber", **strong), person(2, first, last, **strong)], [(1, 2)]
    )
    assert got["score"].iloc[0] >= DEFAULT_THRESHOLD, got.iloc[0].to_dict()


def test_households_stay_apart(store: Store) -> None:
    family = {**HOME, "phone": "030 1234567"}
    got = score(
        store,
        [
            person(1, "Jürgen", "Müller", **family),
            person(2, "Petra", "Müller", **family),
            person(3, "Tom", "Müller", **HOME),
            person(4, "Petra", "Müller", street="Hauptstrase 12", zip="10115", city="Berlin"),  # a typo
        ],
        [(1, 2), (1, 3), (1, 4)],
    )
    assert (got["score"] < DEFAULT_THRESHOLD).all(), got[["id1", "id2", "match_weight"]]


def _tf_model(common: dict[str, float]) -> dict[str, fellegi.Model]:
    models = {k: fellegi.default_model(k) for k in ("P", "C")}
    models["P"].tf_tables = {
        "first_key": {"thomas": common["first"]},
        "last_key": {"muller": common["last"]},
        "zip_k": {},
    }
    models["P"].tf_default = {"first_key": 2e-6, "last_key": 2e-6, "zip_k": 0.002}
    return models


def test_class2_a_rare_name_in_the_same_postcode_counts_a_common_one_not(store: Store) -> None:
    models = _tf_model({"first": 0.02, "last": 0.01})
    rows = [
        person(1, "Thomas", "Chudleigh", zip="EX2 4PY"),
        person(2, "Thomas", "Chudleigh", zip="EX24PY"),
        person(3, "Thomas", "Müller", zip="EX2 4PY"),
        person(4, "Thomas", "Mueller", zip="EX2 4PY"),
    ]
    got = score(store, rows, [(1, 2), (3, 4)], models)
    rare, common = got["match_weight"].tolist()
    assert rare > common + 4
    # the rare name alone is a likely duplicate (merge-worthy at 0.9); the common one is at most a
    # coin flip for a reviewer
    assert got["score"].iloc[0] >= 0.9 and got["score"].iloc[1] < 0.6


def test_class3_dates_by_level_and_placeholders_never_agree(store: Store) -> None:
    rows = [
        person(1, "Ann", "Lee", birthday="1984-03-07"),
        person(2, "Ann", "Lee", birthday="1984-03-07"),
        person(3, "Ann", "Lee", birthday="1984-03-17"),
        person(4, "Ann", "Lee", birthday="1984-07-03"),
        person(5, "Ann", "Lee", birthday="1984-11-07"),
        person(6, "Ann", "Lee", birthday="1984"),
        person(7, "Ann", "Lee", birthday="1770-01-01"),
        person(8, "Ann", "Lee", birthday="1770-01-01"),
        person(9, "Ann", "Lee", birthday="1951-10-30"),
    ]
    got = score(store, rows, [(1, 2), (1, 3), (1, 4), (1, 5), (1, 6), (7, 8), (1, 9)])
    assert got["g_birthday"].tolist()[:5] == [4, 3, 3, 2, 1]
    assert pd.isna(got["g_birthday"].iloc[5])  # placeholders: missing, weight 0
    assert got["g_birthday"].iloc[6] == 0
    w = got["match_weight"].tolist()
    assert w[0] > w[1] > w[3] > w[4] and w[5] > w[6]


def test_class4_streets_agree_without_city_or_zip_and_through_typos(store: Store) -> None:
    rows = [
        person(1, "Mary", "Jones", street="2950 W 25th St", zip="60623", city="Chicago"),
        person(2, "Mary", "Jones", street="2950 W. 25th Street"),
        person(3, "Mary", "Jones", street="2950 W 25th Stret", city="Chicago"),
        person(4, "Mary", "Jones", street="14 W 25th Street", city="Chicago"),
    ]
    got = score(store, rows, [(1, 2), (1, 3), (1, 4)])
    assert got["g_address"].tolist() == [3, 3, 1]
    assert got["score"].iloc[0] >= DEFAULT_THRESHOLD and got["score"].iloc[1] >= DEFAULT_THRESHOLD


def test_class5_an_organisation_whose_name_is_inside_the_other(store: Store) -> None:
    us = {"country": "United States"}
    rows = [
        company(1, "Jenner", phone="+1 773 534 8440", **us),
        company(2, "Chicago Public Schools Jenner Academy of the Arts", phone="(773) 534-8440", **us),
        company(3, "Jenner", phone="+1 312 555 0100", **us),
        company(4, "Baxter Academy", phone="+1 773 534 8440", **us),
    ]
    got = score(store, rows, [(1, 2), (1, 3), (2, 4)])
    assert got["g_company_name"].tolist()[:2] == [2, 4]
    assert got["score"].iloc[0] >= DEFAULT_THRESHOLD
    assert got["score"].iloc[2] < DEFAULT_THRESHOLD  # a shared switchboard alone


def test_class8_scores_are_graded_not_all_one(store: Store) -> None:
    rows = [
        person(1, "Anna", "Schmidt", **SHARED, **HOME, birthday="1980-02-02"),
        person(2, "Anna", "Schmidt", **SHARED, **HOME, birthday="1980-02-02"),
        person(3, "Anna", "Schmitt", zip="10115"),
        person(4, "Anna", "Schmidt", city="Berlin"),
        person(5, "Anna", "Schmidt"),
        person(6, "Anne", "Schmid", city="Berlin"),
    ]
    got = score(store, rows, [(1, 2), (1, 3), (1, 4), (1, 5), (1, 6)])
    scores = got["score"].tolist()
    assert scores == sorted(scores, reverse=True)
    assert len({round(s, 3) for s in scores}) == len(scores)
    assert scores[0] > 0.999 and scores[-1] < 0.5  # from certain to unlikely, not all about 1.00


def test_missing_values_weigh_nothing(store: Store) -> None:
    rows = [
        person(1, "Anna", "Schmidt"),
        person(2, "Anna", "Schmidt"),
        person(3, "Anna", "Schmidt", email="anna@example.com", phone="030 1234567"),
    ]
    got = score(store, rows, [(1, 2), (1, 3)])
    for name in ("birthday", "address", "email", "phone", "employer", "custom"):
        assert got[f"g_{name}"].isna().all(), name
    assert got["match_weight"].iloc[0] == pytest.approx(got["match_weight"].iloc[1])


def test_two_edits_in_a_short_first_name_make_another_name(store: Store) -> None:
    got = score(
        store,
        [person(1, "Mark", "Hines"), person(2, "Gary", "Hines"),
         person(3, "Kathleen", "Hines"), person(4, "Kathlyne", "Hines")],
        [(1, 2), (3, 4)],
    )
    short, long = got["g_first_name"].tolist()
    assert short == 0  # "different first name"
    assert long >= 2  # two typos apart at least


def test_an_email_named_after_the_first_name_is_no_more_evidence(store: Store) -> None:
    got = score(
        store,
        [person(1, "Christian", "Franke", email="christian@adlerstein-steuer.de"),
         person(2, "Christian", "Franke", email="christian@sommer-immobilien.de"),
         person(3, "Christian", "Franke", email="info.kanzlei@adlerstein-steuer.de"),
         person(4, "Christian", "Franke", email="info.kanzlei@sommer-immobilien.de")],
        [(1, 2), (3, 4)],
    )
    assert pd.isna(got["g_email"].iloc[0])  # the names already said it
    assert got["g_email"].iloc[1] == 1  # the same mailbox name at another domain


def test_namesakes_with_nothing_but_names_to_compare_weigh_less(store: Store) -> None:
    """Two records holding different fields (an address / an email and a phone) compare on the
    names alone: the pair gets the weight of "nothing but the names to compare", a pair that
    holds a field on both sides (even one the email comparison does not weigh) does not."""
    model = fellegi.default_model("P")
    rows = [
        person(1, "Niamh", "Ellis", **HOME),
        person(2, "Niamh", "Ellis", email="niamh.ellis@redgate.co.uk", phone="0414 430666"),
        person(3, "Niamh", "Ellis", email="niamh.ellis@gmail.com"),
        person(4, "Niamh", "Ellis", phone="030 7654321"),
    ]
    got = score(store, rows, [(1, 2), (2, 3), (2, 4)], {"P": model, "C": fellegi.default_model("C")})
    assert got["g_comparable"].tolist() == [0, 1, 1]
    assert got[["g_birthday", "g_address", "g_email", "g_phone"]].iloc[0].isna().all()
    assert pd.isna(got["g_email"].iloc[1])  # addresses named after the person: no email evidence
    w = model.weights()
    names = model.prior_weight + w["first_name"][5] + w["last_name"][4]
    assert w["comparable"][0] < 0
    assert got["match_weight"].iloc[0] == pytest.approx(names + w["comparable"][0])
    assert got["match_weight"].iloc[1] == pytest.approx(names + w["comparable"][1])
    assert got["match_weight"].iloc[2] == pytest.approx(names + w["comparable"][1] + w["phone"][0])
