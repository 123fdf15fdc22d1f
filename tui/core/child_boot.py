"""How lectern starts a Python child of its own (the indexer, the format converter, the file
watcher): the same interpreter, with the folder that holds lectern's own ``tui`` first on the
child's path. Not ``-m``: that, like ``-c``, puts the current folder first, so a ``tui.py`` or
``tui/`` where the user runs lectern would be imported instead of lectern; the boot drops it.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
"""The folder that holds this ``tui`` package."""


def python_argv(module: str, function: str, *args: str) -> list[str]:
    """The argv that runs ``module.function(argv)`` in a child process, ``args`` being its argv;
    the child exits with what the function returns.

    Once it returns, its output is flushed and it exits at once, without the interpreter's
    teardown (every module and object freed: 16-28 ms of each start-up check, which the parent
    waits for): what a child writes is written and closed before it returns. An exception
    leaves as usual, with its traceback on stderr.
    """
    boot = (
        "import os, sys; sys.path[:] = [sys.argv.pop(1)] + [p for p in sys.path if p]; "
        f"from {module} import {function}; code = {function}(sys.argv[1:]); "
        "sys.stdout.flush(); sys.stderr.flush(); os._exit(code if isinstance(code, int) else 0)"
    )
    return [sys.executable, "-c", boot, ROOT, *args]
