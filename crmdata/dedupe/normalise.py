"""Pure normalisers for duplicate matching: the keys kept beside the data, never over it.

Each function takes one raw value and returns its matching key (or ``None`` when the value
gives none). They are applied to the DISTINCT values of a column (see :mod:`.keys`), so a
million contacts cost as many calls as there are different spellings.

- names: case-folded, accents dropped and German umlauts folded both ways, so ``Müller``,
  ``Mueller`` and ``Muller`` share the key ``muller`` (reusing the search folding);
- first names: the nickname groups of :mod:`.nicknames` (``Bob`` and ``Robert``);
- phonetic keys: Cologne phonetics (German) and Double Metaphone (English);
- companies: legal-form suffixes stripped (``GmbH``, ``G.m.b.H.``, ``AG``, ``Inc.``, ``Ltd`` ...);
- phones: E.164 with a default region (:mod:`phonenumbers`), emails lower-cased, websites
  reduced to their domain, street abbreviations expanded.
"""

from __future__ import annotations

import re

from doublemetaphone import doublemetaphone

from ..countries import region_of_country
from ..search.normalise import fold
from .nicknames import GROUPS

#: After spelling umlauts out (``ü`` -> ``ue``), the spelled-out forms fold back to one letter.
_UMLAUT_PAIRS = (("ae", "a"), ("oe", "o"), ("ue", "u"))
_NON_LETTER = re.compile(r"[^a-z0-9 ]+")
_SPACES = re.compile(r"\s+")


def _fold(text: str) -> str:
    """The search folding with umlauts spelled out; plain ASCII only needs lower case (fast path)."""
    return text.lower() if text.isascii() else fold(text, umlauts=True)


def _fold_plain(text: str) -> str:
    """The search folding without umlauts spelled out (form A); plain ASCII only needs lower
    case (fast path: the phonetic keys are made of keys that are ASCII already)."""
    return text.lower() if text.isascii() else fold(text)


def fold_text(value: str | None) -> str | None:
    """Lower case, accents dropped, umlauts folded both ways, only letters, digits, single spaces."""
    if value is None:
        return None
    out = _fold(str(value))
    for src, dst in _UMLAUT_PAIRS:
        out = out.replace(src, dst)
    out = _SPACES.sub(" ", _NON_LETTER.sub(" ", out.replace("'", ""))).strip()
    return out or None


def name_key(value: str | None) -> str | None:
    """A person's name part as a matching key: ``Müller`` = ``Mueller`` = ``Muller`` -> ``muller``."""
    return fold_text(value)


def first_name_key(value: str | None) -> str | None:
    """A first name as a key; a hyphenated name is one name (``Hans-Peter`` -> ``hanspeter``)."""
    return fold_text(str(value).replace("-", "")) if value is not None else None


def _build_nicknames() -> dict[str, tuple[str, ...]]:
    out: dict[str, set[str]] = {}
    for group in GROUPS:
        formal = fold_text(group[0])
        assert formal
        for name in group:
            key = fold_text(name)
            assert key
            out.setdefault(key, set()).add(formal)
    return {k: tuple(sorted(v)) for k, v in out.items()}


#: Folded first name -> the folded formal names it may stand for.
NICKNAME_GROUPS: dict[str, tuple[str, ...]] = _build_nicknames()


def first_name_groups(value: str | None) -> tuple[str, ...]:
    """The given names a first name may stand for: ``Bob`` -> ``("robert",)``; itself if unknown.

    Only the first word counts (``Hans Peter`` -> ``hans``): second given names are often left out.
    """
    key = first_name_key(value)
    if not key:
        return ()
    head = key.split(" ")[0]
    return NICKNAME_GROUPS.get(head, (head,))


def same_given_name(a: str | None, b: str | None) -> bool:
    """Whether two first names may be the same given name (equal or nickname of each other)."""
    ga, gb = first_name_groups(a), first_name_groups(b)
    return bool(ga) and bool(set(ga) & set(gb))


# -- phonetic keys ---------------------------------------------------------------------------
_COLOGNE_SIMPLE = {
    **dict.fromkeys("aeijouy", "0"), "h": "", "b": "1", "f": "3", "v": "3", "w": "3",
    **dict.fromkeys("gkq", "4"), "l": "5", "m": "6", "n": "6", "r": "7", **dict.fromkeys("sz", "8"),
}


def cologne(value: str | None) -> str | None:
    """Kölner Phonetik (Postel 1969) of a name: ``Müller``/``Mueller``/``Möller`` -> ``657``."""
    text = _fold_plain(str(value)) if value is not None else ""
    word = "".join(ch for ch in text if "a" <= ch <= "z")
    if not word:
        return None
    codes: list[str] = []
    n = len(word)
    for i, ch in enumerate(word):
        prev = word[i - 1] if i else ""
        nxt = word[i + 1] if i + 1 < n else ""
        if ch in _COLOGNE_SIMPLE:
            code = _COLOGNE_SIMPLE[ch]
        elif ch == "p":
            code = "3" if nxt == "h" else "1"
        elif ch in "dt":
            code = "8" if nxt in ("c", "s", "z") else "2"
        elif ch == "x":
            code = "8" if prev in ("c", "k", "q") else "48"
        elif ch == "c":
            if i == 0:
                code = "4" if nxt in "ahkloqrux" else "8"
            elif prev in ("s", "z"):
                code = "8"
            else:
                code = "4" if nxt in "ahkoqux" and nxt else "8"
        else:
            code = ""
        codes.append(code)
    digits = "".join(codes)
    collapsed = [d for j, d in enumerate(digits) if j == 0 or d != digits[j - 1]]
    head, rest = collapsed[:1], [d for d in collapsed[1:] if d != "0"]
    return "".join(head + rest) or None


def metaphone(value: str | None) -> str | None:
    """The primary Double Metaphone key of a name (``Smith`` = ``Smyth`` -> ``SM0``)."""
    text = _fold_plain(str(value)) if value is not None else ""
    word = "".join(ch for ch in text if "a" <= ch <= "z" or ch == " ").strip()
    if not word:
        return None
    primary = doublemetaphone(word)[0]
    return primary or None


# -- companies -------------------------------------------------------------------------------
#: Legal-form words (folded, dots removed, single letters joined: ``G.m.b.H.`` -> ``gmbh``).
LEGAL_FORM_WORDS: frozenset[str] = frozenset({
    "gmbh", "mbh", "ag", "kg", "kgaa", "ohg", "ug", "ek", "ev", "eg", "gbr", "se", "co", "cokg",
    "haftungsbeschrankt", "hb", "aktiengesellschaft", "kommanditgesellschaft", "gesellschaft",
    "inc", "incorporated", "llc", "llp", "lp", "ltd", "limited", "plc", "corp", "corporation",
    "company", "public", "sa", "sarl", "sas", "bv", "nv", "srl", "spa", "oy", "ab", "as", "pty",
    "u", "und", "and",
})
#: Words that join names and carry no identity.
_JOINERS = frozenset({"und", "and", "u"})
_SINGLE_LETTERS = re.compile(r"\b(?:[a-z] ){1,}[a-z]\b")


def _join_letters(match: re.Match[str]) -> str:
    return match.group(0).replace(" ", "")


def company_key(value: str | None) -> str | None:
    """A company name without its legal form: ``Müller & Söhne G.m.b.H.`` -> ``muller sohne``.

    Legal-form words are stripped from the end only (``AG Nord Bau GmbH`` keeps its head),
    and ``&``/``und``/``and`` joiners are dropped everywhere. A name made only of legal-form
    words keeps them, so it still has a key.
    """
    if value is None:
        return None
    text = _fold(str(value))
    for src, dst in _UMLAUT_PAIRS:
        text = text.replace(src, dst)
    text = text.replace(".", " ").replace("&", " ").replace("+", " ")
    text = _SPACES.sub(" ", _NON_LETTER.sub(" ", text)).strip()
    text = _SINGLE_LETTERS.sub(_join_letters, text)
    words = text.split()
    if not words:
        return None
    kept = list(words)
    while len(kept) > 1 and kept[-1] in LEGAL_FORM_WORDS:
        kept.pop()
    kept = [w for w in kept if w not in _JOINERS] or kept
    return " ".join(kept)


def token_sort(value: str | None) -> str | None:
    """The words of a key sorted: word order no longer matters (``bau nord`` = ``nord bau``)."""
    if not value:
        return None
    return " ".join(sorted(value.split()))


# -- contact info ----------------------------------------------------------------------------
def email_key(value: str | None) -> str | None:
    """An email address lower-cased and trimmed; ``None`` unless it has one ``@``."""
    if value is None:
        return None
    text = str(value).strip().lower()
    return text if text.count("@") == 1 and not text.startswith("@") and not text.endswith("@") else None


_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*://")


def website_domain(value: str | None) -> str | None:
    """A web address reduced to its host without ``www.``: ``https://www.X.de/about`` -> ``x.de``."""
    if value is None:
        return None
    text = _SCHEME.sub("", str(value).strip().lower())
    host = re.split(r"[/?#:]", text, maxsplit=1)[0].strip(".")
    if host.startswith("www."):
        host = host[4:]
    return host if "." in host and " " not in host else None


def region_of(country: str | None) -> str | None:
    """The phone region (ISO 3166 alpha-2) of a country as written, or ``None`` if unknown."""
    return region_of_country(country)


#: Street-type abbreviations (folded, dot optional) and what they stand for; ``str`` also
#: ends a word (``Hauptstr. 5`` -> ``hauptstrasse 5``).
STREET_ABBREVIATIONS: dict[str, str] = {
    "str": "strasse", "st": "street", "rd": "road", "av": "avenue", "ave": "avenue",
    "blvd": "boulevard", "dr": "drive", "ln": "lane", "pl": "platz", "sq": "square", "ct": "court",
    "hwy": "highway",
}
_ABBREVIATIONS_RE = "|".join(sorted(STREET_ABBREVIATIONS, key=len, reverse=True))
_STREET_RE = re.compile(r"(?:(?<=[a-z])str|\b(?:" + _ABBREVIATIONS_RE + r"))\b\.?")


def _expand(match: re.Match[str]) -> str:
    return STREET_ABBREVIATIONS[match.group(0).rstrip(".")]


def street_key(value: str | None) -> str | None:
    """A street line folded with its abbreviations expanded: ``Hauptstr. 5`` = ``Hauptstraße 5``."""
    if value is None:
        return None
    text = _STREET_RE.sub(_expand, _fold(str(value)))
    for src, dst in _UMLAUT_PAIRS:
        text = text.replace(src, dst)
    text = re.sub(r"(\d)\s+([a-z])\b", r"\1\2", text)  # 148 a -> 148a
    text = _SPACES.sub(" ", _NON_LETTER.sub(" ", text)).strip()
    text = re.sub(r"(\D)(\d)", r"\1 \2", text)  # strasse5 -> strasse 5
    return _SPACES.sub(" ", text).strip() or None


def zip_key(value: str | None) -> str | None:
    """A postal code upper-cased without spaces (``ec2a 1hy`` -> ``EC2A1HY``)."""
    if value is None:
        return None
    text = re.sub(r"[^0-9A-Za-z]", "", str(value)).upper()
    return text or None


_HOUSE = re.compile(r"\b(\d+[a-z]?)\b")


def house_number(street: str | None) -> str | None:
    """The house number of a street key (its first number, with a letter suffix): ``148a``."""
    if not street:
        return None
    found = _HOUSE.search(street)
    return found.group(1) if found else None


def street_name(street: str | None) -> str | None:
    """A street key without its house number: ``2950 w 25th street`` -> ``w 25th street``."""
    if not street:
        return None
    number = house_number(street)
    text = _HOUSE.sub(" ", street, count=1) if number else street
    return _SPACES.sub(" ", text).strip() or None


#: Dates that stand for "unknown" in exports (a default or a clearly made-up value).
PLACEHOLDER_DATES = frozenset({"1770-01-01", "1800-01-01", "1899-12-31", "1900-01-01", "1901-01-01",
                               "1111-11-11", "0001-01-01", "1000-01-01", "9999-12-31"})
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_YEAR = re.compile(r"^\s*(\d{4})\s*$")


def date_parts(value: str | None) -> tuple[str | None, str | None]:
    """``(full date, year)`` of a stored date text for matching.

    ``1984-03-07`` gives both; a year alone (``1984``) gives only the year, which may agree as
    a year but never as a date; a placeholder date (``1770-01-01``, ``1900-01-01`` ...) gives
    nothing, so it never agrees at all.
    """
    if value is None:
        return None, None
    text = str(value).strip()
    full = _ISO_DATE.match(text)
    if full:
        iso = f"{full.group(1)}-{full.group(2)}-{full.group(3)}"
        if iso in PLACEHOLDER_DATES:
            return None, None
        return iso, full.group(1)
    year = _YEAR.match(text)
    return (None, year.group(1)) if year else (None, None)
