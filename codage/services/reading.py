"""Opening a project to read it, as light as the project allows.

A command that only lists what a project holds gets a :class:`ProjectReader`: on a
SQLite project at the schema this codage writes, the standard library's ``sqlite3``
reading it read-only (:mod:`codage.store.lite`), which starts in a fraction of the
time SQLAlchemy takes to load; on a server, or on a project of an older schema, the
full :class:`~codage.store.project.Project`, as before. Both return the same records.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from codage.services import default_project_location, open_project
from codage.store.first_look import FirstLook, open_first_look
from codage.store.lite import ProjectReader, open_lite

__all__ = [
    "FirstLook",
    "ProjectReader",
    "file_damage",
    "open_first_look",
    "open_reader",
    "read_first_look",
    "reading",
]

T = TypeVar("T")


def open_reader(location: str | None = None) -> ProjectReader:
    """The project at ``location`` (default: see ``default_project_location``) opened to
    read: through ``sqlite3`` where it can be, else through the full store."""
    where = location or default_project_location()
    return open_lite(where) or open_project(where, create=False)


def file_damage(location: str) -> str | None:
    """What is wrong with the pages of a SQLite project file (one line, with the backup
    to restore), or None when they are sound or the project is on a server: the check
    :func:`codage.services.open_project` skips without ``check``."""
    from codage.services import sqlite_path
    from codage.store.sqlite_file import FileRefused, inspect_file

    path = sqlite_path(location)
    if path is None:
        return None
    try:
        inspect_file(path, check=True)
    except FileRefused as exc:
        return str(exc)
    return None


@contextmanager
def reading(location: str | None = None) -> Iterator[ProjectReader]:
    """:func:`open_reader` as a context that closes the project after."""
    reader = open_reader(location)
    try:
        yield reader
    finally:
        reader.close()


def read_first_look(
    look: FirstLook, read: Callable[[FirstLook], T]
) -> tuple[tuple[int, ...], T] | None:
    """The journal's mark and what ``read`` takes from the interface's first look, the
    look closed after; None when the file cannot be read that way (the full store then
    reads it, and says what is wrong, as it always did)."""
    try:
        return look.journal_mark(), read(look)
    except sqlite3.Error:
        return None
    finally:
        look.close()
