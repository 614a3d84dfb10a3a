"""Matching keys beside contact info: E.164 for phones, lower case for emails.

Edits fill both for the rows they write. Bulk loads (the CSV import) leave them empty,
because parsing a million phone numbers one by one would dominate an import;
:func:`fill_match_keys` fills the missing ones afterwards, parsing each distinct phone
value once. Phones that cannot be read get an empty key, so later runs skip them. The
highest info id it covered is kept in ``meta``, so the duplicate check compares unkeyed
values only for rows added since.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ..model import InfoType
from .dupcheck import KEYS_THROUGH
from .validate import DEFAULT_REGION, e164_or_none

if TYPE_CHECKING:
    from ..store import Store


def fill_match_keys(store: Store, region: str = DEFAULT_REGION) -> dict[str, int]:
    """Fill missing ``email_key`` and ``e164`` values; returns how many rows got each.

    Keys are derived data (no journal entry, no version change). Runs in one transaction.
    """
    missing_email = f"info_type = {int(InfoType.EMAIL)} AND email_key IS NULL"
    missing_phone = f"info_type = {int(InfoType.PHONE)} AND e164 IS NULL"
    with store.db.transaction() as tx:
        through = int(tx.scalar("SELECT coalesce(max(id), 0) FROM contact_info"))
        emails = int(tx.scalar(f"SELECT count(*) FROM contact_info WHERE {missing_email}"))
        tx.execute(f"UPDATE contact_info SET email_key = lower(trim(data)) WHERE {missing_email}")
        values = [str(r[0]) for r in tx.rows(f"SELECT DISTINCT data FROM contact_info WHERE {missing_phone}")]
        phones = 0
        if values:
            keys = pd.DataFrame({"data": values, "key": [e164_or_none(v, region) or "" for v in values]})
            tx.register("phone_keys_", keys)
            phones = int(tx.scalar(
                f"SELECT count(*) FROM contact_info i JOIN phone_keys_ k ON k.data = i.data "
                f"WHERE i.info_type = {int(InfoType.PHONE)} AND i.e164 IS NULL"))
            tx.execute(f"UPDATE contact_info SET e164 = k.key FROM phone_keys_ k "
                       f"WHERE contact_info.data = k.data AND contact_info.info_type = {int(InfoType.PHONE)} "
                       f"AND contact_info.e164 IS NULL")
            tx.unregister("phone_keys_")
        tx.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [KEYS_THROUGH, str(through)])
    return {"emails": emails, "phones": phones}
