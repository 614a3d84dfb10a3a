"""The bulk bar of the contacts dashboard: act once on every selected contact.

A view over :class:`~crmdata.ui.bulk_state.BulkState`: select the page or all that match,
then tag / untag, set the temperature or access, merge, export or delete (asked first). Each
change is one change set, and **Undo** reverts the last one.
"""

from __future__ import annotations

import base64
import html
from typing import Any

import ipywidgets as w

from ..edit.bulk import ACCESS_BY_NAME, BulkChange
from .bulk_state import BulkState
from .widgets import banner, button, classed, show_notice

#: The temperature dropdown's "choose" entry (a value of its own: a None value shows blank).
_CHOOSE = "-"


class BulkBar:
    """Widgets bound to a :class:`BulkState`; ``.widget`` sits above the contact list."""

    def __init__(self, state: BulkState, temperatures: tuple[str, ...], page_ids: Any) -> None:
        self.state = state
        s = state
        self.banner = banner()
        self.count = classed(w.HTML(""), "crm-bulk-count")
        self.select_page = button("Select page", "crm-select-page", lambda: s.select_page(page_ids()))
        self.select_all = button("Select all that match", "crm-select-all", s.select_all_matching)
        self.clear = button("Clear selection", "crm-select-clear", s.clear)
        self.tag = classed(
            w.Text(placeholder="tag", layout=w.Layout(width="140px")), "crm-bulk-tag"
        )
        self.tag_add = button("Add tag", "crm-bulk-tag-add", lambda: self._tags(add=True))
        self.tag_remove = button("Remove tag", "crm-bulk-tag-remove", lambda: self._tags(add=False))
        self.temperature = classed(
            w.Dropdown(
                options=[("Temperature …", _CHOOSE), ("(no level)", "")] + [(t, t) for t in temperatures],
                value=_CHOOSE,
                layout=w.Layout(width="150px"),
            ),
            "crm-bulk-temp",
        )
        self.temperature_set = button("Set", "crm-bulk-temp-set", self._temperature)
        self.access = classed(
            w.Dropdown(
                options=[(name.capitalize().replace("-", " "), name) for name in ACCESS_BY_NAME],
                value="public",
                layout=w.Layout(width="130px"),
            ),
            "crm-bulk-access",
        )
        self.access_set = button("Set access", "crm-bulk-access-set", self._access)
        self.merge = button("Merge selected", "crm-bulk-merge", s.merge)
        self.export = button("Export selected", "crm-bulk-export", s.export)
        self.download = classed(w.HTML(""), "crm-bulk-download")
        self.delete = button("Delete …", "crm-bulk-delete", s.ask_delete, button_style="danger")
        self.confirm_text = classed(w.HTML(""), "crm-bulk-confirm-text")
        self.confirm = classed(
            w.HBox(
                [
                    self.confirm_text,
                    button(
                        "Yes, delete for good", "crm-bulk-delete-yes", s.confirm_delete, button_style="danger"
                    ),
                    button("Cancel", "crm-bulk-delete-cancel", s.cancel_delete),
                ]
            ),
            "crm-bulk-confirm",
        )
        self.undo = button("Undo last", "crm-bulk-undo", s.undo_last, icon="undo")
        self.actions = classed(
            w.VBox(
                [
                    w.HBox([self.tag, self.tag_add, self.tag_remove, self.temperature, self.temperature_set,
                            self.access, self.access_set]),
                    w.HBox([self.merge, self.export, self.download, self.delete, self.undo]),
                    self.confirm,
                ]
            ),
            "crm-bulk-actions",
        )
        self.widget = classed(
            w.VBox([self.banner, w.HBox([self.count, self.select_page, self.select_all, self.clear]),
                    self.actions]),
            "crm-bulk",
        )
        s.observe(self.render)
        self.render()

    def _tags(self, *, add: bool) -> None:
        tag = self.tag.value.strip()
        change = BulkChange(add_tags=(tag,)) if add else BulkChange(remove_tags=(tag,))
        if self.state.apply(change if tag else BulkChange()):
            self.tag.value = ""

    def _temperature(self) -> None:
        value = self.temperature.value
        self.state.apply(BulkChange(temperature=None if value == _CHOOSE else str(value)))

    def _access(self) -> None:
        self.state.apply(BulkChange(access=str(self.access.value)))

    def render(self) -> None:
        s = self.state
        show_notice(self.banner, s.notice)
        n = s.count
        self.count.value = f"<span class='crm-bulk-count-text'>{n:,} selected</span>"
        self.actions.layout.display = None if n else "none"
        for b in (self.clear,):
            b.disabled = not n
        self.undo.disabled = s.last_change_set is None
        self.confirm.layout.display = None if s.pending_delete else "none"
        self.confirm_text.value = html.escape(s.pending_delete or "")
        if s.export_csv is not None:
            data = base64.b64encode(s.export_csv).decode("ascii")
            self.download.value = (
                f"<a class='crm-bulk-download-link' download='contacts.csv' "
                f"href='data:text/csv;base64,{data}'>Download contacts.csv</a>"
            )
        else:
            self.download.value = ""
