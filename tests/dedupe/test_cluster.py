"""Clusters: any size, weak chains split, decided pairs kept apart, every pair in a cluster."""

from __future__ import annotations

import itertools
import random

import networkx as nx
import pandas as pd

from crmdata.dedupe.cluster import cluster_pairs, clusters


def _pairs(rows: list[tuple[int, int, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["id1", "id2", "score"])


def test_triangle_is_one_cluster() -> None:
    got, cut = clusters(_pairs([(1, 2, 0.9), (2, 3, 0.9), (1, 3, 0.8), (7, 8, 0.99)]))
    assert got == {1: 1, 2: 1, 3: 1, 7: 7, 8: 7} and not cut
    assert cluster_pairs(got) == {(1, 2), (1, 3), (2, 3), (7, 8)}


def test_a_weak_chain_is_cut_at_its_weak_bridges() -> None:
    chain = [(i, i + 1, 0.95 - i / 100) for i in range(1, 10)]  # 1-2-3-...-10, no other links
    got, cut = clusters(_pairs(chain))
    sizes = pd.Series(got).value_counts()
    assert sizes.max() <= 4 and len(set(got.values())) >= 4  # at least half the links inside each
    assert cut and all(got[a] != got[b] for a, b in cut)


def test_one_probable_link_between_two_groups_is_cut_and_a_lone_record_stays() -> None:
    """Two people of one family, four records and three: each matches among its own, and one
    record of each looks like one of the other's (a birthday copied between them). Of their
    twelve pairs across one matched: the link is cut, however probable. A record joined to a
    group by one link is not a group: it stays."""
    rows = [(a, b, 0.999) for a, b in itertools.combinations((1, 2, 3, 4), 2)]
    rows += [(a, b, 0.98) for a, b in itertools.combinations((5, 6, 7), 2)]
    rows += [(4, 5, 0.9995), (7, 8, 0.9)]  # the family link; a lone record 8 hanging on 7
    got, cut = clusters(_pairs(rows))
    assert cut == {(4, 5)}
    assert got == {1: 1, 2: 1, 3: 1, 4: 1, 5: 5, 6: 5, 7: 5, 8: 5}
    three = [(1, 2, 0.999), (2, 3, 0.999)]  # a chain of three is never cut: one side is alone
    assert clusters(_pairs(three)) == ({1: 1, 2: 1, 3: 1}, set())


def test_big_clusters_of_13_to_21_records_stay_whole() -> None:
    rows = []
    for start, size in ((100, 13), (200, 21)):
        members = range(start, start + size)
        for k, (a, b) in enumerate(itertools.combinations(members, 2)):
            if k % 3:  # two thirds of the possible links, all of them moderately strong
                rows.append((a, b, 0.93))
    rows.append((112, 200, 0.92))  # one weak link between the two people
    got, cut = clusters(_pairs(rows))
    assert pd.Series(got).value_counts().sort_index().tolist() == [13, 21]
    assert cut == {(112, 200)}


def test_decided_pairs_are_cut_apart_by_the_weakest_links() -> None:
    rows = pd.DataFrame(
        [(1, 2, 0.99, 8.0), (2, 3, 0.95, 4.0), (1, 3, 0.93, 3.0), (3, 4, 0.9998, 12.0)],
        columns=["id1", "id2", "score", "match_weight"],
    )
    got, cut = clusters(rows, forbidden=[(1, 4)])
    assert got[1] != got[4] and got[1] == got[2] and got[3] == got[4]
    assert cut == {(2, 3), (1, 3)}


def test_a_record_joining_groups_alone_stays_with_the_group_it_is_tied_to_most() -> None:
    """"Christopher" without a last name at a shared address matches Christopher Wells (1-3),
    Christopher Bowser (4-5) and Christopher Taylor (6-8) living there, who match only their own
    records. The hub 10 stays with the group its links weigh most (Bowser: two links of weight 9
    against three of 2), its links to the others are cut; a lone record 11 hanging on it stays."""
    groups = ((1, 2, 3), (4, 5), (6, 7, 8))
    rows = [(a, b, 0.999, 12.0) for g in groups for a, b in itertools.combinations(g, 2)]
    rows += [(x, 10, 0.72, 2.0) for x in (1, 2, 3, 6, 7, 8)] + [(4, 10, 0.998, 9.0), (5, 10, 0.998, 9.0)]
    rows.append((10, 11, 0.9, 3.0))
    got, cut = clusters(pd.DataFrame(rows, columns=["id1", "id2", "score", "match_weight"]))
    assert got == {1: 1, 2: 1, 3: 1, 4: 4, 5: 4, 10: 4, 11: 4, 6: 6, 7: 6, 8: 6}
    assert cut == {(x, 10) for x in (1, 2, 3, 6, 7, 8)}
    hub_of_lone_records = [(10, x, 0.9, 3.0) for x in (11, 12, 13)] + [(1, 10, 0.99, 5.0), (2, 10, 0.99, 5.0),
                                                                 (1, 2, 0.99, 5.0)]
    got, cut = clusters(pd.DataFrame(hub_of_lone_records, columns=["id1", "id2", "score", "match_weight"]))
    assert not cut and len(set(got.values())) == 1  # one group of two and lone records: not a hub


def test_ties_are_broken_the_same_way_whatever_the_order_of_the_pairs() -> None:
    """Links of equal weight (many pairs score the same): the engine may return the pairs in
    any order; the clusters and the cut links do not depend on it."""
    rows = [(1, 7, 0.9), (1, 9, 0.9), (3, 7, 0.9), (4, 9, 0.9), (5, 8, 0.9), (6, 7, 0.9), (6, 8, 0.9),
            (7, 9, 0.9)]  # 6 joins the group of 7 and the pair 5-8, both by links as likely
    first = clusters(_pairs(rows))
    assert first[1]  # something to break a tie on was cut
    for seed in range(12):
        shuffled = _pairs(rows).sample(frac=1.0, random_state=seed)
        assert clusters(shuffled) == first, seed


def test_of_two_bridges_equally_likely_the_one_of_the_smaller_ids_is_cut_first() -> None:
    """1-2 and 4-5 are pairs; record 3 hangs between them by two links of one score. Cutting
    2-3 leaves 3 with 4-5 (3-4 would then cut off a lone record); cutting 3-4 first would do the
    mirror image. The smaller ids decide, whatever the order of the rows."""
    rows = [(1, 2, 0.99), (4, 5, 0.99), (2, 3, 0.6), (3, 4, 0.6)]
    for seed in range(6):
        got, cut = clusters(_pairs(rows).sample(frac=1.0, random_state=seed))
        assert cut == {(2, 3)}, seed
        assert cluster_pairs(got) == {(1, 2), (3, 4), (3, 5), (4, 5)}, seed


def _reference_split(g: nx.Graph) -> set[tuple[int, int]]:
    """The rule of :mod:`crmdata.dedupe.cluster` done the plain way: look for the weakest
    bridge between two groups of two again after every cut, and weigh every hub by removing it."""
    cut: set[tuple[int, int]] = set()
    work = [g.subgraph(c).copy() for c in nx.connected_components(g)]
    while work:
        h = work.pop()
        if h.number_of_nodes() < 4:
            continue
        links: list[tuple[int, int]] = []
        for _s, x, y in sorted((h.edges[e]["score"], min(e), max(e)) for e in nx.bridges(h)):
            h.remove_edge(x, y)
            if min(len(nx.node_connected_component(h, x)), len(nx.node_connected_component(h, y))) >= 2:
                links = [(x, y)]
                break
            h.add_edge(x, y, **g.edges[x, y])
        if not links:
            best = None
            for v in sorted(nx.articulation_points(h)):
                groups = [p for p in nx.connected_components(nx.restricted_view(h, [v], [])) if len(p) >= 2]
                if len(groups) < 2:
                    continue
                ties = [round(sum(h.edges[v, u]["capacity"] for u in h.adj[v] if u in p), 6) for p in groups]
                kept = max(range(len(groups)), key=lambda i: (ties[i], -min(groups[i])))
                out = [(v, u) for i, p in enumerate(groups) if i != kept for u in h.adj[v] if u in p]
                strongest = round(max(h.edges[e]["score"] for e in out), 9)
                if best is None or (strongest, v) < best[:2]:
                    best = (strongest, v, out)
            links = [] if best is None else best[2]
        if not links:
            continue
        h.remove_edges_from(links)
        cut |= {(min(x, y), max(x, y)) for x, y in links}
        work += [h.subgraph(c).copy() for c in nx.connected_components(h)]
    return cut


def _check_against_the_plain_rule(frame: pd.DataFrame, trial: int) -> int:
    """Assert the module cuts what :func:`_reference_split` cuts; returns the links cut."""
    got, cut = clusters(frame)
    g = nx.Graph()
    for a, b, s, w in frame.itertuples(index=False):
        g.add_edge(a, b, score=s, capacity=max(w, 0.0) + 1e-6)
    assert cut == _reference_split(g), trial
    assert not any(got.get(a) == got.get(b) for a, b in cut), trial
    return len(cut)


def test_bridges_and_hubs_are_cut_as_the_plain_rule_cuts_them() -> None:
    """Groups of two to five records joined by single links and by records between groups:
    the one-pass bridge cuts and the block-cut tree's hubs cut what the plain rule cuts."""
    rng = random.Random(5)
    for trial in range(40):
        rows: list[tuple[int, int, float, float]] = []
        groups = [list(range(10 * k, 10 * k + rng.randint(1, 5))) for k in range(1, rng.randint(3, 9))]
        for members in groups:
            rows += [(a, b, rng.uniform(0.8, 1.0), rng.uniform(3, 9))
                     for a, b in itertools.combinations(members, 2) if rng.random() < 0.8]
        nodes = [v for members in groups for v in members]
        for _ in range(rng.randint(len(groups), 3 * len(groups))):
            a, b = rng.sample(nodes, 2)
            rows.append((min(a, b), max(a, b), rng.uniform(0.5, 1.0), rng.uniform(0.5, 9)))
        frame = pd.DataFrame(rows, columns=["id1", "id2", "score", "match_weight"])
        frame = frame.drop_duplicates(["id1", "id2"])
        if not frame.empty:
            _check_against_the_plain_rule(frame, trial)


def test_a_large_component_of_many_hubs_is_cut_as_the_plain_rule_cuts_it() -> None:
    """One component of 15 to 40 households (two to six records each, most of their pairs
    matched, or a chain or ring of records), many records tied into two or three households
    each (a record without a last name at a shared address), and a few stray links: many hubs
    cut one after another, groups cut off larger than what keeps the hub and smaller, and
    bridges to cut inside a group cut off. The pieces keep their biconnected parts from cut to
    cut where that holds; the cuts are still the plain rule's."""
    rng = random.Random(11)
    total = 0
    for trial in range(25):
        rows: list[tuple[int, int, float, float]] = []
        homes = [list(range(100 * k, 100 * k + rng.randint(2, 6))) for k in range(1, rng.randint(15, 40))]
        for members in homes:  # most pairs matched, or a chain of records (closed to a ring or not)
            pairs = (itertools.combinations(members, 2) if rng.random() < 0.6 else
                     itertools.pairwise(members + members[:1] * rng.randint(0, 1)))
            rows += [(a, b, rng.uniform(0.7, 1.0), rng.uniform(2, 12))
                     for a, b in pairs if rng.random() < 0.8]
        for hub in range(50, 50 + rng.randint(len(homes) // 2, len(homes))):
            for members in rng.sample(homes, rng.randint(2, 3)):
                for v in rng.sample(members, rng.randint(1, min(2, len(members)))):
                    rows.append((hub, v, rng.uniform(0.5, 1.0), rng.uniform(0.5, 12)))
        nodes = [v for members in homes for v in members]
        for _ in range(rng.randint(0, 3)):
            a, b = rng.sample(nodes, 2)
            rows.append((min(a, b), max(a, b), rng.uniform(0.5, 1.0), rng.uniform(0.5, 9)))
        frame = pd.DataFrame(rows, columns=["id1", "id2", "score", "match_weight"])
        frame = frame.assign(id1=frame[["id1", "id2"]].min(axis=1), id2=frame[["id1", "id2"]].max(axis=1))
        total += _check_against_the_plain_rule(frame.drop_duplicates(["id1", "id2"]), trial)
    assert total > 200  # many cuts in all
