"""Bounded YAML reading: every YAML file lectern reads goes through ``load_yaml_safely``.

YAML can describe far more work than its size suggests: aliases share one node many times
("billion laughs": a few hundred bytes that expand to billions of nodes once anything walks the
result), nesting can exceed the recursion limit, and a long digit string is an integer Python
cannot print. The loader refuses those with a ``YAMLRefused`` (a ``yaml.YAMLError``, so every
caller already reports it). Front matter, hand-edited annotation files, label sets, settings and
reading positions are all read here. A module of its own so that PyYAML is imported only by
what reads or writes YAML (``storage`` is imported by everything that writes a file).
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML was built with it: the same safe subset, several times faster."""

MAX_ALIAS_NODES = 10_000
"""How many nodes aliases may add beyond those written out: generous for real anchors."""
MAX_ALIAS_CHARS = 1_000_000
"""How many scalar characters aliases may add beyond those written out."""
MAX_DEPTH = 100
"""Deepest nesting accepted: lectern's own files nest 4 deep; a consumer's recursion must stay safe."""
MAX_INT_CHARS = 100
"""An integer written with more characters is kept as its text (Python cannot print >4,300 digits)."""
_TOO_DEEP = f"YAML nested too deeply (more than {MAX_DEPTH} levels); refused"


class YAMLRefused(yaml.YAMLError):
    """YAML that would take unbounded work or memory to use: refused, with the reason."""


def _int_or_text(loader: SafeConstructor, node: ScalarNode) -> Any:
    if len(node.value) > MAX_INT_CHARS:
        return node.value
    try:
        return loader.construct_yaml_int(node)
    except ValueError:
        return node.value


def _timestamp_or_text(loader: SafeConstructor, node: ScalarNode) -> Any:
    try:
        return loader.construct_yaml_timestamp(node)
    except (ValueError, OverflowError):  # 2020-02-30 looks like a date but is none: keep the text
        return node.value


def bounded_loader(base: Any) -> Any:
    """A subclass of the safe loader ``base`` that keeps the numbers and dates it cannot build as text."""

    class Bounded(base):  # type: ignore[misc,valid-type]  # libyaml's or PyYAML's SafeLoader
        pass

    Bounded.add_constructor("tag:yaml.org,2002:int", _int_or_text)
    Bounded.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)
    return Bounded


_BoundedLoader: Any = bounded_loader(_SafeLoader)
_BoundedPlainLoader: Any = bounded_loader(getattr(yaml, "CBaseLoader", yaml.BaseLoader))
"""Builds every scalar as a string: cannot fail on a value, only on the YAML itself."""


def load_yaml_safely(text: str, *, plain: bool = False) -> Any:
    """``yaml.safe_load`` (through libyaml when available), bounded: plain Python objects only.
    ``plain`` builds every scalar as a string (front matter whose values will not build).

    Raises ``YAMLRefused`` (a ``yaml.YAMLError``) for aliases that expand beyond
    ``MAX_ALIAS_NODES`` nodes or ``MAX_ALIAS_CHARS`` characters, for recursive aliases, and for
    nesting deeper than ``MAX_DEPTH``; any other YAML error as PyYAML raises it.
    """
    try:
        # libyaml encodes the text first: a lone surrogate fails here
        loader = (_BoundedPlainLoader if plain else _BoundedLoader)(text)
    except UnicodeError as error:
        raise YAMLRefused(f"YAML text cannot be read: {_first_line(error)}") from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        check_nodes(node)
        return loader.construct_document(node)
    except RecursionError:  # PyYAML's pure-Python composer recurses per level
        raise YAMLRefused(_TOO_DEEP) from None
    except (ValueError, TypeError, OverflowError) as error:  # a value an explicit tag cannot build
        raise YAMLRefused(f"YAML value cannot be read: {_first_line(error)}") from None
    finally:
        loader.dispose()


def check_nodes(root: Node) -> None:
    """Refuse a composed YAML document that would expand (through aliases) or nest too far.

    One iterative walk over the node graph, each distinct node visited once, with the expanded
    size of every node memoised: a billion laughs costs as much to check as it is long.
    """
    expanded: dict[int, tuple[int, int, int]] = {}  # id(node) -> (nodes, scalar chars, depth)
    on_path: set[int] = set()
    distinct = written_chars = 0
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            on_path.discard(key)
            expanded[key] = _expanded(node, expanded)
            continue
        if key in expanded:
            continue
        if key in on_path:
            raise YAMLRefused("YAML aliases refer to themselves (a recursive structure); refused")
        on_path.add(key)
        distinct += 1
        written_chars += len(node.value) if isinstance(node, ScalarNode) else 0
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node))
        if len(on_path) > MAX_DEPTH:
            raise YAMLRefused(_TOO_DEEP)
    nodes, chars, depth = expanded[id(root)]
    if depth > MAX_DEPTH:  # deep only through an alias to a nested node
        raise YAMLRefused(_TOO_DEEP)
    if nodes > distinct + MAX_ALIAS_NODES:
        raise YAMLRefused(f"YAML aliases expand to more than {distinct + MAX_ALIAS_NODES:,} nodes; refused")
    if chars > written_chars + MAX_ALIAS_CHARS:
        limit = written_chars + MAX_ALIAS_CHARS
        raise YAMLRefused(f"YAML aliases expand to more than {limit:,} characters; refused")


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _expanded(node: Node, expanded: dict[int, tuple[int, int, int]]) -> tuple[int, int, int]:
    if isinstance(node, ScalarNode):
        return 1, len(node.value), 1
    sizes = [expanded[id(child)] for child in _children(node)]
    return (
        1 + sum(s[0] for s in sizes),
        sum(s[1] for s in sizes),
        1 + max((s[2] for s in sizes), default=0),
    )


def _first_line(error: BaseException) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0][:160]
