"""Exports written whole or not at all.

An export is written to a temporary file in the target folder and renamed onto
the target only when complete, so a full disk, a crash or a kill never leaves a
half-written dossier, and never destroys yesterday's.
"""

from __future__ import annotations

import contextlib
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
    try:
        handle, name = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".part")
    except OSError as exc:
        raise ExportWriteError(f"{target}: cannot write there ({exc.strerror or exc})") from None
    os.close(handle)
    temporary = Path(name)
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
