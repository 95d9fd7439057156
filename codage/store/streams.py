"""Codings read as a stream, one document at a time, for the commands that go over a
whole project (agreement, statistics, exports, ``segments``).

A project of a lab's size holds a million codings: read at once into objects they
took gigabytes. These read plain rows from one ordered query, fetched a slice at a
time, so that a reader holds one document's codings while it works on them.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import LargeBinary, Select, bindparam, cast, func, literal, select

from codage.domain import Coding
from codage.store.codings import Codings
from codage.store.errors import NotFound
from codage.store.lite import CodingTuple
from codage.store.schema import CaseLinkRow, CoderRow, CodingRow, UnitRow

# Rows fetched from the database per round: enough to keep the driver busy, few
# enough that a slice is a few megabytes.
_FETCH = 2_000

# (kind, start, end, speaker, timestamp) of a unit, and (unit id, start, end, position,
# case id) of a unit's link to a case: what :class:`DocumentRows` reads of units.
UnitTuple = tuple[str, int, int, str | None, float | None]
UnitCaseTuple = tuple[int, int, int, int, int]


class Streams(Codings):
    """Reading every coding of a project without holding them all."""

    def _coding_query(
        self,
        columns: Sequence[Any],
        names: Mapping[int, str],
        document_ids: Iterable[int] | None,
        code_ids: Iterable[int] | None,
        coders: Iterable[str] | None,
    ) -> Select[Any]:
        """``columns`` of the codings asked for, in document and text order."""
        query = select(*columns)
        if document_ids is not None:
            query = query.where(CodingRow.document_id.in_(list(document_ids)))
        if code_ids is not None:
            query = query.where(CodingRow.code_id.in_(list(code_ids)))
        if coders is not None:
            wanted = set(coders)
            query = query.where(
                CodingRow.coder_id.in_([i for i, n in names.items() if n in wanted])
            )
        return query.order_by(CodingRow.document_id, CodingRow.start, CodingRow.end, CodingRow.id)

    def _flags(self) -> list[Any]:
        return [
            CodingRow.automatic if self._has_automatic() else literal(False),
            CodingRow.suggested if self._has_suggested() else literal(False),
        ]

    def stream_codings(
        self,
        *,
        document_ids: Iterable[int] | None = None,
        code_ids: Iterable[int] | None = None,
        coders: Iterable[str] | None = None,
        timestamps: bool = False,
        with_text: bool = True,
    ) -> Iterator[Coding]:
        """The codings :meth:`codings` returns, in the same order (document, start, end,
        id), yielded as they are read. Without ``timestamps`` their ``created_at`` and
        ``updated_at`` are None, as :meth:`codings_bulk` gives them; without
        ``with_text`` their ``text`` is empty (what agreement, which never shows it,
        need not read).

        The read stays open while the caller iterates: consume the stream before
        writing to the project.
        """
        with self._read() as s:
            names = dict(s.execute(select(CoderRow.id, CoderRow.name)).all())
            columns: list[Any] = [
                CodingRow.id,
                CodingRow.document_id,
                CodingRow.code_id,
                CodingRow.coder_id,
                CodingRow.start,
                CodingRow.end,
                CodingRow.text if with_text else literal(""),
                CodingRow.memo,
                *self._flags(),
            ]
            if timestamps:
                columns += [CodingRow.created_at, CodingRow.updated_at]
            query = self._coding_query(columns, names, document_ids, code_ids, coders)
            for row in s.execute(query.execution_options(yield_per=_FETCH)):
                created = updated = None
                if timestamps:
                    created, updated = row[10], row[11]
                yield Coding(
                    row[0],
                    row[1],
                    row[2],
                    names[row[3]],
                    row[4],
                    row[5],
                    row[6],
                    row[7],
                    created,
                    updated,
                    bool(row[8]),
                    bool(row[9]),
                )

    def coding_rows(
        self,
        *,
        document_ids: Iterable[int] | None = None,
        code_ids: Iterable[int] | None = None,
        coders: Iterable[str] | None = None,
    ) -> Iterator[CodingTuple]:
        """What :meth:`stream_codings` yields, as plain tuples (see :data:`CodingTuple`):
        ``segments`` lists a million of them, and a frozen ``Coding`` per row was a
        good part of its time."""
        with self._read() as s:
            names = dict(s.execute(select(CoderRow.id, CoderRow.name)).all())
            columns: list[Any] = [
                CodingRow.id,
                CodingRow.document_id,
                CodingRow.code_id,
                CodingRow.coder_id,
                CodingRow.start,
                CodingRow.end,
                CodingRow.text,
                CodingRow.memo,
                *self._flags(),
            ]
            query = self._coding_query(columns, names, document_ids, code_ids, coders)
            # A Core statement on the session's connection: rows, without the ORM's
            # handling of each.
            for i, d, c, k, a, b, t, m, auto, sugg in s.connection().execute(
                query.execution_options(yield_per=_FETCH)
            ):
                yield (i, d, c, names[k], a, b, t, m, bool(auto), bool(sugg))

    def spans_by_document(
        self,
        documents: Iterable[tuple[int, str | None]],
        *,
        code_ids: Iterable[int] | None = None,
        coders: Iterable[str] | None = None,
    ) -> Iterator[tuple[list[tuple[int, str, int, int]], list[tuple[int, int, int]]]]:
        """For each (document id, unit kind) given, in that order: the (code id, coder,
        start, end) of its codings in text order (start, end, id), and if it has any,
        the (id, start, end) of its units of that kind in the order of :meth:`units`
        (none without a kind). What statistics count, without texts, lemmas or an
        object per row; one read for the whole walk, one statement per table.

        The read stays open while the caller iterates, as :meth:`stream_codings`'s.
        """
        with self._read() as s:
            names = dict(s.execute(select(CoderRow.id, CoderRow.name)).all())
            doc: Any = bindparam("document_id")
            codings = self._coding_query(
                [CodingRow.code_id, CodingRow.coder_id, CodingRow.start, CodingRow.end],
                names,
                None,
                code_ids,
                coders,
            ).where(CodingRow.document_id == doc)
            units = (
                select(UnitRow.id, UnitRow.start, UnitRow.end)
                .where(UnitRow.document_id == doc, UnitRow.kind == bindparam("kind"))
                .order_by(UnitRow.start, UnitRow.end.desc(), UnitRow.position)
            )
            # Core statements on the session's connection: the ORM's handling of the
            # results cost as much as reading them.
            conn = s.connection()
            for document_id, kind in documents:
                rows = [
                    (c, names[k], a, b)
                    for c, k, a, b in conn.execute(codings, {"document_id": document_id})
                ]
                grain: list[tuple[int, int, int]] = []
                if rows and kind is not None:
                    found = conn.execute(units, {"document_id": document_id, "kind": kind})
                    grain = [(i, a, b) for i, a, b in found]
                yield rows, grain

    def unit_kinds(self) -> dict[int, set[str]]:
        """The kinds of unit each document has (documents without units are absent)."""
        out: dict[int, set[str]] = {}
        with self._read() as s:
            for doc_id, kind in s.execute(select(UnitRow.document_id, UnitRow.kind).distinct()):
                out.setdefault(doc_id, set()).add(kind)
        return out

    def documents_with_cases(self) -> set[int]:
        """Documents that have a case link (of the document or of one of its units)."""
        with self._read() as s:
            return set(s.scalars(select(CaseLinkRow.document_id).distinct()))

    def coding_tally(
        self, *, coders: Iterable[str] | None = None
    ) -> list[tuple[int, str, int, bool, bool, int]]:
        """(document id, coder, code id, automatic, suggested, number of codings) for
        each such combination present: who coded what where, counted by the database."""
        automatic: Any = CodingRow.automatic if self._has_automatic() else literal(False)
        suggested: Any = CodingRow.suggested if self._has_suggested() else literal(False)
        with self._read() as s:
            names = dict(s.execute(select(CoderRow.id, CoderRow.name)).all())
            query = select(
                CodingRow.document_id,
                CodingRow.coder_id,
                CodingRow.code_id,
                automatic,
                suggested,
                func.count(),
            ).group_by(
                CodingRow.document_id, CodingRow.coder_id, CodingRow.code_id, automatic, suggested
            )
            if coders is not None:
                wanted = set(coders)
                query = query.where(
                    CodingRow.coder_id.in_([i for i, n in names.items() if n in wanted])
                )
            return [
                (doc_id, names[coder_id], code_id, bool(auto), bool(sugg), int(n))
                for doc_id, coder_id, code_id, auto, sugg, n in s.execute(query)
            ]

    def codings_by_document(
        self,
        *,
        document_ids: Iterable[int] | None = None,
        code_ids: Iterable[int] | None = None,
        coders: Iterable[str] | None = None,
        timestamps: bool = False,
    ) -> Iterator[tuple[int, list[Coding]]]:
        """(document id, its codings in text order), one document after the other, in
        the order of document ids; documents without codings are not named."""
        stream = self.stream_codings(
            document_ids=document_ids, code_ids=code_ids, coders=coders, timestamps=timestamps
        )
        for document_id, group in itertools.groupby(stream, key=lambda c: c.document_id):
            yield document_id, list(group)

    # Agreement over a million codings needs only where each coding lies: plain integer
    # rows, read through the core (no ORM rows) and in table order (no sort in the
    # database), which the analysis turns into arrays and sorts itself (issue 20).

    def coding_bounds(
        self, *, coders: Iterable[str] | None = None
    ) -> Iterator[tuple[int, int, int, int, int, int, int, int]]:
        """(document id, coder id, code id, start, end, coding id, automatic, suggested)
        of every coding (by these coders), in no particular order."""
        automatic: Any = CodingRow.automatic if self._has_automatic() else literal(False)
        suggested: Any = CodingRow.suggested if self._has_suggested() else literal(False)
        with self._read() as s:
            query = select(
                CodingRow.document_id,
                CodingRow.coder_id,
                CodingRow.code_id,
                CodingRow.start,
                CodingRow.end,
                CodingRow.id,
                automatic,
                suggested,
            )
            if coders is not None:
                wanted = set(coders)
                ids = [i for i, n in s.execute(select(CoderRow.id, CoderRow.name)) if n in wanted]
                query = query.where(CodingRow.coder_id.in_(ids))
            yield from _plain_rows(s.connection().execute(query))

    def unit_bounds(self, kind: str) -> Iterator[tuple[int, int, int]]:
        """(document id, start, end) of every unit of this kind, in no particular order."""
        with self._read() as s:
            query = select(UnitRow.document_id, UnitRow.start, UnitRow.end).where(
                UnitRow.kind == kind
            )
            yield from _plain_rows(s.connection().execute(query))

    # An export of a million codings used to read every unit of each document as a
    # ``Unit`` (sentences too, which only context needs), its unit cases through the
    # ORM and its codings as ORM rows: most of a dossier's time (issue 20). These read
    # the same as plain rows, on one open read, each statement prepared once.

    @contextmanager
    def selection_rows(self) -> Iterator[DocumentRows]:
        """Plain-row reads of codings and of what sits around them, document by document,
        on one read held open until the block ends (see :class:`DocumentRows`)."""
        with self._read() as s:
            names = dict(s.execute(select(CoderRow.id, CoderRow.name)).all())
            rows = DocumentRows(self, s.connection(), names)
            try:
                yield rows
            finally:
                rows.close()


class DocumentRows:
    """What the selection services read of a project, as plain rows: codings grouped by
    document in one ordered statement, and, per document, its units of given kinds or
    naming a speaker or a time, its units' cases, its text, the spans of its codings.
    Made by :meth:`Streams.selection_rows`; valid inside its block."""

    def __init__(self, streams: Streams, conn: Any, names: dict[int, str]) -> None:
        self._streams = streams
        self._conn = conn
        self.coder_names = names
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        self._mark = mark
        self._cursor = conn.connection.dbapi_connection.cursor()
        order = 'ORDER BY start, "end" DESC, position'
        self._sql = {
            "text": f"SELECT text FROM documents WHERE id = {mark}",
            "cases": 'SELECT case_links.unit_id, units.start, units."end", units.position, '
            "case_links.case_id FROM case_links JOIN units ON units.id = case_links.unit_id "
            f"WHERE case_links.document_id = {mark} AND case_links.unit_id IS NOT NULL "
            "ORDER BY case_links.id",
            "grain": 'SELECT id, start, "end" FROM units '
            f"WHERE document_id = {mark} AND kind = {mark} {order}",
            "units": 'SELECT kind, start, "end", speaker, timestamp FROM units '
            f"WHERE document_id = {mark} AND (kind IN ({{kinds}}) OR speaker IS NOT NULL "
            f"OR timestamp IS NOT NULL) {order}",
        }

    def _all(self, sql: str, params: Sequence[object]) -> list[Any]:
        self._cursor.execute(sql, tuple(params))
        rows: list[Any] = self._cursor.fetchall()
        return rows

    def codings(
        self,
        *,
        document_ids: Iterable[int] | None = None,
        code_ids: Iterable[int] | None = None,
        coders: Iterable[str] | None = None,
        utf8: bool = False,
        order: Sequence[int] | None = None,
    ) -> Iterator[tuple[int, list[Any]]]:
        """(document id, its codings in text order: start, end, id), documents in id
        order, those without codings not named; each coding a row of (document id, id,
        code id, coder id, start, end, text, memo, automatic, suggested) as the driver
        gives them (flags as stored, coders by id: see :attr:`coder_names`). What
        :meth:`Streams.codings_by_document` gives, without an object per coding.

        With ``utf8``, SQLite gives text and memo as their stored UTF-8 bytes (what a
        workbook writes, not decoded to be encoded again); other servers give text.
        With ``order``, the documents of those ids (``document_ids`` is then not
        needed), in that order: one statement each, on the same index."""
        text: Any = CodingRow.text
        memo: Any = CodingRow.memo
        if utf8 and self._conn.dialect.name == "sqlite":
            # SQLite keeps text as UTF-8: a cast to a blob hands over those bytes
            text, memo = cast(text, LargeBinary), cast(memo, LargeBinary)
        columns: list[Any] = [
            CodingRow.document_id,
            CodingRow.id,
            CodingRow.code_id,
            CodingRow.coder_id,
            CodingRow.start,
            CodingRow.end,
            text,
            memo,
            *self._streams._flags(),
        ]
        query = self._streams._coding_query(
            columns, self.coder_names, None if order is not None else document_ids, code_ids, coders
        )
        if order is not None:
            yield from self._codings_in_order(query, order)
            return
        if self._conn.dialect.name == "sqlite":
            # the driver's rows as they come, in slices: SQLite's cursor reads lazily
            found: Iterator[Any] = _plain_rows(self._conn.execute(query))
        else:
            # a cursor on the server, read through the result (which holds its first row)
            found = self._conn.execute(
                query.execution_options(stream_results=True, yield_per=_FETCH)
            )
        for document_id, group in itertools.groupby(found, key=operator.itemgetter(0)):
            yield document_id, list(group)

    def _codings_in_order(
        self, query: Select[Any], order: Sequence[int]
    ) -> Iterator[tuple[int, list[Any]]]:
        one = query.where(CodingRow.document_id == bindparam("codage_document"))
        plain = self._conn.dialect.name == "sqlite"
        for document_id in order:
            result = self._conn.execute(one, {"codage_document": document_id})
            rows = list(_plain_rows(result)) if plain else [tuple(r) for r in result]
            if rows:
                yield document_id, rows

    def units(self, document_id: int, kinds: Sequence[str]) -> list[UnitTuple]:
        """The units of a document of these ``kinds`` or naming a speaker or a time, as
        (kind, start, end, speaker, timestamp) in the order of :meth:`units`."""
        sql = self._sql["units"].replace("{kinds}", ", ".join([self._mark] * len(kinds)))
        return self._all(sql, (document_id, *kinds))

    def grain(self, document_id: int, kind: str) -> list[tuple[int, int, int]]:
        """(id, start, end) of a document's units of one kind, in the order of
        :meth:`units`: what :meth:`Streams.spans_by_document` gives with its codings."""
        return self._all(self._sql["grain"], (document_id, kind))

    def unit_cases(self, document_id: int) -> list[UnitCaseTuple]:
        """(unit id, start, end, position, case id) of each link of a unit of a document
        to a case, in the order the links were made (a unit linked twice: the last
        wins, as in :meth:`unit_cases`)."""
        return self._all(self._sql["cases"], (document_id,))

    def text(self, document_id: int) -> str:
        """A document's text."""
        rows = self._all(self._sql["text"], (document_id,))
        if not rows:
            raise NotFound(f"no document with id {document_id}")
        return str(rows[0][0])

    def spans(
        self, document_id: int, coders: Iterable[str] | None = None
    ) -> list[tuple[int, int, int]]:
        """(code id, start, end) of a document's codings (by ``coders``), by start."""
        params: list[object] = [document_id]
        where = ""
        if coders is not None:
            wanted = set(coders)
            ids = [i for i, n in self.coder_names.items() if n in wanted]
            if not ids:
                return []
            where = f" AND coder_id IN ({', '.join([self._mark] * len(ids))})"
            params.extend(ids)
        sql = (
            'SELECT code_id, start, "end" FROM codings '
            f"WHERE document_id = {self._mark}{where} ORDER BY start"
        )
        return self._all(sql, params)

    def close(self) -> None:
        self._cursor.close()


def _plain_rows(result: Any) -> Iterator[Any]:
    """The rows of a result of integer columns as the driver gives them (tuples): a
    million rows wrapped one by one cost seconds, and integers need no conversion."""
    cursor = result.cursor
    try:
        while rows := cursor.fetchmany(_FETCH * 10):
            yield from rows
    finally:
        result.close()
