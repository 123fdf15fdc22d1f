"""The five highlight colours as they are drawn: defined once for the reader's highlights, the
annotation panel's swatches and the browser's chart, so a colour never differs between them."""

from __future__ import annotations

SWATCH = {"yellow": "#d7b400", "green": "#3fa34d", "blue": "#3d7fd9", "pink": "#d9467f", "orange": "#e07b1f"}
"""Each colour's swatch (the panel, the browser)."""
_ALPHA = {"orange": 45}
"""Background strength in the reader, percent (orange is paler under text: a little more)."""


def highlight_css(selector: str) -> str:
    """Textual CSS giving ``<selector>--<colour>`` its highlight background."""
    rules = (
        f"{selector}--{name} {{ background: {swatch} {_ALPHA.get(name, 40)}%; }}"
        for name, swatch in SWATCH.items()
    )
    return "\n".join(rules)
