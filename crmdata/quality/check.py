"""``check(db, user)``: every data-quality finding of the contacts a user may view, as one frame.

Set-based: each rule is one SQL query over the store (pure builders in
:mod:`crmdata.quality.check_sql`, run through one
read of :class:`~crmdata.db.Database`). Where only a validation library can judge a value
(email syntax, phone numbers, URLs, custom values), SQL first lets through the values that a
conservative pattern proves fine, and the library looks at each remaining *distinct* value
once; its verdicts are joined back to the rows. The validators are those of the editing code
(:mod:`crmdata.edit.validate`), so a value the check accepts is one an edit would accept.

A finding is one row: contact, field, the info row (when it is about one), rule, severity,
message, the value found, a suggested fix in words and, for fixable rules, the value the
cleanup would write (``fix_value``).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..access import User, edit_predicate
from ..db import Tx
from ..edit import validate
from ..errors import Problem
from ..model import DEFAULT_PHONE_REGION, INFO_TYPE_LABELS, CustomFieldType, InfoType
from . import phones
from . import text as qt
from .check_sql import (
    SqlParams,
    company_empty_sql,
    company_missing_sql,
    custom_pairs_sql,
    custom_rows_sql,
    email_candidates_sql,
    email_rows_sql,
    import_kept_sql,
    info_duplicate_sql,
    name_case_sql,
    primaries_sql,
    stale_sql,
    unreachable_sql,
    url_candidates_sql,
    whitespace_sql,
)
from .rules import RULES_BY_NAME, SEVERITIES, Rule, select

if TYPE_CHECKING:
    from ..db import Database

#: Columns of the findings frame, in order.
COLUMNS = ["contact_id", "name", "kind", "field", "info_id", "rule", "severity", "message", "value",
           "suggestion", "fix_value", "fixable", "editable", "version"]
#: Columns each rule's query returns (the rest is added once at the end).
_RULE_COLUMNS = ["contact_id", "field", "info_id", "value", "message", "fix_value"]

#: Default number of days without update and activity after which a contact is stale.
DEFAULT_STALE_DAYS = 365
#: Phone region for contacts whose address names no recognised country.


@dataclass(frozen=True)
class CheckOptions:
    """What the check needs besides the store: the stale period and the default phone region."""

    stale_days: int = DEFAULT_STALE_DAYS
    as_of: dt.date | None = None  # "today" for staleness; None: the current date
    default_region: str = DEFAULT_PHONE_REGION
    rules: tuple[Rule, ...] = field(default_factory=lambda: select())
    workers: int = 1  # processes for the phone library calls on large bases

    @property
    def cutoff(self) -> dt.date:
        today = self.as_of or dt.date.today()
        return today - dt.timedelta(days=int(self.stale_days))


def rows_of(frame: pd.DataFrame) -> Iterable[Any]:
    """A frame's rows as named tuples (typed loosely: pandas-stubs types each cell as a union)."""
    return frame.itertuples()


def _frame(rows: Iterable[tuple[Any, ...]] | pd.DataFrame) -> pd.DataFrame:
    if isinstance(rows, pd.DataFrame):
        return rows.reindex(columns=_RULE_COLUMNS)
    return pd.DataFrame(list(rows), columns=_RULE_COLUMNS)


def _emails(tx: Tx, user: User, opts: CheckOptions, wanted: set[str]) -> dict[str, pd.DataFrame]:
    bad = {}
    for (data,) in tx.rows(*email_candidates_sql(user)):
        _key, problem = validate.normalise_email(str(data))
        if problem:
            bad[data] = problem
    tx.register("q_bad", pd.DataFrame({"data": list(bad), "message": list(bad.values())},
                                      dtype=object))
    try:
        rows = tx.df(*email_rows_sql(user))
    finally:
        tx.unregister("q_bad")
    invalid = rows[rows["bad"].notna()]
    fmt = rows[rows["bad"].isna()]
    out = {}
    if "email_invalid" in wanted:
        out["email_invalid"] = _frame([(r.contact_id, "email", r.info_id, r.data, r.bad, None)
                                       for r in rows_of(invalid)])
    if "email_format" in wanted:
        out["email_format"] = _frame([
            (r.contact_id, "email", r.info_id, r.data, "email has capitals or surrounding spaces",
             r.data.strip().lower()) for r in rows_of(fmt)])
    return out


def _urls(tx: Tx, user: User) -> pd.DataFrame:
    rows = tx.df(*url_candidates_sql(user))
    verdicts = {d: validate.check_url(str(d)) for d in rows["data"].unique()}
    return _frame([(r.contact_id, r.field, r.info_id, r.data, verdicts[r.data], None)
                   for r in rows_of(rows) if verdicts[r.data]])


def _custom(tx: Tx, user: User) -> pd.DataFrame:
    bad: dict[tuple[int, str], str] = {}
    for field_id, field_type, mask, value in tx.rows(*custom_pairs_sql(user)):
        stored, msgs = validate.normalise_custom(CustomFieldType(int(field_type)), mask, value)
        if msgs or stored != value:
            bad[(int(field_id), str(value))] = "; ".join(msgs) if msgs else \
                f"'{value}' is not stored as '{stored}'"
    tx.register("q_custom_bad", pd.DataFrame(
        {"field_id": pd.Series([k[0] for k in bad], dtype="int64"),
         "value": pd.Series([k[1] for k in bad], dtype=object),
         "message": pd.Series(list(bad.values()), dtype=object)}))
    try:
        return _frame(tx.df(*custom_rows_sql(user)))
    finally:
        tx.unregister("q_custom_bad")


def _names(tx: Tx, user: User) -> pd.DataFrame:
    rows = tx.df(*name_case_sql(user))
    fixes = {}
    for col, value in rows[["field", "value"]].drop_duplicates().itertuples(index=False, name=None):
        fixes[(col, value)] = qt.recase_name(value, company=col == "company_name",
                                             last_name=col == "last_name")
    rows["fix_value"] = [fixes[(c, val)] for c, val in zip(rows["field"], rows["value"], strict=True)]
    return _frame(rows[rows["fix_value"] != rows["value"]])


def _primaries(tx: Tx, user: User, wanted: set[str]) -> dict[str, pd.DataFrame]:
    several, none = [], []
    for cid, info_type, n, n_primary, keep_id in tx.rows(*primaries_sql(user)):
        label = INFO_TYPE_LABELS[InfoType(info_type)].lower()
        name = InfoType(info_type).name.lower()
        if n_primary > 1:
            several.append((cid, name, keep_id, None,
                            f"{n_primary} of {n} {label} values are primary", str(keep_id)))
        else:
            none.append((cid, name, keep_id, None, f"none of {n} {label} values is primary",
                         str(keep_id)))
    out = {}
    if "primary_several" in wanted:
        out["primary_several"] = _frame(several)
    if "primary_none" in wanted:
        out["primary_none"] = _frame(none)
    return out


# -- the check -------------------------------------------------------------------------------
def _no_progress(items: Iterable[Any], total: int) -> Iterable[Any]:
    return items


def run_rules(tx: Tx, user: User, opts: CheckOptions,
              progress: Callable[[Iterable[Any], int], Iterable[Any]] = _no_progress,
              step: Callable[[str], None] | None = None) -> dict[str, pd.DataFrame]:
    """Each chosen rule's findings (columns :data:`_RULE_COLUMNS`), keyed by rule name."""
    wanted = {r.name for r in opts.rules}
    plain_sql: dict[str, Callable[[], SqlParams]] = {
        "whitespace": lambda: whitespace_sql(user),
        "company_missing": lambda: company_missing_sql(user),
        "company_empty": lambda: company_empty_sql(user),
        "stale": lambda: stale_sql(user, opts.cutoff),
        "unreachable": lambda: unreachable_sql(user),
        "info_duplicate": lambda: info_duplicate_sql(user),
        "import_kept": lambda: import_kept_sql(user),
    }
    groups: list[tuple[set[str], Callable[[], dict[str, pd.DataFrame]]]] = [
        ({"email_invalid", "email_format"}, lambda: _emails(tx, user, opts, wanted)),
        ({"url_invalid"}, lambda: {"url_invalid": _urls(tx, user)}),
        ({"name_case"}, lambda: {"name_case": _names(tx, user)}),
        ({"primary_several", "primary_none"}, lambda: _primaries(tx, user, wanted)),
        ({"custom_invalid"}, lambda: {"custom_invalid": _custom(tx, user)}),
    ]
    def plain(name: str, build: Callable[[], SqlParams]) -> Callable[[], dict[str, pd.DataFrame]]:
        return lambda: {name: _frame(tx.df(*build()))}

    for name, build in plain_sql.items():
        groups.append(({name}, plain(name, build)))
    out: dict[str, pd.DataFrame] = {}
    phone_rules = {"phone_invalid", "phone_format"} & wanted
    if phone_rules:  # the library job first: its workers parse while the SQL rules run
        if step is not None:
            step(", ".join(sorted(phone_rules)))
        job = phones.start(tx, user, opts.default_region, opts.workers)
    try:
        for names, run in groups:
            if names & wanted:
                if step is not None:
                    step(", ".join(sorted(names & wanted)))
                out.update(run())
    except BaseException:
        if phone_rules:
            job.close()
        raise
    if phone_rules:
        out.update(phones.finish(tx, job, wanted, _frame, progress))
    return out


def _finish(tx: Tx, user: User, found: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One frame: add contact name, kind, version and edit right; sort worst first."""
    frames = []
    for name, frame in found.items():
        if frame.empty:
            continue
        r = RULES_BY_NAME[name]
        frame = frame.copy()
        frame["rule"], frame["severity"], frame["fixable"] = r.name, r.severity, r.fixable
        if name == "phone_format":  # a number only the default region reads is for review
            frame["fixable"] = frame["fix_value"].notna()
        frame["suggestion"] = [
            f"{r.fix}: '{fv}'" if r.fixable and isinstance(fv, str) and name not in
            ("primary_several", "primary_none", "info_duplicate") else r.fix
            for fv in frame["fix_value"]]
        frames.append(frame)
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
    allf = pd.concat(frames, ignore_index=True)
    allf["contact_id"] = allf["contact_id"].astype("int64")
    ids = pd.DataFrame({"id": allf["contact_id"].unique()})
    pred, params = edit_predicate(user, "c")
    tx.register("q_ids", ids)
    try:
        meta = tx.df(f"SELECT c.id AS contact_id, c.display_name AS name, "
                     f"CASE WHEN c.is_company THEN 'company' ELSE 'person' END AS kind, "
                     f"c.version, {pred} AS editable FROM contacts c JOIN q_ids ON q_ids.id = c.id",
                     params)
    finally:
        tx.unregister("q_ids")
    allf = allf.merge(meta, on="contact_id", how="left")
    allf["info_id"] = allf["info_id"].astype("Int64")
    order = {r.name: i for i, r in enumerate(RULES_BY_NAME.values())}
    allf["_s"] = allf["severity"].map({s: i for i, s in enumerate(SEVERITIES)})
    allf["_r"] = allf["rule"].map(order)
    allf = allf.sort_values(["_s", "_r", "contact_id", "field", "info_id"], kind="stable")
    return allf[COLUMNS].reset_index(drop=True)


def check(db: Database, user: User, rules: str | Iterable[str] | None = None, *,
          stale_days: int = DEFAULT_STALE_DAYS, as_of: dt.date | None = None,
          default_region: str = DEFAULT_PHONE_REGION, progress: bool = False,
          workers: int | None = None) -> pd.DataFrame:
    """Every finding of the chosen rules (None: all) on the contacts ``user`` may view.

    One row per finding, columns :data:`COLUMNS`; worst severity first. ``stale_days`` and
    ``as_of`` set the stale period; ``default_region`` reads phones of contacts whose address
    names no known country. With ``progress`` a bar on standard error follows the rules.
    ``workers`` processes share the phone library calls of large bases while the SQL rules
    run (default: one per core, at most 4; 1 parses in this process, see docs/benchmarks.md).
    """
    import phonenumbers

    region = default_region.strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        from ..errors import CrmDataError

        raise CrmDataError(f"'{default_region}' is not a phone region; use a code such as DE, GB or US.")
    if int(stale_days) < 1:
        from ..errors import CrmDataError

        raise CrmDataError(f"The stale period must be at least 1 day, not {stale_days}.")
    if workers is None:  # one per core, up to 4 (docs/benchmarks.md, "Data-quality check")
        workers = max(1, min(4, os.cpu_count() or 1))
    opts = CheckOptions(int(stale_days), as_of, region, select(rules), max(1, int(workers)))
    bar_fn, step = _progress(progress, len(opts.rules))
    with db.read() as tx:
        found = run_rules(tx, user, opts, bar_fn, step)
        result = _finish(tx, user, found)
    if step is not None:
        step(None)
    return result


def _progress(enabled: bool, total: int) -> tuple[Callable[[Iterable[Any], int], Iterable[Any]],
                                                    Callable[[str | None], None] | None]:
    """A per-value bar for long library loops and a bar over the rule groups (tqdm, stderr)."""
    if not enabled:
        return _no_progress, None
    from tqdm import tqdm

    outer = tqdm(total=total, desc="checking", unit="rule", leave=False)

    def values(items: Iterable[Any], n: int) -> Iterable[Any]:
        return tqdm(items, total=n, desc="phone numbers", leave=False, mininterval=0.5)

    def step(label: str | None) -> None:
        if label is None:
            outer.update(outer.total - outer.n)
            outer.close()
            return
        outer.set_postfix_str(label)
        outer.update(min(len(label.split(", ")), outer.total - outer.n))

    return values, step


def kept_values(db: Database, user: User, contact_id: int) -> list[Problem]:
    """The values of one contact an import kept as written though they failed validation
    (rule ``import_kept``), as problems keyed like the editor's fields (``email``,
    ``custom field <label>``), so it can show each as needing a fix."""
    with db.read() as tx:
        rows = tx.rows(*import_kept_sql(user, int(contact_id)))
    return [
        Problem(f"needs a fix: '{value}' {message}", contact_id=int(cid),
                field="email" if field == "Email" else f"custom field {field}", value=str(value))
        for cid, field, _info_id, value, message, _fix in rows
    ]
