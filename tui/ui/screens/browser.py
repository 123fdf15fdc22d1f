"""The annotation browser (``B``): every annotation of the corpus in one table.

Filter by words, ``tag:`` ``color:`` ``status:`` ``annotator:`` (``a`` steps the filter through
the annotators); sort by any column (click its header, or ``s``); ``enter`` opens the document at
the passage (the screen is dismissed with where to go); ``r`` renames or merges a tag across the
corpus; ``ctrl+g`` opens the agreement between annotators (``screens/agreement.py``), whose
chosen disagreement is passed on as this screen's destination. Beside the table, bar charts
count annotations per tag and per colour, so the label distribution of a labelled set shows at a
glance. The annotations are read (and re-anchored) in a worker; renaming runs in a worker too.

The columns fit the width the screen has (recomputed when the terminal is resized): the fixed
ones (colour, status, modified) take what their content needs, document, note and tags a share
capped by their longest value, and the quote everything left, so nothing hides behind a
horizontal scrollbar and a wide terminal shows more of each passage. Below ``CHARTS_MIN_WIDTH``
columns the charts give their room to the table.

The annotations of a document that vanished or became unreadable stay listed, with the status
``document missing`` (or ``unreadable``); ``enter`` on one explains where they are kept. Every
note, tag, title and colour name is shown as literal text (``Text``, ``markup=False``): a note
such as ``[@click=app.quit]`` is words, never markup. Every cell, chart label and message is one
line (``visible_line``): no control character, bidi override or zero-width character from a
file reaches the terminal or reorders the row it is in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, Label, Static

from tui.core.annotation_store import rename_tag
from tui.core.annotations import Annotation, AnnotationSet, DocumentStatus
from tui.core.library import Library
from tui.core.sanitize import visible_line
from tui.ui.palette import SWATCH
from tui.ui.screens.rename import RenameTagDialog
from tui.ui.widgets.footer import Footer
from tui.ui.wording import counted

COLUMNS = ("quote", "note", "tags", "colour", "status", "document", "modified")
"""The columns of a corpus whose annotations name no annotator (made before lectern recorded them)."""
ALL_COLUMNS = ("quote", "note", "tags", "annotator", "colour", "status", "document", "modified")
"""The columns once an annotation names its annotator."""
BAR_WIDTH = 10
CHARTS_WIDTH = 32
"""Columns the charts take beside the table (``browser.tcss`` says the same)."""
CHARTS_MIN_WIDTH = 140
"""Narrower than this, the charts are hidden: at 120 columns, beside them, the table would have
72 cells for seven columns, and the quote and the note are what the user came for."""
SCROLLBAR = 2
"""The table's vertical scrollbar, kept free so rows never push the columns past the edge."""
CELL_PADDING = 1
"""The DataTable's padding on each side of every column."""
QUOTE_MIN = 12
FLEXIBLE = (
    ("document", 0.18, 10, 30),
    ("note", 0.15, 6, 30),
    ("tags", 0.1, 6, 20),
    ("annotator", 0.08, 6, 16),
)
"""Columns that share the room beside the quote: (column, share of the room, least, most)."""
WIDE_DATES = 110
"""From this many columns of content, ``modified`` shows the time as well as the date."""


def column_widths(
    width: int, longest: Mapping[str, int], columns: tuple[str, ...] = COLUMNS
) -> dict[str, int]:
    """Content widths of ``columns`` filling ``width`` cells (scrollbar and padding included).

    ``longest`` is the widest value (or header) of each column: no column is given more than
    that, except the quote, which takes what is left (at least ``QUOTE_MIN``; when even that
    does not fit, the shared columns give up room down to a few cells each).
    """
    content = width - SCROLLBAR - 2 * CELL_PADDING * len(columns)
    widths = {
        "colour": min(max(longest.get("colour", 6), 6), 14),
        "status": min(max(longest.get("status", 6), 6), 19 if content >= 90 else 10),
        "modified": 16 if content >= WIDE_DATES else 10,
    }
    room = content - sum(widths.values())
    flexible = [f for f in FLEXIBLE if f[0] in columns]
    for column, share, least, most in flexible:
        wanted = min(max(longest.get(column, least), len(column)), most)
        widths[column] = max(min(wanted, int(room * share)), min(least, wanted))
    for column, _, _, _ in flexible:  # very narrow: the quote keeps a few words at their expense
        short = QUOTE_MIN - (content - sum(widths.values()))
        if short > 0:
            widths[column] = max(widths[column] - short, len(column))
    widths["quote"] = max(content - sum(widths.values()), QUOTE_MIN)
    return {column: widths[column] for column in columns}


def _date_cell(modified: str, width: int) -> str:
    """``2026-11-22 10:15``, or the date alone when the column is narrow."""
    return modified[:16].replace("T", " ") if width >= 16 else modified[:10]


@dataclass(frozen=True)
class Record:
    """One row: an annotation and the document it belongs to."""

    doc_id: str
    title: str
    annotation: Annotation
    document_status: DocumentStatus = "present"
    """Whether the document is there, or gone (``missing``) or ``unreadable``: then it cannot be opened."""
    path: str = ""
    """The document's path as the annotation file names it."""

    @property
    def status(self) -> str:
        """What the status column shows: how the passage was found, or that the document is gone."""
        if self.document_status != "present":
            return f"document {self.document_status}"
        return self.annotation.anchor

    def value(self, column: str) -> str:
        """The text a column sorts by."""
        a = self.annotation
        return {
            "document": self.title.casefold(),
            "quote": a.target.exact.casefold(),
            "note": a.note.casefold(),
            "tags": ", ".join(a.tags).casefold(),
            "annotator": a.annotator.casefold(),
            "colour": a.color,
            "status": self.status,
            "modified": a.modified,
        }[column]


@dataclass(frozen=True)
class Destination:
    """Where the user asked to go: a document, and an offset in it."""

    doc_id: str
    offset: int
    note: str = ""
    """What to tell the user there (a disagreement: whose span is which), '' for nothing."""


def annotator_token(name: str) -> str:
    """How the filter names an annotator: ``annotator:`` and the name, blanks as ``_``."""
    return "annotator:" + "_".join(name.split())


def matches(record: Record, query: str, color_names: dict[str, str] | None = None) -> bool:
    """Whether a record passes a filter: words, and ``tag:`` ``color:`` ``status:`` ``annotator:`` tokens.

    ``color:`` takes a colour's own name or the name the user gave it; ``annotator:`` a name with
    its blanks written ``_`` (``annotator_token``).
    """
    a = record.annotation
    words = (record.title, record.doc_id, a.target.exact, a.note, " ".join(a.tags), a.annotator)
    haystack = " ".join(words).casefold()
    for token in query.split():
        key, _, value = token.partition(":")
        value = value.casefold()
        if key == "tag" and value:
            ok = value in (t.casefold() for t in a.tags)
        elif key in ("color", "colour") and value:
            ok = value in (a.color, (color_names or {}).get(a.color, a.color).casefold())
        elif key == "status" and value:  # status:missing and status:unreadable name gone documents
            ok = value in (record.status, record.document_status)
        elif key == "annotator" and value:
            ok = annotator_token(a.annotator).casefold() == f"annotator:{value}"
        else:
            ok = token.casefold() in haystack
        if not ok:
            return False
    return True


def bar_chart(counts: Counter[str], title: str, styles: Mapping[str, str] | None = None) -> Text:
    """A text bar chart of ``counts``, largest first."""
    chart = Text(f"{title}\n", style="bold")
    if not counts:
        chart.append("  (none)\n", style="dim")
        return chart
    top = max(counts.values())
    width = max(len(k) for k in counts) if counts else 0
    for name, count in counts.most_common(20):
        cells = count * BAR_WIDTH / top
        bar = "█" * int(cells) + ("▌" if cells - int(cells) >= 0.5 else "")
        chart.append(f"  {visible_line(name)[:14]:<{min(width, 14)}} ")
        chart.append(bar or "▏", style=(styles or {}).get(name, "cyan"))
        chart.append(f" {count:,}\n")
    return chart


def _short(text: str, width: int) -> str:
    """One line of at most ``width`` characters, safe to show."""
    flat = visible_line(" ".join(text.split()))
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _fit(text: str | Text, width: int, style: str = "") -> Text:
    """One safe line in at most ``width`` terminal cells (wide characters count two), cut with …"""
    if isinstance(text, str):
        text = Text(visible_line(" ".join(text[: width * 4].split())), style=style)
    text.truncate(width, overflow="ellipsis")
    return text


class AnnotationBrowser(Screen[Destination | None]):
    """All annotations of the corpus: filter, sort, open, rename tags."""

    CSS_PATH = "browser.tcss"
    BINDINGS = [  # noqa: RUF012 - Textual's declaration style
        Binding("escape,B", "close", "Back", id="browser.close", tooltip="Back to the reading room"),
        Binding(
            "slash",
            "focus_filter",
            "Filter",
            id="browser.filter",
            tooltip="Filter: words, tag: color: status:",
        ),
        Binding("s", "cycle_sort", "Sort", id="browser.sort", tooltip="Sort by the next column"),
        Binding(
            "a",
            "cycle_annotator",
            "Annotator",
            id="browser.annotator",
            tooltip="Show one annotator's annotations, the next one's, then everyone's",
        ),
        Binding(
            "ctrl+g",
            "agreement",
            "Agreement",
            id="browser.agreement",
            tooltip="Agreement between annotators; review their disagreements",
            show=False,  # (the footer is full at 80 columns: the help and the palette name it)
        ),
        Binding(
            "r", "rename_tag", "Rename tag", id="browser.rename", tooltip="Rename or merge a tag everywhere"
        ),
    ]

    class Renamed(Message):
        """A tag was renamed across the corpus (the reading room refreshes what it shows)."""

        def __init__(self, old: str, new: str, changed: int, problem: str = "") -> None:
            super().__init__()
            self.old, self.new, self.changed = old, new, changed
            self.problem = problem
            """Why the files after the first that failed were not renamed ('' when all were)."""

    class Loaded(Message):
        """The browser's worker read every annotation of the corpus."""

        def __init__(self, sets: list[AnnotationSet]) -> None:
            super().__init__()
            self.sets = sets

    def __init__(self, library: Library, color_names: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.library = library
        self.store = library.annotation_store()
        self.color_names = dict(color_names or {})
        self.records: list[Record] = []
        """Every annotation of the corpus."""
        self.shown: list[Record] = []
        """The rows in the table, filtered and sorted."""
        self.sort_column = "document"
        """The column the rows are sorted by (any of ``ALL_COLUMNS``)."""
        self.sort_reverse = False
        self.columns: tuple[str, ...] = COLUMNS
        """The table's columns: ``ALL_COLUMNS`` once an annotation of the corpus names its annotator."""
        self.widths: dict[str, int] = {}
        """Each column's content width, fitted to the screen (``column_widths``)."""

    def compose(self) -> ComposeResult:
        yield Label("Annotations · reading…", id="browser-title")
        yield Input(
            placeholder="Filter: words, tag:policy, color:yellow, status:orphaned, annotator:ada",
            id="browser-filter",
        )
        with Horizontal(id="browser-body"):
            yield DataTable(id="browser-table", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="browser-charts"):
                yield Static(id="browser-chart")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self._fit_width()
        self.load()

    def on_resize(self, event: events.Resize) -> None:
        self._fit_width()

    def _fit_width(self) -> bool:
        """Show or hide the charts and size the columns for the screen's width now; whether the
        table was refilled (new widths)."""
        self.set_class(self.size.width < CHARTS_MIN_WIDTH, "-narrow")
        widths = column_widths(self._table_width(), self._longest(), self.columns)
        if widths == self.widths:
            return False
        self.widths = widths
        self._fill_table(columns=True)
        return True

    def _longest(self) -> dict[str, int]:
        """The widest value of each column among the rows shown (headers included)."""
        longest = {column: len(column) for column in self.columns}
        for record in self.shown:
            a = record.annotation
            for column, value in (
                ("document", record.title),
                ("note", a.note),
                ("tags", ", ".join(a.tags)),
                ("annotator", a.annotator or "—"),
                ("colour", self.color_names.get(a.color, a.color)),
                ("status", record.status),
            ):
                extra = 3 if column == "colour" else 0  # the swatch before the name
                if column in longest:
                    longest[column] = max(longest[column], cell_len(visible_line(value[:80])) + extra)
        return longest

    @work(thread=True, exclusive=True, group="browser")
    def load(self) -> None:
        self.post_message(self.Loaded(self.library.annotated(self.store, with_missing=True)))

    def on_annotation_browser_loaded(self, message: Loaded) -> None:
        self.records = [
            Record(found.document.id, found.document.title, a, found.document_status, found.document.path)
            for found in message.sets
            for a in found.annotations
        ]
        self.columns = ALL_COLUMNS if any(r.annotation.annotator for r in self.records) else COLUMNS
        for problem in self.store.problems:
            self.notify(visible_line(problem), severity="warning", timeout=10, markup=False)
        self.store.problems.clear()
        self.refresh_table()

    def refresh_table(self) -> None:
        """Filter, sort and show the rows, and redraw the charts."""
        query = self.query_one("#browser-filter", Input).value
        self.shown = sorted(
            (r for r in self.records if matches(r, query, self.color_names)),
            key=lambda r: (r.value(self.sort_column), r.doc_id, r.annotation.start),
            reverse=self.sort_reverse,
        )
        if not self._fit_width():  # the longest values changed with the rows: the widths may too
            self._fill_table()
        direction = "↓" if self.sort_reverse else "↑"
        counts = f"{len(self.shown):,} of {len(self.records):,}"
        self.query_one("#browser-title", Label).update(
            Text(f"Annotations · {counts} · sorted by {self.sort_column} {direction}")
        )
        tags = Counter(t for r in self.shown for t in r.annotation.tags)
        colors = Counter(self.color_names.get(r.annotation.color, r.annotation.color) for r in self.shown)
        styles = {self.color_names.get(c, c): SWATCH[c] for c in SWATCH}
        chart = bar_chart(tags, "Per tag")
        chart.append("\n")
        chart.append_text(bar_chart(colors, "Per colour", styles))
        self.query_one("#browser-chart", Static).update(chart)

    def _table_width(self) -> int:
        """The cells the table has across: the screen, less the charts when they are shown."""
        return self.size.width - (0 if self.has_class("-narrow") else CHARTS_WIDTH)

    def _fill_table(self, columns: bool = False) -> None:
        """Put the shown rows in the table (and its columns, at ``widths``), keeping the cursor's row."""
        table = self.query_one(DataTable)
        row = table.cursor_row
        current = self.shown[row].annotation.id if 0 <= row < len(self.shown) and table.row_count else None
        table.clear(columns=columns)
        if columns or not table.columns:
            for column in self.columns:
                table.add_column(column.capitalize(), width=self.widths.get(column), key=column)
        for record in self.shown:
            table.add_row(*self._cells(record), key=record.annotation.id)
        ids = [r.annotation.id for r in self.shown]
        if current in ids:
            table.move_cursor(row=ids.index(current), animate=False)

    def _cells(self, record: Record) -> list[Text]:
        a = record.annotation
        width = self.widths or column_widths(self._table_width(), self._longest(), self.columns)
        gone = record.document_status != "present" or a.anchor == "orphaned"
        name = Text(visible_line(self.color_names.get(a.color, a.color)))
        color = Text("██ ", style=SWATCH.get(a.color, "")) + name
        cells = {
            "quote": _fit(a.target.exact, width["quote"]),
            "note": _fit(a.note, width["note"]),
            "tags": _fit(", ".join(a.tags), width["tags"]),
            "annotator": _fit(a.annotator or "—", width.get("annotator", 1), "" if a.annotator else "dim"),
            "colour": _fit(color, width["colour"]),
            "status": _fit(record.status, width["status"], style="bold red" if gone else ""),
            "document": _fit(record.title, width["document"]),
            "modified": Text(visible_line(_date_cell(a.modified, width["modified"]))),
        }
        return [cells[column] for column in self.columns]

    @on(Input.Changed, "#browser-filter")
    def _filter_changed(self) -> None:
        self.refresh_table()

    @on(Input.Submitted, "#browser-filter")
    def _filter_submitted(self) -> None:
        self.query_one(DataTable).focus()

    @on(DataTable.HeaderSelected)
    def _header_selected(self, event: DataTable.HeaderSelected) -> None:
        column = str(event.column_key.value)
        self.sort_reverse = not self.sort_reverse if column == self.sort_column else False
        self.sort_column = column
        self.refresh_table()

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        record = next((r for r in self.shown if r.annotation.id == event.row_key.value), None)
        if record is None:
            return
        if record.document_status != "present":
            self.notify(self._why_closed(record), severity="warning", timeout=10, markup=False)
            return
        self.dismiss(Destination(record.doc_id, record.annotation.start))

    def _why_closed(self, record: Record) -> str:
        """Why a passage cannot be opened, and where its annotations are kept."""
        kept = self.store.file_for(record.path)
        problem = "is gone from" if record.document_status == "missing" else "cannot be read at"
        return visible_line(
            f"“{_short(record.title, 60)}” {problem} {record.path}: its annotations are kept in {kept}"
            " (put the document back, or re-attach them from an export)"
        )

    def action_cycle_sort(self) -> None:
        columns = self.columns
        at = columns.index(self.sort_column) if self.sort_column in columns else -1
        self.sort_column = columns[(at + 1) % len(columns)]
        self.sort_reverse = False
        self.refresh_table()

    def action_focus_filter(self) -> None:
        self.query_one("#browser-filter", Input).focus()

    def annotators(self) -> list[str]:
        """Everyone who made an annotation of the corpus, by name."""
        return sorted(
            {r.annotation.annotator for r in self.records if r.annotation.annotator}, key=str.casefold
        )

    def action_cycle_annotator(self) -> None:
        """Filter by the next annotator (after the last: everyone), keeping the rest of the filter."""
        names = self.annotators()
        if not names:
            self.notify("No annotation names its annotator yet", severity="warning", timeout=3)
            return
        field = self.query_one("#browser-filter", Input)
        tokens = field.value.split()
        current = [t for t in tokens if t.casefold().startswith("annotator:")]
        tokens = [t for t in tokens if t not in current]
        wanted = [annotator_token(n).casefold() for n in names]
        at = wanted.index(current[-1].casefold()) + 1 if current and current[-1].casefold() in wanted else 0
        if at < len(names):
            tokens.append(annotator_token(names[at]))
        field.value = " ".join(tokens)  # Input.Changed refreshes the table
        who = visible_line(names[at]) if at < len(names) else "everyone"
        self.notify(f"Annotations by {who}", timeout=2, markup=False)

    def action_agreement(self) -> None:
        """The agreement between annotators; a disagreement chosen there is where this screen goes."""
        from tui.ui.screens.agreement import AgreementScreen

        def back(destination: Destination | None) -> None:
            if destination is not None:
                self.dismiss(destination)
            else:  # the review may have added gold annotations
                self.load()

        self.app.push_screen(AgreementScreen(self.library, self.color_names), back)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_rename_tag(self) -> None:
        table = self.query_one(DataTable)
        row = table.cursor_row
        current = self.shown[row].annotation.tags if 0 <= row < len(self.shown) else ()
        known = sorted({t for r in self.records for t in r.annotation.tags}, key=str.casefold)
        if not known:
            self.notify("No tags yet", severity="warning", timeout=3)
            return

        def done(answer: tuple[str, str] | None) -> None:
            if answer is not None and answer[0] != answer[1]:
                self.rename(*answer)

        self.app.push_screen(RenameTagDialog(known, current[0] if current else known[0]), done)

    @work(thread=True, exclusive=True, group="browser")
    def rename(self, old: str, new: str) -> None:
        sets = self.library.annotated(self.store, with_missing=True)
        try:
            changed = rename_tag(self.store, sets, old, new)
        except OSError as error:  # a read-only or full data folder: each file is whole, as before or renamed
            self.post_message(self.Renamed(old, new, 0, str(error.strerror or error)))
        else:
            self.post_message(self.Renamed(old, new, changed))
        self.post_message(self.Loaded(self.library.annotated(self.store, with_missing=True)))

    def on_annotation_browser_renamed(self, message: Renamed) -> None:
        if message.problem:
            why = visible_line(message.problem)
            self.notify(
                f"Could not rename #{visible_line(message.old)} everywhere ({why}): "
                "the list shows the annotations as they are saved",
                severity="error",
                timeout=12,
                markup=False,
            )
            return
        target = f"#{message.new}" if message.new else "nothing (removed)"
        self.notify(
            f"Renamed #{visible_line(message.old)} to {visible_line(target)}"
            f" on {counted(message.changed, 'annotation')}",
            markup=False,
        )
