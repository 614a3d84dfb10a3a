"""Which fixed corrections an EM session estimates for itself (pure)."""

from __future__ import annotations

import pytest

from crmdata.dedupe import train


def test_a_session_estimates_the_corrections_of_the_comparisons_it_estimates() -> None:
    fixed = {"family": {3: -8.0, 2: -6.0, 1: -4.0, 0: 0.0}, "colleagues": {1: -3.0, 0: 0.0}}
    u = {
        "last_name": {4: 0.001, 0: 0.999},
        "address": {4: 0.002, 3: 0.0001, 2: 0.9979},
        "phone": {1: 0.0005, 0: 0.9995},
        "employer": {2: 0.02, 1: 0.01, 0: 0.97},
    }
    # a session on a postcode leaves the address out: only "same last name and phone" is its own
    own, joint = train.session_corrections(fixed, ["first_name", "last_name", "phone", "employer"], u)
    assert own == fixed  # every level starts from its store-wide weight and keeps it unless estimated
    assert joint == {"family": {1: pytest.approx(0.001 * 0.0005)}}
    own, joint = train.session_corrections(fixed, ["first_name", "last_name", "address", "employer"], u)
    assert joint == {
        "family": {2: pytest.approx(0.001 * 0.002)},
        "colleagues": {1: pytest.approx(0.02 * 0.002)},
    }
