"""Row counts per chunk, summed in log time: which chunk holds row n, and how many rows precede
a chunk, while counts change (a chunk laid out replaces its estimate) and chunks are appended
(the text is cut further). A document of 10,000 chunks would otherwise sum a list per row drawn.
"""

from __future__ import annotations


class Fenwick:
    """A Fenwick (binary indexed) tree of non-negative counts, 0-based."""

    def __init__(self, counts: list[int] | None = None) -> None:
        self.size = 0
        self.tree = [0]
        self.total = 0
        self._top = 0
        for count in counts or ():
            self.append(count)

    def append(self, count: int) -> None:
        """Add a count after the last."""
        j = self.size + 1
        # Node j sums the counts (j - lowbit(j), j]: the new one and those before it in that range.
        self.tree.append(count + self.prefix(j - 1) - self.prefix(j - (j & -j)))
        self.size = j
        self.total += count
        if j >= self._top * 2 or not self._top:
            self._top = 1 << (j.bit_length() - 1)

    def add(self, index: int, delta: int) -> None:
        self.total += delta
        j = index + 1
        while j <= self.size:
            self.tree[j] += delta
            j += j & -j

    def prefix(self, index: int) -> int:
        """The sum of counts ``[0, index)``."""
        found, j = 0, index
        while j > 0:
            found += self.tree[j]
            j -= j & -j
        return found

    def find(self, line: int) -> int:
        """The index holding unit ``line``: the first whose count, with those before it, exceeds it."""
        position, remaining, step = 0, line, self._top
        while step:
            nxt = position + step
            if nxt <= self.size and self.tree[nxt] <= remaining:
                position = nxt
                remaining -= self.tree[nxt]
            step >>= 1
        return min(position, self.size - 1)
