"""Select many, act once, and clean up values, in the Voilà app with a real browser."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from crmdata import Store
from crmdata.edit.clusters import cluster_values, value_counts
from crmdata.search.api import matching_ids

from .browser_kit import BROWSER_MARKS, Grid, count, expect, readme_shot, screenshot_on_failure, total

pytestmark = BROWSER_MARKS


def test_voila_bulk_tag_undo_and_value_clusters(page: Any, app: tuple[str, Path]) -> None:
    url, db = app
    with screenshot_on_failure(page, "voila_bulk"):
        page.goto(url + "/")
        dash = page.locator(".crm-contacts")
        expect(dash.locator(".crm-count")).to_contain_text(f"of {count(str(db)):,} contacts")
        # facet counts beside the temperature chips
        expect(dash.locator(".crm-temp-hot")).to_contain_text(re.compile(r"Hot · [\d,]+"))
        # the overview: open it, click the Hot bar, the list shows the hot contacts
        dash.locator(".crm-overview-box .jupyter-widget-Collapse-header").first.click()
        overview = dash.locator(".crm-overview")
        expect(overview.locator(".crm-overview-bar")).not_to_have_count(0)
        readme_shot(page, overview, "overview")
        overview.locator(".crm-overview-bar", has_text="Hot").click()
        hot = total(str(db), temperatures=["Hot"])
        expect(dash.locator(".crm-count")).to_contain_text(f"of {hot} contacts")
        dash.locator(".crm-overview-box .jupyter-widget-Collapse-header").first.click()
        dash.locator(".crm-clear").click()
        expect(dash.locator(".crm-count")).to_contain_text(f"of {count(str(db)):,} contacts")
        grid = Grid(page, dash)
        grid.cell(0, "✓")
        expect(dash.locator(".crm-bulk-count")).to_contain_text("1 selected")
        grid.cell(1, "✓")
        bar = dash.locator(".crm-bulk")
        expect(bar.locator(".crm-bulk-count")).to_contain_text("2 selected")
        bar.locator(".crm-bulk-tag input").fill("Met in Voila")
        bar.locator(".crm-bulk-tag-add").click()
        expect(bar.locator(".crm-banner")).to_contain_text("add tag Met in Voila on 2 contacts")
        readme_shot(page, dash.locator(".crm-contacts-list"), "bulk")
        with Store(db) as store:
            assert len(matching_ids(store.db, store.user, tags=["Met in Voila"])) == 2
        bar.locator(".crm-bulk-undo").click()
        expect(bar.locator(".crm-banner")).to_contain_text("undone")
        with Store(db) as store:
            assert "Met in Voila" not in set(store.tags()["tag"])

        # delete asks first
        bar.locator(".crm-bulk-delete").click()
        expect(bar.locator(".crm-bulk-confirm-text")).to_contain_text("Would delete 2 contact")
        bar.locator(".crm-bulk-delete-cancel").click()
        expect(bar.locator(".crm-bulk-confirm")).to_be_hidden()

        # clean up values: clusters of company names, apply, the store has one spelling
        with Store(db) as store:
            clusters = cluster_values(store.db, store.user, "company_name")
        page.locator(".crm-values-box .jupyter-widget-Collapse-header").first.click()
        panel = page.locator(".crm-values")
        panel.locator(".crm-values-find").click()
        expect(panel.locator(".crm-values-cluster")).to_have_count(min(100, len(clusters)))
        readme_shot(page, panel, "values")
        panel.locator(".crm-values-apply").click()
        expect(panel.locator(".crm-banner")).to_contain_text("spellings replaced as change set")
        with Store(db) as store:
            counts = dict(value_counts(store.db, store.user, "company_name"))
        for c in clusters:
            assert counts.get(c.suggested) == c.contacts


def test_voila_duplicate_review_tab_with_only_differences(page: Any, app: tuple[str, Path]) -> None:
    url, _db = app
    with screenshot_on_failure(page, "voila_review"):
        page.goto(url + "/")
        expect(page.locator(".crm-contacts .crm-count")).to_contain_text("contacts")
        page.locator(".crm-app-tabs .lm-TabBar-tab", has_text="Duplicates").click()
        review = page.locator(".crm-review")
        review.locator(".crm-scan").click()
        expect(review.locator(".crm-review-status")).to_contain_text("Group 1 of", timeout=180_000)
        table_rows = review.locator(".crm-compare-table tbody tr")
        expect(table_rows.first).to_be_visible()
        every = table_rows.count()
        review.locator(".crm-only-diff").click()
        expect(table_rows).not_to_have_count(every)
        fewer = table_rows.count()
        assert 1 < fewer < every
        readme_shot(page, review, "review-only-differences")
