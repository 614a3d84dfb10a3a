"""The import dashboard's view model (plain Python, no widgets): one upload, imported all or
nothing, with its report."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .view_model import Notice, Observable

if TYPE_CHECKING:
    from ..csvio.importer import DuplicateRule
    from ..store import Store


class ImportState(Observable):
    """An ONLYOFFICE CSV import started from a dashboard: all or nothing, with its report."""

    #: The steps :func:`crmdata.csvio.importer.import_onlyoffice` reports (reading, checking, writing).
    STEPS = 3

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.report: Any = None

    def run(
        self, data: bytes, name: str, duplicates: DuplicateRule = "skip",
        progress: Callable[[str], None] | None = None
    ) -> bool:
        """Import uploaded bytes (kept in a temporary file named like the upload)."""
        import tempfile
        from pathlib import Path

        def work() -> Any:
            with tempfile.TemporaryDirectory(prefix="crmdata-upload-") as folder:
                path = Path(folder) / (Path(name).name or "upload.csv")
                path.write_bytes(data)
                return self.store.import_contacts(path, duplicates=duplicates, progress=progress)

        report = self.guard(work, notify=False)
        if report is not None:
            self.report = report
            self.notice = Notice("success", report.summary())
        self.changed()
        return report is not None
