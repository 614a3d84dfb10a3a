"""What the contacts grid shows, as data: its columns, which are chosen, the page as a table,
and a header sort in the library's terms (plain Python, no widgets).

The grid (:mod:`crmdata.ui.grid`) is a view: it draws the table :func:`grid_frame` makes and
reports clicks. A sort chosen from a column header becomes a sort key of
:data:`crmdata.search.sql.SORTS` here (:func:`header_sort`), and the library sorts the whole
result (not the page in the browser); the header shows the state's sort back
(:func:`header_transforms`).
"""

from __future__ import annotations

import json
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..search.sql import SORTS
from .contacts_state import ListRow


@dataclass(frozen=True)
class Column:
    """One column of the grid: the :class:`ListRow` field it shows, its header, its width in
    pixels and the library sort a click on its header asks for (None: not sortable)."""

    key: str
    label: str
    width: int
    sort: str | None = None


#: The first column: a tick box per row (click it to select the row; its header, the page).
PICK = Column("pick", "✓", 46)
TICKED, UNTICKED = "☑", "☐"

#: The columns a person can show or hide, in order.
COLUMNS: tuple[Column, ...] = (
    Column("display_name", "Name", 190, "display_name"),
    Column("company", "Company", 160),
    Column("position", "Position", 140, "position"),
    Column("email", "Email", 200),
    Column("phone", "Phone", 125),
    Column("temperature", "Temperature", 100, "temperature"),
    Column("tags", "Tags", 150),
    Column("last_activity", "Last activity", 105, "last_activity"),
    Column("why", "Matched in", 200, "relevance"),
)
assert all(c.sort is None or c.sort in SORTS for c in COLUMNS)
_BY_KEY = {c.key: c for c in COLUMNS}
_BY_LABEL = {c.label: c for c in (PICK, *COLUMNS)}

#: Shown until a person chooses: every column.
DEFAULT_COLUMNS: tuple[str, ...] = tuple(c.key for c in COLUMNS)


class ColumnChoiceError(ValueError):
    """A column choice the grid cannot show (unknown names, or no column at all)."""


def choose_columns(keys: Iterable[str]) -> tuple[str, ...]:
    """The chosen columns in the grid's order; at least one, every name known."""
    chosen = set(keys)
    unknown = sorted(chosen - set(_BY_KEY))
    if unknown:
        raise ColumnChoiceError(f"The contact list has no column {', '.join(map(repr, unknown))}; "
                                f"choose from {', '.join(c.label for c in COLUMNS)}.")
    if not chosen:
        raise ColumnChoiceError("Show at least one column of the contact list.")
    return tuple(c.key for c in COLUMNS if c.key in chosen)


def shown_columns(keys: Sequence[str]) -> tuple[Column, ...]:
    """The tick column, then the chosen ones."""
    return (PICK, *(_BY_KEY[k] for k in keys))


def cell_text(row: ListRow, key: str) -> str:
    """Pure: what one cell of a row says."""
    if key == "tags":
        return ", ".join(row.tags)
    return str(getattr(row, key))


def grid_frame(rows: Sequence[ListRow], keys: Sequence[str], selected: Container[int]) -> pd.DataFrame:
    """Pure: the page as the grid's table: one row per contact (index ``id``), a tick column,
    then the chosen columns under their headers."""
    columns = shown_columns(keys)
    data: dict[str, list[str]] = {PICK.label: [TICKED if r.id in selected else UNTICKED for r in rows]}
    for c in columns[1:]:
        data[c.label] = [cell_text(r, c.key) for r in rows]
    return pd.DataFrame(data, index=pd.Index([r.id for r in rows], name="id", dtype="int64"))


def column_widths(keys: Sequence[str]) -> dict[str, int]:
    return {c.label: c.width for c in shown_columns(keys)}


def column_of(label: str) -> Column | None:
    """The column under a header (None for a header the grid does not have)."""
    return _BY_LABEL.get(label)


@dataclass(frozen=True)
class HeaderSort:
    """What a sort chosen from a column header asks of the library: ``sort`` a key of SORTS,
    or ``problem``, why that column cannot sort the list."""

    sort: str | None
    descending: bool | None
    problem: str | None = None


def header_sort(transforms: Sequence[Mapping[str, Any]]) -> HeaderSort | None:
    """Pure: the grid's header transforms -> the sort they ask for. None when they ask for no
    sort (the header's sort was cleared: back to the default order)."""
    sorts = [t for t in transforms if t.get("type") == "sort"]
    if not sorts:
        return None
    last = sorts[-1]
    column = column_of(str(last.get("column", "")))
    desc = bool(last.get("desc", False))
    if column is None or column.sort is None:
        label = column.label if column else str(last.get("column", ""))
        sortable = ", ".join(c.label for c in COLUMNS if c.sort)
        return HeaderSort(None, None, f"The list cannot be sorted by {label}; sort by {sortable}.")
    return HeaderSort(column.sort, desc)


def header_transforms(sort: str, descending: bool | None, keys: Sequence[str]) -> list[dict[str, Any]]:
    """Pure: the header sort that shows the state's sort (none when no shown column sorts so,
    e.g. best match without a ``Matched in`` column)."""
    desc = SORTS[sort][1] if descending is None else bool(descending)
    for c in shown_columns(keys)[1:]:
        if c.sort == sort:
            return [{"type": "sort", "column": c.label, "desc": desc}]
    return []


def colour_expression(colours: Mapping[str, str | None]) -> str:
    """Pure: a Vega expression giving a temperature cell the background colour of its level
    (the store's colours; cells of levels without one keep the grid's default)."""
    expr = "default_value"
    for title, colour in reversed(list(colours.items())):
        if colour:
            expr = f"cell.value == {json.dumps(title)} ? {json.dumps(colour)} : {expr}"
    return expr
