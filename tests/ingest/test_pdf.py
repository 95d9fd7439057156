"""Text PDFs written by hand (no PDF library needed), and a scan without text."""

from __future__ import annotations

from pathlib import Path

import pytest

from codage.ingest.errors import IngestError
from codage.ingest.reader import read_file
from tests.ingest.conftest import units_of
from tests.ingest.pdf_writer import write_pdf as write_pages


def write_pdf(path: Path, lines: list[str]) -> Path:
    """A one-page PDF with the given lines in Helvetica; empty ``lines`` gives no text."""
    return write_pages(path, [[(72, 740 - 14 * i, line) for i, line in enumerate(lines)]])


def test_text_pdf(tmp_path: Path) -> None:
    path = write_pdf(
        tmp_path / "entretien.pdf",
        [
            "Enquêtrice : Pouvez-vous présenter votre rôle ?",
            "M. Garnier : Je suis DSI à la Région.",
            "Enquêtrice : Merci.",
        ],
    )
    (doc,) = read_file(path)
    assert doc.name == "entretien"
    assert "Je suis DSI à la Région." in doc.text
    assert [u.speaker for u in units_of(doc, "turn")] == ["Enquêtrice", "M. Garnier", "Enquêtrice"]
    assert doc.metadata["pages"] == 1


def test_scanned_pdf_without_text_layer(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "scan.pdf", [])
    with pytest.raises(
        IngestError, match=r"scan\.pdf: this PDF has no text layer \(a scan\?\); run OCR"
    ):
        read_file(path)


def test_damaged_pdf(tmp_path: Path) -> None:
    path = tmp_path / "abime.pdf"
    path.write_bytes(b"%PDF-1.4\n" + b"\x00garbage" * 50)
    with pytest.raises(IngestError, match=r"abime\.pdf: "):
        read_file(path)


def test_not_a_pdf(tmp_path: Path) -> None:
    path = tmp_path / "faux.pdf"
    path.write_text("texte", encoding="utf-8")
    with pytest.raises(IngestError, match="not a PDF"):
        read_file(path)
