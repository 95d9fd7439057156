"""Text-based PDF, read as plain text (pypdf); a scan without text is refused clearly."""

from __future__ import annotations

import logging
from pathlib import Path

from codage.domain import NewDocument
from codage.ingest.encoding import clean_text
from codage.ingest.errors import IngestError
from codage.ingest.structure import build_document, plain_blocks


def read_pdf(path: Path) -> list[NewDocument]:
    """Read the text layer of a ``.pdf``, page after page, then paragraphs and turns."""
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError

    try:
        with path.open("rb") as handle:
            head = handle.read(1024)
    except OSError as exc:
        raise IngestError(path, f"cannot be read ({exc.strerror or exc})") from None
    if not head.strip():
        raise IngestError(path, "the file is empty; nothing to import")
    if b"%PDF" not in head:
        raise IngestError(path, "this is not a PDF file (no %PDF header); check the extension")
    # pypdf logs warnings for every small flaw of real-world PDFs; our message suffices.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError(path, "this PDF is password-protected; remove the password first")
        pages = [page.extract_text() or "" for page in reader.pages]
    except IngestError:
        raise
    except FileNotDecryptedError:
        raise IngestError(
            path, "this PDF is password-protected; remove the password first"
        ) from None
    except Exception as exc:  # pypdf raises many kinds of errors on broken files
        raise IngestError(path, f"this PDF is damaged and cannot be read ({exc})") from None
    if not any(page.strip() for page in pages):
        raise IngestError(
            path,
            "this PDF has no text layer (a scan?); run OCR first (e.g. ocrmypdf) "
            "and import the result",
        )
    text = clean_text("\n\n".join(page.strip() for page in pages if page.strip()), path)
    blocks = plain_blocks(text)
    return [
        build_document(
            path.stem,
            text,
            blocks,
            source_path=path,
            metadata={"format": "pdf", "pages": len(pages)},
        )
    ]
