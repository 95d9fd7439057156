"""On PostgreSQL, a new project is what the migrations build, lanes included."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from codage.services import Project
from codage.store.engine import SCHEMA_HEAD, _alembic_config, current_revision
from tests.conftest import postgres_admin_engine, postgres_admin_url


def _shape(url: str) -> dict[str, object]:
    engine = create_engine(url, poolclass=NullPool)
    seen = inspect(engine)
    shape: dict[str, object] = {}
    for table in sorted(seen.get_table_names()):
        shape[table] = {
            # sorted: a column a migration adds comes last on PostgreSQL, harmlessly
            "columns": sorted(
                (c["name"], str(c["type"]), c["nullable"]) for c in seen.get_columns(table)
            ),
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in seen.get_indexes(table)
            ),
            "foreign_keys": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"], f["options"].get("ondelete"))
                for f in seen.get_foreign_keys(table)
            ),
            "unique": sorted(tuple(u["column_names"]) for u in seen.get_unique_constraints(table)),
        }
    with engine.connect() as conn:
        shape["policies"] = sorted(
            tuple(r)
            for r in conn.execute(
                text("SELECT tablename, policyname, cmd, qual, with_check FROM pg_policies")
            )
        )
        shape["row_security"] = sorted(
            r[0]
            for r in conn.execute(
                text("SELECT relname FROM pg_class WHERE relrowsecurity AND relkind = 'r'")
            )
        )
    engine.dispose()
    return shape


def test_a_new_postgresql_project_has_the_schema_the_migrations_build(pg_url: str) -> None:
    Project.open(pg_url).close()
    admin_url = postgres_admin_url()
    assert admin_url is not None
    admin = postgres_admin_engine(admin_url)
    migrated_name = make_url(pg_url).database + "_m"  # type: ignore[operator]
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{migrated_name}"')
    migrated = make_url(pg_url).set(database=migrated_name).render_as_string(hide_password=False)
    try:
        engine = create_engine(migrated, poolclass=NullPool)
        config = _alembic_config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
        assert current_revision(engine) == SCHEMA_HEAD
        engine.dispose()
        created = _shape(pg_url)
        assert created == _shape(migrated)
        assert created["row_security"] == ["coders", "codings", "codings_aside", "journal", "memos"]
        with Project.open(migrated, create=False) as project:
            assert project.documents() == []
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{migrated_name}" WITH (FORCE)')
        admin.dispose()
