"""The store's public face: :class:`Project`, its errors, and nothing of SQLAlchemy.

The interface and the command line import from here (or from
:mod:`codage.store.project`); the schema, the engine, the journal's row
operations and the migrations are the store's own (see the import-linter
contracts in pyproject.toml).

The errors are plain exceptions (:mod:`codage.store.errors`); ``Project`` is
loaded on first use, so that naming an error, or reading a SQLite project
through :mod:`codage.store.lite`, does not load SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from codage.store.errors import (
    Conflict,
    NotFound,
    ReadOnlyProject,
    StoreError,
    UndoConflict,
)

if TYPE_CHECKING:
    from codage.store.project import NotYours, Project

__all__ = [
    "Conflict",
    "NotFound",
    "NotYours",
    "Project",
    "ReadOnlyProject",
    "StoreError",
    "UndoConflict",
]


def __getattr__(name: str) -> Any:
    if name in ("Project", "NotYours"):
        from codage.store import project

        return getattr(project, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
