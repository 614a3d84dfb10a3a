"""The import panel driven from Python: upload, rule, Import, progress, report or refusal."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from crmdata import Store
from crmdata.csvio.exporter import write_frame
from crmdata.sample import generate
from crmdata.ui.contacts import ContactsDashboard


def _upload(name: str, data: bytes) -> tuple[dict[str, object], ...]:
    return (
        {
            "name": name,
            "type": "text/csv",
            "size": len(data),
            "content": memoryview(data),
            "last_modified": dt.datetime(2026, 11, 27, tzinfo=dt.UTC),
        },
    )


def test_import_a_csv_with_progress_and_the_list_refreshes(sample: Store, tmp_path: Path) -> None:
    d = ContactsDashboard(sample)
    before = sample.count()
    csv = tmp_path / "new.csv"
    write_frame(generate(6, seed=99, dup_rate=0).contacts, csv)
    panel = d.importer
    panel.rule.value = "clone"
    panel.upload.value = _upload("new.csv", csv.read_bytes())
    panel.go.click()
    assert sample.count() == before + 6
    assert "6 contacts imported" in panel.banner.value
    assert panel.progress.bar.value == panel.progress.bar.max and panel.progress.bar.bar_style == "success"
    assert f"of {before + 6:,} contacts" in d.count.value


def test_a_refused_import_is_a_message_and_changes_nothing(sample: Store) -> None:
    d = ContactsDashboard(sample)
    before = sample.count()
    d.importer.upload.value = _upload("bad.csv", b"\x00\x01 not a csv at all\n")
    d.importer.go.click()
    assert sample.count() == before
    assert "crm-notice-error" in d.importer.banner.value and "Traceback" not in d.importer.banner.value
    assert d.importer.progress.bar.bar_style == "danger"


def test_import_without_a_file_asks_for_one(sample: Store) -> None:
    d = ContactsDashboard(sample)
    d.importer.go.click()
    assert "Choose a CSV file first" in d.importer.banner.value


def test_import_a_vcard_upload(sample: Store) -> None:
    d = ContactsDashboard(sample)
    before = sample.count()
    card = (b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Eberth;Ren\xc3\xa9;;;\r\n"
            b"EMAIL:rene@eberth.example\r\nEND:VCARD\r\n")
    d.importer.upload.value = _upload("phone.vcf", card)
    d.importer.go.click()
    assert sample.count() == before + 1 and "1 contacts imported" in d.importer.banner.value
