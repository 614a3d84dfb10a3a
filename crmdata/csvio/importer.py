"""Import contacts from ONLYOFFICE CSV (or plain CSV with a column mapping), all or nothing.

Semantics follow ONLYOFFICE's importer (spec section 8) without its 10,000-row cap: a row
with a first or last name is a person, else with a company name a company; info cells are
split on commas and the first value of each type is primary; companies, temperature levels,
contact types, tags and custom fields are created on demand; incoming rows are checked for
duplicates by email against the store and within the file (skip, update or clone; update
merges into the existing contact and never deletes). Every row problem is reported with its
line; unless ``skip_bad_rows`` is asked for, any problem refuses the whole import and the
store stays exactly as it was.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..db import Tx
from ..derived import contacts_changed
from ..errors import CrmDataError, ImportFailed, Problem
from ..journal import record
from ..matchkeys import fill_stored_keys
from ..model import IMPORTED_TEMPERATURE_COLOR, CustomFieldType, ListType, ShareType
from ..queries import visible_ids
from . import import_sql as q
from . import import_write as w
from .layout import Mapping, explicit_mapping, onlyoffice_mapping
from .reader import Dialect, physical_lines, stage

if TYPE_CHECKING:
    from ..store import Store

DuplicateRule = Literal["skip", "update", "clone"]
Progress = Callable[[str], None]

#: Short-date forms a portal writes (day first), tried in order; ISO always works.
DATE_FORMATS = ("%d.%m.%Y", "%d/%m/%Y", "%Y-%m-%d")


@dataclass
class ImportReport:
    """What an import did, row by row where it matters."""

    source: str
    encoding: str
    records: int
    imported: int = 0
    updated: int = 0
    skipped_duplicates: list[tuple[int, int]] = field(default_factory=list)  # (line, contact id)
    problems: list[Problem] = field(default_factory=list)
    skipped_bad_rows: int = 0
    new_companies: int = 0
    new_custom_fields: list[str] = field(default_factory=list)
    new_temperatures: list[str] = field(default_factory=list)
    new_contact_types: list[str] = field(default_factory=list)
    new_tags: list[str] = field(default_factory=list)
    contact_ids: list[int | None] = field(default_factory=list)  # per data record, file order
    journal_id: int | None = None

    def summary(self) -> str:
        parts = [f"{self.imported} contacts imported", f"{self.updated} updated"]
        if self.new_companies:
            parts.append(f"{self.new_companies} companies created from person rows")
        if self.skipped_duplicates:
            parts.append(f"{len(self.skipped_duplicates)} duplicates skipped")
        if self.skipped_bad_rows:
            parts.append(f"{self.skipped_bad_rows} bad rows skipped")
        text = f"{self.source}: " + ", ".join(parts) + f" ({self.records} rows read)."
        if self.new_custom_fields:
            text += " Custom fields created for columns the store did not know: " + ", ".join(
                self.new_custom_fields) + "."
        return text


#: DuckDB's memory during an import, in GiB. Measured at 1M contacts: peak RSS 3.2 GB with this
#: cap against 4.7 GB uncapped, at the same speed (110 s against 102-110 s).
IMPORT_MEMORY_GIB = 3.0


def import_onlyoffice(
    store: Store,
    source: str | Path,
    *,
    duplicates: DuplicateRule = "skip",
    skip_bad_rows: bool = False,
    mapping: dict[str, str] | None = None,
    dialect: Dialect | None = None,
    share_type: ShareType | int = ShareType.READ_WRITE,
    managers: tuple[str, ...] | list[str] = (),
    tags: tuple[str, ...] | list[str] = (),
    custom_field_types: dict[str, tuple[CustomFieldType, object]] | None = None,
    date_format: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import one CSV file into ``store`` as its user; returns the report or raises ImportFailed.

    ``mapping`` ({header: key}) switches from the ONLYOFFICE layout to a plain CSV layout.
    """
    if duplicates not in ("skip", "update", "clone"):
        raise CrmDataError(f"'{duplicates}' is not a duplicate rule; use skip, update or clone.")
    path = Path(source)
    say = progress or (lambda _msg: None)
    dialect = dialect or Dialect()
    try:
        share = ShareType(int(share_type))
    except ValueError:
        raise CrmDataError(f"{share_type} is not a share type (0, 1 or 2).") from None
    user = store.user
    with store.db.memory_cap(IMPORT_MEMORY_GIB), store.db.transaction() as tx:
        try:
            say("reading")
            staged = stage(tx, path, dialect)
            report = ImportReport(str(path), staged.encoding, staged.records)
            if staged.records == 0:
                raise CrmDataError(f"{path} has a header but no contact rows.")
            maps = (explicit_mapping(staged.headers, mapping) if mapping is not None
                    else onlyoffice_mapping(staged.headers))
            manager_ids = _user_ids(tx, managers)
            say("checking")
            problems = _stage_and_check(tx, maps, list(tags), custom_field_types or {}, date_format)
            problems = staged.rejected + problems
            if problems:
                problems = _with_physical_lines(path, staged.encoding, problems, dialect)
                report.problems = problems
                if not skip_bad_rows:
                    raise ImportFailed(
                        f"{path}: {len(problems)} problems in "
                        f"{len({p.line for p in problems})} rows; nothing was imported.",
                        problems,
                        hint="fix the file, or import the good rows with --skip-bad-rows",
                    )
                report.skipped_bad_rows = len({p.line for p in problems})
            say("writing")
            _write(tx, store, report, duplicates, share, manager_ids, custom_field_types or {})
            report.journal_id = record(tx, user, "import", report.summary())
        finally:
            for table in ("imp_raw", "imp_rows", "imp_info", "imp_tags", "imp_custom",
                          "imp_extra_tags", "imp_bad", "imp_act", "imp_touched"):
                tx.execute(f"DROP TABLE IF EXISTS {table}")
    return report


def _user_ids(tx: Tx, logins: tuple[str, ...] | list[str]) -> list[int]:
    ids = []
    for login in logins:
        uid = tx.scalar("SELECT id FROM users WHERE login = ?", [login])
        if uid is None:
            raise CrmDataError(f"There is no CRM user '{login}' to make a manager.")
        ids.append(int(uid))
    return ids


def _stage_and_check(
    tx: Tx,
    maps: Mapping,
    extra_tags: list[str],
    custom_types: dict[str, tuple[CustomFieldType, object]],
    date_format: str | None,
) -> list[Problem]:
    """Build the tidy staging tables and return every row problem (line = record + 1)."""
    tx.execute("CREATE OR REPLACE TEMP TABLE imp_extra_tags (title VARCHAR)")
    tx.executemany("INSERT INTO imp_extra_tags VALUES (?)", [[t] for t in extra_tags if t.strip()])
    for sql in (q.rows_sql(maps), q.info_sql(maps), q.tags_sql(maps), q.custom_sql(maps)):
        tx.execute(sql)
    found: list[tuple[Any, ...]] = []
    for sql, params in q.row_problem_sqls():
        found.extend(tx.rows(sql, params))
    found.extend(_custom_value_problems(tx, custom_types, date_format))
    tx.execute("CREATE OR REPLACE TEMP TABLE imp_bad (rec BIGINT)")
    tx.executemany("INSERT INTO imp_bad VALUES (?)", sorted({(int(r[0]),) for r in found}))
    return sorted(
        (Problem(str(msg), line=int(rec) + 1, field=None if fld is None else str(fld),
                 value=None if val is None else str(val))
         for rec, fld, msg, val in found),
        key=lambda p: (p.line or 0, p.field or ""),
    )


def _custom_value_problems(
    tx: Tx, custom_types: dict[str, tuple[CustomFieldType, object]], date_format: str | None
) -> list[tuple[Any, ...]]:
    """Check values against their field's type; normalise dates to ISO and checkboxes."""
    defs = w.custom_definitions(tx, custom_types)
    formats = [date_format, "%Y-%m-%d"] if date_format else list(DATE_FORMATS)
    tx.execute("ALTER TABLE imp_custom ADD COLUMN field_type SMALLINT")
    tx.execute("ALTER TABLE imp_custom ADD COLUMN options VARCHAR[]")
    for label, (ftype, mask) in defs.items():
        options = json.loads(mask) if ftype == CustomFieldType.SELECT and mask else None
        tx.execute(
            "UPDATE imp_custom SET field_type = ?, options = ? WHERE lower(label) = lower(?)",
            [int(ftype), options, label],
        )
    found: list[tuple[Any, ...]] = []
    found += tx.rows(
        "SELECT rec, label, 'is not a date (expected ' || ? || ')', value FROM imp_custom "
        "WHERE field_type = ? AND try_strptime(value, ?) IS NULL",
        [" or ".join(f.replace("%d", "dd").replace("%m", "mm").replace("%Y", "yyyy")
                     for f in formats), int(CustomFieldType.DATE), formats],
    )
    tx.execute(
        "UPDATE imp_custom SET value = strftime(try_strptime(value, ?), '%Y-%m-%d') "
        "WHERE field_type = ? AND try_strptime(value, ?) IS NOT NULL",
        [formats, int(CustomFieldType.DATE), formats],
    )
    found += tx.rows(
        "SELECT rec, label, 'is not a checkbox value (true/false, on/off, yes/no, 1/0)', value "
        "FROM imp_custom WHERE field_type = ? AND lower(value) NOT IN "
        "('true', 'false', 'on', 'off', 'yes', 'no', '1', '0')",
        [int(CustomFieldType.CHECKBOX)],
    )
    tx.execute(
        "UPDATE imp_custom SET value = CASE WHEN lower(value) IN ('true', 'on', 'yes', '1') "
        "THEN 'true' ELSE 'false' END WHERE field_type = ?",
        [int(CustomFieldType.CHECKBOX)],
    )
    found += tx.rows(
        "SELECT rec, label, 'is not one of the options: ' || array_to_string(options, ', '), value "
        "FROM imp_custom WHERE field_type = ? AND NOT list_contains(options, value)",
        [int(CustomFieldType.SELECT)],
    )
    found += tx.rows(
        "SELECT rec, label, 'is a heading field, which holds no value', value FROM imp_custom "
        "WHERE field_type = ?",
        [int(CustomFieldType.HEADING)],
    )
    return found


def _with_physical_lines(
    path: Path, encoding: str, problems: list[Problem], dialect: Dialect
) -> list[Problem]:
    """Turn record-based lines into the file's real line numbers (quoted newlines count)."""
    lines = physical_lines(path, encoding, dialect)
    if lines is None:
        return problems
    return [
        Problem(p.message, line=lines.get((p.line or 1) - 1, p.line), field=p.field,
                contact_id=p.contact_id, value=p.value)
        for p in problems
    ]


def _write(
    tx: Tx,
    store: Store,
    report: ImportReport,
    rule: DuplicateRule,
    share: ShareType,
    manager_ids: list[int],
    custom_types: dict[str, tuple[CustomFieldType, object]],
) -> None:
    user = store.user
    vis_sql, vis_params = visible_ids(user)
    # which records become new contacts, which update existing ones, which are skipped
    w.resolve_actions(tx, rule, vis_sql, vis_params, user)
    report.problems += [
        Problem(str(msg), line=int(rec) + 1, field="Id", value=str(val))
        for rec, msg, val in tx.rows("SELECT rec, message, id_text FROM imp_act WHERE message IS NOT NULL")
    ]
    bad_ids = [p for p in report.problems if p.field == "Id" and "no contact" in p.message]
    if bad_ids and not report.skipped_bad_rows:
        raise ImportFailed(
            f"{report.source}: {len(bad_ids)} rows name contacts that do not exist for you; "
            "nothing was imported.",
            bad_ids,
        )
    report.new_temperatures = w.ensure_list_items(
        tx, ListType.TEMPERATURE, "stage", IMPORTED_TEMPERATURE_COLOR)
    report.new_contact_types = w.ensure_list_items(tx, ListType.CONTACT_TYPE, "ctype", None)
    report.new_tags = w.ensure_tags(tx)
    report.new_custom_fields = w.ensure_custom_fields(tx, custom_types)
    counts = w.write_contacts(tx, user, share, vis_sql, vis_params)
    report.imported, report.updated, report.new_companies = counts
    report.skipped_duplicates = [
        (int(rec) + 1, int(cid)) for rec, cid in tx.rows(
            "SELECT rec, target FROM imp_act WHERE action = 'skip' ORDER BY rec")
    ]
    w.write_details(tx, user, manager_ids)
    # the new rows are keyed already; this catches up rows an older version left without keys,
    # then moves the mark up to which the write-back check may trust the stored keys
    fill_stored_keys(tx)
    contacts_changed(tx, "SELECT contact_id FROM imp_touched")
    ids = dict(tx.rows("SELECT rec, contact_id FROM imp_act WHERE contact_id IS NOT NULL"))
    report.contact_ids = [
        int(ids[r]) if r in ids else None for r in range(1, report.records + 1)
    ]
    report.problems.sort(key=lambda p: (p.line or 0, p.field or ""))
