"""The contacts grid (ipydatagrid) in a real browser, in JupyterLab and in the Voilà app.

The grid draws on a canvas, so cells are clicked by position: the column widths and row
heights the dashboard gives the grid (:mod:`crmdata.ui.grid_state`, :mod:`crmdata.ui.grid`).
What it shows is checked through what it does: a bulk tag on the first rows tags exactly
the contacts the library lists first for that sort, and hiding a column narrows the drawn
header by that column's width (read from a screenshot).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from crmdata import Store
from crmdata.search.api import matching_ids, search
from crmdata.ui.grid_state import COLUMNS

from .browser_kit import (
    BROWSER_MARKS,
    Grid,
    count,
    expect,
    open_notebook,
    readme_shot,
    screenshot_on_failure,
    wait_for,
)

pytestmark = BROWSER_MARKS

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
    wait_for(grid.columns_drawn, "the grid's columns")
    dash.locator(".crm-col-email").click()
    grid.columns = [c.key for c in COLUMNS if c.key != "email"]
    wait_for(grid.columns_drawn, "the grid without the Email column")

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
        first = search(store.db, store.user, sort="temperature", descending=True).frame
        picked = matching_ids(store.db, store.user, tags=["Grid picked"])
        assert sorted(picked) == sorted(int(i) for i in first["id"][:2])
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
