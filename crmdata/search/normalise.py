"""Case and accent folding for search, once in Python (query side) and once in SQL (index side).

A word is a run of letters and digits (Unicode categories L and N); everything else separates
words, so ``lore.hamann@gmail.com`` is the words ``lore hamann gmail com`` and SQL wildcards
(``%``, ``_``) or quotes in the data can never become part of a word.

Every word has one or two *forms*:

- form A folds accents away: lower case, ``ß`` -> ``ss`` and a few letters that carry no
  combining mark (``ø``, ``ł``, ``æ`` ...), then every combining mark is stripped
  (``müller`` -> ``muller``);
- form B additionally spells the German umlauts out first (``müller`` -> ``mueller``).

The index stores a word under both forms and a query word is looked up under both, so
``muller``, ``mueller`` and ``müller`` all find ``Müller``. The Python and SQL versions must agree
character for character; ``tests/search/test_normalise.py`` runs both over the same strings.
"""

from __future__ import annotations

import re
import unicodedata

from ..quoting import sql_literal

#: Letters folded before marks are stripped (both forms). ``ς`` because Python lower-cases a
#: final sigma to ``ς`` and DuckDB to ``σ``.
SPECIAL: tuple[tuple[str, str], ...] = (
    ("ß", "ss"),
    ("æ", "ae"),
    ("œ", "oe"),
    ("ø", "o"),
    ("ł", "l"),
    ("đ", "d"),
    ("ð", "d"),
    ("þ", "th"),
    ("ı", "i"),
    ("ς", "σ"),
)
#: The German umlauts spelled out (form B only).
UMLAUTS: tuple[tuple[str, str], ...] = (("ä", "ae"), ("ö", "oe"), ("ü", "ue"))

#: One word: a run of letters and digits (Python's ``\w`` without ``_``).
WORD_RE = re.compile(r"[^\W_]+")
#: The same in DuckDB's RE2 syntax.
WORD_RE_SQL = r"[\p{L}\p{N}]+"


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    kept = "".join(ch for ch in decomposed if unicodedata.category(ch) not in ("Mn", "Mc", "Me"))
    return unicodedata.normalize("NFC", kept)


def fold(text: str, umlauts: bool = False) -> str:
    """Form A (``umlauts=False``) or form B of a text: lower case, no accents."""
    out = unicodedata.normalize("NFC", text).lower()
    if umlauts:
        for src, dst in UMLAUTS:
            out = out.replace(src, dst)
    for src, dst in SPECIAL:
        out = out.replace(src, dst)
    return _strip_marks(out)


def forms(word: str) -> tuple[str, ...]:
    """The distinct folded forms of one word (A first)."""
    a, b = fold(word), fold(word, umlauts=True)
    return (a,) if a == b else (a, b)


def words(text: str) -> list[str]:
    """The words of an already folded text."""
    return WORD_RE.findall(text)


def fold_sql(expr: str, umlauts: bool = False) -> str:
    """SQL for :func:`fold` applied to the SQL expression ``expr``."""
    out = f"lower(nfc_normalize({expr}))"
    pairs = (UMLAUTS if umlauts else ()) + SPECIAL
    for src, dst in pairs:
        out = f"replace({out}, {sql_literal(src)}, {sql_literal(dst)})"
    return f"strip_accents({out})"


def fold_column_sql(column: str, umlauts: bool = False) -> str:
    """:func:`fold_sql` of a text ``column`` (named several times: pass a column, not an
    expression to compute). ASCII text (as many code points as bytes), most text, is only
    lower-cased, which is all the folding does to it: it is NFC, without a mark to strip or a
    letter to replace."""
    return (f"CASE WHEN length({column}) = strlen({column}) THEN lower({column}) "
            f"ELSE {fold_sql(column, umlauts)} END")


def words_sql(folded_expr: str) -> str:
    """SQL for the list of words of an already folded text."""
    return f"regexp_extract_all({folded_expr}, {sql_literal(WORD_RE_SQL)})"


def reversed_text(text: str) -> str:
    """A text of words with its characters in reverse order, code point by code point (its words
    reversed, in reverse order): what the full-text index keeps to look a word up by its end."""
    return text[::-1]


def reversed_sql(column: str) -> str:
    """SQL for :func:`reversed_text` of a text ``column`` (named three times: pass a column,
    not an expression to compute).

    DuckDB's ``reverse()`` reverses grapheme clusters, not code points, so a word holding a
    letter that clusters with its neighbour (Thai sara am, a halfwidth kana sound mark, a
    Hangul jamo run NFC leaves apart) would come out otherwise than Python reverses it; it is
    only used on ASCII text (as many code points as bytes), where the two agree and it is
    cheapest, any other text being split into code points and put back in reverse."""
    return (f"CASE WHEN length({column}) = strlen({column}) THEN reverse({column}) "
            f"ELSE array_to_string(list_reverse(string_split({column}, '')), '') END")


def signature(term: str) -> int:
    """A 63-bit set of the characters of a term (bit ``ord(c) % 63``).

    An edit changes the character set by at most two members, so two terms within
    Damerau-Levenshtein distance ``k`` differ in at most ``2k`` signature bits; the fuzzy
    search uses that as a cheap filter before computing distances.
    """
    sig = 0
    for ch in term:
        sig |= 1 << (ord(ch) % 63)
    return sig


def signature_sql(term_expr: str) -> str:
    """SQL for :func:`signature` of a term."""
    return (
        f"list_reduce(list_transform(string_split({term_expr}, ''), "
        f"lambda ch: (1::BIGINT << (unicode(ch) % 63))), lambda x, y: x | y, 0::BIGINT)"
    )
