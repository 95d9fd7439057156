"""Project files whose pages were verified, and not changed since.

``PRAGMA quick_check`` reads a whole project file: 1.6 s of processor time at a
million codings, on every opening (issue 20). A file whose identity is what it was
when its check passed (the same device and inode, size, modification and change
times, and the same write-ahead log) has not been written since, by codage or by
anything else: a copy, a synchronised folder or a full disk makes a new inode or new
times (the change time cannot be set back), so the file is checked again. What this
cannot see is the disk itself corrupting a file that nothing wrote to; SQLite still
refuses the pages it cannot read.

The record is a small JSON file in the user's cache folder (``$CODAGE_CACHE``
overrides it), keyed by the file's resolved path. A check is recorded only when the
file was last changed some seconds before it: a file changed twice within the
timestamps' granularity would otherwise keep the identity of its first version.
Failing to read or write the record only means checking again.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

__all__ = ["cache_folder", "file_identity", "record_verified", "was_verified"]

_RECORD = "verified.json"
# Files remembered, the most recently verified kept
_KEEP = 64
# A file changed less than this before its check is not recorded (file systems keep
# times to the second or two, some; to a few milliseconds, most)
SETTLED_NS = 3_000_000_000

Identity = list[int]


def cache_folder() -> Path:
    """Where codage keeps what it can make again: ``$CODAGE_CACHE``, else the user's
    cache folder (as platformdirs names it; on Linux read from the environment, so that
    light commands do not load it)."""
    override = os.environ.get("CODAGE_CACHE")
    if override:
        return Path(override)
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        base = os.environ.get("XDG_CACHE_HOME", "").strip()
        root = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
        return root / "codage"
    from platformdirs import user_cache_path

    return user_cache_path("codage", appauthor=False)


def file_identity(path: Path) -> Identity | None:
    """What changes whenever a file (or its write-ahead log) is written, renamed over or
    copied back; None when it cannot be read."""
    try:
        main = os.stat(path)
    except OSError:
        return None
    identity = [main.st_dev, main.st_ino, main.st_size, main.st_mtime_ns, main.st_ctime_ns]
    try:
        wal = os.stat(path.with_name(path.name + "-wal"))
    except OSError:
        return identity
    # an empty log holds nothing (a read-only look may leave one behind)
    if wal.st_size:
        identity += [wal.st_ino, wal.st_size, wal.st_mtime_ns, wal.st_ctime_ns]
    return identity


def _key(path: Path) -> str:
    return str(path.resolve())


def _read() -> dict[str, Identity]:
    try:
        found = json.loads((cache_folder() / _RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def was_verified(path: Path, identity: Identity | None) -> bool:
    """Whether the file's pages passed a check when it was exactly as it is now."""
    if identity is None:
        return False
    return _read().get(_key(path)) == identity


def record_verified(path: Path, identity: Identity | None) -> None:
    """Remember that the file, as ``identity`` (taken before its check) says, passed its
    check; unless it changed during the check or too shortly before it."""
    if identity is None or file_identity(path) != identity:
        return
    changed = max(identity[3], identity[4], *identity[7:9])
    if time.time_ns() - changed < SETTLED_NS:
        return
    records = _read()
    records.pop(_key(path), None)
    records[_key(path)] = identity
    kept = dict(list(records.items())[-_KEEP:])
    import tempfile  # only when a check is recorded: light commands start without it

    folder = cache_folder()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=folder, prefix=".verified-", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(kept, out)
            os.replace(name, folder / _RECORD)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
    except OSError:
        return  # not remembered: checked again next time
