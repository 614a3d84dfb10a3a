"""The contact editor driven from Python: every edit goes through a change set into the store."""

from __future__ import annotations

import datetime as dt
import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image

from crmdata import Store
from crmdata.errors import NotFound
from crmdata.model import InfoType, ShareType
from crmdata.search.api import search
from crmdata.ui.editor import ContactEditor

from .helpers import LORE_EMAIL


def _lore(store: Store) -> int:
    return int(search(store.db, store.user, '"Lore Hamann"').frame["id"].iloc[0])


def _css(widget: object) -> list[str]:
    return list(getattr(widget, "_dom_classes", ()))


def _find(root: object, css: str) -> list[object]:
    """Every widget under ``root`` carrying the CSS class ``css``."""
    out = []
    todo = [root]
    while todo:
        node = todo.pop(0)
        if css in _css(node):
            out.append(node)
        todo.extend(getattr(node, "children", ()))
    return out


@pytest.fixture
def editor(sample: Store) -> ContactEditor:
    e = ContactEditor(sample)
    e.open(_lore(sample))
    return e


def test_edit_names_and_position_and_save(editor: ContactEditor, sample: Store) -> None:
    cid = editor.state.contact_id
    editor.inputs["first_name"].value = "Lorelei"
    editor.inputs["title"].value = "Head of data"
    editor.inputs["notes"].value = "Met at the fair.\nCall in spring."
    editor.inputs["save"].click()
    fields = sample.contact(cid).fields
    assert (fields["first_name"], fields["title"]) == ("Lorelei", "Head of data")
    assert fields["notes"] == "Met at the fair.\nCall in spring."
    assert "crm-notice-success" in editor.banner.value


def test_validation_errors_show_beside_their_fields_and_nothing_is_written(
    editor: ContactEditor, sample: Store
) -> None:
    cid = editor.state.contact_id
    version = sample.contact(cid).fields["version"]
    editor.inputs["first_name"].value = ""
    editor.state.add_info(InfoType.EMAIL, "not an email")
    row = [r for r in _find(editor.form, "crm-info-email")][-1]
    assert row is not None
    editor.inputs["save"].click()
    first = _find(editor.form, "crm-problems-first-name")[0]
    email = _find(editor.form, "crm-problems-email")[0]
    assert "required" in first.value  # type: ignore[attr-defined]
    assert "not an email" in email.value or "email" in email.value  # type: ignore[attr-defined]
    assert "crm-notice-error" in editor.banner.value and "2 problem" in editor.banner.value
    assert sample.contact(cid).fields["version"] == version
    assert sample.contact(cid).fields["first_name"] == "Lore"


def test_info_rows_added_marked_primary_and_deleted(editor: ContactEditor, sample: Store) -> None:
    cid = editor.state.contact_id
    editor.inputs["info_add_type"].value = int(InfoType.EMAIL)
    editor.inputs["info_add"].click()
    new_row = _find(editor.form, "crm-info-email")[-1]
    data = _find(new_row, "crm-info-data")[0]
    data.value = "lore@work.example"  # type: ignore[attr-defined]
    _find(new_row, "crm-info-primary")[0].value = True  # type: ignore[attr-defined]
    editor.inputs["info_add_type"].value = int(InfoType.ADDRESS)
    editor.inputs["info_add"].click()
    address = _find(editor.form, "crm-info-address")[-1]
    for part, value in (("street", "Unter den Linden 1"), ("city", "Berlin"), ("country", "Germany")):
        _find(address, f"crm-address-{part}")[0].value = value  # type: ignore[attr-defined]
    editor.inputs["save"].click()
    info = sample.contact(cid).info
    emails = info[info["info_type"] == int(InfoType.EMAIL)].set_index("data")
    assert bool(emails.loc["lore@work.example", "is_primary"]) and not bool(
        emails.loc[LORE_EMAIL, "is_primary"]
    )
    assert "Berlin" in set(info["city"].dropna())
    phone_row = _find(editor.form, "crm-info-phone")[0]
    _find(phone_row, "crm-info-delete")[0].click()  # type: ignore[attr-defined]
    editor.inputs["save"].click()
    info = sample.contact(cid).info
    assert int(InfoType.PHONE) not in set(info["info_type"])


def test_custom_fields_render_by_type_and_save(editor: ContactEditor, sample: Store) -> None:
    cid = editor.state.contact_id
    kinds = {
        label: type(editor.inputs[f"custom:{label}"]).__name__
        for label in ("Birthday", "Newsletter", "Segment", "Customer number")
    }
    assert kinds == {
        "Birthday": "DatePicker",
        "Newsletter": "Checkbox",
        "Segment": "Dropdown",
        "Customer number": "Text",
    }
    editor.inputs["custom:Birthday"].value = dt.date(1980, 2, 29)
    editor.inputs["custom:Newsletter"].value = True
    editor.inputs["custom:Segment"].value = editor.inputs["custom:Segment"].options[1]
    editor.inputs["custom:Customer number"].value = "C-42"
    editor.inputs["save"].click()
    custom = sample.contact(cid).custom
    assert custom["Birthday"] == "1980-02-29" and custom["Newsletter"] == "true"
    assert custom["Customer number"] == "C-42" and custom["Segment"] == editor.inputs["custom:Segment"].value


def test_tags_added_from_pool_or_new_and_removed(editor: ContactEditor, sample: Store) -> None:
    cid = editor.state.contact_id
    assert "Customer" in editor.inputs["tag_new"].options
    editor.inputs["tag_new"].value = "customer"  # the pool's spelling is kept
    editor.inputs["tag_add"].click()
    editor.inputs["tag_new"].value = "Met at fair 2026"
    editor.inputs["tag_add"].click()
    remove = [b for b in _find(editor.form, "crm-tag-remove") if "Lead" in b.tooltip]  # type: ignore[attr-defined]
    remove[0].click()  # type: ignore[attr-defined]
    editor.inputs["save"].click()
    assert sorted(sample.contact(cid).tags, key=str.lower) == ["Customer", "Met at fair 2026"]
    assert "Met at fair 2026" in editor.inputs["tag_new"].options  # the save opened it again


def test_a_redraw_reads_no_lists(editor: ContactEditor, sample: Store,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Levels, types, tags and users are read when a contact is opened, not on each redraw."""
    for name in ("temperature_levels", "contact_types", "tags", "users"):
        monkeypatch.setattr(sample, name, lambda: pytest.fail("a redraw read the store's lists"))
    editor.inputs["first_name"].value = "Lorelei"
    editor.state.add_tag("Redrawn")  # each draft edit redraws the form
    assert "Customer" in editor.inputs["tag_new"].options and "Cold" in [
        v for _label, v in editor.inputs["temperature"].options]


def test_temperature_type_and_access_with_user_picker(editor: ContactEditor, sample: Store) -> None:
    cid = editor.state.contact_id
    sample.add_user("mia", "Mia Berg")
    sample.add_user("ole", "Ole Olsen")
    editor.open(cid)  # the picker lists users as they are now
    editor.inputs["temperature"].value = "Cold"
    editor.inputs["contact_type"].value = "Partner"
    editor.inputs["share"].value = ShareType.NONE
    editor.inputs["managers"].value = ("mia",)
    editor.inputs["save"].click()
    detail = sample.contact(cid)
    assert (detail.fields["temperature"], detail.fields["contact_type"]) == ("Cold", "Partner")
    assert detail.fields["share_type"] == int(ShareType.NONE) and detail.managers == ["mia"]
    assert sample.as_user("mia").contact(cid).id == cid
    with pytest.raises(NotFound):
        sample.as_user("ole").contact(cid)


def test_link_a_person_to_a_company(editor: ContactEditor, sample: Store) -> None:
    cid = editor.state.contact_id
    company = search(sample.db, sample.user, show="companies").frame.iloc[0]
    editor.inputs["company_search"].value = str(company["display_name"]).split()[0]
    editor.inputs["company"].value = int(company["id"])
    editor.inputs["save"].click()
    assert sample.contact(cid).fields["company_id"] == int(company["id"])


def test_duplicate_warning_then_save_anyway(sample: Store) -> None:
    editor = ContactEditor(sample)
    editor.new(is_company=False)
    editor.inputs["first_name"].value = "L."
    editor.inputs["last_name"].value = "Hamann"
    editor.state.add_info(InfoType.EMAIL, LORE_EMAIL.upper())
    before = sample.count()
    editor.inputs["save"].click()
    assert sample.count() == before
    box = _find(editor.form, "crm-duplicates")[0]
    assert "Lore Hamann" in box.children[0].value  # type: ignore[attr-defined]
    assert "crm-notice-warning" in editor.banner.value
    _find(editor.form, "crm-save-anyway")[0].click()  # type: ignore[attr-defined]
    assert sample.count() == before + 1
    assert sample.contact(editor.state.contact_id).display_name == "L. Hamann"


def test_delete_asks_first(editor: ContactEditor, sample: Store) -> None:
    cid = editor.state.contact_id
    _find(editor.form, "crm-delete")[0].click()  # type: ignore[attr-defined]
    assert sample.contact(cid).id == cid  # only asked so far
    _find(editor.form, "crm-delete-cancel")[0].click()  # type: ignore[attr-defined]
    _find(editor.form, "crm-delete")[0].click()  # type: ignore[attr-defined]
    _find(editor.form, "crm-delete-confirm")[0].click()  # type: ignore[attr-defined]
    with pytest.raises(NotFound):
        sample.contact(cid)
    assert "Deleted 1 contact" in editor.banner.value


def test_history_and_undo(editor: ContactEditor, sample: Store) -> None:
    cid = editor.state.contact_id
    editor.inputs["title"].value = "Chief data officer"
    editor.inputs["save"].click()
    _find(editor.form, "crm-history")[0].click()  # type: ignore[attr-defined]
    items = _find(editor.history_out, "crm-history-item")
    assert "Chief data officer" in items[0].value  # type: ignore[attr-defined]
    _find(editor.history_out, "crm-undo")[0].click()  # type: ignore[attr-defined]
    assert sample.contact(cid).fields["title"] == "Data steward"
    assert editor.inputs["title"].value == "Data steward"


def test_photo_upload_and_remove(editor: ContactEditor, sample: Store) -> None:
    cid = editor.state.contact_id
    buf = io.BytesIO()
    Image.new("RGB", (400, 600), (200, 30, 30)).save(buf, "PNG")
    upload = editor.inputs["photo_upload"]
    upload.value = (
        {
            "name": "me.png",
            "type": "image/png",
            "size": len(buf.getvalue()),
            "content": memoryview(buf.getvalue()),
            "last_modified": dt.datetime(2026, 11, 27, tzinfo=dt.UTC),
        },
    )
    assert sample.contact(cid).has_photo
    assert sample.photo(cid).width == 200 and sample.photo(cid).height == 300
    editor.inputs["photo_remove"].click()
    assert not sample.contact(cid).has_photo and sample.photo(cid).is_default


def test_a_bad_photo_is_a_message(editor: ContactEditor, sample: Store) -> None:
    cid = editor.state.contact_id
    editor.inputs["photo_upload"].value = (
        {
            "name": "x.png",
            "type": "image/png",
            "size": 4,
            "content": memoryview(b"nope"),
            "last_modified": dt.datetime(2026, 11, 27, tzinfo=dt.UTC),
        },
    )
    assert "crm-notice-error" in editor.banner.value and "Traceback" not in editor.banner.value
    assert not sample.contact(cid).has_photo


def test_new_company_is_created(sample: Store) -> None:
    editor = ContactEditor(sample)
    editor.new(is_company=True)
    editor.inputs["company_name"].value = "Zebra Lighthouse GmbH"
    editor.inputs["industry"].value = "Maritime"
    editor.inputs["save"].click()
    detail = sample.contact(editor.state.contact_id)
    assert detail.is_company and detail.display_name == "Zebra Lighthouse GmbH"
    assert detail.fields["industry"] == "Maritime"


def test_opening_a_missing_contact_is_a_message(sample: Store) -> None:
    editor = ContactEditor(sample)
    editor.open(10**9)
    assert "There is no contact" in editor.banner.value


def test_duplicate_warning_then_merge_instead(sample: Store) -> None:
    lore = _lore(sample)
    editor = ContactEditor(sample)
    editor.new(is_company=False)
    editor.inputs["first_name"].value = "Lore"
    editor.inputs["last_name"].value = "Hamann"
    editor.inputs["title"].value = "ignored: the existing contact keeps its position"
    editor.state.add_info(InfoType.EMAIL, LORE_EMAIL)
    editor.state.add_info(InfoType.PHONE, "+49 40 7654321")
    before = sample.count()
    editor.inputs["save"].click()
    assert sample.count() == before
    _find(editor.form, "crm-merge-instead")[0].click()  # type: ignore[attr-defined]
    assert sample.count() == before
    assert editor.state.contact_id == lore and "Merged into Lore Hamann." in editor.banner.value
    detail = sample.contact(lore)
    assert detail.fields["title"] == "Data steward"
    assert "+49 40 7654321" in set(detail.info["data"])


class _Avatars(BaseHTTPRequestHandler):
    """Serves one PNG for every /avatar/<hash> request, like a Gravatar mirror."""

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        buf = io.BytesIO()
        Image.new("RGB", (80, 80), (30, 120, 200)).save(buf, "PNG")
        body = buf.getvalue()
        if not self.path.startswith("/avatar/"):
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_photo_suggestions_are_shown_and_one_is_used(
    editor: ContactEditor, sample: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Avatars)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("CRMDATA_GRAVATAR_BASE", f"http://127.0.0.1:{httpd.server_address[1]}")
        cid = editor.state.contact_id
        _find(editor.form, "crm-photo-suggest")[0].click()  # type: ignore[attr-defined]
        uses = _find(editor.form, "crm-photo-use")
        assert len(uses) == 1  # one email address, one Gravatar
        uses[0].click()  # type: ignore[attr-defined]
        assert sample.contact(cid).has_photo
        assert str(sample.photo(cid).source).startswith(f"http://127.0.0.1:{httpd.server_address[1]}/avatar/")
    finally:
        httpd.shutdown()


def test_text_area_and_heading_fields(sample: Store, tmp_path: Path) -> None:
    from crmdata.csvio.exporter import write_frame
    from crmdata.model import CustomFieldType
    from crmdata.sample import generate
    from crmdata.ui.editor_state import CustomFieldDef

    frame = generate(1, seed=5).contacts.assign(Terms="Net 60")
    write_frame(frame, tmp_path / "one.csv")
    sample.import_onlyoffice(
        tmp_path / "one.csv",
        duplicates="clone",
        custom_field_types={"Terms": (CustomFieldType.TEXTAREA, None)},
    )
    editor = ContactEditor(sample)
    editor.open(_lore(sample))
    assert type(editor.inputs["custom:Terms"]).__name__ == "Textarea"
    editor.inputs["custom:Terms"].value = "Net 30.\nNo weekend deliveries."
    editor.inputs["save"].click()
    assert sample.contact(editor.state.contact_id).custom["Terms"] == "Net 30.\nNo weekend deliveries."
    # a heading (the importer cannot create one: it holds no value) renders as a title, no input
    editor.state.custom_defs.insert(0, CustomFieldDef("Contract", CustomFieldType.HEADING))
    editor.render()
    heading = _find(editor.form, "crm-custom-contract")[0]
    assert type(heading).__name__ == "HTML" and "Contract" in heading.value  # type: ignore[attr-defined]
    assert "custom:Contract" not in editor.inputs
