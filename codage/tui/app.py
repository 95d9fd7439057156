"""The codage interface (Textual): the application around the coding workbench.

The app opens the project once; screens reach it as ``self.app.project`` and only ever call
it from thread workers. Key remapping comes from the settings file (``[keys]``: binding id ->
keys) through Textual's keymap; the language from the settings, else the locale.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.notifications import SeverityLevel

from codage import i18n
from codage.config import (
    Settings,
    SettingsError,
    load_settings,
    resolve_language,
    save_settings,
)
from codage.display import visible
from codage.domain import Span
from codage.services import open_project, sqlite_path
from codage.services.reading import FirstLook, file_damage, open_first_look
from codage.tui.bindings import localize
from codage.tui.screens.help import HelpScreen, Section
from codage.tui.screens.workbench import WorkbenchScreen
from codage.tui.widgets.codebook_tree import CodebookTree
from codage.tui.widgets.transcript_view import TranscriptView

if TYPE_CHECKING:
    from codage.services import Project

i18n.register(
    {
        # the header's banner over a project that can only be read
        "tui.read_only": {
            "en": "{coder} — READ-ONLY project: nothing can be changed",
            "fr": "{coder} — projet en LECTURE SEULE : rien ne peut être modifié",
        },
        "tui.read_only_note": {
            "en": "This project is read-only (the file or its folder cannot be written): "
            "you can read, search and export; every change will be refused.",
            "fr": "Ce projet est en lecture seule (le fichier ou son dossier n'est pas "
            "modifiable) : lecture, recherche et export ; toute modification sera refusée.",
        },
    }
)


class _StoreNotices(logging.Handler):
    """What the store tells the person (an upgrade and its backup) becomes a notification:
    stderr is hidden while the interface runs."""

    def __init__(self, app: App[None]) -> None:
        super().__init__()
        self.app = app

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        try:
            # the store speaks from the worker that wrote
            self.app.call_from_thread(self.app.notify, message, severity="warning", timeout=15)
        except RuntimeError:
            self.app.notify(message, severity="warning", timeout=15)


class CodageApp(App[None]):
    """Reading, coding and managing the codebook of one project."""

    TITLE = "codage"
    CSS_PATH = "app.tcss"
    # the palette offers the workbench's own commands; Textual's theme and screenshot
    # commands would only crowd them
    ENABLE_COMMAND_PALETTE = True

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("question_mark", "help", "Help", key_display="?", id="help"),
    ]

    def __init__(
        self,
        location: str,
        coder: str,
        *,
        language: str | None = None,
        settings: Settings | None = None,
    ) -> None:
        if settings is None:
            try:
                settings = load_settings()
            except SettingsError:
                settings = Settings()
        self.settings = settings
        i18n.set_language(language or resolve_language(settings))
        super().__init__()
        localize(self)
        self.location = location
        self.coder = coder
        # The file's pages are verified once the window shows (see on_mount): on a
        # project of a million codings the check reads a gigabyte, seconds of a blank
        # terminal. Everything else that refuses a file (not ours, newer) runs now.
        # A SQLite file at this codage's schema is first read through sqlite3 alone
        # (what the first screen shows); the full store, whose SQLAlchemy took most of
        # the time before the list showed, opens once the list is drawn (issue 20).
        self._first_look: FirstLook | None = open_first_look(location)
        self._project: Project | None = None
        self._project_lock = threading.Lock()
        if self._first_look is None:
            self._project = open_project(location, create=False, check=False)
        self._read_only_at_open = self._first_look is not None and self._first_look.read_only
        # codes applied lately, most recent first: the code picker lists them first
        self.recent_codes: list[int] = []
        self.title = f"codage — {self.project_name()}"
        self.sub_title = coder

    def format_title(self, title: str, sub_title: str) -> Content:
        # the project's and the coder's names are data: never terminal controls
        return super().format_title(visible(title), visible(sub_title))

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast of the interface shows its text literally.

        Toasts carry names, passages and typed queries; none of the interface's own
        messages needs markup, so it is off for all (screens and widgets call this).
        """
        super().notify(
            visible(message, multiline=True),
            title=visible(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    @property
    def project(self) -> Project:
        """The project's full store, opened by whichever thread first needs it."""
        project = self._project
        if project is None:
            with self._project_lock:
                if self._project is None:
                    self._project = open_project(self.location, create=False, check=False)
                project = self._project
        return project

    @property
    def project_read_only(self) -> bool:
        """Whether the project can only be read, without opening the full store."""
        project = self._project
        return self._read_only_at_open if project is None else project.read_only

    def first_look(self) -> FirstLook | None:
        """What reads the first screen without the full store, handed over once (None
        after, or when the full store opened the project at once)."""
        look, self._first_look = self._first_look, None
        return look

    def open_store(self) -> None:
        """Open the full store in a worker (the workbench asks once its list shows),
        so that the first key that needs it does not wait for SQLAlchemy to load."""
        if self._project is None:
            self.run_worker(self._open_store, thread=True, group="open-store")

    def _open_store(self) -> None:
        from codage.services import StoreError

        try:
            _ = self.project  # opened here, in this worker
        except StoreError as exc:
            # the file changed between the first look and now: said as at opening
            self.call_from_thread(self.exit, None, 2, str(exc))

    def project_name(self) -> str:
        look = self._first_look
        if look is not None and self._project is None:
            try:
                return look.name
            except Exception:  # a name is decoration: never fail to open for it
                return self.location
        try:
            return self.project.name
        except Exception:  # a name is decoration: never fail to open for it
            return self.location

    def on_mount(self) -> None:
        if self.settings.keys:
            self.set_keymap(dict(self.settings.keys))
        self.push_screen(WorkbenchScreen())
        self._notices = _StoreNotices(self)
        logging.getLogger("codage.store").addHandler(self._notices)
        if self.project_read_only:
            self.notify(i18n.t("tui.read_only_note"), severity="warning", timeout=10)

    def verify_file(self) -> None:
        """Verify the project file's pages in a worker (the workbench asks once its
        list shows): the check skipped at opening."""
        self.run_worker(self._verify_file, thread=True, group="verify-file")

    def _verify_file(self) -> None:
        """A damaged project file closes the interface with the one line that says so
        (and which backup to restore), as opening it from the command line does."""
        damage = file_damage(self.location)
        if damage is not None:
            self.call_from_thread(self.exit, None, 2, damage)

    def on_unmount(self) -> None:
        logging.getLogger("codage.store").removeHandler(self._notices)
        look = self.first_look()
        if look is not None:
            look.close()
        with self._project_lock:
            if self._project is not None:
                self._project.close()

    @property
    def workbench(self) -> WorkbenchScreen:
        for screen in self.screen_stack:
            if isinstance(screen, WorkbenchScreen):
                return screen
        raise LookupError("no workbench")

    def open_document(self, document_id: int, span: tuple[int, int] | Span | None = None) -> None:
        """Show a document in the workbench and select ``span`` in it.

        Other screens call this (retrieval's Enter). The screens above the workbench are
        closed once the call returns, so that a screen may still dismiss itself first.
        """
        self.workbench.open_document(document_id, span)
        self.call_after_refresh(self._back_to_workbench)

    def _back_to_workbench(self) -> None:
        workbench = self.workbench
        while len(self.screen_stack) > 1 and self.screen is not workbench:
            self.pop_screen()

    def _pair_key(self) -> str:
        """The project as the settings name it: a file's full path, or the URL."""
        path = sqlite_path(self.location)
        return str(path.resolve()) if path is not None else self.location

    def remembered_pair(self) -> list[str]:
        """The two coders last chosen for this project (in the user's settings)."""
        return list(self.settings.pairs.get(self._pair_key(), []))

    def remember_pair(self, pair: list[str]) -> None:
        """Keep the chosen coders for this project; a settings file that cannot be written
        only costs the memory of the choice, said in a notification."""
        self.settings.pairs[self._pair_key()] = list(pair)
        try:
            current = load_settings()
            current.pairs[self._pair_key()] = list(pair)
            save_settings(current)
        except (SettingsError, OSError) as exc:
            self.notify(str(exc), severity="warning")

    def help_sections(self) -> list[Section]:
        """The bindings of every part, for the help screen."""

        def of(node_class: type) -> list[Binding]:
            # a class's own bindings: those it inherits from Textual are Textual's to list
            return [b for b in node_class.__dict__.get("BINDINGS", []) if isinstance(b, Binding)]

        return [
            ("tui.help.scope.app", of(type(self))),
            ("tui.help.scope.workbench", of(WorkbenchScreen)),
            ("tui.help.scope.transcript", of(TranscriptView)),
            ("tui.help.scope.codebook", of(CodebookTree)),
        ]

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.help_sections(), dict(self._keymap)))


def run(location: str, coder: str) -> None:
    """Open the interface on a project (the command line's entry point)."""
    app = CodageApp(location, coder)
    app.run()
    if app.return_code:
        raise SystemExit(app.return_code)
