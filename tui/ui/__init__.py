"""The Textual layer of lectern: app, screens and widgets. May import ``tui.core``, never the reverse."""
