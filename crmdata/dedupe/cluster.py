"""Clusters from matched pairs: any size, without chaining different people together.

Connected components (:func:`scipy.sparse.csgraph.connected_components`) of the pairs at the
reporting threshold. A component is then split where one link is all that holds two groups of
records together: a bridge (a link whose removal disconnects it, :func:`networkx.bridges`)
between two groups of at least two records is cut, the weakest first, however probable the
link itself. If the two groups were one contact, more than one of their four or more pairs
across would have matched; one link says that one record of each looks like the other (a
birthday copied within a family, a shared address), not that the groups are one. A real
cluster of 20 records, whose members match each other many times over, has no such bridge and
stays whole; a lone record is never cut off. The same holds for one record that alone joins
two or more groups of two or more (an articulation point, :func:`networkx.articulation_points`):
a record without a last name at a shared address matches every namesake living there, but the
namesakes do not match each other. The record stays with the group it is most strongly tied to
(the sum of its links' match weights) and its links to the other groups are cut. Pairs decided
"not duplicate" are kept apart by a minimum cut between them (:func:`networkx.minimum_cut`, links
weighted by their match weight). Every pair returned belongs to a cluster; the cut links are returned apart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import networkx as nx
import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

#: Records a component needs before it can have a bridge between two groups of two.
SPLITTABLE = 4


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


def _split(g: nx.Graph, banned: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Cut the links of one component as the module says; returns the cut links."""
    cut: list[tuple[int, int]] = []
    for a, b in banned:
        if a in g and b in g and nx.has_path(g, a, b):
            _, (side_a, _side_b) = nx.minimum_cut(g, a, b, capacity="capacity")
            links = [(x, y) for x, y in g.edges if (x in side_a) != (y in side_a)]
            g.remove_edges_from(links)
            cut += links
    work = [g.subgraph(c).copy() for c in nx.connected_components(g)]
    while work:
        h = work.pop()
        if h.number_of_nodes() < SPLITTABLE:
            continue
        bridges = sorted((h.edges[e]["score"], e) for e in nx.bridges(h))
        chosen = None
        for _, (x, y) in bridges:  # the weakest bridge between two groups, never one shedding a lone record
            h.remove_edge(x, y)
            if min(len(nx.node_connected_component(h, x)), len(nx.node_connected_component(h, y))) >= 2:
                chosen = (x, y)
                break
            h.add_edge(x, y, **g.edges[x, y])
        if chosen is not None:
            cut.append(chosen)
        else:
            links = _hub_links(h)
            if not links:
                continue
            h.remove_edges_from(links)
            cut += links
        work += [h.subgraph(c).copy() for c in nx.connected_components(h)]
    return cut


def _hub_links(h: nx.Graph) -> list[tuple[int, int]]:
    """The links to cut at the hub of ``h`` whose cut links are the weakest: a record whose
    removal leaves two or more groups of at least two records; it keeps its links to the group
    it is tied to most strongly and to lone records. [] when ``h`` has no such hub."""
    best: tuple[float, int, list[tuple[int, int]]] | None = None
    for v in sorted(nx.articulation_points(h)):  # sorted, ties rounded: the same cut whatever the order
        rest = nx.restricted_view(h, [v], [])
        groups = [part for part in nx.connected_components(rest) if len(part) >= 2]
        if len(groups) < 2:
            continue
        ties = [round(sum(h.edges[v, u]["capacity"] for u in h.adj[v] if u in part), 6) for part in groups]
        kept = max(range(len(groups)), key=lambda i: (ties[i], -min(groups[i])))
        links = [(v, u) for i, part in enumerate(groups) if i != kept for u in h.adj[v] if u in part]
        strongest = round(max(h.edges[e]["score"] for e in links), 9)
        if best is None or (strongest, v) < best[:2]:
            best = (strongest, v, links)
    return [] if best is None else best[2]


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
