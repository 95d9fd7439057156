"""The store's public face: :class:`Project`, its errors, and nothing of SQLAlchemy.

The interface and the command line import from here (or from
:mod:`codage.store.project`); the schema, the engine, the journal's row
operations and the migrations are the store's own (see the import-linter
contracts in pyproject.toml).
"""

from codage.store.engine import ReadOnlyProject
from codage.store.project import (
    Conflict,
    NotFound,
    NotYours,
    Project,
    StoreError,
    UndoConflict,
)

__all__ = [
    "Conflict",
    "NotFound",
    "NotYours",
    "Project",
    "ReadOnlyProject",
    "StoreError",
    "UndoConflict",
]
