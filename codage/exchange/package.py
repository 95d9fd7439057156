"""A zip package (docx, xlsx) rewritten with one part's content streamed in at a marker.

A library (python-docx, openpyxl) writes the small part of a document, with its styles
and everything around the bulk; the bulk (a dossier's extracts, a table's rows) is then
written as text where a marker stands in one part, straight into the zip, never held.
"""

from __future__ import annotations

import io
import queue
import threading
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO

__all__ = ["splice_package"]

# zlib's level 1: a third of level 6's processor time on a large part (python-docx and
# openpyxl use 6), about a fifth more bytes; every zip reader reads any level
LEVEL = 1


def splice_package(
    out: Path,
    template: io.BytesIO,
    member: str,
    marker: str,
    content: Iterable[bytes],
    *,
    beside: bool = False,
) -> None:
    """Write ``template``'s parts to ``out`` in their order; ``member`` with ``content``
    in place of the first ``marker`` in its text (UTF-8). With ``beside``, the content's
    pieces are compressed and written by a thread of their own while the next ones are
    made (see :func:`_write_beside`)."""
    with zipfile.ZipFile(template) as package:
        text = package.read(member).decode("utf-8")
        head, found, tail = text.partition(marker)
        if not found:
            raise RuntimeError(f"{member} of the template lost its marker")
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=LEVEL) as zipped:
            for info in package.infolist():
                if info.filename != member:
                    zipped.writestr(info.filename, package.read(info.filename))
                    continue
                with zipped.open(member, "w", force_zip64=True) as part:
                    part.write(head.encode("utf-8"))
                    if beside:
                        _write_beside(part, content)
                    else:
                        for piece in content:
                            part.write(piece)
                    part.write(tail.encode("utf-8"))


# Pieces made but not yet written, at most: a few megabytes
_AHEAD = 4


def _write_beside(part: IO[bytes], content: Iterable[bytes]) -> None:
    """``content`` written to ``part`` by another thread: a zip entry's checksum, its
    deflate and the file's writes all run without the interpreter's lock, so a gigabyte
    of sheet is compressed on a second core while this one makes the next pieces (the
    same bytes, in the same order: one writer, one queue)."""
    pending: queue.Queue[bytes | None] = queue.Queue(maxsize=_AHEAD)
    failed: list[BaseException] = []

    def work() -> None:
        try:
            while (piece := pending.get()) is not None:
                part.write(piece)
        except BaseException as exc:  # handed to the caller's thread below
            failed.append(exc)
            while pending.get() is not None:
                pass  # let the maker finish its put and stop

    writer = threading.Thread(target=work, name="codage-zip", daemon=True)
    writer.start()
    try:
        for piece in content:
            if failed:
                break
            pending.put(piece)
    finally:
        pending.put(None)
        writer.join()
    if failed:
        raise failed[0]
