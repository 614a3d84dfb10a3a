"""The sample on disk: three CSV files, and loading them into a store in one transaction.

``sample_contacts.csv`` is an ONLYOFFICE contacts export (written by the lead's
:func:`crmdata.csvio.exporter.write_frame`: UTF-8, header unquoted, every value quoted,
``\\n`` line ends). ``sample_deals.csv`` and ``sample_history.csv`` refer to contacts by
their 1-based data-row number in that file (participants as ``;``-separated rows), because
contact ids exist only once a store has imported the file. ``sample_dates.csv`` says when each
row's contact was created and last updated (an export has no such columns; without the file
every contact would look created and updated at load time). ``sample_truth.csv`` (optional)
says which rows are the same entity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..activity import add_deals, add_history
from ..csvio.exporter import write_frame
from ..csvio.importer import import_onlyoffice
from ..errors import CrmDataError
from .generate import CUSTOM_FIELDS, Sample

if TYPE_CHECKING:
    from ..access import User
    from ..csvio.importer import ImportReport
    from ..db import Database

CONTACTS_FILE = "sample_contacts.csv"
DEALS_FILE = "sample_deals.csv"
HISTORY_FILE = "sample_history.csv"
TRUTH_FILE = "sample_truth.csv"
DATES_FILE = "sample_dates.csv"
_STAMP = "%Y-%m-%d %H:%M:%S"


def write_sample(sample: Sample, directory: str | Path, *, truth: bool = False) -> list[Path]:
    """Write the sample's CSV files into ``directory`` (created if needed); returns their paths."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / CONTACTS_FILE, folder / DEALS_FILE, folder / HISTORY_FILE]
    write_frame(sample.contacts, written[0])
    deals = sample.deals.assign(
        bid_value=sample.deals["bid_value"].map(lambda v: f"{v:.2f}"),
        created_at=sample.deals["created_at"].dt.strftime(_STAMP),
        participant_rows=sample.deals["participant_rows"].map(lambda rows: ";".join(map(str, rows))),
    )
    deals.to_csv(written[1], index=False, lineterminator="\n")
    history = sample.history.assign(event_at=sample.history["event_at"].dt.strftime(_STAMP))
    history.to_csv(written[2], index=False, lineterminator="\n")
    written.append(folder / DATES_FILE)
    sample.dates.assign(
        created_at=sample.dates["created_at"].dt.strftime(_STAMP),
        updated_at=sample.dates["updated_at"].dt.strftime(_STAMP),
    ).to_csv(written[-1], index=False, lineterminator="\n")
    if truth:
        written.append(folder / TRUTH_FILE)
        sample.truth.to_csv(written[-1], index=False, lineterminator="\n")
    return written


def check_folder(directory: str | Path) -> Path:
    """The folder, if it holds the three sample files; otherwise an error naming the first missing one."""
    folder = Path(directory)
    for name in (CONTACTS_FILE, DEALS_FILE, HISTORY_FILE):
        if not (folder / name).is_file():
            raise CrmDataError(f"There is no {name} in {folder}.",
                               hint="run `crmdata sample generate --out DIR` first")
    return folder


def read_activity(directory: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The deals and history files of a sample folder, keyed by contact row as written."""
    folder = Path(directory)
    frames = []
    for name, columns in ((DEALS_FILE, ("row", "title", "stage", "bid_value", "bid_currency",
                                        "created_at", "participant_rows")),
                          (HISTORY_FILE, ("row", "category", "content", "event_at"))):
        path = check_folder(folder) / name
        frame = pd.read_csv(path, sep=",", quotechar='"', encoding="utf-8", dtype=str,
                            keep_default_na=False)
        if tuple(frame.columns) != columns:
            raise CrmDataError(f"{path} has the columns {', '.join(frame.columns)}; "
                               f"expected {', '.join(columns)}.")
        bad = frame.index[~frame["row"].str.fullmatch(r"[1-9][0-9]*")].tolist()
        if bad:
            value = frame["row"].iloc[bad[0]]
            raise CrmDataError(f"{path}, line {bad[0] + 2}: '{value}' is not a row number.")
        frame["row"] = frame["row"].astype("int64")
        frames.append(frame)
    deals, history = frames
    deals["participant_rows"] = deals["participant_rows"].map(
        lambda text: [int(p) for p in text.split(";") if p.strip()])
    return deals, history


@dataclass
class LoadReport:
    """What :func:`load_sample` put into the store."""

    contacts: ImportReport
    deal_ids: list[int] = field(default_factory=list)
    history_ids: list[int] = field(default_factory=list)
    skipped_deals: int = 0
    skipped_events: int = 0

    def summary(self) -> str:
        text = (f"{self.contacts.imported} contacts, {len(self.deal_ids)} deals and "
                f"{len(self.history_ids)} history events loaded.")
        if self.skipped_deals or self.skipped_events:
            text += (f" Left out because their contact row was not imported: "
                     f"{self.skipped_deals} deals, {self.skipped_events} events.")
        return text


def read_dates(directory: str | Path) -> pd.DataFrame | None:
    """The dates file of a sample folder (row, created_at, updated_at), or None without one."""
    path = Path(directory) / DATES_FILE
    if not path.is_file():
        return None
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    if tuple(frame.columns) != ("row", "created_at", "updated_at"):
        raise CrmDataError(f"{path} has the columns {', '.join(frame.columns)}; "
                           "expected row, created_at, updated_at.")
    out = pd.DataFrame({"row": pd.to_numeric(frame["row"], errors="coerce")})
    for name in ("created_at", "updated_at"):
        out[name] = pd.to_datetime(frame[name], format=_STAMP, errors="coerce")
    bad = out.index[out.isna().any(axis=1)].tolist()
    if bad:
        raise CrmDataError(f"{path}, line {bad[0] + 2}: '{', '.join(frame.iloc[bad[0]])}' is not a row "
                           f"number and two dates written as YYYY-MM-DD HH:MM:SS.")
    late = out.index[out["updated_at"] < out["created_at"]].tolist()
    if late:
        raise CrmDataError(f"{path}, line {late[0] + 2}: the contact is updated before it was created.")
    return out.astype({"row": "int64"})


def load_sample(db: Database, user: User, directory: str | Path = "data") -> LoadReport:
    """Import a sample folder into the store ``db`` as ``user``: contacts, then deals and
    history, all or nothing.

    Duplicates inside the file are kept (rule ``clone``): they are what the sample is for.
    With a dates file, the contacts keep the sample's creation and update times.
    """
    folder = check_folder(directory)
    contacts_path = folder / CONTACTS_FILE
    deals, history = read_activity(folder)
    dates = read_dates(folder)
    with db.transaction():  # the import and both writers join this one transaction
        report = import_onlyoffice(db, user, contacts_path, custom_field_types=dict(CUSTOM_FIELDS),
                                   duplicates="clone")
        ids = report.contact_ids
        out = LoadReport(report)
        deal_frame, out.skipped_deals = _deals_by_id(deals, ids)
        history_frame, out.skipped_events = _history_by_id(history, ids)
        out.deal_ids = add_deals(db, user, deal_frame)
        out.history_ids = add_history(db, user, history_frame)
        if dates is not None:
            _set_dates(db, dates, ids)
    return out


def _set_dates(db: Database, dates: pd.DataFrame, ids: list[int | None]) -> None:
    """Give the imported contacts the sample's creation and update times (a load, not an edit:
    nothing is journalled, as the import itself is one entry)."""
    contact = _contact_of(dates["row"], ids)
    keep = contact.notna()
    frame = pd.DataFrame({"id": contact[keep].astype("int64"),
                          "created_at": dates["created_at"][keep],
                          "updated_at": dates["updated_at"][keep]})
    with db.transaction() as tx:
        tx.register("sample_dates", frame)
        try:
            tx.execute("UPDATE contacts SET created_at = d.created_at, updated_at = d.updated_at "
                       "FROM sample_dates d WHERE contacts.id = d.id")
        finally:
            tx.unregister("sample_dates")


def _contact_of(rows: pd.Series, ids: list[int | None]) -> pd.Series:
    """The contact id of each 1-based row (NA for rows past the end or not imported)."""
    lookup = pd.array([None, *ids], dtype="Int64")  # position 0 unused: rows count from 1
    inside = rows.between(1, len(ids))
    out = pd.Series(pd.array([None] * len(rows), dtype="Int64"), index=rows.index)
    out[inside] = lookup[rows[inside].to_numpy()]
    return out


def _deals_by_id(deals: pd.DataFrame, ids: list[int | None]) -> tuple[pd.DataFrame, int]:
    main = _contact_of(deals["row"], ids)
    keep = main.notna()

    def participants(rows: list[int]) -> list[int]:
        found = (ids[r - 1] if 1 <= r <= len(ids) else None for r in rows)
        return [int(cid) for cid in found if cid is not None]

    frame = pd.DataFrame({
        "contact_id": main[keep],
        "title": deals["title"][keep],
        "stage": deals["stage"][keep],
        "bid_value": deals["bid_value"][keep],
        "bid_currency": deals["bid_currency"][keep],
        "created_at": deals["created_at"][keep],
        "participant_ids": deals["participant_rows"][keep].map(participants),
    })
    return frame, int((~keep).sum())


def _history_by_id(history: pd.DataFrame, ids: list[int | None]) -> tuple[pd.DataFrame, int]:
    contact = _contact_of(history["row"], ids)
    keep = contact.notna()
    frame = pd.DataFrame({
        "contact_id": contact[keep],
        "category": history["category"][keep],
        "content": history["content"][keep],
        "event_at": history["event_at"][keep],
    })
    return frame, int((~keep).sum())
