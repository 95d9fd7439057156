"""A whole project from one database to another (SQLite and PostgreSQL, either way).

Every table is copied row for row with its ids, so that what refers to rows by
id (the journal's operations, memos' targets, the coders a change touched) stays
true, and the counters that hand out ids are carried over too: an id freed in
the source is not handed out again in the copy. The destination is built in one
transaction, schema included: a copy that fails leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, func, select, text
from sqlalchemy.exc import DBAPIError

from codage.store.backup import glob_escape
from codage.store.engine import (
    Store,
    StoreError,
    create_schema,
    display_location,
    open_blank,
    open_store,
    project_url,
)
from codage.store.schema import Base

# Rows read and written at a time: bounded memory whatever the project's size.
CHUNK = 2000

# (table, rows copied so far, rows of that table)
Progress = Callable[[str, int, int], None]


@dataclass
class CopyReport:
    """What a copy wrote: rows per table, in the order they were copied."""

    source: str
    destination: str
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def tables() -> list[Table]:
    """The project's tables, parents before the tables that refer to them."""
    return list(Base.metadata.sorted_tables)


def copy_project(source: str, destination: str, progress: Progress | None = None) -> CopyReport:
    """Copy the project at ``source`` into ``destination``, a new file or an empty database.

    Refuses a destination that already holds anything, and a source whose schema
    is older than this codage's (any writing command upgrades it first).
    """
    src = open_store(source, create=False, upgrade=False)
    try:
        if src.outdated:
            raise StoreError(
                f"{src.shown}: this project has an older schema ({src.revision}); "
                "any command that writes to it upgrades it, then copy it"
            )
        final = _sqlite_destination(destination)
        if final is None:
            dst = open_blank(destination)
            try:
                return _copy(src, dst, progress)
            finally:
                dst.engine.dispose()
        return _copy_to_file(src, final, destination, progress)
    finally:
        src.engine.dispose()


def _sqlite_destination(destination: str) -> Path | None:
    url = project_url(destination)
    if not url.startswith("sqlite:///"):
        return None
    return Path(url.removeprefix("sqlite:///"))


def _copy_to_file(src: Store, final: Path, shown: str, progress: Progress | None) -> CopyReport:
    """Build the copy under a temporary name beside ``final`` and give it its name only
    when whole: a copy killed halfway leaves no file that looks like a project."""
    open_blank(shown).engine.dispose()  # refuses an existing file, a missing folder
    for stale in final.parent.glob(f".{glob_escape(final.name)}.*.partial"):
        _forget_if_dead(stale)
    partial = final.with_name(f".{final.name}.{os.getpid()}.partial")
    _forget(partial)
    dst = open_blank(str(partial))
    try:
        report = _copy(src, dst, progress)
    finally:
        dst.engine.dispose()
    report.destination = display_location(shown)
    try:
        # the last connection closed took the write-ahead log into the file
        with contextlib.closing(sqlite3.connect(partial)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        _forget_sidecars(partial)
        _give_name(partial, final)
    except FileExistsError:
        raise StoreError(f"{shown}: already exists; give a new file (nothing was copied)") from None
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(f"{shown}: cannot copy ({exc}); nothing was copied") from None
    finally:
        _forget(partial)
    return report


def _give_name(partial: Path, final: Path) -> None:
    """``partial`` becomes ``final``, never replacing a file made there meanwhile."""
    try:
        # a link fails on an existing name, where a rename would replace it
        os.link(partial, final)
    except FileExistsError:
        raise
    except OSError:
        # file systems without links (FAT, some shares): a rename, after a last look
        if final.exists():
            raise FileExistsError(final) from None
        os.replace(partial, final)


def _forget_if_dead(partial: Path) -> None:
    """A temporary copy whose process was killed: nothing in it is worth keeping."""
    try:
        pid = int(partial.name.rsplit(".", 2)[-2])
        os.kill(pid, 0)
    except ProcessLookupError:
        _forget(partial)
    except (ValueError, IndexError, PermissionError):
        return


def _copy(src: Store, dst: Store, progress: Progress | None) -> CopyReport:
    report = CopyReport(src.shown, dst.shown)
    made_file = dst.sqlite_file
    try:
        # REPEATABLE READ on the server (a snapshot); on SQLite one read transaction
        # is one snapshot already: the copy sees the source as of one instant.
        reader = src.engine
        if reader.dialect.name == "postgresql":
            reader = reader.execution_options(isolation_level="REPEATABLE READ")
        with reader.connect() as rconn, rconn.begin(), dst.writer().begin() as wconn:
            create_schema(wconn)
            for table in tables():
                report.rows[table.name] = _copy_table(rconn, wconn, table, progress)
                _carry_counter(rconn, wconn, table)
    except DBAPIError as exc:
        _forget(made_file)
        raise StoreError(f"{dst.shown}: cannot copy ({exc.orig}); nothing was copied") from None
    except BaseException:
        _forget(made_file)
        raise
    return report


def _forget(made_file: Any) -> None:
    """A new SQLite file the failed copy made holds nothing worth keeping."""
    if made_file is None:
        return
    made_file.unlink(missing_ok=True)
    _forget_sidecars(made_file)


def _forget_sidecars(made_file: Path) -> None:
    for suffix in ("-wal", "-shm", "-journal"):
        made_file.with_name(made_file.name + suffix).unlink(missing_ok=True)


def _copy_table(
    rconn: Connection, wconn: Connection, table: Table, progress: Progress | None
) -> int:
    total = rconn.scalar(select(func.count()).select_from(table)) or 0
    done = 0
    if progress is not None:
        progress(table.name, 0, total)
    for rows in _chunks(rconn, table):
        wconn.execute(table.insert(), rows)
        done += len(rows)
        if progress is not None:
            progress(table.name, done, total)
    if done != total:
        raise StoreError(f"{table.name}: read {done} rows of {total}; nothing was copied")
    return done


def _chunks(rconn: Connection, table: Table) -> Iterator[list[dict[str, Any]]]:
    query = select(table).order_by(*table.primary_key.columns)
    reference = _self_reference(table)
    if reference is None:
        # streamed (a server-side cursor on PostgreSQL): documents' texts can be large
        result = rconn.execution_options(yield_per=CHUNK).execute(query)
        for part in result.mappings().partitions(CHUNK):
            yield [dict(r) for r in part]
        return
    yield from _parents_first([dict(r) for r in rconn.execute(query).mappings()], *reference)


def _self_reference(table: Table) -> tuple[str, str] | None:
    """The column by which a row refers to another row of its own table, if any."""
    for fk in table.foreign_keys:
        if fk.column.table is table:
            return fk.parent.name, fk.column.name
    return None


def _parents_first(
    rows: list[dict[str, Any]], column: str, target: str
) -> Iterator[list[dict[str, Any]]]:
    """Rows in chunks, a row that refers to another of its table after that one.

    Codes refer to their parent code, and a code moved under a younger one has a
    smaller id than its parent: by id alone the foreign key would break mid-copy.
    """
    placed: set[Any] = set()
    pending = rows
    while pending:
        layer = [r for r in pending if r[column] is None or r[column] in placed]
        if not layer:
            raise StoreError("rows of the source refer to each other in a cycle; nothing copied")
        for i in range(0, len(layer), CHUNK):
            yield layer[i : i + CHUNK]
        placed.update(r[target] for r in layer)
        laid = {id(r) for r in layer}
        pending = [r for r in pending if id(r) not in laid]


def _counter(conn: Connection, table: Table) -> int | None:
    """The highest id the table has ever handed out, None if it has no counter."""
    if [c.name for c in table.primary_key.columns] != ["id"]:
        return None
    highest = int(conn.scalar(select(func.max(table.c.id))) or 0)
    if conn.dialect.name == "sqlite":
        if table.dialect_options["sqlite"].get("autoincrement"):
            seq = conn.execute(
                text("SELECT seq FROM sqlite_sequence WHERE name = :t"), {"t": table.name}
            ).scalar()
            highest = max(highest, int(seq or 0))
        return highest
    if conn.dialect.name == "postgresql":
        seq_name = conn.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name})
        if seq_name is not None:
            last, called = conn.execute(text(f"SELECT last_value, is_called FROM {seq_name}")).one()
            if called:
                highest = max(highest, int(last))
    return highest


def _carry_counter(rconn: Connection, wconn: Connection, table: Table) -> None:
    """The destination hands out the ids after the source's highest, freed ones included."""
    highest = _counter(rconn, table)
    if highest is None:
        return
    if wconn.dialect.name == "postgresql":
        seq_name = wconn.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name})
        if seq_name is not None:
            wconn.execute(
                text("SELECT setval(:s, :v, :called)"),
                {"s": seq_name, "v": max(highest, 1), "called": highest > 0},
            )
    elif (
        wconn.dialect.name == "sqlite"
        and table.dialect_options["sqlite"].get("autoincrement")
        and highest > 0
    ):
        wconn.execute(text("DELETE FROM sqlite_sequence WHERE name = :t"), {"t": table.name})
        wconn.execute(
            text("INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :v)"),
            {"t": table.name, "v": highest},
        )
