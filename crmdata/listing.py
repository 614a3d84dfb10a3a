"""What the contact list shows beside a search page: last activity and list thumbnails.

A search returns one page of contacts (:func:`crmdata.search.api.search`); the contact list
also shows, per row, the day of the contact's last history event and its 40 px photo. Both
come here in one read for the page's ids, so a page costs two reads whatever its size.
Contacts the user may not view are left out, as everywhere.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import queries

if TYPE_CHECKING:
    from .access import User
    from .db import Database


@dataclass(frozen=True)
class RowExtras:
    """One contact's list extras: when it last had activity and its thumbnail."""

    last_activity: Any  # a timestamp, or None without history
    thumb: bytes  # PNG/JPEG bytes of its 40 px photo, or of the default image
    thumb_format: str
    has_photo: bool

    def thumb_data_uri(self) -> str:
        """The thumbnail as a ``data:`` URI for an ``<img>`` tag."""
        mime = "image/jpeg" if self.thumb_format.upper() == "JPEG" else "image/png"
        return f"data:{mime};base64,{base64.b64encode(self.thumb).decode('ascii')}"


def extras_sql(user: User, ids: Sequence[int]) -> tuple[str, list[object]]:
    """Pure: the SQL for :func:`page_extras` (visible contacts among ``ids`` only)."""
    vis_sql, params = queries.visible_ids(user, ids)
    sql = (
        f"SELECT c.id, c.is_company, "
        f"(SELECT max(h.event_at) FROM history_events h WHERE h.contact_id = c.id) AS last_activity, "
        f"p.thumb_40, p.format FROM contacts c LEFT JOIN photos p ON p.contact_id = c.id "
        f"WHERE c.id IN ({vis_sql})"
    )
    return sql, params


def page_extras(db: Database, user: User, ids: Sequence[int]) -> dict[int, RowExtras]:
    """Last activity and 40 px thumbnail for each visible contact among ``ids``."""
    from .photos.store_ops import default_photo

    if not ids:
        return {}
    with db.read() as tx:
        rows = tx.rows(*extras_sql(user, ids))
    out: dict[int, RowExtras] = {}
    for cid, is_company, last, thumb, fmt in rows:
        if thumb is None:
            image = default_photo(bool(is_company), "40")
            out[int(cid)] = RowExtras(last, image.data, image.format, False)
        else:
            out[int(cid)] = RowExtras(last, bytes(thumb), str(fmt), True)
    return out
