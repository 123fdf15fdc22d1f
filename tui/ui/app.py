"""The Textual application: receives core services, holds app-wide bindings, owns no logic.

``make_app`` is the one factory used by the command line and by the tests, so both run the same
app. Settings (theme, keymap, pane sizes) are read before the app starts; the chosen theme and
the pane sizes the user sets are saved when they change, in a worker, one write at a time.

Notifications are shown above the status line (``app.tcss``), which they never cover.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from textual.app import App
from textual.binding import Binding
from textual.notifications import SeverityLevel

from tui.core.library import Library
from tui.core.paths import Paths
from tui.core.reading import ReadingPositions
from tui.core.sanitize import visible, visible_line
from tui.core.settings import Settings
from tui.ui.collector import collect_again
from tui.ui.commands import DocumentCommands
from tui.ui.controllers.annotations import BINDINGS as ANNOTATION_KEYS
from tui.ui.controllers.panes import BINDINGS as LAYOUT_KEYS
from tui.ui.controllers.search import BINDINGS as SEARCH_KEYS
from tui.ui.messages import PanesChanged
from tui.ui.screens.main import KEYS as MAIN_KEYS
from tui.ui.screens.main import MainScreen
from tui.ui.widgets.document_list import DocumentList


class LecternApp(App[None]):
    """lectern's reading room."""

    TITLE = "lectern"
    CSS_PATH = ["app.tcss", "screens/main.tcss"]  # noqa: RUF012  (main.tcss: see MainScreen)
    COMMANDS = App.COMMANDS | {DocumentCommands}
    BINDINGS = [  # noqa: RUF012
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Quit (reading positions are kept)", show=False),
        Binding("question_mark", "help", "Keys", id="app.help", tooltip="Show every key binding"),
        Binding(
            "ctrl+p",
            "command_palette",
            "Commands",
            show=False,  # the footer shows Textual's own palette key at its right end
            id="app.palette",
            tooltip="Open a document by title, sort, theme",
        ),
    ]

    def __init__(
        self, library: Library, settings: Settings, settings_path: Path, positions: ReadingPositions
    ) -> None:
        super().__init__()
        self.library = library
        self.settings = settings
        self.settings_path = settings_path
        self.positions = positions
        self._settings_lock = threading.Lock()
        inputs = library.inputs
        self._open_first = inputs[0] if len(inputs) == 1 and inputs[0].is_file() else None

    async def on_mount(self) -> None:
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        if self.settings.keymap:
            self.set_keymap(self.settings.keymap)
        # Awaited: the app reads no key (typed ahead, while it starts) before the reading room can
        # take it; its first paint is the reading room, never an empty screen that drops keys.
        main = MainScreen(
            self.library,
            self.positions,
            self._open_first,
            self.settings.colors,
            self.settings.panes,
            watch=None if self.settings.watch else False,  # None: as LECTERN_WATCH says
            measure=self.settings.measure,
        )
        await self.push_screen(main)
        # The app's mount is one batch, painted when it ends (after this method): these run
        # after that first frame, not before it as the screen's own after-refresh callbacks do.
        self.call_after_refresh(main.after_first_frame)
        self.call_after_refresh(collect_again)
        if self.settings.keymap:
            from tui.ui.screens.help import known_binding_ids  # the help screen loads when asked for

            self.settings.check(self.available_themes, known_binding_ids())
        else:
            self.settings.check(self.available_themes, ())
        for problem in (self.settings.problem, self.positions.problem):
            if problem:
                self.notify(visible_line(problem), severity="warning", timeout=10, markup=False)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification is plain text, whoever asks (a screen's ``notify`` passes Textual's
        default, markup on): they name files, tags and reasons taken from the corpus, where
        ``[@click=app.quit]`` in a file name must stay text, and none of lectern's needs markup."""
        super().notify(
            visible(message), title=visible_line(title), severity=severity, timeout=timeout, markup=False
        )

    def watch_theme(self, theme: str) -> None:
        if theme != self.settings.theme:
            self.settings.theme = theme
            self.run_worker(self._save_settings, thread=True, group="settings")

    def on_panes_changed(self, message: PanesChanged) -> None:
        self.settings.panes = message.panes
        self.run_worker(self._save_settings, thread=True, group="settings")

    def _save_settings(self) -> None:
        # One write at a time, each of the settings as they are when it starts: the last one to
        # run writes the latest, whichever order the workers ran in.
        try:
            with self._settings_lock:
                self.settings.save(self.settings_path)
        except OSError as error:
            message = visible_line(f"Could not save settings: {error}")
            self.call_from_thread(self.notify, message, severity="warning", markup=False)

    def action_help(self) -> None:
        from tui.ui.screens.agreement import AgreementScreen
        from tui.ui.screens.annotate import AnnotationDialog  # dialogs load when used, not on start
        from tui.ui.screens.browser import AnnotationBrowser
        from tui.ui.screens.confirm import ConfirmDialog
        from tui.ui.screens.help import HelpScreen
        from tui.ui.widgets.annotation_panel import AnnotationPanel
        from tui.ui.widgets.reader import Reader

        main = [screen for screen in self.screen_stack if isinstance(screen, MainScreen)]
        groups: list[tuple[str, Iterable[object]]] = [
            ("anywhere", self.BINDINGS),
            ("search", SEARCH_KEYS),
            ("main", MAIN_KEYS),
            ("layout", LAYOUT_KEYS),
            ("annotating", ANNOTATION_KEYS),
            ("labelling", main[0].labelling.help_bindings() if main else []),
            ("document list", DocumentList.BINDINGS),
            ("reader", Reader.BINDINGS),
            ("annotation panel", AnnotationPanel.BINDINGS),
            ("annotation dialog", AnnotationDialog.BINDINGS),
            ("annotation browser", AnnotationBrowser.BINDINGS),
            ("agreement", AgreementScreen.BINDINGS),
            ("confirmation", ConfirmDialog.BINDINGS),
        ]
        self.push_screen(HelpScreen(groups, self.settings.keymap, self.settings.colors))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The label keys are bound on the reader as app.labelling(...): asked here, they act (and
        # show in the footer) only while the reading room is the screen shown, in labelling mode.
        if action == "labelling":
            main = [screen for screen in self.screen_stack if isinstance(screen, MainScreen)]
            return bool(main) and main[0].labelling.allows(parameters)
        return True

    def action_labelling(self, what: str, index: int = -1) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                screen.labelling.act(what, index)

    async def action_quit(self) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                screen.remember_position_now()
        self.exit()


def make_app(paths: Paths, inputs: Sequence[Path] = ()) -> LecternApp:
    """Build the app for a corpus (the bundled seeds when ``inputs`` is empty)."""
    library = Library.open(paths, inputs)
    positions = ReadingPositions(paths.data / "reading" / f"{library.index_dir.name}.yaml")
    return LecternApp(library, Settings.load(paths.config_file), paths.config_file, positions)


def run_app(paths: Paths, inputs: Sequence[Path]) -> int:
    """Run the reader in this terminal until the user quits; the exit status, 1 after a crash.

    The command line has checked the inputs and that there is a terminal.
    """
    app = make_app(paths, inputs)
    app.run()
    return app.return_code or 0
