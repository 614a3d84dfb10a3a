"""Seeded, deterministic sample contact bases for tests, demos and benchmarks.

``generate(n, seed)`` returns a :class:`Sample`: contacts in the ONLYOFFICE export layout
with realistic duplicates, the custom field definitions, deals, history and the truth about
which rows are the same entity. :mod:`.files` writes and loads the three shipped CSVs.
"""

from __future__ import annotations

from .files import LoadReport, load_sample, read_activity, write_sample
from .generate import CUSTOM_FIELDS, DEFAULT_AS_OF, Sample, generate

__all__ = [
    "CUSTOM_FIELDS", "DEFAULT_AS_OF", "LoadReport", "Sample", "generate", "load_sample",
    "read_activity", "write_sample",
]
