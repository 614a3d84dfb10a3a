"""The contacts dashboard's filter row, history and messages in JupyterLab, in a real browser.

What a new user ran into: the tag box ignored Enter, temperature chips were grey, the
Manager and Access dropdowns were blank, history spoke in column names, and phone problems
in the library's wording. Each is driven here as a person would.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crmdata import Store

from .browser_kit import BROWSER_MARKS, Grid, expect, open_notebook, screenshot_on_failure, total

pytestmark = BROWSER_MARKS


def _rgb(color: str) -> str:
    """``#ff5a5a`` -> ``rgb(255, 90, 90)``, as the browser reports a computed colour."""
    h = color.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    return f"rgb({int(h[0:2], 16)}, {int(h[2:4], 16)}, {int(h[4:6], 16)})"


def _selected_label(locator: Any) -> str:
    """The text the dropdown shows (ipywidgets writes spaces as no-break spaces)."""
    text = locator.evaluate("s => s.options[s.selectedIndex] ? s.options[s.selectedIndex].text : ''")
    return str(text).replace("\xa0", " ")


def test_filter_row_history_and_phone_problems_in_lab(
    page: Any, lab_url: str, root_dir: Path, env: dict[str, str]
) -> None:
    db = env["CRMDATA_DB"]
    with Store(db) as store:
        levels = [(str(r.title), str(r.color)) for r in store.temperature_levels().itertuples() if r.color]
    with screenshot_on_failure(page, "lab_fixes"):
        out = open_notebook(page, lab_url, root_dir, "01_explore_and_search.ipynb")
        dash = out.locator(".crm-contacts")
        grid = Grid(page, dash)
        expect(grid.node).to_be_visible()

        # 4: the dropdowns name their "no filter" choice
        assert _selected_label(dash.locator(".crm-manager select")) == "Any manager"
        assert _selected_label(dash.locator(".crm-access select")) == "Any access"

        # 3: each temperature chip has its level's colour
        for title, color in levels:
            css = "crm-temp-" + title.lower().replace(" ", "-")
            chip = dash.locator(f"button.{css}")
            expect(chip).to_have_css("background-color", _rgb(color))

        # 2: Enter adds the typed tag, the box stays for the next one, a chip removes it
        box = dash.locator(".crm-tag-input input")
        box.fill("Lead")
        box.press("Enter")
        expect(dash.locator(".crm-tag-chip", has_text="Lead")).to_be_visible()
        expect(dash.locator(".crm-count")).to_contain_text(f"of {total(db, tags=['Lead'])} contacts")
        expect(box).to_have_value("")
        box.click()
        box.fill("Customer")
        box.press("Enter")
        expect(dash.locator(".crm-tag-chip")).to_have_count(2)
        lead_and_customer = total(db, tags=["Lead", "Customer"])
        expected = "No contacts match" if lead_and_customer == "0" else f"of {lead_and_customer} contacts"
        expect(dash.locator(".crm-count")).to_contain_text(expected)
        dash.locator(".crm-tag-chip", has_text="Lead").click()
        expect(dash.locator(".crm-tag-chip")).to_have_count(1)
        expect(dash.locator(".crm-count")).to_contain_text(f"of {total(db, tags=['Customer'])} contacts")
        dash.locator(".crm-clear").click()
        expect(dash.locator(".crm-tag-chip")).to_have_count(0)

        # 8 and 5: a bad phone in crmdata's words; history in the form's words
        dash.locator(".crm-search input").fill("hamann")
        dash.locator(".crm-search input").press("Enter")
        expect(dash.locator(".crm-count")).to_contain_text(f"of {total(db, 'hamann')} contacts")
        grid.open_by_name(db, "hamann", "Lore Hamann")
        editor = dash.locator(".crm-editor")
        expect(editor.locator(".crm-f-first_name input")).to_have_value("Lore")
        phone = editor.locator(".crm-info-phone .crm-info-data input").first
        phone.fill("abc1")
        editor.locator(".crm-save").click()
        problems = editor.locator(".crm-problems-phone")
        expect(problems).to_contain_text("phone 'abc1' is not a phone number")
        expect(problems).to_contain_text("with its country code")
        expect(problems).not_to_contain_text("The string supplied")
        phone.fill("+49 30 7654321")
        editor.locator(".crm-f-title input").fill("Chief data steward")
        editor.locator(".crm-save").click()
        expect(editor.locator(".crm-banner")).to_contain_text("Saved")
        latest = editor.locator(".crm-history-item").first
        for _attempt in range(3):  # the form is redrawn after a save: click its History button
            editor.locator(".crm-history").click()
            try:
                expect(latest).to_be_visible(timeout=5_000)
                break
            except AssertionError:
                continue
        expect(latest).to_contain_text("position: Data steward → Chief data steward")
        expect(latest).to_contain_text("phone (")
        expect(latest).not_to_contain_text("title:")
        expect(latest).not_to_contain_text("data:")
