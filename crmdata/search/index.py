"""The search index: tables in the store, rebuilt for touched contacts in the writer's transaction.

``search_tokens`` holds one row per word of every searched field of every contact, under each
folded form (see :mod:`crmdata.search.normalise`), with the field occurrence (``slot``) and
the word's position in it, so phrases can check adjacency. Bulk builds insert the rows sorted
by token, so DuckDB's per-row-group min/max statistics turn a prefix range
(``token >= 'smi' AND token < 'smj'``) into a read of a few row groups instead of a scan. An ART
index on ``contact_id`` makes removing one contact's rows a lookup.

``search_terms`` is the vocabulary (every distinct token ever indexed, with its length and a
character-set signature); ``~`` and patterns without a literal prefix look there first and then
fetch the few matching tokens. Terms are never removed: a stale term only costs a row.

Slots: 0 a person's "first last" or a company's name, 1 a person's company_name text, 2 position,
3 notes, 4 industry, 100 + n the n-th contact info row, 1,000,000 + field id a custom value
(checkbox values "true"/"false" are not text and are not indexed), 2,000,000 + tag id a tag.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..model import CustomFieldType, InfoType
from .normalise import fold_sql, signature_sql, words_sql

if TYPE_CHECKING:
    from ..db import Tx

SLOT_INFO = 100
SLOT_CUSTOM = 1_000_000
SLOT_TAG = 2_000_000

CREATE_TABLES: tuple[str, ...] = (
    """CREATE TABLE search_tokens (
        token VARCHAR NOT NULL,            -- one folded form of one word
        contact_id BIGINT NOT NULL,
        slot INTEGER NOT NULL,             -- which field occurrence (see crmdata.search.index)
        pos INTEGER NOT NULL               -- word position in that field, from 0
    )""",
    """CREATE TABLE search_terms (
        term VARCHAR PRIMARY KEY,          -- every distinct token ever indexed
        len INTEGER NOT NULL,
        sig BIGINT NOT NULL                -- character-set signature (normalise.signature)
    )""",
)
CREATE_INDEXES: tuple[str, ...] = (
    "CREATE INDEX search_tokens_contact ON search_tokens (contact_id)",
)

_ADDRESS_TEXT = (
    f"CASE WHEN i.info_type = {int(InfoType.ADDRESS)} AND coalesce(i.street, i.city, i.state, "
    "i.zip, i.country) IS NOT NULL THEN concat_ws(' ', i.street, i.city, i.state, i.zip, "
    "i.country) ELSE i.data END"
)


def source_sql(ids_table: str) -> str:
    """``(contact_id, slot, text)`` of every searched field of the contacts in ``ids_table``."""
    in_ids = f"IN (SELECT id FROM {ids_table})"
    return f"""
    SELECT c.id AS contact_id, 0 AS slot,
           CASE WHEN c.is_company THEN c.company_name
                ELSE concat_ws(' ', c.first_name, c.last_name) END AS text
      FROM contacts c WHERE c.id {in_ids}
    UNION ALL SELECT c.id, 1, CASE WHEN NOT c.is_company THEN c.company_name END
      FROM contacts c WHERE c.id {in_ids}
    UNION ALL SELECT c.id, 2, c.title FROM contacts c WHERE c.id {in_ids}
    UNION ALL SELECT c.id, 3, c.notes FROM contacts c WHERE c.id {in_ids}
    UNION ALL SELECT c.id, 4, c.industry FROM contacts c WHERE c.id {in_ids}
    UNION ALL SELECT i.contact_id,
           ({SLOT_INFO} + row_number() OVER (PARTITION BY i.contact_id ORDER BY i.id))::INTEGER,
           {_ADDRESS_TEXT}
      FROM contact_info i WHERE i.contact_id {in_ids}
    UNION ALL SELECT v.contact_id, {SLOT_CUSTOM} + v.field_id, v.value
      FROM custom_values v JOIN custom_fields f ON f.id = v.field_id
      WHERE f.field_type NOT IN ({int(CustomFieldType.CHECKBOX)}, {int(CustomFieldType.HEADING)})
        AND v.contact_id {in_ids}
    UNION ALL SELECT ct.contact_id, {SLOT_TAG} + ct.tag_id, t.title
      FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id WHERE ct.contact_id {in_ids}
    """


def tokens_sql(ids_table: str) -> str:
    """``(token, contact_id, slot, pos)`` rows for the contacts in ``ids_table``."""
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
            FROM ({source_sql(ids_table)}) src
            WHERE text IS NOT NULL AND text <> ''
        ) w
    ) u
    WHERE ta IS NOT NULL
    """


def refresh_statements(ids_sql: str) -> tuple[str, ...]:
    """The statements that rebuild the index rows of the contacts ``ids_sql`` selects.

    Set-based: one pass for any number of ids. Ids of deleted contacts lose their rows.
    """
    return (
        f"CREATE OR REPLACE TEMP TABLE _search_ids AS "
        f"SELECT DISTINCT id FROM ({ids_sql}) AS t(id) WHERE id IS NOT NULL",
        "DELETE FROM search_tokens WHERE contact_id IN (SELECT id FROM _search_ids)",
        f"CREATE OR REPLACE TEMP TABLE _search_new AS {tokens_sql('_search_ids')}",
        "INSERT INTO search_tokens SELECT token, contact_id, slot, pos FROM _search_new "
        "ORDER BY token",
        f"INSERT INTO search_terms SELECT term, length(term), {signature_sql('term')} "
        f"FROM (SELECT DISTINCT token AS term FROM _search_new) ON CONFLICT DO NOTHING",
        "DROP TABLE _search_new",
        "DROP TABLE _search_ids",
    )


def migration_statements() -> tuple[str, ...]:
    """Schema version 2: the index tables, filled for the contacts already in the store."""
    return (
        CREATE_TABLES
        + refresh_statements("SELECT id FROM contacts")
        + CREATE_INDEXES
    )


def refresh(tx: Tx, ids_sql: str, params: Sequence[object] = ()) -> None:
    """Rebuild the index rows of the contacts ``ids_sql`` selects, inside the caller's transaction."""
    statements = refresh_statements(ids_sql)
    tx.execute(statements[0], list(params))
    for statement in statements[1:]:
        tx.execute(statement)
