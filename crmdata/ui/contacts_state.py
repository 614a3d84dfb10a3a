"""The contacts dashboard's view model (plain Python, no widgets): the search, the filters,
one page of rows as shown, the counts beside the filter values.

:class:`ContactsState` calls the library's search and keeps its answer; the widgets of
:mod:`crmdata.ui.contacts` draw it. :class:`Choices` holds the store's lists the filters
(and the editor) offer, read once per dashboard.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..listing import RowExtras, page_extras
from ..search.api import SearchResult, make_filters, search
from ..search.facets import Facets, facet_counts
from ..search.filters import Filters
from ..search.sql import SORTS
from .view_model import Observable, one_connection

if TYPE_CHECKING:
    from ..store import Store

#: The one-line hint under the search box (the help article's query language).
QUERY_HINT = (
    "Words must all match · Sm?th: ? is one letter · O*: * is any ending · "
    '"Lore Hamann": exact phrase · mueller~: similar spellings'
)

#: Sort choices for the contact list: (label, key of :data:`crmdata.search.sql.SORTS`).
SORT_CHOICES: tuple[tuple[str, str], ...] = (
    ("Best match", "relevance"),  # by name while there is no query
    ("Name", "display_name"),
    ("First name", "first_name"),
    ("Last name", "last_name"),
    ("Position", "position"),
    ("Temperature", "temperature"),
    ("Last activity", "last_activity"),
    ("Created", "created"),
    ("Updated", "updated"),
)
assert all(key in SORTS for _, key in SORT_CHOICES)


@dataclass(frozen=True)
class ListRow:
    """One row of the contact list as shown: plain values, already formatted."""

    id: int
    kind: str
    display_name: str
    company: str
    position: str
    email: str
    phone: str
    temperature: str
    temperature_color: str | None
    tags: tuple[str, ...]
    last_activity: str
    thumb_uri: str
    thumb: bytes
    thumb_format: str
    why: str = ""  # where the search's words were found ("email: a@b.de", "via company X")


@dataclass(frozen=True)
class Choices:
    """What the filter widgets offer: the store's lists, read once per dashboard."""

    temperatures: tuple[tuple[str, str | None], ...]  # (title, colour)
    contact_types: tuple[str, ...]
    tags: tuple[str, ...]
    users: tuple[str, ...]  # logins

    @classmethod
    def read(cls, store: Store) -> Choices:
        levels = store.temperature_levels()
        return cls(
            temperatures=tuple(
                (str(r.title), None if pd.isna(r.color) else str(r.color)) for r in levels.itertuples()
            ),
            contact_types=tuple(str(t) for t in store.contact_types()["title"]),
            tags=tuple(sorted((str(t) for t in store.tags()["tag"]), key=str.lower)),
            users=tuple(str(u) for u in store.users()["login"]),
        )


def _text(value: Any) -> str:
    if value is None:
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


def _day(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(pd.Timestamp(value).date())


def list_rows(
    frame: pd.DataFrame,
    extras: dict[int, RowExtras],
    colors: dict[str, str | None],
    reasons: dict[int, str] | None = None,
) -> list[ListRow]:
    """Pure: a search page frame and its extras -> the rows the table shows, in order."""
    out = []
    for rec in frame.to_dict("records"):
        cid = int(rec["id"])
        extra = extras.get(cid)
        temperature = _text(rec.get("temperature"))
        out.append(
            ListRow(
                id=cid,
                kind=_text(rec.get("kind")),
                display_name=_text(rec.get("display_name")),
                company=_text(rec.get("company_name")) if rec.get("kind") == "person" else "",
                position=_text(rec.get("position")),
                email=_text(rec.get("email")),
                phone=_text(rec.get("phone")),
                temperature=temperature,
                temperature_color=colors.get(temperature),
                tags=tuple(t.strip() for t in _text(rec.get("tags")).split(",") if t.strip()),
                last_activity=_day(extra.last_activity) if extra else "",
                thumb_uri=extra.thumb_data_uri() if extra else "",
                thumb=extra.thumb if extra else b"",
                thumb_format=extra.thumb_format if extra else "png",
                why=(reasons or {}).get(cid, ""),
            )
        )
    return out


@dataclass
class ContactsState(Observable):
    """The contacts dashboard: query, filters, sort and page -> one page of rows and a count."""

    store: Store
    page_size: int = 25
    query: str = ""
    filters: Filters = field(default_factory=Filters)
    sort: str = "relevance"  # best match first; by name while there is no query
    descending: bool | None = None
    page: int = 1
    result: SearchResult | None = None
    rows: list[ListRow] = field(default_factory=list)
    selected: int | None = None
    with_facets: bool = True
    facets: Facets = field(default_factory=Facets)

    def __post_init__(self) -> None:
        Observable.__init__(self)
        with one_connection(self.store):
            self.choices = Choices.read(self.store)
        self._colors = dict(self.choices.temperatures)
        self._open_callbacks: list[Callable[[int], None]] = []
        self._busy_callbacks: list[Callable[[], None]] = []
        self._facet_callbacks: list[Callable[[], None]] = []

    # -- reading -------------------------------------------------------------------------
    def refresh(self) -> None:
        """Run the search for the current query, filters, sort and page; keep rows or error."""

        def run() -> None:
            with one_connection(self.store):
                fetch()

        def fetch() -> None:
            for callback in list(self._busy_callbacks):
                callback()
            result = search(
                self.store.db,
                self.store.user,
                self.query,
                self.filters,
                sort=self.sort,
                descending=self.descending,
                page=self.page,
                page_size=self.page_size,
            )
            ids = [int(i) for i in result.frame["id"]]
            reasons = {cid: m.describe() for cid, m in result.matches.items()}
            extras = page_extras(self.store.db, self.store.user, ids)
            self.rows = list_rows(result.frame, extras, self._colors, reasons)
            self.result = result
            self.notice = None

        self.guard(run, notify=False)
        self.changed()  # the page first; then the counts beside the filter values
        if self.with_facets and self.notice is None:
            counted = self.guard(
                lambda: facet_counts(self.store.db, self.store.user, self.query, self.filters), notify=False)
            if counted is not None:
                self.facets = counted
            for callback in list(self._facet_callbacks):
                callback()

    def on_facets(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` when the facet counts of the current search are known."""
        self._facet_callbacks.append(callback)

    @property
    def total(self) -> int:
        return self.result.total if self.result else 0

    @property
    def pages(self) -> int:
        return self.result.pages if self.result else 1

    def count_text(self) -> str:
        """``"1–25 of 1,234 contacts"``, or why there is nothing."""
        if self.result is None:
            return "No search yet"
        if self.total == 0:
            return "No contacts match"
        first = (self.page - 1) * self.page_size + 1
        last = min(self.total, first + len(self.rows) - 1)
        return f"{first:,}–{last:,} of {self.total:,} contacts · page {self.page} of {self.pages:,}"

    # -- changing what is asked -------------------------------------------------------------
    def set_query(self, text: str) -> None:
        self.query = text
        self.page = 1
        self.refresh()

    def set_filters(self, **values: Any) -> None:
        """Change some filters (names as in :class:`Filters`); bad values become a notice."""
        chosen = self.guard(lambda: make_filters(self.filters, **values))
        if chosen is None:
            return
        self.filters = chosen
        self.page = 1
        self.refresh()

    def clear_filters(self) -> None:
        self.filters = Filters()
        self.page = 1
        self.refresh()

    def set_sort(self, sort: str, descending: bool | None = None) -> None:
        self.sort = sort
        self.descending = descending
        self.page = 1
        self.refresh()

    def go_to_page(self, page: int) -> None:
        self.page = max(1, min(int(page), self.pages))
        self.refresh()

    def on_busy(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` when a search starts (a view shows "Searching ..." until it redraws)."""
        self._busy_callbacks.append(callback)

    # -- opening a contact -------------------------------------------------------------------
    def on_open(self, callback: Callable[[int], None]) -> None:
        """Call ``callback(contact_id)`` when a row is opened (the editor listens here)."""
        self._open_callbacks.append(callback)

    def open(self, contact_id: int) -> None:
        self.selected = int(contact_id)
        for callback in list(self._open_callbacks):
            self.guard(lambda cb=callback: cb(int(contact_id)), notify=False)  # type: ignore[misc]
        self.changed()
