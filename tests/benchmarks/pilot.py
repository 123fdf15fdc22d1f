"""What the UI benchmarks share for driving the real app headless: polling a condition, finding
the main screen, and timing a widget's ``render_line``."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from textual.app import App
from textual.pilot import Pilot
from textual.strip import Strip

from tui.ui.screens.main import MainScreen

POLL = 0.005
"""Seconds between checks of a condition: well below the times measured."""


async def wait_for(pilot: Pilot[Any], condition: Callable[[], bool], timeout: float = 120.0) -> float:
    """Poll ``condition`` every POLL seconds; the perf_counter time at which it first held."""
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"condition not met within {timeout} s")
        await pilot.pause(POLL)
    return time.perf_counter()


def main_screen(app: App[Any]) -> MainScreen | None:
    return next((s for s in app.screen_stack if isinstance(s, MainScreen)), None)


@dataclass
class RenderClock:
    """Wraps a widget's render_line: counts lines and adds up their time since ``reset``."""

    lines: int = 0
    seconds: float = 0.0
    last_end: float = 0.0
    stamps: list[float] = field(default_factory=list)

    def install(self, widget: Any) -> None:
        original = widget.render_line

        def render_line(y: int) -> Strip:
            started = time.perf_counter()
            strip = original(y)
            self.last_end = time.perf_counter()
            self.lines += 1
            self.seconds += self.last_end - started
            return strip

        widget.render_line = render_line  # Textual looks render_line up on the instance each frame

    def reset(self) -> None:
        self.lines, self.seconds, self.last_end = 0, 0.0, 0.0
