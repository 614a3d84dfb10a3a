"""The search index: rows rebuilt for touched contacts in the writer's transaction.

Its tables are defined in :mod:`crmdata.schema` (``SEARCH_TABLES`` and after).

``search_tokens`` holds one row per word of every searched field of every contact, under each
folded form (see :mod:`crmdata.search.normalise`), with the field occurrence (``slot``) and
the word's position in it, so phrases can check adjacency. Bulk builds insert the rows sorted
by token, so DuckDB's per-row-group min/max statistics turn a prefix range
(``token >= 'smi' AND token < 'smj'``) into a read of a few row groups instead of a scan. An ART
index on ``contact_id`` makes removing one contact's rows a lookup.

``search_terms`` is the vocabulary (every distinct token ever indexed in the main rows, with its
length and a character-set signature); ``~`` and patterns without a literal prefix look in
:func:`vocabulary_sql` (those terms plus the words of the recent rows, below) first and then fetch
the few matching tokens. Terms are never removed: a stale term only costs a row.

Edits do not touch ``search_tokens``: rewriting a few rows of that 27M-row table (and of its
contact index) costs more at the file's checkpoint than the rest of a commit. A few touched
contacts get their rows in ``search_recent`` instead, with one marker row each (slot -1), and
readers use :data:`LIVE_TOKENS`: the main rows of contacts without a marker, plus the recent
rows. Their words join the vocabulary only when they are folded in: an edit then writes one
small table, not also a look-up and an insert in the million-term vocabulary. Past
:data:`FOLD_ROWS` recent rows, the writer that crosses the mark folds them (rows and words)
into the main tables; bulk refreshes write there directly and clear the contacts' recent rows.

Slots: 0 a person's "first last" or a company's name, 1 a person's company_name text, 2 position,
3 notes, 4 industry, 100 + n the n-th contact info row, 1,000,000 + field id a custom value
(checkbox values "true"/"false" are not text and are not indexed), 2,000,000 + tag id a tag.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..model import CustomFieldType, InfoType
from ..schema import FILL_SEARCH_INDEX, FILL_SEARCH_SIGNATURES, SEARCH_CHANGE_IDS
from .normalise import fold, fold_sql, signature, signature_sql, words, words_sql

if TYPE_CHECKING:
    from ..db import Tx

SLOT_INFO = 100
SLOT_CUSTOM = 1_000_000
SLOT_TAG = 2_000_000

#: The contacts whose rows in ``search_tokens`` are stale (their live rows are in ``search_recent``).
RECENT_IDS = "SELECT contact_id FROM search_recent WHERE slot = -1"
#: The live index rows (token, contact_id, slot, pos): read this wherever ``search_tokens`` is meant.
LIVE_TOKENS = (
    f"(SELECT token, contact_id, slot, pos FROM search_tokens WHERE contact_id NOT IN ({RECENT_IDS}) "
    "UNION ALL SELECT token, contact_id, slot, pos FROM search_recent WHERE slot >= 0)"
)
#: More recent rows than this are folded into ``search_tokens`` by the writer that adds them.
FOLD_ROWS = 50_000
FOLD_STATEMENTS: tuple[str, ...] = (
    f"DELETE FROM search_tokens WHERE contact_id IN ({RECENT_IDS})",
    "INSERT INTO search_tokens SELECT token, contact_id, slot, pos FROM search_recent "
    "WHERE slot >= 0 ORDER BY token",
    "INSERT INTO search_terms SELECT token, min(len), min(sig) FROM search_recent WHERE slot >= 0 "
    "GROUP BY token ON CONFLICT DO NOTHING",
    "DELETE FROM search_recent",
)


def vocabulary_sql(where_terms: str, where_recent: str) -> str:
    """``SELECT term`` of the vocabulary's words that pass a condition on ``len``, ``sig`` and
    the word (``term`` in ``where_terms``, ``token`` in ``where_recent``: the same condition
    with the same parameters, twice): the main terms, then the words of the recent rows. A word
    may come twice; readers take distinct terms. Read this wherever ``search_terms`` is meant.

    The condition is written into each part: DuckDB does not push a filter with parameters
    through a union into the scans (a ``~`` look-up then takes about twice as long at 1M)."""
    return (f"SELECT term FROM search_terms WHERE {where_terms} "
            f"UNION ALL SELECT token FROM search_recent WHERE slot >= 0 AND ({where_recent})")


#: Up to this many touched contacts go to ``search_recent``; more are rebuilt in the main index
#: by set-based scans.
SMALL_REFRESH = 2000

_ADDRESS_TEXT = (
    f"CASE WHEN i.info_type = {int(InfoType.ADDRESS)} AND coalesce(i.street, i.city, i.state, "
    "i.zip, i.country) IS NOT NULL THEN concat_ws(' ', i.street, i.city, i.state, i.zip, "
    "i.country) ELSE i.data END"
)


def source_sql(member: str) -> str:
    """``(contact_id, slot, text)`` of every searched field of the contacts whose id is ``member``.

    ``member`` is a membership test such as ``IN (SELECT id FROM t)`` or ``= ANY(?)``; it
    appears :data:`SOURCE_ID_USES` times.
    """
    return f"""
    SELECT c.id AS contact_id, unnest([0, 1, 2, 3, 4]) AS slot, unnest([
           CASE WHEN c.is_company THEN c.company_name
                ELSE concat_ws(' ', c.first_name, c.last_name) END,
           CASE WHEN NOT c.is_company THEN c.company_name END,
           c.title, c.notes, c.industry]) AS text
      FROM contacts c WHERE c.id {member}
    UNION ALL SELECT i.contact_id,
           ({SLOT_INFO} + row_number() OVER (PARTITION BY i.contact_id ORDER BY i.id))::INTEGER,
           {_ADDRESS_TEXT}
      FROM (SELECT * FROM contact_info WHERE contact_id {member}) i
    UNION ALL SELECT v.contact_id, {SLOT_CUSTOM} + v.field_id, v.value
      FROM (SELECT * FROM custom_values WHERE contact_id {member}) v
      JOIN custom_fields f ON f.id = v.field_id
      WHERE f.field_type NOT IN ({int(CustomFieldType.CHECKBOX)}, {int(CustomFieldType.HEADING)})
    UNION ALL SELECT ct.contact_id, {SLOT_TAG} + ct.tag_id, t.title
      FROM (SELECT * FROM contact_tags WHERE contact_id {member}) ct
      JOIN tags t ON t.id = ct.tag_id
    """


SOURCE_ID_USES = 4


def tokens_sql(member: str) -> str:
    """``(token, contact_id, slot, pos)`` rows for the contacts whose id is ``member``."""
    wa = words_sql(fold_sql("text"))
    wb = words_sql(fold_sql("text", umlauts=True))
    return f"""
    SELECT unnest(CASE WHEN tb IS NULL OR ta = tb THEN [ta] ELSE [ta, tb] END) AS token,
           contact_id, slot, pos
    FROM (
        SELECT contact_id, slot, unnest(wa) AS ta, unnest(wb) AS tb,
               unnest(range(len(wa)))::INTEGER AS pos
        FROM (
            SELECT contact_id, slot::INTEGER AS slot, {wa} AS wa, {wb} AS wb
            FROM ({source_sql(member)}) src
            WHERE text IS NOT NULL AND text <> ''
        ) w
    ) u
    WHERE ta IS NOT NULL
    """


#: More refreshed contacts than this, if they are more than half of the store's, are logged as
#: "every contact" (the full-text index then rebuilds rather than catching up one by one); fewer,
#: as an import into a large store adds, are logged one by one (the index adds those only).
LOG_EVERY_AT = 50_000


def log_changes_sql(ids: Sequence[int]) -> tuple[str, list[object]]:
    """The statement that logs a few refreshed contacts in ``search_changes`` (schema 12)."""
    return (f"INSERT INTO search_changes SELECT nextval('{SEARCH_CHANGE_IDS}'), unnest(?::BIGINT[])",
            [list(ids)])


def _log_refreshed(tx: Tx) -> None:
    """Log the contacts of ``_search_ids`` (a set-based refresh) in ``search_changes``."""
    refreshed = int(tx.scalar("SELECT count(*) FROM _search_ids"))
    if refreshed > LOG_EVERY_AT and 2 * refreshed > int(tx.scalar("SELECT count(*) FROM contacts")):
        log_everything(tx)
    else:
        tx.execute(f"INSERT INTO search_changes SELECT nextval('{SEARCH_CHANGE_IDS}'), id FROM _search_ids")


def log_everything(tx: Tx) -> None:
    """Log that every contact's texts may have changed (older log entries are then moot)."""
    tx.execute("DELETE FROM search_changes")
    tx.execute(f"INSERT INTO search_changes VALUES (nextval('{SEARCH_CHANGE_IDS}'), NULL)")


def refresh_statements(ids_sql: str) -> tuple[str, ...]:
    """The statements that rebuild the index rows of the contacts ``ids_sql`` selects.

    Set-based: one pass for any number of ids. Ids of deleted contacts lose their rows.
    """
    return (
        f"CREATE OR REPLACE TEMP TABLE _search_ids AS "
        f"SELECT DISTINCT id FROM ({ids_sql}) AS t(id) WHERE id IS NOT NULL",
        "DELETE FROM search_tokens WHERE contact_id IN (SELECT id FROM _search_ids)",
        "DELETE FROM search_recent WHERE contact_id IN (SELECT id FROM _search_ids)",
        f"CREATE OR REPLACE TEMP TABLE _search_new AS {tokens_sql('IN (SELECT id FROM _search_ids)')}",
        "INSERT INTO search_tokens SELECT token, contact_id, slot, pos FROM _search_new "
        "ORDER BY token",
        f"INSERT INTO search_terms SELECT term, length(term), {signature_sql('term')} "
        f"FROM (SELECT DISTINCT token AS term FROM _search_new) ON CONFLICT DO NOTHING",
        "DROP TABLE _search_new",
        "DROP TABLE _search_ids",
    )


def fill_pending(tx: Tx, pending: Collection[str]) -> None:
    """Fill what schema migrations left of the index (:data:`crmdata.schema.PENDING_FILL`):
    the rows of every contact (schema 2), the recent rows' signatures (schema 7)."""
    if FILL_SEARCH_INDEX in pending:
        for statement in refresh_statements("SELECT id FROM contacts"):
            tx.execute(statement)
        log_everything(tx)
    if FILL_SEARCH_SIGNATURES in pending:
        tx.execute(f"UPDATE search_recent SET sig = {signature_sql('token')} WHERE slot >= 0")
    for key in (FILL_SEARCH_INDEX, FILL_SEARCH_SIGNATURES):
        if key in pending:
            tx.execute("DELETE FROM meta WHERE key = ?", [key])


_ID_LIST = "= ANY(?::BIGINT[])"


def python_tokens(
    texts: Sequence[tuple[int, int, str | None]],
) -> tuple[list[str], list[int], list[int], list[int]]:
    """:func:`tokens_sql` in Python, as columns (token, contact_id, slot, pos).

    For a few contacts this is much faster than DuckDB's Unicode regular expressions, whose
    set-up alone costs more than tokenising an edit; the two must agree (tested).
    """
    tok: list[str] = []
    cid: list[int] = []
    slot: list[int] = []
    pos: list[int] = []
    for contact_id, slot_no, text in texts:
        if not text:
            continue
        for i, (a, b) in enumerate(zip(words(fold(text)), words(fold(text, umlauts=True)),
                                       strict=False)):
            for form in (a,) if a == b else (a, b):
                tok.append(form)
                cid.append(contact_id)
                slot.append(slot_no)
                pos.append(i)
    return tok, cid, slot, pos


def contact_texts(
    contact: Mapping[str, Any], info: Iterable[Mapping[str, Any]], custom: Iterable[Mapping[str, Any]],
    tag_ids: Iterable[int], field_types: Mapping[int, int], tag_titles: Mapping[int, str],
) -> list[tuple[int, int, str | None]]:
    """:func:`source_sql` for one contact whose rows the caller holds (``field_types``: custom
    field id to type; ``tag_titles``: tag id to title). The two must agree (tested)."""
    cid = int(contact["id"])

    def joined(*parts: Any) -> str:  # concat_ws: NULLs are left out, empty strings are not
        return " ".join(str(p) for p in parts if p is not None)

    name = contact["company_name"] if contact["is_company"] else joined(contact["first_name"],
                                                                        contact["last_name"])
    out: list[tuple[int, int, str | None]] = [
        (cid, 0, name), (cid, 1, None if contact["is_company"] else contact["company_name"]),
        (cid, 2, contact["title"]), (cid, 3, contact["notes"]), (cid, 4, contact["industry"]),
    ]
    address = int(InfoType.ADDRESS)
    for n, row in enumerate(sorted(info, key=lambda r: int(r["id"])), start=1):
        parts = [row.get(k) for k in ("street", "city", "state", "zip", "country")]
        text = joined(*parts) if int(row["info_type"]) == address and any(
            p is not None for p in parts) else row["data"]
        out.append((cid, SLOT_INFO + n, text))
    skipped = (int(CustomFieldType.CHECKBOX), int(CustomFieldType.HEADING))
    for row in custom:
        ftype = field_types.get(int(row["field_id"]))
        if ftype is not None and ftype not in skipped:
            out.append((cid, SLOT_CUSTOM + int(row["field_id"]), row["value"]))
    out += [(cid, SLOT_TAG + int(t), tag_titles[int(t)]) for t in tag_ids if int(t) in tag_titles]
    return [(c, s, None if t is None else str(t)) for c, s, t in out]


def _member(ids: Sequence[int]) -> tuple[str, list[object]]:
    """A membership test for a few contact ids (a literal IN list, which DuckDB turns into ART
    look-ups), one array parameter for more."""
    if len(ids) <= 50:
        return "IN (" + ", ".join("?" * len(ids)) + ")", list(ids)
    return _ID_LIST, [list(ids)]


def recent_counts_sql(ids: Sequence[int]) -> tuple[str, list[object]]:
    """``SELECT`` of one row: the number of recent rows (``total``), and how many of them are
    the given contacts' (``theirs``). A caller that reads before it writes can fetch it in
    the same statement and pass it to :func:`refresh_held` (each statement costs its own
    round trip)."""
    member, params = _member(ids)
    return (f"SELECT count(*) AS total, count(*) FILTER (WHERE contact_id {member}) AS theirs "
            "FROM search_recent",
            params)


def _small_refresh(tx: Tx, ids: list[int], texts: Sequence[tuple[int, int, str | None]] | None = None,
                   counts: tuple[int, int] | None = None) -> None:
    """Refresh a few contacts in ``search_recent``: their texts read by index lookups unless
    the caller holds them, and tokens made in Python. The contacts' old recent rows are
    deleted only if they have any (``counts``, from :func:`recent_counts_sql`, says; it is
    read here unless the caller has it)."""
    member, params = _member(ids)
    if texts is None:
        texts = [(int(r[0]), int(r[1]), r[2]) for r in tx.rows(source_sql(member), params * SOURCE_ID_USES)]
    tok, cid, slot, pos = python_tokens(texts)
    if counts is None:
        sql, count_params = recent_counts_sql(ids)
        counts = tx.one(sql, count_params) or (0, 0)
    total, theirs = counts
    if theirs:
        tx.execute(f"DELETE FROM search_recent WHERE contact_id {member}", params)
    tx.execute(
        "INSERT INTO search_recent (token, contact_id, slot, pos, len, sig) SELECT unnest(?::VARCHAR[]), "
        "unnest(?::BIGINT[]), unnest(?::INTEGER[]), unnest(?::INTEGER[]), unnest(?::INTEGER[]), "
        "unnest(?::BIGINT[])",
        [tok + [""] * len(ids), cid + ids, slot + [-1] * len(ids), pos + [0] * len(ids),
         [len(t) for t in tok] + [0] * len(ids), [signature(t) for t in tok] + [0] * len(ids)],
    )
    tx.execute(*log_changes_sql(ids))
    if int(total) - int(theirs) + len(tok) + len(ids) > FOLD_ROWS:
        for statement in FOLD_STATEMENTS:
            tx.execute(statement)


def refresh_held(tx: Tx, ids: Sequence[int], texts: Sequence[tuple[int, int, str | None]],
                 counts: tuple[int, int] | None = None) -> None:
    """Refresh a few contacts whose searched texts the caller holds (see :func:`contact_texts`).

    ``counts``: what :func:`recent_counts_sql` gave for these contacts (or more of them) in
    this transaction, if the caller read it."""
    if ids:
        _small_refresh(tx, sorted({int(i) for i in ids}), texts, counts)


def refresh(tx: Tx, ids_sql: str, params: Sequence[object] = (),
            known_ids: Sequence[int] | None = None) -> None:
    """Rebuild the index rows of the contacts ``ids_sql`` selects, inside the caller's transaction.

    A few ids (an edit) go by index lookups; many (an import) by one set-based pass. A caller
    that has the ids at hand passes them as ``known_ids`` too (one statement less).
    """
    if known_ids is not None and len(set(known_ids)) <= SMALL_REFRESH:
        if known_ids:
            _small_refresh(tx, sorted({int(i) for i in known_ids}))
        return
    ids = [int(r[0]) for r in tx.rows(
        f"SELECT DISTINCT id FROM ({ids_sql}) AS t(id) WHERE id IS NOT NULL "
        f"LIMIT {SMALL_REFRESH + 1}", list(params))]
    if len(ids) <= SMALL_REFRESH:
        if ids:
            _small_refresh(tx, ids)
        return
    statements = refresh_statements(ids_sql)
    tx.execute(statements[0], list(params))
    for statement in statements[1:-1]:
        tx.execute(statement)
    _log_refreshed(tx)
    tx.execute(statements[-1])
