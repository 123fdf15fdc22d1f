"""Generate a reproducible corpus of English-like prose for the benchmarks.

Real corpora are not in the repo, so the benchmarks build one: Zipf-distributed words from a
fixed vocabulary (common English words plus derived forms, so stemming has work to do), grouped
into sentences and paragraphs, each document with YAML front matter like the bundled seeds.
"""

from __future__ import annotations

import itertools
import random
import re
from collections import Counter
from pathlib import Path

_BASE_TEXT = """
the of and to in is that for it as was with be by on not he this are or his from at which but have
an they you were her she there been one all we their has would when if so no will more can out up
who them some could what into than other time these two may first then do any like my now over such
our man me even most made after also did many before must through years where much your way well
down should because each just those people how too little state good very make world still own see
men work long get here between both life being under never day same another know while last might us
great old year off come since against go came right used take three government blockchain technology
policy market system development country research economy company history language reading library
document archive paper network record transaction ledger finance industry science nature energy
climate water city river mountain forest ocean island village harbour railway bridge garden museum
theatre music novel poem chapter author editor reader letter journal newspaper article report review
study theory method result analysis evidence question answer problem solution process structure
function value measure pattern change growth decline crisis reform election parliament court law
right freedom trade price cost budget tax bank loan credit debt currency exchange coin
"""
_BASE = _BASE_TEXT.split()
_SUFFIXES = ("", "", "", "s", "ed", "ing", "er", "ly", "ness", "ation", "al", "ism")


VOCABULARY = 30_000
"""Distinct words of the default corpus (prose). Technical text (the kernel's documentation,
say) has ten to twenty times more: identifiers, numbers, hex, paths."""


def vocabulary(size: int, rng: random.Random) -> list[str]:
    """Base words first (most frequent), then derived forms and pseudo-words to reach ``size``;
    past ``VOCABULARY`` words, a third of the rare ones are identifiers, numbers and hex."""
    words = list(dict.fromkeys(_BASE))
    seen = set(words)
    letters = "etaoinshrdlcumwfgypbvkjxqz"
    while len(words) < size:
        if len(words) >= VOCABULARY and rng.random() < 0.33:
            word = _technical(rng, words)
        elif rng.random() < 0.5:
            word = rng.choice(_BASE) + rng.choice(_SUFFIXES)
        else:
            length = rng.randint(4, 11)
            word = "".join(rng.choice(letters[: 10 + rng.randint(0, 16)]) for _ in range(length))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def _technical(rng: random.Random, words: list[str]) -> str:
    """An identifier (``rx_ring_size``, ``CONFIG_USB_OTG``), a number or a hex constant."""
    kind = rng.random()
    if kind < 0.5:
        parts = [rng.choice(words[:5000]) for _ in range(rng.randint(2, 4))]
        word = "_".join(parts)
        return word.upper() if rng.random() < 0.3 else word
    if kind < 0.75:
        return str(rng.randint(10, 10 ** rng.randint(3, 9)))
    return f"0x{rng.getrandbits(rng.choice((16, 32, 48))):x}"


def make_text(target_bytes: int, vocab: list[str], cum_weights: list[float], rng: random.Random) -> str:
    """Paragraphs of sentences of Zipf-distributed words, about ``target_bytes`` long."""
    parts: list[str] = []
    size = 0
    while size < target_bytes:
        sentences = []
        for _ in range(rng.randint(2, 7)):
            words = rng.choices(vocab, cum_weights=cum_weights, k=rng.randint(6, 24))
            sentences.append(" ".join(words).capitalize() + ".")
        paragraph = " ".join(sentences)
        parts.append(paragraph)
        size += len(paragraph) + 2
    return "\n\n".join(parts)


def generate(
    root: Path, documents: int = 3000, total_mb: float = 25.0, seed: int = 7, words: int = VOCABULARY
) -> Path:
    """Write ``documents`` Markdown files totalling about ``total_mb`` MB under ``root``, drawn
    from ``words`` distinct words."""
    rng = random.Random(seed)
    vocab = vocabulary(words, rng)
    cum_weights = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(vocab))))
    mean = total_mb * 1_000_000 / documents
    root.mkdir(parents=True, exist_ok=True)
    for number in range(documents):
        size = int(rng.lognormvariate(0, 0.6) * mean * 0.84)
        title = " ".join(rng.choices(vocab[:400], k=rng.randint(2, 6))).title()
        year = rng.randint(1990, 2025)
        front = (
            f"---\ntitle: {title!r}\ndate: {year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}\n"
            f"source: Generated Press\nlanguage: en\ntags: [{rng.choice(_BASE[:60])}]\n---\n\n"
        )
        body = f"# {title}\n\n" + make_text(size, vocab, cum_weights, rng) + "\n"
        folder = root / f"part{number % 10}"
        folder.mkdir(exist_ok=True)
        (folder / f"doc{number:05d}.md").write_text(front + body, encoding="utf-8")
    return root


def write_large_document(
    path: Path,
    megabytes: float = 5.0,
    seed: int = 11,
    date: str = "2031-01-01",
    title: str = "A Very Long Report",
) -> Path:
    """Write one Markdown document of about ``megabytes`` MB of the same prose (for the reader and hit spans)."""
    rng = random.Random(seed)
    vocab = vocabulary(30_000, random.Random(7))  # the vocabulary ``generate`` uses with its default seed
    cum_weights = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(vocab))))
    front = (
        f"---\ntitle: {title!r}\ndate: {date}\nsource: Generated Press\nlanguage: en\ntags: [report]\n---\n\n"
    )
    body = f"# {title}\n\n" + make_text(int(megabytes * 1_000_000), vocab, cum_weights, rng) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(front + body, encoding="utf-8")
    return path


def phrases(corpus: Path, count: int) -> list[str]:
    """Word sequences that occur in the corpus, spread over frequent and rarer ones."""
    base = set(_BASE)
    pairs: Counter[tuple[str, ...]] = Counter()
    triples: Counter[tuple[str, ...]] = Counter()
    files = sorted(corpus.rglob("*.md"))[:40]
    for file in files:
        words = re.findall(r"[a-z]+", file.read_text(encoding="utf-8").split("---", 2)[-1].lower())
        for a, b, c in zip(words, words[1:], words[2:], strict=False):
            if a in base and b in base and len(a) > 3 and len(b) > 3:
                pairs[(a, b)] += 1
                if c in base and len(c) > 3:
                    triples[(a, b, c)] += 1
    chosen: list[str] = []
    ranked_pairs = [p for p, _ in pairs.most_common()]
    for rank in (0, 3, 10, 30, 60, 120, 250):
        if rank < len(ranked_pairs):
            chosen.append(" ".join(ranked_pairs[rank]))
    ranked_triples = [t for t, _ in triples.most_common()]
    for rank in (0, 2, 5):
        if rank < len(ranked_triples):
            chosen.append(" ".join(ranked_triples[rank]))
    return [f'"{p}"' for p in chosen[:count]]


if __name__ == "__main__":
    import sys

    out = generate(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/tmp/lectern-corpus"))
    print(out)
