"""One page of a search by relevance or by display name, and its count, from the full-text
index alone (:func:`best_page`, :func:`name_page`).

A search sorted by relevance, without filters or with those the index's documents answer
(:mod:`crmdata.search.index_filters`), needs from the store only the page's own rows: the
full-text index's documents carry what the count and the order need besides the words
(:mod:`crmdata.search.fulltext`: company or person, a person's company, its share type and
managers, and where its display name sorts). So the rule of the store's query
(:func:`crmdata.search.sql.select_parts`) is applied here to the hits: only contacts the user
may view and the filters let through are found, a matching company the user may view pulls
in its persons (at :data:`~crmdata.search.sql.VIA_COMPANY` of its score) that the filters let
through, whether or not they let the company through, and every one is counted once, at its
best score. The order is the store's (score, then lower-cased display name, then id): the index
holds the name's first bytes, and contacts tied there on the page's edges are ordered by the
names the store gives (:func:`page_window`). Sorted by display name (the store's
``lower(display_name)``, nameless contacts last, then id, both ways), the same matches are all
read and ordered by that name prefix and the same names (:func:`name_window`).

The index reflects the store as of this read (the caller catches it up first), so the count
is the store's. The page's rows are still read from the store with the access rule, and a
page row the store does not give back means the index disagrees: the caller then answers
through the store.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import tantivy

from ..access import User
from ..model import ShareType
from .documents import LAST_ORDER, SCHEMA
from .fulltext import View
from .fulltext_query import as_arrays, build_query, count, hit_arrays, hits, one_of
from .parse import Query
from .sql import VIA_COMPANY


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
    """Pure: the documents every one of ``parts`` (None: any) finds and ``but_not`` does not."""
    clauses = [(tantivy.Occur.Must, p) for p in parts if p is not None]
    if but_not is not None:
        clauses.append((tantivy.Occur.MustNot, but_not))
    return tantivy.Query.boolean_query(clauses)


def _persons_of(companies: Sequence[int], allowed: tantivy.Query | None) -> tantivy.Query:
    """Pure: the persons of ``companies`` that ``allowed`` (None: any) finds."""
    return _all_of(one_of("employer", companies),
                   tantivy.Query.term_query(SCHEMA, "kind", 0), allowed)


#: The companies, scoring nothing.
_COMPANY = tantivy.Query.const_score_query(tantivy.Query.term_query(SCHEMA, "kind", 1), 0.0)


@dataclass(frozen=True)
class Page:
    """The ids of one page, in order, and how many contacts match in all."""

    ids: list[int]
    total: int


def page_window(score: np.ndarray, ids: np.ndarray, order: np.ndarray, page: int, page_size: int,
                low_first: bool, names: Callable[[Sequence[int]], dict[int, str | None]]) -> Page:
    """The page of the matches (arrays of one length: score, contact id, name order) in the
    store's order: score (highest first unless ``low_first``), lower-cased display name (none
    last), id. ``names`` gives the lower-cased display names of contacts whose order the
    index's name prefix leaves tied at the page (few, usually none)."""
    sign = 1.0 if low_first else -1.0
    ranked = np.lexsort((ids, order, sign * score))

    def tie(k: int) -> tuple[float, int]:
        return float(score[ranked[k]]), int(order[ranked[k]])

    window, on_page = _around_page(ranked, tie, ids, page, page_size)
    tied = sorted({h[2] for a, b in zip(window, window[1:], strict=False) if a[:2] == b[:2] for h in (a, b)})
    if tied:
        named = names(tied)
        window.sort(key=lambda h: (sign * h[0], h[1], named.get(h[2]) is None, named.get(h[2]) or "", h[2]))
    return Page([h[2] for h in window[on_page]], len(ranked))


def _around_page(ranked: np.ndarray, tie: Callable[[int], tuple[Any, ...]], ids: np.ndarray, page: int,
                 page_size: int) -> tuple[list[tuple[Any, ...]], slice]:
    """The matches of the page in the order ``ranked`` (positions into ``ids``) and every one
    tied with its first or last match by ``tie`` (a position's order key), as ``(*key, id)``;
    and where the page lies among them (nothing past the last page)."""
    total = len(ranked)
    start = (page - 1) * page_size
    end = min(start + page_size, total)
    if start >= end:
        return [], slice(0, 0)
    lo, hi = start, end - 1
    while lo > 0 and tie(lo - 1) == tie(start):
        lo -= 1
    while hi + 1 < total and tie(hi + 1) == tie(end - 1):
        hi += 1
    return [(*tie(k), int(ids[ranked[k]])) for k in range(lo, hi + 1)], slice(start - lo, end - lo)


#: Hits read in the first look-up of :func:`best_page`: a search with no more is ordered whole.
FIRST_HITS = 2_000
#: Hits :func:`best_page` reads and orders whole when many of them tie at the page's last
#: score (a prefix, a pattern, ``~``: every such hit in one field scores the same); past
#: this many the store's query orders them.
ALL_HITS = 200_000


@dataclass(frozen=True)
class _Asked:
    """The queries of one search over the index: ``q`` its words; ``matched`` the contacts it
    finds that the user may view and the filters let through; ``allowed`` what a page row,
    found or pulled in, must pass; ``pulling`` the companies that pull in their persons where
    filters keep them apart from ``matched`` (None: the companies among ``matched``)."""

    q: tantivy.Query
    matched: tantivy.Query
    allowed: tantivy.Query | None
    pulling: tantivy.Query | None


def _asked(query: Query, user: User, include_company_persons: bool, only: tantivy.Query | None) -> _Asked:
    """Pure: :class:`_Asked` of a search (``only``: the filters, scoring nothing)."""
    visible = visible_query(user)
    q = build_query(query)
    matched = q if visible is None and only is None else _all_of(q, visible, only)
    allowed = visible if only is None else _all_of(visible, only)  # a row of the page, found or pulled in
    # the matching companies that pull in their persons: the filters do not apply to them
    pulling = _all_of(q, visible, _COMPANY) if include_company_persons and only is not None else None
    return _Asked(q, matched, allowed, pulling)


def _first_look(view: View, q: tantivy.Query, columns: Sequence[str], limit: int,
                ) -> tuple[list[tuple[Any, ...]], int]:
    """The ``limit`` best hits of ``q`` and how many there are, in one look-up where the view
    allows it."""
    if view.recent is None:
        return hits(view, q, columns, limit=limit, counted=True)
    return hits(view, q, columns, limit=limit), count(view, q)


def best_page(view: View, query: Query, user: User, page: int, page_size: int,
              include_company_persons: bool, names: Callable[[Sequence[int]], dict[int, str | None]],
              only: tantivy.Query | None = None) -> Page | None:
    """:func:`page_window` of :func:`matches`, highest scores first. The first look-up reads the
    best :data:`FIRST_HITS` hits and counts all; a search with more orders only the best
    ``page * page_size`` (with every hit tied at the last one's score, and the persons their
    companies pull in at that score or above: a person found through a company scores half the
    company's score, so one that reaches the page's last score comes from a company among
    them), and the index counts the persons of every matching company that are no match
    themselves. When the hits tied at the page's last score run past the first look-up, every
    hit is read (up to :data:`ALL_HITS` of them; None past that, and when the second look-up
    disagrees with the first's count) and ordered the same way.

    ``only``: the filters (:func:`crmdata.search.index_filters.filter_query`, scoring nothing),
    applied to the hits and to the persons matching companies pull in, not to those companies."""
    asked = _asked(query, user, include_company_persons, only)
    q, qv, allowed, pulling = asked.q, asked.matched, asked.allowed, asked.pulling
    wanted = page * page_size
    columns = ("id", "kind", "order")
    top, total = _first_look(view, qv, columns, max(wanted, FIRST_HITS))
    if len(top) >= total:  # every hit in hand: ordered whole, the persons pulled in added
        direct = as_arrays(top, columns)
        companies = _companies(view, direct, pulling, include_company_persons)
        found = _with_persons(view, direct, companies, allowed, float("-inf"))
        assert found is not None  # no bound given
        return page_window(*found, page, page_size, False, names)
    if top[min(wanted, len(top)) - 1][0] == top[-1][0]:  # ties at the page's last score run past it
        if total > ALL_HITS:
            return None
        direct = hit_arrays(view, qv, columns, total)
        if len(direct["id"]) != total:
            return None
        companies = _companies(view, direct, pulling, include_company_persons)
    else:
        direct = as_arrays(top, columns)
        everyone = _all_of(qv, _COMPANY) if pulling is None else pulling
        companies = _companies(view, None, everyone, include_company_persons)
    if len(companies[0]):  # the persons of matching companies not matching themselves
        total += count(view, _all_of(_persons_of(companies[0].tolist(), allowed), but_not=q))
    floor = float(direct["score"][wanted - 1]) if len(direct["id"]) >= wanted else float("-inf")
    kept = {k: v[direct["score"] >= floor] for k, v in direct.items()}
    best = _with_persons(view, kept, companies, allowed, floor)
    assert best is not None  # no bound given
    return Page(page_window(*best, page, page_size, False, names).ids, total)


def name_window(ids: np.ndarray, order: np.ndarray, page: int, page_size: int, descending: bool,
                names: Callable[[Sequence[int]], dict[int, str | None]]) -> Page:
    """The page of the matches (arrays of one length: contact id, name order) in the store's
    order by display name: lower-cased name, then id, both ascending or both ``descending``,
    contacts without a name last either way. ``names`` as for :func:`page_window`."""
    unnamed = (order == LAST_ORDER).astype(np.int8)
    key = LAST_ORDER - order if descending else order  # unnamed contacts come last by ``unnamed``
    ranked = np.lexsort((-ids if descending else ids, key, unnamed))

    def tie(k: int) -> tuple[int, int]:
        return int(unnamed[ranked[k]]), int(key[ranked[k]])

    window, on_page = _around_page(ranked, tie, ids, page, page_size)
    tied = sorted({h[2] for a, b in zip(window, window[1:], strict=False)
                   if a[:2] == b[:2] and not a[0] for h in (a, b)})  # named contacts alike so far
    if tied:
        named = names(tied)
        window.sort(key=lambda h: (named.get(h[2]) or "", h[2]), reverse=descending)
        window.sort(key=lambda h: h[:2])  # stable: the names decide only within a tie
    return Page([h[2] for h in window[on_page]], len(ranked))


def name_page(view: View, query: Query, user: User, page: int, page_size: int, descending: bool,
              include_company_persons: bool, names: Callable[[Sequence[int]], dict[int, str | None]],
              only: tantivy.Query | None = None) -> Page | None:
    """The matches of :func:`best_page` (the same hits, persons pulled in and filters) in the
    order of the store's sort by display name (:func:`name_window`): every hit is read, and
    the persons of every matching company. None where the hits or those persons are more than
    :data:`ALL_HITS` (the store's query orders them)."""
    asked = _asked(query, user, include_company_persons, only)
    columns = ("id", "kind", "order")
    top, total = _first_look(view, asked.matched, columns, FIRST_HITS)  # a few hits: all read here
    if total > ALL_HITS:
        return None
    direct = as_arrays(top, columns) if len(top) >= total else hit_arrays(view, asked.matched, columns, total)
    if len(direct["id"]) != total:  # the second look-up disagrees with the first's count
        return None
    companies = _companies(view, direct, asked.pulling, include_company_persons)
    found = _with_persons(view, direct, companies, asked.allowed, float("-inf"), ALL_HITS)
    if found is None:
        return None
    _score, ids, order = found
    return name_window(ids, order, page, page_size, descending, names)


def _companies(view: View, direct: dict[str, np.ndarray] | None, pulling: tantivy.Query | None,
               include_company_persons: bool) -> tuple[np.ndarray, np.ndarray]:
    """Ids and scores of the matching companies that pull in their persons: those ``pulling``
    finds, else (unfiltered) those among every direct hit (``direct``)."""
    if not include_company_persons:
        return np.array([], dtype=np.int64), np.array([], dtype=np.float64)
    if pulling is None:
        assert direct is not None
        companies = direct["kind"] == 1
        return direct["id"][companies], direct["score"][companies]
    found = hit_arrays(view, pulling, ("id",))
    return found["id"], found["score"]


def _with_persons(view: View, direct: dict[str, np.ndarray], companies: tuple[np.ndarray, np.ndarray],
                  allowed: tantivy.Query | None, floor: float, most: int | None = None,
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Score, id and order of the direct hits (arrays ``score``, ``id``, ``kind``, ``order``)
    and of the persons ``allowed`` finds that ``companies`` (ids, scores) pull in scoring
    ``floor`` or more, each contact once at its best score; None where those persons are more
    than ``most``."""
    score, ids, order = direct["score"], direct["id"], direct["order"]
    strong = companies[1] * VIA_COMPANY >= floor
    if strong.any():
        by_id = np.argsort(companies[0][strong])
        pulling, pulled = companies[0][strong][by_id], companies[1][strong][by_id] * VIA_COMPANY
        persons_of = _persons_of(pulling.tolist(), allowed)
        columns = ("id", "employer", "order")
        persons = hit_arrays(view, persons_of, columns, None if most is None else most + 1)
        if most is not None and len(persons["id"]) > most:
            return None
        at = np.minimum(np.searchsorted(pulling, persons["employer"]), len(pulling) - 1)
        of_these = pulling[at] == persons["employer"]
        score = np.concatenate([score, pulled[at][of_these]])
        ids = np.concatenate([ids, persons["id"][of_these]])
        order = np.concatenate([order, persons["order"][of_these]])
    if not len(ids):
        return score, ids, order
    first = np.lexsort((-score, ids))  # by id, the best score first
    once = first[np.concatenate([[True], ids[first][1:] != ids[first][:-1]])]
    return score[once], ids[once], order[once]
