"""Which labelled pairs the strong-identifier recall counts, from literal records."""

from __future__ import annotations

import pandas as pd

from benchmarks.strong_bench import names_differ_only_slightly, subsets


def test_names_differ_by_typos_order_case_or_nickname_only() -> None:
    assert names_differ_only_slightly("katharina", "weber", "katharnia", "weebr")  # two typos a part
    assert names_differ_only_slightly("katharina", "weber", "weber", "katharina")  # swapped
    assert names_differ_only_slightly("william", "brown", "bill", "brown")  # a nickname
    assert not names_differ_only_slightly("mark", "brown", "steven", "brown")  # another person
    assert not names_differ_only_slightly("katharina", "weber", "katharina", "")  # nothing to compare


def test_the_subsets_of_strong_pairs_and_households() -> None:
    cols = ["uid", "entity", "kind", "first_name", "last_name", "email", "phone", "street",
            "street_number", "zip"]
    recs = pd.DataFrame([
        (1, "a", "P", "Anna", "Weber", "anna@x.de", None, None, None, None),
        (2, "a", "P", "ANNA", "Webre", "Anna@X.de", None, None, None, None),  # same email, a typo
        (3, "b", "P", "Tom", "Lee", None, "+49 30 1234567", "Main St", "5", "10115"),
        (4, "b", "P", "Thomas", "Leeson", None, "030 1234567", None, None, None),  # same phone, far
        (5, "c", "P", "Jane", "Lee", None, None, "main st", "5", "10115"),  # Tom's household
        (6, "d", "P", "Jon", "Lee", None, None, "Main St", "5", "10115"),  # two edits from Tom and Jane
    ], columns=cols)
    strong, households = subsets(recs)
    assert strong == {(1, 2)}  # 3-4 share a phone, but "lee" and "leeson" are three edits apart
    assert households == {(3, 5)}  # Jon is too close to Tom and to Jane to call them a household
