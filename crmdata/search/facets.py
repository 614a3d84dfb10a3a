"""Facet counts: beside each filter value, how many contacts choosing it would show.

For a query and filters, :func:`facet_counts` counts the matching contacts by temperature
level, contact type, tag, manager and access. A facet whose filter picks *one of* several
values (temperature, type) or one value (manager, access) is counted with its own filter left
out, so its counts say what choosing another value would give; tags (all of) are counted
within the current matches, so each count is what adding that tag would leave.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..access import User
from ..errors import CrmDataError
from ..model import ListType, ShareType
from .api import _check_names, make_filters, resolve
from .filters import Filters
from .parse import Query, parse
from .sql import select_parts

if TYPE_CHECKING:
    from ..access import User
    from ..db import Database

#: Each facet: the filter it leaves out while counting, and ``SELECT value, id`` over ``m(id)``.
_FACETS: dict[str, tuple[str | None, str]] = {
    "temperature": ("temperatures",
                    "SELECT li.title AS value, m.id FROM m JOIN contacts c ON c.id = m.id "
                    "JOIN list_items li ON li.id = c.status_id "
                    f"AND li.list_type = {int(ListType.TEMPERATURE)}"),
    "contact_type": ("contact_types",
                     "SELECT li.title AS value, m.id FROM m JOIN contacts c ON c.id = m.id "
                     "JOIN list_items li ON li.id = c.contact_type_id "
                     f"AND li.list_type = {int(ListType.CONTACT_TYPE)}"),
    "tag": (None, "SELECT t.title AS value, m.id FROM m JOIN contact_tags ct ON ct.contact_id = m.id "
                  "JOIN tags t ON t.id = ct.tag_id"),
    "manager": ("manager",
                "SELECT coalesce(u.login, 'none') AS value, m.id FROM m "
                "LEFT JOIN contact_managers cm ON cm.contact_id = m.id "
                "LEFT JOIN users u ON u.id = cm.user_id"),
    "access": ("access",
               f"SELECT CASE WHEN c.share_type = {int(ShareType.NONE)} THEN 'restricted' ELSE 'public' END "
               "AS value, m.id FROM m JOIN contacts c ON c.id = m.id"),
}


@dataclass(frozen=True)
class Facets:
    """Counts per facet: ``counts["tag"]["Lead"]`` contacts; facets as in :data:`FACETS`."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def get(self, facet: str, value: str) -> int:
        """The count of one value (0 when no matching contact has it; case ignored)."""
        found = self.counts.get(facet, {})
        if value in found:
            return found[value]
        lower = value.lower()
        return next((n for v, n in found.items() if v.lower() == lower), 0)


FACETS = tuple(_FACETS)


def facets_sql(
    user: User, parsed: Query, chosen: Filters, resolved: Any, facet: str
) -> tuple[str, list[Any]]:
    """``SELECT value, count`` of one facet over the contacts the search would find."""
    leave_out, values = _FACETS[facet]
    filters = chosen.with_(**{leave_out: getattr(Filters(), leave_out)}) if leave_out else chosen
    cte, where, params = select_parts(user, parsed, filters, resolved)
    head = f"{cte}, m AS" if cte else "WITH m AS"
    sql = (f"{head} (SELECT c.id FROM contacts c {where}) "
           f"SELECT value, count(DISTINCT id) FROM ({values}) GROUP BY value")
    return sql, params


def facet_counts(
    db: Database, user: User, query: str | Query = "", filters: Filters | None = None, **filter_values: Any
) -> Facets:
    """Counts beside each filter value for ``search(db, user, query, filters)`` (see the module doc)."""
    parsed = query if isinstance(query, Query) else parse(query or "")
    chosen = make_filters(filters, **filter_values)
    out: dict[str, dict[str, int]] = {}
    with db.read() as tx:
        _check_names(tx, chosen)
        resolved = resolve(db, tx, parsed)
        for facet in FACETS:
            rows = tx.rows(*facets_sql(user, parsed, chosen, resolved, facet))
            out[facet] = {str(v): int(n) for v, n in rows}
    return Facets(out)


def overview_counts(db: Database, user: User, stale_days: int = 365, as_of: dt.date | None = None) -> Facets:
    """The contact base at a glance: the facets of all contacts, plus ``kind`` (company /
    person) and ``stale`` (stale: not updated and no activity for ``stale_days``; active)."""
    from .api import search

    if int(stale_days) < 1:
        raise CrmDataError(f"The stale period must be at least 1 day, not {stale_days}.")
    cutoff = (as_of or dt.date.today()) - dt.timedelta(days=int(stale_days))
    counts = dict(facet_counts(db, user).counts)
    companies = search(db, user, show="companies", page_size=1).total
    persons = search(db, user, show="persons", page_size=1).total
    stale = search(db, user, "", Filters(not_updated_since=cutoff, no_activity_since=cutoff),
                   page_size=1).total
    counts["kind"] = {"company": companies, "person": persons}
    counts["stale"] = {"stale": stale, "active": companies + persons - stale}
    return Facets(counts)

