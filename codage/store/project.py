"""`Project`: the one API over a store. It returns domain objects, never ORM rows.

Every write runs in one transaction; changes to codes, codings and memos are
recorded in the journal as row-level operations so that they can be undone and
redone, by the coder who made them, across processes.

The class is composed of one mixin per aggregate (:mod:`.documents`,
:mod:`.cases`, :mod:`.codes`, :mod:`.codings`, :mod:`.aside`, :mod:`.memos`,
:mod:`.history`) over :class:`codage.store.base.ProjectBase`, which holds the
transactions and the journal helpers. Mixins rather than aggregate objects the
facade delegates to: the public methods stay the very methods users of the
store call (no 79 forwarding stubs to keep in step), and an operation that
spans aggregates (a document's import writes its cases, deleting a code deletes
its codings and their memos) runs in the same session through ``self`` without
handing sessions between objects. Each aggregate sits in a file of its own.
"""

from __future__ import annotations

from codage.store.assist import Assist
from codage.store.base import Conflict, NotFound, ProjectBase
from codage.store.codes import Codebook
from codage.store.codings import NotYours
from codage.store.document_parts import DocumentParts
from codage.store.engine import StoreError, open_store
from codage.store.history import History
from codage.store.journal import UndoConflict
from codage.store.memos import Memos
from codage.store.merging import Merging
from codage.store.pseudonyms import Pseudonyms
from codage.store.streams import Streams

__all__ = [
    "Conflict",
    "NotFound",
    "NotYours",
    "Project",
    "ProjectBase",
    "StoreError",
    "UndoConflict",
]


class Project(Merging, Codebook, Streams, Memos, Pseudonyms, Assist, History, DocumentParts):
    """A codage project: one database, by path or SQLAlchemy URL."""

    @classmethod
    def open(cls, location: str, *, create: bool = True, check: bool = True) -> Project:
        """Open the project at a path or URL.

        With ``create`` (a command that writes) a missing project is created and an
        older schema upgraded at once; otherwise an older project is read as it is
        and upgraded, after a backup, just before its first write.
        """
        return cls(open_store(location, create=create, check=check))

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
