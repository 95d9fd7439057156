"""Thread workers of the workbench: every database call, one write at a time.

What the workbench reads (the project's states, a document's parts, its codings again)
is :mod:`codage.services.workbench_state`'s; the workers run those reads off the screen's
thread, post messages built from the records they return, and run the writes, whose
refusals (another coder's coding: the store's ``NotYours``) they word for the screen."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from textual import work

from codage.domain import Coding, Memo, Span, Unit
from codage.i18n import t
from codage.journal_text import describe_change
from codage.services.workbench_state import (
    Coverage,
    ProjectState,
    complete_state,
    document_codings_again,
    document_rest,
    document_unit_bounds,
    first_state,
    marked_first_state,
    one_step_further,
    read_document_first_part,
)
from codage.tui.messages import (
    ActionFailed,
    CodingsChanged,
    CodingsLoaded,
    DocumentMemoSaved,
    DocumentOpened,
    DocumentUnitsRead,
    JournalMoved,
    ProjectChanged,
    ProjectLoaded,
)
from codage.tui.screens.workbench_support import EXPECTED_ERRORS, answer_note
from codage.tui.widgets.code_picker import NewCode
from codage.tui.widgets.transcript_layout import LateBounds, LateUnits, UnitsRest

if TYPE_CHECKING:
    from codage.services import Project
    from codage.tui.screens.workbench import WorkbenchScreen
    from codage.tui.screens.workbench_host import WorkbenchHost


T = TypeVar("T")

# How often an open workbench asks whether others changed the project: one cheap
# aggregate query (see Project.journal_mark), in a worker.
POLL_SECONDS = 1.5
_COVERAGE_MADE = threading.Lock()


def _uncollected(read: Callable[[], T]) -> T:
    """``read()`` with the collector paused: a large transcript's units are hundreds of
    thousands of objects made at once, none of them garbage, and full sweeps among them
    doubled the read. (Process-wide; whichever thread paused it resumes it.)"""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return read()
    finally:
        if collecting:
            gc.enable()


class WorkbenchWorkers:
    """Mixed into :class:`~codage.tui.screens.workbench.WorkbenchScreen`."""

    # what the project looked like when last read (see poll_journal)
    _journal_mark: tuple[int, ...] | None = None
    _poll_failed = False
    # False until the project's complete state came: the list shows no share till then
    _shares_known = False

    def _fail(self: WorkbenchHost, exc: Exception) -> None:
        self.post_message(ActionFailed(str(exc)))

    @work(thread=True, exclusive=True, group="project")
    def load_project(self: WorkbenchScreen, note: str = "", select_code: int | None = None) -> None:
        """Read documents, shares, cases, codebook and counts.

        Shares are read again only for the documents whose codings changed since
        the last reload (see :class:`Coverage`); on opening, all are read.
        """
        coverage = self._coverage_cache()
        # The screen takes the latest codes from a reload only while it has none
        # and has not chosen its layer (both change once, for good): past that,
        # the query (the costliest here on a large project) would go unused.
        with_recent = not (self._layer_chosen and self.recent)
        first = self._first_look_state() if not self._documents else None
        if first is None:
            # Marked before reading: whatever others change from here on, a poll sees.
            self._journal_mark, first = marked_first_state(self.project, self.coder)
        if not self._documents:
            # Opening: the list, the codebook and its counts show now; the shares and
            # the latest codes (which read every coding) follow with the complete state,
            # read once the list is drawn so that they do not slow it down.
            self.post_message(ProjectLoaded(first))
            self._first_drawn().wait(timeout=5)
        complete = complete_state(self.project, first, self.coder, coverage, with_recent)
        self.post_message(ProjectLoaded(complete))
        if note:
            self.app.call_from_thread(self.notify, note)
        if select_code is not None:
            self.app.call_from_thread(self.tree.select_code, select_code)

    def _first_look_state(self: WorkbenchHost) -> ProjectState | None:
        """The first state read without the full store, when the app opened the project
        with a first look (see CodageApp): None otherwise, or when the look failed (the
        full store then reads, and says what is wrong, as it always did)."""
        take = getattr(self.app, "first_look", None)
        look = take() if take is not None else None
        if look is None:
            return None
        from codage.services.reading import read_first_look

        read = read_first_look(look, partial(first_state, coder=self.coder))
        if read is None:
            return None
        self._journal_mark, state = read
        return state

    def _first_drawn(self: WorkbenchHost) -> threading.Event:
        """Set once the project's first, quick state is on screen."""
        with _COVERAGE_MADE:
            event: threading.Event | None = getattr(self, "_first_drawn_event", None)
            if event is None:
                event = self._first_drawn_event = threading.Event()
            return event

    def first_state_drawn(self: WorkbenchHost) -> None:
        """The project is on screen: its complete state may be read, and the file's
        pages verified (the check skipped at opening: see CodageApp)."""
        event = self._first_drawn()
        if not event.is_set():
            event.set()
            # the full store loads while the person looks at the list
            open_store = getattr(self.app, "open_store", None)
            if open_store is not None:
                open_store()
            verify = getattr(self.app, "verify_file", None)
            if verify is not None:  # a test's host app may not be codage's
                verify()

    def start_polling(self: WorkbenchHost) -> None:
        """Watch the project for others' changes while the workbench is open."""
        self._polling = threading.Lock()
        self._poll_timer = self.set_interval(POLL_SECONDS, self.poll_journal)

    def on_screen_suspend(self: WorkbenchHost) -> None:
        """Another screen or a dialog is over the workbench: stop polling until it is back.

        What others change is read when the workbench returns, at the next poll. Meanwhile
        a poll would cost more than its query: Textual repaints a screen that lies under a
        dialog, and the dialog over it, whole each time the screen handles a message."""
        timer = getattr(self, "_poll_timer", None)
        if timer is not None:
            timer.pause()

    def on_screen_resume(self: WorkbenchHost) -> None:
        timer = getattr(self, "_poll_timer", None)
        if timer is not None:
            timer.resume()

    @work(thread=True, group="poll")
    def poll_journal(self: WorkbenchScreen) -> None:
        """Has the project changed since it was read (others' codings, undos, codebook)?

        Run by a timer of the screen. A poll still waiting on a busy server makes
        the next ones skip their turn rather than pile up.
        """
        if not self._first_drawn().is_set():
            # still opening: the mark is being read, and asking the full store now
            # would load it before the list shows
            return
        if not self._polling.acquire(blocking=False):
            return
        try:
            mark = self.project.journal_mark()
        except Exception as exc:  # the next poll tries again; say it once, not each time
            if not self._poll_failed:
                self._poll_failed = True
                self.post_message(ActionFailed(str(exc)))
            return
        finally:
            self._polling.release()
        self._poll_failed = False
        if mark != self._journal_mark:
            self.post_message(JournalMoved(mark))

    def on_journal_moved(self: WorkbenchHost, message: JournalMoved) -> None:
        """Others changed the project: read it again as after an undo, through the
        incremental reloads, which leave the cursor, the selection and the scroll be."""
        if message.mark == self._journal_mark:
            return
        self._journal_mark = message.mark
        self.load_project()
        if self._document is not None:
            self.reload_codings(self._document.id)

    def _coverage_cache(self: WorkbenchHost) -> Coverage:
        # Made on first use, by whichever worker comes first: under a lock, so
        # that a write's forgetting never goes to a coverage another replaced.
        with _COVERAGE_MADE:
            coverage: Coverage | None = getattr(self, "_coverage", None)
            if coverage is None:
                coverage = self._coverage = Coverage()
            return coverage

    def _changed(self: WorkbenchHost, document_ids: Iterable[int]) -> None:
        """Codings of these documents changed: their coverage is read at the next reload."""
        self._coverage_cache().forget(document_ids)

    @work(thread=True, exclusive=True, group="document")
    def load_document(self: WorkbenchScreen, document_id: int, jump: Span | None = None) -> None:
        """Read a document with its units, codings, respondents and memo.

        A long document is read in two parts: the units of its first screen (and of
        the place ``jump`` shows), posted with the text and codings, then, once they
        show, the rest of its units and its sentences."""
        project = self.project
        try:
            # units by the hundred thousand when the document is read whole
            first = _uncollected(
                partial(read_document_first_part, project, document_id, self.coder, jump)
            )
        except EXPECTED_ERRORS as exc:
            self._fail(exc)
            return
        bounds = LateBounds()
        late = LateUnits(first.head_end, bounds) if first.head_end > 0 else None
        # Codings as plain rows, sentences as bounds read once the document is posted:
        # a 50 MB transcript's 400,000 sentences would hold its first paint a second,
        # and its 200,000 other units most of one.
        self.post_message(
            DocumentOpened(
                document=first.document,
                units=first.units,
                codings=first.codings,
                unit_cases=first.unit_cases,
                memo=first.memo,
                jump=jump,
                bounds=bounds,
                late_units=late,
            )
        )
        read: dict[str, tuple[list[int], list[int]]] = {}
        try:
            bounds.wait_shown(timeout=5)
            if late is not None:
                rest: list[Unit] = []
                try:
                    rest = _uncollected(partial(document_rest, project, first))
                finally:
                    # delivered whatever happens: the view waits for it past the first part
                    cases = first.unit_cases
                    notes = {u.start: answer_note(cases[u.id]) for u in rest if u.id in cases}
                    text = first.document.text
                    late.deliver(
                        _uncollected(partial(UnitsRest.of, first.units, rest, text, notes))
                    )
                    self.post_message(DocumentUnitsRead(document_id, late))
            read = _uncollected(partial(document_unit_bounds, project, document_id))
        except EXPECTED_ERRORS as exc:
            self._fail(exc)
        finally:
            # delivered whatever happens: a sentence key waits for it
            bounds.deliver(read)

    @work(thread=True, group="document")
    def reload_codings(self: WorkbenchScreen, document_id: int) -> None:
        codings = document_codings_again(self.project, document_id, self._document)
        if codings is None:
            # An undone (or redone) correction changed the text itself: open it again.
            self.app.call_from_thread(self.load_document, document_id)
            return
        self.post_message(CodingsLoaded(document_id, codings))

    def _write(self: WorkbenchHost, job: Callable[[Project], object]) -> object:
        """Run one write under the lock; a refusal becomes a notification (and None)."""
        with self._write_lock:
            try:
                return job(self.project)
            except EXPECTED_ERRORS as exc:
                self._fail(exc)
                return None

    def _own_step(self: WorkbenchHost, project: Project) -> None:
        """This window just journaled one step of its own, already shown: if the journal
        moved by that step alone, take its new mark, so that the next poll does not read
        the whole project again for a change the screen holds (another window's change
        in between moves it by more, and the poll reloads as ever)."""
        known = self._journal_mark
        if known is None:
            return
        try:
            mark = project.journal_mark()
        except EXPECTED_ERRORS:
            return  # the poll will read again
        if one_step_further(known, mark):
            self._journal_mark = mark

    def store_coding(self: WorkbenchHost, document_id: int, code_id: int, span: Span) -> None:
        """Code ``span`` in a thread worker of the app rather than of this screen.

        A screen's workers tell it of their every change of state; while the code picker
        is over the workbench (it stays up until the coding is stored), each such message
        would make Textual repaint the whole workbench and the picker over it.
        """
        self.app.run_worker(
            partial(self._store_coding, document_id, code_id, span),
            name="store_coding",
            group="write",
            thread=True,
        )

    def _store_coding(self: WorkbenchHost, document_id: int, code_id: int, span: Span) -> None:
        def job(project: Project) -> bool:
            coding = project.add_coding(
                document_id, code_id, span.start, span.end, coder=self.coder
            )
            name = self._code_name(code_id)
            self.post_message(
                CodingsChanged(document_id, added=[coding], note=t("tui.coded", code=name))
            )
            # after the message: the screen shows the coding while these run
            self._changed([document_id])
            return True

        if self._write(job):
            self._own_step(self.project)

    @work(thread=True, group="write")
    def store_new_code(self: WorkbenchScreen, document_id: int, new: NewCode, span: Span) -> None:
        """Create a code and apply it, as one journal entry (one undo takes both back)."""

        def job(project: Project) -> None:
            with project.batch(coder=self.coder, action="create_code", summary=new.name):
                code = project.create_code(new.name, parent_id=new.parent_id, coder=self.coder)
                coding = project.add_coding(
                    document_id, code.id, span.start, span.end, coder=self.coder
                )
            self._changed([document_id])
            self.post_message(
                ProjectChanged(t("tui.code_created", code=code.path_str), select_code=code.id)
            )
            self.post_message(CodingsChanged(document_id, added=[coding]))

        self._write(job)

    @work(thread=True, group="write")
    def remove_coding(self: WorkbenchScreen, coding: Coding) -> None:
        def job(project: Project) -> bool:
            from codage.services import NotYours

            # lanes: whatever the screen offered, the store removes only the coder's own
            try:
                project.remove_coding(coding.id, coder=self.coder)
            except NotYours as exc:
                self._fail(ValueError(t("tui.lane.not_yours", coder=exc.owner)))
                return False
            self._changed([coding.document_id])
            name = self._code_name(coding.code_id)
            self.post_message(
                CodingsChanged(
                    coding.document_id, removed=[coding.id], note=t("tui.uncoded", code=name)
                )
            )
            return True

        if self._write(job):
            self._own_step(self.project)

    @work(thread=True, group="write")
    def store_coding_memo(self: WorkbenchScreen, coding: Coding, text: str) -> None:
        def job(project: Project) -> None:
            from codage.services import NotYours

            try:
                updated = project.set_coding_memo(coding.id, text.strip() or None, coder=self.coder)
            except NotYours as exc:
                self._fail(ValueError(t("tui.lane.memo_refused", coder=exc.owner)))
                return
            self.post_message(
                CodingsChanged(
                    coding.document_id,
                    added=[updated],
                    removed=[coding.id],
                    note=t("tui.memo_saved"),
                )
            )

        self._write(job)

    @work(thread=True, group="write")
    def store_document_memo(
        self: WorkbenchScreen, document_id: int, memo: Memo | None, text: str
    ) -> None:
        def job(project: Project) -> None:
            if memo is None or memo.author not in (None, self.coder):
                # another coder's memo stays theirs: this coder writes one of their own
                saved = project.add_memo("document", document_id, text, coder=self.coder)
            else:
                saved = project.update_memo(memo.id, text, coder=self.coder)
            self.post_message(DocumentMemoSaved(document_id, saved))

        self._write(job)

    @work(thread=True, group="write")
    def undo_redo(self: WorkbenchScreen, redo: bool) -> None:
        def job(project: Project) -> None:
            entry = (project.redo if redo else project.undo)(coder=self.coder)
            if entry is None:
                key = "redo.none" if redo else "undo.none"
                self.post_message(ActionFailed(t(key, coder=self.coder)))
                return
            self._changed(project.entry_documents(entry.id))
            key = "redo.done" if redo else "undo.done"
            self.post_message(ProjectChanged(t(key, summary=describe_change(entry))))

        self._write(job)

    @work(thread=True, group="write")
    def edit_codebook(
        self: WorkbenchScreen, job: Callable[[Project], tuple[str, int | None]]
    ) -> None:
        """Run a codebook edit; its note and the code to select come back with the reload."""

        def run(project: Project) -> None:
            before = project.history(coder=self.coder, limit=1)
            note, select = job(project)
            after = project.history(coder=self.coder, limit=1)
            # Deleting or merging codes changes codings: its entry names the documents.
            touched: set[int] = set()
            if after and (not before or after[0].id != before[0].id):
                touched = project.entry_documents(after[0].id)
            self._changed(touched)
            self.post_message(ProjectChanged(note, select_code=select))

        self._write(run)
