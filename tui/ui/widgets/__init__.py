"""Widgets: data in through constructors and reactives, events out as nested Messages."""
