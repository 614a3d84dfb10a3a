"""One page of a search by relevance, and its count, from the full-text index alone.

A search without filters, sorted by relevance, needs from the store only the page's own rows:
the full-text index's documents carry what the count and the order need besides the words
(:mod:`crmdata.search.fulltext`: company or person, a person's company, its share type and
managers, and where its display name sorts). So the rule of the store's query
(:func:`crmdata.search.sql.select_parts`) is applied here to the hits: only contacts the user
may view are found, a matching company the user may view pulls in its persons (at
:data:`~crmdata.search.sql.VIA_COMPANY` of its score) and every one is counted once, at its best
score. The order is the store's (score, then lower-cased display name, then id): the index
holds the name's first bytes, and contacts tied there on the page's edges are ordered by the
names the store gives (:func:`page_window`).

The index reflects the store as of this read (the caller catches it up first), so the count
is the store's. The page's rows are still read from the store with the access rule, and a
page row the store does not give back means the index disagrees: the caller then answers
through the store.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import tantivy

from ..access import User
from ..model import ShareType
from .documents import SCHEMA
from .fulltext import View
from .fulltext_query import build_query, count, hits
from .parse import Query
from .sql import VIA_COMPANY

#: ``(score, id, order)`` of one match.
Scored = tuple[float, int, int]


def visible_query(user: User) -> tantivy.Query | None:
    """Pure: the documents the user may view (None: every one), scoring nothing."""
    if user.is_admin:
        return None
    allowed = [tantivy.Query.term_query(SCHEMA, "share", int(ShareType.READ)),
               tantivy.Query.term_query(SCHEMA, "share", int(ShareType.READ_WRITE)),
               tantivy.Query.term_query(SCHEMA, "manager", int(user.id))]
    either = tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in allowed])
    return tantivy.Query.const_score_query(either, 0.0)


def _all_of(*parts: tantivy.Query | None, but_not: tantivy.Query | None = None) -> tantivy.Query:
    clauses = [(tantivy.Occur.Must, p) for p in parts if p is not None]
    if but_not is not None:
        clauses.append((tantivy.Occur.MustNot, but_not))
    return tantivy.Query.boolean_query(clauses)


def _persons_of(companies: Sequence[int], visible: tantivy.Query | None) -> tantivy.Query:
    return _all_of(tantivy.Query.term_set_query(SCHEMA, "employer", sorted(companies)),
                   tantivy.Query.term_query(SCHEMA, "kind", 0), visible)


@dataclass(frozen=True)
class Page:
    """The ids of one page, in order, and how many contacts match in all."""

    ids: list[int]
    total: int


def page_window(found: Sequence[Scored], page: int, page_size: int, low_first: bool,
                names: Callable[[Sequence[int]], dict[int, str | None]]) -> Page:
    """The page of ``found`` in the store's order: score (highest first unless ``low_first``),
    lower-cased display name (none last), id. ``names`` gives the lower-cased display names of
    contacts whose order the index's name prefix leaves tied at the page (few, usually none)."""
    sign = 1.0 if low_first else -1.0
    ordered = sorted(found, key=lambda h: (sign * h[0], h[2], h[1]))
    start = (page - 1) * page_size
    end = min(start + page_size, len(ordered))
    if start >= end:
        return Page([], len(ordered))
    lo, hi = start, end - 1

    def tie(h: Scored) -> tuple[float, int]:
        return h[0], h[2]

    while lo > 0 and tie(ordered[lo - 1]) == tie(ordered[start]):
        lo -= 1
    while hi + 1 < len(ordered) and tie(ordered[hi + 1]) == tie(ordered[end - 1]):
        hi += 1
    window = ordered[lo:hi + 1]
    tied = sorted({h[1] for a, b in zip(window, window[1:], strict=False) if tie(a) == tie(b)
                   for h in (a, b)})
    if tied:
        named = names(tied)
        window.sort(key=lambda h: (sign * h[0], h[2], named.get(h[1]) is None, named.get(h[1]) or "",
                                   h[1]))
    return Page([h[1] for h in window[start - lo:end - lo]], len(ordered))


#: Hits read in the first look-up of :func:`best_page`: a search with no more is ordered whole.
FIRST_HITS = 2_000


def best_page(view: View, query: Query, user: User, page: int, page_size: int,
              include_company_persons: bool, names: Callable[[Sequence[int]], dict[int, str | None]],
              ) -> Page | None:
    """:func:`page_window` of :func:`matches`, highest scores first. The first look-up reads the
    best :data:`FIRST_HITS` hits and counts all; a search with more orders only the best
    ``page * page_size`` (with every hit tied at the last one's score, and the persons their
    companies pull in at that score or above: a person found through a company scores half the
    company's score, so one that reaches the page's last score comes from a company among
    them), and the index counts the persons of every matching company that are no match
    themselves. None when the hits tied at the page's last score run past the first look-up:
    ordering them all here costs more than the store's query does."""
    visible = visible_query(user)
    q = build_query(query)
    qv = q if visible is None else _all_of(q, visible)
    wanted = page * page_size
    columns = ("id", "kind", "order")
    if view.recent is None:
        top, total = hits(view, qv, columns, limit=max(wanted, FIRST_HITS), counted=True)
    else:
        top, total = hits(view, qv, columns, limit=max(wanted, FIRST_HITS)), count(view, qv)
    if len(top) < total and top[min(wanted, len(top)) - 1][0] == top[-1][0]:
        return None  # ties run past what was read
    if len(top) >= total:  # every hit in hand: ordered whole, the persons pulled in added
        return page_window(_with_persons(view, top, visible, include_company_persons, float("-inf")),
                           page, page_size, False, names)
    if include_company_persons:
        companies = [int(h[1]) for h in hits(view, _all_of(qv, tantivy.Query.term_query(SCHEMA, "kind", 1)))]
        if companies:  # the persons of matching companies that are not matches themselves
            total += count(view, _all_of(_persons_of(companies, visible), but_not=q))
    floor = top[wanted - 1][0] if len(top) >= wanted else float("-inf")
    best = _with_persons(view, [h for h in top if h[0] >= floor], visible, include_company_persons, floor)
    return Page(page_window(best, page, page_size, False, names).ids, total)


def _with_persons(view: View, direct: Sequence[tuple[float, int, int, int]], visible: tantivy.Query | None,
                  include_company_persons: bool, floor: float) -> list[Scored]:
    """The direct hits ``(score, id, kind, order)`` and the persons their companies pull in
    scoring ``floor`` or more, each at its best score."""
    best: dict[int, tuple[float, int]] = {int(i): (score, int(order)) for score, i, _k, order in direct}
    strong = {int(i): score for score, i, kind, _o in direct if kind == 1 and score * VIA_COMPANY >= floor}
    if include_company_persons and strong:
        for _s, i, company, order in hits(view, _persons_of(list(strong), visible),
                                          ("id", "employer", "order")):
            score = strong[int(company)] * VIA_COMPANY
            if int(i) not in best or best[int(i)][0] < score:
                best[int(i)] = (score, int(order))
    return [(score, cid, order) for cid, (score, order) in best.items()]
