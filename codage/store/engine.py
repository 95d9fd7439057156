"""Opening a project database: engine, SQLite pragmas, migrations applied.

codage only writes to a database it has recognised as its own: an existing
SQLite file is inspected read-only first (header, integrity, schema version),
and refused untouched when it is not a whole codage project.
"""

from __future__ import annotations

import functools
import logging
import os
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from codage.store.errors import ReadOnlyProject, StoreError
from codage.store.location import (
    display_location,
    is_memory_location,
    project_url,
)
from codage.store.location import (
    login_role as login_role,
)
from codage.store.sqlite_file import (
    CODAGE_TABLES,
    FileRefused,
    SQLiteFile,
    inspect_file,
    left_as_found,
    read_only_uri,
)

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
# The schema version this codage writes: the head of migrations/versions (a test
# checks that they agree). Known here so that opening an up-to-date project, or
# creating one, needs neither Alembic nor its scripts: they cost most of a small
# command's start-up beyond the language model (issue 9).
SCHEMA_HEAD = "0013"
# Notices (an upgrade, a backup) go to this logger; the command line prints them as
# one line on stderr.
log = logging.getLogger("codage.store")

# Execution option that marks a connection whose transactions write: SQLite must
# then take the write lock at BEGIN (see _sqlite_begin).
WRITE_OPTION = "codage_write"
# How long a writer waits for another one before giving up.
BUSY_TIMEOUT_MS = 10_000


def _alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    """The schema version this codage writes."""
    return SCHEMA_HEAD


def alembic_head() -> str | None:
    """The head of the migration scripts, read by Alembic (what SCHEMA_HEAD must equal)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


@functools.cache
def known_revisions() -> frozenset[str]:
    """Every schema version this codage knows how to upgrade from."""
    # Cached: alembic reads every migration script each time it is asked.
    from alembic.script import ScriptDirectory

    return frozenset(
        {s.revision for s in ScriptDirectory.from_config(_alembic_config()).walk_revisions()}
    )


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _pragmas(read_only: bool) -> Callable[[sqlite3.Connection, Any], None]:
    def on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin:
        # otherwise savepoints and rollbacks of whole batches silently misbehave.
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        # First, so that the pragmas below wait for a busy writer too.
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        if not read_only:
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    return on_connect


def _sqlite_begin(conn: Connection) -> None:
    # A deferred transaction that reads and then writes cannot wait for another
    # writer (SQLite answers "database is locked" at once to avoid a deadlock), so
    # writing transactions take the write lock at BEGIN and wait for the busy timeout.
    if conn.get_execution_options().get(WRITE_OPTION):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


# The advisory lock every writing transaction on PostgreSQL holds until it ends: the
# server's counterpart of SQLite's BEGIN IMMEDIATE. Writes read before they decide
# (a duplicate coding, the next position among siblings, undo's "is this still as I
# left it"), and under READ COMMITTED two such transactions would both decide on
# what they read; taken in turn, each reads what the other committed. The key is
# any constant of our own ("codage" in ASCII).
WRITER_LOCK_KEY = 0x636F64616765


# A write that stays in its coder's own lane (their codings, their journal) takes the
# lock shared: coders' lanes never meet, so they write side by side, while any other
# write (codebook, decisions, merges) still waits for all of them and they for it.
LANE = "lane"


def _server_begin(conn: Connection) -> None:
    mode = conn.get_execution_options().get(WRITE_OPTION)
    if mode == LANE:
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock_shared({WRITER_LOCK_KEY})")
    elif mode:
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITER_LOCK_KEY})")


@dataclass
class Store:
    """An opened project database and what opening it found."""

    engine: Engine
    location: str
    read_only: bool = False
    read_only_reason: str = ""
    # the schema version found; older than head until a write upgrades it
    revision: str | None = None
    sqlite_file: Path | None = None

    def __post_init__(self) -> None:
        self._upgrade_lock = threading.Lock()

    @property
    def shown(self) -> str:
        return display_location(self.location)

    @property
    def outdated(self) -> bool:
        return self.revision != head_revision()

    def writer(self) -> Engine:
        """The engine to write with: its transactions begin IMMEDIATE on SQLite."""
        return self.engine.execution_options(**{WRITE_OPTION: True})

    def lane_writer(self) -> Engine:
        """The engine for writes within one coder's lane (see LANE): BEGIN IMMEDIATE
        on SQLite as any write, the writers' lock taken shared on PostgreSQL."""
        return self.engine.execution_options(**{WRITE_OPTION: LANE})

    def refuse_write(self) -> ReadOnlyProject:
        return ReadOnlyProject(
            f"{self.shown}: this project is read-only ({self.read_only_reason}); "
            "nothing was changed"
        )

    def upgrade(self) -> Path | None:
        """Bring an older schema to the head, after a backup; returns the backup.

        Called before the first write, so that reading never changes a project.
        """
        with self._upgrade_lock:
            if not self.outdated:
                return None
            if self.read_only:
                raise self.refuse_write()
            try:
                # Another process may have upgraded it since we opened it.
                self.revision = current_revision(self.engine)
                if not self.outdated:
                    return None
                old = self.revision
                backup = self._backup()
                _migrate(self.writer())
            except DBAPIError as exc:
                raise StoreError(f"{self.shown}: cannot upgrade the project ({exc.orig})") from None
            self.revision = head_revision()
            kept = f"; the previous version is kept in {backup}" if backup else ""
            log.warning(
                "%s: upgraded the project from schema %s to %s%s",
                self.shown,
                old,
                self.revision,
                kept,
            )
            return backup

    def _backup(self) -> Path | None:
        if self.sqlite_file is None:
            return None
        from codage.store.backup import BackupError, kept_backups, make_backup

        try:
            made = make_backup(self.sqlite_file, "upgrade", keep=kept_backups())
        except BackupError as exc:
            # no backup, no upgrade: the project stays as it was, readable
            raise StoreError(f"{exc}; the project was not upgraded, nothing was changed") from None
        return made.path if made is not None else None


def _migrate(writer: Engine) -> None:
    from alembic import command

    cfg = _alembic_config()
    # BEGIN IMMEDIATE: two processes upgrading at once take turns, and the second
    # finds the work done (alembic reads the version inside the transaction).
    with writer.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def _create(writer: Engine) -> None:
    """A new project: the models' schema at once, stamped with SCHEMA_HEAD.

    The same schema as running every migration (a test compares the two), in
    one transaction, without loading Alembic and its scripts.
    """
    with writer.begin() as conn:
        create_schema(conn)


def create_schema(conn: Connection) -> None:
    """The head schema, stamped, inside the caller's transaction."""
    from codage.store import row_security
    from codage.store.schema import Base

    Base.metadata.create_all(conn)
    row_security.enable(conn)
    conn.exec_driver_sql(
        "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
        "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
    )
    conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": SCHEMA_HEAD})


def _check_versions(shown: str, versions: tuple[str, ...], tables: frozenset[str]) -> str | None:
    """The project's schema version, or a refusal when it is not one of ours."""
    ours = tables >= CODAGE_TABLES
    if not versions and ours:
        raise StoreError(
            f"{shown}: the project records no schema version; its version table is damaged, "
            "restore a backup"
        )
    if not versions:
        if tables:
            raise StoreError(
                f"{shown}: this database already holds other tables "
                f"({', '.join(sorted(tables)[:5])}); it is not a codage project"
            )
        return None
    if len(versions) > 1:
        if not ours:
            raise StoreError(f"{shown}: this database belongs to another application")
        raise StoreError(
            f"{shown}: the project records {len(versions)} schema versions at once "
            f"({', '.join(sorted(versions))}); its version table is damaged, restore a backup"
        )
    revision = versions[0]
    if revision != SCHEMA_HEAD and revision not in known_revisions():
        if not ours:
            raise StoreError(
                f"{shown}: this database belongs to another application "
                f"(schema {revision}, tables {', '.join(sorted(tables)[:5])})"
            )
        raise StoreError(
            f"{shown}: this project was written by a newer codage (schema {revision}); "
            "upgrade codage to open it"
        )
    return revision


def open_store(
    location: str, *, create: bool = True, upgrade: bool | None = None, check: bool = True
) -> Store:
    """Open a project at a path or URL, refusing any database that is not ours.

    ``create`` makes a new project when the file is absent; it also marks a
    command that writes, so an older schema is upgraded at once (``upgrade``
    overrides). Otherwise an older project is opened as it is and upgraded
    just before its first write, after a backup. Without ``check`` a SQLite file's
    pages are not verified (``PRAGMA quick_check``, which reads the whole file: seconds
    on a project of a million codings); the caller verifies it later. A file unchanged
    since its pages last passed is not verified again (:mod:`codage.store.verified`).
    """
    shown = display_location(location)
    if is_memory_location(location):
        raise StoreError(
            f"{shown}: an in-memory database keeps nothing; give a project file (e.g. -p study.db)"
        )
    url = project_url(location)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"{shown}: not a path or a database URL ({exc})") from None
    upgrade = create if upgrade is None else upgrade
    if parsed.get_backend_name() == "sqlite":
        return _open_sqlite(location, Path(parsed.database or ""), create, upgrade, check=check)
    return _open_server(location, url, create, upgrade)


def open_blank(location: str) -> Store:
    """Open an empty database (or a file yet to be made) to build a project in.

    Nothing is created: the caller builds the schema (see :func:`create_schema`)
    in the same transaction as what it writes, so a failure leaves no project.
    A database that already holds tables, a project or not, is refused.
    """
    shown = display_location(location)
    if is_memory_location(location):
        raise StoreError(f"{shown}: an in-memory database keeps nothing; give a project file")
    url = project_url(location)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"{shown}: not a path or a database URL ({exc})") from None
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        if path.exists() or path.is_symlink():
            raise StoreError(f"{shown}: already exists; give a new file (nothing was changed)")
        return _open_sqlite(location, path, create=True, upgrade=False, build=False)
    try:
        engine = create_engine(url)
        tables = frozenset(inspect(engine).get_table_names())
    except ArgumentError as exc:
        raise StoreError(f"{shown}: cannot open this database ({exc})") from None
    except ImportError as exc:
        raise StoreError(_missing_driver(shown, exc)) from None
    except DBAPIError as exc:
        engine.dispose()
        raise StoreError(f"{shown}: cannot open the database ({exc.orig})") from None
    if tables:
        engine.dispose()
        what = "a codage project" if tables >= CODAGE_TABLES else "other tables"
        raise StoreError(
            f"{shown}: this database already holds {what}; give an empty database "
            "(nothing was changed)"
        )
    if engine.dialect.name == "postgresql":
        event.listen(engine, "begin", _server_begin)
    return Store(engine, location)


def _open_sqlite(
    location: str,
    path: Path,
    create: bool,
    upgrade: bool,
    *,
    build: bool = True,
    check: bool = True,
) -> Store:
    shown = display_location(location)
    found: SQLiteFile | None = None
    if path.exists() or path.is_symlink():
        try:
            with left_as_found(path):
                found = inspect_file(path, check=check)
                revision = _check_versions(shown, found.versions, found.tables)
        except FileRefused as exc:
            raise StoreError(str(exc)) from None
        if revision is None and not create:
            raise StoreError(f"{shown}: not a codage project (an empty SQLite database)")
    else:
        if not create:
            raise StoreError(f"{path}: no such project (run `codage init` or `codage demo`)")
        if not path.parent.is_dir():
            raise StoreError(f"{path.parent}: folder does not exist")
        if not os.access(path.parent, os.W_OK):
            raise StoreError(f"{path.parent}: cannot create a project in this folder (read-only)")
        revision = None
    read_only = found is not None and not found.writable
    if found is not None and read_only and revision is None:
        raise StoreError(f"{shown}: cannot create a project here ({found.read_only_reason})")
    url = f"sqlite:///{path}"
    if read_only:
        assert found is not None
        uri = read_only_uri(path, immutable=found.immutable)

        def connect() -> sqlite3.Connection:
            return sqlite3.connect(uri, uri=True, check_same_thread=False)

        engine = create_engine(url, creator=connect)
    else:
        engine = create_engine(url)
    event.listen(engine, "connect", _pragmas(read_only))
    event.listen(engine, "begin", _sqlite_begin)
    store = Store(
        engine,
        location,
        read_only=read_only,
        read_only_reason=found.read_only_reason if found else "",
        revision=revision,
        sqlite_file=path,
    )
    if build:
        _bring_up(store, create, upgrade)
    return store


def _bring_up(store: Store, create: bool, upgrade: bool) -> None:
    """Build a new project's schema, or upgrade an older one when the command writes."""
    try:
        if store.revision is None:
            _create(store.writer())
            store.revision = head_revision()
        elif upgrade and store.outdated and not store.read_only:
            store.upgrade()
    except DBAPIError as exc:
        store.engine.dispose()
        raise StoreError(f"{store.shown}: cannot open the database ({exc.orig})") from None
    except StoreError:
        store.engine.dispose()
        raise


def _missing_driver(shown: str, exc: ImportError) -> str:
    if "psycopg" in str(exc):
        return (
            f"{shown}: PostgreSQL needs the psycopg driver; install it with "
            "pip install 'codage[postgres]'"
        )
    return f"{shown}: cannot open this database ({exc})"


def _open_server(location: str, url: str, create: bool, upgrade: bool) -> Store:
    shown = display_location(location)
    try:
        engine = create_engine(url)
    except ArgumentError as exc:
        raise StoreError(f"{shown}: cannot open this database ({exc})") from None
    except ImportError as exc:
        raise StoreError(_missing_driver(shown, exc)) from None
    try:
        tables = frozenset(inspect(engine).get_table_names())
        versions: tuple[str, ...] = ()
        if "alembic_version" in tables:
            with engine.connect() as conn:
                rows = conn.execute(text("SELECT version_num FROM alembic_version"))
                versions = tuple(str(r[0]) for r in rows)
        revision = _check_versions(shown, versions, tables - {"alembic_version"})
        if revision is None and not create:
            raise StoreError(f"{shown}: not a codage project")
    except DBAPIError as exc:
        engine.dispose()
        raise StoreError(f"{shown}: cannot open the database ({exc.orig})") from None
    except StoreError:
        engine.dispose()
        raise
    if engine.dialect.name == "postgresql":
        event.listen(engine, "begin", _server_begin)
    store = Store(engine, location, revision=revision)
    _bring_up(store, create, upgrade)
    return store
