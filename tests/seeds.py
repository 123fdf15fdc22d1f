"""Names of the bundled seed documents, and a small extra document, shared by the tests."""

from __future__ import annotations

CHINA = "2020-01-19-china-shifts-focus-to-blockchain-technology.md"
BELT = "2024-04-01-chinese-government-launches-blockchain-project-for-one-belt-one-road-initiative.md"
GARDEN = "notes/garden.md"
GARDEN_TEXT = """---
title: Garden notes
date: 2023-05-01
source: allotment
---

# Garden notes

Tomatoes need sun and steady water.

Basil grows well beside them.

The soil was dry in August.
"""
