"""The filters a relevance page from the full-text index answers, as one tantivy query.

The index's documents hold what some filters read of a contact (:mod:`crmdata.search.documents`):
whether it is a company, its temperature level, contact type, tags, managers and share type.
A search filtered by those alone is counted and ordered by the index
(:func:`crmdata.search.ranked.best_page`), the filters applied as the store's query applies
them (:func:`crmdata.search.sql.select_parts`): to every contact found, also to the persons a
matching company pulls in, but not to the company that pulls them. The names a filter uses
are looked up in the store first (:func:`crmdata.search.filters.named_ids_sql`, matched as the
store's query matches them), so the index filters by ids. Every other filter (dates, custom
values, activity, opportunities, contacts without managers) goes through the store's query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields

import tantivy

from ..model import ShareType
from .documents import SCHEMA
from .filters import (
    NAMED_CONTACT_TYPE,
    NAMED_MANAGER,
    NAMED_TAG,
    NAMED_TEMPERATURE,
    NO_MANAGER,
    Filters,
)
from .fulltext_query import one_of

#: The filters the index's documents answer (with the exceptions of :func:`answerable`).
INDEXED = frozenset({"show", "temperatures", "contact_types", "tags", "manager", "access"})
_NONE = Filters()


def answerable(filters: Filters) -> bool:
    """Pure: whether the index's documents hold all that ``filters`` read: none but
    :data:`INDEXED` chosen, and among them no contacts with opportunities (deals live in the
    store) and no contacts without managers."""
    if filters.show == "with_opportunities":
        return False
    if filters.manager is not None and filters.manager.lower() == NO_MANAGER:
        return False
    return all(getattr(filters, f.name) == getattr(_NONE, f.name) for f in fields(Filters)
               if f.name not in INDEXED)


def filter_query(filters: Filters, named: Sequence[tuple[int, str | None, int]]) -> tantivy.Query | None:
    """Pure: the documents ``filters`` (:func:`answerable`) let through, scoring nothing (so a
    hit's score stays its words' score); None for no filter. ``named``: the rows of
    :func:`~crmdata.search.filters.named_ids_sql` (a name naming nothing lets nothing through,
    as in the store's query)."""
    parts: list[tantivy.Query] = []
    if filters.show in ("persons", "companies"):
        parts.append(tantivy.Query.term_query(SCHEMA, "kind", 1 if filters.show == "companies" else 0))
    if filters.temperatures:
        parts.append(one_of("status", (i for p, _n, i in named if p == NAMED_TEMPERATURE)))
    if filters.contact_types:
        parts.append(one_of("contact_type", (i for p, _n, i in named if p == NAMED_CONTACT_TYPE)))
    for tag in filters.tags:  # all of these tags
        parts.append(one_of("tag_id", (i for p, n, i in named if p == NAMED_TAG and n == tag)))
    if filters.manager is not None:
        parts.append(one_of("manager", (i for p, _n, i in named if p == NAMED_MANAGER)))
    if filters.access == "restricted":
        parts.append(tantivy.Query.term_query(SCHEMA, "share", int(ShareType.NONE)))
    elif filters.access == "public":
        parts.append(one_of("share", (int(ShareType.READ), int(ShareType.READ_WRITE))))
    if not parts:
        return None
    return tantivy.Query.const_score_query(
        tantivy.Query.boolean_query([(tantivy.Occur.Must, p) for p in parts]), 0.0)
