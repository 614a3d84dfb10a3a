"""A small sample store for the dashboard tests: the seeded sample generator, imported as a user would.

``build_sample_store`` writes ``generate(n)`` as an ONLYOFFICE CSV and imports it with duplicates
kept (clone), so the store has persons, companies, tags, the sample's typed custom fields and
duplicate pairs. A fixed contact ("Lore Hamann", with a known email) is added for the tests.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from crmdata import Store
from crmdata.sample import generate

LORE_EMAIL = "lore.hamann@example.com"


def build_sample_store(path: Path, n: int = 300, seed: int = 11) -> Path:
    """Create a store file at ``path`` from the seeded sample; returns ``path``."""
    sample = generate(n, seed=seed)
    csv = path.with_suffix(".csv")
    sample.contacts.to_csv(csv, index=False)
    with Store(path) as store:
        store.import_onlyoffice(csv, duplicates="clone", custom_field_types=sample.custom_fields)
        cs = store.change()
        lore = cs.create_person("Lore", "Hamann", title="Data steward", temperature="Hot")
        cs.add_info(lore, "email", LORE_EMAIL)
        cs.add_info(lore, "phone", "+49 30 1234567")
        cs.add_tags(lore, "Lead")
        cs.commit(on_duplicate="save")
    csv.unlink()
    return path


def copy_store(source: Path, target: Path) -> Path:
    shutil.copy(source, target)
    return target
