"""The contact list's bulk bar, driven from Python on a copy of the sample store."""

from __future__ import annotations

import base64
import re

from crmdata import Store
from crmdata.search.api import matching_ids, search
from crmdata.ui.contacts import ContactsDashboard


def _shown(d: ContactsDashboard) -> list[int]:
    return [r.contact_id for r in d.rows if r.contact_id is not None]


def test_tick_rows_tag_them_and_undo(sample: Store) -> None:
    d = ContactsDashboard(sample)
    assert d.bulk_bar.actions.layout.display == "none"  # nothing selected, no actions
    first, second = d.rows[0], d.rows[1]
    first.pick.value = True
    second.pick.value = True
    assert d.bulk.count == 2 and "2 selected" in d.bulk_bar.count.value
    d.bulk_bar.tag.value = "Bulk tagged"
    d.bulk_bar.tag_add.click()
    assert "add tag Bulk tagged on 2 contacts" in d.bulk_bar.banner.value
    assert "<code>crmdata undo" in d.bulk_bar.banner.value
    tagged = matching_ids(sample.db, sample.user, tags=["Bulk tagged"])
    assert sorted(tagged) == sorted([first.contact_id, second.contact_id])
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
    assert all(r.pick.value for r in d.rows if r.contact_id is not None)  # the page shows it
    d.bulk_bar.temperature.value = "Cold"
    d.bulk_bar.temperature_set.click()
    assert search(sample.db, sample.user, "gmbh", temperatures=["Cold"]).total == len(expected)
    d.bulk_bar.access.value = "restricted"
    d.bulk_bar.access_set.click()
    assert search(sample.db, sample.user, "gmbh", access="restricted").total == len(expected)
    d.bulk_bar.clear.click()
    assert d.bulk.count == 0 and not any(r.pick.value for r in d.rows)


def test_delete_asks_first_and_merge_makes_one(sample: Store) -> None:
    d = ContactsDashboard(sample)
    d.search.value = "hamann"
    lore = next(r for r in d.rows if r.name.description == "Lore Hamann")
    lore.pick.value = True
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
    a, b = d.rows[0].contact_id, d.rows[1].contact_id
    d.rows[0].pick.value = d.rows[1].pick.value = True
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
    d.rows[0].pick.value = True
    d.bulk_bar.tag.value = ""
    d.bulk_bar.tag_add.click()
    assert "changes nothing" in d.bulk_bar.banner.value and "Traceback" not in d.bulk_bar.banner.value
