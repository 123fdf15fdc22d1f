"""Shared pieces of the hand-run benchmarks: percentiles and the results table.

Every figure is kept in seconds and shown in the row's unit. A row holds lectern's figure, the
peer's figure measured in the same run (or None), and the target (or None); the table adds the
ratios and whether the target was met. Nothing here asserts: the benchmarks report.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

UNITS = {"s": 1.0, "ms": 1e3, "MB": 1.0}


def percentile(samples: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of ``samples``."""
    ordered = sorted(samples)
    if not ordered:
        return math.nan
    rank = max(math.ceil(p / 100 * len(ordered)), 1)
    return ordered[rank - 1]


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples) if samples else math.nan


@dataclass
class Row:
    """One line of the table; figures in seconds (or MB when unit is MB)."""

    measure: str
    lectern: float | None
    peer: float | None
    target: float | None
    unit: str = "ms"
    note: str = ""


def _show(value: float | None, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    scaled = value * UNITS[unit]
    digits = 0 if scaled >= 100 else 1 if scaled >= 10 else 2 if scaled >= 1 else 3
    return f"{scaled:,.{digits}f} {unit}"


def _ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or not b or math.isnan(a) or math.isnan(b):
        return "—"
    return f"{a / b:.2f}x"


def table(rows: Sequence[Row], peer_name: str) -> str:
    """A Markdown table: measure | lectern | peer | lectern/peer | target | lectern/target | ok?"""
    header = ["measure", "lectern", peer_name, f"vs {peer_name}", "target", "vs target", "ok?"]
    lines = []
    for row in rows:
        ok = "—"
        if row.target is not None and row.lectern is not None and not math.isnan(row.lectern):
            ok = "yes" if row.lectern <= row.target else "NO"
        lines.append(
            [
                row.measure,
                _show(row.lectern, row.unit),
                _show(row.peer, row.unit),
                _ratio(row.lectern, row.peer),
                _show(row.target, row.unit) if row.target is not None else "—",
                _ratio(row.lectern, row.target),
                ok,
            ]
        )
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]

    def fmt(cells: Sequence[str]) -> str:
        return (
            "| "
            + " | ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            )
            + " |"
        )

    out = [fmt(header), "|" + "|".join(("-" * (w + 2)) for w in widths) + "|"]
    out += [fmt(line) for line in lines]
    notes = [f"- {row.measure}: {row.note}" for row in rows if row.note]
    return "\n".join(out + (["", *notes] if notes else []))
