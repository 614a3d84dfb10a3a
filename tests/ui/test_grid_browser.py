"""The contacts grid (ipydatagrid) in a real browser, in JupyterLab and in the Voilà app.

The grid draws on a canvas, so cells are clicked by position: the column widths and row
heights the dashboard gives the grid (:mod:`crmdata.ui.grid_state`, :mod:`crmdata.ui.grid`).
What it shows is checked through what it does: a bulk tag on the first rows tags exactly
the contacts the library lists first for that sort, and hiding a column narrows the drawn
header by that column's width (read from a screenshot).
"""

from __future__ import annotations

import io
import re
import time
from pathlib import Path
from typing import Any

from PIL import Image
from playwright.sync_api import Error as PlaywrightError

from crmdata import Store
from crmdata.search.api import matching_ids, search
from crmdata.ui.grid import HEADER_HEIGHT, ROW_HEIGHT
from crmdata.ui.grid_state import COLUMNS, DEFAULT_COLUMNS, column_widths

from .browser_kit import BROWSER_MARKS, count, expect, open_notebook, readme_shot, screenshot_on_failure

pytestmark = BROWSER_MARKS

HEADER_RGB = (0xEE, 0xF2, 0xF7)  # grid_style header_background_color


class Grid:
    """Clicks on the grid's canvas by column and row, for the columns shown."""

    def __init__(self, page: Any, dash: Any) -> None:
        self.page = page
        self.node = dash.locator(".crm-grid .lm-DataGrid").first
        self.columns = list(DEFAULT_COLUMNS)

    def _x(self, label: str) -> tuple[float, float]:
        self.node.scroll_into_view_if_needed()
        widths = column_widths(self.columns)
        box = self.node.bounding_box()
        left = box["x"]
        for name, width in widths.items():
            if name == label:
                return left, left + width
            left += width
        raise KeyError(label)

    def cell(self, row: int, label: str) -> None:
        x0, x1 = self._x(label)
        y = self.node.bounding_box()["y"] + HEADER_HEIGHT + row * ROW_HEIGHT + ROW_HEIGHT / 2
        self.page.mouse.click((x0 + x1) / 2, y)

    def sort(self, label: str, how: str) -> None:
        """``how``: the menu command, ``sort:Asc`` or ``sort:Desc``."""
        _x0, x1 = self._x(label)
        y = self.node.bounding_box()["y"] + HEADER_HEIGHT - 8
        self.page.mouse.move(x1 - 8, y)
        self.page.mouse.click(x1 - 8, y)
        menu = self.page.locator(".ipydatagrid-context-menu")
        expect(menu).to_be_visible()
        menu.locator(f".lm-Menu-item[data-command='{how}']").click()

    def drawn_boundaries(self) -> list[int]:
        """Where the header's column lines are drawn (x in pixels, left to right): the pixels
        near its top edge that are not the header colour."""
        shot = Image.open(io.BytesIO(self.node.screenshot())).convert("RGB")
        xs = [x for x in range(shot.width) if shot.getpixel((x, 4)) != HEADER_RGB]
        lines = [x for i, x in enumerate(xs) if i == 0 or xs[i - 1] != x - 1]
        return [x for x in lines if 0 < x < shot.width - 20]

    def expected_boundaries(self) -> list[int]:
        """Where the column lines of the chosen columns belong."""
        out, right = [], 0
        for width in column_widths(self.columns).values():
            right += width
            out.append(right)
        return out

    def columns_drawn(self) -> bool:
        drawn = self.drawn_boundaries()
        expected = self.expected_boundaries()[: len(drawn)]
        return len(drawn) >= 3 and all(abs(d - e) <= 2 for d, e in zip(drawn, expected, strict=True))


def _wait_for(check: Any, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except PlaywrightError:  # the grid was being replaced (another set of columns)
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.3)


def _sort_hide_select_tag(page: Any, dash: Any, db: str, shot: str | None = None) -> None:
    grid = Grid(page, dash)
    expect(dash.locator(".crm-count")).to_contain_text(f"of {count(db):,} contacts")
    expect(grid.node).to_be_visible()
    page.wait_for_timeout(500)  # the first rows arrive after the grid is laid out
    if shot:
        readme_shot(page, dash.locator(".crm-contacts-list"), shot)

    # sort by a column header: the library sorts every contact, the sort widgets follow
    grid.sort("Temperature", "sort:Desc")  # the header menu's Sort Descending
    expect(dash.locator(".crm-sort select")).to_have_value("Temperature")
    expect(dash.locator(".crm-desc")).to_have_class(re.compile("mod-active"))

    # hide a column: the header's column lines move to where the chosen columns end
    _wait_for(grid.columns_drawn, "the grid's columns")
    dash.locator(".crm-col-email").click()
    grid.columns = [c.key for c in COLUMNS if c.key != "email"]
    _wait_for(grid.columns_drawn, "the grid without the Email column")

    # tick two rows, tag them in one go: they are the library's first two for that sort
    grid.cell(0, "✓")
    expect(dash.locator(".crm-bulk-count")).to_contain_text("1 selected")
    grid.cell(1, "✓")
    bar = dash.locator(".crm-bulk")
    expect(bar.locator(".crm-bulk-count")).to_contain_text("2 selected")
    bar.locator(".crm-bulk-tag input").fill("Grid picked")
    bar.locator(".crm-bulk-tag-add").click()
    expect(bar.locator(".crm-banner")).to_contain_text("add tag Grid picked on 2 contacts")
    with Store(db) as store:
        first = search(store, sort="temperature", descending=True).frame
        assert sorted(matching_ids(store, tags=["Grid picked"])) == sorted(int(i) for i in first["id"][:2])
        name = str(first["display_name"].iloc[2])

    # a click on a name opens that contact in the editor
    grid.cell(2, "Name")
    expect(dash.locator(".crm-editor .crm-editor-title")).to_contain_text(name)


def test_grid_sort_columns_select_and_bulk_in_lab(
    page: Any, lab_url: str, root_dir: Path, env: dict[str, str]
) -> None:
    with screenshot_on_failure(page, "lab_grid"):
        out = open_notebook(page, lab_url, root_dir, "01_explore_and_search.ipynb")
        _sort_hide_select_tag(page, out.locator(".crm-contacts"), env["CRMDATA_DB"], shot="contacts")


def test_grid_sort_columns_select_and_bulk_in_voila(page: Any, app: tuple[str, Path]) -> None:
    url, db = app
    with screenshot_on_failure(page, "voila_grid"):
        page.goto(url + "/")
        _sort_hide_select_tag(page, page.locator(".crm-contacts"), str(db))
