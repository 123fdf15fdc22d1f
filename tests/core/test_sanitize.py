"""``sanitize.visible`` replaces run by run (its fast path) or translates the whole text (its
careful path, for text dense with controls): both must give exactly what the rule says, one
stand-in per code point, whatever the text holds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core import sanitize
from tui.core.sanitize import DENSE, has_unsafe, visible


def rule(char: str) -> str:
    """The stand-in of one character, as the module's docstring states it."""
    code = ord(char)
    if code < 0x20 and char not in "\t\n":
        return chr(0x2400 + code)  # the control pictures: ESC as ␛
    if code == 0x7F:
        return "\u2421"  # ␡
    if 0x80 <= code < 0xA0 or 0xD800 <= code < 0xE000:
        return "\ufffd"  # C1 controls and lone surrogates
    return char


def careful(text: str) -> str:
    return "".join(rule(char) for char in text)


# What documents hold, weighted towards what a terminal would act on: escape sequences (CSI, OSC),
# C0 and C1 controls, CR, tabs, combining marks, wide characters, surrogates, and plain words.
PIECES = st.sampled_from(
    [
        "\x1b[31m",
        "\x1b]8;;http://x\x07",
        "\x1b]0;title\x1b\\",
        "\x9b2J",
        "\r\n",
        "\r",
        "\t",
        "\n",
        "e\u0301",
        "\u0308",
        "中文",
        "日本語",
        "\U0001f600",
        "\ud800",
        "\udfff",
        "\x00",
        "\x7f",
        "\x85",
        "plain words ",
        "[bold]",
        "\u202e",
        "\ufeff",
        " ",
    ]
)
TEXTS = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(max_codepoint=0xA0)),
    st.lists(st.one_of(PIECES, st.text(max_size=80)), max_size=60).map("".join),
)


@settings(max_examples=600)
@given(TEXTS)
def test_visible_is_the_rule_on_any_text(text: str) -> None:
    shown = visible(text)
    assert shown == careful(text) == text.translate(sanitize._TABLE)
    assert len(shown) == len(text)  # offsets are shared with the stored text


@settings(max_examples=300)
@given(TEXTS, st.integers(0, 200), st.integers(0, 200))
def test_a_slice_shows_as_the_same_slice_of_the_whole(text: str, start: int, length: int) -> None:
    """What lets the reader sanitize a chunk at a time."""
    start = min(start, len(text))
    end = min(start + length, len(text))
    assert visible(text[start:end]) == visible(text)[start:end]
    assert has_unsafe(text, start, end) == (visible(text[start:end]) != text[start:end])


@given(st.lists(PIECES, min_size=1, max_size=40).map("".join), st.integers(1, 4))
def test_long_text_with_few_and_many_controls(piece: str, spread: int) -> None:
    """Run by run below the density limit, one translate above it: the same either way."""
    sparse = ("clean prose " * (DENSE * spread)).join([piece, piece, piece])
    dense = piece * (DENSE * spread)
    for text in (sparse, dense):
        assert visible(text) == careful(text)


def test_clean_text_is_returned_as_it_is() -> None:
    text = "plain words, tabs\tand newlines\n中文 e\u0301 \U0001f600" * 1000
    assert visible(text) is text
