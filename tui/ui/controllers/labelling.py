"""Labelling mode: label passages at the speed of the keyboard, from the corpus's label set.

``LabellingController`` is owned by the main screen. ``L`` in the reader turns the mode on (and
off); the status line says LABELLING and the footer shows the label keys. The passage a label key
labels is the selection when there is one (``v`` and the motions, or a drag), else what the mode
proposes, drawn selected: the search hit (or find match) the cursor is on, else the sentence it
is in. A label is an annotation tagged with the label's name, in its colour, by the configured
annotator, saved like any other (``AnnotationController``: the same store, anchoring and ``u``).
After labelling, the cursor moves on to the next hit (when the document has hits) or the next
sentence, and that is proposed next: a document is labelled from the home row, one key a span.
``escape`` drops a selection, then leaves the mode.

The label keys come from the label set (``tui.core.labels``), so they are bound at run time: a
``BindingsMap`` of them (and ``escape``) is put before the reader's own bindings, each bound to
``app.labelling('label', n)``; the app's ``check_action`` (which asks ``allows``) lets them act,
and the footer show them, only in the mode while the reading room is the screen shown.

Pre-annotation (``P``, or the palette) labels every occurrence of a phrase (or every current hit)
with a label, as suggestions (``Annotation.suggested``), in the open document or in every
document the search matches; ``enter`` on a suggestion accepts it and ``x`` rejects it (the
cursor then moves to the next one). A passage that has the label already is never labelled twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.binding import Binding, BindingsMap
from textual.message import Message
from textual.screen import Screen

from tui.core.labels import Label, LabelError, LabelFile, LabelSet, change_labels, labels_file, load_labels
from tui.core.library import Library
from tui.ui.controllers.annotations import AnnotationController, Step
from tui.ui.controllers.suggestions import SuggestionController
from tui.ui.widgets.lookup import reader_of, readers_of
from tui.ui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from tui.ui.widgets.reader import Reader

Span = tuple[int, int]


def _key(keys: str, what: str, description: str, name: str, tooltip: str) -> Binding:
    return Binding(keys, f"labelling('{what}')", description, show=False, id=name, tooltip=tooltip)


BINDINGS = [
    _key("L", "toggle", "Labelling", "main.labelling", "Labelling mode on or off (label keys label)"),
    _key("P", "preannotate", "Pre-annotate", "labelling.preannotate", "Labelling: suggest a label widely"),
    _key("enter", "accept", "Accept", "labelling.accept", "On a suggestion: accept it (then the next)"),
    _key("x", "reject", "Reject", "labelling.reject", "On a suggestion: reject it (then the next)"),
    Binding(
        "escape",
        "labelling('leave')",
        "End labelling",
        show=False,
        id="labelling.leave",
        tooltip="Labelling: drop the selection, else leave labelling mode",
    ),
]
"""The labelling keys of the main screen (``labelling(...)`` forwards them here). Its ``escape``
is declared here (for the help and the keymap) and acts from the reader (``LEAVE``)."""
LEAVE = Binding(
    "escape",
    "app.labelling('leave')",
    "End labelling",
    id="labelling.leave",
    tooltip="Labelling: drop the selection, else leave labelling mode",
)
"""Bound on the reader, before its own ``escape``, while there is a label set."""
_BLOCK_START = re.compile(r"\n(?=[ \t]*(?:[-*+][ \t]|\d{1,9}[.)][ \t]|#{1,6}[ \t]|>|\|))")
"""A line that starts a list item, a heading, a quote or a table row ends the sentence before it."""


@dataclass
class LabelsLoaded(Message):
    """The corpus's label set was read (or written: ``changed``), or could not be written (``error``)."""

    file: LabelFile
    error: str = ""
    changed: bool = False


def next_start(text: str, offset: int) -> int:
    """Where the sentence after the one holding ``offset`` starts (the text's end when none does).
    A full stop followed by a small letter or a digit on the same line (``Jan. 2020``, ``e.g.
    this``) ends no sentence."""
    from tui.ui.widgets import motions  # the reader's motions: loaded with the reader

    found = motions.next_sentence(text, offset)
    while _continues(text, found):
        found = motions.next_sentence(text, found)
    block = _BLOCK_START.search(text, offset, found + 32)
    return _skip_blanks(text, block.end()) if block and block.start() < found else found


def _continues(text: str, start: int) -> bool:
    """Whether a sentence the motions found starting at ``start`` goes on the one before."""
    if not 0 < start < len(text) or not (text[start].islower() or text[start].isdigit()):
        return False
    before = start
    while before > 0 and text[before - 1] in " \t":
        before -= 1
    return 0 < before < start and text[before - 1] == "."


def sentence_at(text: str, offset: int) -> Span | None:
    """The sentence holding ``offset`` (blanks around it left out), or None in a blank stretch."""
    if not text:
        return None
    from tui.ui.widgets import motions

    offset = min(max(offset, 0), len(text) - 1)
    start = motions.previous_sentence(text, offset + 1)
    while _continues(text, start):
        start = motions.previous_sentence(text, start)
    for block in _BLOCK_START.finditer(text, start, offset + 32):  # the lookahead reads on
        if block.end() > offset:
            break
        start = _skip_blanks(text, block.end())
    end = next_start(text, start)
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _skip_blanks(text: str, offset: int) -> int:
    while offset < len(text) and text[offset].isspace():
        offset += 1
    return offset


def _key_name(key: str) -> str:
    return "comma" if key == "," else key


class LabellingController:
    """The label set of the corpus, labelling mode, and suggestions, for the main screen."""

    def __init__(self, screen: Screen[Any], library: Library, annotating: AnnotationController) -> None:
        self._screen = screen
        self._library = library
        self._annotating = annotating
        self.file = LabelFile(labels_file(library.paths.config, library.inputs))
        """The label set as last read (or written)."""
        self.active = False
        """Whether labelling mode is on."""
        self.last_label: str | None = None
        """The label used last (pre-annotation proposes it)."""
        self._proposal: Span | None = None
        self._base: BindingsMap | None = None
        self._reported: tuple[str, ...] = ()
        self.suggestions = SuggestionController(screen, annotating, self)
        """Pre-annotation, and accepting or rejecting suggestions."""
        annotating.undone = self._undone
        annotating.cursor_shown = self._show_under_cursor

    @property
    def labels(self) -> LabelSet:
        return self.file.labels

    @property
    def _reader(self) -> Reader:
        return reader_of(self._screen)

    def _notify(self, message: str, severity: str = "information", timeout: float = 4) -> None:
        self._screen.notify(message, severity=severity, timeout=timeout)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ the label set

    def load(self) -> None:
        """Read the label set again, in a worker (``LabelsLoaded``)."""
        path = self.file.path

        def run() -> None:
            self._screen.post_message(LabelsLoaded(load_labels(path)))

        self._screen.run_worker(run, thread=True, exclusive=True, group="labels")

    def loaded(self, message: LabelsLoaded) -> None:
        """Take a label set read or written (and say what was wrong with its file)."""
        if message.error:
            self._notify(message.error, "error", 12)
            return
        self.file = message.file
        problems = message.file.problems
        if problems and problems != self._reported:
            self._notify("; ".join(problems), "warning", 12)
        self._reported = problems
        if message.changed:
            self._notify(f"Labels saved: {message.file.path}", timeout=4)
        self._install()

    def reader_mounted(self) -> None:
        """The reader is there now (just after the first frame): bind the label keys on it."""
        self._install()

    def _install(self) -> None:
        """Bind the label keys (and ``escape``) on the reader, before its own keys."""
        readers = readers_of(self._screen)
        if not readers:  # not mounted yet: ``reader_mounted`` binds them
            return
        reader = readers[0]
        if self._base is None:
            self._base = reader._bindings.copy()
        keys = [
            Binding(
                _key_name(label.key),
                f"app.labelling('label', {index})",
                label.name,
                key_display=label.key,
                tooltip=self._describe(label),
            )
            for index, label in enumerate(self.labels)
        ]
        reader._bindings = BindingsMap.merge([BindingsMap([LEAVE, *keys]), self._base])
        reader.refresh_bindings()

    def _describe(self, label: Label) -> str:
        colour = self._annotating.color_name(label.color)
        return f"Label {label.name} ({colour})" + (f": {label.description}" if label.description else "")

    def help_bindings(self) -> list[Binding]:
        """The labelling keys for the help screen, the label keys included."""
        keys = [
            Binding(label.key, f"labelling('label', {n})", label.name, tooltip=self._describe(label))
            for n, label in enumerate(self.labels)
        ]
        return [*BINDINGS, *keys]

    def edit_labels(self) -> None:
        """The label set dialog: list, add, change, remove; the set is written when it closes."""
        from tui.ui.screens.labels import LabelSetDialog

        found = self.file

        def done(labels: LabelSet | None) -> None:
            if labels is None or labels == found.labels:
                return

            def run() -> None:
                try:
                    written = change_labels(found, labels)
                except (LabelError, OSError) as error:
                    reason = error.strerror if isinstance(error, OSError) else str(error)
                    self._screen.post_message(LabelsLoaded(found, f"The labels were not saved: {reason}"))
                    return
                self._screen.post_message(LabelsLoaded(written, changed=True))

            self._screen.run_worker(run, thread=True, group="labels-save")

        self._screen.app.push_screen(LabelSetDialog(found, self._annotating.color_names), done)

    # ------------------------------------------------------------------ the mode

    def allows(self, parameters: tuple[object, ...]) -> bool:
        """Whether a labelling key acts now (the footer shows only those that do)."""
        what = parameters[0] if parameters else ""
        if what in ("label", "leave", "preannotate"):
            return self.active and self._reader.has_focus and self._screen.app.screen is self._screen
        return True

    def act(self, what: str, index: int = -1) -> None:
        """A labelling key or command."""
        if what == "toggle":
            self.leave() if self.active else self.enter()
        elif what == "label":
            self.label(index)
        elif what == "leave":
            self._leave_or_drop()
        elif what == "preannotate":
            self.suggestions.ask()
        elif what in ("accept", "reject"):
            self.suggestions.review(accept=what == "accept")
        elif what == "labels":
            self.edit_labels()

    def enter(self) -> None:
        """Turn labelling mode on."""
        self.active = True
        self.load()  # the file may have been edited since: the new set follows
        self._screen.query_one(StatusBar).show_mode("LABELLING")
        reader = self._reader
        if reader.doc_id is not None:
            reader.focus()
        if not len(self.labels):
            self._notify("No labels yet: add some (the label set opens; or 'lectern labels add NAME')")
            self.edit_labels()
        else:
            keys = ", ".join(f"{label.key} {label.name}" for label in list(self.labels)[:6])
            self._notify(f"Labelling: {keys}{' …' if len(self.labels) > 6 else ''}; escape ends", timeout=5)
        self._propose()
        reader.refresh_bindings()

    def leave(self) -> None:
        """Turn labelling mode off."""
        self.active = False
        reader = self._reader
        if reader.selection is not None and reader.selection == self._proposal:
            reader.clear_selection()
        self._proposal = None
        self._screen.query_one(StatusBar).show_mode("")
        reader.refresh_bindings()

    def _leave_or_drop(self) -> None:
        reader = self._reader
        selection = reader.selection
        if selection is not None and (reader.selection_anchor is not None or selection != self._proposal):
            reader.clear_selection()
            self._propose()
            return
        self.leave()

    def cursor_moved(self) -> None:
        """The reader's cursor moved: propose what is under it, and list its labels."""
        if self.active:
            self._propose()
            self._show_under_cursor()

    def _show_under_cursor(self) -> bool:
        """In the mode, the status line lists every label under the cursor (outer first)."""
        if not self.active:
            return False
        reader = self._reader
        here = [a for a in reader.annotations_between(reader.cursor, reader.cursor + 1) if a.tags]
        here.sort(key=lambda a: a.start - a.end)
        tags = tuple(f"{tag}?" if a.suggested else tag for a in here for tag in a.tags)
        note = "suggested: enter accepts, x rejects" if any(a.suggested for a in here) else ""
        self._screen.query_one(StatusBar).show_note(note, tags)
        return True

    def _target(self) -> Span | None:
        """What a label key labels now: the selection, else the hit or sentence under the cursor."""
        reader = self._reader
        selection = reader.selection
        if selection is not None and (reader.selection_anchor is not None or selection != self._proposal):
            return reader.passage
        return self._at_cursor()

    def _at_cursor(self) -> Span | None:
        reader = self._reader
        cursor = reader.cursor
        hit = next((s for s in reader.marks.spans if s[0] <= cursor < s[1]), None)
        span = hit or sentence_at(reader.text, cursor)
        return reader.drawn_span(*span) if span else None

    def _propose(self) -> None:
        reader = self._reader
        if not self.active or reader.selection_anchor is not None:
            return
        if reader.selection is not None and reader.selection != self._proposal:
            return  # the user's own (dragged) selection stays
        self._proposal = self._at_cursor()
        reader.propose(self._proposal)

    # ------------------------------------------------------------------ labelling

    def label(self, index: int) -> None:
        """Label the passage with label ``index`` of the set, then move on."""
        labels = self.labels.labels
        annotating, reader = self._annotating, self._reader
        document = annotating.document
        if not 0 <= index < len(labels) or document is None or reader.doc_id != document.id:
            return
        label = labels[index]
        span = self._target()
        if span is None:
            self._notify("Nothing to label here: select some words (v and a motion)", "warning", 3)
            return
        if any((a.start, a.end) == span and label.name in a.tags for a in reader.annotations):
            self._notify(f"Labelled {label.name} already", timeout=2)
        else:
            made = annotating.new_annotation(span, tags=(label.name,), color=label.color)
            annotating.change(None, made, "")
        self.last_label = label.name
        reader.clear_selection()
        self._proposal = None
        self._advance(span)

    def _advance(self, span: Span) -> None:
        """Put the cursor on what comes after ``span``: the next hit, else the next sentence."""
        reader = self._reader
        text = reader.text
        start, end = span
        if any(s >= end for s, _ in reader.marks.spans):
            reader.go_to(max(end - 1, start))
            reader.action_next_hit()
        else:
            following = next_start(text, max(end - 1, start))
            if following >= len(text):
                self._notify("The end of the document", timeout=2)
                following = start
            reader.go_to(following)
        self._propose()

    def _undone(self, step: Step) -> None:
        """``u`` in the mode: the cursor goes back to the passage unlabelled, to label it again."""
        if not self.active or len(step) != 1:
            return
        _, before, after = step[0]
        reader, document = self._reader, self._annotating.document
        if before is None and after is not None and document is not None and reader.doc_id == document.id:
            reader.clear_selection()
            self._proposal = None
            reader.go_to(after.start)
            self._propose()
