"""Pure helpers of the view models, tested with literal tables (no store, no widgets)."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from crmdata.errors import NotFound, Problem
from crmdata.listing import RowExtras
from crmdata.model import CustomFieldType, FieldScope
from crmdata.ui.contacts_state import list_rows
from crmdata.ui.editor_state import custom_field_defs, history_entries, problems_by_field
from crmdata.ui.grid_state import grid_frame
from crmdata.ui.view_model import GENERIC_ERROR, Observable, error_text


def test_list_rows_formats_a_search_page_in_order() -> None:
    frame = pd.DataFrame(
        [
            {
                "id": 7,
                "kind": "person",
                "display_name": "Lore Hamann",
                "company_name": "Acme",
                "position": None,
                "email": "l@x.org",
                "phone": None,
                "temperature": "Hot",
                "tags": "Lead, VIP",
            },
            {
                "id": 3,
                "kind": "company",
                "display_name": "Acme",
                "company_name": "Acme",
                "position": None,
                "email": None,
                "phone": "+49 30 1",
                "temperature": None,
                "tags": None,
            },
        ]
    )
    extras = {7: RowExtras(pd.Timestamp("2026-10-01 12:30"), b"\x89PNG", "PNG", True)}
    rows = list_rows(frame, extras, {"Hot": "#df7895"})
    assert [r.id for r in rows] == [7, 3]
    lore, acme = rows
    assert (lore.company, lore.tags, lore.last_activity, lore.temperature_color) == (
        "Acme",
        ("Lead", "VIP"),
        "2026-10-01",
        "#df7895",
    )
    assert lore.thumb_uri.startswith("data:image/png;base64,")
    assert (acme.company, acme.position, acme.tags, acme.last_activity, acme.thumb) == ("", "", (), "", b"")


def test_grid_cells_are_the_rows_text() -> None:
    frame = pd.DataFrame(
        [
            {
                "id": 1,
                "kind": "person",
                "display_name": "x",
                "company_name": "<b>A&B</b>",
                "position": "",
                "email": "",
                "phone": "",
                "temperature": "Hot",
                "tags": "Lead",
            }
        ]
    )
    (row,) = list_rows(frame, {}, {"Hot": "#df7895"})
    assert row.temperature_color == "#df7895"
    cells = grid_frame([row], ("company", "temperature", "tags"), selected=set())
    assert cells.loc[1].tolist() == ["☐", "<b>A&B</b>", "Hot", "Lead"]  # drawn as text, never as HTML


def test_error_text_shows_crmdata_messages_and_hides_other_errors(caplog: pytest.LogCaptureFixture) -> None:
    assert error_text(NotFound("There is no contact 5.")) == "There is no contact 5."
    with caplog.at_level(logging.ERROR):
        assert error_text(ZeroDivisionError("division by zero")) == GENERIC_ERROR
    assert "ZeroDivisionError" in caplog.text  # logged with its traceback, not shown


def test_guard_keeps_the_error_as_a_notice_and_notifies() -> None:
    seen: list[str] = []
    o = Observable()
    o.observe(lambda: seen.append("changed"))
    assert o.guard(lambda: 1 / 0) is None
    assert o.notice is not None and o.notice.kind == "error" and o.notice.text == GENERIC_ERROR
    assert seen == ["changed"]
    assert o.guard(lambda: 42) == 42


def test_problems_are_grouped_by_form_part() -> None:
    got = problems_by_field(
        [
            Problem("first name is required", field="first_name", contact_id=4),
            Problem("'x' is not an email address", field="email", contact_id=4),
            Problem("not a date", field="new contact #1, custom field Birthday"),
            Problem("no field"),
        ]
    )
    assert got == {
        "first_name": ["first name is required"],
        "email": ["'x' is not an email address"],
        "custom field Birthday": ["not a date"],
        "": ["no field"],
    }


def test_custom_field_defs_follow_scope_and_type() -> None:
    frame = pd.DataFrame(
        [
            {
                "label": "Birthday",
                "field_type": int(CustomFieldType.DATE),
                "scope": int(FieldScope.PERSON),
                "mask": None,
            },
            {
                "label": "Size",
                "field_type": int(CustomFieldType.SELECT),
                "scope": int(FieldScope.COMPANY),
                "mask": '["S", "M", "L"]',
            },
            {
                "label": "About",
                "field_type": int(CustomFieldType.HEADING),
                "scope": int(FieldScope.CONTACT),
                "mask": None,
            },
        ]
    )
    person = custom_field_defs(frame, is_company=False)
    company = custom_field_defs(frame, is_company=True)
    assert [(c.label, c.field_type) for c in person] == [
        ("Birthday", CustomFieldType.DATE),
        ("About", CustomFieldType.HEADING),
    ]
    assert [(c.label, c.options) for c in company] == [("Size", ("S", "M", "L")), ("About", ())]


def test_history_entries_group_change_sets_newest_first() -> None:
    frame = pd.DataFrame(
        [
            {
                "change_set_id": 2,
                "committed_at": "2026-11-27 10:00:00.123",
                "user": "admin",
                "action": "edit",
                "summary": None,
                "undone_by": None,
                "field": "title",
                "what": "position",
                "before": "A",
                "after": "B",
            },
            {
                "change_set_id": 5,
                "committed_at": "2026-11-27 11:00:00",
                "user": "mia",
                "action": "edit",
                "summary": "0 created, 1 updated",
                "undone_by": 6,
                "field": "first_name",
                "what": "first name",
                "before": "Lore",
                "after": "L" * 50,
            },
        ]
    )
    first, second = history_entries(frame)
    assert (first.change_set_id, first.user, first.undone, first.summary) == (
        5,
        "mia",
        True,
        "0 created, 1 updated",
    )
    assert first.changes == "first name: Lore → " + "L" * 37 + "..."
    assert (second.change_set_id, second.at, second.summary, second.undone) == (
        2,
        "2026-11-27 10:00:00",
        "edit",
        False,
    )
