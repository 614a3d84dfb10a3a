"""Pure SQL builders of the data-quality rules; each returns ``(sql, params)`` and runs nothing.

Every query starts from ``vis``, the contacts the user may view, so no rule can report a
contact the user may not see. :mod:`crmdata.quality.check` runs them and judges, with the
validation libraries, the values SQL alone cannot settle.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from ..access import User, view_predicate
from ..edit import validate
from ..model import CustomFieldType, FieldScope, InfoType
from ..search.filters import Filters, filters_sql

SqlParams = tuple[str, list[object]]

#: A domain label email-validator takes as it is: letters, digits and inner hyphens, at most 63,
#: and no "--" as its third and fourth characters (IDNA keeps those for "xn--" Punycode, which
#: the library decodes: such labels go to it). Written without look-ahead, which RE2 lacks:
#: up to three characters, four, or five and more.
_EMAIL_LABEL_RE = (r"(?:[a-z0-9](?:[a-z0-9\-]?[a-z0-9])?"
                   r"|[a-z0-9][a-z0-9\-][a-z0-9\-][a-z0-9]"
                   r"|[a-z0-9][a-z0-9\-](?:[a-z0-9][a-z0-9\-]|-[a-z0-9])[a-z0-9\-]{0,58}[a-z0-9])")
#: Emails this pattern matches are valid for email-validator too (a dot-atom local part and
#: a plain domain name); the rest go to the library. Applied to ``lower(trim(data))``.
FAST_EMAIL_RE = rf"[a-z0-9_+\-]{{1,64}}(\.[a-z0-9_+\-]+)*@({_EMAIL_LABEL_RE}\.)+[a-z]{{2,63}}"
#: Special-use top-level domains email-validator refuses; never let through by the pattern.
SPECIAL_TLDS = ("arpa", "invalid", "local", "localhost", "onion", "test")
#: Web addresses this pattern matches pass :func:`crmdata.edit.validate.check_url`.
FAST_URL_RE = (r"(?i)(https?://)?([a-z0-9]([a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
               r"([/?#][^\s\x00-\x1f\x7f]*)?")
#: SQL twin of :data:`crmdata.quality.text.INTERNATIONAL_RE`.
INTERNATIONAL_SQL_RE = r"\+[0-9]+([ -][0-9]+)*"
#: Phones made only of digits, spaces and ( ) . / - (with + in front or not) parse the same as
#: their digits alone (phonenumbers ignores that punctuation), so they share one library call.
PLAIN_PHONE_SQL_RE = r"\+?[0-9 ()./\-]+"
#: Whitespace worth fixing: at the ends, doubled, or tabs and line breaks inside.
_SPACE_SQL_RE = r"^\s|\s$|\s\s|[\t\r\n]"
#: Info types with a whitespace check on their value (emails and phones have format rules).
_PLAIN_INFO_TYPES = tuple(int(t) for t in InfoType
                          if t not in (InfoType.EMAIL, InfoType.PHONE, InfoType.ADDRESS))
#: Info types whose values may be profile URLs (checked when they look like one).
_PROFILE_TYPES = tuple(int(t) for t in (InfoType.LINKEDIN, InfoType.FACEBOOK, InfoType.TWITTER,
                                          InfoType.MYSPACE, InfoType.BLOGGER, InfoType.VK))
#: Contact columns checked for whitespace, and the person / company name columns for case.
_TEXT_FIELDS = ("first_name", "last_name", "company_name", "title", "industry")
_ADDRESS_PARTS = ("street", "city", "state", "zip", "country")


# -- pure SQL builders ------------------------------------------------------------------------
def visible_cte(user: User) -> SqlParams:
    """``vis`` (ids the user may view) for the ``WITH`` clause of every rule query."""
    pred, params = view_predicate(user, "c")
    return f"vis AS (SELECT c.id FROM contacts c WHERE {pred})", list(params)


def _with(user: User, body: str, params: Sequence[object] = ()) -> SqlParams:
    cte, p = visible_cte(user)
    return f"WITH {cte} {body}", [*p, *params]


def _info_label_sql(alias: str = "i") -> str:
    cases = " ".join(f"WHEN {int(t)} THEN '{t.name.lower()}'" for t in InfoType)
    return f"CASE {alias}.info_type {cases} END"


def whitespace_sql(user: User) -> SqlParams:
    parts = [
        f"SELECT c.id AS contact_id, '{col}' AS field, NULL::BIGINT AS info_id, c.{col} AS value, "
        f"'{col.replace('_', ' ')} has leading, trailing or doubled spaces' AS message, "
        f"trim(regexp_replace(c.{col}, '\\s+', ' ', 'g')) AS fix_value "
        f"FROM contacts c JOIN vis ON vis.id = c.id WHERE regexp_matches(c.{col}, '{_SPACE_SQL_RE}')"
        for col in _TEXT_FIELDS
    ]
    types = ", ".join(map(str, _PLAIN_INFO_TYPES))
    parts.append(
        f"SELECT i.contact_id, {_info_label_sql()}, i.id, i.data, "
        f"{_info_label_sql()} || ' has leading, trailing or doubled spaces', "
        f"trim(regexp_replace(i.data, '\\s+', ' ', 'g')) "
        f"FROM contact_info i JOIN vis ON vis.id = i.contact_id "
        f"WHERE i.info_type IN ({types}) AND regexp_matches(i.data, '{_SPACE_SQL_RE}')"
    )
    for part in _ADDRESS_PARTS:
        parts.append(
            f"SELECT i.contact_id, 'address.{part}', i.id, i.{part}, "
            f"'address {part} has leading, trailing or doubled spaces', "
            f"trim(regexp_replace(i.{part}, '\\s+', ' ', 'g')) "
            f"FROM contact_info i JOIN vis ON vis.id = i.contact_id "
            f"WHERE i.info_type = {int(InfoType.ADDRESS)} AND regexp_matches(i.{part}, '{_SPACE_SQL_RE}')"
        )
    return _with(user, " UNION ALL ".join(parts))


def name_case_sql(user: User) -> SqlParams:
    """Names all capitals or all lower case (values come back collapsed; Python re-cases)."""
    checks = (("first_name", "NOT c.is_company", False), ("last_name", "NOT c.is_company", False),
              ("company_name", "c.is_company", True))
    parts = []
    for col, who, company in checks:
        val = f"trim(regexp_replace(c.{col}, '\\s+', ' ', 'g'))"
        # companies: all capitals only counts with a word of 5+ letters (IBM, BASF SE are fine)
        caps = f"({val} = upper({val}) AND {val} <> lower({val})" + (
            f" AND regexp_matches({val}, '\\p{{Lu}}{{5,}}'))" if company else ")")
        lower = f"({val} = lower({val}) AND {val} <> upper({val}))"
        parts.append(
            f"SELECT c.id AS contact_id, '{col}' AS field, NULL::BIGINT AS info_id, {val} AS value, "
            f"'{col.replace('_', ' ')} is written in ' || CASE WHEN {val} = upper({val}) "
            f"THEN 'all capitals' ELSE 'lower case' END AS message, NULL AS fix_value "
            f"FROM contacts c JOIN vis ON vis.id = c.id WHERE {who} AND c.{col} IS NOT NULL "
            f"AND length(regexp_replace({val}, '[^\\p{{L}}]', '', 'g')) >= 2 AND ({caps} OR {lower})"
        )
    return _with(user, " UNION ALL ".join(parts))


def primaries_sql(user: User) -> SqlParams:
    """Per contact and info type: how many rows, how many primaries, which row to make primary."""
    return _with(user, """
        SELECT i.contact_id, i.info_type, count(*) AS n,
               count(*) FILTER (WHERE i.is_primary) AS n_primary,
               coalesce(min(i.id) FILTER (WHERE i.is_primary), min(i.id)) AS keep_id
        FROM contact_info i JOIN vis ON vis.id = i.contact_id
        GROUP BY i.contact_id, i.info_type
        HAVING count(*) FILTER (WHERE i.is_primary) <> 1
    """)


def company_missing_sql(user: User) -> SqlParams:
    return _with(user, """
        SELECT c.id AS contact_id, 'company_id' AS field, NULL::BIGINT AS info_id,
               CAST(c.company_id AS VARCHAR) AS value,
               'linked to company ' || c.company_id || ', which does not exist' AS message,
               NULL AS fix_value
        FROM contacts c JOIN vis ON vis.id = c.id
        WHERE NOT c.is_company AND c.company_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM contacts co WHERE co.id = c.company_id AND co.is_company)
    """)


def company_empty_sql(user: User) -> SqlParams:
    return _with(user, """
        SELECT c.id AS contact_id, 'contact' AS field, NULL::BIGINT AS info_id, NULL AS value,
               'company has neither persons nor any contact information' AS message,
               NULL AS fix_value
        FROM contacts c JOIN vis ON vis.id = c.id
        WHERE c.is_company
          AND NOT EXISTS (SELECT 1 FROM contacts p WHERE p.company_id = c.id AND NOT p.is_company)
          AND NOT EXISTS (SELECT 1 FROM contact_info i WHERE i.contact_id = c.id)
    """)


def stale_sql(user: User, cutoff: dt.date) -> SqlParams:
    """Not updated and no history event since ``cutoff``: the search filters' own staleness SQL."""
    pred, params = filters_sql(Filters(not_updated_since=cutoff, no_activity_since=cutoff))
    return _with(user, f"""
        , last AS (SELECT contact_id, max(event_at) AS at FROM history_events GROUP BY contact_id)
        SELECT c.id AS contact_id, 'contact' AS field, NULL::BIGINT AS info_id,
               strftime(greatest(c.updated_at, coalesce(last.at, c.updated_at)), '%Y-%m-%d') AS value,
               'not updated since ' || strftime(c.updated_at, '%Y-%m-%d') || ' and ' ||
               CASE WHEN last.at IS NULL THEN 'no activity ever'
                    ELSE 'last activity on ' || strftime(last.at, '%Y-%m-%d') END AS message,
               NULL AS fix_value
        FROM contacts c JOIN vis ON vis.id = c.id LEFT JOIN last ON last.contact_id = c.id
        WHERE {pred}
    """, params)


def unreachable_sql(user: User) -> SqlParams:
    reach = f"{int(InfoType.EMAIL)}, {int(InfoType.PHONE)}, {int(InfoType.ADDRESS)}"
    return _with(user, f"""
        SELECT c.id AS contact_id, 'contact' AS field, NULL::BIGINT AS info_id, NULL AS value,
               'no email, no phone and no address' AS message, NULL AS fix_value
        FROM contacts c JOIN vis ON vis.id = c.id
        WHERE NOT EXISTS (SELECT 1 FROM contact_info i WHERE i.contact_id = c.id
                          AND i.info_type IN ({reach}))
    """)


def info_duplicate_sql(user: User) -> SqlParams:
    """Repeated info values within a contact: every row after the first (primary first)."""
    # only (contact, type) groups with several rows can repeat a value: normalising every
    # value of a large base is what costs, so find those groups first
    return _with(user, f"""
        , several AS (
            SELECT i.contact_id, i.info_type FROM contact_info i JOIN vis ON vis.id = i.contact_id
            GROUP BY ALL HAVING count(*) > 1
        ), k AS (
            SELECT i.id, i.contact_id, i.info_type, i.data, i.is_primary,
                   coalesce(CASE WHEN i.info_type = {int(InfoType.PHONE)}  -- '' e164: unreadable
                        THEN coalesce(nullif(i.e164, ''),
                                      nullif(regexp_replace(i.data, '[^0-9+]', '', 'g'), '')) END,
                        lower(trim(regexp_replace(i.data, '\\s+', ' ', 'g')))) AS key
            FROM contact_info i JOIN several USING (contact_id, info_type)
        ), dup AS (
            SELECT contact_id, info_type, key FROM k GROUP BY ALL HAVING count(*) > 1
        ), ranked AS (
            SELECT k.*, row_number() OVER w AS rn, first_value(k.id) OVER w AS keep_id
            FROM k JOIN dup USING (contact_id, info_type, key)
            WINDOW w AS (PARTITION BY k.contact_id, k.info_type, k.key
                         ORDER BY k.is_primary DESC, k.id)
        )
        SELECT contact_id, {_info_label_sql('ranked')} AS field, id AS info_id, data AS value,
               'same ' || {_info_label_sql('ranked')} || ' as info #' || keep_id AS message,
               NULL AS fix_value
        FROM ranked WHERE rn > 1
    """)


def import_kept_sql(user: User, contact_id: int | None = None) -> SqlParams:
    """Values ``import --keep-bad-values`` stored as written, while the contact still holds them
    (of every visible contact, or of one)."""
    one = "" if contact_id is None else f"AND f.contact_id = {int(contact_id)}"
    return _with(user, f"""
        SELECT f.contact_id, f.field, i.id AS info_id, f.value,
               f.message || ' (line ' || coalesce(f.line::VARCHAR, '?') || ' of ' || f.source || ')'
                   AS message,
               NULL AS fix_value
        FROM import_flags f JOIN vis ON vis.id = f.contact_id
        LEFT JOIN contact_info i ON f.field = 'Email' AND i.contact_id = f.contact_id
             AND i.info_type = {int(InfoType.EMAIL)} AND i.data = f.value
        LEFT JOIN custom_fields cf ON f.field <> 'Email' AND lower(cf.label) = lower(f.field)
        LEFT JOIN custom_values cv ON cv.contact_id = f.contact_id AND cv.field_id = cf.id
             AND cv.value = f.value
        WHERE (i.id IS NOT NULL OR cv.contact_id IS NOT NULL) {one}
        QUALIFY row_number() OVER (PARTITION BY f.contact_id, f.field, f.value ORDER BY f.journal_id DESC,
                                   i.id) = 1
    """)


def email_candidates_sql(user: User) -> SqlParams:
    """Distinct emails the fast pattern cannot vouch for (the library judges these)."""
    tlds = ", ".join(f"'{t}'" for t in SPECIAL_TLDS)
    return _with(user, f"""
        SELECT DISTINCT i.data FROM contact_info i JOIN vis ON vis.id = i.contact_id
        WHERE i.info_type = {int(InfoType.EMAIL)}
          AND NOT (length(trim(i.data)) <= {validate.MAX_EMAIL_PHONE_LENGTH}
                   AND regexp_full_match(lower(trim(i.data)), '{FAST_EMAIL_RE}')
                   AND split_part(lower(trim(i.data)), '.', -1) NOT IN ({tlds}))
    """)


def email_rows_sql(user: User) -> SqlParams:
    """Email rows that are invalid (listed in ``q_bad``) or not lower case and trimmed."""
    return _with(user, f"""
        SELECT i.contact_id, i.id AS info_id, i.data, b.message AS bad
        FROM contact_info i JOIN vis ON vis.id = i.contact_id LEFT JOIN q_bad b ON b.data = i.data
        WHERE i.info_type = {int(InfoType.EMAIL)} AND (b.data IS NOT NULL OR i.data <> lower(trim(i.data)))
    """)


def phone_candidates_sql(user: User, default_region: str) -> SqlParams:
    """Phone rows not already in international format matching their E.164 form, with the
    region to read them in and where that region came from (``source``): '' and 'plus' for
    numbers with +; else the contact's address ('address'), else its company's address
    ('company'), else the country code its other international phones agree on ('phones'),
    else the default ('default'). ``q_regions`` maps address countries to regions,
    ``q_calling`` calling codes to their main region."""
    addr = int(InfoType.ADDRESS)
    phone = int(InfoType.PHONE)
    return _with(user, f"""
        , addr AS (
            SELECT contact_id, r.region FROM (
                SELECT i.contact_id, i.country, row_number() OVER (
                    PARTITION BY i.contact_id ORDER BY i.is_primary DESC, i.id) AS rn
                FROM contact_info i WHERE i.info_type = {addr}
            ) a LEFT JOIN q_regions r ON r.country = lower(trim(a.country)) WHERE rn = 1
        ),
        plain AS (
            SELECT i.contact_id, i.id AS info_id, i.data
            FROM contact_info i JOIN vis ON vis.id = i.contact_id
            WHERE i.info_type = {phone}
              AND NOT (i.e164 IS NOT NULL AND regexp_full_match(i.data, '{INTERNATIONAL_SQL_RE}')
                       AND replace(replace(i.data, ' ', ''), '-', '') = i.e164)
        ),
        hint AS (  -- calling codes are prefix-free and 1 to 3 digits long: one equal match
            SELECT o.contact_id, CASE WHEN count(DISTINCT k.region) = 1 THEN min(k.region) END AS region
            FROM (SELECT contact_id, regexp_replace(data, '[^0-9]', '', 'g') AS digits
                  FROM contact_info WHERE info_type = {phone} AND starts_with(trim(data), '+')
                    AND contact_id IN (SELECT contact_id FROM plain)) o
            CROSS JOIN (VALUES (1), (2), (3)) AS n(len)
            JOIN q_calling k ON k.code = left(o.digits, n.len)
            GROUP BY o.contact_id
        ),
        placed AS (
            SELECT p.*, CASE WHEN starts_with(trim(p.data), '+') THEN 'plus'
                             WHEN own.region IS NOT NULL THEN 'address'
                             WHEN co.region IS NOT NULL THEN 'company'
                             WHEN h.region IS NOT NULL THEN 'phones'
                             ELSE 'default' END AS source,
                   coalesce(own.region, co.region, h.region, ?) AS guess
            FROM plain p JOIN contacts c ON c.id = p.contact_id
            LEFT JOIN addr own ON own.contact_id = p.contact_id
            LEFT JOIN addr co ON co.contact_id = c.company_id AND NOT c.is_company
                AND c.company_id IN (SELECT id FROM vis)
            LEFT JOIN hint h ON h.contact_id = p.contact_id
        )
        SELECT contact_id, info_id, data, source,
               CASE WHEN source = 'plus' THEN '' ELSE guess END AS region,
               CASE WHEN regexp_full_match(trim(data), '{PLAIN_PHONE_SQL_RE}')
                    THEN regexp_replace(trim(data), '[ ()./-]', '', 'g')
                    ELSE trim(data) END AS key
        FROM placed
    """, [default_region.upper()])


def countries_sql(user: User) -> SqlParams:
    return _with(user, f"""
        SELECT DISTINCT lower(trim(i.country)) AS country FROM contact_info i
        JOIN vis ON vis.id = i.contact_id
        WHERE i.info_type = {int(InfoType.ADDRESS)} AND i.country IS NOT NULL
    """)


def url_candidates_sql(user: User) -> SqlParams:
    """Web sites, and profile values that look like URLs, the fast pattern cannot vouch for."""
    profiles = ", ".join(map(str, _PROFILE_TYPES))
    return _with(user, f"""
        SELECT i.contact_id, i.id AS info_id, {_info_label_sql()} AS field, i.data
        FROM contact_info i JOIN vis ON vis.id = i.contact_id
        WHERE (i.info_type = {int(InfoType.WEBSITE)}
               OR (i.info_type IN ({profiles}) AND (i.data LIKE '%://%' OR lower(i.data) LIKE 'www.%')))
          AND NOT (length(i.data) <= 253 AND regexp_full_match(i.data, '{FAST_URL_RE}'))
    """)


def custom_pairs_sql(user: User) -> SqlParams:
    """Distinct (field, value) pairs of the field types a validator must judge (select,
    checkbox, date, heading) among the visible contacts."""
    text_types = f"{int(CustomFieldType.TEXT)}, {int(CustomFieldType.TEXTAREA)}"
    return _with(user, f"""
        SELECT DISTINCT f.id AS field_id, f.field_type, f.mask, cv.value
        FROM custom_values cv JOIN vis ON vis.id = cv.contact_id
        JOIN custom_fields f ON f.id = cv.field_id
        WHERE f.field_type NOT IN ({text_types})
    """)


def custom_rows_sql(user: User) -> SqlParams:
    """Custom values whose field is gone, out of scope, a one-line text with line breaks, or
    whose (field, value) pair the validator refused (``q_custom_bad``)."""
    label = "coalesce(f.label, CAST(cv.field_id AS VARCHAR))"
    return _with(user, f"""
        SELECT cv.contact_id, 'custom:' || {label} AS field, NULL::BIGINT AS info_id, cv.value,
               CASE WHEN f.id IS NULL THEN 'the custom field ' || cv.field_id || ' no longer exists'
                    WHEN f.scope = {int(FieldScope.PERSON)} AND c.is_company
                         THEN '''' || f.label || ''' is a field for persons only'
                    WHEN f.scope = {int(FieldScope.COMPANY)} AND NOT c.is_company
                         THEN '''' || f.label || ''' is a field for companies only'
                    WHEN f.field_type = {int(CustomFieldType.TEXT)} AND regexp_matches(cv.value, '[\\r\\n]')
                         THEN 'a text field holds one line; use a text area for several'
                    ELSE b.message
               END AS message, NULL AS fix_value
        FROM custom_values cv JOIN vis ON vis.id = cv.contact_id
        JOIN contacts c ON c.id = cv.contact_id
        LEFT JOIN custom_fields f ON f.id = cv.field_id
        LEFT JOIN q_custom_bad b ON b.field_id = cv.field_id AND b.value = cv.value
        WHERE f.id IS NULL OR b.message IS NOT NULL
           OR (f.scope = {int(FieldScope.PERSON)} AND c.is_company)
           OR (f.scope = {int(FieldScope.COMPANY)} AND NOT c.is_company)
           OR (f.field_type = {int(CustomFieldType.TEXT)} AND regexp_matches(cv.value, '[\\r\\n]'))
    """)


# -- rules that need a library on distinct values ---------------------------------------------
