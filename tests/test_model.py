"""The vocabulary of crmdata.model: codes as stored."""

from __future__ import annotations

import pytest

from crmdata.model import ContactKind


@pytest.mark.parametrize(("is_company", "kind", "code"), [(False, ContactKind.PERSON, "P"),
                                                          (True, ContactKind.COMPANY, "C")])
def test_a_contact_kind_is_its_stored_code(is_company: bool, kind: ContactKind, code: str) -> None:
    assert ContactKind.of(is_company) is kind
    assert kind == code and ContactKind(code) is kind
    assert {code: 1}[kind] == 1  # a kind finds what is keyed by its code (models, comparisons)
