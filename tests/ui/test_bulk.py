"""The contact list's bulk bar, driven from Python on a copy of the sample store."""

from __future__ import annotations

import base64
import re

from crmdata import Store
from crmdata.search.api import matching_ids, search
from crmdata.ui.contacts import ContactsDashboard


def _shown(d: ContactsDashboard) -> list[int]:
    return d.grid.shown_ids()


def _ticks(d: ContactsDashboard) -> list[str]:
    return list(d.grid.shown()["✓"])


def test_tick_rows_tag_them_and_undo(sample: Store) -> None:
    d = ContactsDashboard(sample)
    assert d.bulk_bar.actions.layout.display == "none"  # nothing selected, no actions
    first, second = _shown(d)[:2]
    d.grid.click(0, "✓")
    d.grid.click(1, "✓")
    assert d.bulk.count == 2 and "2 selected" in d.bulk_bar.count.value
    assert _ticks(d)[:3] == ["☑", "☑", "☐"]  # the grid shows the ticks
    d.bulk_bar.tag.value = "Bulk tagged"
    d.bulk_bar.tag_add.click()
    assert "add tag Bulk tagged on 2 contacts" in d.bulk_bar.banner.value
    assert "<code>crmdata undo" in d.bulk_bar.banner.value
    assert sorted(matching_ids(sample.db, sample.user, tags=["Bulk tagged"])) == sorted([first, second])
    d.bulk_bar.undo.click()
    assert "undone" in d.bulk_bar.banner.value
    assert "Bulk tagged" not in set(sample.tags()["tag"])


def test_select_all_matching_then_temperature_and_access(sample: Store) -> None:
    d = ContactsDashboard(sample)
    d.search.value = "gmbh"
    expected = matching_ids(sample.db, sample.user, "gmbh")
    assert len(expected) > 25  # more than one page
    d.bulk_bar.select_all.click()
    assert d.bulk.count == len(expected)
    assert set(_ticks(d)) == {"☑"}  # the page shows it
    d.bulk_bar.temperature.value = "Cold"
    d.bulk_bar.temperature_set.click()
    assert search(sample.db, sample.user, "gmbh", temperatures=["Cold"]).total == len(expected)
    d.bulk_bar.access.value = "restricted"
    d.bulk_bar.access_set.click()
    assert search(sample.db, sample.user, "gmbh", access="restricted").total == len(expected)
    d.bulk_bar.clear.click()
    assert d.bulk.count == 0 and set(_ticks(d)) == {"☐"}


def test_delete_asks_first_and_merge_makes_one(sample: Store) -> None:
    d = ContactsDashboard(sample)
    d.search.value = "hamann"
    d.grid.click(list(d.grid.shown()["Name"]).index("Lore Hamann"), "✓")
    before = sample.count()
    d.bulk_bar.delete.click()
    assert d.bulk_bar.confirm.layout.display != "none"
    assert "Would delete 1 contact" in d.bulk_bar.confirm_text.value and "cannot be undone" in (
        d.bulk_bar.confirm_text.value
    )
    assert sample.count() == before  # asking deletes nothing
    d.bulk_bar.confirm.children[2].click()  # Cancel
    assert d.bulk_bar.confirm.layout.display == "none" and sample.count() == before
    d.bulk_bar.delete.click()
    d.bulk_bar.confirm.children[1].click()  # Yes, delete for good
    assert sample.count() == before - 1 and d.bulk.count == 0
    assert "Deleted 1 contact" in d.bulk_bar.banner.value

    d.search.value = ""
    d.show.value = "persons"
    a, b = _shown(d)[:2]
    d.grid.cells(0, 1, "✓")  # a drag down the tick column
    d.bulk_bar.merge.click()
    assert sample.count() == before - 2
    assert re.search(r"Merged", d.bulk_bar.banner.value)
    assert d.bulk.count == 1 and next(iter(d.bulk.selected)) in (a, b)
    d.bulk_bar.undo.click()
    assert sample.count() == before - 1


def test_export_selected_offers_the_csv(sample: Store) -> None:
    d = ContactsDashboard(sample)
    d.bulk_bar.select_page.click()
    d.bulk_bar.export.click()
    link = re.search(r"base64,([A-Za-z0-9+/=]+)", d.bulk_bar.download.value)
    assert link is not None
    lines = base64.b64decode(link.group(1)).decode("utf-8").strip().split("\n")
    assert len(lines) == 1 + len(_shown(d))


def test_errors_are_messages(sample: Store) -> None:
    d = ContactsDashboard(sample)
    d.grid.click(0, "✓")
    d.bulk_bar.tag.value = ""
    d.bulk_bar.tag_add.click()
    assert "changes nothing" in d.bulk_bar.banner.value and "Traceback" not in d.bulk_bar.banner.value


def test_tick_again_unticks_and_the_tick_header_toggles_the_page(sample: Store) -> None:
    d = ContactsDashboard(sample)
    d.grid.click(0, "✓")
    d.grid.click(0, "✓")
    assert d.bulk.count == 0
    header = {"region": "column-header", "column": "✓", "row": 0}
    d.grid._header_clicked(header)
    assert sorted(d.bulk.selected) == sorted(_shown(d))
    d.grid._header_clicked(header)
    assert d.bulk.count == 0


def test_a_cell_selected_in_the_browser_acts_like_a_click(sample: Store) -> None:
    d = ContactsDashboard(sample)
    d.grid.grid.selections = [{"r1": 2, "r2": 2, "c1": 0, "c2": 0}]  # row 3's tick box
    assert list(d.bulk.selected) == [_shown(d)[2]]
    assert d.grid.grid.selections == []  # unselected again: the next click counts
    d.grid.grid.selections = [{"r1": 1, "r2": 1, "c1": 1, "c2": 1}]  # row 2's name
    assert d.editor is not None and d.editor.state.contact_id == _shown(d)[1]
    d.grid.grid.selections = [{"r1": 0, "r2": 3, "c1": 3, "c2": 3}]  # cells to copy: kept
    assert len(d.grid.grid.selections) == 1 and d.bulk.count == 1
