"""Plain text and Markdown transcripts."""

from __future__ import annotations

from pathlib import Path

from codage.domain import NewDocument
from codage.ingest.encoding import decode_with_encoding
from codage.ingest.errors import IngestError
from codage.ingest.structure import build_document, plain_blocks

MARKDOWN_SUFFIXES = {".md", ".markdown"}


def read_plain(path: Path) -> list[NewDocument]:
    """Read a ``.txt`` or ``.md`` file: paragraphs, Markdown headings, speaker turns.

    The stored text is the file's text, decoded and normalised, nothing removed but
    stray control characters.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(path, f"cannot be read ({exc.strerror or exc})") from None
    text, encoding = decode_with_encoding(data, path)
    markdown = path.suffix.lower() in MARKDOWN_SUFFIXES
    blocks = plain_blocks(text, markdown=markdown)
    return [
        build_document(
            path.stem,
            text,
            blocks,
            source_path=path,
            metadata={"format": "markdown" if markdown else "text", "encoding": encoding},
        )
    ]
