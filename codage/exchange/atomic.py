"""Exports written whole or not at all.

An export is written to a temporary file in the target folder and renamed onto
the target only when complete, so a full disk, a crash or a kill never leaves a
half-written dossier, and never destroys yesterday's.

A killed export leaves its hidden temporary file (``.name.xxxx.part``), as large as
what it had written: an export streams a million codings into it for minutes. Each
export holds a lock on its own temporary file while it writes, and the next export to
the same name removes the temporary files no living export holds.
"""

from __future__ import annotations

import contextlib
import glob
import io
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

__all__ = ["ExportWriteError", "atomic_path", "save_atomically"]


class ExportWriteError(OSError):
    """Writing an export failed; the file that was there before is untouched."""


@contextlib.contextmanager
def atomic_path(out: str | Path) -> Iterator[Path]:
    """A temporary path beside ``out``; renamed onto ``out`` when the block succeeds.

    The temporary file is flushed to disk before the rename. If the block
    raises, the temporary file is removed and ``out`` is left as it was; an
    ``OSError`` (disk full, file too large, I/O error) becomes
    :class:`ExportWriteError` with one line naming the file.
    """
    target = Path(out)
    folder = target.parent if str(target.parent) else Path(".")
    # What killed exports left goes before this export makes its own file: a kill between
    # the two then leaves one temporary file at most, never this one beside an old one.
    _remove_abandoned(folder, f".{glob.escape(target.name)}.*.part")
    try:
        handle, name = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".part")
    except OSError as exc:
        raise ExportWriteError(f"{target}: cannot write there ({exc.strerror or exc})") from None
    temporary = Path(name)
    # held until the file is renamed or removed: the lock says a living export owns it
    if not _lock(handle):
        os.close(handle)
        handle = -1
    try:
        yield temporary
        with open(temporary, "rb+") as written:
            os.fsync(written.fileno())
        os.replace(temporary, target)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        if isinstance(exc, ExportWriteError):
            raise
        reason = exc.strerror or str(exc) or type(exc).__name__
        kept = " (the previous file is unchanged)" if target.exists() else ""
        raise ExportWriteError(f"{target}: could not be written: {reason}{kept}") from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    finally:
        if handle >= 0:
            os.close(handle)


def _lock(handle: int) -> bool:
    """Take the lock of an open file without waiting; False when another process holds
    it (or the system has no such locks: then nothing is ever taken for abandoned)."""
    try:
        import fcntl
    except ImportError:  # Windows: no flock
        return False
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _remove_abandoned(folder: Path, pattern: str) -> None:
    """Remove the temporary files matching ``pattern`` that no living export holds:
    what killed exports left."""
    for path in folder.glob(pattern):
        try:
            handle = os.open(path, os.O_RDONLY)
        except OSError:
            continue
        try:
            if _lock(handle):
                path.unlink(missing_ok=True)
        finally:
            os.close(handle)


def save_atomically(out: str | Path, save: Callable[[io.BytesIO], object]) -> None:
    """Build a zip-based file (docx, xlsx) in memory with ``save``, then write it whole.

    Libraries that write a zip straight to a path leave it half-open when the
    disk fills and complain again when it is collected; in memory first, the
    only write that can fail is ours, and it goes through :func:`atomic_path`.
    """
    buffer = io.BytesIO()
    save(buffer)
    with atomic_path(out) as part:
        part.write_bytes(buffer.getbuffer())
