"""ChangeSet: stage edits to one or many contacts, preview them, commit them at once.

A change set holds its operations as data (:mod:`crmdata.edit.ops`) and no connection:
staging only remembers the version of each contact as it was read, so that a commit can
refuse when someone else changed the contact since (optimistic concurrency). ``preview()``
and ``commit()`` each open the store for one action.

Examples:
    >>> from crmdata import Store
    >>> store = Store(":memory:")
    >>> cs = store.change()
    >>> lore = cs.create_person("Lore", "Hamann")
    >>> cs.add_info(lore, "email", "lore.hamann@example.com")
    >>> cs.add_tags(lore, "Lead")
    >>> result = cs.commit()
    >>> store.contact(result.created[lore]).tags
    ['Lead']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .. import numbering
from ..access import view_predicate
from ..errors import CrmDataError, KeyTaken
from ..model import DEFAULT_PHONE_REGION, InfoType, ShareType
from . import apply, ops
from .dupcheck import DuplicateChecker

if TYPE_CHECKING:
    from ..access import User
    from ..db import Database


def info_type_of(value: InfoType | int | str) -> InfoType:
    """An info type given as the enum, its code, or its name ("email", "Web site")."""
    if isinstance(value, str):
        wanted = value.strip().lower().replace(" ", "").replace("(", "").replace(")", "")
        for t in InfoType:
            if wanted in (t.name.lower(), "website" if t is InfoType.WEBSITE else t.name.lower()):
                return t
        if wanted in ("x", "xtwitter"):
            return InfoType.TWITTER
    else:
        try:
            return InfoType(int(value))
        except (TypeError, ValueError):
            pass
    raise CrmDataError(f"'{value}' is not a contact info type.",
                       hint="use one of: " + ", ".join(t.name.lower() for t in InfoType))


class ChangeSet:
    """Edits staged against a store, written together by :meth:`commit`."""

    def __init__(
        self,
        db: Database,
        user: User,
        *,
        checker: DuplicateChecker,
        region: str = DEFAULT_PHONE_REGION,
    ) -> None:
        """Edits by ``user`` to the store ``db``. Use :meth:`crmdata.Store.change`, which picks
        the default duplicate checker (:class:`~crmdata.dedupe.checker.FuzzyChecker`);
        ``checker`` has no default here, so there is one default in crmdata, not one per entry
        point."""
        self.db = db
        self.user = user
        self.region = region
        self.checker: DuplicateChecker = checker
        self.operations: list[ops.Operation] = []
        self.versions: dict[int, int | None] = {}
        self._seq = 0

    # -- versions ------------------------------------------------------------------------
    def pin(self, ids: Iterable[int], versions: Iterable[int] | None = None) -> None:
        """Remember the versions the caller has read (read them now when not given).

        A batch script pins all its contacts in one read; a dashboard passes the versions it
        showed. Contacts the user may not view get no version (the commit says "no contact").
        """
        ids = [int(i) for i in ids]
        if versions is not None:
            self.versions.update(zip(ids, (int(v) for v in versions), strict=True))
            return
        todo = [i for i in ids if i not in self.versions]
        if not todo:
            return
        pred, params = view_predicate(self.user, "c")
        with self.db.read() as tx:
            found = dict(tx.rows(
                f"SELECT c.id, c.version FROM contacts c WHERE c.id IN (SELECT unnest(?::BIGINT[])) "
                f"AND {pred}", [todo, *params]))
        for i in todo:
            self.versions[i] = None if i not in found else int(found[i])

    def _target(self, target: ops.Target, version: int | None = None) -> ops.Target:
        if isinstance(target, ops.NewContact):
            return target
        cid = int(target)
        if version is not None:
            self.versions[cid] = int(version)
        elif cid not in self.versions:
            self.pin([cid])
        return cid

    def targets(self) -> list[ops.Target]:
        seen: dict[ops.Target, None] = {}
        for op in self.operations:
            seen[op.ref if isinstance(op, ops.Create) else op.target] = None
        return list(seen)

    # -- staging -------------------------------------------------------------------------
    def _create(self, is_company: bool, fields: Mapping[str, Any]) -> ops.NewContact:
        self._seq += 1
        ref = ops.NewContact(self._seq)
        self.operations.append(ops.Create(ref, is_company, tuple(fields.items())))
        return ref

    def create_person(self, first_name: str, last_name: str | None = None, **fields: Any) -> ops.NewContact:
        """Stage a new person; ``fields`` as for :meth:`update` (title, company, temperature, ...)."""
        return self._create(False, {"first_name": first_name, "last_name": last_name, **fields})

    def create_company(self, name: str, **fields: Any) -> ops.NewContact:
        """Stage a new company."""
        return self._create(True, {"company_name": name, **fields})

    def update(self, target: ops.Target, *, version: int | None = None, **fields: Any) -> None:
        """Set fields: first_name, last_name, company_name, title (position), notes, industry,
        currency, temperature and contact_type (title, id or None), company (id, new company
        or None)."""
        self.operations.append(ops.Update(self._target(target, version), tuple(fields.items())))

    def set_temperature(self, target: ops.Target, level: str | int | None) -> None:
        self.update(target, temperature=level)

    def set_contact_type(self, target: ops.Target, contact_type: str | int | None) -> None:
        self.update(target, contact_type=contact_type)

    def link_company(self, person: ops.Target, company: ops.Target | None) -> None:
        """Link a person to a company (None unlinks)."""
        self.update(person, company=company)

    def add_info(
        self,
        target: ops.Target,
        info_type: InfoType | int | str,
        data: str | None = None,
        *,
        category: int | str | None = None,
        primary: bool | None = None,
        **address: str,
    ) -> None:
        """Add a contact info row; addresses take street=, city=, state=, zip=, country=.

        The first row of a type becomes primary; ``primary=True`` moves the flag here.
        """
        t = info_type_of(info_type)
        self.operations.append(ops.AddInfo(
            self._target(target), t, data, category, primary, tuple(address.items())))

    def change_info(
        self, target: ops.Target, info_id: int, data: str | None = None, *,
        category: int | str | None = None, **address: str,
    ) -> None:
        self.operations.append(ops.ChangeInfo(
            self._target(target), int(info_id), data, category, tuple(address.items())))

    def delete_info(self, target: ops.Target, info_id: int) -> None:
        """Remove an info row; deleting the primary promotes the first remaining one."""
        self.operations.append(ops.DeleteInfo(self._target(target), int(info_id)))

    def set_primary(self, target: ops.Target, info_id: int) -> None:
        self.operations.append(ops.SetPrimary(self._target(target), int(info_id)))

    def set_custom(self, target: ops.Target, field: str | int, value: Any) -> None:
        """Set a custom field (by label or id); None or "" clears it."""
        self.operations.append(ops.SetCustom(self._target(target), field, value))

    def add_tags(self, target: ops.Target, *tags: str) -> None:
        """Add tags, creating unknown ones (case-insensitive: existing spelling is reused)."""
        self.operations.append(ops.AddTags(self._target(target), tuple(tags)))

    def remove_tags(self, target: ops.Target, *tags: str) -> None:
        self.operations.append(ops.RemoveTags(self._target(target), tuple(tags)))

    def set_access(
        self, target: ops.Target, share_type: ShareType | int | None = None,
        managers: Sequence[str] | None = None,
    ) -> None:
        """Share type (NONE / READ_WRITE / READ) and the whole manager list (logins)."""
        st = None if share_type is None else ShareType(share_type)
        self.operations.append(ops.SetAccess(
            self._target(target), st, None if managers is None else tuple(managers)))

    # -- running -------------------------------------------------------------------------
    def preview(self) -> ops.Preview:
        """What the commit would change, field by field, and what would stop it."""
        with self.db.read() as tx:
            return apply.preview(tx, self.user, self, self.checker)

    def commit(self, *, on_duplicate: apply.OnDuplicate = "ask") -> apply.CommitResult:
        """Write everything in one transaction, or nothing.

        Raises NotFound / AccessDenied (rights), Conflict (stale versions),
        ValidationFailed (every problem at once) or DuplicatesFound (with
        ``on_duplicate="ask"``). ``"save"`` writes despite duplicates; ``"cancel"`` returns
        without writing.
        """
        try:
            return self._commit(on_duplicate)
        except KeyTaken:
            if not any(isinstance(op, (ops.AddInfo, ops.Create)) for op in self.operations):
                raise
        # a new row's id was taken: by another writer of this process whose transaction
        # committed first (new contacts are numbered past the largest id), or, for info rows, by
        # rows numbered outside crmdata (SQL of one's own). The failed attempt wrote nothing;
        # move the info id sequence past every stored row and try once more.
        with self.db.transaction() as tx:
            numbering.keep_info_ids(tx)
        return self._commit(on_duplicate)

    def _commit(self, on_duplicate: apply.OnDuplicate) -> apply.CommitResult:
        with self.db.transaction() as tx:
            return apply.commit(tx, self.user, self, on_duplicate=on_duplicate,
                                checker=self.checker)

    def __len__(self) -> int:
        return len(self.operations)
