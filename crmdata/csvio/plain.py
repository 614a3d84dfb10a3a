"""Plain CSV out: chosen columns of the contacts table under headers of the caller's choice.

Plain CSV in goes through the ONLYOFFICE importer with an explicit column mapping
(``import_onlyoffice(..., mapping={header: key})``), so both share every rule.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import CrmDataError
from .writer import CsvOptions, write_frame_csv

if TYPE_CHECKING:
    import pandas as pd


def export_plain(frame: pd.DataFrame, target: str | Path, columns: dict[str, str],
                 options: CsvOptions | None = None) -> int:
    """Write ``{contacts column: header}`` of every contact of ``frame`` (``store.contacts()``,
    the wide frame of the visible contacts); returns the count."""
    unknown = [c for c in columns if c not in frame.columns]
    if unknown:
        raise CrmDataError(
            f"Unknown column(s) {', '.join(unknown)}.",
            hint="choose from: " + ", ".join(map(str, frame.columns)),
        )
    path = Path(target)
    if not path.parent.exists():
        raise CrmDataError(f"The folder {path.parent} does not exist.")
    return write_frame_csv(frame[list(columns)].rename(columns=columns), path, options)
