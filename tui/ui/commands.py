"""Command palette (ctrl+p): open a document by title, change the list's order, export.

Themes come from Textual's own "Change theme" command. The palette reads a string prompt or
help text as markup, and titles, paths and tags are data from files: every prompt here is a
``Content`` built from plain text (matched letters styled by hand) and no help text carries
data, so a title such as ``[@click=app.quit]`` is only ever shown.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher

from tui.core.sanitize import visible_line
from tui.ui.wording import counted

if TYPE_CHECKING:
    from tui.ui.screens.main import MainScreen


def highlighted(matcher: Matcher, label: str) -> Content:
    """``label`` as plain text with the letters the query matched styled (Textual's look)."""
    content = Content(label)
    _, offsets = matcher.fuzzy_search.match(matcher.query, label)
    for offset in offsets:
        if not label[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


def _document_prompt(matcher: Matcher, label: str, doc_id: str) -> Content:
    """The title line, matched, over the document's id (where Textual puts help text)."""
    return Content.assemble(highlighted(matcher, label), "\n", (visible_line(doc_id), "dim"))


class DocumentCommands(Provider):
    """Fuzzy-match document titles (Textual's matcher) and the sort orders."""

    def _screen(self) -> object:
        from tui.ui.screens.main import MainScreen

        screen = self.app.screen_stack[0] if self.app.screen_stack else None
        for candidate in self.app.screen_stack:
            if isinstance(candidate, MainScreen):
                return candidate
        return screen

    async def search(self, query: str) -> Hits:
        from tui.ui.screens.main import MainScreen

        screen = self._screen()
        if not isinstance(screen, MainScreen):
            return
        matcher = self.matcher(query)
        for sort in ("date", "title", "relevance"):
            label = f"Sort by {sort}"
            score = matcher.match(label)
            if score > 0:
                yield Hit(
                    score,
                    highlighted(matcher, label),
                    partial(screen.set_sort, sort),
                    text=label,
                    help="Order of the document list",
                )
        for label, action, help_text in _screen_commands(screen):
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, highlighted(matcher, label), action, text=label, help=help_text)
        for entry in list(screen.entries.values()):
            label = f"Open: {visible_line(entry.title)}"
            score = matcher.match(label)
            if score > 0:
                yield Hit(
                    score,
                    _document_prompt(matcher, label, entry.id),
                    partial(screen.open_document, entry.id),
                    text=label,
                )

    async def discover(self) -> Hits:
        from tui.ui.screens.main import MainScreen

        screen = self._screen()
        if not isinstance(screen, MainScreen):
            return
        for sort in ("date", "title"):
            yield DiscoveryHit(
                Content(f"Sort by {sort}"), partial(screen.set_sort, sort), help="Order of the document list"
            )
        for label, action, help_text in _screen_commands(screen):
            yield DiscoveryHit(Content(label), action, text=label, help=help_text)


def _screen_commands(screen: MainScreen) -> list[tuple[str, Callable[[], object], str]]:
    """Annotation commands: the panel, and the list filtered by each annotation tag.

    Labels may hold tags (data); help texts are lectern's own words only.
    """
    commands: list[tuple[str, Callable[[], object], str]] = [
        ("Show or hide the annotation panel", screen.action_toggle_panel, "Annotations of the open document"),
        ("Browse all annotations", screen.action_browse, "Filter, sort, open, rename tags, label counts"),
        ("Labelling mode on or off", partial(screen.action_labelling, "toggle"), "Label keys label (L)"),
        ("Label set: add, change, remove labels", screen.labelling.edit_labels, "This corpus's labels"),
        ("Pre-annotate: suggest a label", screen.labelling.suggestions.ask, "On a phrase or the hits (P)"),
        (
            "Agreement between annotators",
            screen.action_agreement,
            "Precision, recall, F1 and kappa per pair; review disagreements into gold",
        ),
    ]
    from tui.core.exchange import FORMATS  # only when the palette opens: not on the first paint

    for fmt in FORMATS:
        commands.append(
            (
                f"Export annotations as {fmt}",
                partial(ask_export, screen, fmt),
                "Asks which folder, writes a new file there (brat: a new folder)",
            )
        )
    for tag in screen.known_tags():
        commands.append(
            (
                f"Documents tagged #{visible_line(tag)}",
                partial(screen.filter_by_tag, tag),
                "Filter the list by annotation tag",
            )
        )
    if screen.tag_filter:
        commands.append(("Show all documents", partial(screen.filter_by_tag, None), "Drop the tag filter"))
    return commands


def ask_export(screen: MainScreen, fmt: str) -> None:
    """Ask where to write every annotation of the corpus in ``fmt``, write it, and say where.

    The folder proposed is the settings' ``export_dir`` (else the home folder); nothing is written
    before the user confirms it.
    """
    from tui.core.settings import Settings
    from tui.ui.screens.export import ExportDialog, Exported, write_export

    settings = getattr(screen.app, "settings", None)  # lectern's app has them; a test app may not
    folder = settings.export_folder() if isinstance(settings, Settings) else Settings().export_folder()

    def done(exported: Exported | None) -> None:
        if exported is None:
            return
        for problem in exported.problems:
            screen.notify(visible_line(problem), severity="warning", timeout=10, markup=False)
        what = counted(exported.count, "annotation")
        screen.notify(visible_line(f"Exported {what} as {fmt} to {exported.path}"), markup=False)

    write = partial(write_export, screen.library, fmt)
    screen.app.push_screen(ExportDialog(fmt, folder, write), done)
