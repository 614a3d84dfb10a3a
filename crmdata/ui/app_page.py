"""The standalone app's page: the contacts dashboard and the duplicate review as two tabs."""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from .contacts import ContactsDashboard
from .review import ReviewDashboard
from .widgets import classed


def app_widget(store: Any) -> w.Tab:
    """The tabs "Contacts" and "Duplicates" on one store (what ``crmdata app`` shows)."""
    tabs = w.Tab(
        children=[ContactsDashboard(store).widget, ReviewDashboard(store).widget],
        titles=("Contacts", "Duplicates"),
    )
    return classed(tabs, "crm-app-tabs")
