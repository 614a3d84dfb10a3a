"""Duplicate detection: normalise, block, compare and score in SQL (Fellegi-Sunter), cluster, explain.

The entry points live in :mod:`.api` (``find_duplicates``, ``decide``, ``FuzzyChecker``) and
are imported on first use, so importing a light module of this package (or the CLI's start)
does not load recordlinkage and scikit-learn.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DuplicateReport", "FuzzyChecker", "decide", "find_duplicates"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import api

        return getattr(api, name)
    raise AttributeError(name)
