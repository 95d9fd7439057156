"""Looking at a SQLite file without changing it: is it ours, whole, and writable?

Everything here reads through a read-only sqlite3 connection, so that a file
codage does not recognise (a text file, another application's database, a
damaged project) is left byte for byte as it was.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from codage.store.verified import file_identity, record_verified, was_verified

SQLITE_HEADER = b"SQLite format 3\x00"
# Tables every codage schema has had since the first migration: a database that holds
# them and an unknown schema version was written by a newer codage, not by someone else.
CODAGE_TABLES = frozenset({"documents", "codes", "codings", "coders", "journal"})


class FileRefused(Exception):
    """The file is not one codage may open; the message is meant for the user."""


@dataclass(frozen=True)
class SQLiteFile:
    """What a read-only look at an existing SQLite file found."""

    path: Path
    tables: frozenset[str] = field(default_factory=frozenset)
    versions: tuple[str, ...] = ()
    writable: bool = True
    read_only_reason: str = ""
    # True when the folder cannot hold SQLite's -wal/-shm files: the file is then read
    # as immutable, which is safe only because nobody can write it either.
    immutable: bool = False

    @property
    def empty(self) -> bool:
        return not self.tables


def read_only_uri(path: Path, *, immutable: bool = False) -> str:
    """A sqlite3 URI that can only read `path` (percent-encoded: names may hold ? or #)."""
    flag = "immutable=1" if immutable else "mode=ro"
    return f"file:{quote(str(path))}?{flag}"


def _writable(path: Path) -> tuple[bool, str]:
    # os.access also sees the immutable attribute, which stops even root.
    if not os.access(path, os.W_OK):
        return False, "the file cannot be written"
    if not os.access(path.parent, os.W_OK):
        # SQLite keeps its write-ahead log beside the file; without it nothing commits.
        return False, "its folder cannot be written"
    return True, ""


def _connect_read_only(path: Path) -> tuple[sqlite3.Connection, bool]:
    """A read-only connection, and whether it had to treat the file as immutable."""
    conn = sqlite3.connect(read_only_uri(path), uri=True)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn, False
    except sqlite3.OperationalError:
        conn.close()
    # A WAL project in a folder that refuses the -shm file: read it as immutable,
    # unless a write-ahead log holds changes that immutable mode would not see.
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise FileRefused(
            f"{path}: recent changes are in {wal.name} but the folder is read-only; "
            "open it once where it can be written"
        )
    conn = sqlite3.connect(read_only_uri(path, immutable=True), uri=True)
    return conn, True


def _damaged(path: Path, detail: str) -> FileRefused:
    # quick_check answers over several lines ("*** in database main ***", "Page 18: ...").
    detail = " ".join(
        line.strip() for line in detail.splitlines() if line.strip() and not line.startswith("***")
    )
    from codage.store.backup import list_backups  # backup.py reads files with this module

    found = list_backups(path)
    hint = (
        f"restore the backup {found[0].name} (codage restore {found[0].name} -p {path})"
        if found
        else f"restore it from a backup (codage keeps them in {path.name}.backups/)"
    )
    return FileRefused(f"{path}: the project file is damaged ({detail}); {hint}")


def inspect_file(path: Path, *, check: bool = True) -> SQLiteFile:
    """Read what an existing file holds without writing to it; refuse what is not ours.

    A zero-byte file is refused: SQLite would happily turn it into a database, but
    codage did not create it, and an empty file is more often a placeholder of
    another program or a failed copy than a project. With ``check`` its pages are
    verified (``PRAGMA quick_check``), unless the file is as it was when they last
    passed (see :mod:`codage.store.verified`).
    """
    if path.is_dir():
        raise FileRefused(f"{path}: is a folder, not a project file")
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise FileRefused(f"{path}: cannot be read ({exc.strerror})") from None
    if not header:
        raise FileRefused(
            f"{path}: the file is empty, not a codage project; "
            "remove it or choose another name to create a project"
        )
    if header != SQLITE_HEADER:
        raise FileRefused(f"{path}: not a SQLite database, so not a codage project")
    writable, reason = _writable(path)
    # a file unchanged since its pages last passed the check is not read whole again
    # (see verified.py); the identity is taken before the look, which may leave an
    # empty write-ahead log behind
    identity = file_identity(path) if check else None
    if check and was_verified(path, identity):
        check = False
        identity = None
    try:
        conn, immutable = _connect_read_only(path)
    except sqlite3.DatabaseError as exc:
        raise _damaged(path, str(exc)) from None
    try:
        if check:
            problems = [row[0] for row in conn.execute("PRAGMA quick_check(3)")]
            if problems != ["ok"]:
                raise _damaged(path, problems[0])
        tables = frozenset(
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        )
        versions: tuple[str, ...] = ()
        if "alembic_version" in tables:
            versions = tuple(
                str(row[0]) for row in conn.execute("SELECT version_num FROM alembic_version")
            )
    except sqlite3.DatabaseError as exc:
        raise _damaged(path, str(exc)) from None
    finally:
        conn.close()
    if identity is not None:
        record_verified(path, identity)
    return SQLiteFile(path, tables, versions, writable, reason, immutable)


@contextmanager
def left_as_found(path: Path) -> Iterator[None]:
    """On any error inside, remove the -wal/-shm files that were not there before.

    A read-only look at a WAL-mode file leaves empty -wal/-shm files beside it; a
    file codage refuses must be left exactly as it was found.
    """
    sidecars = [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]
    before = {side for side in sidecars if side.exists()}
    try:
        yield
    except BaseException:
        for side in sidecars:
            if side not in before:
                side.unlink(missing_ok=True)
        raise
