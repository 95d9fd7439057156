"""The zip guard: bombs, entry counts, unsafe names, encrypted Office files."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest

from codage.ingest.errors import IngestError
from codage.ingest.reader import read_file
from codage.ingest.zipguard import ZipLimits, check_zip, open_zip


def _bomb(path: Path, size: int = 64 * 1024 * 1024) -> Path:
    # One highly compressible entry: 64 MB of zeros deflate to about 64 KB.
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w") as entry:
            block = b"\0" * (1024 * 1024)
            for _ in range(size // len(block)):
                entry.write(block)
    return path


def test_zip_bomb_docx_is_refused(tmp_path: Path) -> None:
    path = _bomb(tmp_path / "bombe.docx")
    assert path.stat().st_size < 1024 * 1024
    with pytest.raises(IngestError, match=r"bombe\.docx: .*zip bomb"):
        read_file(path)


def test_zip_bomb_xlsx_and_odt_are_refused(tmp_path: Path) -> None:
    bomb = _bomb(tmp_path / "bombe.docx")
    for suffix in (".xlsx", ".odt"):
        path = tmp_path / f"bombe{suffix}"
        path.write_bytes(bomb.read_bytes())
        with pytest.raises(IngestError, match="zip bomb"):
            read_file(path)


def test_total_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "gros.docx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("a.xml", b"x" * 5000)
        archive.writestr("b.xml", b"y" * 5000)
    with pytest.raises(IngestError, match="more than"):
        check_zip(path, ZipLimits(max_total_size=8000))


def test_entry_count_limit(tmp_path: Path) -> None:
    path = tmp_path / "nombreux.docx"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(30):
            archive.writestr(f"e{i}.xml", "x")
    with pytest.raises(IngestError, match="30 entries"):
        check_zip(path, ZipLimits(max_entries=20))


@pytest.mark.parametrize("name", ["../evil.xml", "/etc/passwd", "word/../../x.xml", "C:/x.xml"])
def test_unsafe_entry_names(tmp_path: Path, name: str) -> None:
    path = tmp_path / "chemins.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo(name), "x")
    with pytest.raises(IngestError, match="unsafe entry name"):
        check_zip(path)


def test_encrypted_office_file_signature(tmp_path: Path) -> None:
    path = tmp_path / "protege.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    with pytest.raises(IngestError, match="password-protected Office file"):
        check_zip(path)


def test_empty_zip_input(tmp_path: Path) -> None:
    path = tmp_path / "vide.docx"
    path.write_bytes(b"")
    with pytest.raises(IngestError, match=r"vide\.docx: the file is empty"):
        read_file(path)


def test_a_real_docx_passes(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Bonjour " * 2000)
    document.save(tmp_path / "ok.docx")
    with open_zip(tmp_path / "ok.docx") as archive:
        assert "word/document.xml" in archive.namelist()
