"""Matching keys beside contact info: E.164 for phones, lower case for emails.

Edits fill both for the rows they write, and the CSV import for the rows it loads (with
:func:`crmdata.dedupe.keys.fill_stored_keys`, which reads each phone in the region of the
contact's address country and parses only the distinct values its SQL rule cannot settle).
:func:`fill_match_keys` catches up stores written before imports filled phone keys.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .validate import DEFAULT_REGION

if TYPE_CHECKING:
    from ..store import Store


def fill_match_keys(store: Store, region: str = DEFAULT_REGION) -> dict[str, int]:
    """Fill missing ``email_key`` and ``e164`` values; returns how many rows got each.

    Keys are derived data (no journal entry, no version change). Runs in one transaction.
    """
    from ..dedupe.keys import fill_keys

    return fill_keys(store, default_region=region)
