"""The journal: row-level operations of each change, replayed backwards to undo
and forwards to redo, in the history of the person who ran the change.

An entry names rows by id; ids are never handed out twice (AUTOINCREMENT on
SQLite, sequences elsewhere), so a row an undo puts back finds its id free
unless that very row came back by another way, which is a real conflict.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from codage.domain import JournalEntry
from codage.store.errors import UndoConflict
from codage.store.schema import (
    CaseLinkRow,
    CodeRow,
    CoderRow,
    CodingAsideRow,
    CodingRow,
    DocumentRow,
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


@dataclass(frozen=True, slots=True)
class CodingRange:
    """Codings inserted by one bulk write with ids ``first`` to ``last`` (all of them,
    none other), created at ``stamp``: journaled as one insert operation each."""

    first: int
    last: int
    stamp: datetime

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
        if op["t"] in ("codings", "codings_aside"):
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
        for key in ("row", "before", "after"):
            row = op.get(key)
            if row is not None and row.get("coder_id") != actor_id:
                return False
    return True


def touched_documents(ops: list[dict[str, Any]]) -> set[int]:
    """The ids of the documents whose codings (or codings kept aside) the operations change."""
    found: set[int] = set()
    for op in ops:
        if op["t"] in ("codings", "codings_aside"):
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


def apply_ops(s: Session, ops: list[dict[str, Any]], *, reverse: bool) -> None:
    """Replay operations forwards (redo) or backwards (undo); UndoConflict when a row
    is no longer as the operation left it."""
    sequence = reversed(ops) if reverse else ops
    for op in sequence:
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


# One inserted coding as :meth:`Journal.inserted` encodes it (same keys, same values),
# built by SQLite from the row.
_CODING_OP_SQL = """json_object('t', 'codings', 'op', 'insert', 'row', json_object(
 'document_id', document_id, 'code_id', code_id, 'coder_id', coder_id, 'start', start,
 'end', "end", 'text', text, 'memo', memo,
 'automatic', json(CASE WHEN automatic THEN 'true' ELSE 'false' END),
 'suggested', json(CASE WHEN suggested THEN 'true' ELSE 'false' END),
 'id', id, 'created_at', :stamp{n}, 'updated_at', :stamp{n}))"""


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


def _record_ranges(
    s: Session, actor_id: int, action: str, summary: str, journal: Journal
) -> JournalRow | None:
    """:func:`record` for an entry with codings inserted in bulk (SQLite only): the
    same entry, its operations in the same order, written by one statement that reads
    the ranges' rows, and its details and coders counted by the database."""
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
    where = " OR ".join(f"id BETWEEN :first{n} AND :last{n}" for n in range(len(journal.ranges)))
    bounds: dict[str, Any] = {}
    for n, (_, part) in enumerate(journal.ranges):
        bounds |= {f"first{n}": part.first, f"last{n}": part.last}
    documents = set(
        s.scalars(text(f"SELECT DISTINCT document_id FROM codings WHERE {where}"), bounds)
    )
    coders = set(s.scalars(text(f"SELECT DISTINCT coder_id FROM codings WHERE {where}"), bounds))
    counts = Counter(f"{op['t']}.{op['op']}" for op in journal.ops)
    counts["codings.insert"] += sum(part.count for _, part in journal.ranges)
    details: dict[str, Any] = {"counts": dict(sorted(counts.items()))}
    for op in journal.ops:
        if op["t"] == "codings":
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
        coders=sorted(coders | set(touched_coders(journal.ops))),
        ops=[],
        state="done",
    )
    s.add(row)
    s.flush()
    # The operations in order: the plain ones between the ranges, and each range's
    # rows in id order (the order they were inserted in). UNION ALL keeps its parts'
    # order; json() hands each element over as JSON, not as a string. The array is
    # built in one buffer: joining its text with '[' and ']' would copy it once more
    # (a million codings make a 300 MB entry), for a little less processor time.
    parts: list[str] = []
    params: dict[str, Any] = {"entry": row.id, **bounds}
    done = 0
    for n, (at, part) in enumerate(journal.ranges):
        params[f"plain{n}"] = json.dumps(journal.ops[done:at])
        params[f"stamp{n}"] = part.stamp.isoformat()
        parts.append(f"SELECT value AS op FROM json_each(:plain{n})")
        parts.append(
            f"SELECT {_CODING_OP_SQL.format(n=n)} AS op FROM codings"
            f" WHERE id BETWEEN :first{n} AND :last{n}"
        )
        done = at
    params["tail"] = json.dumps(journal.ops[done:])
    parts.append("SELECT value AS op FROM json_each(:tail)")
    s.execute(
        text(
            "UPDATE journal SET ops = (SELECT json_group_array(json(op)) FROM ("
            + " UNION ALL ".join(parts)
            + ")) WHERE id = :entry"
        ),
        params,
    )
    # what the session holds of the entry is not what the database wrote
    s.expire(row, ["ops"])
    return row
