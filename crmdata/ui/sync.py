"""The portal sync panel: pull from an ONLYOFFICE portal (photos too when ticked), look at what a
push would send, push.

A view over :class:`SyncState`, which calls :meth:`crmdata.Store.sync_pull` and
:meth:`~crmdata.Store.sync_push` and keeps their reports. The password field is emptied after
every action; without one the library takes ``CRMDATA_PORTAL_PASSWORD`` or the OS keyring.
Deletes and merges reach the portal only with the "allow" box ticked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ipywidgets as w

from ..errors import CrmDataError
from .view_model import Notice, Observable
from .widgets import banner, button, classed, show_notice

if TYPE_CHECKING:
    from ..store import Store


def _no_prompt(_text: str) -> str:
    raise CrmDataError(
        "Enter the portal password (or set CRMDATA_PORTAL_PASSWORD, or keep it in the OS keyring)."
    )


class SyncState(Observable):
    """Pull, plan and push with one portal account; the last report and plan for the view."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.plan: Any = None

    def _kw(self, portal: str, login: str, password: str) -> dict[str, Any]:
        return {
            "portal": portal.strip(),
            "login": login.strip(),
            "password": password or None,
            "prompt": _no_prompt,
        }

    def pull(self, portal: str, login: str, password: str, photos: bool = False) -> bool:
        report = self.guard(
            lambda: self.store.sync_pull(**self._kw(portal, login, password), photos=photos), notify=False
        )
        if report is not None:
            bad = report.conflicts or report.refused or report.disappeared
            self.notice = Notice("warning" if bad else "success", str(report))
        self.changed()
        return report is not None

    def preview(self, portal: str, login: str, password: str) -> bool:
        report = self.guard(
            lambda: self.store.sync_push(**self._kw(portal, login, password), dry_run=True), notify=False
        )
        if report is not None:
            self.plan = report.plan
            self.notice = Notice("info", str(report))
        self.changed()
        return report is not None

    def push(self, portal: str, login: str, password: str, allow_removals: bool) -> bool:
        report = self.guard(
            lambda: self.store.sync_push(**self._kw(portal, login, password), confirm=allow_removals),
            notify=False,
        )
        if report is not None:
            self.plan = report.plan
            bad = report.status != "done" or report.conflicts or report.refused
            text = str(report)
            if report.status == "needs confirmation":
                text += "\nTick \u201callow deletes and merges\u201d to send them."
            self.notice = Notice("warning" if bad else "success", text)
        self.changed()
        return report is not None and report.status == "done"


class SyncPanel:
    """Portal address, login, password; Pull, Preview push, Push; the plan as a table."""

    def __init__(self, store: Store, on_pulled: Any = None) -> None:
        self.state = SyncState(store)
        self.on_pulled = on_pulled
        self.banner = banner()
        self.portal = classed(
            w.Text(description="Portal", placeholder="https://office.example.com"), "crm-sync-portal"
        )
        self.login = classed(w.Text(description="Login"), "crm-sync-login")
        self.password = classed(w.Password(description="Password"), "crm-sync-password")
        self.allow = classed(
            w.Checkbox(description="allow deletes and merges on the portal", value=False), "crm-sync-allow"
        )
        self.photos = classed(w.Checkbox(description="with photos", value=False), "crm-sync-photos")
        self.pull_go = button("Pull", "crm-sync-pull", self.pull, icon="download")
        self.preview_go = button("Preview push", "crm-sync-preview", self.preview, icon="list")
        self.push_go = button("Push", "crm-sync-push", self.push, button_style="primary", icon="upload")
        self.table = classed(w.HTML(), "crm-sync-plan")
        self.widget = classed(
            w.VBox(
                [
                    self.banner,
                    w.HBox([self.portal, self.login, self.password]),
                    w.HBox([self.pull_go, self.photos, self.preview_go, self.push_go, self.allow]),
                    self.table,
                ]
            ),
            "crm-sync",
        )
        self.state.observe(self.render)

    def _args(self) -> tuple[str, str, str]:
        args = (self.portal.value, self.login.value, self.password.value)
        self.password.value = ""  # kept nowhere
        return args

    def pull(self) -> None:
        if self.state.pull(*self._args(), self.photos.value) and self.on_pulled is not None:
            self.on_pulled()

    def preview(self) -> None:
        self.state.preview(*self._args())

    def push(self) -> None:
        self.state.push(*self._args(), self.allow.value)

    def render(self) -> None:
        show_notice(self.banner, self.state.notice)
        plan = self.state.plan
        self.table.value = "" if plan is None else plan.frame().to_html(index=False, na_rep="", border=0)
