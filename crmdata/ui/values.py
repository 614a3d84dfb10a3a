"""The "Clean up values" panel: clusters of one field's spellings, choose the value to keep.

A view over :class:`~crmdata.ui.values_state.ValuesState` (OpenRefine's cluster-and-edit).
"""

from __future__ import annotations

import html
from functools import partial
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from ..edit.clusters import FIELDS
from .values_state import ValuesState
from .widgets import banner, button, classed, show_notice

if TYPE_CHECKING:
    from ..store import Store

#: The "leave this cluster" choice of a cluster's dropdown.
_LEAVE = "\u0000leave"

FIELD_CHOICES = (
    ("Company name", "company_name"),
    ("Position", "position"),
    ("City", "city"),
    ("Tag", "tag"),
)
assert all(v in FIELDS for _l, v in FIELD_CHOICES)


class ValuesPanel:
    """Widgets bound to a :class:`ValuesState`; ``.widget`` is the panel."""

    def __init__(self, store: Store, custom_labels: tuple[str, ...] = ()) -> None:
        self.state = ValuesState(store)
        s = self.state
        self.banner = banner()
        self.field = classed(
            w.Dropdown(
                options=[*FIELD_CHOICES, *((f"{c} (custom)", f"custom:{c}") for c in custom_labels)],
                value="company_name",
                description="Field",
            ),
            "crm-values-field",
        )
        self.method = classed(
            w.ToggleButtons(options=[("Same key", "key"), ("Similar", "nearest")], value="key"),
            "crm-values-method",
        )
        self.find = button("Find clusters", "crm-values-find", self._find, icon="search")
        self.list = classed(w.VBox([]), "crm-values-clusters")
        self.apply = button("Apply chosen values", "crm-values-apply", s.apply, button_style="primary")
        self.undo = button("Undo", "crm-values-undo", s.undo_last, icon="undo")
        self.widget = classed(
            w.VBox([self.banner, w.HBox([self.field, self.method, self.find]), self.list,
                    w.HBox([self.apply, self.undo])]),
            "crm-values",
        )
        s.observe(self.render)
        self.render()

    def _find(self) -> None:
        self.state.find(self.field.value, self.method.value)

    def render(self) -> None:
        s = self.state
        show_notice(self.banner, s.notice)
        for child in self.list.children:
            child.close()
        rows = []
        for i, (cluster, keep) in enumerate(zip(s.clusters[:100], s.keep, strict=False)):
            spellings = "; ".join(f"{html.escape(v)} <small>({n})</small>" for v, n in cluster.values)
            pick = classed(
                w.Dropdown(
                    options=[("(leave as is)", _LEAVE), *((v, v) for v, _n in cluster.values)],
                    value=_LEAVE if keep is None else keep,
                    layout=w.Layout(width="280px"),
                ),
                "crm-values-keep",
            )
            pick.observe(partial(self._chosen, i), names="value")
            rows.append(classed(w.HBox([pick, w.HTML(spellings)]), "crm-values-cluster"))
        self.list.children = tuple(rows)
        self.apply.disabled = not s.clusters
        self.undo.disabled = s.last_change_set is None

    def _chosen(self, index: int, change: dict[str, Any]) -> None:
        value = change["new"]
        self.state.choose(index, None if value == _LEAVE else str(value))
