"""The contacts dashboard driven from Python: set .value, .click(), check against the library."""

from __future__ import annotations

from crmdata import Store
from crmdata.search.api import search
from crmdata.ui.contacts import ContactsDashboard

from .helpers import LORE_EMAIL


def _shown_ids(d: ContactsDashboard) -> list[int]:
    return d.grid.shown_ids()


def _names(d: ContactsDashboard) -> list[str]:
    return list(d.grid.shown()["Name"])


def _open(d: ContactsDashboard, name: str) -> int:
    """Click the name in the grid; the contact's id."""
    row = _names(d).index(name)
    d.grid.click(row, "Name")
    return _shown_ids(d)[row]


def test_first_page_lists_every_contact_25_at_a_time(sample: Store) -> None:
    d = ContactsDashboard(sample)
    total = sample.count()
    assert f"of {total:,} contacts" in d.count.value
    assert len(_shown_ids(d)) == 25
    assert _shown_ids(d) == [int(i) for i in search(sample.db, sample.user).frame["id"]]
    assert d.prev.disabled and not d.next.disabled
    d.search.value = "hamann"
    found = search(sample.db, sample.user, "hamann").total
    assert 0 < found < 25
    assert len(d.grid.shown()) == found


def test_search_box_uses_the_query_language(sample: Store) -> None:
    d = ContactsDashboard(sample)
    d.search.value = "hamann"
    assert _shown_ids(d) == [int(i) for i in search(sample.db, sample.user, "hamann").frame["id"]]
    shown = d.grid.shown().set_index("Name")
    assert shown.loc["Lore Hamann", "Email"] == LORE_EMAIL
    assert shown.loc["Lore Hamann", "Temperature"] == "Hot" and shown.loc["Lore Hamann", "Tags"] == "Lead"
    d.search.value = "Ham?nn"
    assert "Lore Hamann" in _names(d)


def test_malformed_query_shows_the_message_not_a_traceback(sample: Store) -> None:
    d = ContactsDashboard(sample)
    before = _shown_ids(d)
    d.search.value = '"never closed'
    assert "crm-notice-error" in d.banner.value and "never closed" in d.banner.value
    assert "Traceback" not in d.banner.value
    assert _shown_ids(d) == before  # the last good page stays
    d.search.value = ""
    assert d.banner.layout.display == "none"


def test_filters_combine_and_clear(sample: Store) -> None:
    d = ContactsDashboard(sample)
    hot = next(t for t in d.temps if "crm-temp-hot" in t._dom_classes)
    hot.value = True
    expected = search(sample.db, sample.user, temperatures=["Hot"])
    assert f"of {expected.total:,} contacts" in d.count.value
    d.show.value = "persons"
    d.tag_input.value = "lead"  # Enter in the tag box, in any case
    assert [c.description for c in d.tag_chips.children] == ["Lead ✕"]
    expected = search(sample.db, sample.user, show="persons", temperatures=["Hot"], tags=["Lead"])
    assert _shown_ids(d) == [int(i) for i in expected.frame["id"]]
    assert expected.total >= 1  # Lore is a hot person tagged Lead
    d.access.value = "restricted"
    assert "No contacts match" in d.count.value
    d.clear.click()
    assert not hot.value and d.show.value == "all" and d.tag_chips.children == ()
    assert d.manager.label == "Any manager" and d.access.label == "Any access"
    assert f"of {sample.count():,} contacts" in d.count.value


def test_tag_chips_add_and_remove(sample: Store) -> None:
    d = ContactsDashboard(sample)
    d.tag_input.value = "Lead"
    assert d.tag_input.value == ""  # ready for the next tag
    d.tag_input.value = "Customer"
    assert d.state.filters.tags == ("Lead", "Customer")
    assert d.state.total == search(sample.db, sample.user, tags=["Lead", "Customer"]).total
    d.tag_chips.children[0].click()
    assert d.state.filters.tags == ("Customer",)
    assert [c.description for c in d.tag_chips.children] == ["Customer ✕"]


def test_filter_dropdowns_say_any_and_temperatures_have_their_colours(sample: Store) -> None:
    d = ContactsDashboard(sample)
    assert (d.manager.label, d.access.label) == ("Any manager", "Any access")
    d.manager.value = "none"
    assert d.state.filters.manager == "none"
    d.manager.value = "any"
    assert d.state.filters.manager is None
    css = next(c for c in d.widget.children if "crm-temp-style" in c._dom_classes).value
    for title, color in d.state.choices.temperatures:
        if color:
            assert f".crm-temp-{title.lower().replace(' ', '-')} {{ background-color: {color}; }}" in css


def test_sort_and_pages(sample: Store) -> None:
    d = ContactsDashboard(sample)
    d.sort.value = "last_name"
    d.desc.value = True
    expected = search(sample.db, sample.user, sort="last_name", descending=True, page=2)
    d.next.click()
    assert "page 2 of" in d.count.value
    assert _shown_ids(d) == [int(i) for i in expected.frame["id"]]
    d.prev.click()
    assert "page 1 of" in d.count.value and d.prev.disabled


def test_clicking_a_row_opens_the_contact_in_the_editor(sample: Store) -> None:
    d = ContactsDashboard(sample)
    d.search.value = "hamann"
    assert d.editor is not None and d.editor.widget.layout.display == "none"
    lore = _open(d, "Lore Hamann")
    assert d.editor.widget.layout.display != "none"
    assert d.editor.state.contact_id == lore
    assert d.editor.inputs["first_name"].value == "Lore"


def test_saving_in_the_editor_refreshes_the_list(sample: Store) -> None:
    d = ContactsDashboard(sample)
    d.search.value = "hamann"
    _open(d, "Lore Hamann")
    assert d.editor is not None
    d.editor.inputs["last_name"].value = "Hamann-Berg"
    d.editor.inputs["save"].click()
    assert "Lore Hamann-Berg" in _names(d)


def test_a_running_search_says_so_before_the_table_redraws(sample: Store) -> None:
    d = ContactsDashboard(sample)
    shown: list[str] = []
    d.count.observe(lambda ch: shown.append(ch["new"]), names="value")
    d.search.value = "hamann"
    assert "Searching" in shown[0] and "contacts" in shown[-1] and "Searching" not in shown[-1]


def test_a_tag_added_in_the_editor_becomes_a_filter_choice(sample: Store) -> None:
    d = ContactsDashboard(sample)
    assert "Met at fair 2026" not in d.tag_input.options
    d.search.value = "hamann"
    _open(d, "Lore Hamann")
    assert d.editor is not None
    d.editor.inputs["tag_new"].value = "Met at fair 2026"
    d.editor.inputs["tag_add"].click()
    d.editor.inputs["save"].click()
    assert "Met at fair 2026" in d.tag_input.options
    d.tag_input.value = "Met at fair 2026"
    assert _names(d) == ["Lore Hamann"]


def test_banners_show_commands_as_code_not_backticks() -> None:
    from crmdata.ui.view_model import Notice
    from crmdata.ui.widgets import banner, show_notice

    b = banner()
    show_notice(b, Notice("success", "Saved (undo: `crmdata undo 6`) <b>"))
    assert "<code>crmdata undo 6</code>" in b.value and "`" not in b.value and "&lt;b&gt;" in b.value


def test_facet_counts_beside_filter_values_follow_the_search(sample: Store) -> None:
    d = ContactsDashboard(sample)
    hot = next(t for t in d.temps if "crm-temp-hot" in t._dom_classes)
    assert hot.description == f"Hot · {search(sample.db, sample.user, temperatures=['Hot']).total:,}"
    d.search.value = "gmbh"
    assert hot.description == f"Hot · {search(sample.db, sample.user, 'gmbh', temperatures=['Hot']).total:,}"
    hot.value = True  # a temperature's own count does not shrink when it is chosen
    cold = next(t for t in d.temps if "crm-temp-cold" in t._dom_classes)
    cold_total = search(sample.db, sample.user, 'gmbh', temperatures=['Cold']).total
    assert cold.description == f"Cold · {cold_total:,}"
    assert d.state.filters.temperatures == ("Hot",)
    hot_gmbh = {"query": "gmbh", "temperatures": ["Hot"]}
    restricted = dict((v, label) for label, v in d.access.options)["restricted"]
    restricted_total = search(sample.db, sample.user, **hot_gmbh, access='restricted').total
    assert restricted == f"Restricted ({restricted_total:,})"
    lead = search(sample.db, sample.user, **hot_gmbh, tags=["Lead"]).total
    assert d.state.facets.get("tag", "Lead") == lead
    top_tag, top_n = max(d.state.facets.counts["tag"].items(), key=lambda p: p[1])
    assert f"{top_tag} <b>{top_n:,}</b>" in d.tag_facets.value
    first_type = d.state.choices.contact_types[0]
    label = dict((v, lab) for lab, v in d.types.options)[first_type]
    typed_total = search(sample.db, sample.user, **hot_gmbh, contact_types=[first_type]).total
    assert label == f"{first_type} ({typed_total:,})"


def test_rows_say_why_they_matched(sample: Store) -> None:
    d = ContactsDashboard(sample)
    d.search.value = "hamann"
    lore = next(r for r in d.state.rows if r.display_name == "Lore Hamann")
    assert lore.why == "name"
    d.search.value = "example"  # only in her email address
    (row,) = [r for r in d.state.rows if r.display_name == "Lore Hamann"]
    assert row.why == "email: lore.hamann@example.com"
    shown = d.grid.shown().set_index("Name")
    assert shown.loc["Lore Hamann", "Matched in"] == "email: lore.hamann@example.com"
    d.search.value = ""
    assert all(r.why == "" for r in d.state.rows)


def test_persons_listed_with_their_company_say_so(sample: Store) -> None:
    from crmdata.search.why import match_reasons

    with sample.db.read() as tx:
        company, name = tx.one(
            "SELECT co.id, co.display_name FROM contacts co JOIN contacts p ON p.company_id = co.id "
            "WHERE co.is_company ORDER BY co.id LIMIT 1"
        ) or (None, None)
        person = tx.one("SELECT id FROM contacts WHERE company_id = ? ORDER BY id LIMIT 1", [company])
    assert person is not None
    word = str(name).split()[0]
    reasons = match_reasons(sample.db, f'"{word}"', [int(company), int(person[0])])
    assert reasons[int(company)] == "name"
    own = ("company", "email", "web site", "name")
    assert reasons[int(person[0])] == f"via company {name}" or reasons[int(person[0])].startswith(own)
