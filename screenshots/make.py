"""Regenerate the README's screenshots: ``python screenshots/make.py``.

Runs the real app headless on the bundled seeds (in a throw-away LECTERN_HOME per state), drives it into
each state of ``tests/ui/states.py`` and saves an SVG per state beside this file.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


async def shoot(name: str) -> None:
    from tests.ui.helpers import SIZE, app_for
    from tests.ui.states import STATES

    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await STATES[name](pilot)
        await pilot.pause(0.2)
        app.save_screenshot(str(HERE / f"{name}.svg"))
    print(f"wrote screenshots/{name}.svg")


def main() -> None:
    from tests.ui.states import STATES

    for name in STATES:
        with tempfile.TemporaryDirectory() as home:  # each state starts from a new home, as in the tests
            os.environ["LECTERN_HOME"] = home
            asyncio.run(shoot(name))


if __name__ == "__main__":
    main()
