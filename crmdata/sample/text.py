"""Pure string helpers of the sample generator: transliteration, slugs, typos, phone formats.

Every function is deterministic: randomness comes in as numbers drawn by the caller from the
seeded generator, so the same seed always gives the same text.
"""

from __future__ import annotations

import re
from string import Formatter

import numpy as np
from unidecode import unidecode

from .names import LEGAL_FORMS, LEGAL_VARIANTS

_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_NON_LOCAL = re.compile(r"[^a-z0-9.\-]+")


def transliterate(text: str) -> str:
    """German-style ASCII: ``Müller`` -> ``Mueller``, ``Groß`` -> ``Gross``; other accents dropped."""
    text = text.translate(_GERMAN)
    return text if text.isascii() else unidecode(text)


def has_special(text: str) -> bool:
    """Whether transliteration changes the text (umlauts, ß, accents)."""
    return transliterate(text) != text


def slug(text: str, sep: str = "-") -> str:
    """Lower-case ASCII words joined by ``sep`` (``Müller & Söhne`` -> ``mueller-und-soehne``)."""
    text = transliterate(text.replace("&", " und " if _looks_german(text) else " and ").replace("+", " "))
    return _NON_ALNUM.sub(sep, text.lower()).strip(sep)


def _looks_german(text: str) -> bool:
    return any(ch in text for ch in "äöüÄÖÜß")


def email_local(*parts: str) -> str:
    """An email local part from name parts: ``("Jürgen", "von Bülow")`` -> ``juergen.vonbuelow``."""
    cleaned = [_NON_LOCAL.sub("", transliterate(p).lower().replace(" ", "")) for p in parts]
    return ".".join(p for p in cleaned if p)


def typo(word: str, u_kind: float, u_pos: float) -> str:
    """One realistic typing error in ``word``: swap, drop, double or replace a letter.

    ``u_kind`` and ``u_pos`` are uniform numbers in [0, 1) that choose the error and where.
    Words shorter than three letters come back with a letter doubled.
    """
    if len(word) < 3:
        return word + word[-1:] if word else word
    # never touch the first letter: people rarely get that wrong, and blocking relies on it
    pos = 1 + int(u_pos * (len(word) - 2))
    kind = int(u_kind * 4)
    if kind == 0:  # swap two neighbours
        chars = list(word)
        chars[pos], chars[pos + 1] = chars[pos + 1], chars[pos]
        out = "".join(chars)
        if out != word:
            return out
        kind = 1
    if kind == 1:  # drop a letter
        return word[:pos] + word[pos + 1:]
    if kind == 2:  # double a letter
        return word[:pos] + word[pos] + word[pos:]
    return word[:pos] + _NEIGHBOUR.get(word[pos].lower(), "e") + word[pos + 1:]


#: A neighbouring key on a QWERTZ/QWERTY keyboard, for replaced letters.
_NEIGHBOUR = {
    "a": "s", "b": "v", "c": "x", "d": "s", "e": "r", "f": "g", "g": "h", "h": "j", "i": "o",
    "j": "k", "k": "l", "l": "k", "m": "n", "n": "m", "o": "i", "p": "o", "q": "w", "r": "t",
    "s": "a", "t": "r", "u": "i", "v": "b", "w": "e", "x": "c", "y": "t", "z": "u", "ä": "a",
    "ö": "o", "ü": "u", "ß": "s",
}


# -- legal forms ---------------------------------------------------------------------------
_ALL_FORMS = frozenset(
    {f for forms in LEGAL_FORMS.values() for f, _ in forms}
    | {v for vs in LEGAL_VARIANTS.values() for v in vs if v}
)
_MOST_WORDS = max(len(f.split(" ")) for f in _ALL_FORMS)


def split_legal_form(name: str) -> tuple[str, str]:
    """``("Müller Logistik", "GmbH")`` from ``"Müller Logistik GmbH"``; the form may be ``""``."""
    words = name.split(" ")
    for k in range(min(_MOST_WORDS, len(words) - 1), 0, -1):  # longest form first
        form = " ".join(words[-k:])
        if form in _ALL_FORMS:
            return " ".join(words[:-k]).rstrip(), form
    return name, ""


# -- phone numbers -------------------------------------------------------------------------
#: Ways people write one phone number, per locale; a duplicate uses another one.
PHONE_STYLES: dict[str, tuple[str, ...]] = {
    "de": ("+49 {a} {s}", "0{a} {s}", "0{a}/{s}", "+49 (0){a} {g}", "0049 {a} {s}", "0{a}-{s}"),
    "uk": ("+44 {a} {g}", "0{a} {g}", "+44 (0){a} {g}", "0{a}{s}"),
    "us": ("+1 {a}-{g}", "({a}) {g}", "{a}.{d}", "{a}-{g}", "+1 ({a}) {g}"),
}


def format_phone(locale: str, area: str, subscriber: str, style: int) -> str:
    """One phone number written in one of its locale's styles (``style`` is taken modulo)."""
    styles = PHONE_STYLES[locale]
    return styles[style % len(styles)].format(
        a=area, s=subscriber, g=_group(locale, subscriber, "-"), d=_group(locale, subscriber, ".")
    )


def _group(locale: str, subscriber: str, us_sep: str) -> str:
    """The subscriber number in groups: US 555-0123, UK 7946 0123 (six digits stay whole),
    German 123 4567."""
    if locale == "us":
        return subscriber[:3] + us_sep + subscriber[3:]
    if locale == "uk" and len(subscriber) <= 6:
        return subscriber
    return subscriber[:-4] + " " + subscriber[-4:]


def format_phones(locale: str, area: np.ndarray, subscriber: np.ndarray, style: np.ndarray) -> np.ndarray:
    """:func:`format_phone` for whole arrays of one locale, with numpy object arithmetic."""
    n = len(area)
    styles = PHONE_STYLES[locale]
    which = style % len(styles)
    used = {name for template in styles for _, name, _, _ in Formatter().parse(template) if name}
    fields = {"a": area, "s": subscriber}
    for field, sep in (("g", "-"), ("d", ".")):
        if field in used:
            fields[field] = np.asarray([_group(locale, s, sep) for s in subscriber], dtype=object)
    out = np.full(n, "", dtype=object)
    for k, template in enumerate(styles):
        m = which == k
        if not m.any():
            continue
        text: np.ndarray | str = ""
        for literal, name, _, _ in Formatter().parse(template):
            if literal:
                text = text + literal
            if name:
                text = text + fields[name][m]
        out[m] = text
    return out


def phone_digits(text: str) -> str:
    """The national significant number of a written phone (digits without country code or 0).

    Good enough to compare the sample's own formats, which is all it is for.
    """
    digits = re.sub(r"\D", "", text.replace("(0)", ""))
    for prefix in ("0049", "0044", "001", "49", "44"):
        if digits.startswith(prefix) and len(digits) > 10:
            return digits[len(prefix):]
    if text.lstrip().startswith("+1") and digits.startswith("1"):
        return digits[1:]
    return digits.lstrip("0")
