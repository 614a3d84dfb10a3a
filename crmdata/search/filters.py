"""The contact list's filters as data: one table of filter kinds, each giving SQL and English.

:class:`Filters` holds the chosen values (a frozen dataclass, so a dashboard can keep it as
state and the CLI can build it from options). :data:`FILTERS` describes every kind once: the
attribute it reads, the SQL predicate on ``contacts AS c`` it yields (pure: SQL text plus
parameters), a plain-English description, and, for values that name things (a temperature
level, a tag, a user), the SQL listing what exists so that a misspelt name is an error
instead of a silently empty list. All filters combine with AND (ONLYOFFICE section 12).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any

from ..access import User, deal_view_predicate
from ..errors import CrmDataError
from ..model import ListType, ShareType

SqlParams = tuple[str, list[object]]

SHOW_VALUES = ("all", "companies", "persons", "with_opportunities")
ACCESS_VALUES = ("public", "restricted")
#: The manager value that finds contacts without any manager ("no responsible").
NO_MANAGER = "none"


class FilterError(CrmDataError):
    """A filter value that cannot be used (unknown name, bad date, reversed range)."""


def _date(value: object, what: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise FilterError(f"{what}: {value!r} is not a date; write YYYY-MM-DD.") from None


def _names(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    out = []
    for v in value:  # type: ignore[attr-defined]
        text = str(v).strip()
        if text:
            out.append(text)
    return tuple(dict.fromkeys(out))


@dataclass(frozen=True)
class Filters:
    """The chosen filters; every field empty means "all contacts"."""

    show: str = "all"
    temperatures: tuple[str, ...] = ()  # any of these levels
    contact_types: tuple[str, ...] = ()  # any of these types
    tags: tuple[str, ...] = ()  # all of these tags
    manager: str | None = None  # a user login, or "none" for contacts without managers
    access: str | None = None  # "public" or "restricted"
    created_from: dt.date | None = None
    created_to: dt.date | None = None  # inclusive
    updated_from: dt.date | None = None
    updated_to: dt.date | None = None  # inclusive
    not_updated_since: dt.date | None = None  # stale: last change before this day
    no_activity_since: dt.date | None = None  # stale: no history event on or after this day
    custom: tuple[tuple[str, str], ...] = ()  # (field label, value): all of these

    def __post_init__(self) -> None:
        show = (self.show or "all").strip().lower().replace(" ", "_").replace("-", "_")
        if show not in SHOW_VALUES:
            raise FilterError(f"show: {self.show!r} is not one of {', '.join(SHOW_VALUES)}.")
        object.__setattr__(self, "show", show)
        for name in ("temperatures", "contact_types", "tags"):
            object.__setattr__(self, name, _names(getattr(self, name)))
        if self.access is not None:
            access = self.access.strip().lower()
            if access not in ACCESS_VALUES:
                raise FilterError(f"access: {self.access!r} is not public or restricted.")
            object.__setattr__(self, "access", access)
        if self.manager is not None:
            object.__setattr__(self, "manager", self.manager.strip() or None)
        for f in fields(self):
            if f.name.endswith(("_from", "_to", "_since")):
                object.__setattr__(self, f.name, _date(getattr(self, f.name), f.name))
        for lo, hi in (("created_from", "created_to"), ("updated_from", "updated_to")):
            a, b = getattr(self, lo), getattr(self, hi)
            if a is not None and b is not None and a > b:
                raise FilterError(f"{lo} {a} is after {hi} {b}.")
        custom = []
        for pair in self.custom:
            if len(pair) != 2 or not str(pair[0]).strip():
                raise FilterError(f"custom: {pair!r} is not a (field, value) pair.")
            custom.append((str(pair[0]).strip(), str(pair[1]).strip()))
        object.__setattr__(self, "custom", tuple(custom))

    def with_(self, **changes: Any) -> Filters:
        return replace(self, **changes)


@dataclass(frozen=True)
class FilterKind:
    """One kind of filter: where its value lives, its SQL, its English, what names exist."""

    attr: str
    label: str
    sql: Callable[[Any], SqlParams]
    describe: Callable[[Any], str]
    #: ``SELECT lower(name)`` of the names the value may use (None when values are not names).
    known_sql: str | None = None


def _show_sql(v: str, user: User | None = None) -> SqlParams:
    if v == "companies":
        return "c.is_company", []
    if v == "persons":
        return "NOT c.is_company", []
    if v == "with_opportunities":
        # a deal counts for a participant only where the user may see the deal
        deal, params = deal_view_predicate(user, "d") if user is not None else ("TRUE", [])
        return (
            "c.id IN (SELECT contact_id FROM deals WHERE contact_id IS NOT NULL "
            f"UNION SELECT p.contact_id FROM deal_participants p JOIN deals d ON d.id = p.deal_id "
            f"WHERE {deal})",
            list(params),
        )
    return "TRUE", []


def _list_sql(column: str, list_type: ListType) -> Callable[[tuple[str, ...]], SqlParams]:
    def build(v: tuple[str, ...]) -> SqlParams:
        return (
            f"c.{column} IN (SELECT id FROM list_items WHERE list_type = {int(list_type)} "
            f"AND lower(title) IN (SELECT lower(unnest(?::VARCHAR[]))))",
            [list(v)],
        )
    return build


def _tags_sql(v: tuple[str, ...]) -> SqlParams:
    parts = [
        "c.id IN (SELECT ct.contact_id FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id "
        "WHERE t.title_key = lower(trim(?)))"
    ] * len(v)
    return " AND ".join(parts), list(v)


def _manager_sql(v: str) -> SqlParams:
    if v.lower() == NO_MANAGER:
        return "NOT EXISTS (SELECT 1 FROM contact_managers mm WHERE mm.contact_id = c.id)", []
    return (
        "c.id IN (SELECT mm.contact_id FROM contact_managers mm JOIN users u "
        "ON u.id = mm.user_id WHERE lower(u.login) = lower(?))",
        [v],
    )


def _access_sql(v: str) -> SqlParams:
    if v == "restricted":
        return f"c.share_type = {int(ShareType.NONE)}", []
    return f"c.share_type IN ({int(ShareType.READ)}, {int(ShareType.READ_WRITE)})", []


def _since(column: str, op: str, add_day: bool = False) -> Callable[[dt.date], SqlParams]:
    def build(v: dt.date) -> SqlParams:
        day = v + dt.timedelta(days=1) if add_day else v
        return f"c.{column} {op} ?", [dt.datetime.combine(day, dt.time())]
    return build


def _no_activity_sql(v: dt.date) -> SqlParams:
    return (
        "NOT EXISTS (SELECT 1 FROM history_events h WHERE h.contact_id = c.id "
        "AND h.event_at >= ?)",
        [dt.datetime.combine(v, dt.time())],
    )


def _custom_sql(v: tuple[tuple[str, str], ...]) -> SqlParams:
    part = (
        "c.id IN (SELECT cv.contact_id FROM custom_values cv JOIN custom_fields f "
        "ON f.id = cv.field_id WHERE lower(f.label) = lower(?) "
        "AND lower(trim(cv.value)) = lower(?))"
    )
    params: list[object] = []
    for label, value in v:
        params += [label, value]
    return " AND ".join([part] * len(v)), params


def _either(v: tuple[str, ...]) -> str:
    return " or ".join(v)


FILTERS: tuple[FilterKind, ...] = (
    FilterKind("show", "show", _show_sql,
               lambda v: {"companies": "companies", "persons": "persons",
                          "with_opportunities": "with opportunities"}.get(v, "all contacts")),
    FilterKind("temperatures", "temperature level", _list_sql("status_id", ListType.TEMPERATURE),
               lambda v: f"temperature {_either(v)}",
               f"SELECT lower(title) FROM list_items WHERE list_type = {int(ListType.TEMPERATURE)}"),
    FilterKind("contact_types", "contact type", _list_sql("contact_type_id", ListType.CONTACT_TYPE),
               lambda v: f"type {_either(v)}",
               f"SELECT lower(title) FROM list_items WHERE list_type = {int(ListType.CONTACT_TYPE)}"),
    FilterKind("tags", "tag", _tags_sql, lambda v: "tagged " + " and ".join(v),
               "SELECT title_key FROM tags"),
    FilterKind("manager", "manager", _manager_sql,
               lambda v: "without managers" if v.lower() == NO_MANAGER else f"managed by {v}",
               f"SELECT lower(login) FROM users UNION ALL SELECT '{NO_MANAGER}'"),
    FilterKind("access", "access", _access_sql, lambda v: v),
    FilterKind("created_from", "created from", _since("created_at", ">="),
               lambda v: f"created on or after {v}"),
    FilterKind("created_to", "created to", _since("created_at", "<", add_day=True),
               lambda v: f"created on or before {v}"),
    FilterKind("updated_from", "updated from", _since("updated_at", ">="),
               lambda v: f"updated on or after {v}"),
    FilterKind("updated_to", "updated to", _since("updated_at", "<", add_day=True),
               lambda v: f"updated on or before {v}"),
    FilterKind("not_updated_since", "not updated since", _since("updated_at", "<"),
               lambda v: f"not updated since {v}"),
    FilterKind("no_activity_since", "no activity since", _no_activity_sql,
               lambda v: f"no activity since {v}"),
    FilterKind("custom", "custom field", _custom_sql,
               lambda v: " and ".join(f"{label} is {value!r}" for label, value in v),
               "SELECT lower(label) FROM custom_fields"),
)


def _active(filters: Filters) -> list[tuple[FilterKind, Any]]:
    out = []
    for kind in FILTERS:
        value = getattr(filters, kind.attr)
        if value is None or value == () or (kind.attr == "show" and value == "all"):
            continue
        out.append((kind, value))
    return out


def filters_sql(filters: Filters, user: User | None = None) -> SqlParams:
    """One predicate on ``contacts AS c`` for all chosen filters (``TRUE`` for none); with the
    reading ``user``, values of other contacts (deals) pass their own view check."""
    parts: list[str] = []
    params: list[object] = []
    for kind, value in _active(filters):
        sql, p = _show_sql(value, user) if kind.attr == "show" else kind.sql(value)
        parts.append(f"({sql})")
        params += p
    return (" AND ".join(parts) if parts else "TRUE"), params


def describe(filters: Filters) -> str:
    """The chosen filters in plain English, e.g. ``persons; temperature Hot; tagged Lead``."""
    active = _active(filters)
    if not active:
        return "all contacts"
    return "; ".join(kind.describe(value) for kind, value in active)


def names_to_check(filters: Filters) -> list[tuple[FilterKind, list[str]]]:
    """Named values to check against the store: ``(kind, names)`` for kinds with ``known_sql``."""
    out = []
    for kind, value in _active(filters):
        if kind.known_sql is None:
            continue
        if kind.attr == "custom":
            names = [label for label, _ in value]
        elif isinstance(value, tuple):
            names = list(value)
        else:
            names = [value]
        out.append((kind, names))
    return out


#: The parts of :func:`named_ids_sql`'s rows: which filter a named id belongs to.
NAMED_TEMPERATURE, NAMED_CONTACT_TYPE, NAMED_TAG, NAMED_MANAGER = range(4)


def named_ids_sql(filters: Filters) -> SqlParams | None:
    """``(part, name, id)`` of what the temperature levels, contact types, tags and manager of
    ``filters`` name (None: they name nothing), matched as :func:`filters_sql` matches them, so
    that the full-text index filters by the same ids (:mod:`crmdata.search.index_filters`);
    ``name`` is the filter's own spelling for a tag (each tag must match), NULL otherwise."""
    parts: list[str] = []
    params: list[object] = []
    for part, names, list_type in ((NAMED_TEMPERATURE, filters.temperatures, ListType.TEMPERATURE),
                                   (NAMED_CONTACT_TYPE, filters.contact_types, ListType.CONTACT_TYPE)):
        if names:
            parts.append(f"SELECT {part}, NULL, id FROM list_items WHERE list_type = {int(list_type)} "
                         "AND lower(title) IN (SELECT lower(unnest(?::VARCHAR[])))")
            params.append(list(names))
    if filters.tags:
        parts.append(f"SELECT {NAMED_TAG}, n.name, t.id FROM (SELECT unnest(?::VARCHAR[]) AS name) n "
                     "JOIN tags t ON t.title_key = lower(trim(n.name))")
        params.append(list(filters.tags))
    if filters.manager is not None:
        parts.append(f"SELECT {NAMED_MANAGER}, NULL, id FROM users WHERE lower(login) = lower(?)")
        params.append(filters.manager)
    if not parts:
        return None
    return " UNION ALL ".join(f"({p})" for p in parts), params
