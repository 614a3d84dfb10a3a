"""The entry object: a contact store opened as a user.

``Store`` reads contacts as pandas DataFrames, always through the access rules of the user
it was opened as. Feature modules (import and export, search, editing, photos, duplicates)
hang their verbs on it, so a notebook needs one object.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from . import derived, queries, users
from .access import User, can_edit, can_view, require_admin
from .db import Database, Tx
from .errors import CrmDataError, NotFound, Problem
from .model import DEFAULT_PHONE_REGION, CustomFieldType, ListType, ShareType
from .schema import DEFAULT_ADMIN
from .search.api import DEFAULT_PAGE_SIZE, TIME_BUDGET, Engine

if TYPE_CHECKING:
    from .csvio.importer import DuplicateRule, ImportReport
    from .csvio.reader import Dialect
    from .csvio.writer import CsvOptions
    from .dedupe.api import DuplicateReport
    from .dedupe.settings import MatchSettings
    from .edit import ChangeSet, DeleteReport, DuplicateChecker
    from .merge.apply import MergeResult
    from .merge.plan import MergePlan
    from .onlyoffice.pull import PullReport
    from .onlyoffice.push import PushReport
    from .onlyoffice.push_plan import PushPlan
    from .photos.store_ops import PhotoImage, PhotoInfo, PhotoInput
    from .photos.suggest import Suggestion
    from .quality.clean import CleanupChangeSet
    from .search.filters import Filters

#: Where the store lives unless told otherwise.
DEFAULT_PATH = Path("data") / "crm.duckdb"


@dataclass
class ContactDetail:
    """Everything about one contact, as its detail page shows it."""

    id: int
    fields: dict[str, Any]
    info: pd.DataFrame
    tags: list[str]
    custom: dict[str, str]
    managers: list[str]
    persons: pd.DataFrame
    deals: pd.DataFrame
    history: pd.DataFrame
    has_photo: bool
    can_edit: bool = field(default=False)

    @property
    def display_name(self) -> str:
        return str(self.fields["display_name"])

    @property
    def is_company(self) -> bool:
        return bool(self.fields["is_company"])


class Store:
    """A crmdata store (one DuckDB file) seen by one user.

    ``linger``: seconds to keep the file between actions while no other process waits for it
    (see :class:`~crmdata.db.Database`), for an interactive session; :meth:`close` lets it go.

    Examples:
        >>> store = Store(":memory:")
        >>> store.contacts().empty
        True
    """

    def __init__(
        self,
        path: str | Path = DEFAULT_PATH,
        *,
        user: str = DEFAULT_ADMIN,
        keep_open: bool = False,
        busy_timeout: float = 10.0,
        create: bool = True,
        linger: float = 0.0,
        _db: Database | None = None,
    ) -> None:
        self.db = _db or Database(
            path, keep_open=keep_open, busy_timeout=busy_timeout, create=create, linger=linger
        )
        self.user = self._load_user(user)

    # -- users ---------------------------------------------------------------------------
    def _load_user(self, login: str) -> User:
        with self.db.read() as tx:
            pending = tx.rows(derived.PENDING_SQL)
        if pending:  # derived data a schema migration left to fill (crmdata.schema.PENDING_FILL)
            derived.fill_pending(self.db)
        with self.db.read() as tx:
            return users.load_user(tx, login)

    def as_user(self, login: str) -> Store:
        """The same store seen by another user."""
        return Store(_db=self.db, user=login)

    def users(self) -> pd.DataFrame:
        with self.db.read() as tx:
            return tx.df("SELECT id, login, name, is_admin FROM users ORDER BY id")

    def add_user(self, login: str, name: str | None = None, *, is_admin: bool = False) -> User:
        """Create a CRM user (admins only)."""
        with self.db.transaction() as tx:
            return users.add_user(tx, self.user, login, name, is_admin=is_admin)

    def _require_admin(self, what: str) -> None:
        require_admin(self.user, what)

    # -- reads ---------------------------------------------------------------------------
    def _df(self, built: tuple[str, list[object]]) -> pd.DataFrame:
        with self.db.read() as tx:
            return tx.df(*built)

    def contacts(self, ids: Sequence[int] | None = None) -> pd.DataFrame:
        """One wide row per contact the user may view; custom fields become columns."""
        with self.db.read() as tx:
            frame = tx.df(*queries.contacts_frame(self.user, ids))
            custom = tx.df(*queries.custom_values_frame(self.user, ids))
            labels = [
                r[0] for r in tx.rows("SELECT label FROM custom_fields ORDER BY sort_order, id")
            ]
        if labels:
            wide = custom.pivot_table(
                index="contact_id", columns="label", values="value", aggfunc="first"
            ) if not custom.empty else pd.DataFrame(index=pd.Index([], name="contact_id"))
            wide = wide.reindex(columns=[lbl for lbl in dict.fromkeys(labels)])
            frame = frame.merge(wide, how="left", left_on="id", right_index=True)
        return frame.reset_index(drop=True)

    def info(self, ids: Sequence[int] | None = None) -> pd.DataFrame:
        """Contact info rows (long frame)."""
        return self._df(queries.info_frame(self.user, ids))

    def tag_links(self, ids: Sequence[int] | None = None) -> pd.DataFrame:
        """Tag links (long frame): contact id, tag id, tag."""
        return self._df(queries.tags_frame(self.user, ids))

    def custom_values(self, ids: Sequence[int] | None = None) -> pd.DataFrame:
        """Custom field values (long frame)."""
        return self._df(queries.custom_values_frame(self.user, ids))

    def temperature_levels(self) -> pd.DataFrame:
        return self._list_items(ListType.TEMPERATURE)

    def contact_types(self) -> pd.DataFrame:
        return self._list_items(ListType.CONTACT_TYPE)

    def _list_items(self, list_type: ListType) -> pd.DataFrame:
        with self.db.read() as tx:
            return tx.df(
                "SELECT id, title, color, sort_order FROM list_items "
                "WHERE list_type = ? ORDER BY sort_order, id",
                [int(list_type)],
            )

    def tags(self) -> pd.DataFrame:
        """The tag pool with how many visible contacts carry each tag."""
        return self._df(queries.counts(self.user)["tag"])

    def custom_fields(self) -> pd.DataFrame:
        with self.db.read() as tx:
            return tx.df(
                "SELECT id, label, field_type, scope, sort_order, mask FROM custom_fields "
                "ORDER BY sort_order, id"
            )

    def summary(self) -> dict[str, pd.DataFrame]:
        """Counts by kind, temperature level, contact type and tag (visible contacts only)."""
        with self.db.read() as tx:
            return {name: tx.df(*q) for name, q in queries.counts(self.user).items()}

    def count(self) -> int:
        """How many contacts the user may view."""
        sql, params = queries.visible_ids(self.user)
        with self.db.read() as tx:
            return int(tx.scalar(f"SELECT count(*) FROM ({sql})", params))

    def contact(self, contact_id: int) -> ContactDetail:
        """The detail view of one contact; NotFound when it does not exist for this user."""
        with self.db.read() as tx:
            return self._detail(tx, int(contact_id))

    def _detail(self, tx: Tx, cid: int) -> ContactDetail:
        row = tx.df("SELECT * FROM contacts WHERE id = ?", [cid])
        managers = {int(r[0]) for r in tx.rows(
            "SELECT user_id FROM contact_managers WHERE contact_id = ?", [cid])}
        if row.empty or not can_view(self.user, int(row["share_type"].iloc[0]), managers):
            raise NotFound(f"There is no contact {cid}.")
        fields: dict[str, Any] = {
            str(k): (None if pd.isna(v) else v) for k, v in row.iloc[0].to_dict().items()
        }
        for key, list_type in (("status_id", ListType.TEMPERATURE),
                               ("contact_type_id", ListType.CONTACT_TYPE)):
            title_key = "temperature" if key == "status_id" else "contact_type"
            fields[title_key] = tx.scalar(
                "SELECT title FROM list_items WHERE id = ? AND list_type = ?",
                [fields[key], int(list_type)],
            ) if fields[key] is not None else None
        # values of other contacts (the company, deals) pass the view check of that contact
        company = tx.one(*queries.company_of(self.user, fields["company_id"])) if (
            fields.get("company_id") is not None and not fields["is_company"]) else None
        fields["company_id"] = None if company is None else int(company[0])
        fields["company"] = None if company is None else company[1]
        persons_sql, pparams = queries.visible_ids(self.user)
        deals_sql, dparams = queries.deals_of(self.user, cid)
        history_sql, hparams = queries.history_of(self.user, cid)
        return ContactDetail(
            id=cid,
            fields=fields,
            info=tx.df(*queries.info_frame(self.user, [cid])),
            tags=[r[0] for r in tx.rows(
                "SELECT t.title FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id "
                "WHERE ct.contact_id = ? ORDER BY lower(t.title)", [cid])],
            custom={r[0]: r[1] for r in tx.rows(
                "SELECT f.label, v.value FROM custom_values v JOIN custom_fields f "
                "ON f.id = v.field_id WHERE v.contact_id = ? ORDER BY f.sort_order, f.id",
                [cid])},
            managers=[r[0] for r in tx.rows(
                "SELECT u.login FROM contact_managers m JOIN users u ON u.id = m.user_id "
                "WHERE m.contact_id = ? ORDER BY u.login", [cid])],
            persons=tx.df(
                f"SELECT id, display_name, title AS position FROM contacts "
                f"WHERE company_id = ? AND id IN ({persons_sql}) ORDER BY display_name",
                [cid, *pparams]),
            deals=tx.df(deals_sql, dparams),
            history=tx.df(history_sql, hparams),
            has_photo=bool(tx.scalar("SELECT count(*) FROM photos WHERE contact_id = ?", [cid])),
            can_edit=can_edit(self.user, int(fields["share_type"] or 0), managers),
        )

    # -- search (crmdata.search) ---------------------------------------------------------------
    def search(self, query: str = "", filters: Filters | None = None, *, sort: str = "relevance",
               descending: bool | None = None, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE,
               include_company_persons: bool = True, time_budget: float | None = TIME_BUDGET,
               engine: Engine = "auto", **filter_values: object) -> pd.DataFrame:
        """One page of contacts matching a search query and filters (see :mod:`crmdata.search.api`;
        a search still running after ``time_budget`` seconds stops with ``SearchTooSlow``;
        ``sort="relevance"``: best matches first; ``engine="store"``: without the full-text index).

        Filters come as a :class:`~crmdata.search.filters.Filters` and/or as its fields by name
        (``show="persons", tags=["Lead"]``). ``frame.attrs`` holds ``total``, ``page``, ``pages``
        and a plain-English ``description``.
        """
        from .search.api import search

        result = search(self.db, self.user, query, filters, sort=sort, descending=descending, page=page,
                        page_size=page_size, include_company_persons=include_company_persons,
                        time_budget=time_budget, engine=engine, **filter_values)
        frame = result.frame
        frame.attrs.update(total=result.total, page=result.page, pages=result.pages,
                           description=result.description)
        return frame

    # -- import and export (crmdata.csvio) ----------------------------------------------------
    def import_onlyoffice(
        self, source: str | Path, *, duplicates: DuplicateRule = "skip", skip_bad_rows: bool = False,
        keep_bad_values: bool = False, mapping: dict[str, str] | None = None, dialect: Dialect | None = None,
        share_type: ShareType | int = ShareType.READ_WRITE, managers: Sequence[str] = (),
        tags: Sequence[str] = (), custom_field_types: dict[str, tuple[CustomFieldType, object]] | None = None,
        date_format: str | None = None, progress: Callable[[str], None] | None = None,
        memory_limit: str | float | None = None,
    ) -> ImportReport:
        """Import an ONLYOFFICE contacts CSV, or a plain one with ``mapping`` ({header: key});
        all or nothing unless ``skip_bad_rows`` (see :mod:`crmdata.csvio.importer`, also for
        ``memory_limit``)."""
        from .csvio.importer import import_onlyoffice

        report = import_onlyoffice(
            self.db, self.user, source, duplicates=duplicates, skip_bad_rows=skip_bad_rows,
            keep_bad_values=keep_bad_values, mapping=mapping, dialect=dialect, share_type=share_type,
            managers=list(managers), tags=list(tags),
            custom_field_types=custom_field_types, date_format=date_format, progress=progress,
            memory_limit=memory_limit)
        self._index_after_import(progress)
        return report

    def import_contacts(
        self, source: str | Path, *, fmt: str = "auto", duplicates: DuplicateRule = "skip",
        skip_bad_rows: bool = False, keep_bad_values: bool = False,
        mapping: dict[str, str] | None = None, dialect: Dialect | None = None,
        share_type: ShareType | int = ShareType.READ_WRITE, managers: Sequence[str] = (),
        tags: Sequence[str] = (), custom_field_types: dict[str, tuple[CustomFieldType, object]] | None = None,
        date_format: str | None = None, progress: Callable[[str], None] | None = None,
        memory_limit: str | float | None = None,
    ) -> ImportReport:
        """Import ONLYOFFICE CSV (or a plain one with ``mapping``), Google or Outlook CSV, or vCard;
        ``fmt`` "auto" recognises the format (see :mod:`crmdata.csvio.formats`); ``memory_limit``
        as in :meth:`import_onlyoffice`."""
        from .csvio.formats import import_contacts

        report = import_contacts(
            self.db, self.user, source, fmt=fmt, dialect=dialect, mapping=mapping, duplicates=duplicates,
            skip_bad_rows=skip_bad_rows, keep_bad_values=keep_bad_values, share_type=share_type,
            managers=list(managers), tags=list(tags), custom_field_types=custom_field_types,
            date_format=date_format, progress=progress, memory_limit=memory_limit)
        self._index_after_import(progress)
        return report

    def _index_after_import(self, progress: Callable[[str], None] | None) -> None:
        """Build the full-text index in bulk once the imported rows are in (the first search
        then does not wait for it)."""
        if progress is not None:
            progress("Updating the search index")
        # the import is committed whatever happens here: a search builds the index itself
        with contextlib.suppress(CrmDataError):
            self.refresh_search_index()

    def refresh_search_index(self, *, rebuild: bool = False) -> int | None:
        """Bring the full-text index beside the store file up to date, or (``rebuild``) build it
        anew from the store; returns the contacts indexed by a rebuild (see
        :mod:`crmdata.search.fulltext`). Searches do this themselves; this does it now. None
        when there is no index to keep (an in-memory store, or inside a transaction)."""
        from .search.api import refresh_index

        return refresh_index(self.db, rebuild=rebuild)

    def export_contacts(
        self, target: str | Path, *, fmt: str = "onlyoffice", options: CsvOptions | None = None,
        vcard_version: str = "3.0", one_per_contact: bool = False, with_ids: bool = False,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Export visible contacts as ONLYOFFICE, Google or Outlook CSV (``options``: separator,
        encoding, formulas), or vCard; returns the count (see :mod:`crmdata.csvio.formats`)."""
        from .csvio.formats import export_contacts

        return export_contacts(self.db, self.user, target, fmt=fmt, options=options,
                               vcard_version=vcard_version, one_per_contact=one_per_contact,
                               with_ids=with_ids, progress=progress)

    def kept_values(self, contact_id: int) -> list[Problem]:
        """Values of a contact an import kept as written though invalid (they need a fix)."""
        from .quality.check import kept_values

        return kept_values(self.db, self.user, contact_id)

    def export_onlyoffice(self, target: str | Path, *, with_ids: bool = False, newline: str = "\n",
                          options: CsvOptions | None = None,
                          progress: Callable[[int], None] | None = None,
                          ids: Sequence[int] | None = None) -> int:
        """Export visible contacts (only ``ids`` when given) as ONLYOFFICE CSV; returns the number
        of contacts written."""
        from .csvio.exporter import export_onlyoffice

        return export_onlyoffice(self.db, self.user, target, with_ids=with_ids, newline=newline,
                                 options=options, progress=progress, ids=ids)

    # -- photos (crmdata.photos) ---------------------------------------------------------------
    def set_photo(self, contact_id: int, data: PhotoInput, source: str = "upload", *,
                  expected_version: int | None = None) -> PhotoInfo:
        """Store a photo or logo (bytes, a path or a binary file); see :mod:`crmdata.photos.store_ops`."""
        from .photos.store_ops import set_photo

        return set_photo(self.db, self.user, contact_id, data, source, expected_version=expected_version)

    def remove_photo(self, contact_id: int, *, expected_version: int | None = None) -> bool:
        """Remove a contact's photo so the default image shows; False when it had none."""
        from .photos.store_ops import remove_photo

        return remove_photo(self.db, self.user, contact_id, expected_version=expected_version)

    def photo(self, contact_id: int, size: str | int = "big") -> PhotoImage:
        """A contact's photo ("big", "82" or "40"), or the default person/company image."""
        from .photos.store_ops import photo

        return photo(self.db, self.user, contact_id, size)

    def photo_suggestions(self, contact_id: int, *, gravatar_base: str | None = None,
                          timeout: float | None = None) -> list[Suggestion]:
        """Candidate photos from the contact's Gravatars and profile pages (none when offline)."""
        from .photos.suggest import DEFAULT_TIMEOUT, photo_suggestions

        return photo_suggestions(self.db, self.user, contact_id, gravatar_base=gravatar_base,
                                 timeout=DEFAULT_TIMEOUT if timeout is None else timeout)

    # -- editing (crmdata.edit) -----------------------------------------------------------------
    def change(self, *, region: str = DEFAULT_PHONE_REGION,
               checker: DuplicateChecker | None = None) -> ChangeSet:
        """A new change set: stage edits, ``preview()``, ``commit()`` (see :mod:`crmdata.edit`).

        ``region`` reads phone numbers without a country code. ``checker`` is the duplicate
        check before write-back; the default, and the only one crmdata picks by itself, is
        :class:`~crmdata.dedupe.checker.FuzzyChecker` (names, nicknames, phonetic keys, emails
        and phones, scored by the last saved model; it includes the exact-key check). Pass
        :class:`~crmdata.edit.ExactKeyChecker` for the cheaper same-email/same-phone check.
        """
        from .edit import ChangeSet

        if checker is None:
            from .dedupe.checker import FuzzyChecker

            checker = FuzzyChecker(default_region=region)
        return ChangeSet(self.db, self.user, region=region, checker=checker)

    def history(self, contact_id: int) -> pd.DataFrame:
        """Every journalled change of a contact, field by field (see :func:`crmdata.edit.history`)."""
        from .edit import history

        return history(self.db, self.user, contact_id)

    def undo(self, change_set_ids: int | Sequence[int]) -> list[int]:
        """Revert a committed change set, or several (``result.change_set_ids`` of a cleanup)
        in one transaction; returns the undo's own change set ids (see :func:`crmdata.edit.undo`)."""
        from .edit import undo

        return undo(self.db, self.user, change_set_ids)

    def delete(self, ids: int | Sequence[int], *, dry_run: bool = False) -> DeleteReport:
        """Delete contacts irreversibly, with their cascades (see :mod:`crmdata.edit.delete`)."""
        from .edit import delete_contacts

        return delete_contacts(self.db, self.user, [ids] if isinstance(ids, int) else ids, dry_run=dry_run)

    # -- finding duplicates (crmdata.dedupe) ---------------------------------------------------
    def find_duplicates(self, *, threshold: float | None = None, default_region: str = DEFAULT_PHONE_REGION,
                        keep_model: bool = True, settings: MatchSettings | None = None,
                        memory_limit: str | float | None = None, temp_directory: str | Path | None = None,
                        engine: str = "duckdb", spark_master: str | None = None,
                        progress: Callable[[str], None] | None = None) -> DuplicateReport:
        """Likely duplicate pairs with scores, reasons and clusters (see :mod:`crmdata.dedupe`).

        ``keep_model`` saves the fitted model in the store, where the write-back check reads it
        (``crmdata duplicates`` passes False unless ``--save-model``). ``settings`` says which
        custom fields take part (the store's saved settings when None); ``memory_limit`` (``"2GB"``)
        holds DuckDB's memory for the run, which then spills into ``temp_directory``. ``engine``
        ``"spark"`` runs blocking, comparisons, scoring and clustering on Apache Spark
        (``spark_master``, default ``local[*]``; needs ``pip install 'crmdata[spark]'`` and Java),
        with the same result as the default ``"duckdb"``.
        """
        from .dedupe.api import DEFAULT_THRESHOLD, find_duplicates

        chosen = DEFAULT_THRESHOLD if threshold is None else threshold
        return find_duplicates(self.db, self.user, threshold=chosen,
                               default_region=default_region, keep_model=keep_model, settings=settings,
                               memory_limit=memory_limit, temp_directory=temp_directory, engine=engine,
                               spark_master=spark_master, progress=progress)

    def match_settings(self) -> MatchSettings:
        """Which custom fields duplicate matching reads (see :mod:`crmdata.dedupe.settings`)."""
        from .dedupe.settings import MatchSettings

        with self.db.read() as tx:
            return MatchSettings.load(tx)

    def set_match_settings(self, settings: MatchSettings) -> MatchSettings:
        """Save which custom fields duplicate matching reads, for every user (admins only);
        every label must name a custom field of the store."""
        from .dedupe.settings import check_fields

        self._require_admin("change the duplicate matching settings")
        with self.db.transaction() as tx:
            check_fields(tx, settings)
            settings.save(tx)
        return settings

    def decide(self, id1: int, id2: int, decision: str) -> tuple[int, int]:
        """Record a review decision on a pair: "duplicate" or "not_duplicate" (never suggested again)."""
        from .dedupe.api import decide

        return decide(self.db, self.user, id1, id2, decision)

    # -- merging duplicates (crmdata.merge) -----------------------------------------------------
    def plan_merge(self, ids: Sequence[int], *, survivor: int | None = None,
                   keep: dict[str, int] | None = None) -> MergePlan:
        """A merge plan for two or more contacts (see :mod:`crmdata.merge.plan`); writes nothing.

        ``keep`` maps field names to the contact whose value the field takes.
        """
        from .merge.load import plan_for

        return plan_for(self.db, self.user, ids, survivor=survivor, keep=keep)

    def merge(self, plan: MergePlan, *, expected_versions: dict[int, int] | None = None) -> MergeResult:
        """Apply a merge plan atomically; ``store.undo(result.change_set_id)`` reverts it."""
        from .merge.apply import apply_merge

        return apply_merge(self.db, self.user, plan, expected_versions)

    # -- portal sync (crmdata.onlyoffice) -------------------------------------------------------
    def sync_pull(self, *, portal: str, login: str, password: str | None = None,
                  prompt: Callable[[str], str] | None = None, timeout: float = 30.0,
                  retries: int = 3, backoff: float = 0.5, take_portal: Sequence[int] = (),
                  photos: bool = False) -> PullReport:
        """Pull every contact an ONLYOFFICE portal account may see (see :mod:`crmdata.onlyoffice`).

        Without ``password``: ``CRMDATA_PORTAL_PASSWORD``, the OS keyring, then ``prompt``.
        ``take_portal``: conflicting contacts (crmdata ids) to overwrite with the portal's version.
        ``photos``: pull the contacts' photos too (:mod:`crmdata.onlyoffice.photos`).
        """
        from .onlyoffice.api import sync_pull

        return sync_pull(self.db, self.user, portal=portal, login=login, password=password, prompt=prompt,
                         timeout=timeout, retries=retries, backoff=backoff, take_portal=take_portal,
                         photos=photos)

    def sync_push(self, *, portal: str, login: str, password: str | None = None, dry_run: bool = False,
                  confirm: bool | Callable[[PushPlan], bool] = False,
                  prompt: Callable[[str], str] | None = None, timeout: float = 30.0,
                  retries: int = 3, backoff: float = 0.5, overwrite: Sequence[int] = ()) -> PushReport:
        """Push the committed local changes since the last push to the portal; deletes and merges
        only with ``confirm`` (see :mod:`crmdata.onlyoffice.push`). ``overwrite``: conflicting
        contacts (crmdata ids) whose store version replaces what the portal changed."""
        from .onlyoffice.api import sync_push

        return sync_push(self.db, self.user, portal=portal, login=login, password=password, dry_run=dry_run,
                         confirm=confirm, prompt=prompt, timeout=timeout, retries=retries, backoff=backoff,
                         overwrite=overwrite)

    # -- data quality (crmdata.quality) -------------------------------------------------------
    def check(self, rules: str | Iterable[str] | None = None, *, stale_days: int | None = None,
              as_of: dt.date | None = None, default_region: str = DEFAULT_PHONE_REGION,
              progress: bool = False, workers: int | None = None) -> pd.DataFrame:
        """Data-quality findings on the visible contacts, one row each (see :mod:`crmdata.quality.check`)."""
        from .quality.check import DEFAULT_STALE_DAYS, check

        return check(self.db, self.user, rules,
                     stale_days=DEFAULT_STALE_DAYS if stale_days is None else stale_days,
                     as_of=as_of, default_region=default_region, progress=progress, workers=workers)

    def clean(self, rules: str | Iterable[str] | None = None, *, findings: pd.DataFrame | None = None,
              stale_days: int | None = None, as_of: dt.date | None = None,
              default_region: str = DEFAULT_PHONE_REGION, progress: bool = False,
              chunk: int = 0) -> CleanupChangeSet:
        """The fixable findings as one change set: ``preview()``, ``commit()``, then undoable
        (see :mod:`crmdata.quality.clean`)."""
        from .quality.check import DEFAULT_STALE_DAYS
        from .quality.clean import clean

        return clean(self.db, self.user, rules, findings=findings,
                     stale_days=DEFAULT_STALE_DAYS if stale_days is None else stale_days, as_of=as_of,
                     default_region=default_region, progress=progress, chunk=chunk)

    def last_activity(self, *, as_of: dt.date | None = None, stale_days: int | None = None) -> pd.DataFrame:
        """Visible contacts by time since their last activity, in buckets (see
        :func:`crmdata.quality.summary.last_activity`)."""
        from .quality.check import DEFAULT_STALE_DAYS
        from .quality.summary import last_activity

        return last_activity(self.db, self.user, as_of=as_of,
                             stale_days=DEFAULT_STALE_DAYS if stale_days is None else stale_days)

    def checkpoint(self) -> None:
        """Write the latest commits into the store file itself (they may otherwise still be in
        ``<store>.wal`` beside it); do this before copying the file on its own."""
        self.db.checkpoint()

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
