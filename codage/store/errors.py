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
