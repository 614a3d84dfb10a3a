"""Clusters from matched pairs: any size, without chaining different people together.

Connected components (:func:`scipy.sparse.csgraph.connected_components`) of the pairs at the
reporting threshold. A component is then split where one link is all that holds two groups of
records together: a bridge (a link whose removal disconnects it, :func:`networkx.bridges`)
between two groups of at least two records is cut, the weakest first (of links equally likely,
the one between the smaller ids), however probable the link itself. If the two groups were one
contact, more than one of their four or more pairs across would have matched; one link says that
one record of each looks like the other (a birthday copied within a family, a shared address),
not that the groups are one. A real cluster of 20 records, whose members match each other many
times over, has no such bridge and stays whole; a lone record is never cut off. The same holds
for one record that alone joins two or more groups of two or more (an articulation point,
:func:`networkx.articulation_points`): a record without a last name at a shared address matches
every namesake living there, but the namesakes do not match each other. The record stays with
the group it is most strongly tied to (the sum of its links' match weights) and its links to the
other groups are cut. Pairs decided "not duplicate" are kept apart by a minimum cut between them
(:func:`networkx.minimum_cut`, links weighted by their match weight). Every pair returned
belongs to a cluster; the cut links are returned apart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import NamedTuple

import networkx as nx
import numpy as np
import pandas as pd
from networkx.utils import UnionFind
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

#: Records a component needs before it can have a bridge between two groups of two.
SPLITTABLE = 4

#: Larger than any contact id (the smallest id of no records).
_NONE = 2**63 - 1


#: Contact id -> the smallest id of its component, for the links ``ids1[i]-ids2[i]``.
Components = Callable[[np.ndarray, np.ndarray], dict[int, int]]


def components(ids1: np.ndarray, ids2: np.ndarray) -> dict[int, int]:
    """Connected components of the links ``ids1[i]-ids2[i]``: contact id -> its smallest id."""
    nodes, inverse = np.unique(np.concatenate([ids1, ids2]), return_inverse=True)
    n = len(nodes)
    graph = coo_matrix((np.ones(len(ids1)), (inverse[: len(ids1)], inverse[len(ids1) :])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    smallest: dict[int, int] = {}
    for node, lab in zip(nodes.tolist(), labels.tolist(), strict=True):
        smallest.setdefault(lab, node)  # nodes are sorted: the first is the smallest
    return {node: smallest[lab] for node, lab in zip(nodes.tolist(), labels.tolist(), strict=True)}


class _HubCut(NamedTuple):
    """A hub's links to cut, and the groups they cut off: (its biconnected part at the hub, records)."""

    hub: int
    links: list[tuple[int, int]]
    groups: list[tuple[int, int]]


#: A piece of a component to look at: the records and links left, its biconnected parts (None
#: until found), and whether a bridge of it may still need cutting.
_Piece = tuple[nx.Graph, list[set[int]] | None, bool]


def _split(g: nx.Graph, banned: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Cut the links of one component as the module says; returns the cut links. ``g`` is
    taken apart in place.

    A cut changes the biconnected parts of a piece only where it cuts, so the pieces a cut
    leaves keep the parts they had where that is known to hold (the rest of a piece after a
    hub's cut, every piece after bridge cuts), and the largest piece is never copied: a
    component of thousands of records may lose a few records to each of thousands of cuts."""
    cut: list[tuple[int, int]] = []
    for a, b in banned:
        if a in g and b in g and nx.has_path(g, a, b):
            _, (side_a, _side_b) = nx.minimum_cut(g, a, b, capacity="capacity")
            links = [(x, y) for x, y in g.edges if (x in side_a) != (y in side_a)]
            g.remove_edges_from(links)
            cut += links
    work: list[_Piece] = [(h, None, True) for h, _blocks in _pieces(g, None)]
    while work:
        h, blocks, bridges = work.pop()
        if blocks is None:
            blocks = [set(b) for b in nx.biconnected_components(h)]
        if bridges:
            links = _bridge_cuts(h, blocks)
            if links:
                h.remove_edges_from(links)
                cut += links
                gone = {frozenset(link) for link in links}  # a bridge is a part of one link
                left = [b for b in blocks if len(b) > 2 or frozenset(b) not in gone]
                work += [(p, bs, True) for p, bs in _pieces(h, left)]
                continue
        hub = _hub_cut(h, blocks)
        if hub is not None:
            h.remove_edges_from(hub.links)
            cut += hub.links
            work += _after_hub(h, blocks, hub)
    return cut


def _pieces(g: nx.Graph, blocks: list[set[int]] | None) -> list[tuple[nx.Graph, list[set[int]] | None]]:
    """The connected parts of ``g`` that could be split (:data:`SPLITTABLE` records or more),
    each with its share of ``blocks`` (the biconnected parts of ``g``, when known). The largest
    part is ``g`` itself with the others' records taken out; only the others are copied."""
    parts = sorted(nx.connected_components(g), key=len)
    if not parts:
        return []
    part_of = {v: k for k, c in enumerate(parts[:-1]) for v in c}
    share: list[list[set[int]]] = [[] for _ in parts]
    for b in blocks or []:
        share[part_of.get(next(iter(b)), len(parts) - 1)].append(b)
    out = [(g.subgraph(c).copy(), share[k] if blocks is not None else None)
           for k, c in enumerate(parts[:-1]) if len(c) >= SPLITTABLE]
    g.remove_nodes_from(part_of)
    if len(parts[-1]) >= SPLITTABLE:
        out.append((g, share[-1] if blocks is not None else None))
    return out


def _after_hub(h: nx.Graph, blocks: list[set[int]], hub: _HubCut) -> list[_Piece]:
    """The pieces left after ``hub``'s links were cut from ``h``: each group cut off, and the
    rest, which keeps the hub. The largest stays ``h``; only the others are walked and copied.

    The rest keeps its biconnected parts as they were in ``h`` and has no bridge to cut: ``h``
    had none (hubs are weighed only then), and each side of a bridge only lost records. So it
    goes to its next hub at once. A group cut off is looked at afresh: the part it shared with
    the hub lost the hub, and may have come apart."""
    v = hub.hub
    rest = h.number_of_nodes() - sum(n for _i, n in hub.groups)
    sides = [(rest, -1), *((n, i) for i, n in hub.groups)]  # (records, part at the hub; -1: the rest)
    largest = max(sides)[1]
    walked = {i: nx.node_connected_component(h, v if i < 0 else next(u for u in blocks[i] if u != v))
              for _n, i in sides if i != largest}  # the records of every side but the largest
    side_of = {x: i for i, side in walked.items() for x in side}
    cut_off = {i for i, _n in hub.groups}
    kept = [b for k, b in enumerate(blocks)  # the rest's parts
            if k not in cut_off and (v in b or side_of.get(next(iter(b)), largest) == -1)]
    out: list[_Piece] = [(h.subgraph(side).copy(), kept if i < 0 else None, i >= 0)
                         for i, side in walked.items() if len(side) >= SPLITTABLE]
    h.remove_nodes_from(side_of)
    if h.number_of_nodes() >= SPLITTABLE:
        out.append((h, kept if largest < 0 else None, largest >= 0))
    return out


def _bridge_cuts(h: nx.Graph, blocks: list[set[int]]) -> list[tuple[int, int]]:
    """The bridges of ``h`` to cut, weakest first (ties by their records' ids), each one that
    still holds two groups of at least two records together when its turn comes.

    Cutting a bridge only makes the groups of the other bridges smaller, never larger, so one
    pass in that order cuts what cutting the weakest such bridge and looking again would. The
    groups are counted on the tree the bridges make of the parts they join (what stays
    connected without any bridge), each cut taking its part's records off the parts above it:
    the cost grows with the component, not with the component times its bridges."""
    # a bridge is a biconnected part of ``h`` (``blocks``) made of one link
    ends = [tuple(b) for b in blocks if len(b) == 2]
    bridges = sorted((float(h.edges[x, y]["score"]), min(x, y), max(x, y)) for x, y in ends)
    if not bridges:
        return []
    part_of, size = _parts(h, blocks)
    tree: dict[int, list[int]] = {}
    for _s, a, b in bridges:
        tree.setdefault(part_of[a], []).append(part_of[b])
        tree.setdefault(part_of[b], []).append(part_of[a])
    root = part_of[min(h.nodes)]
    parent = {root: -1}
    order = [root]
    for p in order:  # breadth first: every part after its parent
        for q in tree[p]:
            if q not in parent:
                parent[q] = p
                order.append(q)
    below = dict(enumerate(size))  # records in a part and the parts under it, still joined to it
    for p in reversed(order[1:]):
        below[parent[p]] += below[p]
    severed: set[int] = set()  # parts whose link to their parent was cut
    cut: list[tuple[int, int]] = []
    for _s, a, b in bridges:
        child = part_of[a] if parent[part_of[a]] == part_of[b] else part_of[b]
        top = parent[child]
        while parent[top] >= 0 and top not in severed:
            top = parent[top]
        lower = below[child]
        if min(lower, below[top] - lower) < 2:
            continue
        cut.append((a, b))
        severed.add(child)
        p = parent[child]
        while True:
            below[p] -= lower
            if p == top:
                break
            p = parent[p]
    return cut


def _parts(h: nx.Graph, blocks: list[set[int]]) -> tuple[dict[int, int], list[int]]:
    """(record -> its part, records per part): the parts of ``h`` that stay connected without
    its bridges, the biconnected parts of more than one link joined where they share a record."""
    joined = UnionFind(h.nodes)
    for block in blocks:
        if len(block) > 2:
            joined.union(*block)
    part_of: dict[int, int] = {}
    size: list[int] = []
    for i, members in enumerate(joined.to_sets()):
        size.append(len(members))
        part_of.update(dict.fromkeys(members, i))
    return part_of, size


def _hub_cut(h: nx.Graph, blocks: list[set[int]]) -> _HubCut | None:
    """The links to cut at the hub of ``h`` whose cut links are the weakest: a record whose
    removal leaves two or more groups of at least two records; it keeps its links to the group
    it is tied to most strongly and to lone records. None when ``h`` has no such hub.

    The groups a record's removal leaves are read off the block-cut tree of ``h`` (its
    biconnected parts joined at the records they share): one per part around the record, the
    records beyond that part (``blocks``: the parts). So every candidate record is weighed in
    one pass over ``h``."""
    member: dict[int, list[int]] = {}
    for i, block in enumerate(blocks):
        for v in block:
            member.setdefault(v, []).append(i)
    hubs = sorted(v for v, bs in member.items() if len(bs) > 1)
    if not hubs:
        return None
    # the tree: blocks as ("b", i), hubs as ("h", v); a tree node stands for its own records
    # (a block for those it alone holds, a hub for itself), counted and their smallest id kept
    weight: dict[tuple[str, int], int] = {}
    least: dict[tuple[str, int], int] = {}
    for i, block in enumerate(blocks):
        own = [v for v in block if len(member[v]) == 1]
        weight[("b", i)] = len(own)
        least[("b", i)] = min(own, default=_NONE)
    for v in hubs:
        weight[("h", v)], least[("h", v)] = 1, v
    root = ("b", member[min(h.nodes)][0])
    parent: dict[tuple[str, int], tuple[str, int] | None] = {root: None}
    order: list[tuple[str, int]] = []  # depth first, so that a subtree is a run of ``order``
    stack = [root]
    while stack:
        t = stack.pop()
        order.append(t)
        nexts = [("h", v) for v in blocks[t[1]] if len(member[v]) > 1] if t[0] == "b" else \
                [("b", i) for i in member[t[1]]]
        for u in nexts:
            if u not in parent:
                parent[u] = t
                stack.append(u)
    # per subtree: its records, their smallest id and where its run in ``order`` ends
    below = dict(weight)
    low = dict(least)
    place = {t: k for k, t in enumerate(order)}
    end = dict(place)
    for t in reversed(order[1:]):
        up = parent[t]
        assert up is not None
        below[up] += below[t]
        low[up] = min(low[up], low[t])
        end[up] = max(end[up], end[t])
    # the smallest id outside a subtree: the minima before and after its run in ``order``
    ahead = [_NONE] * (len(order) + 1)
    after = [_NONE] * (len(order) + 1)
    for k, t in enumerate(order):
        ahead[k + 1] = min(ahead[k], least[t])
    for k in range(len(order) - 1, -1, -1):
        after[k] = min(after[k + 1], least[order[k]])
    total = h.number_of_nodes()
    best: tuple[float, int, _HubCut] | None = None
    for v in hubs:
        node = ("h", v)
        sides = []  # (records, smallest id, block) of each group v's removal leaves
        for i in member[v]:
            b = ("b", i)
            if parent[b] == node:
                sides.append((below[b], low[b], i))
            else:
                outside = min(ahead[place[node]], after[end[node] + 1])
                sides.append((total - below[node], outside, i))
        groups = [(n, m, i) for n, m, i in sides if n >= 2]
        if len(groups) < 2:
            continue
        into = {i: [u for u in h.adj[v] if u in blocks[i]] for _n, _m, i in groups}
        ties = [round(sum(h.edges[v, u]["capacity"] for u in into[i]), 6) for _n, _m, i in groups]
        kept = max(range(len(groups)), key=lambda k: (ties[k], -groups[k][1]))
        links = [(v, u) for k, (_n, _m, i) in enumerate(groups) if k != kept for u in into[i]]
        strongest = round(max(h.edges[e]["score"] for e in links), 9)
        if best is None or (strongest, v) < best[:2]:
            cut_off = [(i, n) for k, (n, _m, i) in enumerate(groups) if k != kept]
            best = (strongest, v, _HubCut(v, links, cut_off))
    return None if best is None else best[2]


def clusters(
    pairs: pd.DataFrame,
    *,
    forbidden: Iterable[tuple[int, int]] = (),
    find_components: Components = components,
) -> tuple[dict[int, int], set[tuple[int, int]]]:
    """(contact id -> cluster id (its smallest id), the cut links) for matched ``pairs``
    (``id1, id2, score`` and optionally ``match_weight``). Contacts in no pair are left out.
    ``find_components`` computes the connected components (here with scipy; the Spark engine
    passes its own, run on Spark); only the components to split come to networkx."""
    if pairs.empty:
        return {}, set()
    # in one order whatever order the engine returned them in: ties are then broken the same way
    ids1 = pairs["id1"].to_numpy(dtype=np.int64)
    ids2 = pairs["id2"].to_numpy(dtype=np.int64)
    order = np.lexsort((ids2, ids1))
    ids1, ids2 = ids1[order], ids2[order]
    first = find_components(ids1, ids2)
    banned_by: dict[int, list[tuple[int, int]]] = {}
    for a, b in forbidden:
        a, b = int(a), int(b)
        if a in first and b in first and first[a] == first[b]:
            banned_by.setdefault(first[a], []).append((a, b))
    sizes = pd.Series(first).value_counts()
    comp = pd.Series(ids1).map(first)
    edges_n = comp.value_counts()
    complete = {c for c, s in sizes.items() if edges_n.get(c, 0) >= s * (s - 1) / 2}
    check = {c for c, s in sizes.items() if s >= SPLITTABLE and c not in complete} | set(banned_by)
    cut: set[tuple[int, int]] = set()
    if check:
        weight = pairs["match_weight"] if "match_weight" in pairs else pairs["score"]
        part = pd.DataFrame(
            {
                "a": ids1,
                "b": ids2,
                "score": pairs["score"].to_numpy(dtype=float)[order],
                "capacity": np.maximum(weight.to_numpy(dtype=float)[order], 0.0) + 1e-6,
            }
        )
        part = part[comp.isin(check).to_numpy()]
        part["c"] = part["a"].map(first)
        for c, group in part.groupby("c"):
            g = nx.from_pandas_edgelist(group, "a", "b", edge_attr=["score", "capacity"])
            cut |= {
                (min(x, y), max(x, y))
                for x, y in _split(g, banned_by.get(int(str(c)), []))
            }
    if not cut:
        return first, cut
    keep = [(a, b) not in cut for a, b in zip(ids1.tolist(), ids2.tolist(), strict=True)]
    kept = np.asarray(keep, dtype=bool)
    return (find_components(ids1[kept], ids2[kept]) if kept.any() else {}), cut


def cluster_pairs(assignment: dict[int, int]) -> set[tuple[int, int]]:
    """Every pair (smaller id first) implied by a cluster assignment."""
    groups: dict[int, list[int]] = {}
    for cid, cl in assignment.items():
        groups.setdefault(cl, []).append(cid)
    out: set[tuple[int, int]] = set()
    for ms in groups.values():
        ms.sort()
        for i, a in enumerate(ms):
            for b in ms[i + 1 :]:
                out.add((a, b))
    return out
