"""BM25F, the one ranking formula: a term's score in a document from its frequency there, the
document's length in the field against the average, and the term's rarity (idf).

Written once, for plain numbers and numpy arrays alike: the bulk evaluator scores a whole
posting list with it, the matcher that runs through Whoosh one document at a time, and tests
hold both to Whoosh's own BM25F.
"""

from __future__ import annotations

from typing import Any

K1 = 1.2
"""How fast repeated occurrences stop counting (Whoosh's default)."""
B = 0.75
"""How much a longer document is discounted (Whoosh's default)."""


def length_norm(length: Any, average: float, b: float = B, k1: float = K1) -> Any:
    """(Floats or numpy arrays.) The denominator's document part, ``k1 * (1 - b + b * length / average)``."""
    return k1 * ((1 - b) + b * length / average)


def bm25(frequency: Any, norm: Any, idf: float, k1: float = K1) -> Any:
    """The score of a term found ``frequency`` times in a document with ``norm``."""
    return idf * ((frequency * (k1 + 1)) / (frequency + norm))
