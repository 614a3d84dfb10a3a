"""The data-quality rules as data: one table says what each rule finds, how bad it is, and
whether :func:`crmdata.quality.clean.clean` can fix it.

The checks themselves live in :mod:`crmdata.quality.check` (set-based SQL, with a library call
per distinct value where only a library can judge: email syntax, phone numbers, URLs, custom
values). Keeping the table apart lets the CLI list the rules, the notebook label its charts and
the cleanup choose which fixes to stage, all from one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from ..errors import CrmDataError

Severity = Literal["error", "warning", "info"]
#: Severities from worst to mildest (reports sort by this).
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")


@dataclass(frozen=True)
class Rule:
    """One data-quality rule.

    ``check`` names how it is found: ``"sql"`` (one query over the store) or ``"values"`` (a
    query for the distinct values, judged by a validation library, joined back).
    """

    name: str
    severity: Severity
    description: str
    check: Literal["sql", "values"]
    fixable: bool
    fix: str = ""  # the suggested fix in words (what the cleanup does, for fixable rules)


RULES: tuple[Rule, ...] = (
    Rule("email_invalid", "error", "Email address whose syntax is invalid (checked without network).",
         "values", False, "correct or delete the address"),
    Rule("email_format", "warning", "Valid email address with capitals or surrounding spaces.",
         "sql", True, "lower-case and trim the address"),
    Rule("phone_invalid", "error",
         "Phone number that does not parse for the contact's country (primary address, else the "
         "default region).", "values", False,
         "correct the number or the contact's address country"),
    Rule("phone_format", "warning",
         "Valid phone number not written in international format (+country code, digit groups).",
         "values", True, "rewrite in international format, e.g. +49 30 1234567"),
    Rule("url_invalid", "error", "Web site or profile URL that does not parse.", "values", False,
         "correct or delete the address"),
    Rule("name_case", "warning", "Name written in all capitals or all lower case.", "sql", True,
         "re-case, keeping particles (von, van, de), Mc and O' and legal forms (GmbH, AG)"),
    Rule("whitespace", "warning", "Leading, trailing or doubled spaces in a name or value.", "sql",
         True, "trim and collapse spaces"),
    Rule("primary_several", "error", "Several primary values of one contact info type.", "sql",
         True, "keep the first primary, clear the others"),
    Rule("primary_none", "warning", "Contact info type with values but no primary one.", "sql",
         True, "make the first value primary"),
    Rule("company_missing", "error", "Person linked to a company that does not exist.", "sql",
         False, "link the person to an existing company or unlink it"),
    Rule("company_empty", "info", "Company with neither persons nor any contact information.",
         "sql", False, "add persons or contact information, or delete the company"),
    Rule("stale", "info",
         "Contact not updated and without activity (history events) for the stale period.", "sql",
         False, "review: update, record an activity, or delete the contact"),
    Rule("unreachable", "warning", "Contact with no email, no phone and no address.", "sql", False,
         "add an email, phone or address, or delete the contact"),
    Rule("custom_invalid", "warning",
         "Custom field value that no longer fits its field (type, options, scope, deleted field).",
         "values", False, "set a value the field accepts, or clear it"),
    Rule("info_duplicate", "warning",
         "The same contact info value twice within one contact.", "sql", True,
         "delete the repeated row, keeping the primary or first one"),
    Rule("import_kept", "error",
         "Value an import kept as written though it failed validation (import --keep-bad-values), "
         "with the file and line it came from; listed while the contact still holds it.", "sql",
         False, "correct the value, or delete it"),
)

RULES_BY_NAME: dict[str, Rule] = {r.name: r for r in RULES}


def rule(name: str) -> Rule:
    """The rule called ``name``; a clear error that lists the rules for a misspelt one."""
    try:
        return RULES_BY_NAME[name.strip().lower()]
    except KeyError:
        raise CrmDataError(
            f"There is no data-quality rule '{name}'.", hint="rules: " + ", ".join(RULES_BY_NAME)
        ) from None


def select(names: str | Iterable[str] | None = None, *, fixable_only: bool = False) -> tuple[Rule, ...]:
    """The rules named (a comma-separated string or a list; None: all), in table order."""
    if names is None:
        chosen = list(RULES)
    else:
        if isinstance(names, str):
            names = [n for n in names.split(",") if n.strip()]
        wanted = {rule(n).name for n in names}
        chosen = [r for r in RULES if r.name in wanted]
    if fixable_only:
        chosen = [r for r in chosen if r.fixable]
    return tuple(chosen)


def table(rules: Sequence[Rule] = RULES) -> list[dict[str, object]]:
    """The rules as records (for a DataFrame or ``crmdata check --list-rules``)."""
    return [{"rule": r.name, "severity": r.severity, "fixable": r.fixable,
             "description": r.description, "fix": r.fix} for r in rules]
