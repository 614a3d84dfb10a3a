"""SQL string literals (pure)."""

from __future__ import annotations

import pytest

from crmdata.quoting import sql_literal


@pytest.mark.parametrize(("text", "literal"), [
    ("plain", "'plain'"),
    ("O'Brien", "'O''Brien'"),
    ("''", "''''''"),
    ("", "''"),
    ("/tmp/a b/c'd.duckdb", "'/tmp/a b/c''d.duckdb'"),
])
def test_a_literal_doubles_every_single_quote_inside_its_quotes(text: str, literal: str) -> None:
    assert sql_literal(text) == literal
