"""The documentation a clone has is enough: nothing points outside the repository."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_no_document_or_docstring_points_outside_the_repository() -> None:
    files = [ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "crmdata").rglob("*.py")]
    outside = [str(f.relative_to(ROOT)) for f in files
               if any(mark in f.read_text(encoding="utf-8") for mark in ("../shared", "/work/shared"))]
    assert not outside


def test_the_readme_links_the_design() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    design = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    assert "docs/design.md" in readme
    for heading in ("## Layers", "## An edit, start to end", "## A duplicate run, start to end",
                    "## Where the rules live", "## Adding a feature package", "## Product decisions"):
        assert heading in design
