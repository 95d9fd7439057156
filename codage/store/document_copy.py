"""A document of another project copied into this one, as a merge brings it.

What ``add_document`` of it writes (its text, its units with their lemmas in text
order, its case and its units' cases, its search index), read from the source and
written a slice of rows at a time as plain tuples.

The index's lemma and form rows are keyed by lemma and form first, with no index on
their document: reading one document's rows reads the whole table. A merge copies
them for all its documents at once (:meth:`DocumentCopy.index_copied_at_end`), in one
pass over each table of the source.
"""

from __future__ import annotations

import itertools
from array import array
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy.orm import Session

from codage.domain import DocumentInfo, text_sha256, word_count
from codage.store.base import Conflict, NotFound
from codage.store.documents import Documents
from codage.store.journal import now as _now
from codage.store.schema import (
    CaseLinkRow,
    CaseRow,
    DocumentRow,
    SearchFormRow,
    SearchLemmaRow,
    SearchTextRow,
    UnitRow,
)
from codage.store.search_index import _STAGE, CONTAINER_KINDS, INDEX_VERSION, _pack

# Rows written per statement, and fetched from the source per round.
_SLICE = 5_000
# The most documents whose index rows are asked for by their ids: beyond, every row is
# read and those of other documents left (the table is read whole either way, and a
# server takes a bounded number of parameters).
_LISTED = 500

# The units of a document as ``_copy_units`` reads them, in the order of ``units()``.
_UNITS_SQL = (
    'SELECT kind, start, "end", speaker, timestamp, lemmas, id FROM units'
    ' WHERE document_id = ? ORDER BY start, "end" DESC, position'
)

_UNIT_KEYS = ("document_id", "kind", "position", "start", "end", "speaker", "timestamp", "lemmas")


def insert_many(
    connection: Connection,
    table: Any,
    keys: Sequence[str],
    rows: list[tuple[Any, ...]],
    into: str | None = None,
) -> None:
    """Rows of plain tuples in one statement: on SQLite straight to the driver (no
    per-row processing by SQLAlchemy), into the table named ``into`` when given (a
    TEMP table of the same columns), elsewhere through SQLAlchemy's insert."""
    if not rows:
        return
    if connection.dialect.name == "sqlite":
        names = ", ".join(f'"{k}"' for k in keys)
        marks = ", ".join("?" for _ in keys)
        connection.exec_driver_sql(
            f"INSERT INTO {into or table.__tablename__} ({names}) VALUES ({marks})", rows
        )
    else:
        connection.execute(insert(table), [dict(zip(keys, row, strict=True)) for row in rows])


class DocumentCopy(Documents):
    """Copying a document of another project into this one."""

    def copy_document(self, source: DocumentCopy, info: DocumentInfo) -> DocumentInfo:
        """Add a document of ``source`` to this project: what ``add_document`` of it
        (its text, units with lemmas in text order, case and units' cases) writes, read
        and written a slice of units at a time; its search index is copied when the
        source's is current (it is derived from the same text and sentences), else built.
        """
        try:
            return self._copy_document(source, info)
        except BaseException:
            # its writes were rolled back: no index rows to copy for it at the end
            pending = getattr(self._local, "index_pending", None)
            if pending is not None and pending[0] is source:
                pending[1].pop(info.id, None)
            raise

    def _copy_document(self, source: DocumentCopy, info: DocumentInfo) -> DocumentInfo:
        with source._read() as src, self._tx() as s:
            found = src.execute(
                select(
                    DocumentRow.name,
                    DocumentRow.kind,
                    DocumentRow.text,
                    DocumentRow.source_path,
                    DocumentRow.meta,
                ).where(DocumentRow.id == info.id)
            ).first()
            if found is None:
                raise NotFound(f"no document with id {info.id}")
            name, kind, text, source_path, meta = found
            if not text.strip():
                raise Conflict(f"{name}: the document has no text")
            if s.scalar(select(DocumentRow.id).where(DocumentRow.name == name)) is not None:
                raise Conflict(f"{name}: a document of that name is already in the project")
            sha = text_sha256(text)
            row = DocumentRow(
                name=name,
                kind=kind,
                text=text,
                sha256=sha,
                length=len(text),
                words=word_count(text),
                source_path=source_path,
                imported_at=_now(),
                meta=dict(meta or {}),
            )
            s.add(row)
            s.flush()
            linked: dict[int, str] = dict(
                src.execute(
                    select(CaseLinkRow.unit_id, CaseRow.name)
                    .join(CaseRow, CaseRow.id == CaseLinkRow.case_id)
                    .where(CaseLinkRow.document_id == info.id, CaseLinkRow.unit_id.is_not(None))
                ).all()  # type: ignore[arg-type]
            )
            # the sentences as they are copied (start, end, lemmas), for an index built
            # here: not read back from the rows just written
            sentences: list[tuple[int, int, str | None]] | None = (
                [] if self.has_search_index else None
            )
            unit_cases = self._copy_units(
                src, s, info.id, row.id, len(text), name, linked, sentences
            )
            if self.has_search_index and not self._copy_index(source, src, s, info.id, row.id, sha):
                self._index_document(s, row.id, text, new=True, sha=sha, sentences=sentences)
            if info.case:
                self._link_case(s, info.case, row.id, None)
            if unit_cases:
                positions = dict(
                    s.execute(
                        select(UnitRow.position, UnitRow.id).where(UnitRow.document_id == row.id)
                    ).all()
                )
                case_ids = {n: self._case_id(s, n) for n in sorted(set(unit_cases.values()))}
                s.execute(
                    insert(CaseLinkRow),
                    [
                        {"case_id": case_ids[n], "document_id": row.id, "unit_id": positions[i]}
                        for i, n in unit_cases.items()
                    ],
                )
            return self._info(row, info.case)

    @staticmethod
    def _copy_units(
        src: Session,
        s: Session,
        source_id: int,
        target_id: int,
        length: int,
        name: str,
        linked: dict[int, str],
        sentences: list[tuple[int, int, str | None]] | None = None,
    ) -> dict[int, str]:
        """Copy a document's units in the order of ``units()``, numbered from 0;
        returns the case name of each unit (by its new position) that has one. The
        sentences' (start, end, lemmas) go into ``sentences`` when given, in that order
        (the order the search index reads them in)."""
        query = (
            select(
                UnitRow.kind,
                UnitRow.start,
                UnitRow.end,
                UnitRow.speaker,
                UnitRow.timestamp,
                UnitRow.lemmas,
                UnitRow.id,
            )
            .where(UnitRow.document_id == source_id)
            .order_by(UnitRow.start, UnitRow.end.desc(), UnitRow.position)
            .execution_options(yield_per=_SLICE)
        )
        connection = s.connection()
        unit_cases: dict[int, str] = {}
        source = src.connection()
        found: Iterator[Any]
        if source.dialect.name == "sqlite":
            # straight from the driver: a merge copies a million units, and SQLAlchemy's
            # making a Row of each cost more than SQLite's reading them
            cursor = source.connection.driver_connection.cursor()  # type: ignore[union-attr]
            found = cursor.execute(_UNITS_SQL, (source_id,))
        else:
            found = iter(src.execute(query))
        rows = enumerate(found)
        while piece := list(itertools.islice(rows, _SLICE)):
            values = []
            for i, (kind, start, end, speaker, timestamp, lemmas, unit_id) in piece:
                if not (0 <= start <= end <= length):
                    raise Conflict(f"{name}: unit [{start}, {end}) lies outside the text")
                case = linked.get(unit_id)
                if case is not None:
                    unit_cases[i] = case
                values.append((target_id, kind, i, start, end, speaker, timestamp, lemmas))
                if sentences is not None and kind == "sentence":
                    sentences.append((start, end, lemmas))
            insert_many(connection, UnitRow, _UNIT_KEYS, values)
        return unit_cases

    def _copy_index(
        self,
        source: DocumentCopy,
        src: Session,
        s: Session,
        source_id: int,
        target_id: int,
        sha: str,
    ) -> bool:
        """Copy the source's search index of a document when it is current for this
        very text; the containers, which name units by id, are read anew. False when
        there is none to copy."""
        if not source.has_search_index:
            return False
        entry = src.execute(
            select(SearchTextRow.folded, SearchTextRow.back, SearchTextRow.sentences).where(
                SearchTextRow.document_id == source_id,
                SearchTextRow.version == INDEX_VERSION,
                SearchTextRow.sha256 == sha,
            )
        ).first()
        if entry is None:
            return False
        folded, back, sentences = entry
        containers: list[int] = []
        for unit in s.execute(
            select(UnitRow.start, UnitRow.end, UnitRow.id)
            .where(UnitRow.document_id == target_id, UnitRow.kind.in_(CONTAINER_KINDS))
            .order_by(UnitRow.start, UnitRow.end.desc(), UnitRow.position)
        ):
            containers.extend(unit)
        s.execute(
            insert(SearchTextRow),
            [
                {
                    "document_id": target_id,
                    "version": INDEX_VERSION,
                    "sha256": sha,
                    "folded": folded,
                    "back": back,
                    "sentences": sentences,
                    "containers": _pack(array("i", containers)),
                }
            ],
        )
        pending = getattr(self._local, "index_pending", None)
        if pending is not None and pending[0] is source:
            # copied with the other documents' at the end of the block (see module)
            pending[1][source_id] = target_id
            return True
        self._copy_index_rows(source, src, s, {source_id: target_id})
        return True

    @contextmanager
    def index_copied_at_end(self, source: DocumentCopy) -> Iterator[None]:
        """Inside a :meth:`batch`: the lemma and form rows of the search index of the
        documents of ``source`` copied in the block are copied when it ends, in one
        pass over each of the source's tables (see module); the same rows. Inside
        :meth:`index_rows_in_order`, they go where the rows it stages go."""
        session = getattr(self._local, "session", None)
        if session is None or getattr(self._local, "index_pending", None) is not None:
            yield
            return
        copies: dict[int, int] = {}
        self._local.index_pending = (source, copies)
        try:
            yield
        finally:
            self._local.index_pending = None
        if copies:
            with source._read() as src:
                self._copy_index_rows(source, src, session, copies)

    def _copy_index_rows(
        self, source: DocumentCopy, src: Session, s: Session, copies: dict[int, int]
    ) -> None:
        """Copy the lemma and form rows of the source's documents ``copies`` names
        (source id -> id here), reading each table once."""
        connection = s.connection()
        staged = getattr(self._local, "index_staged", False)
        reader = src.connection()
        for table, columns in ((SearchLemmaRow, "lemma, postings"), (SearchFormRow, "form, lemma")):
            names = [c.strip() for c in columns.split(",")]
            query = select(table.document_id, *(getattr(table, c) for c in names))
            if len(copies) <= _LISTED:
                query = query.where(table.document_id.in_(sorted(copies)))
            rows: Iterator[Any]
            if reader.dialect.name == "sqlite":
                # straight from the driver: millions of rows at ten million words
                cursor = reader.connection.driver_connection.cursor()  # type: ignore[union-attr]
                rows = cursor.execute(
                    str(query.compile(reader, compile_kwargs={"literal_binds": True}))
                )
            else:
                rows = iter(reader.execute(query.execution_options(yield_per=_SLICE)))
            keys = ("document_id", *names)
            into = _STAGE[table.__tablename__][0] if staged else None
            while piece := list(itertools.islice(rows, _SLICE)):
                found = [(copies[d], a, b) for d, a, b in piece if d in copies]
                insert_many(connection, table, keys, found, into)
