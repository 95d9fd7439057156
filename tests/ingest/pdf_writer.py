"""A small PDF writer for the tests: text placed at given points, in raw content streams."""

from __future__ import annotations

from pathlib import Path

# A piece of a TJ array: text, or a gap in thousandths of an em (negative: wider).
Run = str | int


def pdf_string(text: str) -> str:
    """A PDF literal string in WinAnsiEncoding: cp1252 bytes, escaped where needed."""
    out = []
    for byte in text.encode("cp1252"):
        char = chr(byte)
        if char in "()\\":
            out.append("\\" + char)
        elif 32 <= byte < 128 or char == "\t":
            out.append(char)
        else:
            out.append(f"\\{byte:03o}")
    return "".join(out)


def write_pdf(path: Path, pages: list[list[tuple[float, float, str | list[Run]]]]) -> Path:
    """Write pages of ``(x, y, text)`` in Helvetica 11; a list as text is drawn with TJ."""
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    kids = []
    for page in pages:
        commands = []
        for x, y, text in page:
            if isinstance(text, list):
                runs = " ".join(
                    f"({pdf_string(r)})" if isinstance(r, str) else str(r) for r in text
                )
                shown = f"[{runs}] TJ"
            else:
                shown = f"({pdf_string(text)}) Tj"
            commands.append(f"BT /F1 11 Tf 1 0 0 1 {x} {y} Tm {shown} ET")
        stream = "\n".join(commands).encode("latin-1")
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % len(objects)
        )
        kids.append(len(objects))
    objects[1] = (
        b"<< /Type /Pages /Kids ["
        + b" ".join(b"%d 0 R" % k for k in kids)
        + b"] /Count %d >>" % len(kids)
    )
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
