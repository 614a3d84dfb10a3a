"""The duplicate benchmark's scoring, checked on literal tables."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from benchmarks.linkage_metrics import (
    cluster_pairs,
    components,
    expected_calibration_error,
    pairwise_scores,
    reliability_table,
)


def test_every_pair_inside_a_cluster_counts() -> None:
    clusters = {1: "a", 2: "a", 3: "a", 7: "b", 8: "b", 9: "c"}
    assert cluster_pairs(clusters) == {(1, 2), (1, 3), (2, 3), (7, 8)}
    assert cluster_pairs({5: 0, 2: 0}) == {(2, 5)}  # smaller id first, whatever the order given


def test_a_false_merge_costs_every_cross_pair() -> None:
    truth = cluster_pairs({1: "x", 2: "x", 3: "y", 4: "y", 5: "y"})  # 1 + 3 true pairs
    found = cluster_pairs({1: 0, 2: 0, 3: 0, 4: 0, 5: 0})  # one cluster: 10 pairs, 6 of them wrong
    scores = pairwise_scores(found, truth)
    assert scores["true_positives"] == 4 and scores["found_pairs"] == 10 and scores["true_pairs"] == 4
    assert scores["precision"] == pytest.approx(0.4)
    assert scores["recall"] == 1.0
    assert scores["f1"] == pytest.approx(2 * 0.4 / 1.4)


@pytest.mark.parametrize(("found", "truth", "p", "r", "f1"), [
    (set(), {(1, 2)}, 1.0, 0.0, 0.0),
    (set(), set(), 1.0, 1.0, 1.0),
    ({(1, 2)}, set(), 0.0, 1.0, 0.0),
    ({(1, 2), (3, 4)}, {(1, 2), (5, 6), (7, 8), (9, 10)}, 0.5, 0.25, 1 / 3),
])
def test_pairwise_scores_edge_cases(found: set, truth: set, p: float, r: float, f1: float) -> None:
    scores = pairwise_scores(found, truth)
    assert (scores["precision"], scores["recall"]) == (pytest.approx(p), pytest.approx(r))
    assert scores["f1"] == pytest.approx(f1)


def test_components_join_chains_and_name_them_by_their_smallest_id() -> None:
    assert components([(5, 3), (3, 9), (20, 11)]) == {3: 3, 5: 3, 9: 3, 11: 11, 20: 11}
    assert components([]) == {}


def test_reliability_bins_are_equal_width_and_one_belongs_to_the_last() -> None:
    p = [0.05, 0.05, 0.15, 0.95, 0.95, 1.0, 1.0, 0.1]
    y = [False, False, True, True, True, True, False, False]
    table = reliability_table(p, y)
    assert list(table["pairs"]) == [2, 2, 0, 0, 0, 0, 0, 0, 0, 4]
    assert list(table["low"]) == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
    first, second, last = table.iloc[0], table.iloc[1], table.iloc[9]
    assert (first.mean_p, first.observed) == (pytest.approx(0.05), 0.0)
    assert (second.mean_p, second.observed) == (pytest.approx(0.125), 0.5)  # 0.1 opens bin 2
    assert (last.mean_p, last.observed) == (pytest.approx(0.975), 0.75)
    assert math.isnan(table.iloc[5].mean_p) and math.isnan(table.iloc[5].observed)


def test_ece_weighs_each_bins_gap_by_its_pairs() -> None:
    table = pd.DataFrame({"low": [0.0, 0.5, 0.9], "high": [0.1, 0.6, 1.0], "pairs": [6, 0, 2],
                          "mean_p": [0.05, float("nan"), 0.95], "observed": [0.0, float("nan"), 0.5]})
    # 6/8 * 0.05 + 2/8 * 0.45
    assert expected_calibration_error(table) == pytest.approx(0.0375 + 0.1125)
    perfect = reliability_table([0.0, 0.0, 1.0, 1.0], [False, False, True, True])
    assert expected_calibration_error(perfect) == 0.0
    assert math.isnan(expected_calibration_error(reliability_table([], [])))


def test_reliability_refuses_what_is_not_a_probability() -> None:
    with pytest.raises(ValueError, match="must lie in"):
        reliability_table([1.2], [True])
    with pytest.raises(ValueError, match="1 probabilities but 2 labels"):
        reliability_table([0.5], [True, False])
