"""Pure SQL builders for the import pipeline; each returns text, nothing runs here.

The staging table ``imp_raw(rec, c0, c1, ...)`` holds the file as text. These builders turn
it into tidy temporary tables (rows, info values, tags, custom values), set-based, so that
a million-row file is transformed inside DuckDB rather than row by row in Python.
"""

from __future__ import annotations

from ..model import ADDRESS_PARTS, MAX_NAME_LENGTH, InfoType
from .layout import Mapping, parse_info_key

#: ONLYOFFICE's import email rule (StringExtension.TestEmailRegex): a dot-atom or quoted local
#: part; a domain of labels with a TLD of at least two letters, or a bracketed IPv4 address.
EMAIL_REGEX = (
    r"^(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r'|"[^"\\\r\n]+")@(?:(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}'
    r"|\[\d{1,3}(?:\.\d{1,3}){3}\])$"
)


def _col(mapping: Mapping, key: str) -> str:
    idx = mapping.index_of(key)
    return f"c{idx}" if idx is not None else "NULL::VARCHAR"


def _clean(expr: str) -> str:
    return f"nullif(trim({expr}), '')"


def rows_sql(mapping: Mapping) -> str:
    """``imp_rows``: one row per record with the scalar fields, trimmed, and its kind."""
    f, last = _clean(_col(mapping, "firstName")), _clean(_col(mapping, "lastName"))
    return f"""
    CREATE OR REPLACE TEMP TABLE imp_rows AS
    SELECT rec, f0, l0,
           (f0 IS NOT NULL OR l0 IS NOT NULL) AS is_person,
           (f0 IS NULL AND l0 IS NULL AND company IS NOT NULL) AS is_company,
           coalesce(f0, l0) AS first_name,
           CASE WHEN f0 IS NULL THEN NULL ELSE l0 END AS last_name,
           company, title, notes, stage, ctype, tagcell, id_text, kind_text
    FROM (
        SELECT rec, {f} AS f0, {last} AS l0,
               {_clean(_col(mapping, "companyName"))} AS company,
               {_clean(_col(mapping, "title"))} AS title,
               {_clean(_col(mapping, "notes"))} AS notes,
               {_clean(_col(mapping, "contactStage"))} AS stage,
               {_clean(_col(mapping, "contactType"))} AS ctype,
               {_clean(_col(mapping, "tag"))} AS tagcell,
               {_clean(_col(mapping, "id"))} AS id_text,
               {_clean(_col(mapping, "kind"))} AS kind_text
        FROM imp_raw
    )
    """


def info_sql(mapping: Mapping) -> str:
    """``imp_info``: one row per contact-info value (cells split on commas, addresses zipped).

    ``colpos`` and ``pos`` keep file order, so the first value of each type can be primary.
    Non-empty cells are gathered first, then split with set-returning functions in the
    select list (a lateral join per column is much slower in DuckDB).
    """
    parts: list[str] = []
    singles: list[tuple[int, InfoType, int]] = []
    addresses: dict[int, dict[str, int]] = {}
    for idx, key in mapping.columns:
        ik = parse_info_key(key)
        if ik is None:
            continue
        if ik.info_type is InfoType.ADDRESS:
            addresses.setdefault(ik.category, {})[ik.part or ""] = idx
        else:
            singles.append((idx, ik.info_type, ik.category))
    if singles:
        cells = " UNION ALL ".join(
            f"SELECT rec, {int(t)} AS info_type, {cat} AS category, {idx} AS colpos, "
            f"c{idx} AS cell FROM imp_raw WHERE c{idx} IS NOT NULL AND trim(c{idx}) <> ''"
            for idx, t, cat in singles
        )
        parts.append(
            "SELECT rec, info_type, category, colpos, pos, trim(v) AS data, "
            "NULL::VARCHAR AS street, NULL::VARCHAR AS city, NULL::VARCHAR AS state, "
            "NULL::VARCHAR AS zip, NULL::VARCHAR AS country FROM ("
            "SELECT rec, info_type, category, colpos, unnest(string_split(cell, ',')) AS v, "
            f"generate_subscripts(string_split(cell, ','), 1) AS pos FROM ({cells}))"
        )
    for cat, cols in sorted(addresses.items()):
        lists = {p: f"string_split(coalesce(c{cols[p]}, ''), ',')" if p in cols else "[]::VARCHAR[]"
                 for p in ADDRESS_PARTS}
        longest = "greatest(" + ", ".join(f"len({lst})" for lst in lists.values()) + ")"
        present = " OR ".join(f"trim(coalesce(c{i}, '')) <> ''" for i in cols.values())
        picks = {p: f"nullif(trim({p}_l[pos]), '')" for p in ADDRESS_PARTS}
        display = "concat_ws(', ', " + ", ".join(picks[p] for p in ADDRESS_PARTS) + ")"
        listed = ", ".join(f"{lst} AS {p}_l" for p, lst in lists.items())
        parts.append(
            f"SELECT rec, {int(InfoType.ADDRESS)}, {cat}, {min(cols.values())}, pos, "
            f"{display}, {picks['street']}, {picks['city']}, {picks['state']}, "
            f"{picks['zip']}, {picks['country']} FROM ("
            f"SELECT rec, {listed}, unnest(generate_series(1, {longest})) AS pos "
            f"FROM imp_raw WHERE {present})"
        )
    body = " UNION ALL ".join(parts) if parts else (
        "SELECT NULL::BIGINT AS rec, NULL::SMALLINT AS info_type, NULL::SMALLINT AS category, "
        "NULL::INTEGER AS colpos, NULL::BIGINT AS pos, NULL::VARCHAR AS data, NULL::VARCHAR AS street, "
        "NULL::VARCHAR AS city, NULL::VARCHAR AS state, NULL::VARCHAR AS zip, "
        "NULL::VARCHAR AS country WHERE FALSE"
    )
    return f"""
    CREATE OR REPLACE TEMP TABLE imp_info AS
    SELECT * FROM ({body}) WHERE data IS NOT NULL AND data <> ''
    """


def tags_sql(mapping: Mapping) -> str:
    """``imp_tags``: (rec, title) from the tag cell split on commas, plus the import-wide tags."""
    return """
    CREATE OR REPLACE TEMP TABLE imp_tags AS
    SELECT DISTINCT rec, title FROM (
        SELECT rec, trim(replace(replace(u.v, chr(13), ''), chr(10), '')) AS title
        FROM imp_rows, unnest(string_split(tagcell, ',')) AS u(v)
        WHERE tagcell IS NOT NULL
        UNION ALL
        SELECT r.rec, trim(t.title) FROM imp_rows r CROSS JOIN imp_extra_tags t
    ) WHERE title <> ''
    """


def custom_sql(mapping: Mapping) -> str:
    """``imp_custom``: (rec, label, value, col) for every non-empty custom-field cell; ``col`` is
    the file column, so new fields are defined in the file's order."""
    parts = [
        f"SELECT rec, '{key[len('customField_'):].replace(chr(39), chr(39) * 2)}' AS label, "
        f"trim(c{idx}) AS value, {int(idx)} AS col FROM imp_raw WHERE trim(coalesce(c{idx}, '')) <> ''"
        for idx, key in mapping.columns
        if key.startswith("customField_")
    ]
    body = " UNION ALL ".join(parts) if parts else (
        "SELECT NULL::BIGINT AS rec, NULL::VARCHAR AS label, NULL::VARCHAR AS value, "
        "NULL::INTEGER AS col WHERE FALSE"
    )
    return f"CREATE OR REPLACE TEMP TABLE imp_custom AS {body}"


def row_problem_sqls() -> list[tuple[str, list[object]]]:
    """``SELECT rec, field, message, value`` queries with params, one per rule on the staged rows."""
    too_long = [
        f"SELECT rec, '{label}', 'is longer than {MAX_NAME_LENGTH} characters "
        f"(' || length({col}) || ')', left({col}, 40) || '...' FROM imp_rows "
        f"WHERE length({col}) > {MAX_NAME_LENGTH}"
        for col, label in (("f0", "First Name"), ("l0", "Last Name"),
                           ("company", "Company Name"), ("title", "Position"))
    ]
    plain = [
        "SELECT rec, NULL, 'is neither a person (no first or last name) nor a company "
        "(no company name)', NULL FROM imp_rows WHERE NOT is_person AND company IS NULL",
        "SELECT rec, 'Company/Person', 'says ' || kind_text || ' but the names make it a ' || "
        "CASE WHEN is_person THEN 'person' ELSE 'company' END, kind_text FROM imp_rows "
        "WHERE kind_text IS NOT NULL AND (is_person OR is_company) AND "
        "lower(kind_text) <> CASE WHEN is_person THEN 'person' ELSE 'company' END",
        *too_long,
        "SELECT rec, 'Id', 'is not a contact id (a whole number)', id_text FROM imp_rows "
        "WHERE id_text IS NOT NULL AND try_cast(id_text AS BIGINT) IS NULL",
    ]
    email = (
        f"SELECT rec, 'Email', 'is not a valid email address', data FROM imp_info "
        f"WHERE info_type = {int(InfoType.EMAIL)} AND NOT regexp_full_match(data, ?)"
    )
    return [(sql, []) for sql in plain] + [(email, [EMAIL_REGEX])]
