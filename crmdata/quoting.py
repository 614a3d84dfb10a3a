"""SQL string literals, for the values crmdata writes into statements it builds (labels, paths,
patterns) rather than passing as parameters: DuckDB takes no parameters where a constant
must stand (ATTACH, COPY ... TO, a folding expression compiled once)."""

from __future__ import annotations


def sql_literal(text: str) -> str:
    """``text`` as a SQL string literal (single quotes, each inner one doubled)."""
    return "'" + text.replace("'", "''") + "'"
