"""What a contacts file is written in: its encoding, its line endings and its separator.

Contact files come in few encodings: UTF-8 (with or without a byte order mark), UTF-16
(little or big endian, with or without a mark), and the single-byte code pages of Windows
and old Macs (cp1252 / latin-1, mac_roman). Detection looks only among those, so a German
Excel file is never taken for cp775 or a French one for cp1250: a mark or every-other-byte
zero decides UTF-16, valid UTF-8 decides UTF-8, and chardet (limited to the three code pages)
ranks the rest. A guess that rests on a few non-ASCII bytes is reported as weak.

The separator (``,`` ``;`` tab ``|``) is detected with clevercsv's consistency measure.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from ..errors import CrmDataError

#: Bytes looked at for a byte order mark and for UTF-16's zero bytes.
_HEAD = 1 << 16
#: At most this much non-ASCII text is handed to chardet.
_SAMPLE = 1 << 16
#: Code pages a contact file may come in when it is not UTF-8 or UTF-16 (chardet's names).
SINGLE_BYTE = ("cp1252", "iso-8859-1", "mac-roman")
_PYTHON_NAME = {"windows-1252": "cp1252", "iso-8859-1": "latin-1", "macroman": "mac_roman"}
#: Fewer non-ASCII bytes than this make a code-page guess weak.
_FEW_BYTES = 20
#: Separators looked for, in the order a tie is decided.
DELIMITERS = (",", ";", "\t", "|")
#: Text looked at to detect the separator.
_SNIFF = 1 << 14


@dataclass(frozen=True)
class EncodingGuess:
    """The encoding chosen for a file, how it was chosen, and whether the choice is weak."""

    name: str  # a Python codec name
    how: str
    weak: bool = False

    def note(self) -> str:
        text = f"read as {self.name} ({self.how})"
        if self.weak:
            text += (
                "; this is a weak guess: if names look wrong, import again with "
                "--encoding cp1252, --encoding mac_roman or --encoding utf-8"
            )
        return text


@dataclass(frozen=True)
class FileScan:
    """One pass over the bytes: UTF-8 validity and which line endings occur."""

    utf8: bool
    crlf: int
    lf: int
    cr: int

    @property
    def uniform_newlines(self) -> bool:
        """True when DuckDB can read the file as it is (only LF, or only CRLF)."""
        return self.cr == 0 and not (self.crlf and self.lf)


def scan(path: Path) -> FileScan:
    """Read the file once: is it valid UTF-8, and how many of each line ending does it have."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    crlf = lf = cr = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            if chunk.endswith(b"\r"):
                chunk += fh.read(1)
            pairs = chunk.count(b"\r\n")
            crlf += pairs
            lf += chunk.count(b"\n") - pairs
            cr += chunk.count(b"\r") - pairs
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    return FileScan(utf8, crlf, lf, cr)


def detect_encoding(path: Path, declared: str | None, utf8: bool | None = None) -> EncodingGuess:
    """The file's encoding: the declared one, a byte order mark, UTF-16, UTF-8 or a code page."""
    if declared:
        try:
            codecs.lookup(declared)
        except LookupError as exc:
            raise CrmDataError(
                f"'{declared}' is not an encoding Python knows.",
                hint="contact files are usually utf-8, utf-16, cp1252 or mac_roman",
            ) from exc
        return EncodingGuess(declared, "given with --encoding")
    with path.open("rb") as fh:
        head = fh.read(_HEAD)
    if head.startswith(codecs.BOM_UTF8):
        return EncodingGuess("utf-8-sig", "UTF-8 byte order mark")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return EncodingGuess("utf-16", "UTF-16 byte order mark")
    if b"\x00" in head:
        return _utf16_without_mark(path, head)
    if utf8 if utf8 is not None else scan(path).utf8:
        return EncodingGuess("utf-8", "valid UTF-8" if not head.isascii() else "plain ASCII")
    return _code_page(path)


def _utf16_without_mark(path: Path, head: bytes) -> EncodingGuess:
    """UTF-16 without a mark: Latin text has a zero in every other byte; else it is binary."""
    even = head[: len(head) & ~1]
    zeros_at_odd = even[1::2].count(0)
    zeros_at_even = even[0::2].count(0)
    half = len(even) // 2
    for name, zeros, others in (("utf-16-le", zeros_at_odd, zeros_at_even),
                                ("utf-16-be", zeros_at_even, zeros_at_odd)):
        if half and zeros > half // 2 and others < zeros // 20:
            try:
                codecs.getincrementaldecoder(name)().decode(even)
            except UnicodeDecodeError:
                break
            side = "little" if name.endswith("le") else "big"
            return EncodingGuess(name, f"UTF-16 {side} endian without a byte order mark")
    raise CrmDataError(f"{path} is not a CSV file (it contains binary data).")


def _code_page(path: Path) -> EncodingGuess:
    import chardet

    sample, non_ascii = _non_ascii_lines(path)
    ranked = chardet.detect_all(sample, include_encodings=list(SINGLE_BYTE), ignore_threshold=True)
    ranked = [r for r in ranked if r.get("encoding")]
    if not ranked:
        raise CrmDataError(
            f"{path} is not UTF-8 and its encoding cannot be recognised.",
            hint="give it with --encoding, e.g. --encoding cp1252",
        )
    best = _python_name(str(ranked[0]["encoding"]))
    # chardet's confidences for these close code pages differ by a few hundredths even when
    # its ranking is right, so the strength of a guess is the evidence it rests on
    weak = non_ascii < _FEW_BYTES
    return EncodingGuess(best, f"not UTF-8; guessed from {non_ascii} non-ASCII bytes", weak)


def _python_name(chardet_name: str) -> str:
    return _PYTHON_NAME.get(chardet_name.lower(), chardet_name.lower())


def _non_ascii_lines(path: Path) -> tuple[bytes, int]:
    """Up to ``_SAMPLE`` bytes of the lines that hold non-ASCII bytes, and how many such bytes."""
    kept: list[bytes] = []
    size = 0
    count = 0
    with path.open("rb") as fh:
        for line in fh:
            if line.isascii():
                continue
            kept.append(line)
            size += len(line)
            count += sum(1 for b in line if b > 127)
            if size >= _SAMPLE:
                break
    return b"".join(kept), count


@dataclass(frozen=True)
class DelimiterGuess:
    delimiter: str
    how: str

    def note(self) -> str:
        shown = "tab" if self.delimiter == "\t" else f"'{self.delimiter}'"
        return f"separator {shown} ({self.how})"


def detect_delimiter(text: str, display: Path) -> DelimiterGuess:
    """The separator of a CSV text sample among , ; tab |, or a clear error naming the file."""
    from clevercsv import Detector

    sample = text[:_SNIFF]
    if len(text) > _SNIFF and "\n" in sample:
        sample = sample[: sample.rindex("\n") + 1]
    first = sample.split("\n", 1)[0]
    if not any(d in first for d in DELIMITERS):
        raise CrmDataError(
            f"{display} does not look like a CSV file: its first line has none of the "
            "separators , ; tab or |.",
            hint="is this the right file? for another separator use --delimiter",
        )
    found = Detector().detect(sample, delimiters=list(DELIMITERS))
    if found is None or found.delimiter not in DELIMITERS:
        raise CrmDataError(
            f"{display}: cannot tell which separator the file uses.",
            hint="give it with --delimiter, e.g. --delimiter ';'",
        )
    return DelimiterGuess(found.delimiter, "detected")
