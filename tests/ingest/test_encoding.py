"""Bytes to text: BOMs, legacy French code pages, newlines, control characters."""

from __future__ import annotations

import random

import pytest

from codage.ingest.encoding import clean_text, decode_bytes, decode_with_encoding
from codage.ingest.errors import IngestError

FRENCH = (
    "Enquêtrice : Pouvez-vous présenter votre rôle à la mairie ?\n"
    "M. Garnier : Ça dépend des jours. Là, c'est l'été : déjà trop de réunions, "
    "l'intranet où personne ne lit rien, les élus qui s'inquiètent. "
    "Noël approche, le cœur n'y est plus. À côté, l'École numérique avance."
)


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16", "utf-16"),
        ("utf-16-be", "utf-16-be"),
        ("cp1252", "cp1252"),
        ("latin-1", "cp1252"),  # identical for French letters: either reading is right
        ("mac_roman", "mac_roman"),
    ],
)
def test_french_text_round_trips_in_every_encoding(encoding: str, expected: str) -> None:
    french = FRENCH.replace("cœur", "coeur") if encoding == "latin-1" else FRENCH
    data = french.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
        expected = "utf-16"
    text, used = decode_with_encoding(data)
    assert text == french
    assert used == expected
    assert "Ã" not in text


def test_cp1252_only_characters_are_read_as_windows_1252() -> None:
    text = "L’agent a dit « c’est trop » … œuvre – 5 €"
    assert decode_bytes(text.encode("cp1252")) == text


def test_windows_text_read_as_mac_roman_would_be_mojibake() -> None:
    # cp1252 "é" is 0xE9, which Mac Roman reads as "È": the scorer must not take it.
    text = "réunion présentée à l'équipe, très efficace"
    assert decode_bytes(text.encode("cp1252")) == text
    assert decode_bytes(text.encode("mac_roman")) == text


def test_utf16_without_bom_is_recognised_from_its_nul_bytes() -> None:
    assert decode_bytes("Le déjà vu des agents".encode("utf-16-le")) == "Le déjà vu des agents"


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"])
def test_newlines_become_lf(newline: str) -> None:
    raw = newline.join(["E : Bonjour.", "R : Bonjour."]) + newline
    assert decode_bytes(raw.encode("cp1252")) == "E : Bonjour.\nR : Bonjour.\n"


def test_text_is_nfc() -> None:
    decomposed = "e\u0301te\u0301"  # "été" with combining accents
    assert decode_bytes(decomposed.encode("utf-8")) == "été"


def test_stray_control_characters_are_removed_and_vertical_tab_is_a_newline() -> None:
    raw = b"Bon\x07jour\x1b.\x0bSuite\x0cfin"
    assert decode_bytes(raw) == "Bonjour.\nSuite\nfin"


def test_nul_bytes_are_binary_data() -> None:
    with pytest.raises(IngestError, match="binary data"):
        decode_bytes(b"\x00\x01\x02\x03garbage\x00\xff\xfe\x00\x00\x10" * 50, "x.txt")


def test_control_heavy_bytes_are_binary_data() -> None:
    with pytest.raises(IngestError, match=r"x\.txt: .*binary data"):
        decode_bytes(bytes(range(1, 32)) * 100, "x.txt")


def test_known_binary_signature_names_the_format() -> None:
    with pytest.raises(IngestError, match=r"zip-based file"):
        decode_bytes(b"PK\x03\x04" + b"a" * 100, "entretien.txt")


@pytest.mark.parametrize("data", [b"", b"   \n\r\n\t ", "\ufeff".encode("utf-8-sig")])
def test_empty_file(data: bytes) -> None:
    with pytest.raises(IngestError, match="empty"):
        decode_bytes(data, "vide.txt")


def test_undecodable_text_gets_a_clear_message() -> None:
    # Random high bytes: not UTF-8, and garbage in every 8-bit code page.
    garbage = bytes([0x81, 0x8D, 0xDB, 0xA7, 0xB6, 0xC6, 0xD7, 0xF7, 0xAC, 0xBF] * 40)
    with pytest.raises(IngestError, match=r"encoding could not be recognised.*UTF-8"):
        decode_bytes(b"abc " + garbage, "bizarre.txt")


def test_message_is_one_line_naming_the_file() -> None:
    with pytest.raises(IngestError) as caught:
        decode_bytes(b"", "dossier/entretien.txt")
    assert str(caught.value).startswith("entretien.txt: ")
    assert "\n" not in str(caught.value)


def test_clean_text_refuses_nul_ridden_text() -> None:
    with pytest.raises(IngestError):
        clean_text("a\x00b\x00c\x00d\x00", "x.rtf")


def test_binary_data_with_regular_nul_bytes_is_not_taken_for_utf16(tmp_path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"\x00\x01\x02\x03" * 50)
    with pytest.raises(IngestError, match="binary data"):
        decode_bytes(path.read_bytes(), path)


def test_control_bytes_are_counted_as_one_by_one() -> None:
    from codage.ingest.encoding import _control_count

    rng = random.Random(5)
    for size in (0, 1, 100, 70_000):
        data = bytes(rng.randrange(0, 256) for _ in range(size))
        assert _control_count(data) == sum(
            1 for b in data[:65536] if b < 0x20 and b not in (9, 10, 11, 12, 13)
        )
    assert _control_count(bytes(range(32)) * 3) == 27 * 3
