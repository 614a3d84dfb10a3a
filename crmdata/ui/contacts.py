"""The contacts dashboard: search box, filters, a page of 25 contacts in a grid, open a contact.

A view over :class:`~crmdata.ui.contacts_state.ContactsState`: widget events call the state, the
state calls :func:`crmdata.search.api.search`, and :meth:`ContactsDashboard.render` copies
the state into the widgets. The page is drawn by :class:`~crmdata.ui.grid.ContactsGrid`
(ipydatagrid: sort from a column header, choose the columns, tick rows for the bulk bar,
click a name to open it).
"""

from __future__ import annotations

import datetime as dt
import html
from functools import partial
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from .bulk import BulkBar
from .bulk_state import BulkState
from .contacts_state import QUERY_HINT, SORT_CHOICES, Choices, ContactsState
from .editor import ContactEditor
from .grid import ContactsGrid
from .importing import ImportPanel
from .overview import Overview
from .sync import SyncPanel
from .values import ValuesPanel
from .view_model import one_connection
from .widgets import banner, button, classed, css_class, show_notice, style_sheet, temperature_styles

if TYPE_CHECKING:
    from ..store import Store

SHOW_CHOICES = (
    ("All contacts", "all"),
    ("Companies", "companies"),
    ("Persons", "persons"),
    ("With opportunities", "with_opportunities"),
)
#: The "no filter" choice of a dropdown: a value of its own (a Dropdown whose value is None
#: shows an empty box instead of the label).
ANY = "any"
ACCESS_CHOICES = (("Any access", ANY), ("Public", "public"), ("Restricted", "restricted"))
class ContactsDashboard:
    """Widgets bound to a :class:`ContactsState`; ``.widget`` is what a notebook displays."""

    def __init__(self, store: Store, *, page_size: int = 25, with_editor: bool = True) -> None:
        self.state = ContactsState(store, page_size=page_size)
        s = self.state
        ch = s.choices
        self.banner = banner()
        self.search = classed(
            w.Text(
                placeholder="Search: name, email, phone, tag ...",
                continuous_update=False,
                layout=w.Layout(width="420px"),
            ),
            "crm-search",
        )
        self.search_go = button("Search", "crm-search-go", self._search_clicked, icon="search")
        self.hint = classed(w.HTML(f"<small>{html.escape(QUERY_HINT)}</small>"), "crm-hint")
        self.show = classed(
            w.Dropdown(options=SHOW_CHOICES, value="all", description="Show", layout=w.Layout(width="250px")),
            "crm-show",
        )
        self.temps = [
            classed(
                w.ToggleButton(description=t, value=False, layout=w.Layout(width="auto")),
                "crm-temp-chip",
                f"crm-temp-{css_class(t)}",
            )
            for t, _ in ch.temperatures
        ]
        self.types = classed(
            w.SelectMultiple(
                options=ch.contact_types, rows=min(4, max(1, len(ch.contact_types))), description="Type"
            ),
            "crm-types",
        )
        self.tag_input = classed(
            w.Combobox(
                placeholder="Type a tag, Enter",
                options=list(ch.tags),
                ensure_option=False,
                continuous_update=False,
                layout=w.Layout(width="180px"),
            ),
            "crm-tag-input",
        )
        self.tag_chips = classed(w.HBox([]), "crm-tag-chips")
        self.tag_facets = classed(w.HTML("", layout=w.Layout(max_width="420px")), "crm-tag-facets")
        self.tags = classed(w.VBox([self.tag_input, self.tag_chips, self.tag_facets]), "crm-tags")
        self.manager = classed(
            w.Dropdown(
                options=[("Any manager", ANY), ("No manager", "none")] + [(u, u) for u in ch.users],
                value=ANY,
                description="Manager",
            ),
            "crm-manager",
        )
        self.access = classed(
            w.Dropdown(options=ACCESS_CHOICES, value=ANY, description="Access"), "crm-access"
        )
        self.stale = classed(w.DatePicker(description="No activity since"), "crm-stale")
        self.clear = button("Clear filters", "crm-clear", self._clear)
        self.sort = classed(w.Dropdown(options=SORT_CHOICES, value=s.sort, description="Sort by"), "crm-sort")
        self.desc = classed(w.ToggleButton(description="Descending", value=False), "crm-desc")
        self.count = classed(w.HTML(""), "crm-count")
        self.prev = button("◀ Previous", "crm-prev", lambda: s.go_to_page(s.page - 1))
        self.next = button("Next ▶", "crm-next", lambda: s.go_to_page(s.page + 1))
        self.bulk = BulkState(s)
        self.grid = ContactsGrid(s, self.bulk)
        self.bulk_bar = BulkBar(
            self.bulk, tuple(t for t, _ in ch.temperatures), lambda: [r.id for r in s.rows]
        )
        self.table = self.grid.widget
        self.editor = ContactEditor(store) if with_editor else None
        self._muted = False
        self._wire()
        filters = w.VBox(
            [
                w.HBox([self.show, classed(w.HBox(self.temps), "crm-temps"), self.manager, self.access]),
                w.HBox([self.types, w.VBox([w.HTML("Tags (all of)"), self.tags]), self.stale, self.clear]),
            ]
        )
        top = w.VBox(
            [
                self.banner,
                w.HBox([self.search, self.search_go]),
                self.hint,
                filters,
                w.HBox([self.sort, self.desc, self.count]),
                self.bulk_bar.widget,
                self.table,
                w.HBox([self.prev, self.next]),
            ]
        )
        self.importer = ImportPanel(store, on_done=self.reload)
        self.syncer = SyncPanel(store, on_pulled=self.reload)
        imports = classed(
            w.Accordion(
                children=[self.importer.widget, self.syncer.widget],
                titles=("Import contacts (ONLYOFFICE CSV)", "Sync with an ONLYOFFICE portal"),
                selected_index=None,
            ),
            "crm-import-box",
        )
        self.values = ValuesPanel(store)
        self.values.state.on_change(self.reload)
        cleanup = classed(
            w.Accordion(
                children=[self.values.widget],
                titles=("Clean up values (cluster spellings)",),
                selected_index=None,
            ),
            "crm-values-box",
        )
        self.overview = Overview(self)
        overview = classed(
            w.Accordion(children=[self.overview.widget], titles=("Overview (click a bar to list it)",),
                        selected_index=None),
            "crm-overview-box",
        )
        overview.observe(self._overview_opened, names="selected_index")
        parts: list[Any] = [
            style_sheet(),
            temperature_styles(ch.temperatures),
            overview,
            classed(top, "crm-contacts-list"),
            imports,
            cleanup,
        ]
        if self.editor is not None:
            s.on_open(self.editor.open)
            self.editor.state.on_saved(lambda _cid: self.reload())
            parts.append(self.editor.widget)
        self.widget = classed(w.VBox(parts), "crm-dashboard", "crm-contacts")
        s.observe(self.render)
        s.on_facets(self._show_facets)
        self.bulk.observe(self.grid.render)  # the tick boxes
        self.bulk.on_change(self.reload)
        s.on_busy(self._searching)
        s.refresh()

    # -- events -> state ------------------------------------------------------------------------
    def _wire(self) -> None:
        s = self.state

        def on(widget: Any, handler: Any) -> None:
            widget.observe(lambda ch: None if self._muted else handler(ch["new"]), names="value")

        on(self.search, s.set_query)
        on(self.show, lambda v: s.set_filters(show=v))
        for tb in self.temps:
            on(tb, lambda _v: s.set_filters(temperatures=self._chosen_temperatures()))
        on(self.types, lambda v: s.set_filters(contact_types=tuple(v)))
        on(self.tag_input, self._tag_typed)
        on(self.manager, lambda v: s.set_filters(manager=None if v == ANY else v))
        on(self.access, lambda v: s.set_filters(access=None if v == ANY else v))
        on(self.stale, lambda v: s.set_filters(no_activity_since=_date_or_none(v)))
        on(self.sort, lambda v: s.set_sort(v, self.desc.value or None))
        on(self.desc, lambda v: s.set_sort(self.sort.value, bool(v)))

    def _overview_opened(self, change: dict[str, Any]) -> None:
        if change["new"] == 0:  # counted when opened: it reads the whole base
            self.overview.refresh()

    def _chosen_temperatures(self) -> tuple[str, ...]:
        titles = [t for t, _ in self.state.choices.temperatures]
        return tuple(title for title, tb in zip(titles, self.temps, strict=True) if tb.value)

    def _show_facets(self) -> None:
        """Beside each filter value, how many contacts it would show (see crmdata.search.facets)."""
        f = self.state.facets
        ch = self.state.choices
        self._muted = True
        try:
            for (title, _), tb in zip(ch.temperatures, self.temps, strict=True):
                tb.description = f"{title} · {f.get('temperature', title):,}"
            types = tuple(self.types.value)
            self.types.options = [(f"{t} ({f.get('contact_type', t):,})", t) for t in ch.contact_types]
            self.types.value = types
            manager = self.manager.value
            self.manager.options = [
                ("Any manager", ANY),
                (f"No manager ({f.get('manager', 'none'):,})", "none"),
                *((f"{u} ({f.get('manager', u):,})", u) for u in ch.users),
            ]
            self.manager.value = manager
            access = self.access.value
            self.access.options = [
                (label if value == ANY else f"{label} ({f.get('access', value):,})", value)
                for label, value in ACCESS_CHOICES
            ]
            self.access.value = access
        finally:
            self._muted = False
        top = sorted(f.counts.get("tag", {}).items(), key=lambda p: (-p[1], p[0].lower()))[:12]
        self.tag_facets.value = "<small class='crm-tag-facet-list'>" + " · ".join(
            f"{html.escape(t)} <b>{n:,}</b>" for t, n in top
        ) + "</small>"

    def _tag_typed(self, text: str) -> None:
        """Enter (or leaving the box) adds the typed tag to the filter, spelt as the store
        spells it; the box empties for the next one."""
        typed = text.strip()
        if not typed:
            return
        known = {t.lower(): t for t in self.state.choices.tags}
        tag = known.get(typed.lower(), typed)
        self._muted = True
        try:
            self.tag_input.value = ""
        finally:
            self._muted = False
        if tag not in self.state.filters.tags:
            self.state.set_filters(tags=(*self.state.filters.tags, tag))

    def _remove_tag(self, tag: str) -> None:
        self.state.set_filters(tags=tuple(t for t in self.state.filters.tags if t != tag))

    def _show_tag_chips(self) -> None:
        chosen = tuple(self.state.filters.tags)
        if tuple(b.tooltip for b in self.tag_chips.children) == chosen:
            return
        for old in self.tag_chips.children:
            old.close()
        chips = []
        for tag in chosen:
            b = button(f"{tag} ✕", "crm-tag-chip", partial(self._remove_tag, tag), tooltip=tag)
            b.layout = w.Layout(width="auto")
            chips.append(b)
        self.tag_chips.children = tuple(chips)

    def _search_clicked(self) -> None:
        if self.search.value != self.state.query:
            self.state.set_query(self.search.value)

    def _clear(self) -> None:
        """Reset every filter widget without searching, then search once."""
        self._muted = True
        try:
            self.show.value, self.types.value, self.tag_input.value = "all", (), ""
            self.manager.value, self.access.value, self.stale.value = ANY, ANY, None
            for tb in self.temps:
                tb.value = False
        finally:
            self._muted = False
        self.state.clear_filters()

    def reload(self) -> None:
        """After a save or an import: re-read the tag pool (new tags), then search again."""
        with one_connection(self.state.store):
            self.state.choices = Choices.read(self.state.store)
        self.tag_input.options = list(self.state.choices.tags)
        self.state.refresh()

    def _searching(self) -> None:
        """Say that a search runs (sent to the browser at once; the redraw replaces it)."""
        self.count.value = "<span class='crm-count-text crm-busy'>Searching …</span>"

    # -- state -> widgets -----------------------------------------------------------------------
    def render(self) -> None:
        s = self.state
        show_notice(self.banner, s.notice)
        self._show_tag_chips()
        self._muted = True
        try:  # a sort chosen from a column header shows in the sort widgets too
            self.sort.value, self.desc.value = s.sort, bool(s.descending)
        finally:
            self._muted = False
        self.grid.render()
        self.count.value = f"<span class='crm-count-text'>{html.escape(s.count_text())}</span>"
        self.prev.disabled = s.page <= 1
        self.next.disabled = s.page >= s.pages


def _date_or_none(value: Any) -> dt.date | None:
    return value if isinstance(value, dt.date) else None


def contacts_dashboard(store: Store, **options: Any) -> ContactsDashboard:
    """Build the contacts dashboard on a store; display ``.widget`` in a notebook."""
    return ContactsDashboard(store, **options)
