"""The input bounds live in codage.limits, and each message that cites one names it."""

from __future__ import annotations

from pathlib import Path

import pytest

from codage import limits
from codage.ingest import zipguard
from codage.ingest.errors import IngestError
from codage.ingest.reader import read_file
from codage.ingest.readers import tables
from tests.ingest.office_files import p, r, write_docx, write_odt


def test_every_bound_is_a_named_positive_constant() -> None:
    names = [n for n in dir(limits) if n.isupper()]
    assert {"MAX_CODE_DEPTH", "MAX_XML_PART_SIZE", "MAX_REPEAT", "MAX_TABLE_CELLS"} <= set(names)
    assert all(getattr(limits, n) > 0 for n in names)
    assert zipguard.DEFAULT_LIMITS.max_entries == limits.ZIP_MAX_ENTRIES


@pytest.mark.parametrize("kind", ["docx", "odt"])
def test_a_too_large_xml_part_names_its_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    monkeypatch.setattr(zipguard, "MAX_XML_PART_SIZE", 100)
    if kind == "docx":
        path = write_docx(tmp_path / "a.docx", p(r("Bonjour " * 50)))
    else:
        path = write_odt(tmp_path / "a.odt", "<text:p>" + "Bonjour " * 50 + "</text:p>")
    with pytest.raises(IngestError, match=r"MAX_XML_PART_SIZE"):
        read_file(path)


def test_a_too_large_table_names_its_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tables, "MAX_TABLE_CELLS", 10)
    path = tmp_path / "t.csv"
    path.write_text("id;commentaire\n" + "".join(f"{i};Une phrase {i}.\n" for i in range(20)))
    with pytest.raises(IngestError, match=r"MAX_TABLE_CELLS"):
        read_file(path)


def test_a_cut_repeat_names_its_limit(tmp_path: Path) -> None:
    path = write_odt(tmp_path / "s.odt", '<text:p>a<text:s text:c="99999"/>b</text:p>')
    (doc,) = read_file(path)
    assert any("MAX_REPEAT" in w for w in doc.warnings)


def test_a_5_mb_line_is_cut_for_analysis_at_sentence_ends() -> None:
    from codage.domain import NewDocument, Unit
    from codage.ingest.nlp import chunks

    sentence = "Le télétravail a changé la vie des agents de la mairie depuis 2020. "
    text = (sentence * (5_000_000 // len(sentence))).strip()
    document = NewDocument("ligne", "text", text, units=[Unit("paragraph", 0, len(text))])
    pieces = chunks(document)
    assert max(end - start for start, end, _ in pieces) <= limits.MAX_ANALYSIS_CHUNK
    # every piece ends where a sentence does, and together they hold every word
    assert all(text[end - 1] == "." for _, end, _ in pieces)
    words = sum(len(text[s:e].split()) for s, e, _ in pieces)
    assert words == len(text.split())


def test_a_long_block_without_sentences_is_cut_at_spaces() -> None:
    from codage.domain import NewDocument, Unit
    from codage.ingest.nlp import chunks

    text = " ".join(f"mot{i}" for i in range(200_000))
    document = NewDocument("mots", "text", text, units=[Unit("paragraph", 0, len(text))])
    pieces = chunks(document)
    assert max(end - start for start, end, _ in pieces) <= limits.MAX_ANALYSIS_CHUNK
    assert [w for s, e, _ in pieces for w in text[s:e].split()] == text.split()


def test_pieces_are_never_cut_after_a_title_or_an_initial() -> None:
    from codage.domain import NewDocument, Unit
    from codage.ingest.nlp import chunks

    sentence = "Nous avons vu M. Garnier et J.-P. Martin, cf. p. 12 du rapport. "
    text = (sentence * 400).strip()
    document = NewDocument("titres", "text", text, units=[Unit("paragraph", 0, len(text))])
    pieces = chunks(document)
    assert len(pieces) > 1
    assert all(text[start:end].startswith("Nous avons vu") for start, end, _ in pieces)
