"""OpenDocument .odt written with odfpy."""

from __future__ import annotations

from pathlib import Path

import pytest
from odf.opendocument import OpenDocumentText
from odf.table import Table, TableCell, TableColumn, TableRow
from odf.text import H, LineBreak, List, ListItem, P, S, Span

from codage.ingest.errors import IngestError
from codage.ingest.reader import read_file
from tests.ingest.conftest import texts_of, units_of
from tests.ingest.office_files import write_odt


def _odt(path: Path) -> Path:
    document = OpenDocumentText()
    document.text.addElement(H(outlinelevel=1, text="Entretien à la mairie"))
    document.text.addElement(P(text="Enquêtrice : Bonjour, comment ça va ?"))
    paragraph = P(text="M. Garnier :")
    paragraph.addElement(S(c=2))
    paragraph.addElement(Span(text="Très bien."))
    paragraph.addElement(LineBreak())
    paragraph.addText("Et vous ?")
    document.text.addElement(paragraph)
    items = List()
    item = ListItem()
    item.addElement(P(text="un point de liste"))
    items.addElement(item)
    document.text.addElement(items)
    table = Table(name="T")
    table.addElement(TableColumn(numbercolumnsrepeated=2))
    row = TableRow()
    for value in ("GRC", "Demandes"):
        cell = TableCell()
        cell.addElement(P(text=value))
        row.addElement(cell)
    table.addElement(row)
    document.text.addElement(table)
    document.text.addElement(P(text="Enquêtrice : Merci."))
    document.save(str(path))
    return path


def test_odt_headings_paragraphs_lists_tables_and_turns(tmp_path: Path) -> None:
    (doc,) = read_file(_odt(tmp_path / "entretien.odt"))
    assert doc.name == "entretien"
    assert texts_of(doc, "heading") == ["Entretien à la mairie"]
    assert [u.speaker for u in units_of(doc, "turn")] == ["Enquêtrice", "M. Garnier", "Enquêtrice"]
    assert texts_of(doc, "turn")[1] == (
        "M. Garnier :  Très bien.\nEt vous ?\n\nun point de liste\n\nGRC | Demandes"
    )


def test_odt_without_text(tmp_path: Path) -> None:
    document = OpenDocumentText()
    document.save(str(tmp_path / "vide.odt"))
    with pytest.raises(IngestError, match=r"vide\.odt: .*no text"):
        read_file(tmp_path / "vide.odt")


def test_odt_with_xml_entities_is_refused(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "entites.odt"
    content = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0">'
        "<office:body><office:text>&b;</office:text></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", content)
    with pytest.raises(IngestError, match="forbidden XML features"):
        read_file(path)


def test_odt_without_content(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "creux.odt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
    with pytest.raises(IngestError, match=r"content\.xml is missing"):
        read_file(path)


def test_odt_forged_space_count_is_cut_and_said(tmp_path: Path) -> None:
    import time

    from codage.limits import MAX_REPEAT

    path = write_odt(
        tmp_path / "espaces.odt",
        '<text:p>Avant<text:s text:c="2000000000"/>après<text:s text:c="3"/>fin'
        '<text:s text:c="abc"/>.</text:p>',
    )
    started = time.perf_counter()
    (doc,) = read_file(path)
    assert time.perf_counter() - started < 2
    assert doc.text == "Avant" + " " * MAX_REPEAT + "après   fin ."
    assert doc.warnings == ["1 run of repeated spaces (up to 2000000000) cut to 1000 (MAX_REPEAT)"]


def test_odt_with_text_only_in_a_frame_is_imported(tmp_path: Path) -> None:
    path = write_odt(
        tmp_path / "cadre.odt",
        '<draw:frame text:anchor-type="page"><draw:text-box>'
        "<text:p>Seul texte dans un cadre</text:p></draw:text-box></draw:frame>",
    )
    (doc,) = read_file(path)
    assert doc.text == "Seul texte dans un cadre"
    assert doc.warnings == []


def test_odt_cached_list_and_heading_numbers_are_text(tmp_path: Path) -> None:
    path = write_odt(
        tmp_path / "numeros.odt",
        '<text:h text:outline-level="1"><text:number>2.</text:number>Méthode</text:h>'
        "<text:list><text:list-item><text:number>a)</text:number>"
        "<text:p>Premier choix</text:p><text:p>Suite du choix</text:p></text:list-item>"
        "</text:list>",
    )
    (doc,) = read_file(path)
    assert doc.text.split("\n\n") == ["2. Méthode", "a) Premier choix", "Suite du choix"]


def test_odt_huge_content_is_refused_before_parsing(tmp_path: Path) -> None:
    import zipfile

    from codage.limits import MAX_XML_PART_SIZE

    path = tmp_path / "enorme.odt"
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive,
        archive.open("content.xml", "w", force_zip64=True) as entry,
    ):
        chunk = b"<text:p>Une phrase de transcription.</text:p>" * 10_000
        written = 0
        while written <= MAX_XML_PART_SIZE:
            entry.write(chunk)
            written += len(chunk)
    with pytest.raises(IngestError, match=r"enorme\.odt: content\.xml holds 64 MB .*limit"):
        read_file(path)


_LIST_STYLES = (
    '<text:list-style style:name="L1">'
    '<text:list-level-style-number text:level="1" style:num-format="1" style:num-suffix="."/>'
    '<text:list-level-style-number text:level="2" style:num-format="a" style:num-suffix=")"/>'
    '<text:list-level-style-number text:level="3" style:num-format="i" style:num-suffix="."'
    ' text:display-levels="3"/>'
    "</text:list-style>"
    '<text:list-style style:name="L2">'
    '<text:list-level-style-bullet text:level="1" text:bullet-char="\uf0b7"/>'
    "</text:list-style>"
)


def _items(*items: str, attributes: str = "") -> str:
    """A ``text:list`` of the given list items (paragraphs are wrapped in an item)."""
    inner = "".join(
        item if item.startswith("<text:list-item") else f"<text:list-item>{item}</text:list-item>"
        for item in items
    )
    return f"<text:list{attributes}>{inner}</text:list>"


def test_odt_list_numbers_computed_from_list_styles(tmp_path: Path) -> None:
    first = ' text:style-name="L1"'
    body = (
        _items(
            "<text:p>Premier point</text:p>",
            "<text:list-item><text:p>Second point</text:p>"
            + _items("<text:p>Sous-point alpha</text:p>", "<text:p>Sous-point bravo</text:p>")
            + "</text:list-item>",
            # Items that only carry a deeper list to its level are not counted.
            "<text:list-item>"
            + _items(
                "<text:list-item>" + _items("<text:p>Détail profond</text:p>") + "</text:list-item>"
            )
            + "</text:list-item>",
            attributes=first,
        )
        + "<text:p>Entre deux listes</text:p>"
        + _items(
            "<text:p>Suite continuée</text:p>",
            attributes=first + ' text:continue-numbering="true"',
        )
        + _items("<text:p>Nouvelle liste</text:p>", attributes=first)
        + _items(
            "<text:p>Une puce</text:p>",
            "<text:p>Enquêtrice : Bonjour.</text:p>",
            attributes=' text:style-name="L2"',
        )
    )
    path = write_odt(tmp_path / "listes.odt", body, automatic=_LIST_STYLES)
    (doc,) = read_file(path)
    assert doc.text.split("\n\n") == [
        "1. Premier point",
        "2. Second point",
        "a) Sous-point alpha",
        "b) Sous-point bravo",
        "2.b.i. Détail profond",
        "Entre deux listes",
        "3. Suite continuée",
        "1. Nouvelle liste",
        "• Une puce",
        # A turn written as a bullet item keeps its speaker label first.
        "Enquêtrice : Bonjour.",
    ]
