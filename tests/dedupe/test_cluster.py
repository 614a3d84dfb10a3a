"""Clusters: transitive groups, guarded against long chains and decided pairs."""

from __future__ import annotations

import pandas as pd

from crmdata.dedupe.cluster import cluster_pairs, clusters


def _pairs(rows: list[tuple[int, int, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["id1", "id2", "score"])


def test_triangle_is_one_cluster() -> None:
    got = clusters(_pairs([(1, 2, 0.9), (2, 3, 0.9), (1, 3, 0.8), (7, 8, 0.99)]))
    assert got == {1: 1, 2: 1, 3: 1, 7: 7, 8: 7}
    assert cluster_pairs(got) == {(1, 2), (1, 3), (2, 3), (7, 8)}


def test_a_long_chain_is_not_glued_together() -> None:
    chain = [(i, i + 1, 0.9 - i / 100) for i in range(1, 10)]  # 1-2-3-...-10, no other links
    got = clusters(_pairs(chain))
    sizes = pd.Series(got).value_counts()
    assert sizes.max() <= 3  # a pair plus at most one neighbour with half the links
    assert len(set(got.values())) >= 4


def test_size_cap_and_forbidden_pairs() -> None:
    full = [(a, b, 0.9) for a in range(1, 6) for b in range(a + 1, 6)]
    assert len(set(clusters(_pairs(full), max_size=3).values())) == 2
    got = clusters(_pairs([(1, 2, 0.9), (2, 3, 0.9), (1, 3, 0.9)]), forbidden=[(1, 3)])
    assert got[1] != got[3]
