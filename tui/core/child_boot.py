"""How lectern starts a Python child of its own (the indexer, the format converter, the file
watcher): the same interpreter, with the folder that holds lectern's own ``tui`` first on the
child's path. Not ``-m``: that, like ``-c``, puts the current folder first, so a ``tui.py`` or
``tui/`` where the user runs lectern would be imported instead of lectern; the boot drops it.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import NoReturn

ROOT = str(Path(__file__).resolve().parents[2])
"""The folder that holds this ``tui`` package."""


def python_argv(module: str, function: str, *args: str) -> list[str]:
    """The argv that runs ``module.function(argv)`` in a child process (``run``), ``args`` being
    its argv; the child exits with what the function returns."""
    boot = (
        "import sys; sys.path[:] = [sys.argv.pop(1)] + [p for p in sys.path if p]; "
        f"from tui.core.child_boot import run; run({module!r}, {function!r})"
    )
    return [sys.executable, "-c", boot, ROOT, *args]


def run(module: str, function: str) -> NoReturn:
    """Call ``module.function(sys.argv[1:])`` and exit with what it returns (0 for None).

    Once it returns, the ``atexit`` functions run and the output is flushed, and the child exits
    at once, without the interpreter's teardown (every module and object freed: 16-28 ms of each
    start-up check, which the parent waits for); what a child writes is written and closed
    before it returns. An exception leaves as usual, with its traceback on stderr.
    """
    import atexit
    import importlib
    import os

    code = getattr(importlib.import_module(module), function)(sys.argv[1:])
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a reader gone, a stream closed
            stream.flush()
    os._exit(code if isinstance(code, int) else 0 if code is None else 1)
