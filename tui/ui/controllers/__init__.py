"""The reading room's behaviour, one role per module, composed by the screen that owns them.

A controller is a plain object, not a widget: the main screen builds one of each, hands it the
widgets and services it works with, and forwards it the keys and messages of its role (search
and open, annotation editing, pane layout, the indexer child). Controllers call one another only
through the screen's public methods.
"""
