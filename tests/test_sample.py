"""The sample generator: determinism, the ONLYOFFICE layout, links, realistic duplicates, rows."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from crmdata.csvio.layout import onlyoffice_mapping
from crmdata.errors import CrmDataError
from crmdata.model import BASE_COLUMNS, INFO_CAPTIONS, CustomFieldType
from crmdata.sample import DEFAULT_AS_OF, generate, read_activity, write_sample
from crmdata.sample.files import read_dates
from crmdata.sample.names import CONTACT_TYPES, LEGAL_FORMS, NICKNAMES, TAGS, TEMPERATURES
from crmdata.sample.text import (
    format_phone,
    format_phones,
    phone_digits,
    slug,
    split_legal_form,
    transliterate,
    typo,
)


@pytest.fixture(scope="module")
def sample():
    return generate(3000, seed=11)


# -- pure helpers, with literal values ------------------------------------------------------------
def test_transliterate_and_slug() -> None:
    assert transliterate("Müller") == "Mueller"
    assert transliterate("Groß Öztürk Jäger") == "Gross Oeztuerk Jaeger"
    assert transliterate("Núñez Zoë") == "Nunez Zoe"
    assert slug("Müller & Söhne") == "mueller-und-soehne"
    assert slug("O'Brien & Smith") == "o-brien-and-smith"


@pytest.mark.parametrize("word", ["Schmidt", "Meyer", "Lee", "Ab"])
def test_typo_changes_the_word_but_not_its_first_letter(word: str) -> None:
    for kind in (0.0, 0.3, 0.6, 0.9):
        for pos in (0.0, 0.5, 0.99):
            wrong = typo(word, kind, pos)
            assert wrong != word and wrong[0] == word[0]


def test_legal_forms_split_longest_first() -> None:
    assert split_legal_form("Müller Bau GmbH & Co. KG") == ("Müller Bau", "GmbH & Co. KG")
    assert split_legal_form("Müller Bau KG") == ("Müller Bau", "KG")
    assert split_legal_form("Northtech Ltd.") == ("Northtech", "Ltd.")
    assert split_legal_form("AG") == ("AG", "")
    assert split_legal_form("Waldfeld") == ("Waldfeld", "")


def test_phone_styles_keep_the_digits() -> None:
    assert format_phone("de", "30", "1234567", 0) == "+49 30 1234567"
    assert format_phone("de", "30", "1234567", 3) == "+49 (0)30 123 4567"
    assert format_phone("uk", "20", "79460123", 1) == "020 7946 0123"
    assert format_phone("us", "212", "5550123", 1) == "(212) 555-0123"
    for locale, area, sub, n in (("de", "711", "76240789", 6), ("uk", "1223", "496012", 4),
                                 ("us", "415", "3048540", 5)):
        forms = {format_phone(locale, area, sub, s) for s in range(n)}
        assert len(forms) == n
        assert {phone_digits(f) for f in forms} == {area + sub}
    import numpy as np

    vec = format_phones("us", np.array(["212", "415"], dtype=object), np.array(["5550123", "3048540"],
                        dtype=object), np.array([1, 2]))
    assert list(vec) == ["(212) 555-0123", "415.304.8540"]


# -- the generated frames ----------------------------------------------------------------------
def test_same_seed_same_frames_other_seed_other_frames() -> None:
    a, b, c = generate(600, seed=5), generate(600, seed=5), generate(600, seed=6)
    for name in ("contacts", "deals", "history", "truth"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert not a.contacts.equals(c.contacts)


def test_layout_columns_and_values_are_strings(sample) -> None:
    frame = sample.contacts
    assert list(frame.columns) == [*BASE_COLUMNS, *INFO_CAPTIONS, *sample.custom_fields]
    assert len(frame) == 3000
    assert all(frame[c].map(type).eq(str).all() for c in frame.columns)
    assert not frame.apply(lambda col: (col != col.str.strip()).any()).any()  # trimmed, as exported
    assert set(frame["Company/Person"]) == {"Company", "Person"}
    assert set(frame["Contact Temperature Level"]) == {"", *TEMPERATURES}
    assert set(frame["Contact Type"]) == {"", *CONTACT_TYPES}
    persons = frame["Company/Person"] == "Person"
    assert (frame.loc[persons, "First Name"] != "").all()
    assert (frame.loc[~persons, "Company Name"] != "").all()
    assert (frame.loc[~persons, ["First Name", "Last Name"]] == "").all().all()
    # the importer knows every caption but the custom field labels
    assert onlyoffice_mapping(list(frame.columns)).unknown_headers == tuple(sample.custom_fields)


def test_custom_fields_describe_their_columns(sample) -> None:
    types = {label: t for label, (t, _) in sample.custom_fields.items()}
    assert types == {"Birthday": CustomFieldType.DATE, "Newsletter": CustomFieldType.CHECKBOX,
                     "Segment": CustomFieldType.SELECT, "Customer number": CustomFieldType.TEXT}
    frame = sample.contacts
    birthdays = frame["Birthday"][frame["Birthday"] != ""]
    assert len(birthdays) > 500
    parsed = pd.to_datetime(birthdays, format="%d.%m.%Y")  # raises on any bad date
    assert parsed.dt.year.between(1950, 2005).all()
    assert set(frame["Newsletter"]) == {"", "true", "false"}
    options = sample.custom_fields["Segment"][1]
    assert set(frame["Segment"]) - {""} == set(options)
    assert (frame.loc[frame["Company/Person"] == "Person", "Segment"] == "").all()


def test_tags_are_sorted_and_from_the_pool(sample) -> None:
    lists = [cell.split(",") for cell in sample.contacts["Contact Tag List"] if cell]
    assert len(lists) > 1000
    assert all(tags == sorted(tags) and len(set(tags)) == len(tags) for tags in lists)
    assert set().union(*lists) <= set(TAGS)


def test_realistic_content(sample) -> None:
    frame = sample.contacts
    text = " ".join(frame["Last Name"]) + " " + " ".join(frame["First Name"])
    assert re.search(r"[äöüÄÖÜ]", text) and "ß" in text
    emails = [e for cell in frame["Email (work)"] for e in cell.split(",") if e]
    assert emails and all(re.fullmatch(r"[a-z0-9.\-]+@[a-z0-9.\-]+\.[a-z]{2,}", e) for e in emails)
    forms = {form for forms in LEGAL_FORMS.values() for form, _ in forms}
    companies = frame.loc[frame["Company/Person"] == "Company", "Company Name"]
    assert sum(split_legal_form(name)[1] in forms for name in companies) > 0.8 * len(companies)
    phones = frame["Phone (work)"][frame["Phone (work)"] != ""]
    assert phones.str.startswith("+49").any() and phones.str.startswith("+44").any()
    assert phones.str.match(r"\(\d{3}\) ").any() and phones.str.match(r"0\d+/").any()
    assert {"Germany", "United Kingdom", "United States"} <= set(frame["Address (work) country"])


def test_persons_name_a_company_row_that_comes_before_them(sample) -> None:
    frame = sample.contacts
    first_row: dict[str, int] = {}
    linked = 0
    for i, (kind, name) in enumerate(zip(frame["Company/Person"], frame["Company Name"], strict=True)):
        if kind == "Company":
            first_row.setdefault(name, i)
        elif name:
            linked += 1
            assert name in first_row, f"row {i + 1}: {name} is not a company above it"
    assert linked > 0.5 * (frame["Company/Person"] == "Person").sum()


def test_company_names_belong_to_one_entity(sample) -> None:
    frame = sample.contacts.assign(entity=sample.truth["entity_id"])
    companies = frame[frame["Company/Person"] == "Company"]
    assert companies.groupby("Company Name")["entity"].nunique().max() == 1


# -- duplicates and truth ----------------------------------------------------------------------------
def _german_ascii(text: str) -> str:
    """An independent normaliser: umlauts spelled out, lower case, letters only."""
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.lower().replace(a, b)
    return re.sub(r"[^a-z]", "", transliterate(text))


def _anchors(row: dict[str, str]) -> set[str]:
    out = set()
    if row["Company/Person"] == "Person":
        out.add("name:" + _german_ascii(row["Last Name"]))
    else:
        out.add("name:" + _german_ascii(split_legal_form(row["Company Name"])[0]))
    for col in ("Email (work)", "Email (home)"):
        out |= {"mail:" + e.lower() for e in row[col].split(",") if e}
    for col in ("Phone (work)", "Phone (mobile)"):
        if row[col]:
            out.add("tel:" + re.sub(r"\D", "", row[col])[-7:])
    return out


def test_truth_is_apart_and_well_formed(sample) -> None:
    truth = sample.truth
    assert list(truth.columns) == ["row", "entity_id"]
    assert truth["row"].tolist() == list(range(1, 3001))
    sizes = truth.groupby("entity_id").size()
    assert sizes.max() <= 4 and set(sizes) >= {1, 2, 3, 4}
    assert int((sizes - 1).sum()) == 300  # dup_rate 0.1
    assert "entity_id" not in sample.contacts.columns


def test_duplicates_are_variants_of_each_other(sample) -> None:
    records = sample.contacts.to_dict("records")
    kinds = {"translit": 0, "nickname": 0, "legal": 0, "phone_format": 0, "typo_or_case": 0}
    for _, rows in sample.truth.groupby("entity_id")["row"]:
        if len(rows) < 2:
            continue
        rows_ = [records[r - 1] for r in rows]
        assert len({r["Company/Person"] for r in rows_}) == 1  # a duplicate is the same kind
        anchors = [_anchors(r) for r in rows_]
        for i, mine in enumerate(anchors):
            others = set().union(*(a for j, a in enumerate(anchors) if j != i))
            assert mine & others, f"rows {list(rows)} share nothing"
        for a in rows_:
            for b in rows_:
                if a["Last Name"] != b["Last Name"] and transliterate(a["Last Name"]) == b["Last Name"]:
                    kinds["translit"] += 1
                if b["First Name"] in NICKNAMES.get(a["First Name"], ()):
                    kinds["nickname"] += 1
                na, nb = split_legal_form(a["Company Name"]), split_legal_form(b["Company Name"])
                if a["Company/Person"] == "Company" and na[0] == nb[0] and na[1] != nb[1]:
                    kinds["legal"] += 1
                pa, pb = a["Phone (work)"], b["Phone (work)"]
                if pa and pb and pa != pb and phone_digits(pa) == phone_digits(pb):
                    kinds["phone_format"] += 1
                if a["Last Name"] and a["Last Name"] != b["Last Name"] and \
                        _german_ascii(a["Last Name"]) != _german_ascii(b["Last Name"]):
                    kinds["typo_or_case"] += 1
    assert all(count > 0 for count in kinds.values()), kinds


def test_no_duplicates_when_the_rate_is_zero() -> None:
    s = generate(400, seed=2, dup_rate=0.0)
    assert s.truth["entity_id"].is_unique


@pytest.mark.parametrize("n, rate", [(-1, 0.1), (10, 0.9), (10, -0.1), (2.5, 0.1), (True, 0.1)])
def test_bad_arguments_are_refused(n, rate) -> None:
    with pytest.raises(CrmDataError):
        generate(n, dup_rate=rate)


def _owners(sample, part: int) -> pd.DataFrame:
    """Every email address, web domain and customer number of a sample, with the part and the
    entity whose row holds it."""
    frame = sample.contacts.assign(entity=sample.truth["entity_id"].to_numpy())
    rows = []
    for column, what in (("Email (work)", "email"), ("Email (home)", "email"),
                         ("Web site (work)", "domain"), ("Customer number", "number")):
        for cell, entity in zip(frame[column], frame["entity"], strict=True):
            for value in filter(None, cell.lower().split(",")):
                if what == "domain":
                    value = re.sub(r"^(https?://)?(www\.)?", "", value).split("/")[0]
                rows.append((what, value, part, entity))
    return pd.DataFrame(rows, columns=["what", "value", "part", "entity"])


def test_parts_of_one_base_share_no_email_domain_or_customer_number() -> None:
    # One seed for every part: what keeps the parts apart is the part numbering alone.
    parts = [generate(60_000, seed=3, part=i, parts=3) for i in range(3)]
    owners = pd.concat([_owners(s, i) for i, s in enumerate(parts)])
    for what in ("email", "number"):
        held = owners[owners["what"] == what].drop_duplicates(["value", "part", "entity"])
        holders = held.groupby("value").size()
        assert len(held) > 10_000 and holders.max() == 1, \
            f"{what}s held by two entities: {list(holders[holders > 1].index[:5])}"
    domains = owners[owners["what"] == "domain"].groupby("value")["part"].nunique()
    assert len(domains) > 1000 and domains.max() == 1, list(domains[domains > 1].index[:5])
    # the first part is the plain sample but for the numbers of repeated mailboxes and domains
    plain = generate(60_000, seed=3)
    assert parts[0].truth.equals(plain.truth)
    assert parts[0].contacts["Last Name"].equals(plain.contacts["Last Name"])
    assert (parts[0].contacts["Email (home)"] == plain.contacts["Email (home)"]).mean() > 0.95


@pytest.mark.parametrize("part, parts", [(1, 1), (-1, 2), (0, 0), (2.0, 3)])
def test_bad_parts_are_refused(part, parts) -> None:
    with pytest.raises(CrmDataError, match="part"):
        generate(10, part=part, parts=parts)


def test_tiny_samples() -> None:
    assert generate(0).contacts.empty
    one = generate(1)
    assert len(one.contacts) == 1 and one.truth["entity_id"].tolist() == [1]

@pytest.mark.parametrize("n", [2, 3, 5, 7, 11])
def test_small_samples_at_the_highest_duplicate_rate(n: int) -> None:
    for seed in range(3):
        s = generate(n, seed=seed, dup_rate=0.5)
        sizes = s.truth.groupby("entity_id").size()
        assert len(s.contacts) == n and sizes.sum() == n and sizes.max() <= 4


# -- deals and history ---------------------------------------------------------------------------
def test_deal_rows_point_at_the_right_contacts(sample) -> None:
    frame, truth, deals = sample.contacts, sample.truth, sample.deals
    assert list(deals.columns) == ["row", "title", "stage", "bid_value", "bid_currency", "created_at",
                                   "participant_rows"]
    assert deals["row"].between(1, 3000).all() and len(deals) > 300
    entity = truth.set_index("row")["entity_id"]
    company_entity = {name: entity[i + 1] for i, (kind, name) in
                      enumerate(zip(frame["Company/Person"], frame["Company Name"], strict=True))
                      if kind == "Company"}
    with_people = 0
    for main, people in zip(deals["row"], deals["participant_rows"], strict=True):
        me = frame.iloc[main - 1]
        assert main not in people and all(1 <= p <= 3000 for p in people)
        for p in people:
            other = frame.iloc[p - 1]
            with_people += 1
            if me["Company/Person"] == "Company":  # a company's deal: its own persons
                assert other["Company/Person"] == "Person"
                assert company_entity[other["Company Name"]] == entity[main]
            elif other["Company/Person"] == "Company":  # a person's deal: its company row
                assert other["Company Name"] == me["Company Name"]
            else:  # or a colleague
                assert company_entity[other["Company Name"]] == company_entity[me["Company Name"]]
    assert with_people > 100
    assert (deals["bid_value"] > 0).all() and set(deals["bid_currency"]) == {"EUR", "GBP", "USD"}


def test_history_has_recent_stale_and_silent_contacts(sample) -> None:
    history = sample.history
    assert list(history.columns) == ["row", "category", "content", "event_at"]
    as_of = datetime.combine(DEFAULT_AS_OF, datetime.min.time()) + timedelta(days=1)
    assert (history["event_at"] < as_of).all()
    last = history.groupby("row")["event_at"].max().reindex(range(1, 3001))
    silent = last.isna().mean()
    stale = (last < as_of - timedelta(days=3 * 365)).mean()
    recent = (last > as_of - timedelta(days=365)).mean()
    assert 0.1 < silent < 0.2 and 0.1 < stale < 0.2 and recent > 0.6
    assert history.groupby("row")["event_at"].is_monotonic_increasing.all()
    assert set(history["category"]) == {"Note", "Call", "Email", "Meeting"}


# -- files ---------------------------------------------------------------------------------------
def test_files_round_trip(tmp_path: Path) -> None:
    s = generate(300, seed=8)
    paths = write_sample(s, tmp_path / "out", truth=True)
    assert [p.name for p in paths] == ["sample_contacts.csv", "sample_deals.csv", "sample_history.csv",
                                       "sample_dates.csv", "sample_truth.csv"]
    raw = paths[0].read_bytes().decode("utf-8")
    lines = raw.split("\n")
    assert lines[0] == ",".join(s.contacts.columns) and raw.endswith("\n") and "\r" not in raw
    assert lines[1].startswith('"') and lines[1].endswith('"')
    back = pd.read_csv(paths[0], dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(back, s.contacts)
    deals, history = read_activity(tmp_path / "out")
    assert deals["row"].tolist() == s.deals["row"].tolist()
    assert deals["participant_rows"].tolist() == s.deals["participant_rows"].tolist()
    assert history["content"].tolist() == s.history["content"].tolist()
    assert pd.read_csv(paths[4]).equals(s.truth)
    dates = read_dates(tmp_path / "out")
    assert dates is not None
    pd.testing.assert_frame_equal(dates, s.dates.astype({"created_at": "datetime64[ns]",
                                                        "updated_at": "datetime64[ns]"}))
