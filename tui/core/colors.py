"""The fixed highlight palette, in a module of its own.

The reader styles every colour (and the command line offers them as choices) before any
annotation is read: this keeps ``tui.core.annotations`` and what it loads (YAML, anchoring)
out of the app's start-up.
"""

COLORS = ("yellow", "green", "blue", "pink", "orange")
"""The fixed highlight palette; users name the colours in their settings."""
