"""The journal: row-level operations of each change, replayed backwards to undo
and forwards to redo, in the history of the person who ran the change.

An entry names rows by id; ids are never handed out twice (AUTOINCREMENT on
SQLite, sequences elsewhere), so a row an undo puts back finds its id free
unless that very row came back by another way, which is a real conflict.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, delete, func, insert, literal, select, update
from sqlalchemy.orm import Session

from codage.domain import Coding, JournalEntry
from codage.store.errors import UndoConflict
from codage.store.schema import (
    CaseLinkRow,
    CodeRow,
    CoderRow,
    CodingAsideRow,
    CodingRow,
    DocumentRow,
    JournalCodingRow,
    JournalRow,
    MemoRow,
    PseudonymRow,
    UnitRow,
)

# Tables whose changes the journal can replay.
JOURNALED: dict[str, Table] = {
    "codes": CodeRow.__table__,  # type: ignore[dict-item]
    "codings": CodingRow.__table__,  # type: ignore[dict-item]
    "memos": MemoRow.__table__,  # type: ignore[dict-item]
    "codings_aside": CodingAsideRow.__table__,  # type: ignore[dict-item]
    # A corrected text (replace_document_text): the document's text, its units and
    # the case links of its units change with its codings, in one entry.
    "documents": DocumentRow.__table__,  # type: ignore[dict-item]
    "units": UnitRow.__table__,  # type: ignore[dict-item]
    "case_links": CaseLinkRow.__table__,  # type: ignore[dict-item]
    "pseudonyms": PseudonymRow.__table__,  # type: ignore[dict-item]
}
_DATETIME_COLUMNS = {"created_at", "updated_at"}
# What a row is called in a conflict message.
_NOUNS = {
    "codes": "code",
    "codings": "coding",
    "memos": "memo",
    "codings_aside": "coding aside",
    "documents": "document",
    "units": "unit",
    "case_links": "case link",
    "pseudonyms": "pseudonym",
}
PASSAGE_WORDS = 5


def now() -> datetime:
    # Stored naive in UTC: SQLite keeps no zone, and both back ends must agree.
    return datetime.now(UTC).replace(tzinfo=None)


def encode(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()}


def decode(row: dict[str, Any]) -> dict[str, Any]:
    return {
        k: datetime.fromisoformat(v) if k in _DATETIME_COLUMNS and isinstance(v, str) else v
        for k, v in row.items()
    }


def row_dict(obj: Any) -> dict[str, Any]:
    return {c.key: getattr(obj, c.key) for c in obj.__table__.columns}


# A range of codings among an entry's operations: the codings with ids ``first`` to
# ``last`` (``count`` of them, all inserted by one bulk write), with the documents and
# coders they touch. The rows themselves are the record: in ``codings`` while the entry
# is in force, in ``journal_codings`` under the entry while it is undone. A merge of a
# million codings is one small operation instead of a million (380 MB of JSON).
RANGE = "insert_range"


@dataclass(frozen=True, slots=True)
class CodingRange:
    """Codings inserted by one bulk write with ids ``first`` to ``last`` (all of them,
    none other), created at ``stamp``, in ``documents`` by ``coders`` (ids; None: read
    from the rows): journaled as one operation (see :data:`RANGE`)."""

    first: int
    last: int
    stamp: datetime
    documents: frozenset[int] | None = None
    coders: frozenset[int] | None = None

    @property
    def count(self) -> int:
        return self.last - self.first + 1


class Journal:
    """Collects the row-level operations of one user action."""

    def __init__(self) -> None:
        self.ops: list[dict[str, Any]] = []
        # What the action itself knows that the rows do not say (a code's path, ...).
        self.details: dict[str, Any] = {}
        # Codings inserted in bulk, (place in ops, range): their operations are written
        # by the database from the rows themselves when the entry is recorded, so that
        # a merge of a million codings never holds a million operations in memory.
        self.ranges: list[tuple[int, CodingRange]] = []

    def inserted(self, table: str, row: dict[str, Any]) -> None:
        self.ops.append({"t": table, "op": "insert", "row": encode(row)})

    def deleted(self, table: str, row: dict[str, Any]) -> None:
        self.ops.append({"t": table, "op": "delete", "row": encode(row)})

    def updated(
        self, table: str, row_id: int, before: dict[str, Any], after: dict[str, Any]
    ) -> None:
        if before != after:
            self.ops.append(
                {
                    "t": table,
                    "op": "update",
                    "id": row_id,
                    "before": encode(before),
                    "after": encode(after),
                }
            )


def coding_row(
    document_id: int, code_id: int, coder_id: int, start: int, end: int, text: str,
    memo: str | None, at: datetime, *, row_id: int | None = None, suggested: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """The columns of a coding made by hand, as every write path stores it and journals
    it (with ``row_id``, the ``id`` first, as the journal's row holds it)."""
    row: dict[str, Any] = {} if row_id is None else {"id": row_id}
    row.update(
        document_id=document_id,
        code_id=code_id,
        coder_id=coder_id,
        start=start,
        end=end,
        text=text,
        memo=memo,
        created_at=at,
        updated_at=at,
        automatic=False,
        suggested=suggested,
    )
    return row


def made_coding(row: dict[str, Any], row_id: int, coder: str) -> Coding:
    """The coding a write path returns, from the row :func:`coding_row` gave it."""
    return Coding(id=row_id, coder=coder, **{k: row[k] for k in _MADE_FIELDS})


_MADE_FIELDS: tuple[str, ...] = ("document_id", "code_id", "start", "end", "text", "memo")
_MADE_FIELDS += ("created_at", "updated_at", "suggested")


def passage_head(text: str, words: int = PASSAGE_WORDS) -> str:
    """The first words of a passage, with an ellipsis when there are more."""
    split = text.split()
    head = " ".join(split[:words])
    if len(head) > 60:
        head = head[:59].rstrip()
        return head + "…"
    return head + ("…" if len(split) > words else "")


def code_path(
    s: Session, code_id: int | None, extra: dict[int, dict[str, Any]] | None = None
) -> str:
    """A code's path, its parents read from the table or (deleted codes) from ``extra``."""
    names: list[str] = []
    seen: set[int] = set()
    while code_id is not None and code_id not in seen:
        seen.add(code_id)
        row = (extra or {}).get(code_id)
        if row is None:
            found = s.execute(
                select(CodeRow.name, CodeRow.parent_id).where(CodeRow.id == code_id)
            ).first()
            if found is None:
                break
            name, parent = found
        else:
            name, parent = row["name"], row.get("parent_id")
        names.append(name)
        code_id = parent
    return "/".join(reversed(names))


def _coding_row(op: dict[str, Any]) -> dict[str, Any]:
    return op.get("row") or op.get("after") or {}


def describe(s: Session, ops: list[dict[str, Any]], given: dict[str, Any]) -> dict[str, Any]:
    """What it takes to tell a change in words, read from its operations.

    ``counts`` counts rows per table and operation; when the change touched one
    coding, ``document``, ``code``, ``passage`` and ``owner`` name it; when all
    its codings lie in one document, ``document`` names it.
    """
    counts = Counter(f"{op['t']}.{op['op']}" for op in ops)
    details: dict[str, Any] = {"counts": dict(sorted(counts.items()))}
    codings = [op for op in ops if op["t"] == "codings"]
    deleted_codes = {
        op["row"]["id"]: op["row"] for op in ops if op["t"] == "codes" and op["op"] == "delete"
    }
    documents = {_coding_row(op).get("document_id") for op in codings}
    if len(documents) == 1 and "document" not in given:
        (doc_id,) = documents
        name = s.scalar(select(DocumentRow.name).where(DocumentRow.id == doc_id))
        if name is not None:
            details["document"] = name
    if len(codings) == 1:
        row = _coding_row(codings[0])
        if "code" not in given:
            details["code"] = code_path(s, row.get("code_id"), deleted_codes)
        details["passage"] = passage_head(row.get("text") or "")
        details["span"] = [row.get("start"), row.get("end")]
        owner = given.get("owner") or s.scalar(
            select(CoderRow.name).where(CoderRow.id == row.get("coder_id"))
        )
        if owner is not None:
            details["owner"] = owner
    details.update(given)
    return details


def touched_coders(ops: list[dict[str, Any]]) -> list[int]:
    """The ids of the coders whose codings (or codings kept aside) the operations change."""
    found: set[int] = set()
    for op in ops:
        if op["op"] == RANGE:
            found.update(int(i) for i in op["coders"])
        elif op["t"] in ("codings", "codings_aside"):
            for key in ("row", "before", "after"):
                coder_id = (op.get(key) or {}).get("coder_id")
                if coder_id is not None:
                    found.add(int(coder_id))
    return sorted(found)


def in_lane(ops: list[dict[str, Any]], actor_id: int) -> bool:
    """Whether the operations touch only the actor's own codings: what an undo or a redo
    may replay beside other coders' writes (see engine.LANE)."""
    for op in ops:
        if op["t"] != "codings":
            return False
        if op["op"] == RANGE:
            if any(i != actor_id for i in op["coders"]):
                return False
            continue
        for key in ("row", "before", "after"):
            row = op.get(key)
            if row is not None and row.get("coder_id") != actor_id:
                return False
    return True


def touched_documents(ops: list[dict[str, Any]]) -> set[int]:
    """The ids of the documents whose codings (or codings kept aside) the operations change."""
    found: set[int] = set()
    for op in ops:
        if op["op"] == RANGE:
            found.update(int(i) for i in op["documents"])
        elif op["t"] in ("codings", "codings_aside"):
            for key in ("row", "before", "after"):
                document_id = (op.get(key) or {}).get("document_id")
                if document_id is not None:
                    found.add(int(document_id))
    return found


def record(
    s: Session, actor_id: int, action: str, summary: str, journal: Journal
) -> JournalRow | None:
    """Write one entry in the actor's history; nothing when nothing changed."""
    if not journal.ops and not journal.ranges:
        return None
    if journal.ranges:
        return _record_ranges(s, actor_id, action, summary, journal)
    # A new change makes the actor's undone changes unreachable by redo.
    s.execute(
        update(JournalRow)
        .where(JournalRow.actor_id == actor_id, JournalRow.state == "undone")
        .values(state="dropped")
    )
    row = JournalRow(
        actor_id=actor_id,
        at=now(),
        action=action,
        summary=summary,
        details=describe(s, journal.ops, journal.details),
        coders=touched_coders(journal.ops),
        ops=journal.ops,
        state="done",
    )
    s.add(row)
    return row


def apply_ops(
    s: Session, ops: list[dict[str, Any]], *, reverse: bool, entry_id: int | None = None
) -> None:
    """Replay operations forwards (redo) or backwards (undo); UndoConflict when a row
    is no longer as the operation left it. ``entry_id`` is the entry the operations
    are of: a range of codings (see :data:`RANGE`) is kept under it while undone."""
    sequence = reversed(ops) if reverse else ops
    for op in sequence:
        if op["op"] == RANGE:
            if entry_id is None:
                raise ValueError("a range of codings is replayed for its entry only")
            _apply_range(s, op, entry_id, reverse=reverse)
            s.flush()
            continue
        table = JOURNALED[op["t"]]
        noun = _NOUNS[op["t"]]
        kind = op["op"]
        if reverse:
            kind = {"insert": "delete", "delete": "insert", "update": "update"}[kind]
        if kind == "insert":
            row = decode(op["row"])
            if s.execute(select(table.c.id).where(table.c.id == row["id"])).first() is not None:
                raise UndoConflict(f"the {noun} {row['id']} was put back already")
            s.execute(insert(table).values(**row))
        elif kind == "delete":
            row = decode(op["row"])
            result = s.execute(delete(table).where(table.c.id == row["id"]))
            if result.rowcount != 1:  # type: ignore[attr-defined]
                raise UndoConflict(f"the {noun} {row['id']} was already removed")
        else:
            expected, wanted = (
                (op["after"], op["before"]) if reverse else (op["before"], op["after"])
            )
            current = s.execute(select(table).where(table.c.id == op["id"])).mappings().first()
            if current is None:
                raise UndoConflict(f"the {noun} {op['id']} no longer exists")
            if encode({k: current[k] for k in expected}) != expected:
                raise UndoConflict(f"the {noun} {op['id']} was changed since")
            s.execute(update(table).where(table.c.id == op["id"]).values(**decode(wanted)))
        s.flush()


def last_done(s: Session, actor_id: int) -> JournalRow | None:
    return s.scalar(
        select(JournalRow)
        .where(JournalRow.actor_id == actor_id, JournalRow.state == "done")
        .order_by(JournalRow.id.desc())
        .limit(1)
    )


def last_undone(s: Session, actor_id: int) -> JournalRow | None:
    return s.scalar(
        select(JournalRow)
        .where(JournalRow.actor_id == actor_id, JournalRow.state == "undone")
        .order_by(JournalRow.undo_seq.desc())
        .limit(1)
    )


def mark_undone(s: Session, row: JournalRow) -> None:
    # Only the order of one actor's undone entries matters (redo takes their latest):
    # asked of that actor's few undone entries through the (actor, state) index,
    # rather than of the whole journal, which each undo used to scan.
    top = (
        s.scalar(
            select(func.max(JournalRow.undo_seq)).where(
                JournalRow.actor_id == row.actor_id, JournalRow.state == "undone"
            )
        )
        or 0
    )
    row.state, row.undo_seq = "undone", top + 1


def entry(row: JournalRow, names: dict[int, str]) -> JournalEntry:
    """A journal row as the domain sees it, coders by name."""
    return JournalEntry(
        id=row.id,
        coder=names.get(row.actor_id, str(row.actor_id)),
        at=row.at,
        action=row.action,
        summary=row.summary,
        undone=row.state != "done",
        coders=tuple(names.get(i, str(i)) for i in row.coders or ()),
        details=row.details,
        state=row.state,
    )


def coder_names(s: Session) -> dict[int, str]:
    return dict(s.execute(select(CoderRow.id, CoderRow.name)).all())


# The columns a coding is kept and put back with, as they are.
_KEPT_COLUMNS = (
    "id", "document_id", "code_id", "coder_id", "start", "end", "text", "memo",
    "created_at", "updated_at", "automatic", "suggested",
)  # fmt: skip


def range_op(first: int, last: int, documents: set[int], coders: set[int]) -> dict[str, Any]:
    """The operation of codings ``first`` to ``last`` inserted by one bulk write."""
    return {
        "t": "codings",
        "op": RANGE,
        "first": first,
        "last": last,
        "count": last - first + 1,
        "documents": sorted(documents),
        "coders": sorted(coders),
    }


def _highest_missing(s: Session, first: int, last: int) -> int:
    """The highest id from ``first`` to ``last`` that is not a coding (one is missing):
    the row an undo of each coding in turn, from the last, meets first."""
    expected = last
    codings = cast(Table, CodingRow.__table__)
    for (found,) in s.execute(
        select(codings.c.id).where(codings.c.id.between(first, last)).order_by(codings.c.id.desc())
    ):
        if found != expected:
            break
        expected -= 1
    return expected


def _forget_dropped(s: Session) -> None:
    """Codings kept for entries no redo can reach any more (undone, then superseded
    by a new change) are of no use: cleared when a range is next undone."""
    kept = cast(Table, JournalCodingRow.__table__)
    dropped = list(
        s.scalars(
            select(JournalRow.id).where(
                JournalRow.state == "dropped",
                select(kept.c.entry_id).where(kept.c.entry_id == JournalRow.id).exists(),
            )
        )
    )
    if dropped:
        s.execute(delete(kept).where(kept.c.entry_id.in_(dropped)))


def _apply_range(s: Session, op: dict[str, Any], entry_id: int, *, reverse: bool) -> None:
    """Undo (``reverse``) or redo a range of codings: each coding of it leaves the
    project for the entry's keeping, or comes back from it, as the operations of one
    insert each would (the same conflicts, named by the same row), in a few statements."""
    first, last, count = int(op["first"]), int(op["last"]), int(op["count"])
    codings = cast(Table, CodingRow.__table__)
    kept = cast(Table, JournalCodingRow.__table__)
    in_codings = codings.c.id.between(first, last)
    in_kept = (kept.c.entry_id == entry_id) & kept.c.id.between(first, last)
    if reverse:
        present = s.scalar(select(func.count()).select_from(codings).where(in_codings))
        if present != count:
            missing = _highest_missing(s, first, last)
            raise UndoConflict(f"the coding {missing} was already removed")
        _forget_dropped(s)
        s.execute(delete(kept).where(in_kept))
        s.execute(
            insert(kept).from_select(
                ["entry_id", *_KEPT_COLUMNS],
                select(literal(entry_id), *(codings.c[k] for k in _KEPT_COLUMNS)).where(in_codings),
            )
        )
        s.execute(delete(codings).where(in_codings))
        return
    back = s.scalar(select(func.min(codings.c.id)).where(in_codings))
    if back is not None:
        raise UndoConflict(f"the coding {back} was put back already")
    there = s.scalar(select(func.count()).select_from(kept).where(in_kept))
    if there != count:
        raise UndoConflict(f"the codings {first} to {last} are no longer kept to put back")
    s.execute(
        insert(codings).from_select(
            list(_KEPT_COLUMNS),
            select(*(kept.c[k] for k in _KEPT_COLUMNS)).where(in_kept).order_by(kept.c.id),
        )
    )
    s.execute(delete(kept).where(in_kept))


def _expand(s: Session, part: CodingRange) -> list[dict[str, Any]]:
    """A range's operations read back as Python values (a handful of rows)."""
    stamp = part.stamp.isoformat()
    rows = s.execute(
        select(CodingRow.__table__).where(CodingRow.id.between(part.first, part.last))
    ).mappings()
    keys = ("document_id", "code_id", "coder_id", "start", "end", "text", "memo")
    return [
        {
            "t": "codings",
            "op": "insert",
            "row": {
                **{k: r[k] for k in keys},
                "automatic": bool(r["automatic"]),
                "suggested": bool(r["suggested"]),
                "id": r["id"],
                "created_at": stamp,
                "updated_at": stamp,
            },
        }
        for r in rows
    ]


def _range_of(s: Session, part: CodingRange) -> dict[str, Any]:
    """The operation of a range, its documents and coders as the writer knew them or,
    when it did not say, read from the rows."""
    documents, coders = part.documents, part.coders
    if documents is None or coders is None:
        in_range = CodingRow.id.between(part.first, part.last)
        documents = frozenset(s.scalars(select(CodingRow.document_id).where(in_range).distinct()))
        coders = frozenset(s.scalars(select(CodingRow.coder_id).where(in_range).distinct()))
    return range_op(part.first, part.last, set(documents), set(coders))


def _record_ranges(
    s: Session, actor_id: int, action: str, summary: str, journal: Journal
) -> JournalRow | None:
    """:func:`record` for an entry with codings inserted in bulk: the plain operations
    as they are and each range as one operation (see :data:`RANGE`), so that the entry
    stays small whatever the number of codings; its details and coders are those the
    operations one by one would give."""
    small = sum(part.count for _, part in journal.ranges) <= 1
    if small:
        # one coding: the entry tells its passage, as for any single coding
        ops: list[dict[str, Any]] = []
        done = 0
        for at, part in journal.ranges:
            ops.extend(journal.ops[done:at])
            ops.extend(_expand(s, part))
            done = at
        ops.extend(journal.ops[done:])
        flat = Journal()
        flat.ops, flat.details = ops, journal.details
        return record(s, actor_id, action, summary, flat)
    s.execute(
        update(JournalRow)
        .where(JournalRow.actor_id == actor_id, JournalRow.state == "undone")
        .values(state="dropped")
    )
    ops = []
    done = 0
    for at, part in journal.ranges:
        ops.extend(journal.ops[done:at])
        ops.append(_range_of(s, part))
        done = at
    ops.extend(journal.ops[done:])
    counts = Counter(f"{op['t']}.{op['op']}" for op in journal.ops)
    counts["codings.insert"] += sum(part.count for _, part in journal.ranges)
    details: dict[str, Any] = {"counts": dict(sorted(counts.items()))}
    documents: set[Any] = set()
    for op in ops:
        if op["op"] == RANGE:
            documents.update(op["documents"])
        elif op["t"] == "codings":
            documents.add(_coding_row(op).get("document_id"))
    if len(documents) == 1 and "document" not in journal.details:
        (doc_id,) = documents
        name = s.scalar(select(DocumentRow.name).where(DocumentRow.id == doc_id))
        if name is not None:
            details["document"] = name
    details.update(journal.details)
    row = JournalRow(
        actor_id=actor_id,
        at=now(),
        action=action,
        summary=summary,
        details=details,
        coders=touched_coders(ops),
        ops=ops,
        state="done",
    )
    s.add(row)
    return row
