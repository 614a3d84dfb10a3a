"""The Fellegi-Sunter estimators on literal pattern counts, and the model's arithmetic."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pandas as pd
import pytest

from crmdata.dedupe import fellegi
from crmdata.dedupe.compare import COMPARISONS, gamma

NAMES = [c.name for c in COMPARISONS["P"]]


def _patterns(rows: list[tuple[dict[str, int | None], int]]) -> pd.DataFrame:
    data = [
        {**{gamma(n): np.nan for n in NAMES}, **{gamma(k): v for k, v in p.items()}, "n": n} for p, n in rows
    ]
    return pd.DataFrame(data)


def test_em_recovers_m_and_the_match_share() -> None:
    """Two independent comparisons, 10% matches: EM with the true u finds the true m."""
    m = {"first_name": {5: 0.9, 0: 0.1}, "last_name": {4: 0.8, 0: 0.2}}
    u = {"first_name": {5: 0.05, 0: 0.95}, "last_name": {4: 0.1, 0: 0.9}}
    rows = []
    for f, la in itertools.product((5, 0), (4, 0)):
        n = 100_000 * (
            0.1 * m["first_name"][f] * m["last_name"][la] + 0.9 * u["first_name"][f] * u["last_name"][la]
        )
        rows.append(({"first_name": f, "last_name": la}, round(n)))
    start = {"first_name": {5: 0.6, 0: 0.4}, "last_name": {4: 0.6, 0: 0.4}}
    got, lam, _ = fellegi.em(_patterns(rows), ["first_name", "last_name"], start, u, 0.3)
    assert lam == pytest.approx(0.1, abs=0.005)
    assert got["first_name"][5] == pytest.approx(0.9, abs=0.01)
    assert got["last_name"][4] == pytest.approx(0.8, abs=0.01)


def test_u_from_random_pairs_is_floored_and_missing_is_left_out() -> None:
    rows = [
        ({"first_name": 0, "last_name": 0}, 9_990),
        ({"first_name": 5, "last_name": 0}, 10),
        ({"first_name": None, "last_name": 4}, 5),
    ]
    u, n = fellegi.u_from_patterns(_patterns(rows), "P")
    assert n == 10_005
    assert u["first_name"][5] == pytest.approx(0.001) and u["first_name"][4] == fellegi.U_MIN
    assert u["birthday"] == fellegi.default_model("P").u["birthday"]  # too few pairs with it: defaults


def test_prior_from_sessions_and_rules() -> None:
    # 600 matches among a birthday session whose key 92% of matches share
    matches = fellegi.matches_from_session(600.0, [0.92])
    assert matches == pytest.approx(652.2, abs=0.1)
    assert fellegi.prior_from_sessions([matches, 640.0, 700.0], 1_000_000) == pytest.approx(6.52e-4, rel=1e-3)
    assert fellegi.prior_from_sessions([], 10) is None
    assert fellegi.prior_from_rules(300, 1_000_000, recall=0.6) == pytest.approx(5e-4)


def test_family_correction_takes_out_what_households_explain() -> None:
    # 1M pairs; last name 1e-3, address 1e-5 of them; 50 share both, of which 5 expected matches
    m, u = fellegi.family_correction((1e-3, 1e-5), 50.0, 1e6, 10.0, 0.5)
    assert u == pytest.approx(45 / (1e6 - 10))
    assert math.log2(m / u) == pytest.approx(math.log2(1e-8 / u))
    m, u = fellegi.family_correction((0.5, 0.5), 0.0, 1e6, 10.0, 0.5)  # never adds weight
    assert m == u


def test_probability_and_threshold_are_inverse_and_platt_applies() -> None:
    model = fellegi.default_model("P")
    for p in (0.1, 0.5, 0.9, 0.999):
        assert float(model.probability(model.weight_for(p))) == pytest.approx(p)
    model.platt = (0.5, -1.0)
    assert float(model.probability(2.0)) == pytest.approx(0.5)
    assert model.weight_for(0.5) == pytest.approx(2.0)


def test_platt_needs_both_answers() -> None:
    w = np.linspace(-10, 10, 60)
    assert fellegi.platt(w, (w > 0).astype(int)) is not None
    assert fellegi.platt(w, np.ones(60, dtype=int)) is None


def test_model_round_trips_and_old_models_fall_back() -> None:
    model = fellegi.default_model("C")
    model.platt = (1.0, 0.0)
    model.tf_tables = {"comp_key": {"acme": 0.01}}
    again = fellegi.Model.from_json(model.to_json())
    assert (
        again.weights() == model.weights()
        and again.platt == (1.0, 0.0)
        and again.tf_tables == model.tf_tables
    )
    old = '{"kind": "P", "method": "ecm", "intercept": -8.0, "weights": {}, "fitted_on": 3}'
    assert fellegi.Model.from_json(old).method == "prior"


def test_labels_move_m_toward_the_decided_duplicates() -> None:
    model = fellegi.default_model("P")
    rows = [({"first_name": 5, "last_name": 4}, 30), ({"first_name": 2, "last_name": 4}, 30)]
    m = fellegi.m_from_labels(_patterns(rows), "P", model.m)
    assert m["first_name"][2] > model.m["first_name"][2] and m["first_name"][5] < model.m["first_name"][5]
    assert sum(m["first_name"].values()) == pytest.approx(1.0)


def test_em_finds_the_matches_with_nothing_but_names_to_compare_as_the_excess() -> None:
    """A session of 1,020 matches (98% of those with phones share one; 20 have nothing else to
    compare) and 9,000 namesakes, 10% of whom hold nothing to compare, as among random pairs:
    EM puts m of "nothing" at what the namesakes do not explain, 20 of 1,020."""
    rows = [
        ({"phone": 1, "comparable": 1}, 980),
        ({"phone": 0, "comparable": 1}, 20 + 8_100),
        ({"phone": None, "comparable": 0}, 20 + 900),
    ]
    u = {"comparable": {1: 0.9, 0: 0.1}}
    phone = {1: math.log2(0.98 / 1e-5), 0: math.log2(0.02 / (1 - 1e-5))}
    start = {"comparable": {1: 0.98, 0: 0.02}}
    # a small excess of a large count: EM creeps towards it (some 300 iterations here), and by
    # default runs until it gets there
    got, lam, iterations = fellegi.em(_patterns(rows), ["comparable"], start, u, 0.05, fixed={"phone": phone})
    assert iterations < fellegi.EM_MAX_ITER
    assert lam == pytest.approx(1_020 / 10_020, rel=0.01)
    assert got["comparable"][0] == pytest.approx(20 / 1_020, rel=0.05)


def test_nothing_to_compare_never_weighs_for_a_match_and_old_models_get_it() -> None:
    model = fellegi.default_model("P")
    assert model.weights()["comparable"][0] < 0
    model.m["comparable"], model.u["comparable"] = {1: 0.999, 0: 0.001}, {1: 1.0, 0: 0.0}
    assert model.weights()["comparable"][0] == 0.0  # u at its floor: no evidence either way
    saved = json.loads(fellegi.default_model("P").to_json())
    del saved["m"]["comparable"], saved["u"]["comparable"]  # a model saved before it existed
    again = fellegi.Model.from_json(json.dumps(saved))
    assert again.weights()["comparable"] == fellegi.default_model("P").weights()["comparable"]


def test_em_estimates_how_common_families_are_among_a_sessions_pairs() -> None:
    """A session of pairs sharing a birthday: 1,000 matches (20 with another first name) and
    300 family members whose birthday was copied from one to the other, at one address with
    one last name. The store-wide family correction assumes such families are as rare as
    among random pairs, and EM takes them for matches that changed their first name; with
    the family's joint u estimated among the session's non-matches they are not."""
    rows = [
        ({"first_name": 5, "last_name": 4, "address": 4, "family": 0}, 900),
        ({"first_name": 5, "last_name": 0, "address": 4, "family": 0}, 80),
        ({"first_name": 0, "last_name": 4, "address": 4, "family": 2}, 20 + 300),
        ({"first_name": 0, "last_name": 0, "address": 2, "family": 0}, 8_000),
        ({"first_name": 5, "last_name": 0, "address": 2, "family": 0}, 16),
        ({"first_name": 0, "last_name": 4, "address": 2, "family": 0}, 8),
    ]
    u = {
        "first_name": {5: 0.002, 0: 0.998},
        "last_name": {4: 0.001, 0: 0.999},
        "address": {4: 0.001, 2: 0.999},
    }
    start = {"first_name": {5: 0.9, 0: 0.1}, "last_name": {4: 0.9, 0: 0.1}, "address": {4: 0.9, 2: 0.1}}
    store_wide = {"family": {2: math.log2(1e-6 / 6.4e-5), 0: 0.0}}  # u_last * u_address / u_both
    names = ["first_name", "last_name", "address"]
    pats = _patterns(rows)
    naive, naive_lam, _ = fellegi.em(pats, names, start, u, 0.05, fixed=store_wide, max_iter=1_000)
    got, lam, _ = fellegi.em(
        pats, names, start, u, 0.05, fixed=store_wide, joint={"family": {2: 1e-6}}, max_iter=1_000
    )
    assert naive["first_name"][0] > 0.2 and naive_lam > 0.13  # the families counted as matches
    assert got["first_name"][0] < 0.03  # 20 of 1,000 matches: the pattern's 320 pairs are one
    assert lam == pytest.approx(1_000 / 9_324, abs=0.005)


def test_u_leaves_out_the_matches_among_the_random_pairs() -> None:
    """A million random pairs, 500 of them matches (λ 5e-4), 90% of matches sharing a birthday:
    450 of the 480 pairs sharing one are matches, so different persons share one 30 times in
    999,500, not 480 in a million (four bits less for a shared birthday)."""
    u = {"birthday": {4: 480 / 1e6, 0: 1 - 480 / 1e6}, "family": {2: 0.5, 0: 0.5}}
    m = {"birthday": {4: 0.9, 0: 0.1}}
    got = fellegi.u_without_matches(u, m, 5e-4)
    assert got["birthday"][4] == pytest.approx(30 / 999_500, rel=1e-3)
    assert sum(got["birthday"].values()) == pytest.approx(1.0)
    assert got["family"] == u["family"]  # no m to take out
    # where the matches explain every shared birthday, the level keeps the least u there is
    assert fellegi.u_without_matches(u, m, 6e-4)["birthday"][4] == pytest.approx(fellegi.U_MIN, rel=1e-3)
