"""A zip package (docx, xlsx) rewritten with one part's content streamed in at a marker.

A library (python-docx, openpyxl) writes the small part of a document, with its styles
and everything around the bulk; the bulk (a dossier's extracts, a table's rows) is then
written as text where a marker stands in one part, straight into the zip, never held.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from pathlib import Path

__all__ = ["splice_package"]

# zlib's level 1: a third of level 6's processor time on a large part (python-docx and
# openpyxl use 6), about a fifth more bytes; every zip reader reads any level
LEVEL = 1


def splice_package(
    out: Path, template: io.BytesIO, member: str, marker: str, content: Iterable[bytes]
) -> None:
    """Write ``template``'s parts to ``out`` in their order; ``member`` with ``content``
    in place of the first ``marker`` in its text (UTF-8)."""
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
                    for piece in content:
                        part.write(piece)
                    part.write(tail.encode("utf-8"))
