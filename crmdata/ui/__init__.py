"""Dashboards for JupyterLab and Voilà: thin ipywidgets faces over the library.

``contacts_dashboard(store)`` (browse, search, open and edit contacts) and
``review_dashboard(store)`` (duplicate review). State lives in plain-Python view models
(:mod:`.state`, :mod:`.editor_state`, :mod:`.review_state`); the widget modules only bind them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..store import Store

#: Seconds the store a dashboard works on keeps its file between actions (``Store(linger=...)``):
#: each search or save then skips taking the file and reading its blocks afresh, and another
#: process that asks for the file gets it as soon as it asks.
LINGER = 5.0


def contacts_dashboard(store: Store, **options: Any) -> Any:
    """The contacts dashboard (see :class:`crmdata.ui.contacts.ContactsDashboard`)."""
    from .contacts import ContactsDashboard

    return ContactsDashboard(store, **options)


def contact_editor(store: Store, contact_id: int | None = None) -> Any:
    """The contact editor on its own, opened on ``contact_id`` (or on a new person)."""
    from .editor import ContactEditor

    editor = ContactEditor(store)
    if contact_id is None:
        editor.new(False)
    else:
        editor.open(contact_id)
    return editor


def sync_panel(store: Store) -> Any:
    """The portal sync panel on its own (see :class:`crmdata.ui.sync.SyncPanel`)."""
    from .sync import SyncPanel

    return SyncPanel(store)


def review_dashboard(store: Store) -> Any:
    """The duplicate review dashboard (see :class:`crmdata.ui.review.ReviewDashboard`)."""
    from .review import ReviewDashboard

    return ReviewDashboard(store)


def app_widget(store: Store) -> Any:
    """The standalone app's page (see :func:`crmdata.ui.app_page.app_widget`)."""
    from .app_page import app_widget as build

    return build(store)


__all__ = ["app_widget", "contact_editor", "contacts_dashboard", "review_dashboard", "sync_panel"]
