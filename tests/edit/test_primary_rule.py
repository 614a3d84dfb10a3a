"""The primary-value rule the library applies and the editor previews."""

from __future__ import annotations

from crmdata.edit.working_copy import primary_successor


def test_the_first_remaining_value_takes_over() -> None:
    assert primary_successor(["b@x.example", "c@x.example"]) == "b@x.example"
    assert primary_successor([]) is None
