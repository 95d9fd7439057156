"""Opening a project database: engine, SQLite pragmas, migrations applied."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

MIGRATIONS = Path(__file__).parent / "migrations"


class StoreError(Exception):
    """A project cannot be opened or written; the message is meant for the user."""


def project_url(location: str) -> str:
    """Turn what a person types (a path or a URL) into an SQLAlchemy URL."""
    if "://" in location:
        return location
    return f"sqlite:///{Path(location).expanduser().resolve()}"


def display_location(location: str) -> str:
    """A project's path or URL as it may be shown on screen: passwords masked."""
    if "://" not in location:
        return location
    try:
        return make_url(location).render_as_string(hide_password=True)
    except ArgumentError:
        return location


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    """The schema version this codage writes."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin:
    # otherwise savepoints and rollbacks of whole batches silently misbehave.
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _sqlite_begin(conn) -> None:  # type: ignore[no-untyped-def]
    conn.exec_driver_sql("BEGIN")


def open_store(location: str, *, create: bool = True, upgrade: bool = True) -> Engine:
    """Open (and create or upgrade) the project database at a path or URL."""
    shown = display_location(location)
    url = project_url(location)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"{shown}: not a path or a database URL ({exc})") from None
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database)
        if not path.exists() and not create:
            raise StoreError(f"{path}: no such project (run `codage init` or `codage demo`)")
        if not path.parent.exists():
            raise StoreError(f"{path.parent}: folder does not exist")
    try:
        engine = create_engine(url)
    except (ArgumentError, ImportError) as exc:
        raise StoreError(f"{shown}: cannot open this database ({exc})") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    try:
        revision = current_revision(engine)
        head = head_revision()
        known = {
            s.revision for s in ScriptDirectory.from_config(_alembic_config()).walk_revisions()
        }
        if revision is not None and revision not in known:
            raise StoreError(
                f"{shown}: this project was written by a newer codage (schema {revision}); "
                "upgrade codage to open it"
            )
        if revision != head:
            if revision is None and not create:
                raise StoreError(f"{shown}: not a codage project")
            if revision is None:
                _refuse_foreign_database(engine, location)
            if upgrade or revision is None:
                cfg = _alembic_config()
                with engine.begin() as conn:
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, "head")
    except DBAPIError as exc:
        engine.dispose()
        raise StoreError(f"{shown}: cannot open the database ({exc.orig})") from None
    except StoreError:
        engine.dispose()
        raise
    return engine


def _refuse_foreign_database(engine: Engine, location: str) -> None:
    """Never write our tables into a database that holds someone else's."""
    shown = display_location(location)
    from sqlalchemy import inspect

    tables = set(inspect(engine).get_table_names())
    if tables:
        raise StoreError(
            f"{shown}: this database already holds other tables "
            f"({', '.join(sorted(tables)[:5])}); "
            "it is not a codage project"
        )
