"""Duplicate detection: normalise, block, compare and score in SQL (Fellegi-Sunter), cluster, explain.

The entry points live in :mod:`.api` (``find_duplicates``, ``decide``, ``FuzzyChecker``) and
are imported on first use, so importing a light module of this package (or the CLI's start)
does not load recordlinkage and scikit-learn.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DuplicateReport", "FuzzyChecker", "decide", "find_duplicates"]

#: Pairs whose calibrated match probability is at least this are reported (and clustered):
#: above one half a pair is more likely one contact than two, the decision that errs least when
#: the probability is calibrated. Merging needs more (``merge --auto --min-score``, 0.9).
DEFAULT_THRESHOLD = 0.5


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import api

        return getattr(api, name)
    raise AttributeError(name)
