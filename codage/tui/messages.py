"""Messages of the interface.

Facts in the past tense come back from workers with domain objects (``DocumentOpened``,
``CodingsChanged``); requests ask a screen to do something (``EditCodeRequested``,
``ApplyCodeRequested``). A widget posts requests and never touches the project; a screen runs
the service in a worker, and the worker answers with a fact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

from textual.message import Message

from codage.domain import Case, Code, Coding, Document, Memo, Span, Unit
from codage.services.workbench_state import ProjectState

if TYPE_CHECKING:
    from codage.tui.widgets.transcript_layout import LateUnits


@dataclass
class ProjectLoaded(Message):
    """The project was read: its name, documents (with coded shares), codebook and counts,
    as the workbench's reading service gives them (a first, partial state while the
    project opens, then complete ones)."""

    state: ProjectState


@dataclass
class DocumentOpened(Message):
    """A document was read with what the transcript needs to show it."""

    document: Document
    units: list[Unit]
    codings: list[Coding]
    unit_cases: dict[int, Case]
    memo: Memo | None = None
    jump: Span | None = None
    # units the view only selects by (sentences), as (starts, ends) per kind
    # (a mapping that a worker may fill after posting: see transcript_layout.LateBounds)
    bounds: Mapping[str, tuple[Sequence[int], Sequence[int]]] = field(default_factory=dict)
    # the units past the first screen's, read once it shows (``units`` are the first
    # part's only): see transcript_layout.LateUnits
    late_units: LateUnits | None = None


@dataclass
class DocumentUnitsRead(Message):
    """The rest of an open document's units was read (see ``DocumentOpened.late_units``)."""

    document_id: int
    late_units: LateUnits


@dataclass
class CodingsChanged(Message):
    """Codings of a document were added, removed or rewritten (a memo) by this coder.

    A rewritten coding is in both ``removed`` (its id) and ``added`` (its new state), so
    the screen updates what it holds without reading every coding again.
    """

    document_id: int
    added: list[Coding] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    note: str = ""


@dataclass
class CodingsLoaded(Message):
    """Every coding of a document, read again (after an undo, a redo or a codebook edit)."""

    document_id: int
    codings: list[Coding]


@dataclass
class DocumentMemoSaved(Message):
    """The memo of a document was written."""

    document_id: int
    memo: Memo


@dataclass
class ProjectChanged(Message):
    """Something beyond one coding changed (undo, redo, codebook edit): read all again."""

    note: str = ""
    select_code: int | None = None


@dataclass
class JournalMoved(Message):
    """The project changed since it was last read (another coder, another process)."""

    mark: tuple[int, ...]


@dataclass
class ActionFailed(Message):
    """A service refused or failed; ``text`` says why, for a notification."""

    text: str


class CodebookEdit(Enum):
    """An edit of the codebook the tree can ask for (the value is the key binding's action
    argument)."""

    CREATE = "create"  # a sub-code of the highlighted code
    CREATE_TOP = "create_top"  # a code at the top of the tree
    RENAME = "rename"
    RECOLOUR = "recolour"
    DESCRIBE = "describe"
    MOVE_UP = "move_up"
    MOVE_DOWN = "move_down"
    INDENT = "indent"
    OUTDENT = "outdent"
    MERGE = "merge"  # the marked code into the highlighted one
    DELETE = "delete"


@dataclass
class EditCodeRequested(Message):
    """The codebook tree asks for an edit of the codebook.

    ``code`` is the highlighted code (None at the root, for a creation), ``other`` the code
    marked for a merge.
    """

    edit: CodebookEdit
    code: Code | None
    other: Code | None = None


@dataclass
class ApplyCodeRequested(Message):
    """The codebook tree asks to code the transcript's selection with ``code``."""

    code: Code
