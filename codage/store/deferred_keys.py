"""A SQLite batch whose foreign keys are checked once, at its end, instead of per row.

SQLite checks a row's foreign keys as it writes it: for each key, a cursor opened on
the parent table, one lookup, the cursor closed. A merge writes millions of rows
(codings, units, the search index) whose parents it has just written or mapped itself,
and those checks were a sixth of its writing. ``PRAGMA foreign_keys`` cannot change
inside a transaction: the batch turns it off on its connection before BEGIN and on
again once the transaction is over, and checks, before it commits, every row written
since it began (rows whose rowid is past the table's largest at the start; every row
of a table without rowids), each key against its parent, by one set query per key:
a row without its parent fails the batch, which rolls back.

What it does not cover is said where it is used: a batch that deletes parent rows (ON
DELETE actions do not run with the keys off) or changes the keys of rows it did not
write must not ask for it. The merge only inserts, and updates no key.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from codage.store.errors import Conflict


@dataclass(frozen=True, slots=True)
class _Key:
    table: str
    column: str
    parent: str
    parent_column: str | None
    rowid: bool  # the table has rowids (its new rows are those past the mark)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@contextmanager
def keys_off(engine: Engine) -> Iterator[Connection]:
    """A connection of ``engine`` with foreign keys off, for one transaction; on again
    when the block ends, before the connection goes back to the pool."""
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        if not isinstance(raw, sqlite3.Connection):
            raise TypeError("foreign keys are checked at the end on SQLite only")
        raw.execute("PRAGMA foreign_keys=OFF")
        try:
            yield connection
        finally:
            raw.execute("PRAGMA foreign_keys=ON")


def foreign_keys(connection: Connection, tables: Iterable[str] | None = None) -> list[_Key]:
    """The foreign keys of the database's tables (of ``tables`` only, when given)."""
    run = connection.exec_driver_sql
    found = {
        str(name): str(sql or "")
        for name, sql in run(
            "SELECT name, sql FROM main.sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%'"
        )
    }
    wanted = set(found) if tables is None else set(tables) & set(found)
    keys = []
    for table in sorted(wanted):
        rowid = "WITHOUT ROWID" not in found[table].upper()
        for row in run(f"PRAGMA main.foreign_key_list({_quote(table)})"):
            # (id, seq, parent table, column, parent column, ...)
            keys.append(_Key(table, str(row[3]), str(row[2]), row[4], rowid))
    return keys


def first_dangling(
    connection: Connection, keys: Iterable[_Key], marks: dict[str, int] | None = None
) -> str | None:
    """The first row (past its table's mark, when given) whose key names a parent row
    that is not there, said in words; None when every key holds. One query per key,
    over the distinct values."""
    for key in keys:
        parent_column = key.parent_column or "rowid"
        since = marks.get(key.table) if marks is not None and key.rowid else None
        where = "" if since is None else "WHERE rowid > ?"
        column = _quote(key.column)
        found = connection.exec_driver_sql(
            f"SELECT v FROM (SELECT DISTINCT {column} AS v FROM main.{_quote(key.table)}"
            f" {where}) WHERE v IS NOT NULL AND NOT EXISTS (SELECT 1 FROM"
            f" main.{_quote(key.parent)} WHERE {_quote(parent_column)} = v) LIMIT 1",
            () if since is None else (since,),
        ).first()
        if found is not None:
            return (
                f"a row of {key.table} names {key.parent} {found[0]!r} ({key.column}),"
                " which is not there"
            )
    return None


class KeyMarks:
    """Where each table with foreign keys ended when the batch began."""

    def __init__(self, connection: Connection) -> None:
        self.keys = foreign_keys(connection)
        self.marks: dict[str, int] = {}
        for table in sorted({k.table for k in self.keys if k.rowid}):
            last = connection.exec_driver_sql(f"SELECT max(rowid) FROM main.{_quote(table)}")
            self.marks[table] = int(last.scalar() or 0)

    def check(self, connection: Connection) -> None:
        """Refuse (``Conflict``) when a row written since the marks names a parent that
        is not there."""
        dangling = first_dangling(connection, self.keys, self.marks)
        if dangling is not None:
            raise Conflict(f"{dangling}; nothing was written")
