"""Pure SQL builders for search: a parsed query, filters, sort and page -> ``(sql, params)``.

Nothing here runs SQL. A query is answered in two steps:

1. atoms that cannot be narrowed by a token range (``~``, and patterns that start with a
   wildcard) are first resolved against the vocabulary (:func:`crmdata.search.index.vocabulary_sql`,
   :func:`vocab_sql`), giving a short list of tokens;
2. :func:`page_sql` then selects the contacts: per term the contacts having its atoms as
   adjacent words of one field, terms intersected, companies' persons pulled in, then the
   access rule, the filters, the sort and the page.

Words reach SQL only as bound parameters; LIKE patterns escape ``%``, ``_`` and ``\\``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz.distance import DamerauLevenshtein

from ..access import User, view_predicate
from ..model import InfoType, ListType
from .filters import Filters, filters_sql
from .index import LIVE_TOKENS, vocabulary_sql
from .normalise import signature
from .parse import Atom, Query, Term

SqlParams = tuple[str, list[object]]

#: Sort keys: name -> (SQL on ``contacts AS c``, default descending).
SORTS: dict[str, tuple[str, bool]] = {
    "display_name": ("lower(c.display_name)", False),
    "first_name": ("lower(c.first_name)", False),
    "last_name": ("lower(c.last_name)", False),
    "position": ("lower(c.title)", False),  # a person's position
    "created": ("c.created_at", True),
    "updated": ("c.updated_at", True),
    "temperature": (
        f"(SELECT l.sort_order FROM list_items l WHERE l.id = c.status_id "
        f"AND l.list_type = {int(ListType.TEMPERATURE)})",
        True,
    ),
    "last_activity": (
        "(SELECT max(h.event_at) FROM history_events h WHERE h.contact_id = c.id)", True
    ),
    # best match first (see crmdata.search.fulltext), then by name; a listing without a query
    # (nothing to rank) is sorted by name
    "relevance": ("m.score", True),
}

#: The share of its company's score a person found through its company gets.
VIA_COMPANY = 0.5


@dataclass(frozen=True)
class Hits:
    """The contacts the full-text index found for a query, with their scores (any order)."""

    ids: Sequence[int]
    scores: Sequence[float]

#: A pattern or fuzzy atom resolved to more vocabulary terms than this is joined, not inlined.
MAX_INLINE_TERMS = 2000


def like_escape(text: str) -> str:
    """Escape LIKE's own metacharacters (``\\``, ``%``, ``_``) for ``ESCAPE '\\'``."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def like_pattern(pattern: str) -> str:
    """A query pattern (``?`` one character, ``*`` any run) as a LIKE pattern."""
    return "".join(
        "_" if ch == "?" else "%" if ch == "*" else like_escape(ch) for ch in pattern
    )


def literal_prefix(pattern: str) -> str:
    """The characters of a pattern before its first wildcard."""
    for i, ch in enumerate(pattern):
        if ch in "?*":
            return pattern[:i]
    return pattern


def successor(prefix: str) -> str | None:
    """The smallest string greater than every string starting with ``prefix`` (None if none)."""
    for i in range(len(prefix) - 1, -1, -1):
        if ord(prefix[i]) < 0x10FFFF:
            return prefix[:i] + chr(ord(prefix[i]) + 1)
    return None


def _range(column: str, prefix: str) -> SqlParams:
    upper = successor(prefix)
    if upper is None:
        return f"starts_with({column}, ?)", [prefix]
    return f"({column} >= ? AND {column} < ?)", [prefix, upper]


def needs_vocab(atom: Atom) -> bool:
    """True for atoms answered via the vocabulary first: ``~`` and patterns with no prefix."""
    if atom.kind == "fuzzy":
        return True
    return atom.kind == "pattern" and any(literal_prefix(f) == "" for f in atom.forms)


def vocab_sql(atom: Atom) -> SqlParams:
    """``SELECT term`` of the vocabulary terms the atom may match.

    For a pattern this is exact. For ``~`` it is a superset: terms whose length and character
    set allow the distance (two cheap integer tests); the caller then checks the
    Damerau-Levenshtein distance of those few in Python, because DuckDB would otherwise compute
    the distance for every term before filtering. A term may come twice (a word of a recent
    edit that is also in the main vocabulary).
    """
    parts: list[str] = []
    params: list[object] = []
    for form in atom.forms:
        if atom.kind == "fuzzy":
            k = atom.distance
            parts.append("(len BETWEEN ? AND ? AND bit_count(xor(sig, ?::BIGINT)) <= ?)")
            params += [len(form) - k, len(form) + k, signature(form), 2 * k]
        else:
            parts.append("{term} LIKE ? ESCAPE '\\'")
            params.append(like_pattern(form))
    cond = " OR ".join(parts)
    return vocabulary_sql(cond.format(term="term"), cond.format(term="token")), params * 2


def within_distance(atom: Atom, terms: Sequence[str]) -> list[str]:
    """The terms within the fuzzy atom's Damerau-Levenshtein distance of one of its forms."""
    k = atom.distance
    return [
        t for t in terms
        if any(DamerauLevenshtein.distance(f, t, score_cutoff=k) <= k for f in atom.forms)
    ]


@dataclass(frozen=True)
class Resolved:
    """Vocabulary terms an atom resolved to; ``subquery`` set when there were too many to inline."""

    terms: tuple[str, ...] = ()
    subquery: SqlParams | None = None


def atom_predicate(atom: Atom, resolved: Resolved | None = None) -> SqlParams:
    """A predicate on ``search_tokens`` (unqualified ``token``) for one atom."""
    if resolved is not None:
        if resolved.subquery is not None:
            sub_sql, sub_params = resolved.subquery
            return f"token IN ({sub_sql})", list(sub_params)
        if not resolved.terms:
            return "FALSE", []
        if len(resolved.terms) > MAX_INLINE_TERMS:
            return "token IN (SELECT unnest(?::VARCHAR[]))", [list(resolved.terms)]
        marks = ", ".join("?" for _ in resolved.terms)
        return f"token IN ({marks})", list(resolved.terms)
    if atom.kind == "exact":
        marks = ", ".join("?" for _ in atom.forms)
        return f"token IN ({marks})", list(atom.forms)
    parts: list[str] = []
    params: list[object] = []
    for form in atom.forms:
        if atom.kind == "prefix":
            sql, p = _range("token", form)
        elif atom.kind == "pattern":
            rng, p = _range("token", literal_prefix(form))
            sql = f"({rng} AND token LIKE ? ESCAPE '\\')"
            p = p + [like_pattern(form)]
        else:
            raise ValueError(f"atom {atom} needs resolving against the vocabulary first")
        parts.append(sql)
        params += p
    return "(" + " OR ".join(parts) + ")", params


#: Terms of more words than this are matched by grouping word positions, not by joining one
#: table per word: the optimiser's cost of ordering a join grows steeply with its tables (a term
#: of 180 words joined by hyphens took over a minute to plan).
MAX_JOINED_ATOMS = 4


def term_sql(term: Term, resolved: Mapping[int, Resolved]) -> SqlParams:
    """``SELECT DISTINCT contact_id`` of the contacts where the term's atoms are adjacent words."""
    if len(term.atoms) > MAX_JOINED_ATOMS:
        return _grouped_term_sql(term, resolved)
    selects: list[str] = []
    params: list[object] = []
    for i, atom in enumerate(term.atoms):
        pred, p = atom_predicate(atom, resolved.get(i))
        selects.append(f"(SELECT contact_id, slot, pos FROM {LIVE_TOKENS} AS s WHERE {pred}) t{i}")
        params += p
    if len(selects) == 1:
        pred, _ = atom_predicate(term.atoms[0], resolved.get(0))
        return f"SELECT DISTINCT contact_id FROM {LIVE_TOKENS} AS s WHERE {pred}", params
    joins = selects[0]
    for i in range(1, len(selects)):
        joins += (
            f" JOIN {selects[i]} ON t{i}.contact_id = t0.contact_id AND t{i}.slot = t0.slot "
            f"AND t{i}.pos = t0.pos + {i}"
        )
    return f"SELECT DISTINCT t0.contact_id FROM {joins}", params


def _grouped_term_sql(term: Term, resolved: Mapping[int, Resolved]) -> SqlParams:
    """:func:`term_sql` for long terms: each word's rows give the position the term would start
    at; a start that every word gives (in one field of one contact) is a match. Same contacts
    as the join, at a planning cost that grows with the words, not steeply."""
    parts: list[str] = []
    params: list[object] = []
    for i, atom in enumerate(term.atoms):
        pred, p = atom_predicate(atom, resolved.get(i))
        parts.append(f"SELECT contact_id, slot, pos - {i} AS start, {i} AS atom "
                     f"FROM {LIVE_TOKENS} AS s WHERE {pred}")
        params += p
    return (f"SELECT DISTINCT contact_id FROM ({' UNION ALL '.join(parts)}) "
            f"GROUP BY contact_id, slot, start HAVING count(DISTINCT atom) = {len(term.atoms)}",
            params)


def hits_sql(
    query: Query, resolved: Mapping[tuple[int, int], Resolved]
) -> SqlParams:
    """``SELECT contact_id`` of contacts matching every term (the query must not be empty)."""
    parts: list[str] = []
    params: list[object] = []
    for ti, term in enumerate(query.terms):
        sql, p = term_sql(term, {ai: r for (t, ai), r in resolved.items() if t == ti})
        parts.append(f"SELECT contact_id FROM ({sql})")
        params += p
    return " INTERSECT ".join(parts), params


def _order(sort: str, descending: bool | None, ranked: bool = True) -> str:
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}")
    if sort == "relevance":
        if not ranked:
            return _order("display_name", descending)
        low_first = descending is False
        return (f"m.score {'ASC' if low_first else 'DESC'}, lower(c.display_name) ASC NULLS LAST, "
                "c.id ASC")
    expr, default_desc = SORTS[sort]
    desc = default_desc if descending is None else descending
    direction = "DESC" if desc else "ASC"
    return f"{expr} {direction} NULLS LAST, c.id {direction}"


def select_parts(
    user: User,
    query: Query,
    filters: Filters,
    resolved: Mapping[tuple[int, int], Resolved] | Hits,
    include_company_persons: bool = True,
) -> tuple[str, str, list[object]]:
    """``(with_clause, rest, params)``: ``FROM contacts c {rest}`` are the matching rows.

    ``resolved`` is what the full-text index found (:class:`Hits`), or the atoms resolved for
    the DuckDB index (the hits are then selected here). With a query, ``rest`` joins each row's
    score as ``m.score``. The access rule applies to every row, and to a company before it
    pulls in its persons.
    """
    view, view_params = view_predicate(user, "c")
    fsql, fparams = filters_sql(filters, user)
    if query.is_empty:
        return "", f"WHERE {view} AND {fsql}", [*view_params, *fparams]
    params: list[object]
    if isinstance(resolved, Hits):
        cte = ("WITH hits AS (SELECT unnest(?::BIGINT[]) AS contact_id, "
               "unnest(?::DOUBLE[]) AS score)")
        params = [list(resolved.ids), list(resolved.scores)]
    else:
        hits, params = hits_sql(query, resolved)
        cte = f"WITH hits AS (SELECT contact_id, 0.0::DOUBLE AS score FROM ({hits}))"
    if include_company_persons:
        # persons of matching companies the user may view (an invisible company pulls in nothing)
        cvis, cvis_params = view_predicate(user, "co")
        cte += (
            ", hit_companies AS (SELECT co.id, h.score FROM contacts co JOIN hits h "
            f"ON h.contact_id = co.id WHERE co.is_company AND {cvis}), "
            "scored AS (SELECT id, max(score) AS score FROM (SELECT contact_id AS id, score FROM hits "
            f"UNION ALL SELECT p.id, hc.score * {VIA_COMPANY} FROM contacts p JOIN hit_companies hc "
            "ON p.company_id = hc.id WHERE NOT p.is_company) GROUP BY id)"
        )
        params += cvis_params
    else:
        cte += ", scored AS (SELECT contact_id AS id, max(score) AS score FROM hits GROUP BY contact_id)"
    rest = f"JOIN scored m ON m.id = c.id WHERE {view} AND {fsql}"
    return cte, rest, [*params, *view_params, *fparams]


def page_sql(
    user: User,
    query: Query,
    filters: Filters,
    resolved: Mapping[tuple[int, int], Resolved] | Hits,
    *,
    sort: str = "relevance",
    descending: bool | None = None,
    page: int = 1,
    page_size: int = 25,
    include_company_persons: bool = True,
    with_total: bool = True,
) -> SqlParams:
    """``(id, total)`` of one page of matching contacts, in order; total counts all pages.

    Without ``with_total`` the total column is NULL: counting with a window materialises every
    match, which for a listing of all contacts costs more than a separate :func:`count_sql`.
    """
    cte, where, params = select_parts(user, query, filters, resolved, include_company_persons)
    total = "count(*) OVER ()" if with_total else "NULL"
    sql = (
        f"{cte} SELECT c.id, {total} AS total FROM contacts c {where} "
        f"ORDER BY {_order(sort, descending, not query.is_empty)} LIMIT ? OFFSET ?"
    )
    return sql, [*params, page_size, (page - 1) * page_size]


def count_sql(
    user: User,
    query: Query,
    filters: Filters,
    resolved: Mapping[tuple[int, int], Resolved] | Hits,
    include_company_persons: bool = True,
) -> SqlParams:
    """``SELECT count(*)`` of all matching contacts."""
    cte, where, params = select_parts(user, query, filters, resolved, include_company_persons)
    return f"{cte} SELECT count(*) FROM contacts c {where}", params


def ids_sql(
    user: User,
    query: Query,
    filters: Filters,
    resolved: Mapping[tuple[int, int], Resolved] | Hits,
    limit: int,
    include_company_persons: bool = True,
) -> SqlParams:
    """``SELECT id`` of every matching contact (up to ``limit``), in id order."""
    cte, where, params = select_parts(user, query, filters, resolved, include_company_persons)
    return f"{cte} SELECT c.id FROM contacts c {where} ORDER BY c.id LIMIT ?", [*params, int(limit)]


def atoms_to_resolve(query: Query) -> Sequence[tuple[int, int, Atom]]:
    """``(term index, atom index, atom)`` of the atoms :func:`vocab_sql` must resolve first."""
    return [
        (ti, ai, atom)
        for ti, term in enumerate(query.terms)
        for ai, atom in enumerate(term.atoms)
        if needs_vocab(atom)
    ]


#: Columns of a result page, in order.
PAGE_COLUMNS = (
    "id", "kind", "display_name", "first_name", "last_name", "company_name", "company_id",
    "position", "temperature", "contact_type", "tags", "email", "phone", "website", "address",
    "notes", "industry", "currency", "share_type", "created_at", "updated_at", "last_activity",
    "version",
)
#: Info types shown in the list, by column name.
PAGE_INFO = {"email": InfoType.EMAIL, "phone": InfoType.PHONE, "website": InfoType.WEBSITE,
             "address": InfoType.ADDRESS}


#: Columns read from ``contacts`` for a page, as (name, SQL on ``contacts c``).
PAGE_CONTACT_FIELDS: tuple[tuple[str, str], ...] = (
    ("id", "c.id"), ("is_company", "c.is_company"), ("display_name", "c.display_name"),
    ("first_name", "c.first_name"), ("last_name", "c.last_name"),
    ("company_name", "c.company_name"), ("company_id", "c.company_id"), ("position", "c.title"),
    ("status_id", "c.status_id"), ("contact_type_id", "c.contact_type_id"), ("notes", "c.notes"),
    ("industry", "c.industry"), ("currency", "c.currency"), ("share_type", "c.share_type"),
    ("created_at", "c.created_at"), ("updated_at", "c.updated_at"), ("version", "c.version"),
)
#: Of those, the ones :func:`crmdata.search.index.contact_texts` reads (by its names).
PAGE_TEXT_FIELDS = {"id": "id", "is_company": "is_company", "company_name": "company_name",
                    "first_name": "first_name", "last_name": "last_name", "title": "position",
                    "notes": "notes", "industry": "industry"}


#: The parts of the ``context`` statement of :func:`page_rows_sql`, the first column of its rows
#: ``(part, id, number, text, time)``: a contact's last activity, a tag's title, a list item's
#: type and title, a custom field's type.
CTX_ACTIVITY, CTX_TAG, CTX_LIST, CTX_FIELD = range(4)


def page_rows_sql(user: User, ids: Sequence[int], also: Sequence[int] = ()) -> dict[str, SqlParams]:
    """Simple queries for the list columns of one page of contacts, each an index lookup by id.

    Deliberately small statements: on a page of 25 rows DuckDB spends more time planning one
    wide join than reading (``IN (SELECT unnest(...))`` looks the ids up in the contact_id
    indexes, where ``= ANY(...)`` reads more), and a filter on another column beside the id (e.g. info_type)
    would turn an index lookup into a table scan. :func:`crmdata.search.api` assembles them;
    ``info``, ``custom`` and ``tags`` it takes from the full-text index's documents where it can.
    ``also``: more contacts whose rows ``contacts`` reads in the same look-up (the page's
    companies, where the caller knows them beforehand).
    """
    view, view_params = view_predicate(user, "c")
    id_list = [int(i) for i in ids]
    read = sorted({*id_list, *(int(i) for i in also)})
    fields = ", ".join(expr for _, expr in PAGE_CONTACT_FIELDS)
    return {
        "contacts": (
            f"SELECT {fields} FROM contacts c WHERE c.id = ANY(?::BIGINT[]) AND {view}",
            [read, *view_params],
        ),
        # run with the page's company ids in place of the contact ids, for those not read above
        # (another contact's name: shown only where that company may be viewed)
        "companies": (f"SELECT c.id, c.company_name FROM contacts c WHERE c.id = ANY(?::BIGINT[]) "
                      f"AND c.is_company AND {view}", list(view_params)),
        # the page's last activity, and the titles its ids stand for, in one statement
        "context": (
            f"SELECT {CTX_ACTIVITY} AS part, contact_id AS id, NULL::INTEGER AS n, NULL AS text, "
            "max(event_at) AS at FROM history_events "
            "WHERE contact_id IN (SELECT unnest(?::BIGINT[])) GROUP BY contact_id "
            f"UNION ALL SELECT {CTX_TAG}, id, NULL, title, NULL FROM tags "
            f"UNION ALL SELECT {CTX_LIST}, id, list_type, title, NULL FROM list_items "
            f"UNION ALL SELECT {CTX_FIELD}, id, field_type, NULL, NULL FROM custom_fields",
            [id_list],
        ),
        "info": (
            "SELECT contact_id, info_type, data, is_primary, id, street, city, state, zip, country "
            "FROM contact_info WHERE contact_id IN (SELECT unnest(?::BIGINT[]))",
            [id_list],
        ),
        # for where a query matched (with the rows above, the texts crmdata.search.index searches)
        "custom": (
            "SELECT contact_id, field_id, value FROM custom_values "
            "WHERE contact_id IN (SELECT unnest(?::BIGINT[]))",
            [id_list],
        ),
        "tags": (
            "SELECT contact_id, tag_id FROM contact_tags WHERE contact_id IN (SELECT unnest(?::BIGINT[]))",
            [id_list],
        ),
    }
