"""The contacts grid: one page of the list in ipydatagrid, sorted by the library, with
toggles that show or hide its columns.

A view over :class:`~crmdata.ui.state.ContactsState` and
:class:`~crmdata.ui.bulk_state.BulkState`. The grid is ipydatagrid's streaming grid: the
browser asks the kernel for the rows it draws, so it holds one page, never the base. A
sort chosen from a column header's menu goes to the state as a sort of the library
(:func:`crmdata.ui.grid_state.header_sort`), which searches again over every matching contact;
the browser never sorts a page by itself. Clicking a row's tick box selects it (its header:
the whole page), clicking a name opens the contact.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import ipywidgets as w
import pandas as pd
from ipydatagrid import StreamingDataGrid, TextRenderer, VegaExpr
from traitlets import observe

from .bulk_state import BulkState
from .contacts_state import ContactsState
from .grid_state import (
    COLUMNS,
    DEFAULT_COLUMNS,
    PICK,
    TICKED,
    ColumnChoiceError,
    choose_columns,
    colour_expression,
    column_of,
    column_widths,
    grid_frame,
    header_sort,
    header_transforms,
)
from .view_model import Notice
from .widgets import classed

#: Pixel sizes the grid is drawn with (the browser tests click cells by them).
ROW_HEIGHT = 26
HEADER_HEIGHT = 30

#: The header menu offers the sorts; its filters and "download all" (the whole base is not in
#: the browser) are left out: the filters above the list and the bulk bar's export do that.
MENU_STYLE = """<style>
.ipydatagrid-context-menu .lm-Menu-item[data-command^="filter"],
.ipydatagrid-context-menu .lm-Menu-item[data-command="saveAllAsCsv"],
.ipydatagrid-context-menu .lm-Menu-item[data-command="grid:reset"] { display: none; }
</style>"""


class PageGrid(StreamingDataGrid):
    """ipydatagrid's streaming grid serving the rows of a frame kept here, and reporting the
    header's sorts instead of sorting that frame (the library sorts; see module docstring)."""

    def __init__(self, frame: pd.DataFrame, on_sort: Callable[[list[dict[str, Any]]], None], **kwargs: Any):
        self._frame = frame
        self._on_sort = on_sort
        self._muted = False
        super().__init__(frame.copy(), **kwargs)

    def show(self, frame: pd.DataFrame) -> None:
        """Draw another page with the same columns: the browser asks for the rows it shows."""
        if list(frame.columns) != list(self._frame.columns):
            raise ValueError("PageGrid.show: other columns need a new grid")
        self._frame = frame
        self._row_count = len(frame)
        self.tick()

    def set_sort(self, transforms: list[dict[str, Any]]) -> None:
        """Show a sort in the header (an arrow) without it counting as a header click."""
        current: list[dict[str, Any]] = list(self.get_state("_transforms")["_transforms"])
        if transforms == current:
            return
        self._muted = True
        try:
            self._transforms = transforms
        finally:
            self._muted = False

    def clear_cells(self) -> None:
        """Unselect every cell without it counting as a click."""
        self._muted = True
        try:
            self.set_trait("selections", [])
        finally:
            self._muted = False

    @observe("_transforms")
    def _on_transforms_changed(self, change: dict[str, Any]) -> None:
        if not self._muted:
            self._on_sort(list(change["new"]))

    def _handle_comm_msg(self, _widget: Any, content: dict[str, Any], _buffers: Any) -> None:
        if content.get("type") != "data-request":
            return
        r1, r2, c1, c2 = (int(content[k]) for k in ("r1", "r2", "c1", "c2"))
        part = self._frame.iloc[r1 : r2 + 1, c1 : c2 + 1]
        serialized, buffers = self._serialize_helper(part)
        self.send({"event_type": "data-reply", "value": serialized, "r1": r1, "r2": r2, "c1": c1, "c2": c2},
                  buffers)

    def _DataGrid__handle_custom_msg(self, _widget: Any, content: dict[str, Any], _buffers: Any) -> None:  # noqa: N802
        # ipydatagrid's own handler reads content["event_type"], which the streaming grid's
        # data requests lack; only the (header) clicks matter here: the grid is not editable
        if content.get("event_type") == "cell-click":
            self._cell_click_handlers(content)


class ContactsGrid:
    """The page of contacts in a grid, its column chooser; ``.widget`` is what the dashboard shows."""

    def __init__(self, state: ContactsState, bulk: BulkState) -> None:
        self.state = state
        self.bulk = bulk
        self.columns: tuple[str, ...] = DEFAULT_COLUMNS
        self._renderers = {
            PICK.label: TextRenderer(
                horizontal_alignment="center",
                font="15px sans-serif",
                background_color=VegaExpr(f"cell.value == {json.dumps(TICKED)} ? '#d3e3fd' : default_value"),
            ),
            "Name": TextRenderer(text_color="#1a5fb4", font="bold 12px sans-serif"),
            "Temperature": TextRenderer(
                background_color=VegaExpr(colour_expression(dict(state.choices.temperatures)))
            ),
            "Matched in": TextRenderer(text_color="#555555", font="italic 12px sans-serif"),
        }
        self.grid = self._new_grid()
        self.toggles = {
            c.key: classed(
                w.ToggleButton(description=c.label, value=c.key in self.columns,
                               tooltip=f"Show or hide the {c.label} column", layout=w.Layout(width="auto")),
                "crm-col-toggle", f"crm-col-{c.key.replace('_', '-')}",
            )
            for c in COLUMNS
        }
        for toggle in self.toggles.values():
            toggle.observe(lambda _ch: self._toggled(), names="value")
        self.chooser = classed(
            w.HBox([w.HTML("<b>Columns</b>&nbsp;"), *self.toggles.values()],
                   layout=w.Layout(flex_flow="row wrap")),
            "crm-columns",
        )
        self.hint = classed(
            w.HTML("<small>Tick ☐ to select a row (its header: the page) · click a name to open it · "
                   "a column's menu (at its right end) sorts every contact that matches</small>"),
            "crm-grid-hint",
        )
        self.widget = classed(w.VBox([w.HTML(MENU_STYLE), self.chooser, self.hint, self.grid]), "crm-table")
        self._muted = False

    def _new_grid(self) -> PageGrid:
        """A grid for the chosen columns (a new one per choice: ipydatagrid's streaming grid
        does not redraw its header for another set of columns)."""
        grid = classed(
            PageGrid(
                self.frame(),
                self._header_sorted,
                base_row_size=ROW_HEIGHT,
                base_column_header_size=HEADER_HEIGHT,
                header_visibility="column",
                selection_mode="cell",
                column_widths=column_widths(self.columns),
                renderers={k: r for k, r in self._renderers.items() if k in self.frame().columns},
                grid_style={"header_background_color": "#eef2f7", "void_color": "#ffffff"},
                layout=w.Layout(height=f"{HEADER_HEIGHT + ROW_HEIGHT * self.state.page_size + 32}px",
                                width="100%"),
            ),
            "crm-grid",
        )
        grid.set_sort(header_transforms(self.state.sort, self.state.descending, self.columns))
        grid.on_cell_click(self._header_clicked)
        grid.observe(self._selected_cells, names="selections")
        return grid

    # -- what is drawn ---------------------------------------------------------------------
    def frame(self) -> pd.DataFrame:
        return grid_frame(self.state.rows, self.columns, self.bulk.selected)

    def render(self) -> None:
        """Copy the state's page, the selection and the sort into the grid."""
        self.grid.show(self.frame())
        self.grid.set_sort(header_transforms(self.state.sort, self.state.descending, self.columns))

    def shown(self) -> pd.DataFrame:
        """The table the browser is served (index: contact ids; columns: the headers)."""
        return self.grid._frame

    def shown_ids(self) -> list[int]:
        return [int(i) for i in self.shown().index]

    # -- events ----------------------------------------------------------------------------
    def _toggled(self) -> None:
        if not self._muted:
            self.choose([key for key, toggle in self.toggles.items() if toggle.value])

    def choose(self, keys: Any) -> None:
        """Show these columns (the column toggles call this); a choice the grid cannot show
        (no column at all) is a notice, and the toggles go back to what is shown."""
        try:
            self.columns = choose_columns(keys)
        except ColumnChoiceError as exc:
            self.state.notice = Notice("warning", str(exc))
            self.state.changed()
        self._muted = True
        try:
            for key, toggle in self.toggles.items():
                toggle.value = key in self.columns
        finally:
            self._muted = False
        if tuple(self.frame().columns) != tuple(self.shown().columns):
            old, self.grid = self.grid, self._new_grid()
            self.widget.children = (*self.widget.children[:-1], self.grid)
            old.close()

    def _header_sorted(self, transforms: list[dict[str, Any]]) -> None:
        asked = header_sort(transforms)
        if asked is None:
            self.state.set_sort("relevance", None)
        elif asked.problem is not None:
            self.state.notice = Notice("info", asked.problem)
            self.state.changed()
        else:
            assert asked.sort is not None
            self.state.set_sort(asked.sort, asked.descending)

    def click(self, row: int, label: str) -> None:
        """A click on a body cell: the tick box selects the row, the name opens the contact."""
        self.cells(row, row, label)

    def cells(self, first: int, last: int, label: str) -> None:
        """Cells ``first`` to ``last`` of one column were clicked (or dragged over)."""
        ids = self.shown_ids()[max(0, first) : last + 1]
        column = column_of(label)
        if not ids or column is None:
            return
        if column is PICK:
            if len(ids) == 1:
                self.bulk.select(ids[0], ids[0] not in self.bulk.selected)
            else:
                self.bulk.select_page(ids)
        elif column.key == "display_name":
            self.state.open(ids[0])

    def _selected_cells(self, change: dict[str, Any]) -> None:
        """The grid reports a click on a body cell as a selected cell (its click events do not
        reach the kernel from a streaming grid's body); a tick or a name acts and is unselected,
        other cells stay selected (to copy them)."""
        rects = change["new"]
        if self.grid._muted or not rects:
            return
        rect = rects[-1]
        if rect["c1"] != rect["c2"]:
            return
        labels = list(self.shown().columns)
        if not 0 <= rect["c1"] < len(labels):
            return
        label = labels[rect["c1"]]
        if label not in (PICK.label, "Name"):
            return
        self.grid.clear_cells()
        self.cells(rect["r1"], rect["r2"], label)

    def _header_clicked(self, cell: dict[str, Any]) -> None:
        """A click on the tick column's header selects the page (or, all ticked, unselects it)."""
        if cell.get("region") == "column-header" and cell.get("column") == PICK.label:
            ids = self.shown_ids()
            if ids and all(i in self.bulk.selected for i in ids):
                self.bulk.unselect(ids)
            else:
                self.bulk.select_page(ids)
