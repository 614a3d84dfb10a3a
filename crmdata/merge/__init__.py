"""Merging duplicate contacts: a pure plan with survivorship, applied atomically and undoable.

:func:`plan_merge` (in :mod:`.plan`) decides, from the cluster's contacts as data, which
contact survives and every field's value with the reason; :mod:`.load` reads a cluster for a
user (edit rights on every contact needed); :mod:`.apply` writes the plan in one transaction
with a journal entry (action ``merge``) that :func:`crmdata.edit.undo` reverts; :mod:`.batch`
merges every high-scoring cluster duplicate detection reports, one transaction each.
"""

from .plan import FieldChoice, InfoOutcome, MergePlan, MergeRecord, MergeRefused, make_record, plan_merge

__all__ = ["FieldChoice", "InfoOutcome", "MergePlan", "MergeRecord", "MergeRefused", "make_record",
           "plan_merge"]
