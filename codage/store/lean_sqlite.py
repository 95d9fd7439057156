"""Adding a coding on a SQLite project in plain SQL: the keystroke the workbench repeats.

Through the ORM, applying a code cost about 8.5 ms of processor time on SQLite: a
Session made and torn down, its flush, the journal row built as an ORM object, each
statement compiled and its parameters processed. The researcher feels it on every
key. Here the same transaction is a handful of plain statements sent to the driver
through one pooled connection:

- BEGIN IMMEDIATE (the ordinary path's lane write takes the write lock at BEGIN too);
- one read of the document's length and name, the passage, the code and a duplicate
  (the ordinary path's checks), then the code's path, parent by parent; the text of a
  document read before is remembered, and checked unchanged (its name and SHA-256,
  through their indexes) rather than read again: on a 10 MB transcript reading it cost
  more than all the rest;
- the coding inserted, the coder's undone steps dropped, the journal entry written;
- COMMIT.

The checks, the messages and the rows are the ordinary path's: the journal entry is
built by the same functions (:mod:`codage.store.journal`), its JSON by ``json.dumps``
as SQLAlchemy's JSON type writes it, and the times in SQLAlchemy's SQLite storage
format. ``tests/store/test_lean_writes.py`` runs both paths side by side and compares
the stored text of every column. What this path does not cover (a batch, an older
schema, a read-only file, a coder not yet known to this process, a suggestion
accepted) goes the ordinary way.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlalchemy.exc as sa_exc

from codage.domain import Coding
from codage.store import journal as _journal
from codage.store.base import NotFound, ProjectBase, _write_errors
from codage.store.errors import already_coded, check_new_coding
from codage.store.lite import read_journal_mark

# The ordinary path's read (Codings.add_coding) in one statement, the document's text
# whole, to be remembered (see _sqlite_remember).
_ADD_READ = """
SELECT d.length, d.name, d.text, d.sha256,
       (SELECT c.id FROM codes c WHERE c.id = ?),
       (SELECT k.id FROM codings k
         WHERE k.document_id = ? AND k.code_id = ? AND k.coder_id = ?
           AND k.start = ? AND k."end" = ?)
  FROM documents d WHERE d.id = ?
"""
# The same for a document this process remembers: whether its name and text are still
# those remembered. The name comes before the text in the row and the text's SHA-256
# is in its index: neither reads the text (10 MB read at each key, else), nor the
# columns after it (reaching them walks the text's overflow pages).
_ADD_CHECK = """
SELECT d.name,
       (SELECT 1 FROM documents s INDEXED BY ix_documents_sha256
         WHERE s.sha256 = ? AND s.id = d.id),
       (SELECT c.id FROM codes c WHERE c.id = ?),
       (SELECT k.id FROM codings k
         WHERE k.document_id = ? AND k.code_id = ? AND k.coder_id = ?
           AND k.start = ? AND k."end" = ?)
  FROM documents d WHERE d.id = ?
"""
# How many documents' texts are remembered: the one open in the interface (shared
# with it: see Documents.document) and the one before.
_REMEMBERED_DOCUMENTS = 2
_MEMORY_LOCK = threading.Lock()
_CODE = "SELECT name, parent_id FROM codes WHERE id = ?"
_INSERT = """
INSERT INTO codings (document_id, code_id, coder_id, start, "end", text, memo,
                     created_at, updated_at, automatic, suggested)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0) RETURNING id
"""
_DROP_UNDONE = "UPDATE journal SET state = 'dropped' WHERE actor_id = ? AND state = 'undone'"
_ENTRY = """
INSERT INTO journal (actor_id, at, action, summary, details, coders, ops, state, undo_seq)
VALUES (?, ?, 'add_coding', ?, ?, ?, ?, 'done', NULL)
"""


def stored_time(value: datetime) -> str:
    """A time as SQLAlchemy's SQLite DATETIME stores it (microseconds always written)."""
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


class SQLiteLeanWrites(ProjectBase):
    """``add_coding``'s lean twin on SQLite (see the module docstring)."""

    # documents remembered: id -> (sha256, name, length, text), the latest last
    _sqlite_documents: dict[int, tuple[str, str, int, str]] | None = None

    @contextmanager
    def _sqlite_tx(self) -> Iterator[sqlite3.Cursor]:
        """A write transaction on a pooled connection, the write lock taken at BEGIN;
        committed when the block ends, rolled back if it raises. The driver's errors
        become the ordinary path's words (read-only, disk full, busy)."""
        with _write_errors(self.store):
            raw = self.engine.raw_connection()
            try:
                connection = raw.driver_connection
                assert isinstance(connection, sqlite3.Connection)
                cursor = connection.cursor()
                try:
                    cursor.execute("BEGIN IMMEDIATE")
                    try:
                        yield cursor
                    except BaseException:
                        if connection.in_transaction:
                            connection.rollback()
                        raise
                    cursor.execute("COMMIT")
                except sqlite3.OperationalError as exc:
                    if connection.in_transaction:
                        connection.rollback()
                    # handed to _write_errors as SQLAlchemy would have raised it
                    raise sa_exc.OperationalError(None, None, exc) from None
                finally:
                    cursor.close()
            finally:
                raw.close()

    def _sqlite_coder_id(self, name: str) -> int | None:
        """The id of a coder registered before (committed: coders are never renamed nor
        deleted), remembered as the ordinary path remembers it; None for a new name,
        which the ordinary path registers."""
        if not name:
            return None
        raw = self.engine.raw_connection()
        try:
            found = raw.driver_connection.execute(  # type: ignore[union-attr]
                "SELECT id FROM coders WHERE name = ?", (name,)
            ).fetchone()
        finally:
            raw.close()
        if found is None:
            return None
        self._coder_ids[name] = found[0]
        return int(found[0])

    def _sqlite_journal_mark(self) -> tuple[int, ...]:
        """History.journal_mark in plain SQL (the same two aggregates, one snapshot)."""
        raw = self.engine.raw_connection()
        try:
            connection = raw.driver_connection
            assert isinstance(connection, sqlite3.Connection)
            return read_journal_mark(connection)
        finally:
            raw.close()

    def _sqlite_remember(
        self, document_id: int, sha256: str, name: str, length: int, text: str
    ) -> None:
        """Remember a document read (the latest few), for the next codings of it."""
        if not self.is_sqlite:
            return
        with _MEMORY_LOCK:  # the interface reads and writes in different threads
            memory = self._sqlite_memory()
            memory.pop(document_id, None)
            memory[document_id] = (sha256, name, length, text)
            while len(memory) > _REMEMBERED_DOCUMENTS:
                memory.pop(next(iter(memory)), None)

    def _sqlite_memory(self) -> dict[int, tuple[str, str, int, str]]:
        memory = self._sqlite_documents
        if memory is None:
            memory = self._sqlite_documents = {}
        return memory

    def _sqlite_read(
        self, cur: sqlite3.Cursor, coder_id: int, document_id: int, code_id: int, start: int,
        end: int,
    ) -> tuple[int, str, str, int | None, int | None]:  # fmt: skip
        """The document's length, name and text, the code's id (None: no such code) and
        a duplicate's id, read under the transaction's lock; the text taken from memory
        when the database still holds the one remembered."""
        with _MEMORY_LOCK:
            known = self._sqlite_memory().get(document_id)
        if known is not None:
            sha, name, length, whole = known
            try:
                found = cur.execute(
                    _ADD_CHECK,
                    (sha, code_id, document_id, code_id, coder_id, start, end, document_id),
                ).fetchone()
            except sqlite3.OperationalError as exc:
                if "no such index" not in str(exc):
                    raise
                found = ()  # a project whose index is named otherwise: read the text
            if found is None:
                raise NotFound(f"no document with id {document_id}")
            if found and found[0] == name and found[1] is not None:
                return length, name, whole, found[2], found[3]
        found = cur.execute(
            _ADD_READ, (code_id, document_id, code_id, coder_id, start, end, document_id)
        ).fetchone()
        if found is None:
            raise NotFound(f"no document with id {document_id}")
        length, name, whole, sha, found_code, duplicate = found
        self._sqlite_remember(document_id, sha, name, length, whole)
        return length, name, whole, found_code, duplicate

    def _sqlite_add_coding(
        self, coder_id: int, document_id: int, code_id: int, start: int, end: int,
        coder: str, memo: str | None,
    ) -> Coding:  # fmt: skip
        """add_coding on SQLite in plain SQL: the same checks, messages, rows and entry."""
        coder = coder.strip()
        with self._sqlite_tx() as cur:
            length, doc_name, whole, found_code, duplicate = self._sqlite_read(
                cur, coder_id, document_id, code_id, start, end
            )
            check_new_coding(doc_name, length, start, end, coder, found_code, duplicate, code_id)
            # what SQLite's substr() gives the ordinary path: code points, as here
            text = whole[start:end]
            now = _journal.now()
            stamp = stored_time(now)
            try:
                (new_id,) = cur.execute(
                    _INSERT,
                    (document_id, code_id, coder_id, start, end, text, memo, stamp, stamp),
                ).fetchone()
            except sqlite3.IntegrityError:
                # the same coder, from another window, coded this very span just now
                raise already_coded(doc_name, coder, start, end) from None
            row = _journal.coding_row(
                document_id, code_id, coder_id, start, end, text, memo, now, row_id=new_id
            )
            entry = _journal.Journal()
            entry.inserted("codings", row)
            path = _code_path(cur, code_id)
            given = {"document": doc_name, "code": path, "owner": coder}
            cur.execute(_DROP_UNDONE, (coder_id,))
            cur.execute(
                _ENTRY,
                (
                    coder_id,
                    stored_time(_journal.now()),
                    f'coded "{path}" on {doc_name} « {_journal.passage_head(text)} »',
                    # everything describe() would ask the database is given
                    json.dumps(_journal.describe(None, entry.ops, given)),  # type: ignore[arg-type]
                    json.dumps(_journal.touched_coders(entry.ops)),
                    json.dumps(entry.ops),
                ),
            )
        return _journal.made_coding(row, new_id, coder)


def _code_path(cur: sqlite3.Cursor, code_id: int | None) -> str:
    """journal.code_path in plain SQL: the names up to the root, a cycle cut."""
    names: list[str] = []
    seen: set[int] = set()
    while code_id is not None and code_id not in seen:
        seen.add(code_id)
        found: Any = cur.execute(_CODE, (code_id,)).fetchone()
        if found is None:
            break
        name, code_id = found
        names.append(name)
    return "/".join(reversed(names))
