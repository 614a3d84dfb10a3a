"""Matching keys kept beside contact info: E.164 for phones, lower case for emails.

The one place their rules live, below both editing (which keys the rows it writes and looks
stored keys up for the write-back duplicate check), duplicate detection (which reads them) and
the CSV import (which keys the rows it loads). Phones are read in the region of the contact's
address country, else the default region: a portable SQL rule (:func:`phone_sql`) settles the
forms it reads for sure (``+``/``00`` international prefix, a national number with trunk
``0``, ten-digit North American numbers), :mod:`phonenumbers` (:func:`phone_e164`) the
DISTINCT rest. A row whose phone cannot be read gets ``''``, so later fills skip it.

``meta`` keeps how far the stored keys are known to be filled (:data:`crmdata.schema.KEYS_THROUGH`);
:func:`fill_keys` catches up stores whose rows older versions wrote without keys.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd
import phonenumbers

from .countries import region_pairs
from .db import Database, Tx
from .model import DEFAULT_PHONE_REGION, InfoType
from .schema import KEYS_LEGACY, KEYS_THROUGH

#: Countries whose national numbers start with a trunk ``0`` after the country code.
TRUNK_ZERO_CODES: dict[str, str] = {
    "DE": "49", "AT": "43", "CH": "41", "GB": "44", "FR": "33", "NL": "31", "BE": "32",
    "IE": "353", "ES": "34", "PL": "48", "DK": "45",
}
def phone_sql(data: str, region: str) -> str:
    """Portable SQL: the E.164 form of phone text ``data`` read in ``region``, or NULL if unsure."""
    digits = f"regexp_replace(replace({data}, '(0)', ''), '[^0-9]', '', 'g')"
    trunk = " ".join(
        f"WHEN {region} = '{r}' AND substr({digits}, 1, 1) = '0' AND substr({digits}, 2, 1) <> '0' "
        f"THEN '+{cc}' || substr({digits}, 2)" for r, cc in TRUNK_ZERO_CODES.items()
    )
    raw = (
        f"CASE WHEN trim({data}) LIKE '+%' THEN '+' || {digits} "
        f"WHEN substr({digits}, 1, 2) = '00' THEN '+' || substr({digits}, 3) "
        f"WHEN {region} IN ('US', 'CA') AND length({digits}) = 10 "
        f"AND substr({digits}, 1, 1) NOT IN ('0', '1') THEN '+1' || {digits} "
        f"{trunk} ELSE NULL END"
    )
    return f"CASE WHEN length({raw}) BETWEEN 9 AND 16 THEN {raw} ELSE NULL END"


@lru_cache(maxsize=1 << 16)
def phone_e164(value: str | None, region: str = DEFAULT_PHONE_REGION) -> str | None:
    """A phone number in E.164 (``+4930123456``), read with ``region`` when it has no country code."""
    if value is None or not any(ch.isdigit() for ch in str(value)):
        return None
    try:
        number = phonenumbers.parse(str(value), region.upper())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)



def keys_through(tx: Tx) -> int:
    """The info id up to which every row has its matching keys (0: none are known to)."""
    return int(tx.meta(KEYS_THROUGH) or 0)


def unkeyed_ids(tx: Tx) -> str:
    """The condition on ``contact_info.id`` of the rows that may lack their matching keys
    ("" when none may): above the id up to which keys are known to be filled
    (``KEYS_THROUGH``) and at most the largest id an older version may have written
    (``KEYS_LEGACY``). Checkers compare such rows by their normalised value instead; once
    the keys are filled that far they read no range at all (even a range that skips every row
    group by its id statistics loads each one's metadata, some 2 ms of a commit at 1M)."""
    through = keys_through(tx)
    legacy = int(tx.meta(KEYS_LEGACY) or 0)
    return f"id > {through} AND id <= {legacy}" if through < legacy else ""


def phone_keys(tx: Tx, table: str, default_region: str = DEFAULT_PHONE_REGION) -> int:
    """Create the temp table ``kf_keys (id, e164)``: the E.164 key of every phone row of
    ``table`` whose ``e164`` is NULL; ``table`` is shaped like ``contact_info`` (``id,
    contact_id, info_type, data, country, is_primary, e164``). The caller uses and drops it.

    Each phone is read in the region of its contact's first address country (addresses in
    ``table`` or already stored), else ``default_region``: the SQL rule settles the forms it
    reads for sure, :mod:`phonenumbers` the distinct rest; an unreadable phone gets ``''``.
    Built with CREATE ... AS only: inside a large import, UPDATEs of temp tables would be
    kept in memory until the commit. Returns how many rows got a key.
    """
    phone, addr = int(InfoType.PHONE), int(InfoType.ADDRESS)
    owners = f"SELECT contact_id FROM {table} WHERE info_type = {phone} AND e164 IS NULL"
    tx.execute(f"""CREATE OR REPLACE TEMP TABLE kf_addr AS
        SELECT contact_id, arg_min(country, (NOT is_primary, id)) AS country FROM (
            SELECT contact_id, country, is_primary, id FROM {table}
            WHERE info_type = {addr} AND country IS NOT NULL
            UNION SELECT contact_id, country, is_primary, id FROM contact_info
            WHERE info_type = {addr} AND country IS NOT NULL AND contact_id IN ({owners}))
        GROUP BY contact_id""")
    countries = [r[0] for r in tx.rows("SELECT DISTINCT country FROM kf_addr")]
    names, regions = region_pairs(countries)
    tx.register("_kf_regions", pd.DataFrame({"country": names, "region": regions}, dtype=object))
    region = f"coalesce(g.region, '{default_region.upper()}')"
    tx.execute(f"""CREATE OR REPLACE TEMP TABLE kf_phone AS
        SELECT i.id, i.data, {region} AS region, {phone_sql('i.data', region)} AS k
        FROM {table} i LEFT JOIN kf_addr a ON a.contact_id = i.contact_id
        LEFT JOIN _kf_regions g ON g.country = a.country
        WHERE i.info_type = {phone} AND i.e164 IS NULL""")
    tx.unregister("_kf_regions")
    tx.execute("DROP TABLE kf_addr")
    rest = tx.df("SELECT DISTINCT data, region FROM kf_phone WHERE k IS NULL")
    rest["k"] = [phone_e164(d, r) or "" for d, r in zip(rest["data"], rest["region"], strict=True)]
    tx.register("_kf_rest", rest.astype(object))
    tx.execute("""CREATE OR REPLACE TEMP TABLE kf_keys AS
        SELECT p.id, coalesce(p.k, r.k, '') AS e164 FROM kf_phone p
        LEFT JOIN _kf_rest r ON p.k IS NULL AND r.data = p.data AND r.region = p.region""")
    tx.unregister("_kf_rest")
    tx.execute("DROP TABLE kf_phone")
    return int(tx.scalar("SELECT count(*) FROM kf_keys"))


def fill_stored_keys(tx: Tx, default_region: str = DEFAULT_PHONE_REGION) -> dict[str, int]:
    """Fill ``email_key`` / ``e164`` of the stored info rows added since the last fill, then
    move the ``KEYS_THROUGH`` mark to the newest row (inside the caller's transaction).

    Catches up stores whose rows were written without keys (imports by older versions; the
    import now keys rows before it writes them, :func:`phone_keys`). Returns how many rows
    got each key.
    """
    through = keys_through(tx)
    newest = int(tx.scalar("SELECT coalesce(max(id), 0) FROM contact_info"))
    email, phone = int(InfoType.EMAIL), int(InfoType.PHONE)
    emails = tx.execute(f"UPDATE contact_info SET email_key = lower(trim(data)) "
                        f"WHERE id > ? AND info_type = {email} AND email_key IS NULL", [through]) or 0
    tx.execute(f"""CREATE OR REPLACE TEMP TABLE kf_rows AS
        SELECT id, contact_id, info_type, data, country, is_primary, e164 FROM contact_info
        WHERE id > {through} AND info_type = {phone} AND e164 IS NULL""")
    phones = 0
    if tx.scalar("SELECT count(*) FROM kf_rows"):  # none after an import of this version
        phones = phone_keys(tx, "kf_rows", default_region)
        tx.execute("UPDATE contact_info SET e164 = k.e164 FROM kf_keys k WHERE contact_info.id = k.id")
        tx.execute("DROP TABLE kf_keys")
    tx.execute("DROP TABLE kf_rows")
    tx.set_meta(KEYS_THROUGH, str(newest))
    return {"emails": int(emails), "phones": phones}


def fill_keys(db: Database, default_region: str = DEFAULT_PHONE_REGION) -> dict[str, int]:
    """Fill the stored ``email_key`` / ``e164`` columns where they are empty, in one transaction.

    The same keys the duplicate run computes, written beside the data (never over it) so the
    write-back check can look phones and emails up by equality. Phones are read with the region
    of the contact's address country (else ``default_region``) by the SQL rule, the distinct
    rest by :mod:`phonenumbers`; unreadable phones get ``''``, so later runs skip them. Records
    the highest info id covered, so the write-back check compares unkeyed values only for rows
    added since. Returns how many rows got each key.
    """
    with db.transaction() as tx:
        return fill_stored_keys(tx, default_region)
