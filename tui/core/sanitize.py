"""Make untrusted document text safe to put on a terminal, without moving any offsets.

Document text may carry ANSI/OSC escape sequences or other control characters that would
drive the user's terminal. Each such character is replaced by exactly one visible stand-in
(the Unicode "control pictures", so ESC shows as ␛), keeping code-point offsets identical
between the stored text, the index's hit spans, annotations and what is displayed.
"""

from __future__ import annotations

_TABLE = {code: 0x2400 + code for code in range(0x20) if code not in (0x09, 0x0A)}
_TABLE[0x7F] = 0x2421  # ␡
_TABLE.update({code: 0xFFFD for code in range(0x80, 0xA0)})  # C1 controls, e.g. the 8-bit CSI


def visible(text: str) -> str:
    """``text`` with every control character but tab and newline shown as one visible glyph."""
    return text.translate(_TABLE)
