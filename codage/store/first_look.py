"""What the interface shows first of a SQLite project, read through ``sqlite3`` (issue 20).

Opening the interface on a project of a million codings used to load SQLAlchemy, the
ORM's tables and the migrations before anything was drawn: two thirds of the seconds
before the document list showed. The first screen needs little: the project's name,
its documents, cases, codebook and counts by code, the coders holding codings and the
journal's mark. :func:`open_first_look` reads those through a read-only ``sqlite3``
connection on a SQLite file at the schema this codage writes, with the same records in
the same order as :class:`codage.store.project.Project`; the interface opens the full
store once the list is drawn. Anything else (a server, an older schema, a file refused)
gets None, and the caller opens the full store at once, as before, with its words.
A project one schema behind whose upgrade changed nothing the first look reads
(``SAME_FIRST_SCREEN``) is read too.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from pathlib import Path

from codage.domain import AttributeValue, Case
from codage.store.lite import (
    SAME_TABLES,
    LiteProject,
    decode_attribute,
    open_read_only,
    read_journal_mark,
)

__all__ = ["FirstLook", "decode_attribute", "open_first_look"]

# Older schemas whose tables the first look reads are the head's: 0012 only added
# journal_codings (a merge's undone codings), which the first screen does not read, and
# 0013 an index on units (what it holds is the table's). The full store opens such a
# project as it is and upgrades it before its first write.
SAME_FIRST_SCREEN = frozenset({"0009", *SAME_TABLES})


def open_first_look(location: str) -> FirstLook | None:
    """The project at ``location`` read through ``sqlite3`` for the interface's first
    screen, or None when the full store must open it (see the module's docstring).

    The file's pages are not verified here (``PRAGMA quick_check`` reads all of it):
    the interface verifies them in a worker once the list shows.
    """
    # read by the interface's loading worker, not the thread that opened it
    opened = open_read_only(location, SAME_FIRST_SCREEN, check=False, shared=True)
    if opened is None:
        return None
    conn, path, writable = opened
    return FirstLook(conn, path, read_only=not writable)


class FirstLook(LiteProject):
    """A SQLite project's first screen read (only) through ``sqlite3``."""

    def __init__(self, conn: sqlite3.Connection, path: Path, *, read_only: bool) -> None:
        super().__init__(conn)
        self.path = path
        # as the full store judges a file it opens (it may learn more on a first write)
        self.read_only = read_only

    @property
    def name(self) -> str:
        """The project's name, else its file's stem (as ``Project.name``)."""
        rows = self._rows("SELECT value FROM project_info WHERE key = 'name'")
        return str(rows[0][0]) if rows else self.path.stem

    def cases(self) -> list[Case]:
        """Every case with its attributes, by name (as ``Project.cases``)."""
        attributes: dict[int, dict[str, AttributeValue]] = defaultdict(dict)
        for case_id, name, type_, value in self._rows(
            "SELECT case_id, name, type, value FROM case_attributes ORDER BY case_id"
        ):
            attributes[case_id][name] = decode_attribute(type_, value)
        found = [
            Case(case_id, name, dict(attributes[case_id]))
            for case_id, name in self._rows("SELECT id, name FROM cases")
        ]
        return sorted(found, key=lambda c: c.name)

    def coders_with_codings(self) -> list[str]:
        """Names of the coders holding at least one coding, by name: one probe of the
        coder index each (as ``Project.coders_with_codings``)."""
        return [
            name
            for (name,) in self._rows(
                "SELECT name FROM coders WHERE EXISTS "
                "(SELECT 1 FROM codings WHERE codings.coder_id = coders.id) ORDER BY name"
            )
        ]

    def journal_mark(self) -> tuple[int, ...]:
        """The journal's and documents' fingerprint (as ``Project.journal_mark``)."""
        return read_journal_mark(self._conn)
