"""The standalone app's page: the contacts dashboard and the duplicate review as two tabs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as w

from .contacts import ContactsDashboard
from .review import ReviewDashboard
from .widgets import classed

if TYPE_CHECKING:
    from ..store import Store


def app_widget(store: Store) -> w.Tab:
    """The tabs "Contacts" and "Duplicates" on one store (what ``crmdata app`` shows)."""
    tabs = w.Tab(
        children=[ContactsDashboard(store).widget, ReviewDashboard(store).widget],
        titles=("Contacts", "Duplicates"),
    )
    return classed(tabs, "crm-app-tabs")
