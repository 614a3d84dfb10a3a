"""Clusters of a duplicate report, as the review queue and ``merge --auto`` both read them."""

from __future__ import annotations

import pandas as pd

from crmdata.merge.batch import clusters_of, qualifying_clusters

PAIRS = pd.DataFrame({
    "contact_id_1": [1, 1, 2, 7, 5],
    "contact_id_2": [2, 3, 3, 9, 6],
    "cluster_id": pd.array([10, 10, 10, pd.NA, 20], dtype="Int64"),
    "score": [0.9, 0.7, 0.8, 0.95, 0.6],
    "reasons": ["a", "b", "c", "d", "e"],
})


def test_clusters_best_first_with_their_pairs() -> None:
    got = clusters_of(PAIRS)
    assert [(c.cluster_id, c.ids, c.min_score, c.score) for c in got] == [
        (10, (1, 2, 3), 0.7, 0.9), (20, (5, 6), 0.6, 0.6)]
    assert got[0].pairs == ((1, 2, 0.9, "a"), (2, 3, 0.8, "c"), (1, 3, 0.7, "b"))


def test_qualifying_clusters_need_every_pair_above_the_score() -> None:
    assert [c.cluster_id for c in qualifying_clusters(PAIRS, 0.6)] == [10, 20]
    assert [c.cluster_id for c in qualifying_clusters(PAIRS, 0.7)] == [10]
    assert qualifying_clusters(PAIRS, 0.75) == []
