"""A new project is built from the models at once; it must be what the migrations build."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, inspect

from codage.services import Project
from codage.store.engine import SCHEMA_HEAD, _alembic_config, alembic_head, current_revision


def test_the_written_schema_version_is_the_head_of_the_migrations() -> None:
    assert alembic_head() == SCHEMA_HEAD


def _shape(path: Path) -> dict[str, object]:
    engine = create_engine(f"sqlite:///{path}")
    seen = inspect(engine)
    shape: dict[str, object] = {}
    for table in sorted(seen.get_table_names()):
        shape[table] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], c.get("primary_key"))
                for c in seen.get_columns(table)
            ],
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
    engine.dispose()
    with sqlite3.connect(path) as db:
        sql = dict(db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
    shape["autoincrement"] = sorted(n for n, s in sql.items() if s and "AUTOINCREMENT" in s)
    return shape


def test_a_new_project_has_the_schema_the_migrations_build(tmp_path: Path) -> None:
    created = tmp_path / "created.db"
    Project.open(str(created)).close()
    migrated = tmp_path / "migrated.db"
    engine = create_engine(f"sqlite:///{migrated}")
    config = _alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    assert current_revision(engine) == SCHEMA_HEAD
    engine.dispose()
    assert _shape(created) == _shape(migrated)
    with Project.open(str(created)) as project:
        assert current_revision(project.engine) == SCHEMA_HEAD


def test_opening_or_creating_a_current_project_does_not_load_alembic(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from codage.services import Project\n"
        f"Project.open({str(tmp_path / 'p.db')!r}).close()\n"
        f"Project.open({str(tmp_path / 'p.db')!r}, create=False).close()\n"
        "print('alembic' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
