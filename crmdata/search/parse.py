"""The search box's query language, parsed into a small syntax tree (pure, no I/O).

The language (docs/design.md, "Search"; the help article's step 2):

- words separated by spaces are ANDed; each may match any searched field;
- a plain word matches the beginning of a word (``smi`` finds Smith);
- ``?`` stands for one character and ``*`` for any run inside a word; such a word must match a
  whole word (``Sm?th`` finds Smith and Smyth, not Smithers);
- ``"exact phrase"``: these words adjacent and in this order, each a whole word; inside
  quotes every non-letter is plain punctuation;
- ``word~`` similar spellings (Damerau-Levenshtein distance <= 2, <= 1 for words of 4 letters
  or fewer); ``word~1`` sets the distance (0, 1 or 2).

Punctuation separates words in the data and in the query alike, so a query word with
punctuation (``lore.hamann@gm``) stands for its words, adjacent and in order, the last one a
prefix; a word of punctuation alone (the ``&`` of ``Arnold & Horn``) only separates words.
Anything that cannot be searched faithfully (an unclosed quote, a lone ``~``, a word of only
wildcards, a query of only punctuation, an over-long query) raises :class:`SearchSyntaxError`
naming the character position (1-based), never a quietly different search.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ..errors import CrmDataError
from .normalise import fold

#: Longest query accepted, in characters (ONLYOFFICE's Lucene engine cut queries at 30).
MAX_QUERY_LENGTH = 1000
#: Most words and phrases in one query.
MAX_TERMS = 32
#: Largest distance ``word~N`` accepts.
MAX_DISTANCE = 2
#: Wildcard characters of the language.
WILDCARDS = "?*"

AtomKind = Literal["exact", "prefix", "pattern", "fuzzy"]

_PART_RE = re.compile(r"[^\W_]+")
_WILD_PART_RE = re.compile(r"(?:[^\W_]|[?*])+")


class SearchSyntaxError(CrmDataError):
    """A query that cannot be searched as written; ``position`` is the 1-based character."""

    def __init__(self, message: str, query: str, position: int) -> None:
        super().__init__(
            f"Search {query!r}, position {position}: {message}",
            hint='write words, "an exact phrase", word~ for similar spellings, ? and * inside words',
        )
        self.query = query
        self.position = position


@dataclass(frozen=True)
class Atom:
    """One word of the data to match, under each of its folded forms."""

    kind: AtomKind
    forms: tuple[str, ...]  # folded; patterns keep their ? and *
    distance: int = 0  # fuzzy only

    @property
    def text(self) -> str:
        return self.forms[0]


@dataclass(frozen=True)
class Term:
    """A query word or phrase: its atoms must be adjacent words of one field, in order."""

    atoms: tuple[Atom, ...]
    source: str  # as typed
    position: int  # 1-based
    phrase: bool = False


@dataclass(frozen=True)
class Query:
    """A parsed query; no terms means no text condition (list everything the filters let through)."""

    text: str
    terms: tuple[Term, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.terms

    def describe(self) -> str:
        """The query in plain English."""
        return " and ".join(_describe_term(t) for t in self.terms)


def _describe_term(term: Term) -> str:
    if term.phrase:
        return f'the phrase "{" ".join(a.text for a in term.atoms)}"'
    if len(term.atoms) > 1:
        return f"the words {' '.join(_describe_atom(a) for a in term.atoms)} in a row"
    return _describe_atom(term.atoms[0])


def _describe_atom(atom: Atom) -> str:
    if atom.kind == "prefix":
        return f"a word starting with '{atom.text}'"
    if atom.kind == "pattern":
        return f"a word like '{atom.text}'"
    if atom.kind == "fuzzy":
        return f"a word within {atom.distance} edit(s) of '{atom.text}'"
    return f"the word '{atom.text}'"


def _forms(raw: str, regex: re.Pattern[str]) -> list[tuple[str, ...]]:
    """The parts of a raw word, each with its distinct folded forms."""
    a_parts = regex.findall(fold(raw))
    b_parts = regex.findall(fold(raw, umlauts=True))
    if len(a_parts) != len(b_parts):  # cannot happen: spelling umlauts out keeps word bounds
        b_parts = a_parts
    return [(a,) if a == b else (a, b) for a, b in zip(a_parts, b_parts, strict=True)]


def default_distance(word: str) -> int:
    """Distance used by a bare ``word~``: 1 for words of up to 4 letters, else 2."""
    return 1 if len(word) <= 4 else 2


def parse(text: str) -> Query:
    """Parse a search query; raises :class:`SearchSyntaxError` with the position of the problem."""
    if len(text) > MAX_QUERY_LENGTH:
        raise SearchSyntaxError(
            f"the query is {len(text)} characters long; at most {MAX_QUERY_LENGTH} are searched",
            _short(text), MAX_QUERY_LENGTH + 1,
        )
    terms: list[Term] = []
    punctuation: tuple[str, int] | None = None  # the first word of punctuation alone, if any
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if len(terms) >= MAX_TERMS:
            raise SearchSyntaxError(
                f"more than {MAX_TERMS} words and phrases; search fewer at a time", text, i + 1
            )
        if ch == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise SearchSyntaxError("this quote is never closed", text, i + 1)
            terms.append(_phrase(text, text[i + 1:end], i + 1))
            i = end + 1
            if i < n and text[i] == "~":
                raise SearchSyntaxError(
                    "~ (similar spelling) applies to a single word, not to a phrase", text, i + 1
                )
            continue
        j = i
        while j < n and not text[j].isspace() and text[j] != '"':
            j += 1
        raw = text[i:j]
        if _is_separator(raw):  # "Arnold & Horn": the & separates words, as in the data
            punctuation = punctuation or (raw, i + 1)
        else:
            terms.append(_word(text, raw, i + 1))
        i = j
    if not terms and punctuation:
        raw, position = punctuation
        raise SearchSyntaxError(
            f"{raw!r} has no letters or digits to search for (punctuation only separates words)",
            text, position,
        )
    return Query(text, tuple(terms))


def _is_separator(raw: str) -> bool:
    """A query word of punctuation alone (no letters, digits, wildcards or ~)."""
    return not any(w in raw for w in (*WILDCARDS, "~")) and not _forms(raw, _PART_RE)


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def _phrase(query: str, body: str, position: int) -> Term:
    parts = _forms(body, _PART_RE)
    if not parts:
        raise SearchSyntaxError(
            "this phrase has no letters or digits to search for", query, position
        )
    return Term(tuple(Atom("exact", f) for f in parts), f'"{body}"', position, phrase=True)


def _word(query: str, raw: str, position: int) -> Term:
    tilde = raw.find("~")
    if tilde >= 0:
        return _fuzzy(query, raw, position, tilde)
    if any(w in raw for w in WILDCARDS):
        return _wildcard(query, raw, position)
    parts = _forms(raw, _PART_RE)
    if not parts:
        raise SearchSyntaxError(
            f"{raw!r} has no letters or digits to search for (punctuation only separates words)",
            query, position,
        )
    atoms = [Atom("exact", f) for f in parts[:-1]] + [Atom("prefix", parts[-1])]
    return Term(tuple(atoms), raw, position)


def _fuzzy(query: str, raw: str, position: int, tilde: int) -> Term:
    body, suffix = raw[:tilde], raw[tilde + 1:]
    if not body:
        raise SearchSyntaxError(
            "~ must follow a word (word~ finds similar spellings)", query, position
        )
    if suffix and not suffix.isdigit():
        raise SearchSyntaxError(
            "~ goes at the end of a word, optionally with a distance (word~ or word~1)",
            query, position + tilde,
        )
    if any(w in body for w in WILDCARDS):
        raise SearchSyntaxError(
            "a word cannot have both wildcards (? *) and ~", query, position
        )
    parts = _forms(body, _PART_RE)
    if len(parts) != 1 or _PART_RE.fullmatch(fold(body)) is None:
        raise SearchSyntaxError(
            f"~ applies to one word of letters and digits; {body!r} is not one",
            query, position,
        )
    if suffix:
        distance = int(suffix)
        if distance > MAX_DISTANCE:
            raise SearchSyntaxError(
                f"the distance after ~ is at most {MAX_DISTANCE}", query, position + tilde + 1
            )
    else:
        distance = default_distance(parts[0][0])
    return Term((Atom("fuzzy", parts[0], distance),), raw, position)


def _wildcard(query: str, raw: str, position: int) -> Term:
    parts = _forms(raw, _WILD_PART_RE)
    if not any(ch not in WILDCARDS for p in parts for ch in p[0]):
        raise SearchSyntaxError(
            f"{raw!r} is only wildcards and would match everything; add letters (e.g. O*)",
            query, position,
        )
    atoms = []
    for p in parts:
        if all(ch in WILDCARDS for ch in p[0]):
            raise SearchSyntaxError(
                f"a word part of only wildcards in {raw!r} would match every word; "
                "attach the wildcard to letters (e.g. gm*)",
                query, position,
            )
        atoms.append(Atom("pattern" if any(w in p[0] for w in WILDCARDS) else "exact", p))
    return Term(tuple(atoms), raw, position)
