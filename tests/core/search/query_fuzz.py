"""Random queries in lectern's syntax, odd ones included: one generator for the hypothesis test
and for the 3,000-document fuzz benchmark (``tests/benchmarks/bench_query_fuzz.py``)."""

from __future__ import annotations

import random

WORDS = ("harbour", "ledger", "river", "parliament", "a", "e", "th", "usb", "区块链", "İstanbul", "spin_lock")
FIELDS = (
    "title:",
    "tag:",
    "tags:",
    "note:",
    "notes:",
    "lang:",
    "language:",
    "date:",
    "body:",
    "source:",
    "id:",
    "path:",
    "sha256:",
    "record:",
    "title_sort:",
    "mtime_ns:",
    "size:",
    "schema_v6:",
    "foo:",
)
OPERATORS = ("AND", "OR", "NOT", "ANDNOT", "&&", "||", "!", "-", "+")
PUNCTUATION = tuple("\"()[]{}<>*?~^:\\/'!,;.")


def _word(rng: random.Random) -> str:
    if rng.random() < 0.6:
        return rng.choice(WORDS)
    alphabet = "abcdefghijklmnopqrstuvwxyzé区ß0123456789_-"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))


def _term(rng: random.Random) -> str:
    word = _word(rng)
    roll = rng.random()
    if roll < 0.15:
        word += "*"
    elif roll < 0.25:
        word = word[: rng.randint(0, len(word))] + "?" + word[rng.randint(0, len(word)) :]
    elif roll < 0.4:
        word += rng.choice(["~", "~1", "~2", "~3", "~0", "~99", "~9999999999", "~-1", "~x"])
    elif roll < 0.45:
        word += f"^{rng.choice(['2', '0', '-1', '1e9', 'x'])}"
    return word


def _date(rng: random.Random) -> str:
    return rng.choice(
        ["2020", "2021-02-02", "2020-13-01", "0000", "99999", "a b", "", "yesterday", "2019-02-30", "1e10"]
    )


def _piece(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.45:
        return _term(rng)
    if roll < 0.6:
        inner = " ".join(_word(rng) for _ in range(rng.randint(0, 4)))
        return f'"{inner}"' + (f"~{rng.randint(0, 5)}" if rng.random() < 0.2 else "")
    if roll < 0.75:
        field = rng.choice(FIELDS)
        value = _date(rng) if field == "date:" and rng.random() < 0.7 else _term(rng)
        if rng.random() < 0.2:
            value = f'"{value} {_date(rng)}"'
        return field + value
    if roll < 0.85:
        low, high = rng.choice(["[", "{"]), rng.choice(["]", "}"])
        field = rng.choice(("date:", "title:", "source:", "", "lang:"))
        return f"{field}{low}{_date(rng)} {rng.choice(['to', 'TO', ''])} {_date(rng)}{high}"
    if roll < 0.95:
        return rng.choice(OPERATORS)
    return "".join(rng.choice(PUNCTUATION) for _ in range(rng.randint(1, 4)))


def random_query(rng: random.Random) -> str:
    """One query: a few pieces, sometimes grouped, sometimes unbalanced."""
    pieces = [_piece(rng) for _ in range(rng.randint(1, 6))]
    if rng.random() < 0.2:
        cut = rng.randint(0, len(pieces))
        pieces.insert(cut, "(")
        if rng.random() < 0.7:
            pieces.append(")")
    return " ".join(pieces)
