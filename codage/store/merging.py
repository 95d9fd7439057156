"""What a merge reads from a source project and writes into its target in bulk.

A merge of a lab's projects moves millions of rows: documents with their units and
search index, and codings. Read as objects and written through the ORM they took
minutes and gigabytes. Here the source is read as plain rows, one document at a
time, and the target written with ``executemany`` of plain tuples straight to the
driver; on SQLite the journal entry's operations for the codings are written by the
database from the rows themselves (see :class:`codage.store.journal.CodingRange`).
From a SQLite file into a SQLite file, the codings of a document whose text the target
holds as it is are moved by SQLite itself (see :mod:`codage.store.merge_link`).
The rows written are the very rows ``add_document`` and ``import_codings`` write.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, literal, select
from sqlalchemy.orm import Session

from codage.store.aside import Aside
from codage.store.base import Conflict, NotFound
from codage.store.deferred_keys import first_dangling, foreign_keys
from codage.store.document_copy import DocumentCopy
from codage.store.journal import CodingRange
from codage.store.journal import Journal as _Journal
from codage.store.journal import now as _now
from codage.store.merge_link import SourceLink, linked_source
from codage.store.schema import (
    CodeRow,
    CoderRow,
    CodingRow,
    DocumentRow,
)

# SQLite's page cache during a merge, in KiB.
_CACHE_KIB = 64 * 1024

# A bulk writing of codings drops the table's secondary indexes and makes them again at
# its end when it writes at least ``_REBUILD_RATIO`` times the rows the table holds (and
# at least ``_REBUILD_MIN``): measured on SQLite, making the three indexes anew from
# sorted rows saves a quarter of the writing into an empty table, breaks even near a
# third of the rows already there and costs more beyond.
_REBUILD_RATIO = 4
_REBUILD_MIN = 50_000

# The tables a merge reads rows of that name other rows.
_READ_TABLES = ("codings", "units", "case_links", "codes")

# (source coding id, code id, coder name, start, end, anchor text, memo, automatic,
# suggested): a coding as a merge reads it.
CodingTuple = tuple[int, int, str, int, int, str, str | None, bool, bool]
# (code id, coder name, start, end, memo, automatic, suggested): a coding to write.
CodingRecord = tuple[int, str, int, int, str | None, bool, bool]

_INSERT_CODING = (
    'INSERT INTO codings (document_id, code_id, coder_id, start, "end", text, memo, '
    "automatic, suggested, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


class Merging(Aside, DocumentCopy):
    """Bulk reading of a source and bulk writing into a target, for merges."""

    @contextmanager
    def roomy_cache(self) -> Iterator[None]:
        """Inside a :meth:`batch`: give SQLite a page cache of ``_CACHE_KIB`` for the
        block. A merge writes hundreds of megabytes of rows and index entries in one
        transaction; with SQLite's default 2 MB most index pages it updates were read
        back again (spilled to the WAL and fetched anew), which cost more than writing."""
        if not self.is_sqlite:
            yield
            return
        with self._tx() as s:
            connection = s.connection()
            before = connection.exec_driver_sql("PRAGMA cache_size").scalar_one()
            connection.exec_driver_sql(f"PRAGMA cache_size = -{_CACHE_KIB}")
        try:
            yield
        finally:
            connection.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")

    def linked_source(
        self, source: Merging, code_map: dict[int, int], memo_ids: Iterable[int]
    ) -> AbstractContextManager[SourceLink | None]:
        """Inside a :meth:`batch`: ``source`` attached to the batch's connection, with
        the merge's map of codes (source id -> target id) and the source codings that
        carry memos, for :meth:`CodingWriter.add_linked`; None where the row-by-row
        path must do (see :func:`codage.store.merge_link.linked_source`)."""
        return linked_source(self, source, code_map, memo_ids)

    # -- reading a source ---------------------------------------------------------

    def dangling_key(self) -> str | None:
        """On SQLite, the first row of what a merge reads (codings, units, case links,
        codes) that names a row its project does not hold, said in words: a file written
        with its keys off by another program. None when every key holds, and on a
        server, which never lets such a row be written."""
        if not self.is_sqlite:
            return None
        with self._read() as s:
            connection = s.connection()
            return first_dangling(connection, foreign_keys(connection, _READ_TABLES))

    def coded_documents(self) -> dict[int, int]:
        """Number of codings per document id, for documents that have any."""
        with self._read() as s:
            query = select(CodingRow.document_id, func.count()).group_by(CodingRow.document_id)
            return dict(s.execute(query).all())

    def coding_tuples(self, document_id: int, *, with_text: bool = True) -> list[CodingTuple]:
        """One document's codings as plain tuples (see ``CodingTuple``), in the order of
        :meth:`codings` (start, end, id); without ``with_text`` their anchor text is
        empty (a merge into the very same text takes the target's)."""
        automatic: Any = CodingRow.automatic if self._has_automatic() else literal(False)
        suggested: Any = CodingRow.suggested if self._has_suggested() else literal(False)
        with self._read() as s:
            names = dict(s.execute(select(CoderRow.id, CoderRow.name)).all())
            query = (
                select(
                    CodingRow.id,
                    CodingRow.code_id,
                    CodingRow.coder_id,
                    CodingRow.start,
                    CodingRow.end,
                    CodingRow.text if with_text else literal(""),
                    CodingRow.memo,
                    automatic,
                    suggested,
                )
                .where(CodingRow.document_id == document_id)
                .order_by(CodingRow.start, CodingRow.end, CodingRow.id)
            )
            connection = s.connection()
            rows: Any
            if connection.dialect.name == "sqlite":
                # Straight from the driver, all at once: a merge reads millions of these
                # rows, and SQLAlchemy's fetching them one by one as Row objects cost
                # more than SQLite's reading them.
                cursor = connection.connection.cursor()
                try:
                    cursor.execute(
                        str(query.compile(connection, compile_kwargs={"literal_binds": True}))
                    )
                    rows = cursor.fetchall()
                finally:
                    cursor.close()
            else:
                rows = connection.execute(query)
            return [
                (i, c, names[k], a, b, t, m, bool(auto), bool(sugg))
                for i, c, k, a, b, t, m, auto, sugg in rows
            ]

    # -- writing a target ----------------------------------------------------------

    def coding_writer(self, *, actor: str, expected: int = 0) -> CodingWriter:
        """A writer of codings in bulk, one document at a time, for use inside one
        :meth:`batch` (or one transaction of its own per document outside one); see
        :class:`CodingWriter`. ``expected``: about how many codings it will write (the
        writer rebuilds the codings' indexes at the end instead of maintaining them
        row by row when that is many more than the table holds)."""
        return CodingWriter(self, actor, expected)

    def _codings_indexes(self, s: Session) -> list[tuple[str, str]]:
        """The secondary indexes of ``codings`` that can be dropped and made again:
        (name, the statement that made it), as SQLite keeps them (the unique
        constraint's own index cannot be dropped and is not listed)."""
        rows = s.connection().exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
            "AND tbl_name = 'codings' AND sql IS NOT NULL ORDER BY name"
        )
        return [(str(name), str(sql)) for name, sql in rows]


class CodingWriter:
    """Bulk insertion of codings document by document, journaled like
    :meth:`Project.import_codings`: the same rows, the same operations in the same
    order, in one journal entry per :meth:`close` (inside a batch with a coder, the
    batch's entry). Holds one document's codings at a time."""

    def __init__(self, project: Merging, actor: str, expected: int = 0) -> None:
        self.project = project
        self.expected = expected
        # indexes of ``codings`` dropped for the writing, made again by ``close``
        self._dropped: list[tuple[str, str]] | None = None
        self.actor = actor
        self.now: datetime = _now()
        self.journal = _Journal()
        self._first: int | None = None
        self._last: int | None = None
        self._codes: set[int] = set()
        self._coders: dict[str, int] = {}
        # what the range of rows written touches, for its journal operation
        self._documents: set[int] = set()
        self._coder_ids: set[int] = set()
        self._stamp = self.now.strftime("%Y-%m-%d %H:%M:%S.%f")

    def add(self, document_id: int, records: Sequence[CodingRecord]) -> list[tuple[int, bool]]:
        """Insert these codings of one document, each (code id, coder, start, end, memo,
        automatic, suggested); for each, the id of the target's coding and whether it
        was added (False: the same coder held that span with that code already, or an
        earlier record repeats it)."""
        if not records:
            return []
        project = self.project
        if self._dropped is None:
            self._dropped = self._drop_indexes()
        with project._tx() as s:
            text = s.scalar(select(DocumentRow.text).where(DocumentRow.id == document_id))
            if text is None:
                raise NotFound(f"no document with id {document_id}")
            wanted = {r[0] for r in records} - self._codes
            if wanted:
                self._codes |= set(s.scalars(select(CodeRow.id).where(CodeRow.id.in_(wanted))))
                missing = wanted - self._codes
                if missing:
                    raise NotFound(f"no code with id {min(missing)}")
            coders = self._coders
            for name in {r[1] for r in records} - coders.keys():
                coders[name] = project._coder_id(s, name)
            # A coding repeats one only of its own coder: the other coders' are not read
            # (merging a coder's project beside another's finds nothing to skip).
            coder_ids = {coders[name] for name in {r[1] for r in records}}
            existing: dict[tuple[int, int, int, int], int] = {
                (c, k, a, b): i
                for c, k, a, b, i in s.connection().execute(
                    select(
                        CodingRow.code_id,
                        CodingRow.coder_id,
                        CodingRow.start,
                        CodingRow.end,
                        CodingRow.id,
                    ).where(CodingRow.document_id == document_id, CodingRow.coder_id.in_(coder_ids))
                )
            }
            length = len(text)
            for _, _, start, end, _, _, _ in records:
                if not (0 <= start < end <= length):
                    raise Conflict(
                        f"span [{start}, {end}) is empty or outside document {document_id}"
                    )
            keys = [(r[0], coders[r[1]], r[2], r[3]) for r in records]
            out: list[tuple[int, bool]]
            rows: list[tuple[Any, ...]]
            fresh: list[int]  # places in ``out`` of the rows inserted
            if existing.keys().isdisjoint(keys) and len(set(keys)) == len(keys):
                # nothing to skip (the common case): every record is a new row
                # the rows as the statement takes them, stamped (one pass, no copies)
                stamp = self._stamp
                rows = [
                    (document_id, c, k, a, b, text[a:b], r[4], r[5], r[6], stamp, stamp)
                    for (c, k, a, b), r in zip(keys, records, strict=True)
                ]
                ids = self._insert(s, rows, document_id, coder_ids)
                return [(i, True) for i in ids]
            out, rows, fresh = [], [], []
            for key, r in zip(keys, records, strict=True):
                known = existing.get(key)
                if known is not None:
                    out.append((known, False))
                    continue
                existing[key] = -1 - len(fresh)  # the new row's place, until its id is known
                fresh.append(len(out))
                out.append((0, True))
                _, coder_id, start, end = key
                stamp = self._stamp
                rows.append(
                    (
                        document_id,
                        key[0],
                        coder_id,
                        start,
                        end,
                        text[start:end],
                        *r[4:],
                        stamp,
                        stamp,
                    )
                )
            if rows:
                ids = self._insert(s, rows, document_id, {row[2] for row in rows})
                for place, new_id in zip(fresh, ids, strict=True):
                    out[place] = (new_id, True)
                for i, (known, added) in enumerate(out):
                    if not added and known < 0:
                        out[i] = (ids[-1 - known], False)
        return out

    def _drop_indexes(self) -> list[tuple[str, str]]:
        """Drop the secondary indexes of ``codings`` when the writing is large next to
        the table (see ``_REBUILD_RATIO``), inside the batch's one transaction, so that
        ``close`` makes them again from the sorted rows in one pass each; returns what
        was dropped. SQLite's schema changes are part of the transaction: a failure or a
        kill before the commit rolls the drop back with the rows, and the project keeps
        its indexes whatever happens. Outside a batch (each document its own
        transaction) or on a server, nothing is dropped."""
        project = self.project
        if (
            not project.is_sqlite
            or getattr(project._local, "session", None) is None
            or self.expected < _REBUILD_MIN
        ):
            return []
        with project._tx() as s:
            held = int(s.connection().exec_driver_sql("SELECT count(*) FROM codings").scalar_one())
            if held * _REBUILD_RATIO > self.expected:
                return []
            indexes = project._codings_indexes(s)
            for name, _ in indexes:
                s.connection().exec_driver_sql(f'DROP INDEX "{name}"')
        return indexes

    def _restore_indexes(self) -> None:
        if not self._dropped:
            return
        with self.project._tx() as s:
            for _, sql in self._dropped:
                s.connection().exec_driver_sql(sql)
        self._dropped = []

    def _insert(
        self, s: Session, rows: list[tuple[Any, ...]], document_id: int, coder_ids: set[int]
    ) -> list[int]:
        self._documents.add(document_id)
        self._coder_ids |= coder_ids
        connection = s.connection()
        if connection.dialect.name != "sqlite":
            return self._insert_returning(s, rows)
        connection.exec_driver_sql(_INSERT_CODING, rows)
        return list(self._took(connection, len(rows)))

    def _took(self, connection: Connection, count: int) -> range:
        """The ids the last ``count`` codings written took. The writer holds the
        database's only write lock and the table hands out ids in order (AUTOINCREMENT):
        the rows took the ids that end at the largest."""
        last = int(connection.exec_driver_sql("SELECT max(id) FROM codings").scalar_one())
        first = last - count + 1
        if self._first is None:
            self._first = first
        elif self._last is not None and first != self._last + 1:
            raise Conflict("codings were written by someone else during a bulk import")
        self._last = last
        return range(first, last + 1)

    def add_linked(
        self, link: SourceLink, source_document: int, document_id: int
    ) -> tuple[int, dict[int, int]]:
        """Write the codings of one source document whose text is this document's, by
        SQLite from the attached source (see :mod:`codage.store.merge_link`): the rows
        :meth:`add` writes for them, in its order, with its skips. Returns how many
        were added and, for the source's codings with memos, the target's coding on
        their span."""
        if self._dropped is None:
            self._dropped = self._drop_indexes()
        project = self.project
        with project._tx() as s:
            connection = s.connection()
            # plain statements: this runs once per document (a thousand at ten million
            # words), and building SQLAlchemy's statements cost more than running them
            text = connection.exec_driver_sql(
                "SELECT text FROM main.documents WHERE id = ?", (document_id,)
            ).scalar()
            if text is None:
                raise NotFound(f"no document with id {document_id}")
            found = link.document_coders(source_document)
            names = link.coder_names
            coders = self._coders
            if len({names[k] for k in found} - coders.keys()) > 1:
                # new coders are registered in the order add() meets them
                found = link.coders_in_order(source_document)
            for name in {names[k] for k in found} - coders.keys():
                coders[name] = project._coder_id(s, name)
            for k in found:
                link.map_coder(k, coders[names[k]])
            coder_ids = {coders[names[k]] for k in found}
            held = connection.exec_driver_sql(
                "SELECT 1 FROM main.codings WHERE document_id = ? AND coder_id IN "
                f"({', '.join(str(int(k)) for k in sorted(coder_ids)) or 'NULL'}) LIMIT 1",
                (document_id,),
            ).first()
            added = link.insert(source_document, document_id, text, self._stamp, held=bool(held))
            if added:
                taken = self._took(connection, added)
                self._documents.add(document_id)
                # which of the coders the rows written are of, unless the range's coders
                # hold them all already (then they add none, whichever they are)
                if len(coder_ids) > 1 and not coder_ids <= self._coder_ids:
                    coder_ids = {
                        int(k)
                        for (k,) in connection.exec_driver_sql(
                            "SELECT DISTINCT coder_id FROM codings WHERE id BETWEEN ? AND ?",
                            (taken.start, taken.stop - 1),
                        )
                    }
                self._coder_ids |= coder_ids
            return added, link.memo_targets(source_document, document_id)

    def _insert_returning(self, s: Session, rows: list[tuple[Any, ...]]) -> list[int]:
        keys: tuple[str, ...] = ("document_id", "code_id", "coder_id", "start", "end")
        keys += ("text", "memo", "automatic", "suggested")
        values = [
            {
                **dict(zip(keys, row[:9], strict=True)),
                "created_at": self.now,
                "updated_at": self.now,
            }
            for row in rows
        ]
        statement = insert(CodingRow).returning(CodingRow.id, sort_by_parameter_order=True)
        ids = [int(i) for i in s.scalars(statement, values)]
        stamp = self.now.isoformat()
        for value, new_id in zip(values, ids, strict=True):
            self.journal.ops.append(
                {
                    "t": "codings",
                    "op": "insert",
                    "row": {
                        **{k: value[k] for k in keys},
                        "id": new_id,
                        "created_at": stamp,
                        "updated_at": stamp,
                    },
                }
            )
        return ids

    def close(self) -> int:
        """Journal what was written (the actor's entry, or the batch's); returns how
        many codings were added."""
        self._restore_indexes()
        journal = self.journal
        added = len(journal.ops)
        if self._first is not None and self._last is not None:
            journal.ranges.append(
                (
                    len(journal.ops),
                    CodingRange(
                        self._first,
                        self._last,
                        self.now,
                        frozenset(self._documents),
                        frozenset(self._coder_ids),
                    ),
                )
            )
            added += self._last - self._first + 1
        with self.project._tx() as s:
            self.project._record(s, self.actor, "import_codings", f"add {added} codings", journal)
        return added
