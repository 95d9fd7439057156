"""Codings kept aside by a merge (their span could not be placed in the target's
copy of the document) and the bulk import of codings from another project."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from codage import codebook
from codage.domain import (
    AsideCoding,
    Coding,
    CodingImport,
)
from codage.store.base import Conflict, NotFound
from codage.store.codings import Codings
from codage.store.journal import Journal as _Journal
from codage.store.journal import now as _now
from codage.store.journal import row_dict as _row_dict
from codage.store.schema import (
    CodeRow,
    CoderRow,
    CodingAsideRow,
    CodingRow,
    DocumentRow,
)


class Aside(Codings):
    """Codings kept aside and bulk coding import."""

    def _aside(self, row: CodingAsideRow, coder: str) -> AsideCoding:
        return AsideCoding(
            id=row.id,
            document_id=row.document_id,
            document_name=row.document_name,
            code_id=row.code_id,
            code_path=row.code_path,
            coder=coder,
            start=row.start,
            end=row.end,
            text=row.text,
            memo=row.memo,
            source=row.source,
            reason=row.reason,
            created_at=row.created_at,
        )

    def set_aside(
        self,
        *,
        document_name: str,
        code_id: int,
        coder: str,
        start: int,
        end: int,
        text: str,
        document_id: int | None = None,
        memo: str | None = None,
        source: str = "",
        reason: str = "",
        actor: str | None = None,
    ) -> AsideCoding:
        """Keep a coding that could not be placed, for a person to place later.

        ``coder`` owns the coding; ``actor`` (default: ``coder``) is who set it
        aside, in whose journal the change is recorded so that it can be undone.
        """
        journal = _Journal()
        with self._tx() as s:
            code = s.get(CodeRow, code_id)
            if code is None:
                raise NotFound(f"no code with id {code_id}")
            if document_id is not None and s.get(DocumentRow, document_id) is None:
                raise NotFound(f"no document with id {document_id}")
            rows = [_row_dict(r) for r in s.scalars(select(CodeRow))]
            path = next(c.path_str for c in codebook.tree_order(rows) if c.id == code_id)
            row = CodingAsideRow(
                document_id=document_id,
                document_name=document_name,
                code_id=code_id,
                code_path=path,
                coder_id=self._coder_id(s, coder),
                start=start,
                end=end,
                text=text,
                memo=memo,
                source=source,
                reason=reason,
                created_at=_now(),
            )
            s.add(row)
            s.flush()
            journal.inserted("codings_aside", _row_dict(row))
            self._record(
                s, actor or coder, "set_aside", f"set aside a coding of {document_name}", journal
            )
            return self._aside(row, coder.strip())

    def codings_aside(self, *, document_id: int | None = None) -> list[AsideCoding]:
        """Codings kept aside, by document name and position."""
        with self._read() as s:
            names = dict(s.execute(select(CoderRow.id, CoderRow.name)).all())
            query = select(CodingAsideRow).order_by(
                CodingAsideRow.document_name, CodingAsideRow.start, CodingAsideRow.id
            )
            if document_id is not None:
                query = query.where(CodingAsideRow.document_id == document_id)
            return [self._aside(r, names[r.coder_id]) for r in s.scalars(query)]

    def place_aside(self, aside_id: int, start: int, end: int, *, coder: str) -> Coding:
        """Turn a coding kept aside into a real coding of ``[start, end)``; journaled.

        The coding keeps the coder who made it; ``coder`` is who placed it (the
        journal entry is theirs, so their undo puts it back aside). A document
        or code deleted since is looked up again by name and path.
        """
        journal = _Journal()
        with self._tx() as s:
            aside = s.get(CodingAsideRow, aside_id)
            if aside is None:
                raise NotFound(f"no coding kept aside with id {aside_id}")
            doc_id = aside.document_id or s.scalar(
                select(DocumentRow.id).where(DocumentRow.name == aside.document_name)
            )
            if doc_id is None:
                raise NotFound(f"no document {aside.document_name!r} in this project")
            code_id = aside.code_id
            if code_id is None:
                wanted = codebook.parse_path(aside.code_path)
                rows = [_row_dict(r) for r in s.scalars(select(CodeRow))]
                found = [c.id for c in codebook.tree_order(rows) if c.path == wanted]
                if not found:
                    raise NotFound(f"no code {aside.code_path!r} in the codebook")
                code_id = found[0]
            doc = s.get(DocumentRow, doc_id)
            assert doc is not None
            if not (0 <= start < end <= doc.length):
                raise Conflict(
                    f"{doc.name}: span [{start}, {end}) is empty or outside the text "
                    f"(0..{doc.length})"
                )
            exists = s.scalar(
                select(CodingRow.id).where(
                    CodingRow.document_id == doc_id,
                    CodingRow.code_id == code_id,
                    CodingRow.coder_id == aside.coder_id,
                    CodingRow.start == start,
                    CodingRow.end == end,
                )
            )
            if exists is not None:
                raise Conflict(f"{doc.name}: this coder already coded [{start}, {end}) this way")
            now = _now()
            row = CodingRow(
                document_id=doc_id,
                code_id=code_id,
                coder_id=aside.coder_id,
                start=start,
                end=end,
                text=doc.text[start:end],
                memo=aside.memo,
                created_at=now,
                updated_at=now,
            )
            s.add(row)
            s.flush()
            journal.inserted("codings", _row_dict(row))
            journal.deleted("codings_aside", _row_dict(aside))
            s.delete(aside)
            s.flush()
            self._record(s, coder, "place_aside", f"place a coding of {doc.name}", journal)
            owner = s.scalar(select(CoderRow.name).where(CoderRow.id == row.coder_id)) or ""
            return self._coding(row, owner)

    def discard_aside(self, aside_id: int, *, coder: str | None = None) -> None:
        """Drop a coding kept aside; journaled (undoable) when ``coder`` is given."""
        journal = _Journal()
        with self._tx() as s:
            aside = s.get(CodingAsideRow, aside_id)
            if aside is None:
                raise NotFound(f"no coding kept aside with id {aside_id}")
            journal.deleted("codings_aside", _row_dict(aside))
            s.delete(aside)
            s.flush()
            if coder is not None:
                self._record(s, coder, "discard_aside", "discard a coding kept aside", journal)

    def import_codings(
        self, records: Sequence[CodingImport], *, actor: str | None = None
    ) -> list[int | None]:
        """Insert many codings at once (merge, consensus): one query per step, not per row.

        Each record names its own coder, so that codings keep their owners.
        The anchor text is taken from the document. Codings that already exist
        (same document, code, coder and span) or repeat within ``records`` are
        skipped: their place in the returned list of new ids is None. Inserted
        rows are journaled like :meth:`add_coding`, so inside a
        :meth:`batch` with a coder one undo removes them all; outside a batch
        the journal entry is ``actor``'s (default: the first record's coder).
        """
        if not records:
            return []
        journal = _Journal()
        with self._tx() as s:
            doc_ids = sorted({r.document_id for r in records})
            texts = dict(
                s.execute(
                    select(DocumentRow.id, DocumentRow.text).where(DocumentRow.id.in_(doc_ids))
                ).all()
            )
            code_ids = {r.code_id for r in records}
            known_codes = set(s.scalars(select(CodeRow.id).where(CodeRow.id.in_(code_ids))))
            coder_ids = {name: self._coder_id(s, name) for name in {r.coder for r in records}}
            existing = {
                tuple(r)
                for r in s.execute(
                    select(
                        CodingRow.document_id,
                        CodingRow.code_id,
                        CodingRow.coder_id,
                        CodingRow.start,
                        CodingRow.end,
                    ).where(CodingRow.document_id.in_(doc_ids))
                )
            }
            now = _now()
            rows: list[dict[str, Any]] = []
            slots: list[int] = []
            for i, r in enumerate(records):
                text = texts.get(r.document_id)
                if text is None:
                    raise NotFound(f"no document with id {r.document_id}")
                if r.code_id not in known_codes:
                    raise NotFound(f"no code with id {r.code_id}")
                if not (0 <= r.start < r.end <= len(text)):
                    raise Conflict(
                        f"span [{r.start}, {r.end}) is empty or outside document {r.document_id}"
                    )
                key = (r.document_id, r.code_id, coder_ids[r.coder], r.start, r.end)
                if key in existing:
                    continue
                existing.add(key)
                rows.append(
                    {
                        "document_id": r.document_id,
                        "code_id": r.code_id,
                        "coder_id": key[2],
                        "start": r.start,
                        "end": r.end,
                        "text": text[r.start : r.end],
                        "memo": r.memo,
                        "automatic": r.automatic,
                        "suggested": r.suggested,
                    }
                )
                slots.append(i)
            ids: list[int | None] = [None] * len(records)
            if rows:
                # A plain executemany, then one query for the new ids by their
                # unique key: INSERT ... RETURNING runs row by row on SQLite.
                self._insert_many(
                    s,
                    CodingRow.__table__,  # type: ignore[arg-type]
                    rows,
                    {"created_at": now, "updated_at": now},
                )
                created = {
                    (d, c, k, a, b): i
                    for i, d, c, k, a, b in s.execute(
                        select(
                            CodingRow.id,
                            CodingRow.document_id,
                            CodingRow.code_id,
                            CodingRow.coder_id,
                            CodingRow.start,
                            CodingRow.end,
                        ).where(
                            CodingRow.document_id.in_(doc_ids),
                            CodingRow.coder_id.in_(set(coder_ids.values())),
                            CodingRow.created_at == now,
                        )
                    )
                }
                stamp = now.isoformat()
                for slot, row in zip(slots, rows, strict=True):
                    new_id = created[
                        (
                            row["document_id"],
                            row["code_id"],
                            row["coder_id"],
                            row["start"],
                            row["end"],
                        )
                    ]
                    ids[slot] = new_id
                    # Encoded by hand: the journal's per-row encoding is most of the cost.
                    journal.ops.append(
                        {
                            "t": "codings",
                            "op": "insert",
                            "row": {**row, "id": new_id, "created_at": stamp, "updated_at": stamp},
                        }
                    )
            self._record(
                s,
                actor or records[0].coder,
                "import_codings",
                f"add {len(rows)} codings",
                journal,
            )
        return ids

    @staticmethod
    def _insert_many(
        s: Session, table: Table, rows: list[dict[str, Any]], same: dict[str, Any]
    ) -> None:
        """executemany straight to the driver: SQLAlchemy's per-row parameter
        processing (datetimes above all) costs seconds on tens of thousands of rows.
        ``same`` holds the values every row shares (timestamps), converted once."""
        connection = s.connection()
        dialect = connection.dialect
        if dialect.name == "sqlite":
            # The storage format of SQLAlchemy's SQLite DATETIME, so that the
            # rows read back and compare like any other.
            same = {
                k: v.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime) else v
                for k, v in same.items()
            }
        keys = [*rows[0], *same]
        compiled = insert(table).compile(dialect=dialect, column_keys=keys)
        params: list[Any]
        if compiled.positional:
            order = list(compiled.positiontup or keys)
            fixed = {k: same[k] for k in order if k in same}
            params = [tuple(fixed[k] if k in fixed else row[k] for k in order) for row in rows]
        else:
            params = [{**row, **same} for row in rows]
        connection.exec_driver_sql(str(compiled), params)
