"""lectern's query syntax on Whoosh's parser: parse, check every node, use the lexicon.

``parse_query`` refuses anything that could fail while running (see ``tui.core.search.query``),
drops phrases on keyword fields, and swaps fuzzy, prefix and wildcard nodes for ones that
expand against the per-searcher ``Lexicon`` (bounded, by closeness and frequency).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from whoosh import qparser, query

from tui.core.search.analysis import JOINERS, tokens
from tui.core.search.query import (
    DATE_HELP,
    FIELD_ALIASES,
    FIELDS_HELP,
    QUERY_FIELDS,
    SEARCH_FIELDS,
    AndMaybe,
    AndNot,
    Expansion,
    Group,
    Native,
    Node,
    Not,
    Phrase,
    Term,
    check_text,
)
from tui.core.search.types import QueryError
from tui.core.search.whoosh.dates import ColumnRange, ColumnTerm, on_column
from tui.core.search.whoosh.lexicon import Lexicon
from tui.core.search.whoosh.scoring import FastPhrase


def make_parser(schema: Any) -> Any:
    """Lectern's query parser for ``schema`` (reusable: it keeps no state between parses)."""
    parser = qparser.MultifieldParser(list(SEARCH_FIELDS), schema, group=qparser.AndGroup)
    parser.add_plugin(qparser.FuzzyTermPlugin())
    parser.add_plugin(qparser.FieldAliasPlugin(FIELD_ALIASES))
    return parser


def parse_query(text: str, schema: Any, parser: Any = None) -> Any:
    """Parse with lectern's syntax; QueryError explains anything that cannot run.

    Every check that a query can fail is made here, before it runs: an exception while a parsed
    query runs means the index is damaged, never that the query was odd.
    """
    stripped = " ".join(text.split())
    check_text(stripped, schema)
    try:
        q = (parser or make_parser(schema)).parse(stripped)
    except Exception as error:  # Whoosh raises assorted types on odd input
        problem: str | None = f"cannot understand the query: {error}"
    else:
        problem = first_error(q)
    if problem:
        raise QueryError(DATE_HELP if "date:" in stripped.lower() else problem)
    q = q.accept(drop_phrases_on_keywords).normalize()
    if q is query.NullQuery or isinstance(q, query.qcore._NullQuery):
        raise QueryError("nothing to search for in that query (only operators or stop characters)")
    if only_negative(q):
        raise QueryError("a query cannot only exclude: add a word to look for")
    for node in walk_query(q):
        check_node(node, schema)
    return q


def check_node(node: Any, schema: Any) -> None:
    """QueryError for a parsed node that could not run (Whoosh would raise while running it)."""
    if isinstance(node, query.TermRange):  # a range of words: most of the vocabulary, slowly
        raise QueryError("a range [a to b] works on dates only: date:[2019 to 2021]")
    if isinstance(node, query.Every):
        raise QueryError(
            "* alone matches everything: type a few letters before it (clear the search to list all)"
        )
    fieldname = getattr(node, "fieldname", None)
    if fieldname is not None and fieldname not in QUERY_FIELDS:
        raise QueryError(f"{fieldname}: is not a field you can search: {FIELDS_HELP}")
    if isinstance(node, query.Wildcard) and str(node.text).startswith(("*", "?")):
        raise QueryError("a wildcard cannot come first in a word: type a few letters before *")
    if fieldname == "date" and node.is_leaf() and not isinstance(node, query.RangeMixin):
        try:
            schema["date"].to_bytes(node.text)
        except Exception as error:  # Whoosh's date parser raises a bare Exception
            raise QueryError(DATE_HELP) from error


def drop_phrases_on_keywords(q: Any) -> Any:
    """A phrase spread over the fields also lands on ``tags``, which has no positions."""
    if isinstance(q, query.Phrase) and q.fieldname == "tags":
        return query.NullQuery
    return q


def walk_query(q: Any) -> Iterator[Any]:
    yield q
    if q.is_leaf():
        return
    for child in q.children():
        yield from walk_query(child)


def first_error(q: Any) -> str | None:
    for node in walk_query(q):
        error = getattr(node, "error", None)
        if error:
            return f"cannot understand part of the query: {error}"
    return None


def only_negative(q: Any) -> bool:
    if isinstance(q, query.Not):
        return True
    if isinstance(q, query.And):
        return all(only_negative(c) for c in q.children())
    return False


def to_tree(q: Any) -> Node:
    """lectern's tree for a parsed (``use_lexicon``) query; Whoosh's node where it has no name."""
    kind = type(q)
    if kind is query.And or kind is query.Or:
        op: Any = "and" if kind is query.And else "or"
        return Group(op, tuple(map(to_tree, q.subqueries)), q.boost)
    if kind is query.Not:
        return Not(to_tree(q.query))
    if kind is query.AndNot:
        return AndNot(to_tree(q.a), to_tree(q.b), q.boost)
    if kind is query.AndMaybe:
        return AndMaybe(to_tree(q.a), to_tree(q.b), q.boost)
    if kind is query.Term and isinstance(q.text, str):
        return Term(q.fieldname, q.text, q.boost)
    if kind is FastPhrase or kind is query.Phrase:
        return Phrase(q.fieldname, tuple(q.words), q.boost, q.slop)
    if kind is LexiconPrefix or kind is LexiconWildcard:
        return Expansion(q.fieldname, "prefix" if kind is LexiconPrefix else "wildcard", q.text, q.boost)
    if kind is LexiconFuzzyTerm:
        return Expansion(q.fieldname, "fuzzy", q.text, q.boost, q.maxdist, q.prefixlength)
    return Native(q)


def to_whoosh(node: Node, lexicon: Lexicon) -> Any:
    """Whoosh's query for a tree node, with lectern's phrase and expansion nodes."""
    if isinstance(node, Native):
        return node.node
    if isinstance(node, Group):
        kind = query.And if node.op == "and" else query.Or
        return kind([to_whoosh(child, lexicon) for child in node.children], boost=node.boost)
    if isinstance(node, Not):
        return query.Not(to_whoosh(node.child, lexicon))
    if isinstance(node, AndNot):
        return query.AndNot(to_whoosh(node.positive, lexicon), to_whoosh(node.negative, lexicon))
    if isinstance(node, AndMaybe):
        return query.AndMaybe(to_whoosh(node.required, lexicon), to_whoosh(node.optional, lexicon))
    if isinstance(node, Term):
        return query.Term(node.field, node.text, boost=node.boost)
    if isinstance(node, Phrase):
        kind = FastPhrase if node.slop == 1 else query.Phrase
        return kind(node.field, list(node.words), slop=node.slop, boost=node.boost)
    found: Any
    if node.kind == "fuzzy":
        found = LexiconFuzzyTerm(node.field, node.text, node.boost, node.distance, node.prefix)
    else:
        kind = LexiconPrefix if node.kind == "prefix" else LexiconWildcard
        found = kind(node.field, node.text, node.boost)
    found.lexicon = lexicon
    return found


def expand(node: Expansion, lexicon: Lexicon) -> list[bytes]:
    """The terms an expansion stands for (bounded, most frequent first kept)."""
    found: list[bytes] = to_whoosh(node, lexicon)._btexts(None)
    return found


class LexiconFuzzyTerm(query.FuzzyTerm):  # type: ignore[misc]
    """A fuzzy term expanded in the lexicon, the same way for searching and for hit spans."""

    lexicon: Lexicon

    def _btexts(self, ixreader: Any) -> list[bytes]:
        return self.lexicon.within(self.fieldname, self.text, self.maxdist, self.prefixlength)


class LexiconPrefix(query.Prefix):  # type: ignore[misc]
    """A prefix expanded in the lexicon (a range of each segment's sorted terms)."""

    lexicon: Lexicon

    def _btexts(self, ixreader: Any) -> list[bytes]:
        key = ("prefix", self.fieldname, self.text)
        known = self.lexicon.frequencies(self.fieldname, self.text)
        if not self.lexicon.stemmed(self.fieldname) or JOINERS.intersection(self.text):
            return self.lexicon.expand(key, lambda: sorted(known), known)
        return self.lexicon.expand(key, lambda: _without_reached_compounds(sorted(known), self.text), known)


_JOINER = re.compile("[._-]")


def _without_reached_compounds(terms: list[str], prefix: str) -> list[str]:
    """``terms`` but the compound words kept whole (``government_bank_rate``) whose documents
    ``prefix`` (no joiner in it) finds anyway: each holds the compound's first part as a term
    of its own, and the prefix reaches it. Technical text holds thousands of such compounds per
    common word; without them a prefix looks up a few terms, not thousands, for the same
    documents."""
    reached: dict[str, bool] = {}  # by first word: compounds share a few
    kept = []
    for term in terms:
        joiner = _JOINER.search(term)
        if joiner is not None:
            head = term[: joiner.start()]
            found = reached.get(head)
            if found is None:
                first = next(tokens(head), None)
                found = reached[head] = first is not None and first[0].startswith(prefix)
            if found:
                continue
        kept.append(term)
    return kept


class LexiconWildcard(query.Wildcard):  # type: ignore[misc]
    """A wildcard expanded in the lexicon: its terms with the literal prefix, matched whole."""

    lexicon: Lexicon

    def _btexts(self, ixreader: Any) -> list[bytes]:
        known = self.lexicon.frequencies(self.fieldname, self._find_prefix(self.text))

        def find() -> list[str]:
            pattern = re.compile(self._get_pattern())
            return [term for term in sorted(known) if pattern.match(term)]

        return self.lexicon.expand(("wildcard", self.fieldname, self.text), find, known)


def use_lexicon(q: Any, lexicon: Lexicon) -> Any:
    """``q`` with its fuzzy, prefix, wildcard, phrase and date nodes replaced by lectern's own."""

    schema = lexicon.schema

    def swap(node: Any) -> Any:
        kind = type(node)
        if on_column(schema, getattr(node, "fieldname", None)):
            if isinstance(node, query.NumericRange):
                return ColumnRange(
                    node.fieldname, node.start, node.end, node.startexcl, node.endexcl, boost=node.boost
                )
            if kind is query.Term:
                return ColumnTerm(node.fieldname, node.text, boost=node.boost)
        if kind is query.Phrase and node.slop == 1:
            return FastPhrase(
                node.fieldname, node.words, slop=1, boost=node.boost, char_ranges=node.char_ranges
            )
        if not lexicon.holds_text(getattr(node, "fieldname", None)):
            return node  # numbers and dates: Whoosh's own expansion, whatever it makes of them
        if kind is query.FuzzyTerm:
            new: Any = LexiconFuzzyTerm(
                node.fieldname, node.text, node.boost, node.maxdist, node.prefixlength
            )
        elif kind is query.Prefix:
            new = LexiconPrefix(node.fieldname, node.text, node.boost)
        elif kind is query.Wildcard:
            new = LexiconWildcard(node.fieldname, node.text, node.boost)
        else:
            return node
        new.lexicon = lexicon
        return new

    return q.accept(swap)
