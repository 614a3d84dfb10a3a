"""The import panel of the contacts dashboard: upload an ONLYOFFICE CSV, watch it go in.

A view over :class:`~crmdata.ui.importing_state.ImportState`: a file picker, the duplicate rule
(skip, update, clone), an Import button and a progress bar fed by the importer's steps.
A refused import shows its message (with the line numbers the library reports).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import ipywidgets as w

from .importing_state import ImportState
from .view_model import Notice
from .widgets import Progress, banner, button, classed, show_notice

if TYPE_CHECKING:
    from ..store import Store

RULES = (("Skip duplicates", "skip"), ("Update the existing contact", "update"), ("Import as new", "clone"))


class ImportPanel:
    """Upload + rule + Import, with a progress bar; calls ``on_done()`` after an import."""

    def __init__(self, store: Store, on_done: Callable[[], None] | None = None) -> None:
        self.state = ImportState(store)
        self.on_done = on_done
        self.banner = banner()
        self.upload = classed(
            w.FileUpload(accept=".csv,text/csv,.vcf,text/vcard", multiple=False, description="CSV or vCard"),
            "crm-import-file"
        )
        self.rule = classed(
            w.Dropdown(options=RULES, value="skip", description="Duplicates"), "crm-import-rule"
        )
        self.go = button("Import", "crm-import-go", self.run, button_style="primary", icon="upload")
        self.progress = Progress("Importing", steps=ImportState.STEPS)
        self.widget = classed(
            w.VBox([self.banner, w.HBox([self.upload, self.rule, self.go]), self.progress.box]), "crm-import"
        )
        self.state.observe(lambda: show_notice(self.banner, self.state.notice))

    def run(self) -> None:
        files = self.upload.value
        if not files:
            self.state.notice = Notice("info", "Choose a CSV file first.")
            self.state.changed()
            return
        upload = files[0]
        self.progress.start(f"reading {upload['name']}")
        self.go.disabled = True
        try:
            ok = self.state.run(bytes(upload["content"]), str(upload["name"]), self.rule.value, self.progress)
        finally:
            self.go.disabled = False
        self.progress.finish("imported" if ok else "refused: nothing was imported", ok=ok)
        if ok and self.on_done is not None:
            self.on_done()
