"""Data quality: find what is outdated, invalid or inconsistent (``check``) and fix what can be
fixed safely as one undoable change set (``clean``); ``summary`` for dashboards.
"""

from .check import COLUMNS, check
from .rules import RULES, Rule, select

__all__ = ["COLUMNS", "RULES", "Rule", "check", "select"]
