"""Build ONLYOFFICE-layout CSV text from a few literal values."""

from __future__ import annotations

from pathlib import Path

from crmdata.model import BASE_COLUMNS, INFO_CAPTIONS

HEADERS = list(BASE_COLUMNS) + list(INFO_CAPTIONS)


def quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def oo_text(rows: list[dict[str, str]], extra: list[str] = (), newline: str = "\n") -> str:
    headers = HEADERS + list(extra)
    for row in rows:
        unknown = set(row) - set(headers)
        assert not unknown, unknown
    lines = [",".join(headers)]
    lines += [",".join(quote(row.get(h, "")) for h in headers) for row in rows]
    return newline.join(lines) + newline


def write_oo(path: Path, rows: list[dict[str, str]], extra: list[str] = (),
             encoding: str = "utf-8") -> Path:
    path.write_bytes(oo_text(rows, extra).encode(encoding))
    return path


#: The tables an import writes (the "nothing changed" checks compare them).
IMPORT_TABLES = ("contacts", "contact_info", "tags", "contact_tags", "custom_fields",
                 "custom_values", "list_items", "contact_managers", "journal", "journal_rows")
