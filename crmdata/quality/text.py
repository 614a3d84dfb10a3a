"""Pure text helpers of the data-quality rules: re-casing names, collapsing spaces, reading a
country into a phone region, and the shape of an international phone number.

Everything here works on one value and is used on the *distinct* values a query returns, so
its cost does not grow with the number of contacts.
"""

from __future__ import annotations

import re

#: Name particles written in lower case inside a name ("Ludwig van Beethoven", "de la Cruz").
PARTICLES = frozenset({
    "von", "van", "der", "den", "de", "del", "della", "di", "da", "du", "la", "le", "zu", "zum",
    "zur", "ter", "ten", "af", "av", "y", "e", "dos", "das", "do", "vom", "bin", "al",
})
#: Legal forms and abbreviations kept exactly as written here when a company name is re-cased.
LEGAL_FORMS = {f.lower(): f for f in (
    "GmbH", "AG", "KG", "OHG", "GbR", "UG", "SE", "eG", "e.V.", "mbH", "Co.", "KGaA", "Ltd", "Ltd.",
    "LLC", "LLP", "Inc.", "Inc", "Corp.", "PLC", "plc", "S.A.", "SA", "S.L.", "SARL", "SAS", "B.V.",
    "BV", "N.V.", "NV", "AB", "A/S", "ApS", "Oy", "S.p.A.", "S.r.l.", "GmbH & Co. KG", "IT", "USA",
    "UK", "EU", "HR", "IT-Service",
)}
_SPACES_RE = re.compile(r"\s+")
_WORD_SPLIT_RE = re.compile(r"([\s\-']+)")
#: A phone written the consistent international way: +country code, digit groups, single
#: spaces or hyphens between groups (what :data:`phonenumbers.PhoneNumberFormat.INTERNATIONAL`
#: writes). The SQL twin lives in :mod:`crmdata.quality.check`.
INTERNATIONAL_RE = re.compile(r"^\+[0-9]+([ -][0-9]+)*$")

def collapse_spaces(value: str) -> str:
    """Trimmed, with every run of whitespace made one space."""
    return _SPACES_RE.sub(" ", value).strip()


def _case_word(word: str, first: bool, company: bool) -> str:
    low = word.lower()
    if company and low in LEGAL_FORMS:
        return LEGAL_FORMS[low]
    if not first and low in PARTICLES:
        return low
    if low.startswith("mc") and len(low) > 2:
        return "Mc" + low[2:3].upper() + low[3:]
    return low[:1].upper() + low[1:]


def recase_name(value: str, *, company: bool = False, last_name: bool = False) -> str:
    """A name in all capitals or all lower case, written the usual way.

    Words are capitalised; particles (von, van, de, ...) stay lower case unless they start
    the name (a last name of several words keeps them lower case at the start too:
    ``van Beethoven``); ``Mc`` and ``O'`` keep the next letter capital; parts of double names
    (``anna-lena``) are each capitalised; company legal forms keep their spelling.

    Examples:
        >>> recase_name("LUDWIG VAN BEETHOVEN")
        'Ludwig van Beethoven'
        >>> recase_name("o'brien-mcdonald")
        "O'Brien-McDonald"
        >>> recase_name("VAN DER BERG", last_name=True)
        'van der Berg'
        >>> recase_name("MUELLER LOGISTIK GMBH", company=True)
        'Mueller Logistik GmbH'
    """
    text = collapse_spaces(value)
    if company:
        low = text.lower()
        for form_low, form in sorted(LEGAL_FORMS.items(), key=lambda kv: -len(kv[0])):
            if " " in form_low and low.endswith(" " + form_low):
                head = recase_name(text[: -len(form_low)].rstrip(), company=True)
                return f"{head} {form}"
    parts = _WORD_SPLIT_RE.split(text)
    out = []
    first = not (last_name and " " in text)
    for part in parts:
        if not part or _WORD_SPLIT_RE.fullmatch(part):
            out.append(part)
            continue
        out.append(_case_word(part, first, company))
        first = False
    joined = "".join(out)
    # O'Brien, D'Angelo: the letter after a one-letter prefix and an apostrophe is capital
    return re.sub(r"\b([A-Za-z])'(\w)", lambda m: f"{m.group(1).upper()}'{m.group(2).upper()}", joined)


def is_international(value: str, e164: str | None) -> bool:
    """Whether a phone is written the consistent international way and says the same number
    as its E.164 form."""
    return bool(INTERNATIONAL_RE.match(value)) and e164 is not None and \
        value.replace(" ", "").replace("-", "") == e164
