"""Shared fixtures: a real SQLite project file, a real PostgreSQL database when a
server is named, settings kept out of the user's home."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from codage import i18n
from codage.domain import NewDocument, Unit
from codage.services import Project

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated_settings(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never read or write the real user's settings; English unless a test asks."""
    home = tmp_path_factory.mktemp("settings")
    monkeypatch.setenv("CODAGE_CONFIG", str(home / "settings.toml"))
    monkeypatch.setenv("CODAGE_CACHE", str(home / "cache"))  # files verified: see store/verified.py
    monkeypatch.setenv("CODAGE_LANG", "en")
    monkeypatch.delenv("CODAGE_PROJECT", raising=False)
    monkeypatch.delenv("CODAGE_CODER", raising=False)
    i18n.set_language(None)


@pytest.fixture
def project_path(tmp_path: Path) -> Path:
    return tmp_path / "project.db"


@pytest.fixture
def project(project_path: Path) -> Iterator[Project]:
    proj = Project.open(str(project_path))
    yield proj
    proj.close()


# The server the PostgreSQL tests use: an SQLAlchemy URL of a database on which the
# tests may create (and drop) databases and roles.
POSTGRES_VARIABLE = "CODAGE_TEST_POSTGRES"
NO_POSTGRES = f"{POSTGRES_VARIABLE} is not set: no PostgreSQL server to test against"


def postgres_admin_url() -> str | None:
    """The URL of the test server's administration database, or None without one."""
    return os.environ.get(POSTGRES_VARIABLE) or None


def postgres_admin_engine(admin_url: str) -> Engine:
    """An engine on the test server that may create and drop databases and roles."""
    # CREATE/DROP DATABASE cannot run inside a transaction.
    return create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)


@pytest.fixture
def fresh_postgres_database() -> Iterator[str]:
    """A new, empty database on the test server (dropped afterwards), as a URL.

    Skips the test when no server is named by ``CODAGE_TEST_POSTGRES``.
    """
    admin_url = postgres_admin_url()
    if admin_url is None:
        pytest.skip(NO_POSTGRES)
    name = f"codage_test_{uuid.uuid4().hex[:12]}"
    admin = postgres_admin_engine(admin_url)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            # FORCE: a test that failed may leave a connection open.
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Where a new project goes, once per back end: an SQLite file, a PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'project.db'}"
        return
    yield request.getfixturevalue("fresh_postgres_database")


@pytest.fixture
def pg_url(fresh_postgres_database: str) -> str:
    """A fresh PostgreSQL database for a new project (skips without a server)."""
    return fresh_postgres_database


SAMPLE_TEXT = (
    "Enquêtrice : Comment l'intranet a-t-il changé votre travail ?\n\n"
    "M. Garnier : Au début, personne ne le lisait. Puis la crise sanitaire est arrivée.\n\n"
    "Enquêtrice : Et la sécurité ?\n\n"
    "M. Garnier : Nous avons subi une attaque par rançongiciel en 2024."
)


def sample_document(name: str = "entretien-test", text: str = SAMPLE_TEXT) -> NewDocument:
    """A small interview with turn units found by hand."""
    units = []
    pos = 0
    for block in text.split("\n\n"):
        start = text.index(block, pos)
        speaker = block.split(" : ", 1)[0]
        units.append(Unit("turn", start, start + len(block), speaker=speaker))
        pos = start + len(block)
    return NewDocument(
        name=name,
        kind="interview",
        text=text,
        units=units,
        case="DSI-01",
        cases={"DSI-01": {"type_collectivite": "Région", "taille": 1200}},
    )
