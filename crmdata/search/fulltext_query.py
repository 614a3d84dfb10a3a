"""Queries over the full-text index (:mod:`crmdata.search.fulltext`; its documents:
:mod:`crmdata.search.documents`): the search box language as tantivy queries, and their hits
and counts over a view of the index.

Every word of the language is looked up in each text field with the field's weight; a word
matched exactly scores its BM25 score, one matched only by its beginning, a pattern or ``~``
a constant :data:`~crmdata.search.documents.LOOSE_SCORE` (exact before loose); a phrase is a
regex phrase over the same words. A word's beginning (and a word's end after a lone leading
``*``, as the beginning of the reversed word) is looked up with tantivy's prefix automaton (a
fuzzy term query at distance 0), which, unlike a regular expression, costs nothing to build
for each of the fields. A word sought by its end (``*mann``, ``?eier``: a leading
wildcard, none at the end) is sought backwards by its beginning (``nnam.*``) in the field of
reversed words beside each text field, which tantivy's term dictionary narrows to the words
of that beginning instead of running the pattern over every word; weight and score as in the
field itself, so the hits and their scores are the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal, overload

import numpy as np
import tantivy

from .documents import FIELDS, LOOSE_SCORE, REVERSED, SCHEMA, WEIGHTS, Held, held_of
from .fulltext import IndexUnavailable, View
from .normalise import reversed_text
from .parse import WILDCARDS, Atom, Query, Term


def _regex(atom: Atom, backwards: bool = False) -> str:
    """A regular expression matching the whole words (either form) the atom matches;
    ``backwards``: matching those words spelled backwards (:func:`sought_backwards`)."""
    alts = []
    for form in atom.forms:
        if atom.kind == "pattern":
            spelled = reversed_text(form) if backwards else form
            alts.append("".join("." if ch == "?" else ".*" if ch == "*" else _escape(ch) for ch in spelled))
        else:
            alts.append(_escape(form) + (".*" if atom.kind == "prefix" else ""))
    return "(" + "|".join(alts) + ")"


def sought_backwards(atom: Atom) -> bool:
    """Pure: whether a word's atom is looked up in the reversed words (:data:`REVERSED`): a
    pattern whose every form begins with a wildcard and ends with a letter or digit, so that
    spelled backwards it begins with letters the term dictionary can narrow to."""
    return atom.kind == "pattern" and all(f[0] in WILDCARDS and f[-1] not in WILDCARDS for f in atom.forms)


def _escape(text: str) -> str:
    return "".join(ch if ch.isalnum() else "\\" + ch for ch in text)


def _either(parts: list[tantivy.Query]) -> tantivy.Query:
    if len(parts) == 1:
        return parts[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, p) for p in parts])


def _beginning(name: str, beginnings: Sequence[str]) -> tantivy.Query:
    """The words of field ``name`` that begin with any of ``beginnings`` (tantivy's prefix
    automaton: no regular expression to compile)."""
    return _either([tantivy.Query.fuzzy_term_query(SCHEMA, name, b, 0, True, True) for b in beginnings])


def _atom_query(atom: Atom, name: str) -> tantivy.Query:
    exact = [tantivy.Query.term_query(SCHEMA, name, f) for f in atom.forms if "*" not in f and "?" not in f]
    if atom.kind == "exact" or (atom.kind == "fuzzy" and atom.distance == 0):
        return _either(exact)
    if atom.kind == "fuzzy":
        loose = _either([tantivy.Query.fuzzy_term_query(SCHEMA, name, f, atom.distance, True, False)
                         for f in atom.forms])
    elif atom.kind == "prefix":
        loose = _beginning(name, atom.forms)
    elif sought_backwards(atom) and all(f[0] == "*" and not any(c in WILDCARDS for c in f[1:])
                                        for f in atom.forms):  # ``*mann``: ``nnam`` begins the reversed word
        loose = _beginning(REVERSED[name], [reversed_text(f[1:]) for f in atom.forms])
    elif sought_backwards(atom):
        loose = tantivy.Query.regex_query(SCHEMA, REVERSED[name], _regex(atom, backwards=True))
    else:
        loose = tantivy.Query.regex_query(SCHEMA, name, _regex(atom))
    return _either([*exact, tantivy.Query.const_score_query(loose, LOOSE_SCORE)])


#: Values up to which :func:`one_of` looks each value up on its own: tantivy's term set query
#: walks the term dictionary towards every value at once, which costs more than that many
#: single look-ups when the values lie far apart (contact ids: a page's, the companies of a
#: search), and about as much from this many on.
FEW_TERMS = 256


def one_of(field: str, values: Iterable[int]) -> tantivy.Query:
    """Pure: the documents whose integer ``field`` holds any of ``values`` (none: no document),
    every one scoring 1 as a term set query scores them."""
    wanted = sorted({int(v) for v in values})
    if not wanted:
        return tantivy.Query.empty_query()
    if len(wanted) > FEW_TERMS:
        return tantivy.Query.term_set_query(SCHEMA, field, wanted)
    either = tantivy.Query.boolean_query(
        [(tantivy.Occur.Should, tantivy.Query.term_query(SCHEMA, field, v)) for v in wanted])
    return tantivy.Query.const_score_query(either, 1.0)


def _term_query(term: Term) -> tantivy.Query:
    """The term in any field, each field's match weighted."""
    per_field = []
    for name in FIELDS:
        if len(term.atoms) == 1:
            q = _atom_query(term.atoms[0], name)
        else:
            q = tantivy.Query.regex_phrase_query(SCHEMA, name, [_regex(a) for a in term.atoms])
        per_field.append(tantivy.Query.boost_query(q, WEIGHTS[name]))
    return _either(per_field)


def build_query(query: Query) -> tantivy.Query:
    """Pure: the tantivy query for a parsed, non-empty search query (every term must match)."""
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, _term_query(t)) for t in query.terms])


def _search(searcher: tantivy.Searcher, q: tantivy.Query, columns: Sequence[str],
            limit: int | None = None, counted: list[int] | None = None) -> list[tuple[Any, ...]]:
    """Every hit of ``q`` (or the ``limit`` best): its score and the fast-field ``columns``
    (``id`` first); ``counted`` gets how many hits there are in all."""
    try:
        if limit is not None:
            result = searcher.search(q, limit=max(1, limit), count=counted is not None)
            if counted is not None:
                counted[:] = [_counted(searcher, q, result)]
        else:  # every hit in one look-up (a limit of the whole index costs no more than the hits)
            result = searcher.search(q, limit=max(1, searcher.num_docs))
    except ValueError as exc:  # e.g. a phrase word matching too many words for tantivy
        raise IndexUnavailable(str(exc)) from exc
    hits = result.hits
    addrs = [addr for _score, addr in hits]
    values = [searcher.fast_field_values(name, addrs) for name in columns]
    return [(float(score), *row) for (score, _addr), *row in zip(hits, *values, strict=True)
            if row[0] is not None]


@overload
def hits(view: View, q: tantivy.Query, columns: Sequence[str] = ..., limit: int | None = ...,
         counted: Literal[False] = ...) -> list[tuple[Any, ...]]: ...


@overload
def hits(view: View, q: tantivy.Query, columns: Sequence[str], limit: int | None,
         counted: Literal[True]) -> tuple[list[tuple[Any, ...]], int]: ...


def hits(view: View, q: tantivy.Query, columns: Sequence[str] = ("id",), limit: int | None = None,
         counted: bool = False) -> list[tuple[Any, ...]] | tuple[list[tuple[Any, ...]], int]:
    """``(score, id, *other columns)`` of every document of the view that ``q`` finds (the
    folder's, but for contacts re-indexed in memory since: those from memory), any order; with
    ``limit``, of the ``limit`` best, best first (equal scores in any order). ``counted`` (for a
    view without contacts in memory): also how many documents ``q`` finds, in the same look-up."""
    if counted:
        if view.recent is not None:
            raise ValueError("hits(counted=True) needs a view without contacts in memory")
        n = [0]
        found = _search(view.disk, q, columns, limit, n)
        found.sort(key=lambda h: -h[0])
        return found, n[0]
    found = _search(view.disk, q, columns, None if limit is None else limit + len(view.stale))
    if view.recent is not None:
        found = [h for h in found if h[1] not in view.stale] + _search(view.recent, q, columns, limit)
    if limit is None:
        return found
    found.sort(key=lambda h: -h[0])
    return found[:limit]


#: The numpy type of each fast field :func:`hit_arrays` reads (``score``: tantivy's score).
_DTYPES = {"score": np.float64, "id": np.int64, "kind": np.int64, "employer": np.int64, "order": np.uint64}


def _arrays(searcher: tantivy.Searcher, q: tantivy.Query, columns: Sequence[str], limit: int,
            ) -> dict[str, np.ndarray]:
    found = searcher.search(q, limit=max(1, limit)).hits
    addrs = [addr for _score, addr in found]
    values = {"score": [score for score, _addr in found],
              **{name: searcher.fast_field_values(name, addrs) for name in columns}}
    if None in values[columns[0]]:  # a document without an id is no contact
        values = {k: [v for v, i in zip(vs, values[columns[0]], strict=True) if i is not None]
                  for k, vs in values.items()}
    try:
        return {k: np.array(vs, dtype=_DTYPES[k]) for k, vs in values.items()}
    except TypeError as exc:  # a hit without one of the columns
        raise IndexUnavailable(f"a document of the full-text index lacks a value: {exc}") from exc


def hit_arrays(view: View, q: tantivy.Query, columns: Sequence[str], limit: int | None = None,
               ) -> dict[str, np.ndarray]:
    """:func:`hits` as arrays, one per column and ``score``, best first (equal scores in any
    order): for many hits, which Python tuples would make slow to order. Without ``limit``,
    every hit, in one look-up (a limit of the whole index costs no more than the hits).
    Raises :class:`~crmdata.search.fulltext.IndexUnavailable` where a hit lacks a column."""
    if limit is None:
        limit = view.disk.num_docs + (view.recent.num_docs if view.recent is not None else 0)
    try:
        found = _arrays(view.disk, q, columns, limit + len(view.stale))
        if view.recent is not None:
            kept = ~np.isin(found[columns[0]], np.array(sorted(view.stale), dtype=np.int64))
            recent = _arrays(view.recent, q, columns, limit)
            found = {k: np.concatenate([v[kept], recent[k]]) for k, v in found.items()}
    except ValueError as exc:
        raise IndexUnavailable(str(exc)) from exc
    best = np.argsort(-found["score"], kind="stable")[:limit]
    return {k: v[best] for k, v in found.items()}


def as_arrays(found: Sequence[tuple[Any, ...]], columns: Sequence[str]) -> dict[str, np.ndarray]:
    """Pure: :func:`hits` rows ``(score, *columns)`` as the arrays of :func:`hit_arrays`."""
    return {name: np.array([h[k] for h in found], dtype=_DTYPES[name])
            for k, name in enumerate(("score", *columns))}


def _counted(searcher: tantivy.Searcher, q: tantivy.Query, result: Any) -> int:
    total = getattr(result, "count", None)
    return int(total) if total is not None else len(searcher.search(q, limit=searcher.num_docs).hits)


def _count(searcher: tantivy.Searcher, q: tantivy.Query) -> int:
    return _counted(searcher, q, searcher.search(q, limit=1, count=True))


def count(view: View, q: tantivy.Query) -> int:
    """How many documents of the view ``q`` finds."""
    try:
        n = _count(view.disk, q)
        if view.recent is not None:
            if view.stale:
                stale = one_of("id", view.stale)
                n -= _count(view.disk, tantivy.Query.boolean_query(
                    [(tantivy.Occur.Must, q), (tantivy.Occur.Must, stale)]))
            n += _count(view.recent, q)
    except ValueError as exc:
        raise IndexUnavailable(str(exc)) from exc
    return n


def find(view: View, query: Query) -> tuple[list[int], list[float]]:
    """Every contact the index finds for the query: ids and relevance scores (any order)."""
    found = hits(view, build_query(query))
    return [int(h[1]) for h in found], [h[0] for h in found]


def _held_in(searcher: tantivy.Searcher, ids: Sequence[int]) -> dict[int, Held]:
    q = one_of("id", ids)
    addrs = [addr for _score, addr in searcher.search(q, limit=max(1, len(ids))).hits]
    out = {}
    employers = searcher.fast_field_values("employer", addrs)
    for cid, employer, addr in zip(searcher.fast_field_values("id", addrs), employers, addrs, strict=True):
        raw = searcher.doc(addr).get_first("page")
        if cid is not None and isinstance(raw, bytes):
            out[int(cid)] = held_of(raw, None if employer is None else int(employer))
    return out


def held(view: View, ids: Sequence[int]) -> dict[int, Held]:
    """What the view's documents of ``ids`` keep for a result page (see
    :class:`~crmdata.search.documents.Held`), by id; an id without a document is left out.
    Raises :class:`~crmdata.search.fulltext.IndexUnavailable` where tantivy cannot answer."""
    wanted = {int(i) for i in ids}
    recent = wanted & view.stale
    try:
        out = _held_in(view.disk, sorted(wanted - recent)) if wanted - recent else {}
        if recent and view.recent is not None:
            out.update(_held_in(view.recent, sorted(recent)))
    except ValueError as exc:  # tantivy's own error: the page's values are read from the store
        raise IndexUnavailable(str(exc)) from exc
    return out
