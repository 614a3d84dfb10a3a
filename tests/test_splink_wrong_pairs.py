"""What two records share, as the analysis of Splink's wrong pairs counts it (literal tables)."""

from __future__ import annotations

import pandas as pd
import pytest

from benchmarks.splink_wrong_pairs import shares, user_name


@pytest.mark.parametrize(("email", "expected"), [
    ("anna.schmidt@acme.de", "anna.schmidt"), ("@acme.de", None), ("no address", None), (None, None),
    (float("nan"), None)])
def test_user_name(email: object, expected: str | None) -> None:
    assert user_name(email) == expected


def test_shares_counts_each_kind_of_agreement() -> None:
    records = pd.DataFrame({
        "uid": [1, 2, 3, 4, 5],
        "email": ["anna.schmidt@acme.de", "anna.schmidt@orbit.de", "anna.schmidt@acme.de", None, "x@y.z"],
        "phone": ["111", "222", None, "222", "111"],
    }).astype({"email": "string", "phone": "string"}).set_index("uid")
    assert shares(records, [(1, 2), (1, 3), (2, 4), (1, 5), (3, 4)]) == {
        "pairs": 5, "same user name, other domain": 1, "same email": 1, "two different phones": 1}
