"""Documents and their units: the texts of a project and what spaCy and the
readers found in them. Adding a document writes its cases in the same
transaction, so this aggregate builds on :class:`codage.store.cases.Cases`."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, delete, func, insert, literal, select
from sqlalchemy.orm import Session

from codage.domain import (
    Document,
    DocumentInfo,
    NewDocument,
    Unit,
    text_sha256,
    word_count,
)
from codage.store import journal as _journal
from codage.store.base import Conflict
from codage.store.cases import Cases
from codage.store.journal import Journal as _Journal
from codage.store.journal import now as _now
from codage.store.journal import row_dict as _row_dict
from codage.store.lean_sqlite import SQLiteLeanWrites
from codage.store.schema import (
    CaseLinkRow,
    CaseRow,
    CodingAsideRow,
    CodingRow,
    DocumentRow,
    MemoRow,
    UnitRow,
)
from codage.store.search_index import SearchIndex

# Units written per statement when a document is added.
_UNIT_SLICE = 5_000
_UNIT_INSERT = insert(cast(Table, UnitRow.__table__))
_UNIT_KEYS = ("document_id", "kind", "position", "start", "end", "speaker", "timestamp", "lemmas")
_UNIT_SQL = (
    'INSERT INTO units (document_id, kind, position, start, "end", speaker, timestamp, lemmas) '
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


@dataclass(frozen=True, slots=True)
class TextReplacement:
    """What a corrected text does to a document, decided by the re-anchoring.

    ``moves`` gives each coding that stays its new span; ``aside`` each coding
    whose passage is gone the reason it is kept aside; every coding of the
    document is in one or the other. ``unit_links`` carries the case link of an
    old unit (by id) onto a new unit (by index in ``units``), or None when its
    unit did not survive and the link goes.
    """

    text: str
    units: Sequence[Unit]
    moves: Mapping[int, tuple[int, int]]
    aside: Mapping[int, str]
    unit_links: Mapping[int, int | None]
    expected_sha256: str


# The text columns of a document that a replacement changes (and undo puts back).
_TEXT_COLUMNS = ("text", "sha256", "length", "words")


class Documents(Cases, SQLiteLeanWrites, SearchIndex):
    """Documents and units of a project."""

    _INFO_COLUMNS = (
        DocumentRow.id,
        DocumentRow.name,
        DocumentRow.kind,
        DocumentRow.sha256,
        DocumentRow.length,
        DocumentRow.words,
        DocumentRow.source_path,
        DocumentRow.imported_at,
        DocumentRow.meta,
    )

    def _document_cases(self, s: Session) -> dict[int, str]:
        rows = s.execute(
            select(CaseLinkRow.document_id, CaseRow.name)
            .join(CaseRow, CaseRow.id == CaseLinkRow.case_id)
            .where(CaseLinkRow.unit_id.is_(None))
            .order_by(CaseLinkRow.id)
        )
        out: dict[int, str] = {}
        for doc_id, name in rows:
            out.setdefault(doc_id, name)
        return out

    @staticmethod
    def _info(row: Any, case: str | None) -> DocumentInfo:
        return DocumentInfo(
            id=row.id,
            name=row.name,
            kind=row.kind,
            sha256=row.sha256,
            length=row.length,
            words=row.words,
            source_path=row.source_path,
            imported_at=row.imported_at,
            metadata=dict(row.meta or {}),
            case=case,
        )

    def documents(self) -> list[DocumentInfo]:
        """Every document, without its text, by name."""
        with self._read() as s:
            cases = self._document_cases(s)
            rows = s.execute(select(*self._INFO_COLUMNS).order_by(DocumentRow.name))
            return [self._info(r, cases.get(r.id)) for r in rows]

    def document(self, ref: int | str) -> Document:
        """A document with its text, by id or exact name."""
        with self._read() as s:
            row = self._document_row(s, ref)
            # the text the interface shows is the one its codings are cut from: kept (not
            # copied) for them, see lean_sqlite
            self._sqlite_remember(row.id, row.sha256, row.name, row.length, row.text)
            return Document(
                id=row.id,
                name=row.name,
                kind=row.kind,
                text=row.text,
                sha256=row.sha256,
                source_path=row.source_path,
                imported_at=row.imported_at,
                metadata=dict(row.meta or {}),
            )

    def document_info(self, ref: int | str) -> DocumentInfo:
        with self._read() as s:
            row = self._document_row(s, ref)
            return self._info(row, self._document_cases(s).get(row.id))

    def document_by_sha(self, sha256: str) -> DocumentInfo | None:
        with self._read() as s:
            row = s.execute(
                select(*self._INFO_COLUMNS).where(DocumentRow.sha256 == sha256).limit(1)
            ).first()
            return None if row is None else self._info(row, self._document_cases(s).get(row.id))

    def add_document(
        self, doc: NewDocument, units: Iterable[tuple[Unit, str | None]] | None = None
    ) -> DocumentInfo:
        """Store a document with its units and cases, in one transaction.

        ``units``, when given, replaces ``doc.units`` and ``doc.unit_cases``: the
        units in their final order, each with the case of the respondent it
        belongs to (or None), consumed as they come. An import hands them over
        while the language model is still reading the rest of the document, so
        that a 50 MB transcript is never held whole as units in memory; a unit
        that lies outside the text fails the whole document.
        """
        text = doc.text
        if not text.strip():
            raise Conflict(f"{doc.name}: the document has no text")
        if units is None:
            units = ((u, doc.unit_cases.get(i)) for i, u in enumerate(doc.units))
        with self._tx() as s:
            if s.scalar(select(DocumentRow.id).where(DocumentRow.name == doc.name)) is not None:
                raise Conflict(f"{doc.name}: a document of that name is already in the project")
            row = DocumentRow(
                name=doc.name,
                kind=doc.kind,
                text=text,
                sha256=text_sha256(text),
                length=len(text),
                words=word_count(text),
                source_path=doc.source_path,
                imported_at=_now(),
                meta=dict(doc.metadata),
            )
            s.add(row)
            s.flush()
            # In slices: a 50 MB transcript has hundreds of thousands of units, and
            # their parameters built all at once doubled the import's peak memory.
            unit_cases: dict[int, str] = {}
            # the sentences as written, for the search index: built from them here rather
            # than from the rows read back (start, -end, position: the index's order)
            sentences: list[tuple[int, int, int, str | None]] = []
            numbered = enumerate(units)
            connection = s.connection()
            plain = connection.dialect.name == "sqlite"
            while piece := list(itertools.islice(numbered, _UNIT_SLICE)):
                values = []
                for i, (u, case) in piece:
                    if not (0 <= u.start <= u.end <= len(text)):
                        raise Conflict(
                            f"{doc.name}: unit [{u.start}, {u.end}) lies outside the text"
                        )
                    if case is not None:
                        unit_cases[i] = case
                    if u.kind == "sentence":
                        sentences.append((u.start, -u.end, i, u.lemmas))
                    values.append(
                        (row.id, u.kind, i, u.start, u.end, u.speaker, u.timestamp, u.lemmas)
                    )
                if plain:
                    # plain tuples straight to SQLite's driver: SQLAlchemy's processing of
                    # each unit's parameters cost more than SQLite's writing the unit
                    connection.exec_driver_sql(_UNIT_SQL, values)
                else:
                    # Core, not the ORM's bulk insert: that one leaves out the None values
                    # and starts a new statement each time the set of columns changes,
                    # which a turn (no lemmas) followed by its sentences did at every unit.
                    s.execute(_UNIT_INSERT, [dict(zip(_UNIT_KEYS, v, strict=True)) for v in values])
            if self.has_search_index:
                sentences.sort()
                self._index_document(
                    s,
                    row.id,
                    text,
                    new=True,
                    sha=row.sha256,
                    sentences=[(a, -b, lemmas) for a, b, _, lemmas in sentences],
                )
            self._set_cases(s, doc.cases)
            if doc.case:
                self._link_case(s, doc.case, row.id, None)
            if unit_cases:
                positions = dict(
                    s.execute(
                        select(UnitRow.position, UnitRow.id).where(UnitRow.document_id == row.id)
                    ).all()
                )
                case_ids = self._case_ids(s, set(unit_cases.values()))
                s.execute(
                    insert(CaseLinkRow),
                    [
                        {"case_id": case_ids[name], "document_id": row.id, "unit_id": positions[i]}
                        for i, name in unit_cases.items()
                    ],
                )
            return self._info(row, doc.case)

    def rename_document(self, ref: int | str, new_name: str) -> None:
        with self._tx() as s:
            row = self._document_row(s, ref)
            if s.scalar(select(DocumentRow.id).where(DocumentRow.name == new_name)) is not None:
                raise Conflict(f"{new_name}: a document of that name is already in the project")
            row.name = new_name

    def delete_document(self, ref: int | str) -> int:
        """Delete a document with its units, codings and links; returns codings removed."""
        with self._tx() as s:
            row = self._document_row(s, ref)
            count = s.scalar(select(func.count()).where(CodingRow.document_id == row.id)) or 0
            s.execute(delete(CaseLinkRow).where(CaseLinkRow.document_id == row.id))
            s.execute(delete(CodingRow).where(CodingRow.document_id == row.id))
            s.execute(delete(UnitRow).where(UnitRow.document_id == row.id))
            s.delete(row)
            return count

    def units(
        self, document_id: int, kinds: Iterable[str] | None = None, *, with_lemmas: bool = False
    ) -> list[Unit]:
        """The units of a document in text order (longer units first at equal starts)."""
        columns = [
            UnitRow.kind,
            UnitRow.start,
            UnitRow.end,
            UnitRow.speaker,
            UnitRow.timestamp,
            UnitRow.lemmas if with_lemmas else literal(None).label("lemmas"),
            UnitRow.id,
            UnitRow.document_id,
            UnitRow.position,
        ]
        # Plain rows, not ORM objects: a 10 MB transcript has over 100,000 units and
        # the interface waits for them before it can paint.
        query = select(*columns).where(UnitRow.document_id == document_id)
        if kinds is not None:
            query = query.where(UnitRow.kind.in_(list(kinds)))
        query = query.order_by(UnitRow.start, UnitRow.end.desc(), UnitRow.position)
        with self._read() as s:
            rows: Iterable[Any] = s.execute(query)
            return [Unit(*row) for row in rows]

    # Opening a 10 MB transcript in the interface waits for its 126,000 units, of which
    # some 87,000 are sentences the view only needs as bounds to select by. Building a
    # frozen ``Unit`` for each cost about a third of a second; these come back as arrays.

    def units_and_bounds(
        self,
        document_id: int,
        bounds_only: Iterable[str] = ("sentence",),
        *,
        with_bounds: bool = True,
    ) -> tuple[list[Unit], dict[str, tuple[list[int], list[int]]]]:
        """The units of a document as :meth:`units` gives them, except those of the kinds
        in ``bounds_only``, which come as ``{kind: (starts, ends)}`` in the same order.

        Without ``with_bounds`` those kinds are left out and the mapping is empty: the
        interface reads them with :meth:`document_unit_bounds` once the document shows."""
        lean = sorted(set(bounds_only))
        order = 'ORDER BY start, "end" DESC, position'
        with self._read() as s:
            conn = s.connection()
            # The driver's own cursor: a 10 MB transcript's 126,000 units in a third of
            # the time that SQLAlchemy's rows of every column took, and the interface
            # waits for them.
            mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
            leave_out = f"AND kind NOT IN ({', '.join([mark] * len(lean))})" if lean else ""
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            try:
                cursor.execute(
                    'SELECT kind, start, "end", speaker, timestamp, id, position FROM units '
                    f"WHERE document_id = {mark} {leave_out} {order}",
                    (document_id, *lean),
                )
                rows = cursor.fetchall()
            finally:
                cursor.close()
        units = [
            Unit(kind, start, end, speaker, timestamp, None, unit_id, document_id, position)
            for kind, start, end, speaker, timestamp, unit_id, position in rows
        ]
        return units, self.document_unit_bounds(document_id, lean) if with_bounds else {}

    def document_unit_bounds(
        self, document_id: int, kinds: Iterable[str] = ("sentence",)
    ) -> dict[str, tuple[list[int], list[int]]]:
        """The units of ``kinds`` of a document as ``{kind: (starts, ends)}``, in the
        order of :meth:`units`; kinds the document has none of are left out."""
        bounds: dict[str, tuple[list[int], list[int]]] = {}
        order = 'ORDER BY start, "end" DESC, position'
        with self._read() as s:
            conn = s.connection()
            mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            try:
                for kind in sorted(set(kinds)):
                    # two integers a unit, no object: sentences are most of the units
                    cursor.execute(
                        'SELECT start, "end" FROM units '
                        f"WHERE document_id = {mark} AND kind = {mark} {order}",
                        (document_id, kind),
                    )
                    spans = cursor.fetchall()
                    if spans:
                        bounds[kind] = ([a for a, _ in spans], [b for _, b in spans])
            finally:
                cursor.close()
        return bounds

    def unit_counts(self, document_id: int | None = None) -> dict[int, dict[str, int]]:
        """Units by kind, per document."""
        with self._read() as s:
            query = select(UnitRow.document_id, UnitRow.kind, func.count()).group_by(
                UnitRow.document_id, UnitRow.kind
            )
            if document_id is not None:
                query = query.where(UnitRow.document_id == document_id)
            out: dict[int, dict[str, int]] = defaultdict(dict)
            for doc_id, kind, count in s.execute(query):
                out[doc_id][kind] = count
            return dict(out)

    def speakers(self, document_id: int | None = None) -> dict[int, list[str]]:
        """Speakers per document in order of first appearance."""
        with self._read() as s:
            query = (
                select(UnitRow.document_id, UnitRow.speaker, func.min(UnitRow.start))
                .where(UnitRow.speaker.is_not(None))
                .group_by(UnitRow.document_id, UnitRow.speaker)
                .order_by(UnitRow.document_id, func.min(UnitRow.start))
            )
            if document_id is not None:
                query = query.where(UnitRow.document_id == document_id)
            out: dict[int, list[str]] = defaultdict(list)
            for doc_id, speaker, _ in s.execute(query):
                if speaker is not None:  # never, by the query; said for the type checker
                    out[doc_id].append(speaker)
            return dict(out)

    def replace_document_text(
        self, ref: int | str, change: TextReplacement, *, coder: str, details: dict[str, Any]
    ) -> None:
        """Give a document a corrected text, in one transaction and one journal entry.

        Its units are replaced, the case links of its units follow them (or go,
        where their unit is gone), every coding of the document, whoever made it,
        moves to its new span or is kept aside: none is dropped. The entry is
        ``coder``'s, so that their undo restores the old text, units, links and
        codings exactly. Raises Conflict when the document changed since the
        replacement was planned (another text, another set of codings).
        """
        # every coder's codings move: on a team project the owner's decision (the
        # server would refuse a coder's role the other layers' rows anyway)
        self._owner_only("correct a document's text (it moves every coder's codings)")
        journal = _Journal()
        journal.details = dict(details)
        with self._tx() as s:
            doc = self._document_row(s, ref)
            if doc.sha256 != change.expected_sha256:
                raise Conflict(f"{doc.name}: its text changed meanwhile; plan the correction again")
            codings = {
                r.id: r for r in s.scalars(select(CodingRow).where(CodingRow.document_id == doc.id))
            }
            planned = set(change.moves) | set(change.aside)
            if planned != set(codings) or set(change.moves) & set(change.aside):
                raise Conflict(
                    f"{doc.name}: its codings changed meanwhile; plan the correction again"
                )
            text = change.text
            for u in change.units:
                if not (0 <= u.start <= u.end <= len(text)):
                    raise Conflict(f"{doc.name}: unit [{u.start}, {u.end}) lies outside the text")
            for start, end in change.moves.values():
                if not (0 <= start < end <= len(text)):
                    raise Conflict(f"{doc.name}: span [{start}, {end}) lies outside the new text")
            before = {k: getattr(doc, k) for k in _TEXT_COLUMNS}
            doc.text, doc.sha256 = text, text_sha256(text)
            doc.length, doc.words = len(text), word_count(text)
            s.flush()
            after = {k: getattr(doc, k) for k in _TEXT_COLUMNS}
            journal.updated("documents", doc.id, before, after)
            # New units first: their ids then all lie above the old ones, never reusing them.
            old_units = list(s.scalars(select(UnitRow).where(UnitRow.document_id == doc.id)))
            new_rows = [
                UnitRow(
                    document_id=doc.id,
                    kind=u.kind,
                    position=i,
                    start=u.start,
                    end=u.end,
                    speaker=u.speaker,
                    timestamp=u.timestamp,
                    lemmas=u.lemmas,
                )
                for i, u in enumerate(change.units)
            ]
            s.add_all(new_rows)
            s.flush()
            for row in new_rows:
                journal.inserted("units", _row_dict(row))
            self._carry_unit_links(s, doc.id, change.unit_links, new_rows, journal)
            for row in old_units:
                journal.deleted("units", _row_dict(row))
                s.delete(row)
            s.flush()
            if self.has_search_index:
                self._index_document(s, doc.id, text)
            self._set_codings_aside(s, doc, codings, change.aside, journal)
            self._move_codings(s, codings, change.moves, text, journal)
            self._record(
                s,
                coder,
                "replace_text",
                f"corrected the text of {doc.name}, moving every coder's codings with it",
                journal,
            )
            s.flush()

    def _carry_unit_links(
        self,
        s: Session,
        document_id: int,
        unit_links: Mapping[int, int | None],
        new_rows: list[UnitRow],
        journal: _Journal,
    ) -> None:
        links = s.scalars(
            select(CaseLinkRow).where(
                CaseLinkRow.document_id == document_id, CaseLinkRow.unit_id.is_not(None)
            )
        )
        for link in list(links):
            before = _row_dict(link)
            target = unit_links.get(link.unit_id or 0)
            if target is None:
                journal.deleted("case_links", before)
                s.delete(link)
            else:
                link.unit_id = new_rows[target].id
                s.flush()
                journal.updated("case_links", link.id, before, _row_dict(link))
        s.flush()

    def _set_codings_aside(
        self,
        s: Session,
        doc: DocumentRow,
        codings: dict[int, CodingRow],
        aside: Mapping[int, str],
        journal: _Journal,
    ) -> None:
        paths: dict[int, str] = {}
        for coding_id, reason in aside.items():
            row = codings[coding_id]
            # Memos on the coding travel with it, folded into the memo it is kept aside with.
            notes = [row.memo] if row.memo else []
            for memo in s.scalars(
                select(MemoRow).where(MemoRow.target == "coding", MemoRow.target_id == row.id)
            ):
                notes.append(memo.text)
                journal.deleted("memos", _row_dict(memo))
                s.delete(memo)
            if row.code_id not in paths:
                paths[row.code_id] = _journal.code_path(s, row.code_id)
            journal.deleted("codings", _row_dict(row))
            s.delete(row)
            s.flush()
            kept = CodingAsideRow(
                document_id=doc.id,
                document_name=doc.name,
                code_id=row.code_id,
                code_path=paths[row.code_id],
                coder_id=row.coder_id,
                start=row.start,
                end=row.end,
                text=row.text,
                memo="\n\n".join(notes) or None,
                source="corrected text",
                reason=reason,
                created_at=_now(),
            )
            s.add(kept)
            s.flush()
            journal.inserted("codings_aside", _row_dict(kept))

    @staticmethod
    def _move_codings(
        s: Session,
        codings: dict[int, CodingRow],
        moves: Mapping[int, tuple[int, int]],
        text: str,
        journal: _Journal,
    ) -> None:
        # A coder may code neighbouring passages with one code: moved one by one,
        # a coding could land on the span its neighbour has not left yet. Each
        # coding moves once its place is free (so the journal's replay, forwards
        # or backwards, never meets a duplicate either); a ring of codings that
        # wait on each other is broken by parking one on an empty span first.
        pending = {cid: span for cid, span in moves.items()}
        taken = {
            (r.code_id, r.coder_id, r.start, r.end): cid
            for cid, r in codings.items()
            if cid in moves
        }
        when = _now()

        def move(row: CodingRow, start: int, end: int, final: bool) -> None:
            before = _row_dict(row)
            del taken[(row.code_id, row.coder_id, row.start, row.end)]
            row.start, row.end = start, end
            if final:
                row.text = text[start:end]
            if _row_dict(row) != before:
                row.updated_at = when
            s.flush()
            journal.updated("codings", row.id, before, _row_dict(row))
            taken[(row.code_id, row.coder_id, start, end)] = row.id

        while pending:
            progress = False
            for cid, (start, end) in list(pending.items()):
                row = codings[cid]
                holder = taken.get((row.code_id, row.coder_id, start, end))
                if holder is None or holder == cid:
                    move(row, start, end, True)
                    del pending[cid]
                    progress = True
            if not progress:
                cid = next(iter(pending))
                move(codings[cid], -cid, -cid, False)
