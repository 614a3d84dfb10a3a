"""``make bench``: run every benchmark module and write docs/benchmarks.md.

``python -m benchmarks.run edit search`` runs only the modules whose names contain one of the
words and replaces only their sections; every other section of the file stays as it was. A
section's "What it says" notes are written by hand after a run: a new run keeps them under the
new figures, marked as written for an earlier run, so nothing said is lost and nothing old passes
for new.
"""

from __future__ import annotations

import importlib
import pkgutil
import platform
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import benchmarks

OUT = Path("docs/benchmarks.md")
NOTES = "What it says"
STALE = "_The notes below were written for an earlier run; the figures above are from {when}._"
_STALE_RE = re.compile(r"^_The notes below were written for an earlier run;[^\n]*_\n\n", re.MULTILINE)


def split_sections(text: str) -> tuple[str, dict[str, str]]:
    """The text before the first ``## `` heading, and each section by its heading line (in order)."""
    parts = re.split(r"(?m)^(?=## )", text)
    head = parts[0] if parts and not parts[0].startswith("## ") else ""
    sections = {p.split("\n", 1)[0]: p for p in parts if p.startswith("## ")}
    return head, sections


def merge_section(new: str, old: str | None, when: str) -> str:
    """The new section, followed by the old section's hand-written notes (if any), marked stale."""
    if old is None or f"\n{NOTES}" not in old:
        return new
    notes = _STALE_RE.sub("", old[old.index(f"\n{NOTES}") + 1:]).strip()
    return f"{new.rstrip()}\n\n{STALE.format(when=when)}\n\n{notes}\n"


def compose(existing: str, fresh: dict[str, str], header: str, when: str) -> str:
    """docs/benchmarks.md with the ``fresh`` sections (by heading) replaced or added."""
    _head, old = split_sections(existing)
    merged = dict(old)
    for heading, section in fresh.items():
        merged[heading] = merge_section(section, old.get(heading), when)
    return header + "\n".join(s.rstrip() + "\n" for s in merged.values())


def drop_last_lines(head: str, ran: list[str], whole: bool) -> str:
    """The head without the "Last ..." lines this run supersedes: all of them after a whole run,
    else those of earlier runs of any section run now (the others' stay)."""
    def superseded(found: re.Match[str]) -> str:
        sections = re.search(r"\(sections: ([^)]*)\)", found.group(0))
        if whole or sections is None or set(sections.group(1).split(", ")) & set(ran):
            return ""
        return found.group(0)

    return re.sub(r"(?m)^Last `python -m benchmarks\.run[^\n]*\n*", superseded, head)


def main() -> None:
    quick = "--quick" in sys.argv
    only = [a for a in sys.argv[1:] if not a.startswith("--")]
    names = sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.endswith("_bench"))
    if only:
        names = [n for n in names if any(o in n for o in only)]
    fresh: dict[str, str] = {}
    for name in names:
        started = time.perf_counter()
        print(f"running {name} ...", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        section = module.run(quick=quick)
        fresh[section.split("\n", 1)[0]] = section
        print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
    when = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    existing = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
    head, _ = split_sections(existing)
    head = drop_last_lines(head, [n.removesuffix("_bench") for n in names], whole=not only)
    header = head if head.strip() else (
        "# Benchmarks\n\n"
        "Each section is the output of one benchmark module (`make bench` runs them all: `python -m "
        "benchmarks.run`). These machines are shared and noisy: compare the ratios measured side by "
        "side in one run, not absolute times across runs.\n\n"
    )
    header = header.rstrip() + (
        f"\n\nLast `python -m benchmarks.run{' --quick' if quick else ''}"
        f"{' ' + ' '.join(only) if only else ''}`: {when}, Python {platform.python_version()}, "
        f"{platform.machine()} (sections: {', '.join(n.removesuffix('_bench') for n in names)}).\n\n"
    )
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(compose(existing, fresh, header, when), encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
