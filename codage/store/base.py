"""What every aggregate of a project shares: the store it opens, its transactions
(one per operation, or one for a whole batch), the coders who sign journal
entries, and the journal itself.

The aggregates (documents, cases, codebook, codings, codings kept aside, memos,
history) are mixins over :class:`ProjectBase`, composed into
:class:`codage.store.project.Project`; the few helpers more than one of them
needs (a document's row, a target's memos deleted) live here too.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy.exc as sa_exc
from sqlalchemy import Engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from codage.domain import (
    Coder,
)
from codage.store import journal as _journal
from codage.store import row_security
from codage.store.deferred_keys import KeyMarks, keys_off
from codage.store.engine import BUSY_TIMEOUT_MS, Store, StoreError
from codage.store.errors import Conflict, NotFound
from codage.store.journal import Journal as _Journal
from codage.store.journal import row_dict as _row_dict
from codage.store.schema import (
    CoderRow,
    DocumentRow,
    MemoRow,
    ProjectInfoRow,
)

# SQLSTATEs of a PostgreSQL server refusing a row-level security lane: the
# statement itself (insufficient privilege), or a row it could not delete because
# it is another coder's, still referring to what the change removes (foreign key).
_REFUSED = "42501"
_STILL_REFERRED = "23503"


@contextmanager
def _write_errors(store: Store, role: ServerRole | None = None) -> Iterator[None]:
    """A write the database itself refuses (read-only, a lane) becomes one clear error."""
    try:
        with warnings.catch_warnings():
            if role is not None and not role.owner:
                # A row another coder's lane hides from this role's DELETE is "0 rows
                # matched" to SQLAlchemy, a warning before the refusal turned into
                # one clear line below: the refusal says it all.
                warnings.filterwarnings("ignore", "DELETE statement on table", sa_exc.SAWarning)
            yield
    except sa_exc.DBAPIError as exc:
        refused = lane_refusal(store, role, getattr(exc.orig, "sqlstate", None))
        if refused is not None:
            raise refused from None
        if not isinstance(exc, OperationalError):
            raise
        if "readonly" in str(exc.orig) or "read-only" in str(exc.orig):
            if not store.read_only_reason:
                store.read_only_reason = "the database refused to be written"
            raise store.refuse_write() from None
        if "disk is full" in str(exc.orig) or "disk I/O error" in str(exc.orig):
            # SQLite rolled the transaction back: the project is as it was
            raise StoreError(
                f"{store.shown}: the disk refused to write ({exc.orig}: no space left, or a "
                "file too large for it); nothing was changed, free some space and try again"
            ) from None
        if "database is locked" in str(exc.orig):
            raise StoreError(
                f"{store.shown}: another program kept the project busy for more than "
                f"{BUSY_TIMEOUT_MS / 1000:g} s; nothing was changed, try again"
            ) from None
        raise


def lane_refusal(store: Store, role: ServerRole | None, state: str | None) -> NotYourName | None:
    """The one clear error for a write the server's row-level security refused, if it was."""
    if role is None or role.owner or state not in (_REFUSED, _STILL_REFERRED):
        return None
    return NotYourName(
        f"{store.shown}: this change touches rows that are not {role.name}'s "
        "(another coder's codings or memos); on a team project only their coder "
        "or the project's owner may change them; nothing was changed"
    )


@contextmanager
def _read_errors(store: Store) -> Iterator[None]:
    """Reading an older schema works until it meets a table or column it lacks."""
    try:
        yield
    except OperationalError as exc:
        if store.outdated and "no such" in str(exc.orig):
            raise StoreError(
                f"{store.shown}: this project has an older schema ({store.revision}) that "
                "this command cannot read; any command that writes to it upgrades it "
                "(after a backup)"
            ) from None
        raise


class NotYourName(Conflict):
    """A write under another coder's name on a server where each coder is a role."""


@dataclass(frozen=True)
class ServerRole:
    """Who a PostgreSQL session is: the role logged in, and whether it owns the project."""

    name: str
    owner: bool


class ProjectBase:
    """One database, its transactions and its journal; see the module docstring."""

    # who a server session is, read once (see server_role)
    _role: ServerRole | None = None

    """A codage project: one database, by path or SQLAlchemy URL."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.engine: Engine = store.engine
        self.location = store.location
        self._writer = store.writer()
        self._lane_writer = store.lane_writer()
        self._local = threading.local()
        self._coder_ids: dict[str, int] = {}

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def read_only(self) -> bool:
        """Whether this project can only be read (file or folder not writable)."""
        return self.store.read_only

    @property
    def name(self) -> str:
        with self._read() as s:
            value = s.get(ProjectInfoRow, "name")
        if value is not None:
            return value.value
        url = make_url(self.engine.url)
        return Path(url.database).stem if url.database else str(url)

    def set_name(self, name: str) -> None:
        with self._tx() as s:
            s.merge(ProjectInfoRow(key="name", value=name))

    @contextmanager
    def batch(
        self,
        *,
        coder: str | None = None,
        action: str = "batch",
        summary: str = "",
        details: dict[str, Any] | None = None,
        keys_at_end: bool = False,
    ) -> Iterator[None]:
        """Run every write inside the block in one transaction (all or nothing).

        With ``coder`` (the person running the operation), the journaled changes
        made inside become one entry of that person's history, whatever coders'
        codings they touch, so that one undo by that person takes back the whole
        operation. ``details`` (plain JSON values) are kept with the entry to
        tell it in words (see :mod:`codage.journal_text`). ``keys_at_end``: on
        SQLite, the foreign keys of the rows written are checked once before the
        commit rather than row by row, for a block that only inserts (see
        :mod:`codage.store.deferred_keys`).
        """
        if getattr(self._local, "session", None) is not None:
            yield
            return
        group = _Journal() if coder else None
        if group is not None:
            group.details = dict(details or {})
        self._ready_to_write()
        deferred = keys_at_end and self.is_sqlite
        with (
            _write_errors(self.store, self.server_role()),
            keys_off(self._writer) if deferred else nullcontext(self._writer) as bind,
            Session(bind, expire_on_commit=False) as session,
            session.begin(),
        ):
            self._local.session = session
            self._local.group = group
            try:
                marks = KeyMarks(session.connection()) if deferred else None
                yield
                if group is not None and coder is not None:
                    self._local.group = None
                    self._record(session, coder, action, summary or action, group)
                if marks is not None:
                    session.flush()
                    marks.check(session.connection())
            finally:
                self._local.session = None
                self._local.group = None

    @contextmanager
    def _tx(self, *, lane: bool = False) -> Iterator[Session]:
        """A write transaction; ``lane`` for one that touches only its coder's own
        rows, which on PostgreSQL runs beside other coders' (see engine.LANE)."""
        current = getattr(self._local, "session", None)
        if current is not None:
            # Inside a batch: a savepoint lets a failed write be caught without
            # spoiling the rest of the batch (and said in one line, as outside one).
            with _write_errors(self.store, self.server_role()), current.begin_nested():
                yield current
            return
        self._ready_to_write()
        with (
            _write_errors(self.store, self.server_role()),
            Session(self._lane_writer if lane else self._writer, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    def _ready_to_write(self) -> None:
        if self.store.read_only:
            raise self.store.refuse_write()
        if self.store.outdated:
            self.store.upgrade()

    @contextmanager
    def _read(self) -> Iterator[Session]:
        current = getattr(self._local, "session", None)
        if current is not None:
            yield current
            return
        with _read_errors(self.store), Session(self.engine) as session:
            yield session

    def server_role(self) -> ServerRole | None:
        """On PostgreSQL, the role this session works as (None on SQLite).

        Each coder of a team project logs in as their own role, and codes under
        that name only; the project's owner (or a role granted the owner's) may
        write any coder's layer, as merges and consensus do.
        """
        if self.is_sqlite:
            return None
        if self._role is None:
            with self.engine.connect() as conn:
                name, owner = conn.execute(
                    text(
                        "SELECT current_user, pg_has_role(current_user, (SELECT datdba "
                        "FROM pg_database WHERE datname = current_database()), 'MEMBER')"
                    )
                ).one()
            self._role = ServerRole(str(name), bool(owner))
        return self._role

    def add_coder_role(self, name: str, password: str | None) -> bool:
        """Make ``name`` a coder of this PostgreSQL project, logging in as a role of that name.

        Creates the role (LOGIN; with ``password``, or none for peer or certificate
        authentication) unless the server has it already, grants it what a coder
        needs, and registers the coder, in one transaction. Only the project's
        owner may. Returns whether the role was created (False: it existed).
        """
        role = self.server_role()
        if role is None:
            raise StoreError(
                f"{self.store.shown}: coders get database roles on PostgreSQL only; "
                "on a project file anyone who can open it codes under their own name"
            )
        name = name.strip()
        if not name:
            raise Conflict("a coder needs a name")
        if not role.owner:
            raise Conflict(
                f"only the project's owner adds coders; {role.name} does not own {self.store.shown}"
            )
        quoted = row_security.quote_role(name)
        with self._tx() as s:
            exists = s.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name})
            if not exists:
                secret = "" if password is None else " PASSWORD " + _sql_string(password)
                s.execute(text(f"CREATE ROLE {quoted} LOGIN{secret}"))
            row_security.grant_coder(s.connection(), name)
            self._coder_id(s, name)
        return not exists

    def _own_name(self, name: str) -> None:
        """On a server, a coder writes under their role's name only (the owner, any)."""
        role = self.server_role()
        if role is not None and not role.owner and name.strip() != role.name:
            raise NotYourName(
                f"{self.store.shown}: you are logged in as {role.name}; "
                f"you cannot write as {name.strip()}, only as yourself"
            )

    def _owner_only(self, doing: str) -> None:
        """On a team project, refuse in one line a change only the project's owner may
        make (one that rewrites every coder's work), before anything is written."""
        role = self.server_role()
        if role is not None and not role.owner:
            raise NotYourName(
                f"{self.store.shown}: only the project's owner may {doing} on a team "
                f"project; {role.name} does not own it; nothing was changed"
            )

    def _coder_id(self, s: Session, name: str) -> int:
        self._own_name(name)
        name = name.strip()
        if not name:
            raise Conflict("a coder needs a name")
        # Coders are never renamed or deleted: an id read once, committed, stays
        # true, which spares each coding a round trip to the server.
        known = self._coder_ids.get(name)
        if known is not None:
            return known
        coder_id = s.scalar(select(CoderRow.id).where(CoderRow.name == name))
        outside_batch = getattr(self._local, "session", None) is None
        if coder_id is not None and outside_batch and name not in s.info.get("new_coders", ()):
            self._coder_ids[name] = coder_id
        if coder_id is None:
            s.info.setdefault("new_coders", set()).add(name)
            # On PostgreSQL another process may register the same new coder at once
            # (one person, two windows): then theirs is the row, found again.
            try:
                with s.begin_nested():
                    row = CoderRow(name=name)
                    s.add(row)
                coder_id = row.id
            except IntegrityError:
                coder_id = s.scalar(select(CoderRow.id).where(CoderRow.name == name))
                if coder_id is None:
                    raise
        return coder_id

    def coder(self, name: str) -> Coder:
        """The coder of that name, created when first seen."""
        with self._tx() as s:
            return Coder(self._coder_id(s, name), name.strip())

    def coders(self) -> list[Coder]:
        with self._read() as s:
            return [
                Coder(r.id, r.name) for r in s.scalars(select(CoderRow).order_by(CoderRow.name))
            ]

    def _record(self, s: Session, coder: str, action: str, summary: str, journal: _Journal) -> None:
        """Journal a change in the history of ``coder``, the person who made it.

        Inside a batch with a coder, the operations join the batch's one entry.
        """
        if not journal.ops and not journal.ranges:
            return
        group = getattr(self._local, "group", None)
        if group is not None:
            offset = len(group.ops)
            group.ops.extend(journal.ops)
            group.ranges.extend((offset + at, part) for at, part in journal.ranges)
            return
        _journal.record(s, self._coder_id(s, coder), action, summary, journal)

    def _delete_memos(self, s: Session, target: str, target_id: int, journal: _Journal) -> None:
        for memo in s.scalars(
            select(MemoRow).where(MemoRow.target == target, MemoRow.target_id == target_id)
        ):
            journal.deleted("memos", _row_dict(memo))
            s.delete(memo)

    def _document_row(self, s: Session, ref: int | str) -> DocumentRow:
        if isinstance(ref, int):
            row = s.get(DocumentRow, ref)
        else:
            row = s.scalar(select(DocumentRow).where(DocumentRow.name == ref))
        if row is None:
            raise NotFound(f"no document {ref!r} in this project")
        return row


def _sql_string(value: str) -> str:
    """A string literal for a statement that takes no parameters (CREATE ROLE ... PASSWORD)."""
    if "\x00" in value:
        raise Conflict("a password cannot hold a NUL character")
    return "'" + value.replace("'", "''") + "'"
