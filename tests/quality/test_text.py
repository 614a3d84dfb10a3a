"""Pure helpers: re-casing, countries to regions, phone shape, and the fast patterns of the check
that let values through without the library (they must never let through what it refuses)."""

from __future__ import annotations

import re

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from crmdata.edit.validate import check_url
from crmdata.quality.check_sql import FAST_EMAIL_RE, FAST_URL_RE, SPECIAL_TLDS
from crmdata.quality.rules import RULES, select, table
from crmdata.quality.text import collapse_spaces, is_international, recase_name


@pytest.mark.parametrize(("value", "kwargs", "expected"), [
    ("LUDWIG", {}, "Ludwig"),
    ("VAN BEETHOVEN", {"last_name": True}, "van Beethoven"),
    ("VAN", {"last_name": True}, "Van"),
    ("van der berg", {}, "Van der Berg"),
    ("mcdonald", {}, "McDonald"),
    ("O'BRIEN", {}, "O'Brien"),
    ("anna-lena", {}, "Anna-Lena"),
    ("JOSÉ DE LA CRUZ", {}, "José de la Cruz"),
    ("MÜLLER", {}, "Müller"),
    ("SIEMENS AG", {"company": True}, "Siemens AG"),
    ("mueller logistik gmbh & co. kg", {"company": True}, "Mueller Logistik GmbH & Co. KG"),
    ("  too   many  ", {}, "Too Many"),
])
def test_recase_name(value: str, kwargs: dict[str, bool], expected: str) -> None:
    assert recase_name(value, **kwargs) == expected


def test_is_international_and_collapse() -> None:
    assert is_international("+49 30 1234567", "+49301234567")
    assert is_international("+1 415-271-3508", "+14152713508")
    assert not is_international("+49 30 1234567", None)
    assert not is_international("+49 (0)30 1234567", "+49301234567")
    assert not is_international("+49 30 1234568", "+49301234567")
    assert collapse_spaces(" a \t b\n") == "a b"


def test_rules_table() -> None:
    assert len({r.name for r in RULES}) == len(RULES)
    assert all(r.fix for r in RULES)
    assert [r.name for r in select("stale, name_case")] == ["name_case", "stale"]
    assert all(r.fixable for r in select(fixable_only=True))
    assert table(select("stale"))[0]["severity"] == "info"


_TLDS = st.from_regex(r"\A[a-z]{2,8}\Z").filter(lambda t: t not in SPECIAL_TLDS)


@pytest.mark.parametrize(("email", "fast"), [
    ("0@00--0.aa", False),  # "--" as a label's 3rd and 4th characters: email-validator refuses it
    ("x@xn--bcher-kva.de", False),  # Punycode: the library decodes it
    ("x@a--b.com", True),
    ("x@abc--d.com", True),
    ("x@ab-c.com", True),
])
def test_the_fast_email_pattern_leaves_double_hyphens_after_two_characters_to_the_library(
        email: str, fast: bool) -> None:
    assert bool(re.fullmatch(FAST_EMAIL_RE, email)) is fast


@settings(max_examples=300, deadline=None)
@given(local=st.from_regex(r"\A[a-z0-9_+\-]{1,20}(\.[a-z0-9_+\-]{1,10}){0,2}\Z"),
       labels=st.lists(st.from_regex(r"\A[a-z0-9]([a-z0-9\-]{0,20}[a-z0-9])?\Z"), min_size=1, max_size=3),
       tld=_TLDS)
def test_fast_email_pattern_only_passes_what_the_library_accepts(local: str, labels: list[str],
                                                                 tld: str) -> None:
    email = f"{local}@{'.'.join(labels)}.{tld}"
    if not re.fullmatch(FAST_EMAIL_RE, email) or len(email) > 100:
        return
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:  # pragma: no cover - the assertion names the value
        raise AssertionError(f"{email} passes the fast pattern but not email-validator: {exc}") from exc


@settings(max_examples=300, deadline=None)
@given(scheme=st.sampled_from(["", "http://", "https://", "HTTP://"]),
       labels=st.lists(st.from_regex(r"\A[A-Za-z0-9]([A-Za-z0-9\-]{0,20}[A-Za-z0-9])?\Z"), min_size=1,
                       max_size=3),
       tld=_TLDS, rest=st.from_regex(r"\A([/?#][!-~]{0,20})?\Z"))
def test_fast_url_pattern_only_passes_what_check_url_accepts(scheme: str, labels: list[str], tld: str,
                                                            rest: str) -> None:
    url = f"{scheme}{'.'.join(labels)}.{tld}{rest}"
    if re.fullmatch(FAST_URL_RE, url) and len(url) <= 253:
        assert check_url(url) is None, url


def test_phone_facts_agree_with_the_edit_validator_and_punctuation_does_not_matter() -> None:
    from crmdata.edit.validate import normalise_phone
    from crmdata.quality.check_sql import PLAIN_PHONE_SQL_RE
    from crmdata.quality.phones import phone_facts
    from crmdata.sample import generate

    sample = generate(400, seed=5).contacts
    phones = sample[[c for c in sample.columns if c.startswith("Phone")]].stack()
    values = [*phones[phones != ""].tolist(), "12", "+1 (415) 271-3508 ext. 4", "0049 (0)30 1234567"]
    for value in values:
        for region in ("DE", "US", "GB"):
            e164, intl = phone_facts(value, region)
            expected, _problem = normalise_phone(value, region)
            assert e164 is None or e164 == expected, (value, region)
            if re.fullmatch(PLAIN_PHONE_SQL_RE, value.strip()):
                digits = re.sub(r"[ ()./-]", "", value.strip())
                assert phone_facts(digits, region) == (e164, intl), (value, region)
    assert phone_facts("12", "DE") == (None, None)  # possible only locally: refused by the check
