"""Comparison vectors in SQL: per candidate pair, one agreement level per field.

Levels are small integers, higher meaning closer; ``NULL`` means the field is missing on
either side and is never read as agreement (the classifier gives it no weight). Persons and
companies are compared by different fields; a pair of a person and a company is not a
candidate at all. Set-valued fields (emails, phones, domains) agree when the two contacts
share at least one value and disagree when both have values but share none.

String similarity uses Jaro-Winkler; :data:`SIMILARITY` names the SQL function so another
engine (Spark) can substitute its own. Everything else is portable SQL.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: The SQL function of a Jaro-Winkler similarity in [0, 1] (DuckDB's name).
SIMILARITY = "jaro_winkler_similarity"

#: Fields compared for persons and for companies, with their levels (highest first).
PERSON_FIELDS: dict[str, dict[int, str]] = {
    "first": {3: "same first name (or names swapped)", 2: "nickname or same first given name",
              1: "similar first name", 0: "different first name"},
    "last": {3: "same last name", 2: "very similar last name", 1: "last name sounds alike",
             0: "different last name"},
    "email": {1: "shared email", 0: "different emails"},
    "phone": {1: "shared phone", 0: "different phones"},
    "addr": {3: "same street and place", 2: "same postal code", 1: "same city", 0: "different address"},
    "company": {2: "same company", 1: "similar company name", 0: "different company"},
    "birthday": {1: "same birthday", 0: "different birthday"},
}
COMPANY_FIELDS: dict[str, dict[int, str]] = {
    "name": {3: "same company name", 2: "very similar company name", 1: "similar company name",
             0: "different company name"},
    "domain": {1: "shared web/email domain", 0: "different domains"},
    "email": PERSON_FIELDS["email"],
    "phone": PERSON_FIELDS["phone"],
    "addr": PERSON_FIELDS["addr"],
}
FIELDS = {"P": PERSON_FIELDS, "C": COMPANY_FIELDS}
ALL_FIELDS: tuple[str, ...] = tuple(dict.fromkeys([*PERSON_FIELDS, *COMPANY_FIELDS]))


def _sim(a: str, b: str) -> str:
    return f"{SIMILARITY}({a}, {b})"


def _missing(col: str) -> str:
    return f"a.{col} IS NULL OR b.{col} IS NULL"


def _shared(left: str, right: str, pairs: str) -> str:
    """Pairs (of ``pairs``) with how many keys they share between ``left`` and ``right``."""
    return (f"SELECT p.id1, p.id2, count(*) AS n FROM {pairs} p "
            f"JOIN {left} x ON x.id = p.id1 JOIN {right} y ON y.id = p.id2 AND y.k = x.k "
            f"GROUP BY p.id1, p.id2")


def _set_level(col: str, shared: str) -> str:
    return f"CASE WHEN {_missing(col)} THEN NULL WHEN {shared}.n IS NOT NULL THEN 1 ELSE 0 END"


def vectors_sql(pairs: str, left: str = "dd_", right: str = "dd_", nick: str = "dd_nick") -> str:
    """``(id1, id2, kind, first, last, email, phone, addr, company, birthday, name, domain)``.

    ``pairs`` is a table of ``(id1, id2)``: ``id1`` has its keys in the ``left`` tables, ``id2``
    in the ``right`` ones (the same prefix for a batch run). ``nick`` holds the nickname pairs.
    """
    person = "a.kind = 'P'"
    company = "a.kind = 'C'"
    first = f"""CASE WHEN NOT {person} OR {_missing('first_key')} THEN NULL
        WHEN a.first_key = b.first_key THEN 3
        WHEN a.first_key = b.last_key AND a.last_key = b.first_key THEN 3
        WHEN a.first_head = b.first_head OR nk.f1 IS NOT NULL THEN 2
        WHEN {_sim('a.first_key', 'b.first_key')} >= 0.88 THEN 1 ELSE 0 END"""
    last = f"""CASE WHEN NOT {person} OR {_missing('last_key')} THEN NULL
        WHEN a.last_key = b.last_key THEN 3
        WHEN a.first_key = b.last_key AND a.last_key = b.first_key THEN 3
        WHEN {_sim('a.last_key', 'b.last_key')} >= 0.92 THEN 2
        WHEN a.last_col = b.last_col OR a.last_mp = b.last_mp THEN 1 ELSE 0 END"""
    addr = """CASE WHEN (a.street_k IS NULL AND a.zip_k IS NULL AND a.city_k IS NULL)
            OR (b.street_k IS NULL AND b.zip_k IS NULL AND b.city_k IS NULL) THEN NULL
        WHEN a.street_k = b.street_k AND (a.zip_k = b.zip_k OR a.city_k = b.city_k) THEN 3
        WHEN a.zip_k = b.zip_k THEN 2
        WHEN a.city_k = b.city_k THEN 1 ELSE 0 END"""
    comp_p = f"""CASE WHEN NOT {person} OR {_missing('comp_key')} THEN NULL
        WHEN a.comp_key = b.comp_key OR a.company_id = b.company_id THEN 2
        WHEN {_sim('a.comp_sort', 'b.comp_sort')} >= 0.9 THEN 1 ELSE 0 END"""
    birthday = f"""CASE WHEN NOT {person} OR {_missing('birthday')} THEN NULL
        WHEN a.birthday = b.birthday THEN 1 ELSE 0 END"""
    name = f"""CASE WHEN NOT {company} OR {_missing('comp_key')} THEN NULL
        WHEN a.comp_key = b.comp_key THEN 3
        WHEN {_sim('a.comp_sort', 'b.comp_sort')} >= 0.94 OR a.comp_col = b.comp_col THEN 2
        WHEN {_sim('a.comp_key', 'b.comp_key')} >= 0.85 THEN 1 ELSE 0 END"""
    domain = f"CASE WHEN NOT {company} THEN NULL ELSE {_set_level('n_domain', 'sd')} END"
    return f"""
        WITH se AS ({_shared(left + 'email', right + 'email', pairs)}),
             sp AS ({_shared(left + 'phone', right + 'phone', pairs)}),
             sd AS ({_shared(left + 'domain', right + 'domain', pairs)})
        SELECT p.id1, p.id2, a.kind,
               {first} AS first, {last} AS last,
               {_set_level('n_email', 'se')} AS email, {_set_level('n_phone', 'sp')} AS phone,
               {addr} AS addr, {comp_p} AS company, {birthday} AS birthday,
               {name} AS name, {domain} AS domain
        FROM {pairs} p
        JOIN {left}c a ON a.id = p.id1
        JOIN {right}c b ON b.id = p.id2 AND b.kind = a.kind
        LEFT JOIN {nick} nk ON nk.f1 = a.first_head AND nk.f2 = b.first_head
        LEFT JOIN se ON se.id1 = p.id1 AND se.id2 = p.id2
        LEFT JOIN sp ON sp.id1 = p.id1 AND sp.id2 = p.id2
        LEFT JOIN sd ON sd.id1 = p.id1 AND sd.id2 = p.id2"""


def eligible(vectors: pd.DataFrame) -> np.ndarray:
    """Pairs that may be duplicates at all: a name that clearly differs rules a pair out.

    Two persons whose first names clearly differ (level 0: not equal, no nickname, not
    similar) are different people even when they share an address, a landline or an email
    (a household) or a company switchboard; so are persons whose last names clearly differ
    unless they share an email address (a changed name). The same birthday at the same address
    keeps a pair in (a household rarely shares one; a mistyped name does). A name shared and
    nothing else (no email, phone, address, birthday or company in common) is no evidence of one
    person either: common names repeat. Two companies whose names clearly
    differ are two companies even at one address. A missing name rules nothing out.
    """
    kind = vectors["kind"].to_numpy()
    first = vectors["first"].to_numpy(dtype="float64", na_value=np.nan)
    last = vectors["last"].to_numpy(dtype="float64", na_value=np.nan)
    email = vectors["email"].to_numpy(dtype="float64", na_value=np.nan)
    name = vectors["name"].to_numpy(dtype="float64", na_value=np.nan)
    birthday = vectors["birthday"].to_numpy(dtype="float64", na_value=np.nan)
    phone = vectors["phone"].to_numpy(dtype="float64", na_value=np.nan)
    addr = vectors["addr"].to_numpy(dtype="float64", na_value=np.nan)
    company = vectors["company"].to_numpy(dtype="float64", na_value=np.nan)
    names_only = ~((email == 1) | (phone == 1) | (addr >= 2) | (birthday == 1) | (company >= 2))
    same_person_data = (birthday == 1) & (addr >= 2)
    person_out = (((first == 0) | ((last == 0) & (email != 1))) & ~same_person_data) | names_only
    return ~(((kind == "P") & person_out) | ((kind == "C") & (name == 0)))
