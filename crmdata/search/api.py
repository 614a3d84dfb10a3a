"""Search the contact list: query text + filters + sort + page -> one page of contacts and a total.

The one entry point the library, the CLI and the dashboards share. Everything runs as the
store's user, in one read: contacts that user may not view are never matched, counted, pulled
in by their company or named in an error.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from ..db import Tx
from ..errors import OverBudget, StoreError
from ..model import ListType
from . import fulltext, fulltext_query, index_filters, ranked
from .documents import Held
from .filters import FilterError, Filters, describe, named_ids_sql, names_to_check
from .index import SLOT_INFO, contact_texts
from .matched import Match, matches_in
from .parse import Query, parse
from .sql import (
    CTX_ACTIVITY,
    CTX_FIELD,
    CTX_LIST,
    CTX_TAG,
    MAX_INLINE_TERMS,
    PAGE_COLUMNS,
    PAGE_CONTACT_FIELDS,
    PAGE_INFO,
    PAGE_TEXT_FIELDS,
    SORTS,
    Hits,
    Resolved,
    atoms_to_resolve,
    count_sql,
    ids_sql,
    page_rows_sql,
    page_sql,
    vocab_sql,
    within_distance,
)

if TYPE_CHECKING:
    from ..access import User
    from ..db import Database

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 10_000
#: Seconds one search may take before it is stopped with :class:`SearchTooSlow`. While a search
#: runs, it holds the store file: other processes (writers too) wait for it.
TIME_BUDGET = 3.0
#: Similar spellings checked in Python between two looks at the clock.
_FUZZY_CHUNK = 20_000
#: Contacts a search on a time budget re-indexes itself; an index further behind is brought up
#: to date first, outside the budget (once after an import, say).
_BUDGET_CHANGES = 2_000

#: Which index answers the words of a query: the full-text index beside the store file where it
#: can (``auto``), or always the index tables inside the store (``store``).
Engine = Literal["auto", "store"]


class SearchTooSlow(OverBudget):
    """A search that ran past its time budget; it was stopped and nothing was changed."""


_FILTER_FIELDS = {f.name for f in fields(Filters)}


@dataclass(frozen=True)
class SearchResult:
    """One page of a search: the contacts (in order), how many match in all, and what was asked;
    ``matches``: where each contact of the page matched the query (by id; none without a query)."""

    frame: pd.DataFrame
    total: int
    page: int
    page_size: int
    description: str
    matches: dict[int, Match] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def make_filters(filters: Filters | None = None, **values: Any) -> Filters:
    """Filters from a :class:`Filters` and/or keyword values (``show="persons", tags=["Lead"]``)."""
    unknown = sorted(set(values) - _FILTER_FIELDS)
    if unknown:
        raise FilterError(
            f"Unknown filter {', '.join(unknown)}; filters are {', '.join(sorted(_FILTER_FIELDS))}."
        )
    base = filters or Filters()
    return base.with_(**values) if values else base


def search(
    db: Database,
    user: User,
    query: str | Query = "",
    filters: Filters | None = None,
    *,
    sort: str = "relevance",
    descending: bool | None = None,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
    include_company_persons: bool = True,
    time_budget: float | None = TIME_BUDGET,
    engine: Engine = "auto",
    **filter_values: Any,
) -> SearchResult:
    """Search the contacts ``user`` may view in the store ``db``.

    ``query`` uses the search box language (:mod:`crmdata.search.parse`); an empty query lists
    every contact the filters let through. ``sort`` is one of :data:`crmdata.search.sql.SORTS`
    (names ascending and dates/temperature descending unless ``descending`` says otherwise);
    ``relevance``, the default, puts the best matches first and lists by display name without
    a query.
    ``include_company_persons`` adds the persons of every matching company. A search still
    running after ``time_budget`` seconds (None: no limit) stops with :class:`SearchTooSlow`.
    ``sort="relevance"`` puts the best matches first (see :mod:`crmdata.search.fulltext`).
    """
    parsed = query if isinstance(query, Query) else parse(query or "")
    chosen = make_filters(filters, **filter_values)
    if sort not in SORTS:
        raise FilterError(f"Cannot sort by {sort!r}; choose one of {', '.join(SORTS)}.")
    if int(page) < 1:
        raise FilterError(f"Page {page} does not exist; pages start at 1.")
    if not 1 <= int(page_size) <= MAX_PAGE_SIZE:
        raise FilterError(f"A page holds 1 to {MAX_PAGE_SIZE} contacts, not {page_size}.")
    page, page_size = int(page), int(page_size)
    try:
        try:
            total, frame, matches = _one_page(db, user, parsed, chosen, sort, descending, page, page_size,
                                              include_company_persons, time_budget, engine)
        except fulltext.IndexBehind:  # far behind (after an import): caught up off the budget
            ready = _bring_index_up_to_date(db)
            total, frame, matches = _one_page(db, user, parsed, chosen, sort, descending, page, page_size,
                                              include_company_persons, time_budget,
                                              engine if ready else "store")
    except OverBudget as exc:
        raise SearchTooSlow(
            f"The search {parsed.text[:60]!r} was stopped after {time_budget:g} s, so that it "
            "does not keep other users from the store; nothing was changed.",
            hint="search for longer words, fewer words with wildcards or ~, or add filters",
        ) from exc
    text = f"contacts matching {parsed.describe()}" if not parsed.is_empty else "contacts"
    extra = describe(chosen)
    description = text if extra == "all contacts" else f"{text}; {extra}"
    if not parsed.is_empty and not include_company_persons:
        description += " (without the persons of matching companies)"
    shown_sort = "display_name" if sort == "relevance" and parsed.is_empty else sort
    description += f"; sorted by {shown_sort.replace('_', ' ')}"
    return SearchResult(frame, total, page, page_size, description, matches)


def _one_page(
    db: Database, user: User, parsed: Query, chosen: Filters, sort: str, descending: bool | None, page: int,
    page_size: int, include_company_persons: bool, time_budget: float | None, engine: Engine,
) -> tuple[int, pd.DataFrame, dict[int, Match]]:
    """The total, one page and where its contacts matched, in one read on the time budget. Raises
    :class:`~crmdata.search.fulltext.IndexBehind` (before any work) when the full-text index
    needs more catching up than a search on a budget does itself."""
    deadline = None if time_budget is None else time.monotonic() + time_budget
    max_changes = None if time_budget is None else _BUDGET_CHANGES
    with db.read(budget=time_budget) as tx:
        _check_names(tx, chosen)
        answered = _from_index(db, user, tx, parsed, chosen, sort, descending, page, page_size,
                               include_company_persons, engine, deadline, max_changes)
        if answered is not None:
            total, frame, matches = answered
        else:
            total, frame, matches = _through_store(db, user, tx, parsed, chosen, sort, descending, page,
                                                   page_size, include_company_persons, engine,
                                                   deadline, max_changes)
    for cid, company in zip(frame["id"], frame["company_name"], strict=True):
        if int(cid) not in matches and not parsed.is_empty and isinstance(company, str):
            matches[int(cid)] = Match("via company", company)  # found through its company
    return total, frame, matches


def _from_index(
    db: Database, user: User, tx: Tx, parsed: Query, chosen: Filters, sort: str, descending: bool | None,
    page: int, page_size: int, include_company_persons: bool, engine: Engine, deadline: float | None,
    max_changes: int | None,
) -> tuple[int, pd.DataFrame, dict[int, Match]] | None:
    """A search by relevance or by display name, without filters or with those the index's
    documents answer (:mod:`crmdata.search.index_filters`), counted and ordered by the
    full-text index (:mod:`crmdata.search.ranked`), the page's rows read from the store. None
    where the index does not answer so: other sorts, lowest scores first or other filters; more
    hits than the index orders; no index; or a page row the store does not give back."""
    by_name = sort == "display_name"
    if (parsed.is_empty or not (by_name or (sort == "relevance" and descending is not False))
            or not index_filters.answerable(chosen) or not _usable(db, engine)):
        return None
    named_sql = named_ids_sql(chosen)
    named = [(int(p), n, int(i)) for p, n, i in tx.rows(*named_sql)] if named_sql is not None else []
    only = index_filters.filter_query(chosen, named)

    try:
        view = fulltext.index_for(db.path).searcher(tx, max_changes)
        held: dict[int, Held] = {}  # documents read for tied names, kept for the page

        def names(ids: Sequence[int]) -> dict[int, str | None]:
            """The lower-cased display names the index's documents keep (the store's for any
            without one)."""
            held.update(fulltext_query.held(view, ids))
            missing = [i for i in ids if i not in held]
            return {**{i: held[i].name for i in ids if i in held}, **(_names(tx, missing) if missing else {})}

        if by_name:
            window = ranked.name_page(view, parsed, user, page, page_size, bool(descending),
                                      include_company_persons, names, only)
        else:
            window = ranked.best_page(view, parsed, user, page, page_size, include_company_persons, names,
                                      only)
        if window is not None:
            held.update(fulltext_query.held(view, [i for i in window.ids if i not in held]))
    except (fulltext.IndexUnavailable, OSError):
        return None
    if deadline is not None and time.monotonic() > deadline:
        raise OverBudget("The full-text search took longer than the time budget.")
    if window is None:
        return None
    frame, matches = _page_frame(tx, user, window.ids, parsed, held)
    if len(frame) != len(window.ids):
        return None  # a page row the store does not give back: answered through the store
    return window.total, frame, matches


def _names(tx: Tx, ids: Sequence[int]) -> dict[int, str | None]:
    """The lower-cased display names of a few contacts (the store's own lower-casing)."""
    return {int(i): n for i, n in tx.rows(
        "SELECT id, lower(display_name) FROM contacts WHERE id IN (SELECT unnest(?::BIGINT[]))", [list(ids)])}


def _through_store(
    db: Database, user: User, tx: Tx, parsed: Query, chosen: Filters, sort: str, descending: bool | None,
    page: int, page_size: int, include_company_persons: bool, engine: Engine, deadline: float | None,
    max_changes: int | None,
) -> tuple[int, pd.DataFrame, dict[int, Match]]:
    """The total and one page selected by the store's query (hits of either index checked
    against the contacts table: access, filters, sort)."""
    resolved, view = _resolve_with_view(db, tx, parsed, deadline, engine, max_changes)
    # a text query narrows the rows first, so one query with a window count is cheapest;
    # a plain listing of (nearly) everything counts separately
    windowed = not parsed.is_empty
    rows = tx.rows(*page_sql(
        user, parsed, chosen, resolved, sort=sort, descending=descending, page=page,
        page_size=page_size, include_company_persons=include_company_persons,
        with_total=windowed,
    ))
    if rows and windowed:
        total = int(rows[0][1])
    elif not rows and page == 1:
        total = 0
    else:
        total = int(tx.scalar(*count_sql(
            user, parsed, chosen, resolved, include_company_persons)))
    ids = [int(r[0]) for r in rows]
    held = None
    if view is not None:
        try:
            held = fulltext_query.held(view, ids)
        except fulltext.IndexUnavailable:  # the page's contact information is read from the store
            held = None
    frame, matches = _page_frame(tx, user, ids, parsed, held)
    return total, frame, matches


def matching_ids(
    db: Database,
    user: User,
    query: str | Query = "",
    filters: Filters | None = None,
    *,
    limit: int = 100_000,
    include_company_persons: bool = True,
    **filter_values: Any,
) -> list[int]:
    """The ids of every contact a :func:`search` finds (all pages, at most ``limit``), in id
    order: "select all that match" for a bulk action."""
    parsed = query if isinstance(query, Query) else parse(query or "")
    chosen = make_filters(filters, **filter_values)
    with db.read() as tx:
        _check_names(tx, chosen)
        resolved = resolve(db, tx, parsed)
        rows = tx.rows(*ids_sql(user, parsed, chosen, resolved, int(limit), include_company_persons))
    return [int(r[0]) for r in rows]


def _check_names(tx: Tx, filters: Filters) -> None:
    """Unknown temperature levels, types, tags, users or custom fields are errors, not empty lists."""
    for kind, names in names_to_check(filters):
        assert kind.known_sql is not None
        known = {str(r[0]) for r in tx.rows(kind.known_sql)}
        missing = [n for n in names if n.strip().lower() not in known]
        if missing:
            shown = ", ".join(sorted(known)[:20]) or "(none)"
            raise FilterError(
                f"There is no {kind.label} {', '.join(repr(m) for m in missing)}.",
                hint=f"known: {shown}",
            )


def _usable(db: Database, engine: Engine) -> bool:
    """Whether the full-text index may answer: not inside a write transaction (it would take in
    changes that may yet be rolled back), not for an in-memory store (no file to sit beside)."""
    return engine == "auto" and db.path != ":memory:" and not db.in_transaction


def _bring_index_up_to_date(db: Database) -> bool:
    """Catch the full-text index up (or rebuild it) without a time budget; False if it cannot
    be written now (the store's own index answers)."""
    with db.read() as tx:
        try:
            fulltext.index_for(db.path).searcher(tx)
        except (fulltext.IndexUnavailable, OSError):
            return False
    return True


def refresh_index(db: Database, *, rebuild: bool = False) -> int | None:
    """Catch the full-text index up now, or rebuild it (returns the contacts indexed then).
    None when the store has no index to keep (see :func:`_usable`). Raises
    :class:`~crmdata.errors.StoreError` when another process is writing the index."""
    if not _usable(db, "auto"):
        return None
    index = fulltext.index_for(db.path)
    with db.read() as tx:
        try:
            if rebuild:
                with index.lock:
                    return index.rebuild(tx)
            index.searcher(tx)
        except fulltext.IndexUnavailable as exc:
            raise StoreError(
                f"The search index beside {db.path} is being written by another process; "
                "searches use the store's own index meanwhile.", hint="try again in a moment") from exc
        except OSError as exc:
            raise StoreError(
                f"The search index cannot be written beside {db.path}: {exc.strerror or exc}; "
                "searches use the store's own index meanwhile.",
                hint=f"let this user write {fulltext.folder_of(db.path)}") from exc
    return None


def resolve(
    db: Database, tx: Tx, query: Query, deadline: float | None = None, *, engine: Engine = "auto",
    max_changes: int | None = None,
) -> dict[tuple[int, int], Resolved] | Hits:
    """What the query's words match: the contacts the full-text index finds, or where it cannot
    answer, the atoms resolved against the store's own index (see :func:`_resolve`)."""
    return _resolve_with_view(db, tx, query, deadline, engine, max_changes)[0]


def _resolve_with_view(
    db: Database, tx: Tx, query: Query, deadline: float | None, engine: Engine, max_changes: int | None,
) -> tuple[dict[tuple[int, int], Resolved] | Hits, fulltext.View | None]:
    """:func:`resolve`, and the view of the full-text index that answered (None: the store's)."""
    if not query.is_empty and _usable(db, engine):
        try:
            view = fulltext.index_for(db.path).searcher(tx, max_changes)
            ids, scores = fulltext_query.find(view, query)
        except (fulltext.IndexUnavailable, OSError):  # busy, or a folder that cannot be written
            pass
        else:
            if deadline is not None and time.monotonic() > deadline:
                raise OverBudget("The full-text search took longer than the time budget.")
            return Hits(ids, scores), view
    return _resolve(tx, query, deadline), None


def _resolve(tx: Tx, query: Query, deadline: float | None = None) -> dict[tuple[int, int], Resolved]:
    """Look fuzzy and leading-wildcard atoms up in the vocabulary first (short token lists).
    The distances of similar spellings are computed here, in Python, where DuckDB's interrupt
    cannot reach: the clock is checked between chunks against ``deadline`` instead."""
    out: dict[tuple[int, int], Resolved] = {}
    for ti, ai, atom in atoms_to_resolve(query):
        sql, params = vocab_sql(atom)
        if atom.kind == "fuzzy":
            candidates = [str(r[0]) for r in tx.rows(sql, params)]
            near: list[str] = []
            for i in range(0, len(candidates), _FUZZY_CHUNK):
                if deadline is not None and time.monotonic() > deadline:
                    raise OverBudget("The similar spellings took longer than the time budget.")
                near += within_distance(atom, candidates[i:i + _FUZZY_CHUNK])
            out[(ti, ai)] = Resolved(terms=tuple(sorted(set(near))))
            continue
        terms = [str(r[0]) for r in tx.rows(f"{sql} LIMIT {MAX_INLINE_TERMS + 1}", params)]
        if len(terms) > MAX_INLINE_TERMS:
            out[(ti, ai)] = Resolved(subquery=(sql, params))
        else:
            out[(ti, ai)] = Resolved(terms=tuple(sorted(set(terms))))  # a recent word may come twice
    return out


def _page_frame(tx: Tx, user: User, ids: list[int], query: Query,
                held: Mapping[int, Held] | None = None) -> tuple[pd.DataFrame, dict[int, Match]]:
    """The list columns of the page's contacts, in the page's order (a few index lookups), and
    where the query matched each (from the same rows: the searched texts are among them).

    ``held``: what the full-text index's documents keep of the page's contacts (it reflects
    the store as of this read): their contact information, custom values and tags are then not
    read again. The contacts' rows (with the access rule), their companies' names, their last
    activity and every title are read from the store either way."""
    if not ids:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in PAGE_COLUMNS}), {}
    held = held if held is not None and all(int(i) in held for i in ids) else None
    employers = sorted({e for i in ids if (e := held[int(i)].employer) is not None}) if held else []
    q = page_rows_sql(user, ids, employers)
    names = [name for name, _ in PAGE_CONTACT_FIELDS]
    by_id = {int(r[0]): dict(zip(names, r, strict=True)) for r in tx.rows(*q["contacts"])}
    rows = [by_id[i] for i in ids if i in by_id]
    companies = {i: r["company_name"] for i, r in by_id.items() if r["is_company"]}
    unread = sorted({int(r["company_id"]) for r in rows if r["company_id"] is not None} - {*ids, *employers})
    if unread:
        companies.update(tx.rows(q["companies"][0], [unread, *q["companies"][1]]))
    context: dict[int, list[tuple[Any, ...]]] = {}
    for part, *rest in tx.rows(*q["context"]):
        context.setdefault(int(part), []).append(tuple(rest))
    activity = {int(i): at for i, _n, _text, at in context.get(CTX_ACTIVITY, ())}
    titles = {int(i): text for i, _n, text, _at in context.get(CTX_TAG, ())}
    lists = {(int(i), int(n)): text for i, n, text, _at in context.get(CTX_LIST, ())}
    field_types = {int(i): int(n) for i, n, _text, _at in context.get(CTX_FIELD, ())}
    if held is not None:
        info = [(int(r["id"]), *row) for r in rows for row in held[int(r["id"])].info]
        tag_rows = [(int(r["id"]), t) for r in rows for t in held[int(r["id"])].tags]
        custom = [(int(r["id"]), *row) for r in rows for row in held[int(r["id"])].custom]
    else:
        info, tag_rows = tx.rows(*q["info"]), tx.rows(*q["tags"])
        custom = tx.rows(*q["custom"]) if not query.is_empty else []
    best: dict[tuple[int, int], tuple[bool, int, str]] = {}
    info_rows: dict[int, list[dict[str, Any]]] = {}
    for cid, info_type, data, primary, info_id, street, city, state, zip_code, country in info:
        key, rank = (int(cid), int(info_type)), (not primary, int(info_id), data)
        if key not in best or rank < best[key]:
            best[key] = rank  # the primary value, else the first one
        info_rows.setdefault(int(cid), []).append({
            "id": info_id, "info_type": info_type, "data": data, "street": street, "city": city,
            "state": state, "zip": zip_code, "country": country})
    tags: dict[int, list[str]] = {}
    tag_ids: dict[int, list[int]] = {}
    for cid, tag_id in tag_rows:
        if int(tag_id) in titles:
            tags.setdefault(int(cid), []).append(str(titles[int(tag_id)]))
            tag_ids.setdefault(int(cid), []).append(int(tag_id))
    matches = (_matches(query, rows, info_rows, custom, tag_ids, titles, field_types)
               if not query.is_empty else {})
    out = []
    for r in rows:
        cid = int(r["id"])
        shown = {name: best[(cid, int(t))][2] if (cid, int(t)) in best else None
                 for name, t in PAGE_INFO.items()}
        out.append({
            **r,
            "kind": "company" if r["is_company"] else "person",
            "company_name": r["company_name"] if r["is_company"] else companies.get(r["company_id"]),
            "company_id": r["company_id"] if r["company_id"] in companies else None,
            "temperature": lists.get((r["status_id"], int(ListType.TEMPERATURE))),
            "contact_type": lists.get((r["contact_type_id"], int(ListType.CONTACT_TYPE))),
            "tags": ", ".join(sorted(tags[cid], key=str.lower)) if cid in tags else None,
            **shown,
            "last_activity": activity.get(cid),
        })
    frame = pd.DataFrame(out, columns=list(PAGE_COLUMNS))
    frame["last_activity"] = pd.to_datetime(frame["last_activity"])
    return frame, matches


def _matches(query: Query, rows: list[dict[str, Any]], info_rows: dict[int, list[dict[str, Any]]],
             custom_rows: Sequence[tuple[Any, ...]], tag_ids: dict[int, list[int]], titles: dict[int, str],
             field_types: dict[int, int]) -> dict[int, Match]:
    """Where the query matched the page's contacts, from the rows the page read (plus their
    custom values): the same texts :func:`crmdata.search.index.source_sql` indexes."""
    custom: dict[int, list[dict[str, Any]]] = {}
    for cid, field_id, value in custom_rows:
        custom.setdefault(int(cid), []).append({"field_id": field_id, "value": value})
    texts: dict[int, list[tuple[int, str]]] = {}
    kinds: dict[tuple[int, int], int] = {}
    for r in rows:
        cid = int(r["id"])
        contact = {key: r[col] for key, col in PAGE_TEXT_FIELDS.items()}
        held = contact_texts(contact, info_rows.get(cid, ()), custom.get(cid, ()), tag_ids.get(cid, ()),
                             field_types, titles)
        texts[cid] = [(slot, text) for _c, slot, text in held if text]
        for n, info in enumerate(sorted(info_rows.get(cid, ()), key=lambda i: int(i["id"])), start=1):
            kinds[(cid, SLOT_INFO + n)] = int(info["info_type"])
    return matches_in(query, texts, kinds)
