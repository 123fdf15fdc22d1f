"""The agreement screen (``ctrl+g``, or "Agreement between annotators" in the palette): how far two
annotators agree, where they differ, and the review that settles it.

The figures are ``tui.core.agreement``'s (its docstring defines them): per label and over all of
them, span precision, recall and F1 by exact and by overlap matching, Cohen's kappa over tokens,
and the counts. Below them, the pair's disagreements. ``p`` moves to the next pair of annotators
(the annotator ``gold``, the review's, is not one of them).

``enter`` on a disagreement opens its document at the earlier of the two spans: the screen is
dismissed with a ``Destination`` whose note names whose span is which (their offsets, quotes and
colours), shown in the reading room, where both annotators' annotations are drawn as the store
holds them.

The review: ``1`` (or ``a``) takes the first annotator's span, ``2`` (or ``b``) the second's, ``=``
both, ``x`` neither (``tui.core.review``). Each decision is written at once, in order, on one
saver thread, as annotations of the annotator ``gold``; the first also writes the spans the two
agreed on exactly. Deciding again replaces the decision; the annotators' own annotations are never
changed. The decisions already in the gold set are shown when the screen opens.

Labels, names, titles and quotes come from files: every cell is ``Text`` on one line, never markup.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Label

from tui.core.agreement import Disagreement, Figures, Key, Pair, Report, Span, agreement, shown
from tui.core.annotations import DocumentRef
from tui.core.library import Library, read_text
from tui.core.review import DECISIONS, Decision, adjudicate, decided
from tui.core.sanitize import visible_line
from tui.ui.screens.browser import Destination
from tui.ui.widgets.footer import Footer
from tui.ui.wording import counted

QUOTE_WIDTH = 36
QUOTE_MIN = 12
ReviewKey = tuple[str, str, tuple[str, Key | None, Key | None]]
"""A disagreement of a pair: the two annotators and ``Disagreement.key``."""
SHORT = {"first": "1", "second": "2", "both": "=", "neither": "x"}
"""How each decision is keyed, and shown in the table's Gold column (with the name it keeps)."""


def disagreement_widths(width: int, rows: list[list[Text]]) -> list[int]:
    """Content widths of the disagreement columns (kind, document, label, the two spans, gold)
    filling ``width`` cells: each of the others what its longest cell needs (the document at most a
    sixth), the two spans share the rest."""
    longest = [max(cell.cell_len for cell in column) for column in zip(*rows, strict=True)]
    content = width - 2 - 2 * len(longest)  # the scrollbar, and padding either side of each column
    kind = min(longest[0], 8)
    document = min(longest[1], 30, max(content // 6, 8))
    label = min(longest[2], 16)
    gold = min(longest[5], 14)
    rest = max(content - kind - document - label - gold, 2 * QUOTE_MIN)
    first = min(longest[3], max(rest // 2, rest - longest[4]))
    return [kind, document, label, first, rest - first, gold]


def fit(cell: Text, width: int) -> Text:
    """A cell cut to ``width`` cells, with an ellipsis."""
    cut = cell.copy()
    cut.truncate(width, overflow="ellipsis")
    return cut


def review_key(pair: Pair, found: Disagreement) -> ReviewKey:
    """What a decision is kept under: the pair and the disagreement."""
    return (pair.first, pair.second, found.key)


def span_label(span: Span | None, width: int | None = QUOTE_WIDTH) -> str:
    """``start–end “quote”`` on one line (the quote cut at ``width``), or — for no span."""
    if span is None:
        return "—"
    quote = visible_line(" ".join(span.quote[:1000].split()))
    quote = quote if width is None or len(quote) <= width else quote[: width - 1] + "…"
    return f"{span.start}–{span.end} “{quote}”"


class AgreementScreen(Screen[Destination | None]):
    """Figures per pair of annotators, their disagreements, and the review into the gold set."""

    CSS_PATH = "agreement.tcss"
    BINDINGS = [  # noqa: RUF012 - Textual's declaration style
        Binding("escape", "close", "Back", id="agreement.close", tooltip="Back"),
        Binding(
            "p", "next_pair", "Next pair", id="agreement.next_pair", tooltip="The next pair of annotators"
        ),
        Binding(
            "1,a",
            "decide('first')",
            "Take 1st",
            id="agreement.first",
            tooltip="Review: the first annotator's span goes into the gold set",
        ),
        Binding(
            "2,b",
            "decide('second')",
            "Take 2nd",
            id="agreement.second",
            tooltip="Review: the second annotator's span goes into the gold set",
        ),
        Binding(
            "equals_sign",
            "decide('both')",
            "Both",
            id="agreement.both",
            tooltip="Review: both spans go into the gold set",
        ),
        Binding(
            "x",
            "decide('neither')",
            "Neither",
            id="agreement.neither",
            tooltip="Review: neither span is gold",
        ),
    ]

    class Loaded(Message):
        """The worker computed the agreement of the corpus."""

        def __init__(self, report: Report, problems: list[str]) -> None:
            super().__init__()
            self.report, self.problems = report, problems

    class Adjudicated(Message):
        """A decision was written to the gold set (``error``: it could not be)."""

        def __init__(self, key: ReviewKey, changed: int, error: str = "") -> None:
            super().__init__()
            self.key, self.changed, self.error = key, changed, error

    def __init__(self, library: Library, color_names: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.library = library
        self.store = library.annotation_store()
        self.color_names = dict(color_names or {})
        self.report: Report | None = None
        self.pair_index = 0
        self.decisions: dict[ReviewKey, Decision] = {}
        """The review's decisions, by pair and disagreement (read from the gold set, then as taken here)."""
        self._agreed_written: set[tuple[str, str]] = set()
        self._gold_width = 14
        self._saver = ThreadPoolExecutor(max_workers=1, thread_name_prefix="review")

    # ------------------------------------------------------------------ composing and loading

    def compose(self) -> ComposeResult:
        yield Label("Agreement · reading…", id="agreement-title", markup=False)
        yield DataTable(id="agreement-figures", cursor_type="row", zebra_stripes=True)
        yield Label("", id="agreement-heading", markup=False)
        yield DataTable(id="agreement-disagreements", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#agreement-disagreements", DataTable).focus()
        self.load()

    @work(thread=True, exclusive=True, group="agreement")
    def load(self) -> None:
        sets = self.library.annotated(self.store)
        report = agreement(sets, lambda ref: read_text(ref.path))
        problems, self.store.problems[:] = list(self.store.problems), []
        self.post_message(self.Loaded(report, problems))

    def on_agreement_screen_loaded(self, message: Loaded) -> None:
        self.report = message.report
        for problem in message.problems:
            self.notify(visible_line(problem), severity="warning", timeout=10, markup=False)
        self.decisions = {
            review_key(pair, d): found
            for pair in message.report.pairs
            for d in pair.disagreements
            if (found := decided(d, message.report.gold)) is not None
        }
        self.pair_index = min(self.pair_index, max(len(message.report.pairs) - 1, 0))
        self.show_pair()

    @property
    def pair(self) -> Pair | None:
        """The pair of annotators shown."""
        if self.report is None or not self.report.pairs:
            return None
        return self.report.pairs[self.pair_index]

    # ------------------------------------------------------------------ showing

    def show_pair(self) -> None:
        """Fill the title, the figures and the disagreements of the current pair."""
        report, pair = self.report, self.pair
        title = self.query_one("#agreement-title", Label)
        figures = self.query_one("#agreement-figures", DataTable)
        listed = self.query_one("#agreement-disagreements", DataTable)
        row_before = listed.cursor_row if listed.row_count else 0
        figures.clear(columns=True)
        listed.clear(columns=True)
        if report is None:
            return
        if pair is None:
            found = ", ".join(visible_line(n) for n in report.annotators) or "none"
            title.update(
                Text(f"Agreement needs annotations by two annotators or more (found: {found})", style="bold")
            )
            self.query_one("#agreement-heading", Label).update("")
            return
        first, second = visible_line(pair.first), visible_line(pair.second)
        skipped = f" · {len(pair.skipped):,} skipped (annotated by one of them only)" if pair.skipped else ""
        left = []
        if report.suggested:
            left.append(counted(report.suggested, "suggestion"))
        if report.unattributed:
            left.append(counted(report.unattributed, "annotation") + " without annotator")
        left_out = f" · left out: {', '.join(left)}" if left else ""
        which = f"pair {self.pair_index + 1} of {len(report.pairs)} · " if len(report.pairs) > 1 else ""
        title.update(
            Text(
                f"Agreement · {which}{first} vs {second} · "
                f"{counted(len(pair.documents), 'document')} both annotated "
                f"({counted(pair.overall.tokens, 'token')}){skipped}{left_out}"
            )
        )
        headers = ["Label", first, second, "Exact", "P", "R", "F1", "Overlap", "P", "R", "F1", "κ"]
        for n, header in enumerate(headers):
            figures.add_column(Text(header), key=f"c{n}")
        for label_figures in (*pair.labels, pair.overall):
            figures.add_row(
                *self._figure_cells(label_figures),
                key=label_figures.label if label_figures.label is not None else "",
            )
        cells = [self._disagreement_cells(d) for d in pair.disagreements]
        heads = [Text(h) for h in ("Kind", "Document", "Label", first, second, "Gold")]
        names = max((self._decision_name(d) for d in DECISIONS), key=len)
        decisions = [Text(""), Text(""), Text(""), Text(""), Text(""), Text(names)]
        widths = disagreement_widths(listed.size.width or self.size.width, [heads, decisions, *cells])
        self._gold_width = widths[-1]
        for n, (head, width) in enumerate(zip(heads, widths, strict=True)):
            listed.add_column(head, width=width, key=f"d{n}")
        for number, row in enumerate(cells):
            listed.add_row(
                *(fit(cell, width) for cell, width in zip(row, widths, strict=True)), key=str(number)
            )
        if 0 <= row_before < listed.row_count:
            listed.move_cursor(row=row_before, animate=False)
        self._show_heading()

    def _figure_cells(self, found: Figures) -> list[Text]:
        name = visible_line(found.label) if found.label is not None else "all"
        cells = [Text(name, style="" if found.label is not None else "bold")]
        cells += [Text(f"{found.first_spans:,}"), Text(f"{found.second_spans:,}")]
        for matching in ("exact", "overlap"):
            cells.append(Text(f"{getattr(found, matching):,}"))
            for value in (found.precision(matching), found.recall(matching), found.f1(matching)):  # type: ignore[arg-type]
                cells.append(Text(shown(value)))
        cells.append(Text(shown(found.kappa)))
        return cells

    def _disagreement_cells(self, d: Disagreement) -> list[Text]:
        ref = self.report.documents.get(d.doc_id) if self.report else None
        title = visible_line(ref.title if ref and ref.title else d.doc_id)
        decision = self.decisions.get(review_key(self.pair, d)) if self.pair else None
        gold = Text(self._decision_name(decision), style="bold green") if decision else Text("·", style="dim")
        return [
            Text(d.kind, style={"missing": "yellow", "boundary": "cyan", "label": "magenta"}[d.kind]),
            Text(title),
            Text(visible_line("/".join(d.labels))),
            Text(span_label(d.first, None)),
            Text(span_label(d.second, None)),
            gold,
        ]

    def _decision_name(self, decision: Decision | None) -> str:
        pair = self.pair
        if decision is None or pair is None:
            return ""
        names = {"first": pair.first, "second": pair.second, "both": "both", "neither": "neither"}
        return f"{SHORT[decision]} {visible_line(names[decision])}"

    def _show_heading(self) -> None:
        pair = self.pair
        heading = self.query_one("#agreement-heading", Label)
        if pair is None:
            heading.update("")
            return
        done = sum(review_key(pair, d) in self.decisions for d in pair.disagreements)
        if not pair.disagreements:
            heading.update(Text("No disagreements: the two agree on every span", style="bold"))
            return
        first, second = visible_line(pair.first), visible_line(pair.second)
        heading.update(
            Text(
                f"{counted(len(pair.disagreements), 'disagreement')} · {done:,} decided · "
                f"enter opens · 1 {first} · 2 {second} · = both · x neither",
                style="bold",
            )
        )

    def on_resize(self) -> None:
        if self.report is not None:  # the columns fit the new width
            self.show_pair()

    # ------------------------------------------------------------------ keys

    def _current(self) -> Disagreement | None:
        pair, table = self.pair, self.query_one("#agreement-disagreements", DataTable)
        if pair is None or not pair.disagreements or table.row_count == 0:
            return None
        row = table.cursor_row
        return pair.disagreements[row] if 0 <= row < len(pair.disagreements) else None

    def action_next_pair(self) -> None:
        if self.report is None or len(self.report.pairs) < 2:
            self.notify("There is no other pair of annotators", timeout=3)
            return
        self.pair_index = (self.pair_index + 1) % len(self.report.pairs)
        self.show_pair()

    def action_decide(self, decision: str) -> None:
        """Put the decision on the disagreement under the cursor into the gold set, and move on."""
        found, pair, report = self._current(), self.pair, self.report
        if found is None or pair is None or report is None or decision not in DECISIONS:
            self.notify("No disagreement to decide on", severity="warning", timeout=3)
            return
        chosen: Decision = next(d for d in DECISIONS if d == decision)
        self.decisions[review_key(pair, found)] = chosen
        table = self.query_one("#agreement-disagreements", DataTable)
        row = table.cursor_row
        shown = fit(Text(self._decision_name(chosen), style="bold green"), self._gold_width)
        table.update_cell_at(Coordinate(row, 5), shown)
        if row + 1 < table.row_count:
            table.move_cursor(row=row + 1)
        self._show_heading()
        with_agreed = (pair.first, pair.second) not in self._agreed_written
        self._agreed_written.add((pair.first, pair.second))
        self._write(report.documents, pair, found, chosen, with_agreed)

    def _write(
        self,
        documents: Mapping[str, DocumentRef],
        pair: Pair,
        found: Disagreement,
        decision: Decision,
        with_agreed: bool,
    ) -> None:
        """Write one decision on the saver thread (decisions are written in the order taken)."""
        post = self.post_message

        def run() -> None:
            try:
                changed = adjudicate(self.store, documents, pair, {found: decision}, with_agreed)
            except OSError as error:
                reason = f"The gold set was not saved: {error.strerror or error}"
                post(self.Adjudicated(review_key(pair, found), 0, reason))
                return
            post(self.Adjudicated(review_key(pair, found), changed))

        self._saver.submit(run)

    def on_agreement_screen_adjudicated(self, message: Adjudicated) -> None:
        if message.error:
            self.decisions.pop(message.key, None)
            self.notify(visible_line(message.error), severity="error", timeout=10, markup=False)
            self.show_pair()
            return
        if message.changed:
            self.notify(f"Gold set: {counted(message.changed, 'annotation')} written", timeout=2)

    @on(DataTable.RowSelected, "#agreement-disagreements")
    def _open(self, event: DataTable.RowSelected) -> None:
        found, pair = self._current(), self.pair
        if found is None or pair is None:
            return
        self.dismiss(Destination(found.doc_id, found.start, self.whose(found, pair)))

    def whose(self, found: Disagreement, pair: Pair) -> str:
        """Whose span is which, for the reading room to say: offsets, quote, label and colour."""

        def side(name: str, span: Span | None) -> str:
            if span is None:
                return f"{name}: nothing here"
            color = span.annotation.color
            shown = self.color_names.get(color, color)
            return f"{name}: {span_label(span, 48)} #{span.label} in {shown}"

        parts = [side(pair.first, found.first), side(pair.second, found.second)]
        text = f"{found.kind} · " + " · ".join(parts)
        if found.first and found.second and found.first.annotation.color == found.second.annotation.color:
            text += " (the same colour: the one under the cursor is underlined; ] and [ step between them)"
        return visible_line(text)

    def action_close(self) -> None:
        self.dismiss(None)

    def on_unmount(self) -> None:
        # decisions still queued are written, not lost
        self._saver.shutdown(wait=True)
