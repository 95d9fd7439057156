"""Dispatch on extensions, directory walking and the bad inputs of every reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from codage.ingest.errors import IngestError
from codage.ingest.reader import read_file, walk_paths


def test_unknown_extension(tmp_path: Path) -> None:
    path = tmp_path / "son.xyz"
    path.write_text("x")
    with pytest.raises(IngestError, match=r"son\.xyz: unknown file type '\.xyz'; codage reads"):
        read_file(path)


def test_old_formats_get_advice(tmp_path: Path) -> None:
    path = tmp_path / "vieux.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(
        IngestError, match=r"vieux\.doc: this is an old Word file.*save it as \.docx"
    ):
        read_file(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=r"absent\.txt: no such file"):
        read_file(tmp_path / "absent.txt")


@pytest.mark.parametrize("suffix", [".txt", ".md", ".vtt", ".srt", ".csv", ".rtf", ".pdf"])
def test_empty_files(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"vide{suffix}"
    path.write_bytes(b"")
    with pytest.raises(IngestError, match=rf"vide\{suffix}: .*empty"):
        read_file(path)


def test_binary_data_in_a_text_file(tmp_path: Path) -> None:
    path = tmp_path / "image.txt"
    path.write_bytes(bytes(range(256)) * 20)
    with pytest.raises(IngestError, match=r"image\.txt: contains binary data"):
        read_file(path)


def test_extension_is_case_insensitive(tmp_path: Path) -> None:
    path = tmp_path / "NOTES.TXT"
    path.write_text("Bonjour.", encoding="utf-8")
    (document,) = read_file(path)
    assert document.name == "NOTES"


def test_walk_paths_expands_directories_sorted_and_skips_hidden(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".cache").mkdir()
    for name in [
        "b/2.txt",
        "b/1.docx",
        "a.md",
        ".cache/x.txt",
        ".cache.txt",
        "~$lock.docx",
        "audio.mp3",
        "sauvegarde.txt~",
    ]:
        (tmp_path / name).write_text("x")
    explicit = tmp_path / "audio.mp3"
    found = walk_paths([tmp_path, explicit, tmp_path / "a.md"])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "a.md",
        "b/1.docx",
        "b/2.txt",
        "audio.mp3",
    ]
