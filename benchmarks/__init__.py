"""Benchmarks: each ``*_bench`` module's ``run(quick)`` returns a Markdown section."""
