"""The match-key tables: per visible contact its normalised fields, as DuckDB temp tables.

Built once per duplicate run (and for a handful of ids by the incremental check), never
written over the data. Names, companies and streets are normalised in Python over their
DISTINCT values; emails, websites and most phone numbers in SQL. Phones become E.164 by a
portable SQL rule for the forms it can read for sure (``+``/``00`` international prefix, a
national number with trunk ``0``, ten-digit North American numbers), with the region of the
contact's address country or the default region; the DISTINCT rest goes through
:func:`phonenumbers`; both rules live in :mod:`crmdata.matchkeys`. A stored ``e164`` / ``email_key``
(schema 3) is used as it is.

Tables (all ``TEMP``, names prefixed ``dd_``):

- ``dd_c``: ``id, kind ('P'/'C'), first_key, first_head, last_key, last_col, last_mp,
  comp_key, comp_sort, comp_col, company_id, birthday, street_k, zip_k, city_k,
  n_email, n_phone, n_domain``;
- ``dd_first (id, g)``: the given-name groups of a person's first name;
- ``dd_email (id, k, loc, named)``, ``dd_phone (id, k)``, ``dd_domain (id, k)``: one row per distinct key
  (an email also with its name part ``loc`` and whether that holds the contact's last name);
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from ..access import User, view_predicate
from ..db import Tx
from ..matchkeys import phone_e164, phone_sql
from ..model import DEFAULT_PHONE_REGION, ContactKind, CustomFieldType, InfoType
from ..quoting import sql_literal
from . import normalise as nz

#: Custom date fields read as a person's birthday (folded labels).
BIRTHDAY_LABELS = ("birthday", "geburtstag", "date of birth", "birth date", "dob", "geburtsdatum")
#: Email domains that say nothing about a company.
FREEMAIL = frozenset({
    "gmail.com", "googlemail.com", "web.de", "gmx.de", "gmx.net", "t-online.de", "outlook.de",
    "outlook.com", "posteo.de", "yahoo.com", "yahoo.co.uk", "yahoo.de", "hotmail.com",
    "hotmail.co.uk", "hotmail.de", "btinternet.com", "icloud.com", "aol.com", "live.com",
    "msn.com", "me.com", "mail.de", "freenet.de", "proton.me", "protonmail.com",
})


@dataclass(frozen=True)
class KeyCounts:
    """How many contacts and keys a build produced."""

    contacts: int
    emails: int
    phones: int
    phones_by_phonenumbers: int


#: Results kept per normalising function across the chunks of one build (names, companies,
#: places repeat from chunk to chunk); a memo that grows past this many is started afresh.
MEMO_LIMIT = 500_000
Memo = dict[Callable[[Any], Any], dict[Any, Any]]


def _map_distinct(values: pd.Series, fn: Callable[[Any], Any], memo: Memo | None = None) -> pd.Series:
    """``fn`` applied once per distinct non-null value of ``values`` (and once per build, with
    a ``memo`` shared by the chunks of a build)."""
    uniq = values.dropna().unique()
    if memo is None:
        return values.map({u: fn(u) for u in uniq})
    known = memo.setdefault(fn, {})
    if len(known) > MEMO_LIMIT:
        known.clear()
    for u in uniq:
        if u not in known:
            known[u] = fn(u)
    return values.map(known)


def email_local_sql(col: str) -> str:
    """The part of an email address before the domain, when it says more than a first name
    (``anna@``, ``info@`` give NULL): the key of the "same email name, other domain" level."""
    domain = f"length(split_part({col}, '@', 2))"
    return f"CASE WHEN length({col}) - {domain} > 6 THEN substr({col}, 1, length({col}) - {domain}) END"


#: What :func:`fold_sql` replaces, in order (the write-back check folds the same in Python).
FOLDS = ((".", ""), ("-", ""), ("_", ""), (" ", ""), ("ae", "a"), ("oe", "o"), ("ue", "u"))


def fold_sql(expr: str) -> str:
    """Separators dropped and umlaut spellings folded (``guenter.heinrich`` -> ``gunterheinrich``)
    as :func:`.normalise.name_key` folds names; plain ``replace`` so that every engine reads it."""
    for old, new in FOLDS:
        expr = f"replace({expr}, '{old}', '{new}')"
    return expr


def contacts_frame(tx: Tx, user: User, ids: Sequence[int] | None = None,
                   date_labels: Sequence[str] = BIRTHDAY_LABELS,
                   text_labels: Sequence[str] = ()) -> pd.DataFrame:
    """The raw fields the keys come from, for the visible contacts (optionally only ``ids``).

    ``birthday`` is the first of the date custom fields labelled one of ``date_labels`` (folded
    labels; the matching setting :attr:`.settings.MatchSettings.date_fields`).
    """
    return tx.df(*contacts_sql(user, ids, date_labels, text_labels, _companies_of(tx, ids)))


def _companies_of(tx: Tx, ids: Sequence[int] | None) -> list[int]:
    """The companies of the contacts ``ids`` (none to look up without ``ids``: all are read)."""
    if ids is None:
        return []
    return [int(r[0]) for r in tx.rows(
        f"SELECT DISTINCT company_id FROM (SELECT company_id FROM contacts "
        f"WHERE id IN ({id_list(ids)})) c WHERE company_id IS NOT NULL")]


def id_list(ids: Sequence[int]) -> str:
    """Ids written into a statement as a literal list (``NULL`` for none)."""
    return ", ".join(str(int(i)) for i in ids) or "NULL"


#: Tables read by contact, and the column holding the contact's id.
_BY_CONTACT = {"contacts": "id", "contact_info": "contact_id", "custom_values": "contact_id"}


def picked_sql(ids: Sequence[int] | None, tables: Sequence[str] = tuple(_BY_CONTACT),
               companies: Sequence[int] | None = None) -> tuple[list[str], dict[str, str]]:
    """Common table expressions holding the rows of ``ids`` alone (and, given ``companies``,
    those contacts as ``companies``), and the name to read each table by (the table itself,
    and no expression, when ``ids`` is ``None``).

    The ids are the only condition of a materialised step: DuckDB then looks them up in each
    table's index on the contact, where the same list beside another condition (an info type, a
    visibility rule, a join) became a scan of every row of the table, in every commit's duplicate
    check.
    """
    if ids is None:
        return [], {**{t: t for t in tables}, "companies": "contacts"}
    ctes = [f"p_{t} AS MATERIALIZED (SELECT * FROM {t} WHERE {_BY_CONTACT[t]} IN ({id_list(ids)}))"
            for t in tables]
    names = {t: f"p_{t}" for t in tables}
    if companies is not None:
        ctes.append(f"p_companies AS MATERIALIZED "
                    f"(SELECT * FROM contacts WHERE id IN ({id_list(companies)}))")
        names["companies"] = "p_companies"
    return ctes, names


def contacts_sql(user: User, ids: Sequence[int] | None = None,
                 date_labels: Sequence[str] = BIRTHDAY_LABELS, text_labels: Sequence[str] = (),
                 companies: Sequence[int] = ()) -> tuple[str, list[object]]:
    """The query of :func:`contacts_frame` and its parameters (``companies``: with ``ids``,
    the ids of their companies, whose names persons carry)."""
    pred, pparams = view_predicate(user, "c")
    co_pred, co_params = view_predicate(user, "co")  # a person's company name: the company's check
    birthday_labels = ", ".join(sql_literal(b.strip().lower()) for b in date_labels) or "''"
    custom_labels = ", ".join(sql_literal(b.strip().lower()) for b in text_labels) or "''"
    ctes, t = picked_sql(ids, companies=companies)
    sql = f"""
        WITH {"".join(f"{c}, " for c in ctes)}
        vis AS (SELECT c.* FROM {t['contacts']} c WHERE {pred}),
        addr AS (
            SELECT contact_id, street, zip, city, country,
                   row_number() OVER (PARTITION BY contact_id ORDER BY is_primary DESC, id) AS rn
            FROM {t['contact_info']}
            WHERE info_type = {int(InfoType.ADDRESS)} AND contact_id IN (SELECT id FROM vis)
              AND coalesce(street, zip, city, country) IS NOT NULL),
        bday AS (
            SELECT v.contact_id, min(v.value) AS birthday
            FROM {t['custom_values']} v JOIN custom_fields f ON f.id = v.field_id
            WHERE f.field_type = {int(CustomFieldType.DATE)} AND lower(trim(f.label)) IN ({birthday_labels})
              AND v.contact_id IN (SELECT id FROM vis)
            GROUP BY v.contact_id),
        cust AS (
            SELECT v.contact_id, string_agg(v.value, ' ' ORDER BY lower(trim(f.label)), v.value) AS custom
            FROM {t['custom_values']} v JOIN custom_fields f ON f.id = v.field_id
            WHERE lower(trim(f.label)) IN ({custom_labels}) AND v.contact_id IN (SELECT id FROM vis)
              AND v.value IS NOT NULL AND trim(v.value) <> ''
            GROUP BY v.contact_id)
        SELECT vis.id, vis.is_company, vis.first_name, vis.last_name,
               coalesce(vis.company_name, co.company_name) AS company_name,
               vis.company_id, a.street, a.zip, a.city, a.country, b.birthday, cu.custom
        FROM vis LEFT JOIN addr a ON a.contact_id = vis.id AND a.rn = 1
        LEFT JOIN {t['companies']} co ON co.id = vis.company_id AND NOT vis.is_company AND {co_pred}
        LEFT JOIN bday b ON b.contact_id = vis.id
        LEFT JOIN cust cu ON cu.contact_id = vis.id
    """
    return sql, [*pparams, *co_params]


def _head(key: str) -> str:
    return str(key).split(" ")[0]


def _full_date(value: str) -> str | None:
    return nz.date_parts(value)[0]


def _year(value: str) -> str | None:
    return nz.date_parts(value)[1]


#: How each key column is made, in order: (column, what it is made from, function, whether its
#: results are kept across the chunks of a build). The sources are the raw fields (a person's
#: ``first``, ``last`` and ``birthday``; everyone's ``company_name``, ``street``, ``zip``,
#: ``city``, ``custom``, ``country``) or key columns made before.
_STEPS: tuple[tuple[str, str, Callable[[Any], Any], bool], ...] = (
    ("first_key", "first", nz.first_name_key, True),
    ("first_head", "first_key", _head, False),
    ("last_key", "last", nz.name_key, True),
    ("last_col", "last_key", nz.cologne, True),
    ("last_mp", "last_key", nz.metaphone, True),
    ("comp_key", "company_name", nz.company_key, True),
    ("comp_sort", "comp_key", nz.token_sort, True),
    ("comp_col", "comp_key", nz.cologne, True),
    ("street_k", "street", nz.street_key, False),
    ("house", "street_k", nz.house_number, False),
    ("street_name", "street_k", nz.street_name, False),
    ("bday", "birthday", _full_date, False),
    ("byear", "birthday", _year, False),
    ("zip_k", "zip", nz.zip_key, True),
    ("city_k", "city", nz.name_key, True),
    ("custom_key", "custom", nz.fold_text, False),
    ("region", "country", nz.region_of, True),
)
#: Up to this many contacts are normalised value by value (the write-back check's handful):
#: pandas' per-column machinery costs more than the work on a few rows.
SMALL = 64


def key_frame(raw: pd.DataFrame, default_region: str = DEFAULT_PHONE_REGION, memo: Memo | None = None
              ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(dd_c, dd_first)`` frames from :func:`contacts_frame`-shaped raw fields (pure; ``memo``
    keeps the normalised names and places of earlier chunks of the same build).

    Streets and birthdays, nearly one per contact, are not kept. Every column is of object type,
    missing values ``None``.
    """
    if len(raw) <= SMALL:
        n = len(raw)
        return few_key_frame({c: raw[c].tolist() if c in raw else [None] * n
                              for c in ("id", "is_company", *_RAW_FIELDS)}, default_region)
    is_company = raw["is_company"].astype(bool)
    kind = is_company.map({True: ContactKind.COMPANY.value, False: ContactKind.PERSON.value})
    source = {"first": raw["first_name"].where(~is_company), "last": raw["last_name"].where(~is_company),
              "birthday": raw["birthday"].where(~is_company)}
    for col in ("company_name", "street", "zip", "city", "custom", "country"):
        source[col] = raw[col] if col in raw else pd.Series([None] * len(raw), index=raw.index, dtype=object)
    cols = pd.DataFrame({"id": raw["id"].astype("int64"), "kind": kind,
                         **_large(source, default_region, memo),
                         "company_id": raw["company_id"].astype("Int64"), "birthday": source["birthday"]},
                        columns=list(KEY_COLUMNS))
    out = cols.astype(object).mask(cols.isna(), cast(Any, None))
    return out, _first_groups(list(raw["id"].astype("int64")), list(out["first_head"]))


#: The raw fields :func:`few_key_frame` reads besides ``id`` and ``is_company`` (those of
#: :func:`contacts_frame`).
_RAW_FIELDS = ("first_name", "last_name", "company_name", "company_id", "street", "zip", "city", "country",
               "birthday", "custom")


def few_key_frame(columns: Mapping[str, Sequence[Any]], default_region: str = DEFAULT_PHONE_REGION
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`key_frame` of a few contacts given as lists of their raw fields (``id``,
    ``is_company`` and :data:`_RAW_FIELDS`; a missing field is all None), value by value (pure).

    The write-back check keys a handful of contacts per commit, where pandas' work per column
    and per frame costs many times the normalising itself."""
    ids = [int(i) for i in columns["id"]]
    n = len(ids)
    company = [bool(v) for v in columns["is_company"]]

    def field(name: str, persons_only: bool = False) -> list[Any]:
        values = columns.get(name)
        if values is None:
            values = [None] * n
        return [None if persons_only and c else plain(v) for v, c in zip(values, company, strict=True)]

    made: dict[str, list[Any]] = {"first": field("first_name", True), "last": field("last_name", True),
                                  "birthday": field("birthday", True)}
    for col in ("company_name", "street", "zip", "city", "custom", "country"):
        made[col] = field(col)
    for column, src, fn, _keep in _STEPS:
        made[column] = [None if v is None else plain(fn(v)) for v in made[src]]
    made["region"] = [r if r is not None else default_region.upper() for r in made["region"]]
    out = pd.DataFrame({"id": ids, "kind": [ContactKind.COMPANY.value if c else ContactKind.PERSON.value
                                            for c in company],
                        **{c: made[c] for c, _s, _f, _k in _STEPS},
                        "company_id": [None if v is None else int(v) for v in field("company_id")],
                        "birthday": made["birthday"]},
                       columns=list(KEY_COLUMNS), dtype=object)
    return out, _first_groups(ids, made["first_head"])


def _first_groups(ids: Sequence[int], heads: Sequence[Any]) -> pd.DataFrame:
    """``(id, g)``: each contact's given-name groups (its first name's, or the name itself)."""
    groups = [(int(i), g) for i, head in zip(ids, heads, strict=True) if head is not None
              for g in nz.NICKNAME_GROUPS.get(head, (head,))]
    return pd.DataFrame({"id": np.array([i for i, _g in groups], dtype=np.int64),
                         "g": np.array([g for _i, g in groups], dtype=object)})


def plain(value: Any) -> Any:
    """``value``, or ``None`` for any kind of missing value (``NaN``, ``pd.NA``, ``NaT``)."""
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def plain_values(series: pd.Series) -> list[Any]:
    """A column's values with every kind of missing value as ``None``."""
    return [plain(v) for v in series]


def _large(source: dict[str, pd.Series], default_region: str, memo: Memo | None) -> dict[str, pd.Series]:
    """The key columns of many contacts, each function applied once per distinct value."""
    made: dict[str, pd.Series] = dict(source)
    for column, src, fn, keep in _STEPS:
        made[column] = _map_distinct(made[src], fn, memo if keep else None)
    made["region"] = made["region"].fillna(default_region.upper())
    return {c: made[c] for c, _s, _f, _k in _STEPS}


def nickname_pairs() -> pd.DataFrame:
    """``(f1, f2)``: every ordered pair of different folded first names sharing a given-name group."""
    by_group: dict[str, list[str]] = {}
    for name, groups in nz.NICKNAME_GROUPS.items():
        for g in groups:
            by_group.setdefault(g, []).append(name)
    pairs = {(a, b) for names in by_group.values() for a in names for b in names if a != b}
    return pd.DataFrame(sorted(pairs), columns=["f1", "f2"])


def build(tx: Tx, user: User, *, default_region: str = DEFAULT_PHONE_REGION, ids: Sequence[int] | None = None,
          prefix: str = "dd_", date_labels: Sequence[str] = BIRTHDAY_LABELS,
          text_labels: Sequence[str] = ()) -> KeyCounts:
    """Create the ``dd_`` temp tables for the visible contacts (all, or those of ``ids``).

    The raw fields stay in DuckDB; :data:`CHUNK` contacts at a time come to pandas to be
    normalised, so memory does not grow with the size of the store.
    """
    sql, all_params = contacts_sql(user, ids, date_labels, text_labels, _companies_of(tx, ids))
    tx.execute(f"CREATE OR REPLACE TEMP TABLE {prefix}raw AS {sql}", all_params)
    _create_tables(tx, prefix)
    memo: Memo = {}
    last: int | None = None
    while True:
        after = "" if last is None else f"WHERE id > {int(last)}"
        raw = tx.df(f"SELECT * FROM {prefix}raw {after} ORDER BY id LIMIT {int(CHUNK)}")
        if raw.empty:
            break
        _append(tx, *key_frame(raw, default_region, memo), prefix)
        last = int(raw["id"].max())
    tx.execute(f"DROP TABLE {prefix}raw")
    return _finish(tx, default_region=default_region, info=None, prefix=prefix, ids=ids)


#: The key table's columns and their types (all text but the ids).
KEY_COLUMNS = ("id", "kind", "first_key", "first_head", "last_key", "last_col", "last_mp", "comp_key",
               "comp_sort", "comp_col", "company_id", "birthday", "street_k", "house", "street_name", "bday",
               "byear", "zip_k", "city_k", "custom_key", "region")
#: Contacts normalised in pandas at a time by :func:`build`.
CHUNK = 100_000


def _create_tables(tx: Tx, prefix: str) -> None:
    cols = ", ".join(f"{c} {'BIGINT' if c in ('id', 'company_id') else 'VARCHAR'}" for c in KEY_COLUMNS)
    tx.execute(f"CREATE OR REPLACE TEMP TABLE {prefix}c ({cols})")
    tx.execute(f"CREATE OR REPLACE TEMP TABLE {prefix}first (id BIGINT, g VARCHAR)")


def _append(tx: Tx, frame: pd.DataFrame, first_groups: pd.DataFrame, prefix: str) -> None:
    tx.register("_dd_frame", frame)
    tx.register("_dd_first", first_groups)
    tx.execute(f"INSERT INTO {prefix}c SELECT {', '.join(KEY_COLUMNS)} FROM _dd_frame")
    tx.execute(f"INSERT INTO {prefix}first SELECT DISTINCT id, g FROM _dd_first")
    tx.unregister("_dd_frame")
    tx.unregister("_dd_first")


def load(tx: Tx, frame: pd.DataFrame, first_groups: pd.DataFrame, *,
         default_region: str = DEFAULT_PHONE_REGION, info: pd.DataFrame | None = None,
         prefix: str = "dd_") -> KeyCounts:
    """Create the key tables ``{prefix}c`` ... from a key frame.

    Contact info comes from the store for the frame's ids, or from ``info`` (columns
    ``contact_id, info_type, data, email_key, e164``) for contacts not stored yet.
    """
    _create_tables(tx, prefix)
    _append(tx, frame, first_groups, prefix)
    return _finish(tx, default_region=default_region, info=info, prefix=prefix)


def _finish(tx: Tx, *, default_region: str, info: pd.DataFrame | None, prefix: str,
            ids: Sequence[int] | None = None) -> KeyCounts:
    """The contact-info key tables and the key counts, beside ``{prefix}c`` and ``{prefix}first``."""
    if info is None:
        ctes, t = picked_sql(ids, ("contact_info",))
        source = (f"{'WITH ' + ', '.join(ctes) if ctes else ''} "
                  f"SELECT i.contact_id, i.info_type, i.data, i.email_key, i.e164 FROM {t['contact_info']} i "
                  f"WHERE i.info_type IN ({int(InfoType.EMAIL)}, {int(InfoType.PHONE)}, "
                  f"{int(InfoType.WEBSITE)}) AND i.contact_id IN (SELECT id FROM {prefix}c)")
    else:
        tx.register("_dd_info", info)
        source = "SELECT contact_id, info_type, data, email_key, e164 FROM _dd_info"
    tx.execute(f"CREATE OR REPLACE TEMP TABLE {prefix}info AS {source}")
    if info is not None:
        tx.unregister("_dd_info")
    info_table, key_table = prefix + "info", prefix + "c"
    tx.execute(f"CREATE OR REPLACE TEMP TABLE {prefix}email AS {email_rows_sql(info_table, key_table)}")
    # stored keys as they are ('' marks a phone no rule could read); the SQL rule (whose
    # regular expressions cost a set-up per statement) only when some row has none
    tx.execute(f"CREATE OR REPLACE TEMP TABLE {prefix}phone_raw AS {phone_rows_sql(info_table, key_table)}")
    if tx.scalar(f"SELECT count(*) FROM {prefix}phone_raw WHERE k IS NULL"):
        tx.execute(f"UPDATE {prefix}phone_raw SET k = {phone_sql('data', 'region')} WHERE k IS NULL")
    rest = tx.df(f"SELECT DISTINCT data, region FROM {prefix}phone_raw WHERE k IS NULL")
    if len(rest):
        rest["k"] = [phone_e164(d, r or default_region) for d, r in zip(rest["data"], rest["region"],
                                                                             strict=True)]
        tx.register("_dd_rest", rest)
        tx.execute(f"""UPDATE {prefix}phone_raw SET k = r.k FROM _dd_rest r
                       WHERE {prefix}phone_raw.k IS NULL AND {prefix}phone_raw.data = r.data
                       AND {prefix}phone_raw.region IS NOT DISTINCT FROM r.region""")
        tx.unregister("_dd_rest")
    tx.execute(f"""CREATE OR REPLACE TEMP TABLE {prefix}phone AS
        SELECT DISTINCT id, k FROM {prefix}phone_raw WHERE k IS NOT NULL""")
    tx.execute(f"CREATE OR REPLACE TEMP TABLE {prefix}domain AS "
               f"{domain_rows_sql(info_table, key_table, prefix + 'email')}")
    # counted on grouped keys (hash joins, not a subquery per contact) and written into new
    # columns of the key table, which is not copied again; a contact without keys of a kind
    # keeps NULL: missing, not zero agreement
    for name in ("email", "phone", "domain"):
        tx.execute(f"ALTER TABLE {prefix}c ADD COLUMN n_{name} BIGINT")
        tx.execute(f"UPDATE {prefix}c SET n_{name} = n.n FROM (SELECT id, count(*) AS n FROM {prefix}{name} "
                   f"GROUP BY id) n WHERE n.id = {prefix}c.id")
    counts = tx.one(f"""SELECT (SELECT count(*) FROM {prefix}c), (SELECT count(*) FROM {prefix}email),
                        (SELECT count(*) FROM {prefix}phone)""")
    assert counts is not None
    return KeyCounts(int(counts[0]), int(counts[1]), int(counts[2]), len(rest))


def email_rows_sql(info: str, c: str) -> str:
    """``(id, k, loc, named)``: each contact's distinct email keys from the info rows ``info``
    (shaped like ``contact_info``), with the name part of the address and whether it holds the
    contact's first or last name (its keys in the key table ``c``). A key is the stored one,
    else the trimmed lower-cased text, and counts only with a character on each side of an
    ``@`` (read from the key, so that a check can leave a keyed row's text unread)."""
    local = email_local_sql("e.k")
    return f"""
        WITH e AS (
            SELECT DISTINCT id, k FROM (
                SELECT contact_id AS id, coalesce(nullif(email_key, ''), lower(trim(data))) AS k
                FROM {info} WHERE info_type = {int(InfoType.EMAIL)}) r
            WHERE k LIKE '%_@_%')
        SELECT e.id, e.k, {local} AS loc,
               coalesce((length(c.last_key) >= 3 AND strpos({fold_sql(local)}, {fold_sql('c.last_key')}) > 0)
                        OR (length(c.first_key) >= 3
                            AND strpos({fold_sql(local)}, {fold_sql('c.first_key')}) > 0), false) AS named
        FROM e LEFT JOIN {c} c ON c.id = e.id"""


def phone_rows_sql(info: str, c: str) -> str:
    """``(id, data, region, k)``: each phone row of ``info`` with its contact's region and its
    stored key (NULL when none was stored; ``''`` marks a phone no rule could read)."""
    return f"""
        SELECT i.contact_id AS id, i.data, c.region, nullif(i.e164, '') AS k
        FROM {info} i JOIN {c} c ON c.id = i.contact_id
        WHERE i.info_type = {int(InfoType.PHONE)}"""


def domain_rows_sql(info: str, c: str, email: str) -> str:
    """``(id, k)``: the distinct web domains of companies, from their websites in ``info`` and
    the domains of their email keys in ``email`` (shaped like :func:`email_rows_sql`), free-mail
    domains (and the empty one of ``a@@b.com``) left out."""
    freemail = ", ".join(f"'{d}'" for d in sorted(FREEMAIL))
    web = "lower(trim(i.data))"
    host = (f"regexp_replace(regexp_replace(regexp_replace({web}, '^[a-z][a-z0-9+.-]*://', ''), "
            f"'[/?#:].*$', ''), '^www\\.', '')")
    return f"""
        SELECT DISTINCT i.contact_id AS id, {host} AS k
        FROM {info} i JOIN {c} c ON c.id = i.contact_id
        WHERE c.kind = 'C' AND i.info_type = {int(InfoType.WEBSITE)} AND {host} LIKE '%_._%'
        UNION
        SELECT e.id, split_part(e.k, '@', 2) FROM {email} e JOIN {c} c ON c.id = e.id
        WHERE c.kind = 'C' AND split_part(e.k, '@', 2) NOT IN ('', {freemail})"""


def drop(tx: Tx, prefix: str = "dd_") -> None:
    """Drop the key tables (temp tables vanish with the connection anyway)."""
    for name in ("c", "first", "info", "email", "phone_raw", "phone", "domain"):
        tx.execute(f"DROP TABLE IF EXISTS {prefix}{name}")
