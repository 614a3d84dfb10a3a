"""``crmdata duplicates settings``: custom fields as matching fields, by configuration."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from crmdata import Store
from crmdata.cli import cli
from crmdata.edit.lists import add_custom_field
from crmdata.model import CustomFieldType


def run(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--db", str(db), *args])
    return result.exit_code, result.output


def _store_with_fields(path: Path) -> Path:
    with Store(path) as s:
        s.add_user("bob")
        add_custom_field(s.db, s.user, "Born on", CustomFieldType.DATE)
        add_custom_field(s.db, s.user, "Customer No", CustomFieldType.TEXT)
    return path


def test_set_show_and_reset(tmp_path: Path) -> None:
    db = _store_with_fields(tmp_path / "crm.duckdb")
    code, out = run(db, "duplicates", "settings")
    assert code == 0 and "Date of birth from: birthday" in out and "identifiers: (none)" in out
    code, out = run(db, "duplicates", "settings", "--date-field", "Born on", "--text-field", "customer no")
    assert code == 0 and "Date of birth from: born on" in out and "identifiers: customer no" in out, out
    with Store(db) as s:
        assert s.match_settings().text_fields == ("customer no",)
    code, out = run(db, "duplicates", "settings", "--reset")
    assert code == 0 and "Date of birth from: birthday" in out


def test_bad_labels_and_non_admins_are_refused(tmp_path: Path) -> None:
    db = _store_with_fields(tmp_path / "crm.duckdb")
    code, out = run(db, "duplicates", "settings", "--text-field", "Custmer No")
    assert code == 1 and out.startswith("Error: ") and "no custom field 'custmer no'" in out
    assert "customer no" in out  # the fields it could have meant
    code, out = run(db, "duplicates", "settings", "--date-field", "Customer No")
    assert code == 1 and "not a date field" in out
    code, out = run(db, "--user", "bob", "duplicates", "settings", "--text-field", "Customer No")
    assert code == 1 and "Only CRM administrators" in out
    with Store(db) as s:
        assert s.match_settings().text_fields == ()  # nothing of the refused calls was saved
