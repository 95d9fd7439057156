"""Opening databases: codage writes only to a whole project of its own, and says why not.

Every refused file is compared byte for byte with what it was before. Read-only projects are
made with `chattr +i` (the immutable attribute), which stops writes even for root, the user
these tests run as; the tests are skipped where the attribute cannot be set.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine
from typer.testing import CliRunner

from codage.cli import app
from codage.services import Project, ReadOnlyProject, StoreError
from codage.store.engine import _alembic_config, head_revision
from tests.conftest import ROOT, sample_document


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _refused(location: Path, match: str, *, create: bool = True) -> str:
    """Open must fail with one line matching `match`, leaving the folder as it was."""
    before = _files(location.parent)
    with pytest.raises(StoreError, match=match) as caught:
        Project.open(str(location), create=create)
    assert _files(location.parent) == before
    message = str(caught.value)
    assert "\n" not in message
    return message


def make_project(path: Path, documents: int = 1) -> None:
    with Project.open(str(path)) as p:
        code = p.create_code("Intranet", coder="alice")
        for n in range(documents):
            doc = p.add_document(sample_document(f"entretien-{n:02d}"))
            p.add_coding(doc.id, code.id, 0, 10, coder="alice")


@contextmanager
def immutable(*paths: Path) -> Iterator[None]:
    """Make files or folders unwritable even for root, for the time of the block."""
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not available")
    done: list[Path] = []
    try:
        for path in paths:
            result = subprocess.run(["chattr", "+i", str(path)], capture_output=True)
            if result.returncode != 0:
                pytest.skip(f"cannot set the immutable attribute here: {result.stderr!r}")
            done.append(path)
        yield
    finally:
        for path in done:
            subprocess.run(["chattr", "-i", str(path)], check=True)


# -- files that are not ours ------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b"Entretien avec M. Garnier, DSI.\n",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
    ],
    ids=["text", "pdf"],
)
@pytest.mark.parametrize("create", [True, False])
def test_a_file_that_is_not_sqlite_is_refused_untouched(
    tmp_path: Path, content: bytes, create: bool
) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(content)
    _refused(path, "not a SQLite database", create=create)


@pytest.mark.parametrize("create", [True, False])
def test_a_zero_byte_file_is_refused_untouched(tmp_path: Path, create: bool) -> None:
    path = tmp_path / "placeholder.db"
    path.touch()
    _refused(path, "the file is empty", create=create)
    assert path.stat().st_size == 0


@pytest.mark.parametrize("journal", ["delete", "wal"])
def test_another_applications_database_is_refused_byte_for_byte(
    tmp_path: Path, journal: str
) -> None:
    path = tmp_path / "invoices.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA journal_mode={journal}")
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.executemany("INSERT INTO invoices (total) VALUES (?)", [(10.5,), (99.0,)])
    conn.commit()
    conn.close()
    _refused(path, r"already holds other tables \(invoices\)")


def test_another_alembic_application_is_not_mistaken_for_a_newer_codage(tmp_path: Path) -> None:
    path = tmp_path / "crm.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        conn.execute("INSERT INTO alembic_version VALUES ('a1b2c3d4')")
        conn.execute("CREATE TABLE customers (id INTEGER)")
    conn.close()
    _refused(path, "belongs to another application")


def test_an_empty_sqlite_database_becomes_a_project_only_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "blank.db"
    conn = sqlite3.connect(path)
    conn.execute("VACUUM")  # a valid, empty database file
    conn.close()
    assert path.read_bytes()[:16] == b"SQLite format 3\x00"
    _refused(path, "not a codage project", create=False)
    with Project.open(str(path)) as p:
        assert p.store.revision == head_revision()


@pytest.mark.parametrize(
    "location", [":memory:", "sqlite://", "sqlite:///:memory:", "file::memory:?cache=shared"]
)
def test_in_memory_databases_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, location: str
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(StoreError, match="in-memory database keeps nothing"):
        Project.open(location)
    assert list(tmp_path.iterdir()) == []


# -- damaged projects ------------------------------------------------------


def _damage(path: Path) -> bytes:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 4096] = b"\xff" * 4096
    path.write_bytes(bytes(data))
    return bytes(data)


def test_a_damaged_project_is_refused_untouched_and_points_at_backups(tmp_path: Path) -> None:
    path = tmp_path / "study.db"
    make_project(path, documents=12)
    assert not path.with_name("study.db-wal").exists()  # everything is in the main file
    _damage(path)
    message = _refused(path, "the project file is damaged", create=False)
    assert "restore it from a backup" in message
    backup = tmp_path / "study.db.bak-20261128-090000"
    backup.write_bytes(b"")
    message = _refused(path, "the project file is damaged")
    assert "restore the backup study.db.bak-20261128-090000" in message


def test_two_schema_versions_at_once_are_one_clear_line(project_path: Path) -> None:
    make_project(project_path)
    with sqlite3.connect(project_path) as conn:
        conn.execute("INSERT INTO alembic_version VALUES ('0001')")
    conn.close()
    message = _refused(project_path, "records 2 schema versions at once")
    assert "restore a backup" in message


# -- read-only projects ----------------------------------------------------


def _read_only_checks(path: Path, reason: str) -> None:
    with Project.open(str(path), create=False) as p:
        assert p.read_only
        assert [d.name for d in p.documents()] == ["entretien-00"]
        assert len(p.codings()) == 1
        code = p.codes()[0]
        with pytest.raises(ReadOnlyProject, match=rf"this project is read-only \({reason}\)"):
            p.add_coding(p.documents()[0].id, code.id, 20, 30, coder="alice")
        with pytest.raises(ReadOnlyProject, match="read-only"), p.batch(coder="alice"):
            p.create_code("Sécurité", coder="alice")
        with pytest.raises(ReadOnlyProject, match="read-only"):
            p.undo(coder="alice")


def test_an_immutable_project_in_an_immutable_folder_is_read_never_written(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    path = folder / "study.db"
    make_project(path)
    before = _files(folder)
    with immutable(path, folder):
        _read_only_checks(path, "the file cannot be written")
    assert _files(folder) == before


def test_a_project_in_a_read_only_folder_is_read_only(tmp_path: Path) -> None:
    """SQLite cannot create its write-ahead log there, so nothing could commit."""
    folder = tmp_path / "shared"
    folder.mkdir()
    path = folder / "study.db"
    make_project(path)
    before = _files(folder)
    with immutable(folder):
        _read_only_checks(path, "its folder cannot be written")
    assert _files(folder) == before


def test_a_read_only_file_cannot_be_created_into(tmp_path: Path) -> None:
    path = tmp_path / "blank.db"
    conn = sqlite3.connect(path)
    conn.execute("VACUUM")
    conn.close()
    with immutable(path), pytest.raises(StoreError, match="cannot create a project here"):
        Project.open(str(path))


# -- older schemas ---------------------------------------------------------


def make_old_project(path: Path, revision: str = "0001") -> None:
    engine = create_engine(f"sqlite:///{path}")
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    engine.dispose()


def _revision_on_disk(path: Path) -> str:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        (revision,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    conn.close()
    return revision


def test_reading_an_older_project_leaves_it_as_it_is(project_path: Path) -> None:
    make_old_project(project_path)
    with Project.open(str(project_path), create=False) as p:
        assert p.documents() == []
        assert p.codes() == []
        # what the old schema lacks cannot be read, and says how to upgrade
        with pytest.raises(StoreError, match=r"older schema \(0001\).*writes to it upgrades it"):
            p.codings_aside()
    assert _revision_on_disk(project_path) == "0001"
    assert list(project_path.parent.glob("*.backups")) == []


def test_the_first_write_upgrades_an_older_project_after_a_backup(
    project_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    make_old_project(project_path)
    with (
        caplog.at_level(logging.WARNING, logger="codage.store"),
        Project.open(str(project_path), create=False) as p,
    ):
        assert p.codes() == []
        assert caplog.records == []
        p.create_code("Intranet", coder="alice")
        assert [c.name for c in p.codes()] == ["Intranet"]
        assert p.codings_aside() == []
    assert _revision_on_disk(project_path) == head_revision()
    (backup,) = project_path.parent.glob("project.db.backups/*.db")
    assert _revision_on_disk(backup) == "0001"
    (record,) = caplog.records
    assert "upgraded the project from schema 0001" in record.getMessage()
    assert backup.name in record.getMessage()


def test_a_read_only_older_project_is_read_and_not_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    make_old_project(path)
    before = _files(tmp_path)
    with immutable(path, tmp_path), Project.open(str(path)) as p:
        assert p.read_only and p.codes() == []
        with pytest.raises(ReadOnlyProject, match="read-only"):
            p.create_code("Intranet", coder="alice")
    assert _files(tmp_path) == before


# -- through the command line ------------------------------------------------


def _bad_projects(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Broken or foreign projects, each with the words its one line must hold."""
    text = tmp_path / "notes.db"
    text.write_text("Entretien avec M. Garnier.\n", encoding="utf-8")
    empty = tmp_path / "empty.db"
    empty.touch()
    foreign = tmp_path / "invoices.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER)")
    conn.close()
    damaged = tmp_path / "damaged.db"
    make_project(damaged, documents=12)
    _damage(damaged)
    heads = tmp_path / "heads.db"
    make_project(heads)
    newer = tmp_path / "newer.db"
    make_project(newer)
    for path, sql in (
        (heads, "INSERT INTO alembic_version VALUES ('0001')"),
        (newer, "UPDATE alembic_version SET version_num = 'ffff_future'"),
    ):
        with sqlite3.connect(path) as conn:
            conn.execute(sql)
        conn.close()
    return {
        "text": (text, "not a SQLite database"),
        "empty": (empty, "the file is empty"),
        "foreign": (foreign, "not a codage project"),
        "damaged": (damaged, "damaged"),
        "two heads": (heads, "2 schema versions"),
        "newer": (newer, "written by a newer codage"),
    }


def _one_error_line(stderr: str, words: str) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("codage: error: ")
    assert words in lines[0]


def test_every_refusal_is_one_line_and_exit_2_on_the_command_line(tmp_path: Path) -> None:
    runner = CliRunner()
    for name, (path, words) in _bad_projects(tmp_path).items():
        before = path.read_bytes()
        for args in (["documents"], ["code", "entretien-00", "Intranet", "--start=0", "--end=5"]):
            result = runner.invoke(app, [*args, "-p", str(path)])
            assert result.exit_code == 2, (name, result.output)
            _one_error_line(result.stderr, words)
        assert path.read_bytes() == before, name


def test_in_memory_locations_on_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for location in (":memory:", "sqlite://", "sqlite:///:memory:"):
        for args in (["documents"], ["init"]):
            result = runner.invoke(app, [*args, "-p", location])
            assert result.exit_code == 2, (args, location, result.output)
            _one_error_line(result.stderr, "in-memory database keeps nothing")
        # the demo announces what it builds before it opens the project
        result = runner.invoke(app, ["demo", "--no-tui", "-p", location])
        assert result.exit_code == 2
        last = result.stderr.strip().splitlines()[-1]
        assert last.startswith("codage: error: ") and "in-memory database" in last
    assert list(tmp_path.iterdir()) == []


def test_a_read_only_project_on_the_command_line(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    path = folder / "study.db"
    make_project(path)
    runner = CliRunner()
    with immutable(path, folder):
        listed = runner.invoke(app, ["documents", "--json", "-p", str(path)])
        assert listed.exit_code == 0, listed.output
        assert "entretien-00" in listed.stdout
        out = tmp_path / "codings.csv"
        exported = runner.invoke(app, ["export", "csv", str(out), "-p", str(path)])
        assert exported.exit_code == 0, exported.output
        assert "entretien-00" in out.read_text(encoding="utf-8-sig")
        write = ["code", "entretien-00", "Intranet", "--start", "20", "--end", "30"]
        result = runner.invoke(app, [*write, "-p", str(path)])
        assert result.exit_code == 2
        _one_error_line(result.stderr, "this project is read-only (the file cannot be written)")
        # the installed command, in a process of its own
        done = subprocess.run(
            [sys.executable, "-m", "codage", *write, "-p", str(path)],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            timeout=120,
        )
        assert done.returncode == 2
        _one_error_line(done.stderr, "this project is read-only")
        assert "Traceback" not in done.stderr


def test_refusals_in_a_real_process(tmp_path: Path) -> None:
    bad = _bad_projects(tmp_path)
    for name in ("text",):
        path, words = bad[name]
        done = subprocess.run(
            [sys.executable, "-m", "codage", "documents", "-p", str(path)],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            timeout=120,
        )
        assert done.returncode == 2, done.stderr
        _one_error_line(done.stderr, words)


def test_an_older_project_is_upgraded_by_a_writing_command_only(project_path: Path) -> None:
    # A project as codage 0002 left it, built by the real migrations.
    from tests.store.test_migration_0003 import make_0002_project

    make_0002_project(project_path)
    runner = CliRunner()
    listed = runner.invoke(app, ["documents", "-p", str(project_path)])
    assert listed.exit_code == 0 and listed.stderr == ""
    assert _revision_on_disk(project_path) == "0002"
    coded = runner.invoke(
        app,
        [
            "code",
            "entretien-01-region",
            "Partie 1/Outils/Intranet",
            "--start",
            "41",
            "--end",
            "60",
            "--coder",
            "alice",
            "-p",
            str(project_path),
        ],
    )
    assert coded.exit_code == 0, coded.output
    lines = coded.stderr.strip().splitlines()
    assert len(lines) == 1 and "upgraded the project from schema 0002" in lines[0]
    assert _revision_on_disk(project_path) == head_revision()
    (backup,) = project_path.parent.glob("project.db.backups/*.db")
    assert backup.name in lines[0]


def test_no_project_is_created_in_a_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    with immutable(folder), pytest.raises(StoreError, match="cannot create a project in this"):
        Project.open(str(folder / "new.db"))
    assert list(folder.iterdir()) == []


def test_a_writer_kept_waiting_too_long_gets_one_clear_line(
    project_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another program holding the write lock past the busy timeout: refused whole."""
    monkeypatch.setattr("codage.store.engine.BUSY_TIMEOUT_MS", 200)
    monkeypatch.setattr("codage.store.base.BUSY_TIMEOUT_MS", 200)
    make_project(project_path)
    holder = sqlite3.connect(project_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with Project.open(str(project_path), create=False) as p:
            assert [c.name for c in p.codes()] == ["Intranet"]  # reading never waits in WAL
            with pytest.raises(StoreError, match="kept the project busy"):
                p.create_code("Sécurité", coder="alice")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with Project.open(str(project_path), create=False) as p:
        assert [c.name for c in p.codes()] == ["Intranet"]


def test_an_upgrade_made_by_another_process_is_not_made_twice(
    project_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    make_old_project(project_path)
    with (
        caplog.at_level(logging.WARNING, logger="codage.store"),
        Project.open(str(project_path), create=False) as first,
        Project.open(str(project_path), create=False) as second,
    ):
        assert first.store.revision == second.store.revision == "0001"
        first.create_code("Intranet", coder="alice")
        second.create_code("Sécurité", coder="bob")
        assert [c.name for c in second.codes()] == ["Intranet", "Sécurité"]
    assert len(list(project_path.parent.glob("project.db.backups/*.db"))) == 1
    assert len(caplog.records) == 1


def test_writes_begin_immediate_and_reads_stay_deferred(project_path: Path) -> None:
    from sqlalchemy import event

    make_project(project_path)
    statements: list[str] = []
    with Project.open(str(project_path), create=False) as p:
        p.engine.dispose()  # new connections, traced from their first statement

        @event.listens_for(p.engine, "connect")
        def trace(dbapi_connection: sqlite3.Connection, _record: object) -> None:
            dbapi_connection.set_trace_callback(statements.append)

        p.create_code("Sécurité", coder="alice")
        with p.batch(coder="alice"):
            p.create_code("Télétravail", coder="alice")
        p.codes()
    transactions: list[list[str]] = []
    for statement in statements:
        if statement.startswith("BEGIN"):
            transactions.append([])
        if transactions:
            transactions[-1].append(statement)
    writes = [t for t in transactions if any(s.startswith("INSERT") for s in t)]
    reads = [t for t in transactions if t not in writes]
    assert len(writes) == 2 and reads
    assert all(t[0] == "BEGIN IMMEDIATE" for t in writes)
    assert all(t[0] == "BEGIN" for t in reads)
