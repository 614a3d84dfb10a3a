"""The editor shows a value an import kept as written (--keep-bad-values) as needing a fix."""

from __future__ import annotations

from pathlib import Path

from crmdata import Store
from crmdata.ui.editor import ContactEditor

from .test_editor import _find


def test_kept_email_is_shown_as_needing_a_fix_until_corrected(tmp_path: Path) -> None:
    store = Store(tmp_path / "crm.duckdb")
    src = tmp_path / "crm.csv"
    src.write_text("First Name,Last Name,Email (work)\nHans,Dieter,hansd..zirme@aol.de\n", encoding="utf-8")
    report = store.import_onlyoffice(src, keep_bad_values=True)
    cid = report.contact_ids[0]
    assert cid is not None
    editor = ContactEditor(store)
    editor.open(cid)
    shown = _find(editor.form, "crm-problems-email")[0].value  # type: ignore[attr-defined]
    assert "needs a fix: &#x27;hansd..zirme@aol.de&#x27;" in shown and "line 2 of" in shown
    row = next(r for r in editor.state.draft.info if r.data == "hansd..zirme@aol.de")
    row.data = "hans.dieter@aol.de"
    editor.inputs["save"].click()
    assert "crm-notice-success" in editor.banner.value, editor.banner.value
    assert "needs a fix" not in _find(editor.form, "crm-problems-email")[0].value  # type: ignore[attr-defined]
    assert store.kept_values(cid) == []
