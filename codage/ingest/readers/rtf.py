"""Rich Text Format, read as plain text (striprtf), one paragraph per line."""

from __future__ import annotations

import re
from pathlib import Path

from striprtf.striprtf import rtf_to_text

from codage.domain import NewDocument
from codage.ingest.encoding import clean_text
from codage.ingest.errors import IngestError
from codage.ingest.structure import build_document, plain_blocks

_CODEPAGE = re.compile(rb"\\ansicpg(\d+)")


def read_rtf(path: Path) -> list[NewDocument]:
    """Read an ``.rtf`` file: its text, paragraph by paragraph, then speaker turns."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(path, f"cannot be read ({exc.strerror or exc})") from None
    if not data.strip():
        raise IngestError(path, "the file is empty; nothing to import")
    if not data.lstrip().startswith(b"{\\rtf"):
        raise IngestError(path, "this is not an RTF file (no {\\rtf header); check the extension")
    # RTF is 7-bit: non-ASCII comes as \'xx escapes in the declared code page, or
    # as \uN. Latin-1 maps the raw bytes one to one so striprtf sees them intact.
    encoding = _encoding(data)
    try:
        text = rtf_to_text(data.decode("latin-1"), encoding=encoding, errors="strict")
    except (UnicodeDecodeError, LookupError):
        try:
            text = rtf_to_text(data.decode("latin-1"), encoding="cp1252", errors="replace")
        except Exception as exc:  # striprtf raises bare exceptions on broken input
            raise IngestError(path, f"this RTF file is damaged ({exc}); save it again") from None
    except Exception as exc:
        raise IngestError(path, f"this RTF file is damaged ({exc}); save it again") from None
    text = clean_text(text, path)
    blocks = plain_blocks(text, per_line=True)
    return [build_document(path.stem, text, blocks, source_path=path, metadata={"format": "rtf"})]


def _encoding(data: bytes) -> str:
    head = data[:4096]
    if b"\\mac" in head and b"\\ansicpg" not in head:
        return "mac_roman"
    match = _CODEPAGE.search(head)
    if match is None:
        return "cp1252"
    page = int(match.group(1))
    if page == 65001:
        return "utf-8"
    if page == 10000:
        return "mac_roman"
    return f"cp{page}"
