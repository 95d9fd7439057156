"""What the workbench's mixins need of the screen they are mixed into.

The mixins (reading, team, codebook edits) live in their own modules but run as methods of
:class:`~codage.tui.screens.workbench.WorkbenchScreen`. Typing their ``self`` as the screen
itself makes mypy refuse them (the screen is not a base of the mixin); typing it as this
protocol states what each mixin relies on, and ``workbench.py`` checks that the screen
provides all of it, so the two cannot drift apart unnoticed.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, overload

if TYPE_CHECKING:
    from textual.app import App
    from textual.geometry import Size
    from textual.message import Message
    from textual.notifications import SeverityLevel
    from textual.timer import Timer
    from textual.widget import Widget

    from codage.domain import Case, Code, Coding, Document, DocumentInfo, Span, Unit
    from codage.services import Project
    from codage.services.workbench_state import Coverage
    from codage.tui.widgets.code_picker import CodePicker, NewCode
    from codage.tui.widgets.codebook_tree import CodebookTree
    from codage.tui.widgets.transcript_layout import LateUnits
    from codage.tui.widgets.transcript_view import TranscriptView

W = TypeVar("W", bound="Widget")


class WorkbenchHost(Protocol):
    """The workbench screen as its mixins see it: state, widgets and shared methods."""

    # the open document and what the screen holds about it
    _document: Document | None
    _units: list[Unit]
    _late_units: LateUnits | None
    _answer_count: int
    _unit_cases: dict[int, Case]
    _unit_bounds: Mapping[str, tuple[Sequence[int], Sequence[int]]]
    _codings: list[Coding]
    _codes: list[Code]
    # search, answer steps and the answer filter
    _hits: list[Span]
    _hit: int
    _query: str
    _steps: list[Span]
    _answer_filter: str
    # panes: None follows the width, True/False is the researcher's choice
    _show_documents: bool | None
    _show_codebook: bool | None
    # coder layers and the pair shown side by side
    _layer: str
    _layer_chosen: bool
    _left_coder: str | None
    _other_coder: str | None
    # the poll that watches for others' changes
    _journal_mark: tuple[int, ...] | None
    _polling: threading.Lock
    _poll_timer: Timer
    _poll_failed: bool
    # applying codes (workbench_apply): the kept picker, the counts and shares shown
    _picker: CodePicker | None
    _documents: list[DocumentInfo]
    _shares: dict[int, float]
    _shares_known: bool
    _project_counts: Counter[int]

    @property
    def recent(self) -> list[int]: ...

    def _first_drawn(self) -> threading.Event: ...

    # ------------------------------------------------------------------ Textual's side

    @property
    def app(self) -> App[object]: ...

    @property
    def size(self) -> Size: ...

    @property
    def focused(self) -> Widget | None: ...

    @overload
    def query_one(self, selector: str) -> Widget: ...

    @overload
    def query_one(self, selector: type[W]) -> W: ...

    @overload
    def query_one(self, selector: str, expect_type: type[W]) -> W: ...

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None: ...

    # ------------------------------------------------------------------ the screen's side

    @property
    def project(self) -> Project: ...

    @property
    def coder(self) -> str: ...

    @property
    def view(self) -> TranscriptView: ...

    @property
    def other_view(self) -> TranscriptView: ...

    @property
    def tree(self) -> CodebookTree: ...

    def _apply_panes(self) -> None: ...

    def _show_title(self) -> None: ...

    def take_units(self) -> None: ...

    def _show_cursor(self) -> None: ...

    # thread workers (their Worker handles are not used by the mixins)
    def _fail(self, exc: Exception) -> None: ...

    # what the workers share: the coverage of documents by codings, one write at a time
    _coverage: Coverage
    _write_lock: threading.Lock

    def post_message(self, message: Message) -> bool: ...

    def _coverage_cache(self) -> Coverage: ...

    def load_project(self, note: str = "", select_code: int | None = None) -> object: ...

    def reload_codings(self, document_id: int) -> object: ...

    def poll_journal(self) -> object: ...

    def set_interval(self, interval: float, callback: Callable[[], object]) -> Timer: ...
    def load_document(self, document_id: int, jump: Span | None = None) -> object: ...

    def store_coding(self, document_id: int, code_id: int, span: Span) -> object: ...

    def _store_coding(self, document_id: int, code_id: int, span: Span) -> None: ...

    def store_new_code(self, document_id: int, new: NewCode, span: Span) -> object: ...

    def _write(self, job: Callable[[Project], object]) -> object: ...

    def _own_step(self, project: Project) -> None: ...

    def _changed(self, document_ids: Iterable[int]) -> None: ...

    def _code_name(self, code_id: int) -> str: ...

    def _codes_of(self, coding_ids: Iterable[int]) -> list[int]: ...

    def _document_counts(self) -> Counter[int]: ...

    def call_after_refresh(
        self, callback: Callable[..., object], *args: Any, **kwargs: Any
    ) -> bool: ...

    # applying codes
    def _code_picker(self) -> CodePicker: ...

    async def release_picker(self) -> None: ...

    def refresh_codings(
        self, change: tuple[Sequence[Coding], Sequence[Coding]] | None = None
    ) -> None: ...

    def _show_share(self, document_id: int) -> None: ...

    def edit_codebook(self, job: Callable[[Project], tuple[str, int | None]]) -> object: ...

    # ------------------------------------------------------------------ the mixins' own

    # reading
    def action_search_step(self, step: int) -> None: ...

    def action_toggle_codebook(self) -> None: ...

    def _apply_answer_filter(self) -> None: ...

    def _code_for_retrieval(self) -> int | None: ...

    # team
    def coder_counts(self) -> Counter[str]: ...

    def current_pair(self) -> list[str]: ...

    def _layer_codings(self) -> list[Coding]: ...

    def _layer_coder(self) -> str | None: ...

    def _set_pair(self) -> None: ...

    def _load_other(self, notes: dict[int, str] | None = None) -> None: ...

    # codebook edits
    def _others_codings(self, code: Code) -> str: ...

    def ask_merge(self, source: Code, code: Code) -> object: ...

    def ask_delete(self, code: Code) -> object: ...


if TYPE_CHECKING:
    from codage.tui.screens.workbench import WorkbenchScreen

    def _screen_is_host(screen: WorkbenchScreen) -> WorkbenchHost:
        """Never called: mypy checks here that the screen provides all the protocol states."""
        return screen
