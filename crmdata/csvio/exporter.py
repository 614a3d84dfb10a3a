"""Export contacts in ONLYOFFICE's CSV layout (spec section 9), or as plain CSV.

The ONLYOFFICE file: UTF-8, a header of English captions joined by commas, then one line
per contact with every value trimmed, wrapped in double quotes (inner quotes doubled) and
joined by commas: the 9 base columns, the 84 info columns in enum order (several values of
one type and category joined by ``,``, the primary first), then one column per custom field
(headings left out). Cells are built inside DuckDB and streamed as Arrow batches to
:func:`~crmdata.csvio.writer.write_csv`, which chooses separator, encoding and line ends and
neutralises formula cells; a million contacts never pass through pandas.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..access import User
from ..model import (
    BASE_COLUMNS,
    ID_COLUMN,
    INFO_COLUMNS,
    CustomFieldType,
    ListType,
)
from ..queries import visible_ids
from .writer import CsvOptions, write_csv

if TYPE_CHECKING:
    from ..db import Database

Progress = Callable[[int], None]


def _q(expr: str) -> str:
    """SQL for one CSV value: text, trimmed, empty for NULL."""
    return f"trim(coalesce(CAST({expr} AS VARCHAR), ''))"


def captions(custom_labels: list[str], with_ids: bool) -> list[str]:
    """The header captions, in column order."""
    out = ([ID_COLUMN] if with_ids else []) + list(BASE_COLUMNS)
    return out + [c.caption for c in INFO_COLUMNS] + custom_labels


def export_sql(
    user: User, custom_fields: list[tuple[int, str]], with_ids: bool, ids: Sequence[int] | None = None
) -> tuple[str, list[object]]:
    """One text column ``line`` per visible contact (of ``ids`` when given), in id order."""
    vis_sql, params = visible_ids(user, ids)
    aggs = []
    for n, col in enumerate(INFO_COLUMNS):
        value = col.part if col.part else "data"
        aggs.append(
            f"string_agg(coalesce(i.{value}, ''), ',' ORDER BY i.is_primary DESC, i.id) "
            f"FILTER (WHERE i.info_type = {int(col.info_type)} AND i.category = {col.category}) "
            f"AS x{n}"
        )
    cf_aggs = [
        f"max(v.value) FILTER (WHERE v.field_id = {fid}) AS f{n}"
        for n, (fid, _label) in enumerate(custom_fields)
    ]
    cols = ([_q("c.id")] if with_ids else []) + [
        _q("CASE WHEN c.is_company THEN 'Company' ELSE 'Person' END"),
        _q("c.first_name"),
        _q("c.last_name"),
        _q("CASE WHEN c.is_company THEN c.company_name ELSE co.company_name END"),
        _q("c.title"),
        _q("c.notes"),
        _q("ts.title"),
        _q("ty.title"),
        _q("tg.tags"),
    ]
    cols += [_q(f"info.x{n}") for n in range(len(INFO_COLUMNS))]
    cols += [_q(f"cv.f{n}") for n in range(len(custom_fields))]
    info_cte = (
        f"info AS (SELECT i.contact_id, {', '.join(aggs)} FROM contact_info i "
        f"WHERE i.contact_id IN (SELECT id FROM vis) GROUP BY i.contact_id)"
    )
    cf_cte = (
        f", cv AS (SELECT v.contact_id, {', '.join(cf_aggs)} FROM custom_values v "
        f"WHERE v.contact_id IN (SELECT id FROM vis) GROUP BY v.contact_id)"
        if custom_fields else ""
    )
    sql = f"""
    WITH vis AS ({vis_sql}),
    {info_cte}{cf_cte},
    tg AS (SELECT ct.contact_id, string_agg(t.title, ',' ORDER BY lower(t.title), t.title) AS tags
           FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id
           WHERE ct.contact_id IN (SELECT id FROM vis) GROUP BY ct.contact_id)
    SELECT {", ".join(f"{c} AS v{n}" for n, c in enumerate(cols))}
    FROM contacts c JOIN vis ON vis.id = c.id
    LEFT JOIN contacts co ON co.id = c.company_id AND co.id IN (SELECT id FROM vis)
    LEFT JOIN list_items ts ON ts.id = c.status_id AND ts.list_type = {int(ListType.TEMPERATURE)}
    LEFT JOIN list_items ty ON ty.id = c.contact_type_id AND ty.list_type = {int(ListType.CONTACT_TYPE)}
    LEFT JOIN info ON info.contact_id = c.id
    {"LEFT JOIN cv ON cv.contact_id = c.id" if custom_fields else ""}
    LEFT JOIN tg ON tg.contact_id = c.id
    ORDER BY c.id
    """
    return sql, params


def export_onlyoffice(
    db: Database,
    user: User,
    target: str | Path,
    *,
    with_ids: bool = False,
    newline: str = "\n",
    options: CsvOptions | None = None,
    progress: Progress | None = None,
    ids: Sequence[int] | None = None,
) -> int:
    """Write every contact the store's user may view (only those of ``ids`` when given, such as
    the contacts selected in a dashboard); returns how many were written.

    ``options`` chooses separator, encoding and line ends (default: ONLYOFFICE's comma,
    UTF-8 and ``newline``); every value is quoted, as ONLYOFFICE writes it.
    """
    options = replace(options or CsvOptions(newline=newline), quote_all=True)
    with db.read() as tx:
        fields = [
            (int(fid), str(label))
            for fid, label in tx.rows(
                "SELECT id, label FROM custom_fields WHERE field_type <> ? ORDER BY sort_order, id",
                [int(CustomFieldType.HEADING)],
            )
        ]
        sql, params = export_sql(user, fields, with_ids, ids)
        header = captions([label for _, label in fields], with_ids)
        return write_csv(target, header, tx.arrow_batches(sql, params), options, progress)


def write_frame(frame: pd.DataFrame, target: str | Path, newline: str = "\n") -> None:
    """Write a DataFrame of text columns in the export's format (used for generated samples)."""
    path = Path(target)
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(map(str, frame.columns)) + newline)
        frame.fillna("").astype(str).apply(lambda col: col.str.strip()).to_csv(
            fh, header=False, index=False, quoting=csv.QUOTE_ALL, lineterminator=newline
        )


__all__ = ["captions", "export_onlyoffice", "export_sql", "write_frame"]
