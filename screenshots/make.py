"""Regenerate the README's screenshots: ``python screenshots/make.py``.

Runs the real app headless on the bundled seeds (in a throw-away LECTERN_HOME per state), drives it into
each state of ``tests/ui/states.py`` and saves an SVG per state beside this file, at 120×36,
and the narrow states again at 80×24 (``<state>-80x24.svg``).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


async def shoot(name: str, size: tuple[int, int], file: str) -> None:
    from tests.ui.helpers import app_for
    from tests.ui.states import STATES

    app = app_for()
    async with app.run_test(size=size) as pilot:
        await STATES[name](pilot)
        await pilot.pause(0.2)
        app.save_screenshot(str(HERE / file))
    print(f"wrote screenshots/{file}")


def main() -> None:
    from tests.ui.helpers import SIZE
    from tests.ui.states import NARROW, NARROW_SNAPSHOTS, STATES

    shots = [(name, SIZE, f"{name}.svg") for name in STATES]
    shots += [(name, NARROW, f"{name}-80x24.svg") for name in NARROW_SNAPSHOTS]
    for name, size, file in shots:
        with tempfile.TemporaryDirectory() as home:  # each state starts from a new home, as in the tests
            os.environ["LECTERN_HOME"] = home
            asyncio.run(shoot(name, size, file))


if __name__ == "__main__":
    main()
