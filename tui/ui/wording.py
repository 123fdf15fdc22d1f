"""Counts as people write them: "1 hit", "2 hits", "400,000 hits".

Every number the reading room shows next to a noun goes through ``counted``, so no label says
"1 hits" or "400000", and no message falls back on "file(s)".
"""

from __future__ import annotations


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """``number`` with thousands separators and ``noun`` in the singular or the plural.

    ``plural`` defaults to ``noun + "s"``; irregular nouns pass their own.
    """
    word = noun if number == 1 else plural or f"{noun}s"
    return f"{number:,} {word}"
