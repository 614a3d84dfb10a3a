"""The dashboards in a real browser: JupyterLab and Voilà on 127.0.0.1, driven by Debian's chromium.

Follows the project's recipe (shared set-up in :mod:`tests.ui.browser_kit`). A failing test
saves a screenshot to test-artifacts/. With ``CRMDATA_SCREENSHOTS=<folder>`` the tests also
save the screenshots used in the README.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from crmdata import Store
from crmdata.errors import NotFound
from crmdata.search.api import search

from .browser_kit import (
    BROWSER_MARKS,
    Grid,
    count,
    expect,
    open_notebook,
    readme_shot,
    screenshot_on_failure,
    total,
)

pytestmark = BROWSER_MARKS


def test_lab_search_open_edit_validate_save(
    page: Any, lab_url: str, root_dir: Path, env: dict[str, str]
) -> None:
    with screenshot_on_failure(page, "lab_contacts"):
        out = open_notebook(page, lab_url, root_dir, "01_explore_and_search.ipynb")
        dash = out.locator(".crm-contacts")
        expect(dash.locator(".crm-count")).to_contain_text(f"of {count(env['CRMDATA_DB']):,} contacts")
        grid = Grid(page, dash)
        expect(grid.node).to_be_visible()
        dash.locator(".crm-search input").fill("hamann")
        dash.locator(".crm-search input").press("Enter")
        expect(dash.locator(".crm-count")).to_contain_text(
            f"of {total(env['CRMDATA_DB'], 'hamann')} contacts"
        )
        grid.open_by_name(env["CRMDATA_DB"], "hamann", "Lore Hamann")
        editor = dash.locator(".crm-editor")
        expect(editor.locator(".crm-f-first_name input")).to_have_value("Lore")
        editor.locator(".crm-f-first_name input").fill("")
        editor.locator(".crm-save").click()
        expect(editor.locator(".crm-problems-first-name")).to_contain_text("first name is required")
        expect(editor.locator(".crm-banner")).to_contain_text("Not saved")
        readme_shot(page, editor, "editor-validation")
        editor.locator(".crm-f-first_name input").fill("Lorelei")
        editor.locator(".crm-f-title input").fill("Head of data quality")
        editor.locator(".crm-save").click()
        expect(editor.locator(".crm-banner")).to_contain_text("Saved")
        with Store(env["CRMDATA_DB"]) as store:
            found = search(store.db, store.user, '"Lorelei Hamann"').frame
            assert len(found) == 1 and found["position"].iloc[0] == "Head of data quality"
        grid.open_by_name(env["CRMDATA_DB"], "hamann", "Lorelei Hamann")  # the list searched again
        expect(editor.locator(".crm-editor-title")).to_contain_text("Lorelei Hamann")


def test_lab_review_merges_a_duplicate_pair(
    page: Any, lab_url: str, root_dir: Path, env: dict[str, str]
) -> None:
    with screenshot_on_failure(page, "lab_review"):
        out = open_notebook(page, lab_url, root_dir, "03_find_and_merge_duplicates.ipynb")
        review = out.locator(".crm-review")
        before = count(env['CRMDATA_DB'])
        review.locator(".crm-scan").click()
        expect(review.locator(".crm-review-status")).to_contain_text("Group 1 of", timeout=180_000)
        expect(review.locator(".crm-compare-table")).to_be_visible()
        expect(review.locator(".crm-reasons")).to_contain_text("Why these match")
        expect(review.locator(".crm-weights svg .crm-weight-bar").first).to_be_visible()
        expect(review.locator(".crm-quality")).to_contain_text("once you have merged")
        readme_shot(page, review, "review")
        review.locator(".crm-merge").click()
        banner = review.locator(".crm-banner")
        expect(banner).to_contain_text("Merged")
        expect(banner.locator("code")).to_contain_text("crmdata undo")  # a command, not `backticks`
        assert "`" not in banner.inner_text()
        merged = re.search(r"Merged ([\d, ]+) into (\d+)", banner.inner_text())
        assert merged is not None
        removed = [int(x) for x in merged.group(1).split(",")]
        survivor = int(merged.group(2))
        expect(review.locator(".crm-review-status")).to_contain_text("1 merged")
        expect(review.locator(".crm-quality svg")).to_be_visible()
        expect(review.locator(".crm-quality svg .crm-curve-precision")).to_have_count(1)
        expect(review.locator(".crm-quality")).to_contain_text("1 duplicate(s)")
        readme_shot(page, review.locator(".crm-quality"), "review-threshold")
        with Store(env["CRMDATA_DB"]) as store:
            assert store.count() == before - len(removed)
            assert store.contact(survivor).id == survivor
            for cid in removed:
                with pytest.raises(NotFound):
                    store.contact(cid)


def test_voila_app(page: Any, app: tuple[str, Path]) -> None:
    url, db = app
    with screenshot_on_failure(page, "voila_app"):
        page.goto(url + "/")
        dash = page.locator(".crm-contacts")
        expect(dash.locator(".crm-count")).to_contain_text(f"of {count(str(db)):,} contacts")
        dash.locator(".crm-search input").fill("sm?th")
        dash.locator(".crm-search input").press("Enter")
        expect(dash.locator(".crm-count")).to_contain_text(f"of {total(str(db), 'sm?th')} contacts")
        expect(Grid(page, dash).node).to_be_visible()
        dash.locator(".crm-search input").fill('"unclosed')
        dash.locator(".crm-search input").press("Enter")
        expect(dash.locator(".crm-contacts-list .crm-banner").first).to_contain_text("never closed")
        readme_shot(page, page.locator("body"), "app")
        dash.locator(".crm-search input").fill("")
        dash.locator(".crm-search input").press("Enter")
        expect(dash.locator(".crm-contacts-list .crm-banner").first).to_be_hidden()
        dash.locator(".crm-temp-hot").click()
        dash.locator(".crm-show select").select_option(label="Persons")
        hot_persons = total(str(db), show="persons", temperatures=["Hot"])
        expect(dash.locator(".crm-count")).to_contain_text(f"of {hot_persons} contacts · page 1 of")
        dash.locator(".crm-next").click()
        expect(dash.locator(".crm-count")).to_contain_text("page 2 of")
