"""Tests of the search engine, mirroring ``tui.core.search``."""
