"""Dates answered from the date column, not from terms.

Whoosh indexes a date as eight terms (its tiers of a 64-bit number), five or six of them unique
to the day: most of the terms Whoosh's own table would hold, and a tenth of indexing time. Every
document has a date, and the column Whoosh sorts by holds it as that same number; so the date
field is not indexed (``schema.DateField``) and a date query (``date:2020``, ``date:[2019 to
2021]``, a day) is a comparison of the column with numpy. ``parse.use_lexicon`` swaps Whoosh's
range and term nodes on that field for ``ColumnRange`` and ``ColumnTerm``, which answer Whoosh's
own matchers the same way, with the score Whoosh gives them (the boost: a constant score).
"""

from __future__ import annotations

from typing import Any

from whoosh import query
from whoosh.matching import ListMatcher, NullMatcher

_COLUMNS = "_lectern_columns"
"""A reader's raw column arrays, kept on the reader (they live as long as its files)."""


def column_values(reader: Any, fieldname: str) -> Any:
    """The field's raw column value of every document of a segment reader (uint64: Whoosh keeps
    a date as microseconds since the year 1)."""
    import numpy as np

    kept: dict[str, Any] = reader.__dict__.setdefault(_COLUMNS, {})
    values = kept.get(fieldname)
    if values is None:
        count = reader.doc_count_all()
        if count and not reader.has_column(fieldname):  # every document has one: the file is lost
            raise ValueError(f"the {fieldname} column of a segment is missing")
        column = reader.column_reader(fieldname, translate=False)
        try:  # Whoosh's numeric column: big-endian numbers, one per document written
            stored = column._dbfile.get(column._basepos, column._count * column._fixedlen)
            values = np.full(count, column._default, dtype=np.uint64)
            values[: column._count] = np.frombuffer(stored, dtype=">" + column._typecode)
        except AttributeError:  # another kind of column: asked a document at a time
            values = np.fromiter((column[d] for d in range(count)), dtype=np.uint64, count=count)
        kept[fieldname] = values
    return values


def matching(node: Any, reader: Any) -> Any:
    """Which documents of the segment the node's range holds (a mask; deleted ones included)."""
    import numpy as np

    values = column_values(reader, node.fieldname)
    start, end = node.bounds(reader.schema)
    found = values >= start if start is not None else np.ones(len(values), dtype=bool)
    if start is not None and node.startexcl:
        found &= values != start
    if end is not None:
        found &= (values < end) if node.endexcl else (values <= end)
    return found


class ColumnRange(query.NumericRange):  # type: ignore[misc]
    """A range on a column field (dates): documents whose value lies in it, each scored by the
    query's boost, as Whoosh's constant-score range query scores them."""

    def bounds(self, schema: Any) -> tuple[int | None, int | None]:
        field = schema[self.fieldname]
        start = field.prepare_number(self.start) if self.start is not None else None
        end = field.prepare_number(self.end) if self.end is not None else None
        return start, end

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        return _matcher(self, searcher)


class ColumnTerm(query.Term):  # type: ignore[misc]
    """One exact value of a column field (a date and time written in full), scored by the boost."""

    startexcl = endexcl = False

    def bounds(self, schema: Any) -> tuple[int, int]:
        value = int(schema[self.fieldname].prepare_datetime(self.text))
        return value, value

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        return _matcher(self, searcher)


def _matcher(node: Any, searcher: Any) -> Any:
    import numpy as np

    reader = searcher.reader()
    found = matching(node, reader)
    if reader.has_deletions():
        found[np.fromiter(reader.segment().deleted_docs(), dtype=np.int64)] = False
    ids = np.flatnonzero(found).tolist()
    if not ids:
        return NullMatcher()
    return ListMatcher(ids, all_weights=float(node.boost))


def on_column(schema: Any, fieldname: str | None) -> bool:
    """Whether the field is answered from its column (not indexed, sortable)."""
    from tui.core.search.whoosh.schema import DateField

    return fieldname in schema and isinstance(schema[fieldname], DateField)
