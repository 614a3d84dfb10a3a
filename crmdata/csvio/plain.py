"""Plain CSV out: chosen columns of the contacts table under headers of the caller's choice.

Plain CSV in goes through the ONLYOFFICE importer with an explicit column mapping
(``import_onlyoffice(..., mapping={header: key})``), so both share every rule.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import CrmDataError

if TYPE_CHECKING:
    from ..store import Store


def export_plain(store: Store, target: str | Path, columns: dict[str, str]) -> int:
    """Write ``{contacts column: header}`` of every visible contact; returns the count."""
    frame = store.contacts()
    unknown = [c for c in columns if c not in frame.columns]
    if unknown:
        raise CrmDataError(
            f"Unknown column(s) {', '.join(unknown)}.",
            hint="choose from: " + ", ".join(map(str, frame.columns)),
        )
    path = Path(target)
    if not path.parent.exists():
        raise CrmDataError(f"The folder {path.parent} does not exist.")
    frame[list(columns)].rename(columns=columns).to_csv(path, index=False, encoding="utf-8")
    return len(frame)
