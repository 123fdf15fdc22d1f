"""Screens: each owns the calls into ``tui.core`` for what it shows; ``.tcss`` beside each."""
