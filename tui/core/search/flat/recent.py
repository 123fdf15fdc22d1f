"""Decoded posting lists kept for the queries that come again.

Reading a term from the ``.lps`` file is a few numpy passes (gaps summed, counts, positions
made segment-wide); a search decodes each of its words in every segment. Search as you type
asks again for the words before the last one, a sort or the reader's hit spans ask again for
all of them: the lists decoded last are kept, ``DECODED_BYTES`` at most in all, the least
recently used let go. Kept arrays are read-only, since every caller shares them.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from typing import Any

DECODED_BYTES = 32 << 20
TOKENS = itertools.count()
"""A name for each opened file in the cache (never reused, unlike ``id``)."""


class Recent:
    """Decoded arrays by key, least recently used first, within ``DECODED_BYTES`` in all."""

    def __init__(self) -> None:
        self._found: OrderedDict[tuple[int, int, int], tuple[Any, ...]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[int, int, int], decode: Any) -> Any:
        with self._lock:
            found = self._found.get(key)
            if found is not None:
                self._found.move_to_end(key)
                return found
        found = decode()
        for array in found:
            array.flags.writeable = False  # shared by every caller: nobody may change it
        size = sum(a.nbytes for a in found)
        with self._lock:
            if key not in self._found and size <= DECODED_BYTES // 4:
                self._found[key] = found
                self._bytes += size
                while self._bytes > DECODED_BYTES:
                    _, dropped = self._found.popitem(last=False)
                    self._bytes -= sum(a.nbytes for a in dropped)
        return found


DECODED = Recent()
