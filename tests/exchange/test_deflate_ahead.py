"""A body deflated ahead (``DeflatingSpill``) and joined into a zip entry (``splice_deflated``).

The package holds the same parts, byte for byte, as ``splice_package`` writes from the
same pieces uncompressed (the zip's own bytes differ: the body is deflated in segments);
zip readers and python-docx read it back; checksums of joined pieces are zlib's; pieces
out of order and a failing thread are told to the caller, and no thread is left.
"""

from __future__ import annotations

import io
import os
import random
import threading
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest

from codage.exchange.deflate_ahead import Deflated, DeflatingSpill, crc32_combine
from codage.exchange.package import splice_deflated, splice_package

from .test_package_beside import MARKER, _template


def _piece(bucket: int, i: int) -> bytes:
    # text that compresses as a dossier's does, and some that does not
    words = "é texte de l'entretien " * (i % 97) + os.urandom(i % 50).hex()
    return f"<p b='{bucket}' n='{i}'>{words}</p>".encode()


def _filled(spill: DeflatingSpill, buckets: int, documents: int) -> dict[int, list[bytes]]:
    """Pieces filed document by document (in name order), as the dossier files them."""
    filed: dict[int, list[bytes]] = {b: [] for b in range(buckets)}
    for d in range(documents):
        for b in range(buckets):
            if (b + d) % 3 == 0:
                continue  # not every document has every code
            piece = _piece(b, d)
            spill.add(b, f"doc-{d:05d}", piece)
            filed[b].append(piece)
    return filed


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        assert package.testzip() is None  # every entry's checksum and sizes hold
        return {name: package.read(name) for name in package.namelist()}


@pytest.mark.parametrize("documents", [0, 1, 40, 2500])
def test_the_parts_are_those_written_uncompressed(tmp_path: Path, documents: int) -> None:
    # 2500 documents: buckets of several megabytes, deflated in several slices each
    with DeflatingSpill(tmp_path) as spill:
        filed = _filled(spill, 5, documents)
        spill.finish()
        assert sorted(spill.buckets()) == [b for b in range(5) if filed[b]]  # type: ignore[type-var]

        def body() -> Iterator[bytes | Deflated]:
            for b in range(6):  # bucket 5 holds nothing: no piece at all
                yield f"<h>{b}</h>".encode()
                deflated = spill.deflated(b)
                if deflated is not None:
                    assert deflated.size == sum(map(len, filed[b]))
                    yield deflated

        splice_deflated(tmp_path / "ahead.zip", _template(), "body.xml", MARKER, body())
    plain = (
        piece for b in range(6) for piece in [f"<h>{b}</h>".encode(), *filed.get(b, [])] if piece
    )
    splice_package(tmp_path / "plain.zip", _template(), "body.xml", MARKER, plain)
    ahead, expected = _parts(tmp_path / "ahead.zip"), _parts(tmp_path / "plain.zip")
    assert list(ahead) == list(expected) == ["a.xml", "body.xml", "z.xml"]
    assert ahead == expected
    assert ahead["body.xml"].startswith(b"<body><h>0</h>")
    # the central directory as zipfile writes it: LibreOffice 7.4 refused a dossier whose
    # directory carried zip64 fields for sizes that fit (found by the page tests)
    assert _directory(tmp_path / "ahead.zip") == _directory(tmp_path / "plain.zip")


def _directory(path: Path) -> list[tuple[str, int, bytes]]:
    """Each central directory entry's name, version needed to extract and extra field."""
    with zipfile.ZipFile(path) as package:
        return [(i.filename, i.extract_version, i.extra) for i in package.infolist()]


def test_python_docx_reads_a_dossier_written_ahead(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("codage-marker")
    front = io.BytesIO()
    document.save(front)
    marker = "<w:p><w:r><w:t>codage-marker</w:t></w:r></w:p>"
    paragraph = '<w:p><w:r><w:t xml:space="preserve">extrait {}</w:t></w:r></w:p>'
    with DeflatingSpill(tmp_path) as spill:
        for d in range(3000):
            spill.add("code", f"doc-{d:05d}", paragraph.format(d).encode())
        spill.finish()
        deflated = spill.deflated("code")
        assert deflated is not None and len(deflated.segments) == 1
        out = tmp_path / "dossier.docx"
        splice_deflated(out, front, "word/document.xml", marker, [deflated])
    texts = [p.text for p in docx.Document(str(out)).paragraphs]
    assert texts == [f"extrait {d}" for d in range(3000)]


def test_checksums_of_joined_pieces_are_zlibs() -> None:
    pick = random.Random(20)
    for _ in range(300):
        a = os.urandom(pick.choice([0, 1, 7, 5000]))
        b = os.urandom(pick.choice([0, 1, 3, 4096, 70_000, 1 << 20]))
        assert crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)


def test_a_piece_out_of_order_is_refused(tmp_path: Path) -> None:
    with DeflatingSpill(tmp_path) as spill:
        spill.add("code", "b", b"<p>1</p>")
        spill.add("code", "b", b"<p>2</p>")  # equal keys: in the order given
        spill.add("other", "a", b"<p>3</p>")  # another bucket starts anew
        with pytest.raises(RuntimeError, match="out of order"):
            spill.add("code", "a", b"<p>4</p>")


def test_a_failing_thread_reaches_the_caller(tmp_path: Path) -> None:
    before = threading.active_count()
    spill = DeflatingSpill(tmp_path)
    # the compressed slices' file gone: the deflating thread's first write fails
    spill._packed.close()
    with pytest.raises(ValueError, match="closed file"):
        for d in range(400):
            spill.add("code", f"doc-{d:05d}", b"x" * 20_000)
        spill.finish()
    spill.close()
    assert threading.active_count() == before
