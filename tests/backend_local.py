"""The ``backend_url`` fixture's behaviour, until the shared one lands in tests/conftest.py:
an SQLite file, or a fresh PostgreSQL database (dropped after) on the server that
``CODAGE_TEST_POSTGRES`` names; PostgreSQL skips, saying why, without it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def backend_location(kind: str, tmp_path: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield str(tmp_path / "project.db")
        return
    base = os.environ.get("CODAGE_TEST_POSTGRES")
    if not base:
        pytest.skip("CODAGE_TEST_POSTGRES is not set: no PostgreSQL server to test against")
    name = f"codage_lanes_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
