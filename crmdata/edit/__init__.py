"""Editing and write-back: change sets, validation, rights, journal and undo, deletes, lists.

Stage edits with :meth:`crmdata.Store.change` (a :class:`ChangeSet`), look at
``preview()``, then ``commit()``: everything is validated at once, checked for duplicates
and written in one transaction with a journal entry that :func:`undo` can revert.
"""

from .apply import CommitResult
from .changeset import ChangeSet
from .delete import DeleteReport, delete_contacts
from .dupcheck import DuplicateCandidate, DuplicateChecker, DuplicatesFound, ExactKeyChecker, StagedContact
from .ops import FieldChange, NewContact, Preview
from .undo import check_undo, history, undo

__all__ = [
    "ChangeSet",
    "CommitResult",
    "DeleteReport",
    "DuplicateCandidate",
    "DuplicateChecker",
    "DuplicatesFound",
    "ExactKeyChecker",
    "FieldChange",
    "NewContact",
    "Preview",
    "StagedContact",
    "check_undo",
    "delete_contacts",
    "history",
    "undo",
]
