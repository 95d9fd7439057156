"""The store's errors, apart from SQLAlchemy: a command that only reads (or only prints
its help) can name and catch them without loading the database layer."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from codage.domain import JournalEntry


class StoreError(Exception):
    """A project cannot be opened or written; the message is meant for the user."""


class ReadOnlyProject(StoreError):
    """A write asked of a project that can only be read."""


class NotFound(StoreError):
    """A document, code, coding or case that does not exist."""


class Conflict(StoreError):
    """A write that would break a rule of the project (duplicate, cycle, ...)."""


class UndoConflict(StoreError):
    """An undo or redo that later changes by others make impossible.

    ``entry`` is the change that could not be undone or redone, when known, and
    ``reason`` what stands in the way.
    """

    def __init__(
        self, message: str, entry: JournalEntry | None = None, reason: str | None = None
    ) -> None:
        super().__init__(message)
        self.entry = entry
        self.reason = reason or message


def check_new_coding(
    doc_name: str, length: int, start: int, end: int, coder: str,
    code_found: object, duplicate: object, code_id: int,
) -> None:  # fmt: skip
    """The checks every path that adds a coding by hand makes, with the same messages:
    the code exists, the span lies inside the text, the coder has not coded it already."""
    if code_found is None:
        raise NotFound(f"no code with id {code_id}")
    if not (0 <= start < end <= length):
        raise Conflict(
            f"{doc_name}: span [{start}, {end}) is empty or outside the text (0..{length})"
        )
    if duplicate is not None:
        raise already_coded(doc_name, coder, start, end)


def already_coded(doc_name: str, coder: str, start: int, end: int) -> Conflict:
    """The refusal of a coding its coder made already (read before, or met at insert)."""
    return Conflict(f"{doc_name}: {coder} already coded [{start}, {end}) with this code")
