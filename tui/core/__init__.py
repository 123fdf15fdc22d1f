"""Pure-Python core of lectern: documents, index, annotations, storage, paths.

Nothing under ``tui.core`` imports Textual, Rich, ``tui.ui`` or ``tui.cli``; a test and an
import-linter contract hold that line so the core stays scriptable and testable on its own.
"""
