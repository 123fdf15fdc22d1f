"""When Python's cyclic garbage collector runs: not during the start, and never over what lives
as long as the app.

The command line pauses the collector before it loads the app (start-up allocates much and
frees little; its passes were a sixth of the time to the first paint). After the first frame,
``collect_again`` freezes what start-up made (modules, classes, styles, the screen) and turns
the collector back on. The whole catalog (100,000 entries at a large corpus, kept while it is
current) is frozen a page at a time as it is read (``freeze_read``): the read gives way to
typing, so it can last as long as the user types, and full collections walking the entries read
so far took 40-65 ms each, in the middle of queries; ``freeze_long_lived`` freezes what is
listed at the end. Tests never pause the collector, so nothing is frozen there.
"""

from __future__ import annotations

import gc


def collect_again() -> None:
    """After the first frame: freeze what start-up made and turn the collector back on, if the
    command line paused it."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def freeze_long_lived() -> None:
    """Move every object tracked now out of the collector's reach, if the start was frozen
    (an O(1) move: no collection is run for it)."""
    if gc.get_freeze_count():
        gc.freeze()


def freeze_read() -> None:
    """A page of a long read was kept (if the start was frozen): collect the young objects first,
    so no garbage made meanwhile is frozen with it (the young collection walks some thousands of
    objects, not the app), then freeze the rest."""
    if gc.get_freeze_count():
        gc.collect(1)
        gc.freeze()
