"""Backups of a SQLite project: made before risky changes, listed, brought back.

A backup is a copy taken with SQLite's online backup API (consistent even while
other coders write), kept in a folder beside the project: ``study.db`` keeps its
backups in ``study.db.backups/``, named ``study-20261129-183612-merge.db`` (UTC
time, then the reason). Beside the project rather than in the user's data
folder because a backup holds the same interviews as the project: it stays under
the protection the researcher chose for the study's folder (an encrypted disk, a
shared drive's rights), it travels when the folder is moved or copied, and it is
found by looking. A project *file* moved alone leaves its backups behind in the
old folder; ``codage backups`` on the moved file lists none, and the old folder's
backups can still be restored by path (``codage restore OLD/study.db.backups/...``).

At most ``keep`` backups are kept per project (the oldest go first); a backup is
written under a temporary name and renamed into place, so that a process killed
mid-copy never leaves half a backup under a backup's name. Backups made by
earlier versions of codage (``study.db.bak-STAMP`` beside the file) are listed
and can be restored, but never deleted.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from codage.store.sqlite_file import FileRefused, inspect_file, read_only_uri

# How many backups of a project are kept when the settings do not say (`backups` in
# settings.toml): each is a whole copy of the project, so a handful of the last risky
# changes, not a history (the journal is the history).
DEFAULT_KEEP = 5
REASONS = ("upgrade", "merge", "replace", "import-qdpx", "restore")
_STAMP = "%Y%m%d-%H%M%S"
_NAME = re.compile(
    r"^(?P<stem>.+)-(?P<stamp>\d{8}-\d{6})-(?P<reason>[a-z]+(?:-[a-z]+)*?)(?:-(?P<n>\d+))?\.db$"
)
_LEGACY = re.compile(r"\.bak-(?P<stamp>\d{8}-\d{6})(?:-(?P<n>\d+))?$")
_PARTIAL = ".partial"


class BackupError(Exception):
    """A backup that cannot be made or restored; the message is meant for the user."""


@dataclass(frozen=True)
class Backup:
    """One backup of a project: its file, when (UTC) and why it was made."""

    path: Path
    made: datetime
    reason: str
    size: int
    # made by an earlier codage, beside the project (never pruned)
    legacy: bool = False
    n: int = 1

    @property
    def name(self) -> str:
        return self.path.name


def backup_folder(project: Path) -> Path:
    """Where the backups of the project file ``project`` are kept."""
    return project.with_name(project.name + ".backups")


def _stem(project: Path) -> str:
    return project.stem or project.name


def list_backups(project: Path) -> list[Backup]:
    """The backups of ``project``, newest first (half-written ones are not backups)."""
    found: list[Backup] = []
    folder = backup_folder(project)
    if folder.is_dir():
        for path in folder.iterdir():
            match = _NAME.match(path.name)
            if match is None or not path.is_file():
                continue
            made = datetime.strptime(match["stamp"], _STAMP).replace(tzinfo=UTC)
            found.append(
                Backup(path, made, match["reason"], path.stat().st_size, n=int(match["n"] or 1))
            )
    for path in project.parent.glob(f"{glob_escape(project.name)}.bak-*"):
        legacy = _LEGACY.search(path.name)
        if legacy is None or not path.is_file():
            continue
        made = datetime.strptime(legacy["stamp"], _STAMP).replace(tzinfo=UTC)
        found.append(
            Backup(path, made, "upgrade", path.stat().st_size, True, int(legacy["n"] or 1))
        )
    return sorted(found, key=lambda b: (b.made, b.n, not b.legacy), reverse=True)


def glob_escape(name: str) -> str:
    """``name`` with glob's special characters taken literally."""
    return re.sub(r"([*?\[])", r"[\1]", name)


def _target(project: Path, reason: str) -> tuple[Path, int]:
    folder = backup_folder(project)
    stamp = datetime.now(UTC).strftime(_STAMP)
    base = f"{_stem(project)}-{stamp}-{reason}"
    # Two backups in one second (a merge, then a restore): numbered in the order they
    # were made, whatever their reasons, so that "newest first" never depends on the
    # order the folder lists its files in; never overwritten.
    existing = list_backups(project)
    taken = {b.name for b in existing}
    n = 1 + max((b.n for b in existing if b.made.strftime(_STAMP) == stamp), default=0)
    name = f"{base}.db" if n == 1 else f"{base}-{n}.db"
    while name in taken or (folder / name).exists():
        n += 1
        name = f"{base}-{n}.db"
    return folder / name, n


def _clear_partials(folder: Path) -> None:
    """Remove what backups interrupted by a kill left (their process is gone)."""
    for partial in folder.glob(f"*{_PARTIAL}"):
        try:
            pid = int(partial.name.rsplit(".", 2)[-2])
        except (ValueError, IndexError):
            continue
        if not _alive(pid):
            partial.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def copy_database(source: sqlite3.Connection, target: Path) -> None:
    """Write what ``source`` holds into the new file ``target``, as one self-contained file."""
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        # a backup is one file: no write-ahead log to keep beside it
        copy.execute("PRAGMA journal_mode=DELETE")
        copy.commit()
    finally:
        copy.close()


def kept_backups() -> int:
    """How many backups of each project to keep: ``backups`` in the settings, else 5."""
    from codage.config import load_settings  # the settings file, read only when backing up

    kept = load_settings().backups
    return DEFAULT_KEEP if kept is None else kept


def make_backup(
    project: Path, reason: str, *, keep: int = DEFAULT_KEEP, protect: Path | None = None
) -> Backup | None:
    """Back ``project`` up for ``reason``, then keep the ``keep`` newest; None when keep is 0.

    ``protect`` is a backup not to prune even if it is among the oldest (the one a
    restore is about to bring back).
    Raises :class:`BackupError` (nothing made, nothing pruned) when the copy cannot
    be written: a full disk, a read-only folder.
    """
    if keep <= 0:
        return None
    if reason not in REASONS:
        raise ValueError(f"unknown backup reason {reason!r}")
    folder = backup_folder(project)
    try:
        folder.mkdir(exist_ok=True)
        _clear_partials(folder)
        target, n = _target(project, reason)
        partial = target.with_name(f"{target.name}.{os.getpid()}{_PARTIAL}")
        try:
            source = sqlite3.connect(read_only_uri(project), uri=True)
            try:
                copy_database(source, partial)
            finally:
                source.close()
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
    except (OSError, sqlite3.Error) as exc:
        raise BackupError(f"{project}: cannot make a backup in {folder} ({_why(exc)})") from None
    made = Backup(target, datetime.now(UTC), reason, target.stat().st_size, n=n)
    prune(project, keep, protect={target, protect})
    return made


def _why(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc)


def prune(project: Path, keep: int, *, protect: set[Path | None] | None = None) -> list[Path]:
    """Delete this codage's backups of ``project`` beyond the ``keep`` newest; returns them."""
    ours = [b for b in list_backups(project) if not b.legacy]
    removed = []
    for old in ours[max(keep, 1) :]:
        if protect and old.path in protect:
            continue
        old.path.unlink(missing_ok=True)
        removed.append(old.path)
    return removed


def find_backup(project: Path, given: str | None) -> Backup:
    """The backup a person named (a file name from ``codage backups``, or a path), or
    the newest one when they named none."""
    known = list_backups(project)
    if given is None:
        if not known:
            raise BackupError(f"{project}: no backup of this project in {backup_folder(project)}")
        return known[0]
    for backup in known:
        if given in (backup.name, str(backup.path)):
            return backup
    path = Path(given).expanduser()
    if path.is_file():
        stat = path.stat()
        made = datetime.fromtimestamp(stat.st_mtime, UTC)
        return Backup(path.resolve(), made, "file", stat.st_size)
    raise BackupError(f"{given}: no such backup of {project.name}; `codage backups` lists them")


def check_backup(backup: Path) -> None:
    """Refuse a file that is not a whole codage project (checked read-only)."""
    try:
        found = inspect_file(backup)
    except FileRefused as exc:
        raise BackupError(f"cannot restore: {exc}") from None
    if not found.tables >= {"documents", "codings", "journal"} or not found.versions:
        raise BackupError(f"cannot restore: {backup} is not a codage project")


def restore_into(project: Path, backup: Path) -> None:
    """Write ``backup`` over ``project`` in one transaction of the project's own.

    The online backup API writes into the live project under its write lock: other
    processes see the old project or the restored one, never a mixture, and a
    process killed mid-restore leaves the project as it was.
    """
    try:
        source = sqlite3.connect(read_only_uri(backup), uri=True)
        try:
            target = sqlite3.connect(project, timeout=10)
            try:
                source.backup(target)
                # the project goes on in WAL mode, as codage opens every project
                target.execute("PRAGMA journal_mode=WAL")
            finally:
                target.close()
        finally:
            source.close()
    except (OSError, sqlite3.Error) as exc:
        raise BackupError(
            f"{project}: cannot restore {backup.name} ({_why(exc)}); the project is as it was"
        ) from None


def replace_damaged(project: Path, backup: Path) -> None:
    """Put a copy of ``backup`` in place of a project SQLite can no longer read.

    Written beside the project under a temporary name and renamed over it: a kill
    leaves the damaged project or the restored one, never half of either.
    """
    partial = project.with_name(f"{project.name}.{os.getpid()}{_PARTIAL}")
    try:
        source = sqlite3.connect(read_only_uri(backup), uri=True)
        try:
            copy_database(source, partial)
        finally:
            source.close()
        for suffix in ("-wal", "-shm", "-journal"):
            project.with_name(project.name + suffix).unlink(missing_ok=True)
        os.replace(partial, project)
    except (OSError, sqlite3.Error) as exc:
        raise BackupError(
            f"{project}: cannot restore {backup.name} ({_why(exc)}); the project is as it was"
        ) from None
    finally:
        partial.unlink(missing_ok=True)


def save_damaged(project: Path, reason: str = "restore") -> Path:
    """Copy a project the backup API cannot read, byte for byte, before it is replaced."""
    folder = backup_folder(project)
    folder.mkdir(exist_ok=True)
    target, _ = _target(project, reason)
    for suffix in ("", "-wal"):
        side = project.with_name(project.name + suffix)
        if side.exists():
            shutil.copyfile(side, target.with_name(target.name + suffix))
    return target
