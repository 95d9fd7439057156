"""Text PDFs written by hand (no PDF library needed), and a scan without text."""

from __future__ import annotations

from pathlib import Path

import pytest

from codage.ingest.errors import IngestError
from codage.ingest.reader import read_file
from tests.ingest.conftest import units_of


def _pdf_string(text: str) -> str:
    # WinAnsiEncoding: accented letters as octal escapes of their cp1252 bytes.
    out = []
    for byte in text.encode("cp1252"):
        char = chr(byte)
        if char in "()\\":
            out.append("\\" + char)
        elif byte < 128:
            out.append(char)
        else:
            out.append(f"\\{byte:03o}")
    return "".join(out)


def write_pdf(path: Path, lines: list[str]) -> Path:
    """A one-page PDF with the given lines in Helvetica; empty ``lines`` gives no text."""
    commands = ["BT /F1 12 Tf 14 TL 72 740 Td"]
    for line in lines:
        commands.append(f"({_pdf_string(line)}) Tj T*")
    commands.append("ET")
    stream = "\n".join(commands).encode("latin-1") if lines else b"0 0 m 100 100 l S"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    data = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(data))
        data += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(data)
    data += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        data += b"%010d 00000 n \n" % offset
    data += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(bytes(data))
    return path


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
