"""``make bench``'s writer: fresh sections replace old ones, hand-written notes survive, marked."""

from __future__ import annotations

from benchmarks.run import STALE, compose, merge_section, split_sections

OLD = """# Benchmarks

Intro written by hand.

## Alpha

| a | 1 |

What it says: alpha is fine.

## Beta

| b | 2 |
"""


def test_split_keeps_the_head_and_every_section_in_order() -> None:
    head, sections = split_sections(OLD)
    assert head == "# Benchmarks\n\nIntro written by hand.\n\n"
    assert list(sections) == ["## Alpha", "## Beta"]
    assert sections["## Beta"] == "## Beta\n\n| b | 2 |\n"


def test_a_new_run_keeps_the_notes_marked_as_older_and_never_twice() -> None:
    once = merge_section("## Alpha\n\n| a | 9 |\n", split_sections(OLD)[1]["## Alpha"], "T1")
    assert once == ("## Alpha\n\n| a | 9 |\n\n" + STALE.format(when="T1")
                    + "\n\nWhat it says: alpha is fine.\n")
    twice = merge_section("## Alpha\n\n| a | 10 |\n", once, "T2")
    assert twice.count("written for an earlier run") == 1 and "T2" in twice and "T1" not in twice
    assert merge_section("## Beta\n\n| b | 3 |\n", split_sections(OLD)[1]["## Beta"], "T1") == (
        "## Beta\n\n| b | 3 |\n")


def test_compose_replaces_only_the_fresh_sections_and_appends_new_ones() -> None:
    out = compose(OLD, {"## Beta": "## Beta\n\n| b | 3 |\n", "## Gamma": "## Gamma\n\n| g |\n"},
                  "# Benchmarks\n\nHead.\n\n", "T1")
    assert out == ("# Benchmarks\n\nHead.\n\n## Alpha\n\n| a | 1 |\n\nWhat it says: alpha is fine.\n"
                   "\n## Beta\n\n| b | 3 |\n\n## Gamma\n\n| g |\n")


def test_a_run_of_some_sections_keeps_the_other_sections_last_lines() -> None:
    from benchmarks.run import drop_last_lines

    head = ("# Benchmarks\n\n"
            "Last `python -m benchmarks.run scale`: 2026-12-03 18:26 UTC, x (sections: scale).\n"
            "Last `python -m benchmarks.run dedupe`: 2026-12-03 14:56 UTC, x (sections: dedupe).\n")
    kept = drop_last_lines(head, ["dedupe"], whole=False)
    assert "run scale`" in kept and "run dedupe`" not in kept
    assert "Last" not in drop_last_lines(head, ["dedupe", "scale", "edit"], whole=True)
