"""Memory sizes as people write them (``2GB``, ``512MiB``) for the limits DuckDB works within."""

from __future__ import annotations

import re

from .errors import CrmDataError

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?I?B)?\s*$", re.IGNORECASE)
_UNITS = {"": 2**30, "B": 1, "KB": 1e3, "KIB": 2**10, "MB": 1e6, "MIB": 2**20, "GB": 1e9, "GIB": 2**30,
          "TB": 1e12, "TIB": 2**40}


def parse_memory(text: str | float) -> float:
    """A memory size (``2GB``, ``512MiB``, ``1.5`` = GiB) in GiB; a clear error otherwise."""
    if isinstance(text, (int, float)):
        value = float(text)
    else:
        found = _SIZE.match(str(text))
        if not found:
            raise CrmDataError(f"A memory limit looks like '2GB' or '512MB', not {text!r}.")
        value = float(found.group(1)) * _UNITS[(found.group(2) or "").upper()] / 2**30
    if value <= 0.05:
        raise CrmDataError(f"A memory limit of {text} is too small (at least 64MB).")
    return value
