"""The sample store for the dashboard tests: the shipped sample files (data/sample_*.csv)
loaded with :func:`crmdata.sample.load_sample`, as ``make lab`` does, plus one known contact.

The store has persons, companies, tags, the sample's typed custom fields, deals, history and
duplicate clusters. "Lore Hamann" (a hot lead with a known email) is added for the tests.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from crmdata import Store
from crmdata.sample import load_sample

DATA = Path(__file__).resolve().parents[2] / "data"

LORE_EMAIL = "lore.hamann@example.com"


def build_sample_store(path: Path) -> Path:
    """Create a store file at ``path`` from the shipped sample files; returns ``path``."""
    with Store(path) as store:
        load_sample(store.db, store.user, DATA)
        cs = store.change()
        lore = cs.create_person("Lore", "Hamann", title="Data steward", temperature="Hot")
        cs.add_info(lore, "email", LORE_EMAIL)
        cs.add_info(lore, "phone", "+49 30 1234567")
        cs.add_tags(lore, "Lead")
        cs.commit(on_duplicate="save")
    return path


def copy_store(source: Path, target: Path) -> Path:
    """A copy of a store: its file and, if the latest commits are still in it, its write-ahead log."""
    shutil.copy(source, target)
    wal = Path(f"{source}.wal")
    if wal.exists():
        shutil.copy(wal, f"{target}.wal")
    return target
