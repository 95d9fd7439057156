"""A merge of one SQLite project into another: the source's codings moved by SQLite.

Handing a merge's codings to SQLite one row at a time from Python costs more than the
goal of the whole merge (a bare ``executemany`` of 600,000 codings takes 11 to 13
seconds of processor time). When both projects are SQLite files, the source is
attached read-only to the target's connection inside the merge's transaction, the id
maps the merge computed (codes, coders) go into TEMP tables, and each document's
codings are written by one ``INSERT ... SELECT`` in the order the row-by-row path
inserts them, skipping what it skips: a coding the same coder holds with the same code
on the same span (in the target, or earlier in the source once codes are mapped). The
anchor text is the target's text sliced by a function of this connection (SQLite's
``substr`` walks the text from its start on every call), which also checks each span;
the rows and their ids are those the row-by-row path writes.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, event

from codage.store.base import Conflict

if TYPE_CHECKING:
    from codage.store.merging import Merging

# The source's name on the target's connection, and the TEMP tables of the maps.
ALIAS = "codage_merge_source"
_CODES = "temp.codage_merge_codes"
_CODERS = "temp.codage_merge_coders"
_MEMOS = "temp.codage_merge_memos"
_ANCHOR = "codage_merge_anchor"
# SQLite's page cache for the attached source, in KiB.
_SOURCE_CACHE_KIB = 64 * 1024
# Marks a pooled connection that holds the source attached, to be detached when it is
# given back (SQLite refuses DETACH inside a transaction).
_ATTACHED = "codage_merge_attached"


class _Anchor:
    """The text of the document being written, sliced for each row SQLite writes; the
    spans that do not fit it are noted (the row gets an empty text, and the write is
    refused once the statement is done)."""

    def __init__(self) -> None:
        self.text = ""
        self.bad: list[tuple[Any, Any]] = []

    def __call__(self, start: Any, end: Any) -> str:
        text = self.text
        if type(start) is int and type(end) is int and 0 <= start < end <= len(text):
            return text[start:end]
        self.bad.append((start, end))
        return ""

    def first_bad(self) -> tuple[Any, Any] | None:
        """The first span refused, in the order of the rows (start, end)."""
        if not self.bad:
            return None
        try:
            return min(self.bad)
        except TypeError:
            return self.bad[0]


@dataclass
class SourceLink:
    """A source attached to the target's connection for one merge (see module)."""

    connection: Connection
    raw: sqlite3.Connection
    automatic: str
    suggested: str
    # source coder id -> name, and -> target coder id once known
    coder_names: dict[int, str]
    coder_ids: dict[int, int] = field(default_factory=dict)
    # whether two source codes or coders become one in the target: then a source's
    # codings can repeat one another
    distinct: bool = True
    memos: bool = False
    anchor: _Anchor = field(default_factory=_Anchor)

    def execute(self, sql: str, params: Any = ()) -> Any:
        return self.connection.exec_driver_sql(sql, params)

    def document_coders(self, source_document: int) -> list[int]:
        """The source coders of a document's codings."""
        return [
            int(k)
            for (k,) in self.execute(
                f"SELECT DISTINCT coder_id FROM {ALIAS}.codings WHERE document_id = ?",
                (source_document,),
            )
        ]

    def coders_in_order(self, source_document: int) -> list[int]:
        """The source coders of a document's codings in the order of their first coding
        (start, end, id): the order the row-by-row path meets them in."""
        seen: dict[int, None] = {}
        for (k,) in self.execute(
            f'SELECT coder_id FROM {ALIAS}.codings WHERE document_id = ? ORDER BY start, "end", id',
            (source_document,),
        ):
            seen.setdefault(int(k))
        return list(seen)

    def map_coder(self, source_id: int, target_id: int) -> None:
        if source_id in self.coder_ids:
            return
        if target_id in self.coder_ids.values():
            self.distinct = False
        self.coder_ids[source_id] = target_id
        self.execute(
            f"INSERT INTO {_CODERS} (source, target) VALUES (?, ?)", (source_id, target_id)
        )

    def insert(
        self, source_document: int, document_id: int, text: str, stamp: str, *, held: bool
    ) -> int:
        """Write one document's codings (see module); ``held``: the target holds codings
        of these coders in this document already. Returns how many were written."""
        skip_held = (
            " AND NOT EXISTS (SELECT 1 FROM main.codings AS t WHERE t.document_id = :doc"
            " AND t.code_id = m.target AND t.coder_id = k.target AND t.start = c.start"
            ' AND t."end" = c."end")'
            if held
            else ""
        )
        skip_repeats = (
            ""
            if self.distinct
            else f" AND NOT EXISTS (SELECT 1 FROM {ALIAS}.codings AS d"
            f" JOIN {_CODES} AS dm ON dm.source = d.code_id"
            f" JOIN {_CODERS} AS dk ON dk.source = d.coder_id"
            " WHERE d.document_id = c.document_id AND dm.target = m.target"
            ' AND dk.target = k.target AND d.start = c.start AND d."end" = c."end"'
            " AND d.id < c.id)"
        )
        anchor = self.anchor
        anchor.text, anchor.bad = text, []
        try:
            written = self.execute(
                'INSERT INTO main.codings (document_id, code_id, coder_id, start, "end", text,'
                " memo, automatic, suggested, created_at, updated_at)"
                f' SELECT :doc, m.target, k.target, c.start, c."end", {_ANCHOR}(c.start, c."end"),'
                f" c.memo, {self.automatic}, {self.suggested}, :stamp, :stamp"
                f" FROM {ALIAS}.codings AS c"
                f" LEFT JOIN {_CODES} AS m ON m.source = c.code_id"
                f" LEFT JOIN {_CODERS} AS k ON k.source = c.coder_id"
                f" WHERE c.document_id = :source{skip_held}{skip_repeats}"
                ' ORDER BY c.start, c."end", c.id',
                {"doc": document_id, "stamp": stamp, "source": source_document},
            ).rowcount
        finally:
            anchor.text = ""
        bad = anchor.first_bad()
        if bad is not None:
            raise Conflict(f"span [{bad[0]}, {bad[1]}) is empty or outside document {document_id}")
        return int(written)

    def memo_targets(self, source_document: int, document_id: int) -> dict[int, int]:
        """Source coding id -> the target's coding on its span (added or held), for the
        codings of this document that carry memos."""
        if not self.memos:
            return {}
        rows = self.execute(
            f"SELECT c.id, t.id FROM {_MEMOS} AS x JOIN {ALIAS}.codings AS c ON c.id = x.id"
            f" JOIN {_CODES} AS m ON m.source = c.code_id"
            f" JOIN {_CODERS} AS k ON k.source = c.coder_id"
            " JOIN main.codings AS t ON t.document_id = ? AND t.code_id = m.target"
            ' AND t.coder_id = k.target AND t.start = c.start AND t."end" = c."end"'
            " WHERE c.document_id = ?",
            (document_id, source_document),
        )
        return {int(a): int(b) for a, b in rows}


def _detach(dbapi_connection: Any, record: Any) -> None:
    # A connection given back to the pool: its transaction is over, DETACH is allowed.
    if dbapi_connection is None or not record.info.pop(_ATTACHED, False):
        return
    # (not attached any more, the connection was reset: nothing to undo)
    with suppress(sqlite3.Error):
        dbapi_connection.execute(f"DETACH DATABASE {ALIAS}")


def _listen(engine: Engine) -> None:
    if not event.contains(engine, "checkin", _detach):
        event.listen(engine, "checkin", _detach)


def _uri(path: Path) -> str:
    return "file:" + quote(str(path.resolve()).replace(os.sep, "/"), safe="/:") + "?mode=ro"


def _attach(raw: sqlite3.Connection, path: Path) -> bool:
    """Attach the source read-only (by URI where this SQLite reads them, else by name);
    True when the database attached is that very file."""
    options = {row[0] for row in raw.execute("PRAGMA compile_options")}
    name = _uri(path) if options & {"USE_URI", "USE_URI=1"} else str(path)
    raw.execute(f"ATTACH DATABASE ? AS {ALIAS}", (name,))
    for _, schema, file in raw.execute("PRAGMA database_list"):
        if schema == ALIAS:
            return bool(file) and os.path.samefile(file, path)
    return False


@contextmanager
def linked_source(
    target: Merging, source: Merging, code_map: dict[int, int], memo_ids: Iterable[int]
) -> Iterator[SourceLink | None]:
    """Inside the target's :meth:`batch`: the source attached to the batch's connection
    with the maps in TEMP tables, or None when the row-by-row path must do (either is
    not a SQLite file, or the source cannot be attached: the merge is the same)."""
    session = getattr(target._local, "session", None)
    path = source.store.sqlite_file
    if not target.is_sqlite or not source.is_sqlite or session is None or path is None:
        yield None
        return
    connection = session.connection()
    pooled = connection.connection
    raw = pooled.driver_connection
    if not isinstance(raw, sqlite3.Connection) or ALIAS in {
        row[1] for row in raw.execute("PRAGMA database_list")
    }:
        yield None
        return
    _listen(target.engine)
    try:
        pooled.info[_ATTACHED] = True
        attached = _attach(raw, path)
    except (sqlite3.Error, OSError):
        attached = False
    if not attached:
        yield None
        return
    # the source's rows are read a document at a time through its index, each from
    # a page of its own: a cache that holds the table reads each page once
    raw.execute(f"PRAGMA {ALIAS}.cache_size = -{_SOURCE_CACHE_KIB}")
    coder_names = {int(i): str(n) for i, n in raw.execute(f"SELECT id, name FROM {ALIAS}.coders")}
    link = SourceLink(
        connection,
        raw,
        "(coalesce(c.automatic, 0) != 0)" if source._has_automatic() else "0",
        "(coalesce(c.suggested, 0) != 0)" if source._has_suggested() else "0",
        coder_names,
        distinct=len(set(code_map.values())) == len(code_map),
    )
    anchor = link.anchor
    raw.create_function(_ANCHOR, 2, anchor, deterministic=True)
    for table, columns in (
        (_CODES, "source INTEGER PRIMARY KEY, target INTEGER NOT NULL"),
        (_CODERS, "source INTEGER PRIMARY KEY, target INTEGER NOT NULL"),
        (_MEMOS, "id INTEGER PRIMARY KEY"),
    ):
        link.execute(f"DROP TABLE IF EXISTS {table}")
        link.execute(f"CREATE TABLE {table} ({columns})")
    if code_map:
        link.execute(f"INSERT INTO {_CODES} (source, target) VALUES (?, ?)", list(code_map.items()))
    memos = [(int(i),) for i in memo_ids]
    if memos:
        link.execute(f"INSERT INTO {_MEMOS} (id) VALUES (?)", memos)
        link.memos = True
    try:
        yield link
        # (on a failure the rollback takes the TEMP tables away with the rest)
        for table in (_CODES, _CODERS, _MEMOS):
            link.execute(f"DROP TABLE IF EXISTS {table}")
    finally:
        raw.create_function(_ANCHOR, 2, None)
