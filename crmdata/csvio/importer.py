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
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from email_validator import EmailNotValidError, validate_email

from ..db import Tx
from ..derived import contacts_changed
from ..errors import CrmDataError, ImportFailed, Problem
from ..journal import RowImages, record
from ..matchkeys import fill_stored_keys
from ..model import IMPORTED_TEMPERATURE_COLOR, CustomFieldType, ListType, ShareType
from ..queries import visible_ids
from ..sizes import parse_memory
from . import import_sql, import_write
from .layout import FIELD_TYPE_NAMES, Mapping, explicit_mapping, onlyoffice_mapping, split_field_types
from .reader import Dialect, Staged, physical_lines, stage

if TYPE_CHECKING:
    from ..access import User
    from ..db import Database

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
    notes: list[str] = field(default_factory=list)  # how the file was read (encoding, separator)
    kept_values: list[Problem] = field(default_factory=list)  # --keep-bad-values: stored, flagged
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
        if self.kept_values:
            parts.append(f"{len(self.kept_values)} invalid values kept as written and flagged "
                         "(crmdata check --rules import_kept)")
        text = f"{self.source}: " + ", ".join(parts) + f" ({self.records} rows read)."
        if self.new_custom_fields:
            text += " Custom fields created for columns the store did not know: " + ", ".join(
                self.new_custom_fields) + "."
        if self.notes:
            text += " File " + "; ".join(self.notes) + "."
        return text


#: DuckDB's memory during an import, in GiB: uncapped it takes far more at the same speed
#: (docs/benchmarks.md, "Import").
IMPORT_MEMORY_GIB = 3.0


def import_onlyoffice(
    db: Database,
    user: User,
    source: str | Path,
    *,
    duplicates: DuplicateRule = "skip",
    skip_bad_rows: bool = False,
    keep_bad_values: bool = False,
    mapping: dict[str, str] | None = None,
    dialect: Dialect | None = None,
    share_type: ShareType | int = ShareType.READ_WRITE,
    managers: tuple[str, ...] | list[str] = (),
    tags: tuple[str, ...] | list[str] = (),
    custom_field_types: dict[str, tuple[CustomFieldType, object]] | None = None,
    date_format: str | None = None,
    progress: Progress | None = None,
    memory_limit: str | float | None = None,
) -> ImportReport:
    """Import one CSV file into ``store`` as its user; returns the report or raises ImportFailed.

    ``mapping`` ({header: key}) switches from the ONLYOFFICE layout to a plain CSV layout.
    ``keep_bad_values``: a value that fails validation (an email address, a custom value) does
    not cost its row: it is stored as written and flagged in ``import_flags`` with its line, for
    the quality check (rule ``import_kept``) and the editor. Rows that are not contacts at all
    (ragged, neither person nor company) still need ``skip_bad_rows``.
    A custom-field key in ``mapping`` may carry a type (``customField_Birthday:date``, see
    :func:`.layout.split_field_types`), which defines the field with that type if the store
    lacks it and is refused if the store has it with another type.
    ``memory_limit`` (``"6GB"``): DuckDB's memory for the import, :data:`IMPORT_MEMORY_GIB` when
    None. The whole file is one transaction, whose commit holds the new rows' indexes in
    memory, so a file of millions of contacts may need more.
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
    typed: dict[str, tuple[CustomFieldType, object]] = {}
    if mapping is not None:
        mapping, typed = split_field_types(mapping)
        custom_field_types = {**(custom_field_types or {}), **typed}
    cap = IMPORT_MEMORY_GIB if memory_limit is None else parse_memory(memory_limit)
    advice = ("Nothing was imported. Give the import more memory (--memory-limit, e.g. "
              f"{math.ceil(2 * cap)}GB; memory_limit= in Python) or split the file.")
    with db.memory_cap(cap, advice), db.transaction() as tx:
        say("reading")
        staged = stage(tx, path, dialect)
        report = ImportReport(str(path), staged.encoding.name, staged.records,
                              notes=[staged.encoding.note(), staged.delimiter.note()])
        if staged.records == 0:
            raise CrmDataError(f"{path} has a header but no contact rows.")
        maps = (explicit_mapping(staged.headers, mapping) if mapping is not None
                else onlyoffice_mapping(staged.headers))
        _check_field_types(tx, typed)
        manager_ids = _user_ids(tx, managers)
        say("checking")
        problems, kept = _stage_and_check(tx, maps, list(tags), custom_field_types or {},
                                          date_format, keep_bad_values)
        problems = staged.rejected + problems
        if problems:
            problems = _with_physical_lines(path, staged.encoding.name, problems, staged.dialect)
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
        images = _write(tx, user, report, duplicates, share, manager_ids, custom_field_types or {})
        report.journal_id = record(tx, user, "import", report.summary(), images=images)
        if kept:
            report.kept_values = _flag_kept(tx, path, staged, kept, report.journal_id)
        # on failure the transaction rolls back, the staging tables with it
        for table in ("imp_raw", "imp_rows", "imp_info", "imp_tags", "imp_custom",
                      "imp_extra_tags", "imp_bad", "imp_act", "imp_touched", "imp_created",
                      "imp_company", *(f"imp_before_{t}" for t in import_write.JOURNALLED)):
            tx.execute(f"DROP TABLE IF EXISTS {table}")
    return report


def _check_field_types(tx: Tx, typed: dict[str, tuple[CustomFieldType, object]]) -> None:
    """Refuse a typed mapping whose custom field already exists with another type."""
    names = {t: n for n, t in FIELD_TYPE_NAMES.items()}
    for wanted_label, (wanted, _mask) in typed.items():
        row = tx.one("SELECT label, field_type FROM custom_fields WHERE lower(label) = lower(?)",
                             [wanted_label])
        if row is None or CustomFieldType(int(row[1])) == CustomFieldType(int(wanted)):
            continue
        label, have = str(row[0]), CustomFieldType(int(row[1]))
        have_name = names.get(have, have.name.lower())
        raise CrmDataError(
            f"The custom field '{label}' already exists as a {have_name} field; the mapping asks "
            f"for a {names[CustomFieldType(int(wanted))]} field.",
            hint=f"map the column to customField_{label}:{have_name} or to a new label")


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
    keep_values: bool = False,
) -> tuple[list[Problem], list[tuple[Any, ...]]]:
    """Build the tidy staging tables; return every row problem (line = record + 1) and, when
    values are kept, the (rec, field, message, value) of each value kept as written."""
    tx.execute("CREATE OR REPLACE TEMP TABLE imp_extra_tags (title VARCHAR)")
    tx.executemany("INSERT INTO imp_extra_tags VALUES (?)", [[t] for t in extra_tags if t.strip()])
    for sql in (import_sql.rows_sql(maps), import_sql.info_sql(maps), import_sql.tags_sql(maps),
                import_sql.custom_sql(maps)):
        tx.execute(sql)
    found: list[tuple[Any, ...]] = []
    for sql, params in import_sql.row_problem_sqls():
        found.extend(tx.rows(sql, params))
    found = [r for r in found if not (r[1] == "Email" and _valid_international_email(str(r[3])))]
    values = [r for r in found if r[1] == "Email"]
    found = [r for r in found if r[1] != "Email"]
    custom = _custom_value_problems(tx, custom_types, date_format)
    values += [r for r in custom if "heading" not in str(r[2])]
    found += [r for r in custom if "heading" in str(r[2])]
    kept: list[tuple[Any, ...]] = []
    if keep_values:
        kept = values
    else:
        found += values
    tx.execute("CREATE OR REPLACE TEMP TABLE imp_bad (rec BIGINT)")
    tx.executemany("INSERT INTO imp_bad VALUES (?)", sorted({(int(r[0]),) for r in found}))
    return sorted(
        (Problem(str(msg), line=int(rec) + 1, field=None if fld is None else str(fld),
                 value=None if val is None else str(val))
         for rec, fld, msg, val in found),
        key=lambda p: (p.line or 0, p.field or ""),
    ), kept


def _flag_kept(tx: Tx, path: Path, staged: Staged, kept: list[tuple[Any, ...]],
               journal_id: int | None) -> list[Problem]:
    """Record every kept value of a written row in ``import_flags``; returns them as problems."""
    contact_of = dict(tx.rows("SELECT rec, contact_id FROM imp_act "
                              "WHERE action IN ('insert', 'update') AND contact_id IS NOT NULL"))
    lines = physical_lines(path, staged.encoding.name, staged.dialect)
    flags = []
    for rec, fld, msg, val in sorted(kept, key=lambda r: (int(r[0]), str(r[1]))):
        cid = contact_of.get(rec)
        if cid is None:  # a duplicate left out, or a bad row skipped
            continue
        line = lines.get(int(rec), int(rec) + 1) if lines else int(rec) + 1
        flags.append(Problem(f"kept as written: {msg}", line=line, field=str(fld), contact_id=int(cid),
                             value=str(val)))
    tx.executemany(
        "INSERT INTO import_flags VALUES (?, ?, ?, ?, ?, ?, ?)",
        [[p.contact_id, p.field, p.value, p.message.removeprefix("kept as written: "), str(path),
          p.line, journal_id] for p in flags],
    )
    return flags


def _valid_international_email(address: str) -> bool:
    """An address ONLYOFFICE's ASCII rule refuses but email-validator accepts (RFC 6531,
    e.g. ``rené.eberth@yahoo.de``, or an internationalised domain), checked without network."""
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def _custom_value_problems(
    tx: Tx, custom_types: dict[str, tuple[CustomFieldType, object]], date_format: str | None
) -> list[tuple[Any, ...]]:
    """Check values against their field's type; normalise dates to ISO and checkboxes."""
    defs = import_write.custom_definitions(tx, custom_types)
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
        "SELECT rec, label, '''' || value || ''' is not a date (expected ' || ? || ')', value "
        "FROM imp_custom "
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
        "THEN 'true' ELSE 'false' END WHERE field_type = ? AND lower(value) IN "
        "('true', 'false', 'on', 'off', 'yes', 'no', '1', '0')",
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
    user: User,
    report: ImportReport,
    rule: DuplicateRule,
    share: ShareType,
    manager_ids: list[int],
    custom_types: dict[str, tuple[CustomFieldType, object]],
) -> list[RowImages]:
    """Write the rows; returns the journal's row images of what was created and changed."""
    vis_sql, vis_params = visible_ids(user)
    # which records become new contacts, which update existing ones, which are skipped
    import_write.resolve_actions(tx, rule, vis_sql, vis_params, user)
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
    pool_max = import_write.snapshot_before(tx)
    report.new_temperatures = import_write.ensure_list_items(
        tx, ListType.TEMPERATURE, "stage", IMPORTED_TEMPERATURE_COLOR)
    report.new_contact_types = import_write.ensure_list_items(tx, ListType.CONTACT_TYPE, "ctype", None)
    report.new_tags = import_write.ensure_tags(tx)
    report.new_custom_fields = import_write.ensure_custom_fields(tx, custom_types)
    counts = import_write.write_contacts(tx, user, share, vis_sql, vis_params)
    report.imported, report.updated, report.new_companies = counts
    report.skipped_duplicates = [
        (int(rec) + 1, int(cid)) for rec, cid in tx.rows(
            "SELECT rec, target FROM imp_act WHERE action = 'skip' ORDER BY rec")
    ]
    import_write.write_details(tx, user, manager_ids)
    # the new rows are keyed already; this catches up rows an older version left without keys,
    # then moves the mark up to which the write-back check may trust the stored keys
    fill_stored_keys(tx)
    contacts_changed(tx, "SELECT contact_id FROM imp_touched")
    ids = dict(tx.rows("SELECT rec, contact_id FROM imp_act WHERE contact_id IS NOT NULL"))
    report.contact_ids = [
        int(ids[r]) if r in ids else None for r in range(1, report.records + 1)
    ]
    report.problems.sort(key=lambda p: (p.line or 0, p.field or ""))
    return import_write.row_images(pool_max)
