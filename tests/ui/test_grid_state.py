"""The contacts grid as data (crmdata.ui.grid_state) on literal rows, and the grid's header
sort, column choice and clicks driven from Python against the library."""

from __future__ import annotations

import pytest

from crmdata import Store
from crmdata.search.api import search
from crmdata.ui.contacts import ContactsDashboard
from crmdata.ui.contacts_state import ListRow
from crmdata.ui.grid_state import (
    COLUMNS,
    ColumnChoiceError,
    choose_columns,
    colour_expression,
    column_widths,
    grid_frame,
    header_sort,
    header_transforms,
)


def _row(cid: int, name: str, **values: object) -> ListRow:
    base: dict[str, object] = dict(
        id=cid, kind="person", display_name=name, company="", position="", email="", phone="",
        temperature="", temperature_color=None, tags=(), last_activity="", thumb_uri="", thumb=b"",
        thumb_format="png", why="",
    )
    base.update(values)
    return ListRow(**base)  # type: ignore[arg-type]


ROWS = [
    _row(7, "Lore Hamann", email="lore@example.com", temperature="Hot", tags=("Lead", "VIP"), why="name"),
    _row(3, "Weber & Suess GmbH", kind="company", phone="+49 30 1"),
]


def test_the_page_as_a_table_with_ticks_and_chosen_columns() -> None:
    frame = grid_frame(ROWS, ("display_name", "email", "tags", "why"), selected={3})
    assert list(frame.index) == [7, 3] and frame.index.name == "id"
    assert list(frame.columns) == ["✓", "Name", "Email", "Tags", "Matched in"]
    assert frame.loc[7].tolist() == ["☐", "Lore Hamann", "lore@example.com", "Lead, VIP", "name"]
    assert frame.loc[3].tolist() == ["☑", "Weber & Suess GmbH", "", "", ""]
    assert column_widths(("email",)) == {"✓": 46, "Email": 200}


def test_column_choices_keep_the_grid_order_and_refuse_nonsense() -> None:
    assert choose_columns(["tags", "display_name"]) == ("display_name", "tags")
    with pytest.raises(ColumnChoiceError, match="at least one column"):
        choose_columns([])
    with pytest.raises(ColumnChoiceError, match="no column 'salary'"):
        choose_columns(["display_name", "salary"])


def test_a_header_sort_becomes_a_library_sort() -> None:
    assert header_sort([]) is None  # the header's sort cleared
    asked = header_sort([{"type": "sort", "column": "Temperature", "desc": True, "columnIndex": 6}])
    assert asked is not None and (asked.sort, asked.descending, asked.problem) == ("temperature", True, None)
    asked = header_sort([{"type": "sort", "column": "Matched in", "desc": False}])
    assert asked is not None and asked.sort == "relevance" and asked.descending is False
    asked = header_sort([{"type": "sort", "column": "Email", "desc": False}])
    assert asked is not None and asked.sort is None
    assert asked.problem is not None and asked.problem.startswith("The list cannot be sorted by Email")
    asked = header_sort([{"type": "filter", "column": "Name", "operator": "=", "value": "x"}])
    assert asked is None


def test_the_header_shows_the_state_sort() -> None:
    every = tuple(c.key for c in COLUMNS)
    by_name = header_transforms("display_name", None, every)
    assert by_name == [{"type": "sort", "column": "Name", "desc": False}]
    assert header_transforms("last_activity", None, every) == [
        {"type": "sort", "column": "Last activity", "desc": True}  # the library's default direction
    ]
    assert header_transforms("created", True, every) == []  # no column sorts so
    assert header_transforms("relevance", None, ("display_name",)) == []  # Matched in hidden


def test_temperature_colours_as_a_vega_expression() -> None:
    expr = colour_expression({"Cold": "#8a98d8", "Odd \"one\"": None, "Hot": "#df7895"})
    assert expr == 'cell.value == "Cold" ? "#8a98d8" : cell.value == "Hot" ? "#df7895" : default_value'
    assert colour_expression({}) == "default_value"


def test_header_sort_searches_again_over_every_contact(sample: Store) -> None:
    d = ContactsDashboard(sample)
    d.grid.grid._transforms = [{"type": "sort", "column": "Temperature", "desc": True, "columnIndex": 6}]
    expected = search(sample.db, sample.user, sort="temperature", descending=True)
    assert d.grid.shown_ids() == [int(i) for i in expected.frame["id"]]
    assert (d.sort.value, d.desc.value) == ("temperature", True)  # the sort widgets follow
    d.grid.grid._transforms = [{"type": "sort", "column": "Position", "desc": False}]
    by_position = search(sample.db, sample.user, sort="position", descending=False)
    assert d.grid.shown_ids() == [int(i) for i in by_position.frame["id"]]
    d.grid.grid._transforms = [{"type": "sort", "column": "Tags", "desc": False}]
    assert "cannot be sorted by Tags" in d.banner.value
    assert d.grid.grid._transforms == [{"type": "sort", "column": "Position", "desc": False}]  # shown back
    d.sort.value = "display_name"  # the dropdown: the header shows it
    assert d.grid.grid._transforms == [{"type": "sort", "column": "Name", "desc": False}]
    d.grid.grid._transforms = []  # the header's sort cleared: best match (by name without a query)
    assert d.state.sort == "relevance"


def test_column_toggles_choose_what_the_grid_shows(sample: Store) -> None:
    d = ContactsDashboard(sample)
    first = d.grid.grid
    d.grid.toggles["email"].value = False
    assert "Email" not in d.grid.shown().columns and d.grid.grid is not first
    assert d.grid.widget.children[-1] is d.grid.grid
    assert d.grid.grid.column_widths == column_widths(d.grid.columns)
    for key, toggle in d.grid.toggles.items():
        toggle.value = key == "display_name"
    assert list(d.grid.shown().columns) == ["✓", "Name"]
    d.grid.toggles["display_name"].value = False  # nothing left: refused, said
    assert d.grid.toggles["display_name"].value and list(d.grid.shown().columns) == ["✓", "Name"]
    assert "at least one column" in d.banner.value
