"""One bad value no longer costs the whole contact: --keep-bad-values, internationalised emails."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmdata import ImportFailed, Store
from crmdata.model import CustomFieldType
from crmdata.quality import check

# the rows of the issue: one email with two dots, one internationalised (valid under RFC 6531)
ROWS = (
    "First Name,Last Name,Email (work),Phone (work),Score,Member\n"
    "Hans,Dieter,hansd..zirme@aol.de,+49 30 1234567,7,yes\n"
    "René,Eberth,rené.eberth@yahoo.de,+49 30 7654321,8,no\n"
    "Anna,Meyer,anna@example.com,,seven,maybe\n"
    ",,nobody@example.com,,,\n"
)
TYPES = {"Score": (CustomFieldType.SELECT, ["7", "8"]),
         "Member": (CustomFieldType.CHECKBOX, None)}


def _write(tmp_path: Path) -> Path:
    path = tmp_path / "crm.csv"
    path.write_text(ROWS, encoding="utf-8")
    return path


def test_internationalised_email_is_accepted_the_bad_one_refused(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ImportFailed) as err:
        store.import_onlyoffice(_write(tmp_path), custom_field_types=TYPES)
    assert [(p.line, p.field) for p in err.value.problems] == [
        (2, "Email"), (4, "Member"), (4, "Score"), (5, None)]
    assert store.count() == 0


def test_keep_bad_values_imports_every_contact_and_flags_the_values(store: Store, tmp_path: Path) -> None:
    path = _write(tmp_path)
    report = store.import_onlyoffice(path, custom_field_types=TYPES, keep_bad_values=True,
                                     skip_bad_rows=True)
    assert report.imported == 3 and report.skipped_bad_rows == 1  # line 5 is no contact at all
    assert [(p.line, p.field, p.value) for p in report.kept_values] == [
        (2, "Email", "hansd..zirme@aol.de"), (4, "Member", "maybe"), (4, "Score", "seven")]
    assert "3 invalid values kept as written and flagged" in report.summary()
    frame = store.contacts().set_index("display_name")
    assert frame.loc["Hans Dieter", "email"] == "hansd..zirme@aol.de"
    assert frame.loc["René Eberth", "email"] == "rené.eberth@yahoo.de"
    anna = store.contact(int(frame.loc["Anna Meyer", "id"]))
    assert anna.custom["Score"] == "seven" and anna.custom["Member"] == "maybe"
    found = check(store.db, store.user, "import_kept")
    assert sorted(zip(found.name, found.field, found.value, strict=True)) == [
        ("Anna Meyer", "Member", "maybe"), ("Anna Meyer", "Score", "seven"),
        ("Hans Dieter", "Email", "hansd..zirme@aol.de")]
    hans = found[found.name == "Hans Dieter"].iloc[0]
    assert f"(line 2 of {path})" in hans.message and hans.severity == "error"
    assert hans.info_id is not None


def test_a_fixed_value_is_no_longer_listed(store: Store, tmp_path: Path) -> None:
    store.import_onlyoffice(_write(tmp_path), custom_field_types=TYPES, keep_bad_values=True,
                            skip_bad_rows=True)
    found = check(store.db, store.user, "import_kept")
    hans = found[found.field == "Email"].iloc[0]
    with store.db.transaction() as tx:  # the value corrected (as the editor's save would)
        tx.execute("UPDATE contact_info SET data = 'hans.dieter@aol.de' WHERE id = ?", [int(hans.info_id)])
    assert set(check(store.db, store.user, "import_kept").field) == {"Member", "Score"}


def test_without_skip_bad_rows_a_row_that_is_no_contact_still_refuses(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ImportFailed) as err:
        store.import_onlyoffice(_write(tmp_path), custom_field_types=TYPES, keep_bad_values=True)
    assert [p.line for p in err.value.problems] == [5]
    assert store.count() == 0
