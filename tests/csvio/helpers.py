"""Build ONLYOFFICE-layout CSV text from a few literal values."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

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


def snapshot(store) -> dict[str, pd.DataFrame]:
    """Every table of the store, for 'nothing changed' checks."""
    tables = ["contacts", "contact_info", "tags", "contact_tags", "custom_fields",
              "custom_values", "list_items", "contact_managers", "journal", "journal_rows"]
    with store.db.read() as tx:
        return {t: tx.df(f"SELECT * FROM {t} ORDER BY ALL") for t in tables}


def assert_same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    assert a.keys() == b.keys()
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)
