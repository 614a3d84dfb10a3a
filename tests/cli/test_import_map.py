"""`crmdata import --map` with typed custom fields and address-only files, on real store files."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from crmdata import Store
from crmdata.cli import cli
from crmdata.model import CustomFieldType

FEBRL_LIKE = """rec_id,given_name,surname,street_number,address_1,postcode,date_of_birth
rec-1-org,thomas,chudleigh,47,mcgregor street,2615,19610923
rec-1-dup-0,thomas,chudleigh,47,mcgregor st,2615,19610923
rec-2-org,evie,dean,2950,w 25th st,4000,
"""

MAP = ["--map", "given_name=firstName", "--map", "surname=lastName",
       "--map", "address_1=contactInfo_Address_0_Street", "--map", "postcode=contactInfo_Address_0_Zip",
       "--map", "date_of_birth=customField_Birthday:date", "--date-format", "%Y%m%d"]


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_map_with_a_date_type_makes_a_date_field(tmp_path: Path) -> None:
    db = tmp_path / "crm.duckdb"
    (tmp_path / "febrl.csv").write_text(FEBRL_LIKE, encoding="utf-8")
    code, out = run("--db", str(db), "import", str(tmp_path / "febrl.csv"), "--duplicates", "clone", *MAP)
    assert code == 0, out
    assert "3 contacts imported" in out
    with Store(db) as store:
        fields = store.custom_fields().set_index("label")
        assert fields.loc["Birthday", "field_type"] == int(CustomFieldType.DATE)
        assert sorted(store.custom_values().value) == ["1961-09-23", "1961-09-23"]
        info = store.info()
        assert sorted(info.street) == ["mcgregor st", "mcgregor street", "w 25th st"]


def test_a_bad_date_is_reported_with_line_field_and_value(tmp_path: Path) -> None:
    db = tmp_path / "crm.duckdb"
    (tmp_path / "febrl.csv").write_text(FEBRL_LIKE.replace("19610923\nrec-2", "19611323\nrec-2"),
                                        encoding="utf-8")
    code, out = run("--db", str(db), "import", str(tmp_path / "febrl.csv"), *MAP)
    assert code == 1 and "Traceback" not in out
    assert "nothing was imported" in out
    assert "line 3" in out and "Birthday" in out and "19611323" in out and "is not a date" in out


def test_an_unknown_type_is_a_one_line_error(tmp_path: Path) -> None:
    db = tmp_path / "crm.duckdb"
    (tmp_path / "febrl.csv").write_text(FEBRL_LIKE, encoding="utf-8")
    code, out = run("--db", str(db), "import", str(tmp_path / "febrl.csv"),
                    "--map", "given_name=firstName", "--map", "date_of_birth=customField_Birthday:dte")
    assert code == 1
    assert out.startswith("Error: The column 'date_of_birth' asks for the field type 'dte'")
