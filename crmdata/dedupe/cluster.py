"""Clusters from scored pairs: more than two records can be one contact, but chains are guarded.

Pairs are joined strongest first (union-find). Two clusters are joined only if the result
stays within ``max_size`` records, if no pair across them was decided "not duplicate", and
if at least ``min_link`` of the possible pairs across them are themselves matches, so a
chain A-B, B-C, C-D of weak links cannot glue different people into one cluster.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

MAX_SIZE = 12
MIN_LINK = 0.5


def clusters(pairs: pd.DataFrame, *, max_size: int = MAX_SIZE, min_link: float = MIN_LINK,
             forbidden: Iterable[tuple[int, int]] = ()) -> dict[int, int]:
    """Contact id -> cluster id (the smallest id in it) for the matched ``pairs`` (id1, id2, score).

    Contacts in no pair are left out.
    """
    ordered = pairs.sort_values(["score", "id1", "id2"], ascending=[False, True, True], kind="stable")
    ids1 = ordered["id1"].to_numpy(dtype=np.int64)
    ids2 = ordered["id2"].to_numpy(dtype=np.int64)
    neighbours: dict[int, set[int]] = {}
    for a, b in zip(ids1.tolist(), ids2.tolist(), strict=True):
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    banned: dict[int, set[int]] = {}
    for a, b in forbidden:
        banned.setdefault(int(a), set()).add(int(b))
        banned.setdefault(int(b), set()).add(int(a))
    parent = {i: i for i in neighbours}
    members = {i: [i] for i in neighbours}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in zip(ids1.tolist(), ids2.tolist(), strict=True):
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        ma, mb = members[ra], members[rb]
        if len(ma) + len(mb) > max_size:
            continue
        if len(ma) > len(mb):
            ma, mb, ra, rb = mb, ma, rb, ra
        setb = set(mb)
        if any(banned.get(x, set()) & setb for x in ma):
            continue
        cross = sum(len(neighbours[x] & setb) for x in ma)
        if cross < min_link * len(ma) * len(mb):
            continue
        parent[ra] = rb
        members[rb] = mb + ma
        del members[ra]
    out: dict[int, int] = {}
    for root, ms in members.items():
        del root
        cid = min(ms)
        for m in ms:
            out[m] = cid
    return out


def cluster_pairs(assignment: dict[int, int]) -> set[tuple[int, int]]:
    """Every pair (smaller id first) implied by a cluster assignment."""
    groups: dict[int, list[int]] = {}
    for cid, cl in assignment.items():
        groups.setdefault(cl, []).append(cid)
    out: set[tuple[int, int]] = set()
    for ms in groups.values():
        ms.sort()
        for i, a in enumerate(ms):
            for b in ms[i + 1:]:
                out.add((a, b))
    return out
