"""The hot writes of coders working at once on a PostgreSQL server, in few round trips.

Adding a coding and undoing or redoing one's own step are what eight coders at
once repeat hundreds of times a second. Through the ORM each cost about nine
statements, each its own round trip, and 9 ms of client CPU: far above what two
cores shared by the server and the coders can give. Here they are a handful of
plain statements written once, sent through psycopg's pipeline mode:

- add a coding: (lock, read) then (insert the coding and write the journal, in
  one statement, and COMMIT): two round trips; one, (lock, write, COMMIT), when the
  process remembers the document and the code's path, which the write checks;
- undo or redo of one coding: (lock, read the entry) then (replay and mark the
  entry, in one statement that does neither when the coding is not where the step
  left it, and COMMIT): two round trips; of several codings, three, since the
  replay's row counts decide between COMMIT and ROLLBACK.

Every guarantee of the ordinary path holds: the writers' lock taken shared (a
write in the coder's own lane, see engine.LANE), the same checks and messages,
the same rows (the journal included, built by the same functions), row-level
security as the server's backstop. Whatever these paths do not cover (SQLite,
another driver, a batch, an older schema, a coder not yet known to this process,
a step that reaches beyond the coder's own codings) goes the ordinary way.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from codage.domain import Coding, JournalEntry
from codage.store import journal as _journal
from codage.store.base import Conflict, NotFound, lane_refusal
from codage.store.engine import WRITER_LOCK_KEY, StoreError
from codage.store.errors import already_coded, check_new_coding
from codage.store.journal import UndoConflict
from codage.store.lean_sqlite import SQLiteLeanWrites
from codage.store.schema import CodingRow

# SQLSTATEs the lean path turns into the ordinary path's errors.
_UNIQUE = "23505"
_READ_ONLY = "25006"

# Documents up to this length are remembered whole, this many at most.
_REMEMBERED_LENGTH = 1_000_000
_REMEMBERED_DOCUMENTS = 64

_LOCK = f"SELECT pg_advisory_xact_lock_shared({WRITER_LOCK_KEY})"

# The document, the code, the passage, a duplicate and the code's path (its names up
# to the root, a cycle cut as journal.code_path cuts it), read in one statement.
_ADD_READ = """
SELECT d.length, d.name, substr(d.text, %(from)s, %(count)s),
       (SELECT c.id FROM codes c WHERE c.id = %(code)s),
       (SELECT k.id FROM codings k
         WHERE k.document_id = %(doc)s AND k.code_id = %(code)s AND k.coder_id = %(coder)s
           AND k.start = %(start)s AND k."end" = %(end)s),
       (WITH RECURSIVE up(id, name, parent_id, depth) AS (
            SELECT id, name, parent_id, 0 FROM codes WHERE id = %(code)s
            UNION ALL
            SELECT c.id, c.name, c.parent_id, up.depth + 1
              FROM codes c JOIN up ON c.id = up.parent_id
        ) CYCLE id SET looped USING visited
        SELECT string_agg(name, '/' ORDER BY depth DESC) FROM up WHERE NOT looped),
       d.sha256, CASE WHEN d.length <= %(limit)s THEN d.text END
  FROM documents d WHERE d.id = %(doc)s
"""

# The new coding's id, in the journal's operations, is known only once inserted: the
# operations come written with this in its place (json.dumps escapes every quote of
# the data, so it cannot be found anywhere else in them).
_ID_HOLE = -1
_HOLE = f'{{"id": {_ID_HOLE},'

# The coding, the coder's undone steps dropped (a new change makes them
# unreachable by redo) and the journal entry: one statement, which gives the id.
# Written only if the document, its name and the code's path are still those the
# client knows and the coder has not coded that span yet: so a client that
# remembers them (see _lean_known) writes in one round trip, and one whose memory
# is stale writes nothing and reads again.
_ADD_WRITE = """
WITH ok AS (
    SELECT 1 FROM documents d
     WHERE d.id = %(doc)s AND d.sha256 = %(sha)s AND d.name = %(name)s
       AND (WITH RECURSIVE up(id, name, parent_id, depth) AS (
                SELECT id, name, parent_id, 0 FROM codes WHERE id = %(code)s
                UNION ALL
                SELECT c.id, c.name, c.parent_id, up.depth + 1
                  FROM codes c JOIN up ON c.id = up.parent_id
            ) CYCLE id SET looped USING visited
            SELECT string_agg(name, '/' ORDER BY depth DESC) FROM up WHERE NOT looped
           ) = %(path)s
       AND NOT EXISTS (
           SELECT 1 FROM codings k
            WHERE k.document_id = %(doc)s AND k.code_id = %(code)s AND k.coder_id = %(coder)s
              AND k.start = %(start)s AND k."end" = %(end)s)
), coding AS (
    INSERT INTO codings (document_id, code_id, coder_id, start, "end", text, memo,
                         created_at, updated_at, automatic, suggested)
    SELECT %(doc)s, %(code)s, %(coder)s, %(start)s, %(end)s, %(text)s, %(memo)s,
           %(now)s, %(now)s, false, false
      FROM ok
    RETURNING id
), dropped AS (
    UPDATE journal SET state = 'dropped'
     WHERE actor_id = %(coder)s AND state = 'undone' AND EXISTS (SELECT 1 FROM ok)
), entry AS (
    INSERT INTO journal (actor_id, at, action, summary, details, coders, ops, state, undo_seq)
    SELECT %(coder)s, %(at)s, 'add_coding', %(summary)s, %(details)s::json, %(coders)s::json,
           replace(%(ops)s, %(hole)s, '{"id": ' || coding.id || ',')::json, 'done', NULL
      FROM coding
)
SELECT id FROM coding
"""

# The coding to remove, its owner, document, code path and whether memos hang on it.
_REMOVE_READ = """
SELECT k.id, k.document_id, k.code_id, k.coder_id, k.start, k."end", k.text, k.memo,
       k.created_at, k.updated_at, k.automatic, k.suggested,
       (SELECT name FROM coders WHERE id = k.coder_id),
       (SELECT name FROM documents WHERE id = k.document_id),
       (WITH RECURSIVE up(id, name, parent_id, depth) AS (
            SELECT id, name, parent_id, 0 FROM codes WHERE id = k.code_id
            UNION ALL
            SELECT c.id, c.name, c.parent_id, up.depth + 1
              FROM codes c JOIN up ON c.id = up.parent_id
        ) CYCLE id SET looped USING visited
        SELECT string_agg(name, '/' ORDER BY depth DESC) FROM up WHERE NOT looped),
       EXISTS (SELECT 1 FROM memos m WHERE m.target = 'coding' AND m.target_id = k.id)
  FROM codings k WHERE k.id = %(id)s
"""
_REMOVE_COLUMNS = (
    "id", "document_id", "code_id", "coder_id", "start", "end", "text", "memo",
    "created_at", "updated_at", "automatic", "suggested",
)  # fmt: skip
_REMOVE_WRITE = """
WITH gone AS (
    DELETE FROM codings WHERE id = %(id)s AND coder_id = %(coder)s RETURNING id
), dropped AS (
    UPDATE journal SET state = 'dropped'
     WHERE actor_id = %(coder)s AND state = 'undone' AND EXISTS (SELECT 1 FROM gone)
), entry AS (
    INSERT INTO journal (actor_id, at, action, summary, details, coders, ops, state, undo_seq)
    SELECT %(coder)s, %(at)s, 'remove_coding', %(summary)s, %(details)s::json,
           %(coders)s::json, %(ops)s::json, 'done', NULL
      FROM gone
)
SELECT id FROM gone
"""

# The step to undo (the coder's latest in force) or to redo (their latest undone),
# with the rank the next undone step takes.
_STEP_COLUMNS = """
SELECT j.id, j.at, j.action, j.summary, j.details, j.coders, j.ops, j.state,
       (SELECT max(u.undo_seq) FROM journal u WHERE u.actor_id = %(actor)s AND u.state = 'undone')
  FROM journal j WHERE j.actor_id = %(actor)s
"""
_LAST_DONE = _STEP_COLUMNS + " AND j.state = 'done' ORDER BY j.id DESC LIMIT 1"
_LAST_UNDONE = _STEP_COLUMNS + " AND j.state = 'undone' ORDER BY j.undo_seq DESC LIMIT 1"
_MARK = "UPDATE journal SET state = %(state)s, undo_seq = %(seq)s WHERE id = %(id)s"
_DELETE_CODING = "DELETE FROM codings WHERE id = %(id)s"
_CODING_COLUMNS = frozenset(CodingRow.__table__.columns.keys())


class Ordinary(Exception):
    """This write is not one the lean path covers: the ordinary path runs it."""


class LeanWrites(SQLiteLeanWrites):
    """Adding a coding and undoing or redoing one's own step, lean, on PostgreSQL;
    adding a coding, lean, on SQLite too (see :mod:`codage.store.lean_sqlite`)."""

    # False makes every write take the ordinary path (what the tests compare with).
    lean_writes: bool = True

    def _lean_coder_id(self, coder: str, *, sqlite: bool = False) -> int | None:
        """The coder's id when the lean path may run, None when the ordinary path must;
        ``sqlite`` for a write that has a lean twin on SQLite too (adding a coding)."""
        if not self.lean_writes:
            return None
        if self.is_sqlite:
            if not sqlite or self.engine.dialect.driver != "pysqlite":
                return None
        elif self.engine.dialect.driver != "psycopg":
            return None
        if getattr(self._local, "session", None) is not None:
            return None  # inside a batch: its transaction and savepoints are the ORM's
        if self.store.outdated or self.store.read_only:
            return None  # the ordinary path upgrades, or refuses in words
        self._own_name(coder)
        known = self._coder_ids.get(coder.strip())
        if known is None and self.is_sqlite:
            known = self._sqlite_coder_id(coder.strip())
        return known

    @contextmanager
    def _lean_tx(self) -> Iterator[tuple[Any, Any]]:
        """A psycopg connection of the pool and its pipeline; rolled back unless committed."""
        raw = self.engine.raw_connection()
        try:
            pg = raw.driver_connection
            assert pg is not None
            try:
                with pg.pipeline() as pipeline:
                    yield pg, pipeline
            except BaseException:
                if not pg.closed:
                    pg.rollback()
                raise
        except Exception as exc:
            state = getattr(exc, "sqlstate", None)
            if state is None:
                raise
            role = self.server_role()
            refused = lane_refusal(self.store, role, state)
            if refused is not None:
                raise refused from None
            if state == _READ_ONLY:
                self.store.read_only_reason = "the database refused to be written"
                raise self.store.refuse_write() from None
            if state == _UNIQUE:
                raise
            raise StoreError(
                f"{self.store.shown}: the server refused the change ({exc}); nothing was changed"
            ) from None
        finally:
            raw.close()

    def _lean_known(self) -> tuple[dict[int, tuple[str, str, str]], dict[int, str]]:
        """What this process remembers of documents (sha256, name, text) and code paths,
        checked by the server at each write (see _ADD_WRITE), never trusted blindly."""
        known: tuple[dict[int, tuple[str, str, str]], dict[int, str]] | None = getattr(
            self, "_lean_memory", None
        )
        if known is None:
            known = ({}, {})
            self._lean_memory = known
        return known

    def _lean_add_coding(
        self, coder_id: int, document_id: int, code_id: int, start: int, end: int,
        coder: str, memo: str | None,
    ) -> Coding:  # fmt: skip
        """add_coding's lean twin: the same checks, messages, rows and journal entry.

        One round trip when this process knows the document and the code (and the
        server finds them unchanged), two otherwise, and for every refusal.
        """
        if self.is_sqlite:
            return self._sqlite_add_coding(coder_id, document_id, code_id, start, end, coder, memo)
        coder = coder.strip()
        documents, paths = self._lean_known()
        known, path = documents.get(document_id), paths.get(code_id)
        if known is not None and path is not None and 0 <= start < end <= len(known[2]):
            sha, name, whole = known
            made = self._lean_insert(
                coder_id, document_id, code_id, start, end, coder, memo,
                (sha, name, whole[start:end], path),
            )  # fmt: skip
            if made is not None:
                return made
            documents.pop(document_id, None)  # changed since: read again
            paths.pop(code_id, None)
        made = self._lean_insert(coder_id, document_id, code_id, start, end, coder, memo, None)
        assert made is not None
        return made

    def _lean_insert(
        self, coder_id: int, document_id: int, code_id: int, start: int, end: int,
        coder: str, memo: str | None, known: tuple[str, str, str, str] | None,
    ) -> Coding | None:  # fmt: skip
        """Write the coding and its journal entry; with ``known`` (sha256, document
        name, passage, code path) without reading first, None when they are stale."""
        doc_name = "" if known is None else known[1]
        try:
            with self._lean_tx() as (pg, _pipeline):
                cur = pg.cursor()
                cur.execute(_LOCK)
                if known is None:
                    sha, doc_name, text, path = self._lean_read(
                        cur, coder_id, document_id, code_id, start, end, coder
                    )
                else:
                    sha, doc_name, text, path = known
                now = _journal.now()
                row = _journal.coding_row(
                    document_id, code_id, coder_id, start, end, text, memo, now, row_id=_ID_HOLE
                )
                entry = _journal.Journal()
                entry.inserted("codings", row)
                given = {"document": doc_name, "code": path, "owner": coder}
                written = pg.cursor()
                written.execute(
                    _ADD_WRITE,
                    {
                        "doc": document_id,
                        "code": code_id,
                        "coder": coder_id,
                        "start": start,
                        "end": end,
                        "text": text,
                        "memo": memo,
                        "now": now,
                        "sha": sha,
                        "name": doc_name,
                        "path": path,
                        "at": _journal.now(),
                        "summary": f'coded "{path}" on {doc_name} '
                        f"« {_journal.passage_head(text)} »",
                        # everything describe() would ask the database is given
                        "details": json.dumps(_journal.describe(None, entry.ops, given)),  # type: ignore[arg-type]
                        "coders": json.dumps(_journal.touched_coders(entry.ops)),
                        "ops": json.dumps(entry.ops),
                        "hole": _HOLE,
                    },
                )
                pg.commit()
                found = written.fetchone()
        except Exception as exc:
            if getattr(exc, "sqlstate", None) == _UNIQUE:
                # the same coder, from another window, coded this very span just now
                raise already_coded(doc_name, coder, start, end) from None
            raise
        if found is None:
            if known is not None:
                return None
            # read under the lock a moment ago: only a change outside codage gets here
            raise Conflict(f"{doc_name}: changed while coding it; nothing was changed")
        return _journal.made_coding(row, found[0], coder)

    def _lean_read(
        self, cur: Any, coder_id: int, document_id: int, code_id: int, start: int, end: int,
        coder: str,
    ) -> tuple[str, str, str, str]:  # fmt: skip
        """Read what a coding needs (add_coding's checks and messages), and remember the
        document and the code's path for the next codings: (sha256, name, passage, path)."""
        found = cur.execute(
            _ADD_READ,
            {
                "doc": document_id,
                "code": code_id,
                "coder": coder_id,
                "start": start,
                "end": end,
                "from": max(start, 0) + 1,
                "count": max(end - start, 0),
                "limit": _REMEMBERED_LENGTH,
            },
        ).fetchone()
        if found is None:
            raise NotFound(f"no document with id {document_id}")
        length, doc_name, found_text, found_code, duplicate, path, sha, whole = found
        if found_code is None:
            raise NotFound(f"no code with id {code_id}")
        documents, paths = self._lean_known()
        if whole is not None:
            if len(documents) >= _REMEMBERED_DOCUMENTS:
                documents.clear()
            documents[document_id] = (sha, doc_name, whole)
        paths[code_id] = path or ""
        check_new_coding(doc_name, length, start, end, coder, found_code, duplicate, code_id)
        return sha, doc_name, found_text or "", path or ""

    def _lean_remove_coding(self, coder_id: int, coding_id: int, coder: str) -> None:
        """remove_coding's lean twin for a coding without memos (the lock taken shared:
        it stays in the coder's lane); Ordinary for one with memos."""
        from codage.store.codings import owner_check

        with self._lean_tx() as (pg, _pipeline):
            cur = pg.cursor()
            cur.execute(_LOCK)
            found = cur.execute(_REMOVE_READ, {"id": coding_id}).fetchone()
            if found is None:
                raise NotFound(f"no coding with id {coding_id}")
            row = dict(zip(_REMOVE_COLUMNS, found[:12], strict=True))
            owner, doc_name, path, has_memos = found[12:]
            owner_check(owner or "", coder, f"coding {coding_id}", "remove")
            if has_memos or row["coder_id"] != coder_id:
                raise Ordinary
            entry = _journal.Journal()
            entry.deleted("codings", row)
            text = row["text"]
            # in describe()'s order, from what it would have asked the database
            details = {
                "counts": {"codings.delete": 1},
                "document": doc_name,
                "code": path or "",
                "passage": _journal.passage_head(text or ""),
                "span": [row["start"], row["end"]],
                "owner": owner,
            }
            written = pg.cursor()
            written.execute(
                _REMOVE_WRITE,
                {
                    "id": coding_id,
                    "coder": coder_id,
                    "at": _journal.now(),
                    "summary": f'uncoded "{path or ""}" on {doc_name} '
                    f"« {_journal.passage_head(text)} »",
                    "details": json.dumps(details),
                    "coders": json.dumps(_journal.touched_coders(entry.ops)),
                    "ops": json.dumps(entry.ops),
                },
            )
            pg.commit()
            if written.fetchone() is None:
                raise NotFound(f"no coding with id {coding_id}")  # removed meanwhile

    def _lean_step(self, actor_id: int, coder: str, *, undo: bool) -> JournalEntry | None:
        """History._step_in's lean twin for a step that touches only the coder's own
        codings, added or removed; Ordinary for any other (the ordinary path takes it)."""
        verb = "undo" if undo else "redo"
        names = {actor_id: coder.strip()}
        target: JournalEntry | None = None
        try:
            with self._lean_tx() as (pg, pipeline):
                cur = pg.cursor()
                cur.execute(_LOCK)
                found = cur.execute(
                    _LAST_DONE if undo else _LAST_UNDONE, {"actor": actor_id}
                ).fetchone()
                if found is None:
                    pg.rollback()
                    return None
                entry_id, at, action, summary, details, coders, ops, state, top = found
                if not _leanable(ops, actor_id):
                    raise Ordinary
                target = _entry(entry_id, at, action, summary, details, coders, state, names)
                if undo:
                    state, seq = "undone", (top or 0) + 1
                else:
                    state, seq = "done", None
                if len(ops) == 1:
                    # one coding: replayed and the entry marked in one statement, which
                    # does neither when the coding is not as the step left it
                    (op,) = ops
                    kind = op["op"] if not undo else {"insert": "delete"}.get(op["op"], "insert")
                    written = pg.cursor()
                    written.execute(
                        _one_step(kind, op["row"]),
                        {
                            **{f"c_{k}": v for k, v in _journal.decode(op["row"]).items()},
                            "state": state,
                            "seq": seq,
                            "entry": entry_id,
                        },
                    )
                    pg.commit()
                    if written.fetchone() is None:
                        raise UndoConflict(_replay_conflict(op, kind))
                    return _entry(entry_id, at, action, summary, details, coders, state, names)
                replays = _replay(pg, ops, reverse=undo)
                pg.execute(_MARK, {"state": state, "seq": seq, "id": entry_id})
                pipeline.sync()
                for op, (replay, kind) in zip(_ordered(ops, undo), replays, strict=True):
                    if replay.rowcount != 1:
                        raise UndoConflict(_replay_conflict(op, kind))
                pg.commit()
                return _entry(entry_id, at, action, summary, details, coders, state, names)
        except UndoConflict as exc:
            raise UndoConflict(f"cannot {verb}: {exc}", target, str(exc)) from None
        except Exception as exc:
            if getattr(exc, "sqlstate", None) == _UNIQUE:
                reason = f"later changes conflict with it ({exc})"
                raise UndoConflict(f"cannot {verb}: {reason}", target, reason) from None
            raise


def _leanable(ops: Any, actor_id: int) -> bool:
    """Whether every operation adds or removes one of the actor's own codings, whose
    columns are the table's (a journal row is data: never trusted into SQL)."""
    if not isinstance(ops, list) or not ops:
        return False
    for op in ops:
        if not isinstance(op, dict) or op.get("t") != "codings":
            return False
        if op.get("op") not in ("insert", "delete"):
            return False
        row = op.get("row")
        if not isinstance(row, dict) or not set(row) <= _CODING_COLUMNS or "id" not in row:
            return False
        if row.get("coder_id") != actor_id:
            return False
    return True


def _replay_conflict(op: dict[str, Any], kind: str) -> str:
    """What stands in the way of replaying ``op`` as ``kind``, as apply_ops says it."""
    noun_id = f"the coding {op['row']['id']}"
    if kind == "delete":
        return f"{noun_id} was already removed"
    return f"{noun_id} was put back already"


def _one_step(kind: str, row: dict[str, Any]) -> str:
    """One statement that replays one coding's removal or return and marks the entry
    (parameters ``c_<column>``, ``state``, ``seq``, ``entry``); it gives the entry's id,
    or nothing, having changed nothing, when the coding is not where the step left it."""
    if kind == "delete":
        replay = "DELETE FROM codings WHERE id = %(c_id)s RETURNING id"
    else:
        columns = sorted(row)
        names = ", ".join('"' + c + '"' for c in columns)
        values = ", ".join("%(c_" + c + ")s" for c in columns)
        replay = (
            f"INSERT INTO codings ({names}) VALUES ({values}) "
            "ON CONFLICT (id) DO NOTHING RETURNING id"
        )
    return (
        f"WITH replayed AS ({replay}) "
        "UPDATE journal SET state = %(state)s, undo_seq = %(seq)s "
        "WHERE id = %(entry)s AND EXISTS (SELECT 1 FROM replayed) RETURNING id"
    )


def _ordered(ops: list[dict[str, Any]], reverse: bool) -> list[dict[str, Any]]:
    return list(reversed(ops)) if reverse else list(ops)


def _replay(pg: Any, ops: list[dict[str, Any]], *, reverse: bool) -> list[tuple[Any, str]]:
    """Send the statements that replay ``ops`` (backwards for an undo); their cursors,
    whose row counts tell, once the pipeline is synced, whether each found its row."""
    sent: list[tuple[Any, str]] = []
    for op in _ordered(ops, reverse):
        kind = op["op"]
        if reverse:
            kind = "delete" if kind == "insert" else "insert"
        cur = pg.cursor()
        if kind == "delete":
            cur.execute(_DELETE_CODING, {"id": op["row"]["id"]})
        else:
            row = _journal.decode(op["row"])
            columns = sorted(row)
            names = ", ".join('"' + c + '"' for c in columns)
            values = ", ".join("%(" + c + ")s" for c in columns)
            # a row already back is a conflict told in words, not an error of the server
            cur.execute(
                f"INSERT INTO codings ({names}) VALUES ({values}) ON CONFLICT (id) DO NOTHING",
                row,
            )
        sent.append((cur, kind))
    return sent


def _entry(
    entry_id: int,
    at: Any,
    action: str,
    summary: str,
    details: Any,
    coders: Any,
    state: str,
    names: dict[int, str],
) -> JournalEntry:
    return JournalEntry(
        id=entry_id,
        coder=next(iter(names.values())),
        at=at,
        action=action,
        summary=summary,
        undone=state != "done",
        coders=tuple(names.get(i, str(i)) for i in coders or ()),
        details=details,
        state=state,
    )
