"""Annotating in the reading room: the keys and dialogs that make, edit and undo annotations.

``AnnotatingScreen`` is the half of the main screen that deals with the open document's
annotations: ``h a t e d u c 1-5 A``, the dialog, the side panel and the status note. Every
change is one transaction on ``tui.core.annotations.AnnotationStore``, run in order on a single
saver thread; the result comes back as ``AnnotationsSaved`` and only then is shown, so what the
reader draws is always what is on disk. ``MainScreen`` builds on it and says what a change means
for the rest of the screen (list counts, re-indexing notes) through two hooks.

Nearly every message this screen (and the main screen built on it) shows carries data from files:
titles, paths, tags, notes, reasons quoting a file. So ``notify`` here never reads markup and
shows every message as one visible line (``visible_line``): no caller can forget.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Label

from tui.core.anchoring import retarget
from tui.core.annotations import (
    COLORS,
    Annotation,
    AnnotationSet,
    AnnotationStore,
    DocumentRef,
    reference,
)
from tui.core.documents import Document
from tui.core.sanitize import visible_line
from tui.ui.messages import AnnotationsFailed, AnnotationsSaved
from tui.ui.screens.annotate import AnnotationDialog, AnnotationForm
from tui.ui.screens.confirm import ConfirmDialog
from tui.ui.widgets.annotation_panel import AnnotationPanel
from tui.ui.widgets.reader import Reader


def _excerpt(text: str, limit: int = 120) -> str:
    """A passage on one line, shortened, safe to show."""
    flat = visible_line(" ".join(text.split()))
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def document_ref(doc: Document) -> DocumentRef:
    """How the annotation store names a document as it is now."""
    return reference(doc.id, doc.path, doc.sha256, doc.title)


class AnnotatingScreen(Screen[None]):
    """Makes and changes the open document's annotations; expects a Reader and an AnnotationPanel."""

    BINDINGS = [  # noqa: RUF012 - Textual's declaration style
        Binding("h", "highlight", "Highlight", id="main.highlight", tooltip="Highlight the selection"),
        Binding(
            "a", "annotate", "Annotate", id="main.annotate", tooltip="Note, tags and colour for the selection"
        ),
        Binding("t", "tag", "Tag", show=False, id="main.tag", tooltip="Tags for the selection"),
        Binding(
            "e", "edit", "Edit", show=False, id="main.edit", tooltip="Edit the annotation under the cursor"
        ),
        Binding(
            "d",
            "delete",
            "Delete",
            show=False,
            id="main.delete",
            tooltip="Delete the annotation under the cursor",
        ),
        Binding("u", "undo", "Undo", show=False, id="main.undo", tooltip="Undo the last annotation change"),
        Binding(
            "c",
            "cycle_color",
            "Colour",
            show=False,
            id="main.cycle_color",
            tooltip="Next colour for the annotation under the cursor",
        ),
        *(
            Binding(
                str(n),
                f"choose_color({n})",
                f"Colour {n}",
                show=False,
                id=f"main.color_{n}",
                tooltip=f"Highlight in {color}",
            )
            for n, color in enumerate(COLORS, 1)
        ),
        Binding(
            "A", "toggle_panel", "Annotations", id="main.panel", tooltip="Show or hide the annotation panel"
        ),
    ]

    def __init__(self, store: AnnotationStore, color_names: dict[str, str] | None = None) -> None:
        super().__init__()
        self.store = store
        self.color_names = dict(color_names or {})
        """The user's names for the highlight colours."""
        self.color = COLORS[0]
        """The colour ``h`` highlights in (``1``-``5`` choose)."""
        self.document: Document | None = None
        """The document open in the reader."""
        self.annotations: AnnotationSet | None = None
        """The open document's annotations as last saved."""
        self.annotation_counts: dict[str, int] = {}
        self.annotation_tags: dict[str, set[str]] = {}
        """Annotation tags of each annotated document of the corpus."""
        self.undo_stack: list[tuple[DocumentRef, Annotation | None, Annotation | None]] = []
        """(document, before, after) of each change, newest last."""
        self._saver = ThreadPoolExecutor(max_workers=1, thread_name_prefix="annotations")

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Show a toast; literal text unless a caller asks for markup it wrote itself."""
        if not markup:
            message = visible_line(message)
        super().notify(message, title=visible_line(title), severity=severity, timeout=timeout, markup=markup)

    def counts_changed(self) -> None:
        """Hook: ``annotation_counts`` or ``annotation_tags`` changed."""

    def notes_changed(self) -> None:
        """Hook: a change was saved (notes and tags are indexed with their document)."""

    def _save_annotations(
        self, document: DocumentRef, change: Callable[[], AnnotationSet], report: str
    ) -> None:
        """Run one change on the saver thread (changes stay in order); the answer comes as a message."""

        def run() -> None:
            try:
                result = change()
            except OSError as error:
                self.post_message(
                    AnnotationsFailed(f"Could not save the annotation: {error.strerror or error}")
                )
                return
            self.post_message(AnnotationsSaved(result, report))

        self._saver.submit(run)

    def _show_annotations(self, annotations: AnnotationSet | None) -> None:
        self.annotations = annotations
        items = annotations.annotations if annotations else ()
        self.query_one(Reader).set_annotations(items)
        self.query_one(AnnotationPanel).show(items, self.color_names)
        if annotations is not None and self.document is not None:
            self._count(self.document.id, annotations)

    def _count(self, doc_id: str, annotations: AnnotationSet) -> None:
        count = len(annotations.annotations)
        tags = {t for a in annotations.annotations for t in a.tags}
        if self.annotation_counts.get(doc_id, 0) == count and self.annotation_tags.get(doc_id, set()) == tags:
            return
        self.annotation_counts[doc_id] = count
        self.annotation_tags[doc_id] = tags
        self.counts_changed()

    def _report_opened(self, moved_from: str | None, reanchored: dict[str, int]) -> None:
        orphans = sum(a.anchor == "orphaned" for a in self.annotations.annotations) if self.annotations else 0
        if orphans and "orphaned" not in reanchored:  # re-anchored earlier (e.g. by the corpus listing)
            self.notify(
                f"{orphans} orphaned annotation(s): their passage is gone. "
                "A lists them; select the new passage, then r re-attaches",
                severity="warning",
                timeout=10,
            )
        if moved_from:
            self.notify(f"Annotations found from the document's old place: {moved_from}", timeout=8)
        changed = {k: v for k, v in reanchored.items() if k != "anchored"}
        if changed:
            summary = ", ".join(f"{v} {k}" for k, v in sorted(changed.items()))
            worry = "orphaned" in changed or "fuzzy" in changed
            self.notify(
                f"The document changed; annotations re-anchored: {summary}",
                severity="warning" if worry else "information",
                timeout=10,
            )

    def on_annotations_saved(self, message: AnnotationsSaved) -> None:
        saved = message.annotations
        if self.document is not None and saved.document.path == document_ref(self.document).path:
            self._show_annotations(saved)
        if message.report:
            self.notify(message.report, timeout=3)
        self.notes_changed()

    def on_annotations_failed(self, message: AnnotationsFailed) -> None:
        self.notify(message.reason, severity="error", timeout=10)

    def _change(self, before: Annotation | None, after: Annotation | None, report: str) -> None:
        """Save one change (add: no ``before``; delete: no ``after``) and remember it for undo."""
        if self.document is None:
            return
        ref = document_ref(self.document)
        self.undo_stack.append((ref, before, after))
        self._apply(ref, before, after, report)

    def _apply(
        self, ref: DocumentRef, before: Annotation | None, after: Annotation | None, report: str
    ) -> None:
        if after is not None:
            self._save_annotations(ref, lambda: self.store.save(ref, after), report)
        elif before is not None:
            self._save_annotations(ref, lambda: self.store.delete(ref, before.id), report)

    def _selection_or_hint(self) -> tuple[int, int] | None:
        """The passage the reader's selection means (its words: ``Reader.passage``), or a hint."""
        reader = self.query_one(Reader)
        if self.document is None or reader.doc_id != self.document.id:
            self.notify("Open a document first", severity="warning", timeout=3)
            return None
        span = reader.passage
        if span is None:
            blank = reader.selection is not None
            self.notify(
                "The selection holds only blanks: select some words"
                if blank
                else "Select a passage first: v, then move (or drag with the mouse)",
                severity="warning",
                timeout=4,
            )
        return span

    def _annotation_or_hint(self) -> Annotation | None:
        found = self.query_one(Reader).annotation_under_cursor
        if found is None:
            self.notify(
                "The cursor is not in an annotation (] and [ move between them)",
                severity="warning",
                timeout=4,
            )
        return found

    def _new(self, span: tuple[int, int], form: AnnotationForm | None = None) -> Annotation:
        assert self.document is not None
        return Annotation.create(
            self.document.text,
            span[0],
            span[1],
            sha256=self.document.sha256,
            note=form.note if form else "",
            tags=form.tags if form else (),
            color=form.color if form else self.color,
        )

    def known_tags(self) -> list[str]:
        """Every annotation tag used in the corpus, for completion and the tag filter."""
        return sorted({t for tags in self.annotation_tags.values() for t in tags}, key=str.casefold)

    def action_highlight(self) -> None:
        span = self._selection_or_hint()
        if span is not None:
            self._change(None, self._new(span), f"Highlighted in {self._color_name(self.color)}")
            self.query_one(Reader).clear_selection()

    def action_annotate(self) -> None:
        self._ask_for_new(tags_only=False)

    def action_tag(self) -> None:
        self._ask_for_new(tags_only=True)

    def _ask_for_new(self, tags_only: bool) -> None:
        span = self._selection_or_hint()
        if span is None or self.document is None:
            return

        def done(form: AnnotationForm | None) -> None:
            if form is not None:
                self._change(None, self._new(span, form), "Annotation saved")
                self.query_one(Reader).clear_selection()

        dialog = AnnotationDialog(
            self.document.text[span[0] : span[1]],
            color=self.color,
            known_tags=self.known_tags(),
            color_names=self.color_names,
            tags_only=tags_only,
            title="Tag the passage" if tags_only else "Annotate the passage",
        )
        self.app.push_screen(dialog, done)

    def action_edit(self) -> None:
        annotation = self._annotation_or_hint()
        if annotation is None:
            return

        def done(form: AnnotationForm | None) -> None:
            if form is not None:
                edited = annotation.edited(note=form.note, tags=form.tags, color=form.color)
                self._change(annotation, edited, "Annotation saved")

        dialog = AnnotationDialog(
            annotation.target.exact,
            note=annotation.note,
            tags=annotation.tags,
            color=annotation.color,
            known_tags=self.known_tags(),
            color_names=self.color_names,
            title="Edit the annotation",
        )
        self.app.push_screen(dialog, done)

    def action_delete(self) -> None:
        annotation = self._annotation_or_hint()
        if annotation is not None:
            self._change(annotation, None, "Annotation deleted (u undoes)")

    def action_undo(self) -> None:
        if not self.undo_stack:
            self.notify("Nothing to undo", timeout=2)
            return
        ref, before, after = self.undo_stack.pop()
        if before is None and after is not None:
            self._save_annotations(ref, lambda: self.store.delete(ref, after.id), "Undone")
        elif before is not None:
            self._save_annotations(ref, lambda: self.store.save(ref, before), "Undone")

    def action_cycle_color(self) -> None:
        annotation = self._annotation_or_hint()
        if annotation is not None:
            color = (
                COLORS[(COLORS.index(annotation.color) + 1) % len(COLORS)]
                if annotation.color in COLORS
                else COLORS[0]
            )
            self._change(annotation, annotation.edited(color=color), f"Colour: {self._color_name(color)}")

    def action_choose_color(self, number: int) -> None:
        self.color = COLORS[number - 1]
        self.notify(f"Highlight colour: {self._color_name(self.color)}", timeout=2)

    def _color_name(self, color: str) -> str:
        name = self.color_names.get(color)
        return f"{color} ({visible_line(name)})" if name and name != color else color

    def action_toggle_panel(self) -> None:
        panel = self.query_one(AnnotationPanel)
        panel.display = not panel.display
        if panel.display:
            panel.ensure_built()
            panel.focus()
        else:
            self.query_one(Reader).focus()

    @on(AnnotationPanel.Jump)
    def annotation_chosen(self, message: AnnotationPanel.Jump) -> None:
        reader = self.query_one(Reader)
        if message.annotation.anchor == "orphaned":
            self.notify("This annotation lost its passage: select the new one, then press r here", timeout=6)
            return
        reader.go_to(message.annotation.start)
        reader.focus()

    @on(AnnotationPanel.Delete)
    def delete_from_panel(self, message: AnnotationPanel.Delete) -> None:
        self._change(message.annotation, None, "Annotation deleted (u undoes)")

    @on(AnnotationPanel.Reattach)
    def reattach(self, message: AnnotationPanel.Reattach) -> None:
        """Move an annotation onto the selection: at once for an orphan (its passage is gone), after
        a yes for an annotation that still has its passage (its quote would be replaced)."""
        span = self._selection_or_hint()
        document = self.document
        if span is None or document is None:
            return
        old = message.annotation

        def attach(confirmed: bool | None = True) -> None:
            if not confirmed or self.document is not document:
                return
            target = retarget(old.target, document.text, *span)  # the first quote is kept
            moved = replace(old, target=target, anchor="anchored").edited()
            self._change(old, moved, "Annotation re-attached (u undoes)")
            self.query_one(Reader).clear_selection()

        if old.anchor == "orphaned":
            attach()
            return
        question = Text.assemble(
            "This annotation still has its passage:\n",
            (f"“{_excerpt(old.target.exact)}”", "italic"),
            "\nMove it to the selection, replacing its quote with\n",
            (f"“{_excerpt(document.text[span[0] : span[1]])}”", "italic"),
            "?",
        )
        self.app.push_screen(ConfirmDialog("Re-attach the annotation?", question, "Move it"), attach)

    @on(Reader.AnnotationUnderCursor)
    def annotation_under_cursor(self, message: Reader.AnnotationUnderCursor) -> None:
        label = self.query_one("#status-note", Label)
        found = message.annotation
        if found is None:
            label.update("")
            return
        parts = [f"✎ {' '.join(found.note.split())}" if found.note else self._color_name(found.color)]
        parts += [f"#{t}" for t in found.tags]
        label.update(Text(visible_line("  ".join(parts)), no_wrap=True, overflow="ellipsis"))
        self.query_one(AnnotationPanel).highlight(found.id)
