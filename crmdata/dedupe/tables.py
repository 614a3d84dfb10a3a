"""The duplicate feature's tables (schema migration 4); no imports, so the schema can load it."""

MIGRATION_STATEMENTS: tuple[str, ...] = (
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
