"""The store's schema as ordered migrations, applied on open: every table crmdata keeps.

Each migration is a version number and a list of SQL statements; the ``meta`` table records
the version reached. A store written by a newer crmdata is refused rather than guessed at.
No foreign-key constraints: DuckDB checks them too eagerly on updates, so referential rules
live in the write code, which is the only code that changes these tables.

This module owns every table definition, the features' too (the search index, duplicate
review), and imports no feature. Data a feature derives from the contacts (the search index's
rows) is not computed here: a migration that needs it records a ``meta`` key with the
:data:`PENDING_FILL` prefix, and :func:`crmdata.derived.fill_pending` fills it when a
:class:`crmdata.Store` opens the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import StoreError
from .model import DEFAULT_CONTACT_TYPES, DEFAULT_TAGS, DEFAULT_TEMPERATURES, InfoType, ListType
from .quoting import sql_literal

if TYPE_CHECKING:
    from .db import Tx


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


def _quote(value: str | None) -> str:
    """A SQL string literal for constant seed data (never for user input)."""
    if value is None:
        return "NULL"
    return sql_literal(value)


def _seed_list_items() -> list[str]:
    rows = []
    next_id = 1
    for list_type, items in (
        (ListType.TEMPERATURE, DEFAULT_TEMPERATURES),
        (ListType.CONTACT_TYPE, DEFAULT_CONTACT_TYPES),
    ):
        for item in items:
            rows.append(
                f"({next_id}, {int(list_type)}, {_quote(item.title)}, "
                f"{_quote(item.color)}, {item.sort_order})"
            )
            next_id += 1
    return [
        "INSERT INTO list_items (id, list_type, title, color, sort_order) VALUES "
        + ", ".join(rows)
    ]


def _seed_tags() -> list[str]:
    rows = ", ".join(
        f"({i}, {_quote(t)}, {_quote(t.lower())})" for i, t in enumerate(DEFAULT_TAGS, 1)
    )
    return [f"INSERT INTO tags (id, title, title_key) VALUES {rows}"]


#: The journal's columns after its ``id`` (a change set: who, when, what), and those of its row
#: images; schema 1 created both tables with keys, schema 9 rebuilt them without.
_JOURNAL_COLUMNS = """
        committed_at TIMESTAMP NOT NULL,
        user_id INTEGER NOT NULL,
        action VARCHAR NOT NULL,           -- import, edit, delete, merge, photo, undo, ...
        summary VARCHAR NOT NULL,
        undoes BIGINT,                     -- the journal entry this one reverted
        undone_by BIGINT                   -- set when this entry was reverted
    """
_JOURNAL_ROW_COLUMNS = """
        journal_id BIGINT NOT NULL,
        seq INTEGER NOT NULL,              -- 1, 2, ... within the entry
        contact_id BIGINT,                 -- the contact the row belongs to
        table_name VARCHAR NOT NULL,
        row_key VARCHAR NOT NULL,          -- JSON of the row's key columns
        before VARCHAR,                    -- JSON of the whole row before, NULL when inserted
        after VARCHAR                      -- JSON of the whole row after, NULL when deleted
    """

BASE_TABLES: tuple[str, ...] = (
    """CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)""",
    """CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        login VARCHAR NOT NULL UNIQUE,
        name VARCHAR NOT NULL,
        is_admin BOOLEAN NOT NULL DEFAULT FALSE,
        created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
    )""",
    """CREATE TABLE list_items (
        id INTEGER PRIMARY KEY,
        list_type SMALLINT NOT NULL,      -- 1 temperature level, 4 contact type
        title VARCHAR NOT NULL,
        color VARCHAR,
        sort_order INTEGER NOT NULL
    )""",
    """CREATE TABLE contacts (
        id BIGINT PRIMARY KEY,
        is_company BOOLEAN NOT NULL,
        first_name VARCHAR,
        last_name VARCHAR,
        company_name VARCHAR,
        display_name VARCHAR NOT NULL,    -- 'First Last' or the company name, kept by the writers
        title VARCHAR,                    -- a person's position
        company_id BIGINT,                -- a person's company, NULL for none
        notes VARCHAR,
        industry VARCHAR,
        currency VARCHAR,
        status_id INTEGER,                -- temperature level, NULL for not set
        contact_type_id INTEGER,          -- NULL for not set
        share_type SMALLINT NOT NULL DEFAULT 1,
        created_by INTEGER NOT NULL,
        created_at TIMESTAMP NOT NULL,
        updated_by INTEGER NOT NULL,
        updated_at TIMESTAMP NOT NULL,
        version INTEGER NOT NULL DEFAULT 1
    )""",
    """CREATE TABLE contact_info (
        id BIGINT PRIMARY KEY,
        contact_id BIGINT NOT NULL,
        info_type SMALLINT NOT NULL,
        category SMALLINT NOT NULL,
        data VARCHAR NOT NULL,            -- the value; for addresses the parts joined for display
        is_primary BOOLEAN NOT NULL DEFAULT FALSE,
        street VARCHAR, city VARCHAR, state VARCHAR, zip VARCHAR, country VARCHAR,
        updated_by INTEGER,
        updated_at TIMESTAMP
    )""",
    """CREATE TABLE tags (
        id INTEGER PRIMARY KEY,
        title VARCHAR NOT NULL,
        title_key VARCHAR NOT NULL UNIQUE  -- lower(trim(title)): tags are unique ignoring case
    )""",
    """CREATE TABLE contact_tags (
        contact_id BIGINT NOT NULL,
        tag_id INTEGER NOT NULL,
        PRIMARY KEY (contact_id, tag_id)
    )""",
    """CREATE TABLE custom_fields (
        id INTEGER PRIMARY KEY,
        label VARCHAR NOT NULL,
        field_type SMALLINT NOT NULL,
        scope SMALLINT NOT NULL,           -- 0 persons and companies, 4 companies, 5 persons
        sort_order INTEGER NOT NULL,
        mask VARCHAR                       -- JSON, as ONLYOFFICE keeps it
    )""",
    """CREATE TABLE custom_values (
        contact_id BIGINT NOT NULL,
        field_id INTEGER NOT NULL,
        value VARCHAR NOT NULL,            -- dates as ISO yyyy-mm-dd, checkboxes 'true'/'false'
        updated_by INTEGER,
        updated_at TIMESTAMP,
        PRIMARY KEY (contact_id, field_id)
    )""",
    """CREATE TABLE deals (
        id BIGINT PRIMARY KEY,
        title VARCHAR NOT NULL,
        contact_id BIGINT,                 -- main contact, NULL once it is deleted
        stage VARCHAR,
        bid_value DECIMAL(18, 2),
        bid_currency VARCHAR,
        created_by INTEGER NOT NULL,
        created_at TIMESTAMP NOT NULL
    )""",
    """CREATE TABLE deal_participants (
        deal_id BIGINT NOT NULL,
        contact_id BIGINT NOT NULL,
        PRIMARY KEY (deal_id, contact_id)
    )""",
    """CREATE TABLE history_events (
        id BIGINT PRIMARY KEY,
        contact_id BIGINT NOT NULL,
        deal_id BIGINT,
        category VARCHAR NOT NULL,         -- Note, Call, Email, Meeting, ...
        content VARCHAR NOT NULL,
        event_at TIMESTAMP NOT NULL,
        created_by INTEGER NOT NULL
    )""",
    """CREATE TABLE contact_managers (
        contact_id BIGINT NOT NULL,
        user_id INTEGER NOT NULL,
        PRIMARY KEY (contact_id, user_id)
    )""",
    """CREATE TABLE photos (
        contact_id BIGINT PRIMARY KEY,
        format VARCHAR NOT NULL,           -- PNG or JPEG
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        image BLOB NOT NULL,               -- fits 200 x 300
        thumb_82 BLOB NOT NULL,
        thumb_40 BLOB NOT NULL,
        source VARCHAR,                    -- 'upload' or the URL it came from
        updated_by INTEGER NOT NULL,
        updated_at TIMESTAMP NOT NULL
    )""",
    # schema 9 rebuilds both journal tables without their keys (JOURNAL_STATEMENTS)
    f"CREATE TABLE journal (id BIGINT PRIMARY KEY, {_JOURNAL_COLUMNS})",
    f"CREATE TABLE journal_rows ({_JOURNAL_ROW_COLUMNS}, PRIMARY KEY (journal_id, seq))",
)

#: ``meta`` keys starting with this name derived data a migration left for its feature to fill
#: (:func:`crmdata.derived.fill_pending`, run when a store opens); the feature deletes the key.
PENDING_FILL = "pending_fill:"
#: Pending fill: the search index rows of every contact (schema 2 created the index tables).
FILL_SEARCH_INDEX = PENDING_FILL + "search_index"
#: Pending fill: the character-set signatures of the recent index rows (schema 7 added them).
FILL_SEARCH_SIGNATURES = PENDING_FILL + "search_recent_signatures"

#: The search index (schema 2; kept current by :mod:`crmdata.search.index`, which explains the
#: slots): one row per word of every searched field of every contact, and the vocabulary.
SEARCH_TABLES: tuple[str, ...] = (
    """CREATE TABLE search_tokens (
        token VARCHAR NOT NULL,            -- one folded form of one word
        contact_id BIGINT NOT NULL,
        slot INTEGER NOT NULL,             -- which field occurrence (see crmdata.search.index)
        pos INTEGER NOT NULL               -- word position in that field, from 0
    )""",
    """CREATE TABLE search_terms (
        term VARCHAR PRIMARY KEY,          -- every distinct token ever indexed
        len INTEGER NOT NULL,
        sig BIGINT NOT NULL                -- character-set signature (search.normalise.signature)
    )""",
)
SEARCH_INDEXES: tuple[str, ...] = (
    "CREATE INDEX search_tokens_contact ON search_tokens (contact_id)",
    # refreshing a few contacts, and reading one page of contacts, look rows up by contact
    "CREATE INDEX contact_info_by_contact ON contact_info (contact_id)",
    "CREATE INDEX custom_values_by_contact ON custom_values (contact_id)",
    "CREATE INDEX contact_tags_by_contact ON contact_tags (contact_id)",
)
#: Schema 6: the index rows of recently edited contacts, beside the main ones.
SEARCH_RECENT_TABLE = """CREATE TABLE search_recent (
        token VARCHAR NOT NULL,            -- as in search_tokens; '' in a contact's marker row
        contact_id BIGINT NOT NULL,
        slot INTEGER NOT NULL,             -- -1: the marker (this contact's main rows are stale)
        pos INTEGER NOT NULL
    )"""
#: Schema 7: the recent rows carry their word's length and signature, as ``search_terms`` does,
#: so the vocabulary's recent part is read, not computed, by ``~`` searches.
SEARCH_RECENT_TERM_COLUMNS: tuple[str, ...] = (
    "ALTER TABLE search_recent ADD COLUMN len INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE search_recent ADD COLUMN sig BIGINT NOT NULL DEFAULT 0",
    "UPDATE search_recent SET len = length(token) WHERE slot >= 0",
    f"INSERT OR REPLACE INTO meta VALUES ('{FILL_SEARCH_SIGNATURES}', '7')",
)

#: Duplicate review (schema 4): decisions on pairs, and the fitted models.
DEDUPE_TABLES: tuple[str, ...] = (
    """CREATE TABLE dedupe_decisions (
        id1 BIGINT NOT NULL,               -- the smaller contact id
        id2 BIGINT NOT NULL,
        decision VARCHAR NOT NULL,         -- 'duplicate' or 'not_duplicate'
        decided_by INTEGER NOT NULL,
        decided_at TIMESTAMP NOT NULL,
        PRIMARY KEY (id1, id2)
    )""",
    """CREATE TABLE dedupe_models (
        kind VARCHAR PRIMARY KEY,          -- 'P' persons, 'C' companies
        model VARCHAR NOT NULL,            -- JSON of crmdata.dedupe.fellegi.Model
        fitted_at TIMESTAMP NOT NULL
    )""",
)

#: The sequence new ``contact_info`` rows take their ids from (schema 8). Every writer numbers
#: new rows from it or moves it past the ids it wrote (:func:`crmdata.numbering.next_id`): finding
#: ``max(id)`` reads the id column of every row group, a large part of a one-contact commit at
#: 1M contacts, where ``nextval`` reads nothing (docs/benchmarks.md, "Write-back latency").
INFO_IDS = "contact_info_ids"


def _sequence_past(name: str, table: str) -> tuple[str, str]:
    """Create the id sequence ``name`` and move it past the largest id of ``table``."""
    return (f"CREATE SEQUENCE {name} MINVALUE 0 START WITH 1",
            f"SELECT setval('{name}', (SELECT coalesce(max(id), 0) FROM {table}))")


INFO_ID_STATEMENTS: tuple[str, ...] = _sequence_past(INFO_IDS, "contact_info")

#: The sequence journal entries take their ids from (schema 9), which keeps them unique; the
#: journal tables have no key indexes. A commit's journal entry then costs no look-up in an index
#: (and its replay from the write-ahead log none either), measured side by side in
#: docs/benchmarks.md ("Write-back latency"). Readers find an entry's rows by
#: the tables' order (entries are appended in id order, so row-group statistics skip the rest).
JOURNAL_IDS = "journal_ids"
JOURNAL_STATEMENTS: tuple[str, ...] = (
    f"CREATE TABLE journal_9 (id BIGINT NOT NULL, {_JOURNAL_COLUMNS})",
    "INSERT INTO journal_9 SELECT id, committed_at, user_id, action, summary, undoes, undone_by "
    "FROM journal ORDER BY id",
    "DROP TABLE journal",
    "ALTER TABLE journal_9 RENAME TO journal",
    f"CREATE TABLE journal_rows_9 ({_JOURNAL_ROW_COLUMNS})",
    "INSERT INTO journal_rows_9 SELECT journal_id, seq, contact_id, table_name, row_key, before, after "
    "FROM journal_rows ORDER BY journal_id, seq",
    "DROP TABLE journal_rows",
    "ALTER TABLE journal_rows_9 RENAME TO journal_rows",
    *_sequence_past(JOURNAL_IDS, "journal"),
)

#: ``meta`` key: every contact_info row with an id up to this value has its matching keys
#: (``email_key``, ``e164``; :mod:`crmdata.edit.dupcheck`).
KEYS_THROUGH = "match_keys_through_info_id"
#: ``meta`` key: the largest contact_info id when the store reached schema 8. Rows above it
#: were written by versions that key every row they write, so only rows up to it may lack
#: their keys, and once ``KEYS_THROUGH`` reaches it the write-back check looks at no
#: unkeyed rows at all (a range over the id column costs a read of every row group).
KEYS_LEGACY = "match_keys_legacy_through_info_id"
_UNKEYED = (f"(info_type = {int(InfoType.EMAIL)} AND email_key IS NULL) "
            f"OR (info_type = {int(InfoType.PHONE)} AND e164 IS NULL)")
KEYS_LEGACY_STATEMENTS: tuple[str, ...] = (
    # a store whose rows all have their keys needs no catching up from here on
    f"INSERT OR REPLACE INTO meta SELECT '{KEYS_THROUGH}', max(id)::VARCHAR FROM contact_info "
    f"HAVING max(id) IS NOT NULL AND NOT EXISTS (SELECT 1 FROM contact_info WHERE id > coalesce(("
    f"SELECT value::BIGINT FROM meta WHERE key = '{KEYS_THROUGH}'), 0) AND ({_UNKEYED}))",
    f"INSERT OR REPLACE INTO meta SELECT '{KEYS_LEGACY}', coalesce(max(id), 0)::VARCHAR FROM contact_info",
)

#: Values an import kept as written though they failed validation (``import --keep-bad-values``,
#: schema 10): the quality check lists each with the file and line it came from while the
#: contact still holds it, and the editor shows it as needing a fix.
IMPORT_FLAG_TABLES: tuple[str, ...] = (
    """CREATE TABLE import_flags (
        contact_id BIGINT NOT NULL,
        field VARCHAR NOT NULL,            -- 'Email', or the custom field's label
        value VARCHAR NOT NULL,            -- as the file wrote it
        message VARCHAR NOT NULL,          -- why it failed validation
        source VARCHAR NOT NULL,           -- the imported file
        line INTEGER,                      -- where the value is in that file
        journal_id BIGINT                  -- the import's journal entry
    )""",
)

#: The portal sync's tables (schema 11, :mod:`crmdata.onlyoffice`): the portal's id beside each
#: crmdata id with the contact as last seen there and how far its local changes reached the
#: portal; portal users beside crmdata users; pushes under way; every request a push carried out.
SYNC_TABLES: tuple[str, ...] = (
    """CREATE TABLE sync_links (
        contact_id BIGINT PRIMARY KEY,     -- crmdata's id (the row stays while a push deletes/merges it)
        portal_id BIGINT NOT NULL UNIQUE,  -- the portal's id
        fingerprint VARCHAR NOT NULL,      -- sha256 of the contact as last seen on the portal
        snapshot VARCHAR NOT NULL,         -- JSON of the contact as last seen on the portal
        seen_at TIMESTAMP NOT NULL,
        pushed_through BIGINT NOT NULL,    -- journal id: the contact's changes up to it are on the portal
        gone_at TIMESTAMP                  -- set when a pull no longer found it on the portal
    )""",
    """CREATE TABLE sync_users (
        user_id INTEGER PRIMARY KEY,
        portal_user VARCHAR NOT NULL UNIQUE  -- the portal's user id (a GUID)
    )""",
    """CREATE TABLE sync_pending (
        contact_id BIGINT PRIMARY KEY,     -- a contact a push began to write and has not finished
        step VARCHAR NOT NULL,             -- create, update, merge or delete
        portal_id BIGINT,                  -- NULL while a create has no answer yet
        high_portal_id BIGINT,             -- the largest portal id known when a create began
        started_at TIMESTAMP NOT NULL
    )""",
    """CREATE TABLE sync_log (
        logged_at TIMESTAMP NOT NULL,
        contact_id BIGINT,
        portal_id BIGINT,
        through_journal_id BIGINT,         -- the contact's local changes up to here reached the portal
        method VARCHAR NOT NULL,
        path VARCHAR NOT NULL,
        outcome VARCHAR NOT NULL           -- sent, conflict, refused, failed
    )""",
)

#: The full-text index beside the store file (schema 12, :mod:`crmdata.search.fulltext`) is a
#: cache; this log tells it which contacts' searched texts changed since the entry it reflects.
#: Every refresh of the index rows appends the contacts it refreshed (``contact_id`` NULL: every
#: contact, after which older entries are dropped), so writers that keep no journal entry are
#: seen too. ``meta`` names the store, so an index never takes another store file's log for its own.
SEARCH_CHANGE_IDS = "search_change_ids"
SEARCH_STORE_ID = "search_store_id"
SEARCH_CHANGE_STATEMENTS: tuple[str, ...] = (
    f"CREATE SEQUENCE {SEARCH_CHANGE_IDS} MINVALUE 0 START WITH 1",
    """CREATE TABLE search_changes (
        seq BIGINT NOT NULL,               -- from search_change_ids, in commit order
        contact_id BIGINT                  -- NULL: every contact
    )""",
    f"INSERT INTO search_changes VALUES (nextval('{SEARCH_CHANGE_IDS}'), NULL)",
    f"INSERT OR REPLACE INTO meta VALUES ('{SEARCH_STORE_ID}', uuid()::VARCHAR)",
)

#: The portal sync's photos (schema 13): each linked contact's photo as last seen on the portal and
#: how far its local photo changes reached the portal (photos are compared apart from the fields).
SYNC_PHOTO_TABLES: tuple[str, ...] = (
    """CREATE TABLE sync_photos (
        contact_id BIGINT PRIMARY KEY,     -- crmdata's id
        portal_id BIGINT NOT NULL,         -- the portal's id
        seen VARCHAR NOT NULL,             -- the photo as last seen: the address the portal gave ('' none)
        pushed_through BIGINT NOT NULL,    -- journal id: the contact's photo changes up to it reached it
        seen_at TIMESTAMP NOT NULL
    )""",
)

#: The default administrator every new store has; reads and writes run as a user.
DEFAULT_ADMIN = "admin"

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "base schema",
        BASE_TABLES
        + tuple(_seed_list_items())
        + tuple(_seed_tags())
        + (
            f"INSERT INTO users (id, login, name, is_admin) VALUES "
            f"(1, {_quote(DEFAULT_ADMIN)}, 'Administrator', TRUE)",
        ),
    ),
    Migration(
        2,
        "search index",
        SEARCH_TABLES + SEARCH_INDEXES
        + (f"INSERT OR REPLACE INTO meta VALUES ('{FILL_SEARCH_INDEX}', '2')",),
    ),
    Migration(
        3,
        "edits: matching keys beside contact info (E.164 phones, lower-case emails)",
        (
            "ALTER TABLE contact_info ADD COLUMN e164 VARCHAR",  # phones, filled by crmdata.edit
            "ALTER TABLE contact_info ADD COLUMN email_key VARCHAR",  # lower(trim(email))
        ),
    ),
    Migration(4, "duplicates: review decisions and fitted models", DEDUPE_TABLES),
    Migration(
        5,
        "edits: indexes on the matching keys, so the write-back duplicate check is a lookup",
        (
            "CREATE INDEX contact_info_e164 ON contact_info(e164)",
            "CREATE INDEX contact_info_email_key ON contact_info(email_key)",
        ),
    ),
    Migration(
        6,
        "search: recent index rows beside the main ones, so an edit does not rewrite the main index",
        (SEARCH_RECENT_TABLE,),
    ),
    Migration(
        7,
        "search: recent index rows carry their words' length and signature (the vocabulary reads them)",
        SEARCH_RECENT_TERM_COLUMNS,
    ),
    Migration(
        8,
        "edits: new info rows are numbered by a sequence, and the write-back check knows which rows "
        "may lack their matching keys (neither then reads every row group of contact_info)",
        INFO_ID_STATEMENTS + KEYS_LEGACY_STATEMENTS,
    ),
    Migration(
        9,
        "journal: entry ids from a sequence, and no key indexes on the journal tables (a commit's "
        "entry then looks nothing up in an index)",
        JOURNAL_STATEMENTS,
    ),
    Migration(
        10,
        "import flags: values an import kept as written though they failed validation",
        IMPORT_FLAG_TABLES,
    ),
    Migration(
        11,
        "portal sync: portal ids and last-seen fingerprints beside contacts, portal users, pushes under way",
        SYNC_TABLES,
    ),
    Migration(
        12,
        "search: a log of the contacts whose searched texts changed, for the full-text index beside "
        "the store file",
        SEARCH_CHANGE_STATEMENTS,
    ),
    Migration(
        13,
        "portal sync: photos as last seen on the portal and how far local photo changes reached it",
        SYNC_PHOTO_TABLES,
    ),
)

SCHEMA_VERSION = MIGRATIONS[-1].version


def migrate(tx: Tx, path: object) -> None:
    """Bring the store ``path`` (named in errors) up to :data:`SCHEMA_VERSION` by running the
    migrations it has not had, in order, inside ``tx``. A DuckDB file with tables but no
    ``meta`` is not a crmdata store, and a newer schema than this crmdata knows is refused:
    neither is touched."""
    has_meta = tx.scalar(
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_name = 'meta' AND table_schema = 'main' "
        "AND table_catalog = current_database()"
    )
    if has_meta:
        version = int(tx.scalar("SELECT value FROM meta WHERE key = 'schema_version'") or 0)
    else:
        other = tx.scalar(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_catalog = current_database()"
        )
        if other:
            raise StoreError(
                f"{path} is a DuckDB file but not a crmdata store "
                f"(it has {other} other tables)."
            )
        version = 0
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path} was written by a newer crmdata (schema {version}, "
            f"this one knows {SCHEMA_VERSION}).",
            hint="upgrade crmdata",
        )
    for migration in MIGRATIONS:
        if migration.version <= version:
            continue
        for statement in migration.statements:
            tx.execute(statement)
        tx.set_meta("schema_version", str(migration.version))
