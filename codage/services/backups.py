"""Backups of a project, for both faces: made before a risky change, listed, restored.

The copies themselves are :mod:`codage.store.backup`'s (SQLite's online backup
API, a folder beside the project). A project on PostgreSQL is backed up by its
server (``pg_dump``), not by codage: these functions say so in one line.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from codage.store.backup import (
    Backup,
    BackupError,
    check_backup,
    find_backup,
    kept_backups,
    list_backups,
    make_backup,
    prune,
    replace_damaged,
    restore_into,
    save_damaged,
)
from codage.store.errors import StoreError
from codage.store.location import display_location, is_memory_location, project_url
from codage.store.sqlite_file import FileRefused, inspect_file

if TYPE_CHECKING:
    from codage.store.project import Project

__all__ = [
    "Backup",
    "RestoreReport",
    "back_up",
    "project_backups",
    "restore_backup",
    "server_backups_note",
]

log = logging.getLogger("codage.store")


def server_backups_note(location: str) -> str:
    """The one line said of a server project, whose backups are the server's job."""
    return (
        f"{display_location(location)}: a PostgreSQL project is backed up by its server "
        "(pg_dump), not by codage"
    )


def _file_of(location: str) -> Path | None:
    if is_memory_location(location):
        return None
    url = project_url(location)
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///"))
    return None


def back_up(project: Project, reason: str) -> Path | None:
    """Back a SQLite project up before a change of kind ``reason``; its path, or None.

    None on PostgreSQL (the server's job) and when the settings keep no backups
    (``backups = 0``). A backup that cannot be made (a full disk, a read-only
    folder) refuses the change: :class:`StoreError`, nothing was changed.
    """
    path = project.store.sqlite_file
    if path is None:
        return None
    if project.store.read_only:
        raise project.store.refuse_write()
    try:
        made = make_backup(path, reason, keep=kept_backups())
    except BackupError as exc:
        raise StoreError(f"{exc}; nothing was changed") from None
    if made is None:
        return None
    log.info("%s: backed up to %s before %s", project.store.shown, made.path, reason)
    return made.path


def project_backups(location: str) -> list[Backup]:
    """The backups of the project at ``location``, newest first.

    Raises :class:`StoreError` for a server project (see :func:`server_backups_note`).
    """
    path = _file_of(location)
    if path is None:
        raise StoreError(server_backups_note(location))
    return list_backups(path.resolve())


@dataclass(frozen=True)
class RestoreReport:
    """What a restore did: the backup brought back, and where the state it replaced went."""

    project: Path
    restored: Path
    saved: Path | None


def restore_backup(location: str, given: str | None = None) -> RestoreReport:
    """Bring back the backup ``given`` (a name from :func:`project_backups`, or a path;
    the newest when None) over the project at ``location``.

    The project as it stands is backed up first (reason ``restore``), so that the
    restore itself can be undone by restoring that backup. A project too damaged
    for SQLite to read is saved byte for byte instead. Raises :class:`StoreError`
    for a server project, a missing or damaged backup, or a project that cannot
    be written; the project is then as it was.
    """
    path = _file_of(location)
    if path is None:
        raise StoreError(server_backups_note(location))
    path = path.resolve()
    try:
        backup = find_backup(path, given)
        check_backup(backup.path)
        if backup.path == path:
            raise BackupError(f"{path}: a project cannot be restored from itself")
        saved, damaged = _save_current(path, backup.path)
        if damaged:
            replace_damaged(path, backup.path)
        else:
            restore_into(path, backup.path)
    except BackupError as exc:
        raise StoreError(str(exc)) from None
    prune(path, kept_backups(), protect={saved})
    return RestoreReport(path, backup.path, saved)


def _save_current(path: Path, backup: Path) -> tuple[Path | None, bool]:
    """Back the current project up before it is replaced (a restore of a restore);
    the copy, and whether the project was too damaged to be read."""
    if not path.exists():
        return None, False
    try:
        found = inspect_file(path)
    except FileRefused:
        # damaged beyond what the backup API reads: kept as it is, byte for byte
        try:
            return save_damaged(path), True
        except OSError as exc:
            raise BackupError(
                f"{path}: cannot save the damaged project before restoring ({exc.strerror}); "
                "nothing was changed"
            ) from None
    if not found.writable:
        raise BackupError(f"{path}: this project is read-only ({found.read_only_reason})")
    # at least one kept, whatever the settings: this is the way back from the restore
    made = make_backup(path, "restore", keep=max(kept_backups(), 1), protect=backup)
    assert made is not None
    return made.path, False
