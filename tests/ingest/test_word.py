"""Word .docx written with python-docx: order, headings, tables, bold speakers."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from codage.ingest.errors import IngestError
from codage.ingest.reader import read_file
from tests.ingest.conftest import texts_of, units_of
from tests.ingest.office_files import W, num, p, r, write_docx


def _bold_turn(document, label: str, text: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.add_run(label).bold = True
    paragraph.add_run(text)


def _interview(path: Path) -> Path:
    document = docx.Document()
    document.add_heading("Entretien avec Mme Kessler", level=1)
    _bold_turn(document, "Enquêteur :", " Quelles applications utilisez-vous ?")
    _bold_turn(document, "Mme Le Gall (DSI) :", " Surtout trois.")
    table = document.add_table(rows=2, cols=3)
    for i, row in enumerate([("Application", "Usage", "Agents"), ("GRC", "Demandes", "120")]):
        for c, value in enumerate(row):
            table.cell(i, c).text = value
    document.add_paragraph("Et c'est tout pour l'instant.")
    document.add_heading("Partie 2", level=2)
    _bold_turn(document, "Enquêteur", " : Et la sécurité ?")
    paragraph = document.add_paragraph()
    paragraph.add_run("Important").bold = True
    paragraph.add_run(" : une phrase qui commence en gras sans deux-points dans le gras.")
    document.save(path)
    return path


def test_docx_paragraphs_tables_headings_and_bold_speakers(tmp_path: Path) -> None:
    (doc,) = read_file(_interview(tmp_path / "entretien-03.docx"))
    assert doc.name == "entretien-03"
    assert doc.kind == "interview"
    assert texts_of(doc, "heading") == ["Entretien avec Mme Kessler", "Partie 2"]
    turns = units_of(doc, "turn")
    assert [t.speaker for t in turns] == ["Enquêteur", "Mme Le Gall (DSI)", "Enquêteur"]
    # Table rows are flattened in place, row by row, and continue the turn before them.
    assert texts_of(doc, "turn")[1] == (
        "Mme Le Gall (DSI) : Surtout trois.\n\n"
        "Application | Usage | Agents\n\n"
        "GRC | Demandes | 120\n\n"
        "Et c'est tout pour l'instant."
    )
    assert texts_of(doc, "turn")[2].startswith("Enquêteur : Et la sécurité ?")
    assert doc.metadata["interviewers"] == ["Enquêteur"]


def test_docx_two_column_speaker_table_becomes_turns(tmp_path: Path) -> None:
    document = docx.Document()
    table = document.add_table(rows=3, cols=2)
    for i, (who, said) in enumerate(
        [("Enquêtrice", "Bonjour."), ("M. Garnier", "Bonjour."), ("Enquêtrice", "Merci.")]
    ):
        table.cell(i, 0).text = who
        table.cell(i, 1).text = said
    document.save(tmp_path / "tableau.docx")
    (doc,) = read_file(tmp_path / "tableau.docx")
    assert texts_of(doc, "turn") == [
        "Enquêtrice : Bonjour.",
        "M. Garnier : Bonjour.",
        "Enquêtrice : Merci.",
    ]


def test_docx_plain_labels_without_bold(tmp_path: Path) -> None:
    document = docx.Document()
    for line in ["E : Bonjour.", "R : Bonjour.", "E : Au revoir."]:
        document.add_paragraph(line)
    document.save(tmp_path / "plain.docx")
    (doc,) = read_file(tmp_path / "plain.docx")
    assert [u.speaker for u in units_of(doc, "turn")] == ["E", "R", "E"]


def test_docx_without_speakers_is_text(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Le problème : personne ne lit l'intranet.")
    document.add_paragraph("Deuxième paragraphe.")
    document.save(tmp_path / "note.docx")
    (doc,) = read_file(tmp_path / "note.docx")
    assert doc.kind == "text"
    assert doc.text == "Le problème : personne ne lit l'intranet.\n\nDeuxième paragraphe."


def test_empty_docx(tmp_path: Path) -> None:
    docx.Document().save(tmp_path / "vide.docx")
    with pytest.raises(IngestError, match=r"vide\.docx: .*no text"):
        read_file(tmp_path / "vide.docx")


def test_corrupt_docx(tmp_path: Path) -> None:
    path = tmp_path / "abime.docx"
    path.write_bytes(b"PK\x03\x04 this is not really a zip file at all" * 10)
    with pytest.raises(IngestError, match=r"abime\.docx: .*corrupt"):
        read_file(path)


def test_truncated_docx(tmp_path: Path) -> None:
    _interview(tmp_path / "full.docx")
    data = (tmp_path / "full.docx").read_bytes()
    path = tmp_path / "tronque.docx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(IngestError, match=r"tronque\.docx: .*corrupt"):
        read_file(path)


def test_not_a_zip_at_all(tmp_path: Path) -> None:
    path = tmp_path / "texte.docx"
    path.write_text("Bonjour, je suis du texte.", encoding="utf-8")
    with pytest.raises(IngestError, match=r"texte\.docx: this is not a Word \(\.docx\) file"):
        read_file(path)


def test_encrypted_docx_is_an_ole_container(tmp_path: Path) -> None:
    path = tmp_path / "protege.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024)
    with pytest.raises(IngestError, match=r"protege\.docx: .*password-protected"):
        read_file(path)


def test_zip_that_is_not_a_word_document(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "archive.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hello")
    with pytest.raises(IngestError, match="not a Word document"):
        read_file(path)


def test_huge_document_xml_is_refused_before_parsing(tmp_path: Path) -> None:
    import time
    import zipfile

    from codage.limits import MAX_XML_PART_SIZE

    path = tmp_path / "enorme.docx"
    paragraph = b"<w:p><w:r><w:t>Une phrase de transcription.</w:t></w:r></w:p>"
    # Stored, not deflated: the zip guard's ratio check would catch a deflated one.
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive,
        archive.open("word/document.xml", "w", force_zip64=True) as entry,
    ):
        entry.write(b'<w:document xmlns:w="x"><w:body>')
        chunk = paragraph * 10_000
        written = 0
        while written <= MAX_XML_PART_SIZE:
            entry.write(chunk)
            written += len(chunk)
        entry.write(b"</w:body></w:document>")
    started = time.perf_counter()
    with pytest.raises(IngestError, match=r"enorme\.docx: word/document\.xml holds 64 MB .*limit"):
        read_file(path)
    assert time.perf_counter() - started < 2


def test_turns_written_as_bullets_keep_their_speakers(tmp_path: Path) -> None:
    document = docx.Document()
    paragraph = document.add_paragraph(style="List Bullet")
    paragraph.add_run("Enquêtrice :").bold = True
    paragraph.add_run(" Comment ça va ?")
    document.add_paragraph("M. Garnier : Très bien.", style="List Bullet")
    document.add_paragraph("Enquêtrice : Et l'intranet ?", style="List Bullet")
    document.add_paragraph("M. Garnier : Personne ne le lit.", style="List Bullet")
    document.add_paragraph("Point clé de l'entretien", style="List Bullet")
    document.add_paragraph("Question numérotée", style="List Number")
    document.save(tmp_path / "puces.docx")
    (doc,) = read_file(tmp_path / "puces.docx")
    assert [u.speaker for u in units_of(doc, "turn")] == [
        "Enquêtrice",
        "M. Garnier",
        "Enquêtrice",
        "M. Garnier",
    ]
    assert doc.text.split("\n\n") == [
        "Enquêtrice : Comment ça va ?",
        "M. Garnier : Très bien.",
        "Enquêtrice : Et l'intranet ?",
        "M. Garnier : Personne ne le lit.",
        "• Point clé de l'entretien",
        "1. Question numérotée",
    ]


@pytest.mark.parametrize(
    ("value", "fmt", "written"),
    [
        (1, "decimal", "1"),
        (7, "decimalZero", "07"),
        (26, "lowerLetter", "z"),
        (27, "lowerLetter", "aa"),
        (28, "upperLetter", "BB"),
        (53, "lowerLetter", "aaa"),
        (4, "lowerRoman", "iv"),
        (1999, "upperRoman", "MCMXCIX"),
        (3, "ordinal", "3"),
    ],
)
def test_word_number_formats(value: int, fmt: str, written: str) -> None:
    from codage.ingest.readers.docx_numbering import format_number

    assert format_number(value, fmt) == written


def test_broken_footnotes_part_is_a_corrupt_file(tmp_path: Path) -> None:
    path = write_docx(tmp_path / "notes-abimees.docx", p(r("Texte")), footnotes="<w:footnote><w:p>")
    with pytest.raises(IngestError, match=r"notes-abimees\.docx: this Word file is corrupt"):
        read_file(path)


def test_entities_in_a_notes_part_are_refused(tmp_path: Path) -> None:
    import time
    import zipfile

    path = write_docx(tmp_path / "entites.docx", p(r("Texte principal")), footnotes="")
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE w:footnotes [<!ENTITY a "aaaaaaaaaa">'
        + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
        + f']><w:footnotes xmlns:w="{W}"><w:footnote w:id="1"><w:p><w:r><w:t>&i;</w:t>'
        "</w:r></w:p></w:footnote></w:footnotes>"
    )
    rebuilt = tmp_path / "bombe.docx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(rebuilt, "w") as target:
        for item in source.infolist():
            data = bomb if item.filename == "word/footnotes.xml" else source.read(item)
            target.writestr(item.filename, data)
    started = time.perf_counter()
    with pytest.raises(
        IngestError, match=r"bombe\.docx: word/footnotes\.xml uses forbidden XML features"
    ):
        read_file(rebuilt)
    assert time.perf_counter() - started < 5


def test_docx_fields_across_paragraphs_nested_and_broken(tmp_path: Path) -> None:
    begin = '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
    separate = '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
    end = '<w:r><w:fldChar w:fldCharType="end"/></w:r>'

    def instr(text: str) -> str:
        return f'<w:r><w:instrText xml:space="preserve">{text}</w:instrText></w:r>'

    body = "".join(
        [
            # A table of contents: one field whose result spans paragraphs.
            p(begin, instr(' TOC \\o "1-3" '), separate, r("Sommaire introduction")),
            p(r("Sommaire conclusion"), end),
            # IF with a field nested in its instruction: only the outer result shows.
            p(
                r("Statut "),
                begin,
                instr(" IF "),
                begin,
                instr(" MERGEFIELD statut "),
                separate,
                r("valeurCachée"),
                end,
                instr(' = "x" "oui" "non" '),
                separate,
                r("titulaire"),
                end,
                r(" confirmé."),
            ),
            # A field opened and never closed must not swallow the rest.
            p(r("Avant "), begin, instr(" PAGE "), r("texte après champ cassé")),
            p(r("Paragraphe suivant conservé")),
        ]
    )
    (doc,) = read_file(write_docx(tmp_path / "champs.docx", body))
    assert doc.text.split("\n\n") == [
        "Sommaire introduction",
        "Sommaire conclusion",
        "Statut titulaire confirmé.",
        "Avant texte après champ cassé",
        "Paragraphe suivant conservé",
    ]


def test_docx_legacy_form_fields_show_their_value(tmp_path: Path) -> None:
    def form(data: str, instruction: str, result: str = "") -> str:
        return (
            f'<w:r><w:fldChar w:fldCharType="begin"><w:ffData>{data}</w:ffData></w:fldChar></w:r>'
            f'<w:r><w:instrText xml:space="preserve"> {instruction} </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            f"{result}"
            '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        )

    dropdown = form(
        '<w:ddList><w:result w:val="1"/><w:listEntry w:val="Jamais"/>'
        '<w:listEntry w:val="Souvent"/></w:ddList>',
        "FORMDROPDOWN",
    )
    ticked = form('<w:checkBox><w:default w:val="0"/><w:checked/></w:checkBox>', "FORMCHECKBOX")
    empty = form('<w:checkBox><w:default w:val="0"/></w:checkBox>', "FORMCHECKBOX")
    typed = form("<w:textInput/>", "FORMTEXT", r("Réponse saisie"))
    path = write_docx(
        tmp_path / "formulaire.docx",
        p(r("Usage : "), dropdown)
        + p(ticked, r(" Intranet "), empty, r(" Messagerie"))
        + p(r("Commentaire : "), typed),
    )
    (doc,) = read_file(path)
    assert doc.text.split("\n\n") == [
        "Usage : Souvent",
        "☒ Intranet ☐ Messagerie",
        "Commentaire : Réponse saisie",
    ]


def test_docx_deleted_paragraph_mark_joins_paragraphs(tmp_path: Path) -> None:
    deleted_mark = '<w:rPr><w:del w:id="9" w:author="A"/></w:rPr>'
    path = write_docx(
        tmp_path / "fusion.docx",
        p(r("Enquêtrice :", bold=True), r(" Première moitié "), props=deleted_mark)
        + p(r("seconde moitié."))
        + p(r("Ligne vide supprimée ensuite :"))
        + p(props=deleted_mark)
        + p(r("Paragraphe suivant."))
        + p(r("Dernier avant tableau"), props=deleted_mark)
        + "<w:tbl><w:tr><w:tc>"
        + p(r("Cellule"))
        + "</w:tc></w:tr></w:tbl>",
    )
    (doc,) = read_file(path)
    assert doc.text.split("\n\n") == [
        "Enquêtrice : Première moitié seconde moitié.",
        "Ligne vide supprimée ensuite :",
        "Paragraphe suivant.",
        "Dernier avant tableau",
        "Cellule",
    ]
    assert doc.units[0].speaker == "Enquêtrice"
    assert doc.warnings[0].startswith("3 tracked changes were not yet accepted")


def test_docx_list_defined_through_a_numbering_style(tmp_path: Path) -> None:
    # Word's built-in outline lists: the list's definition only names a numbering
    # style, whose own list instance holds the levels.
    numbering = (
        '<w:abstractNum w:abstractNumId="5"><w:numStyleLink w:val="ListeJuridique"/>'
        "</w:abstractNum>"
        '<w:abstractNum w:abstractNumId="6"><w:styleLink w:val="ListeJuridique"/>'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="upperLetter"/>'
        '<w:lvlText w:val="%1/"/></w:lvl></w:abstractNum>'
        '<w:num w:numId="7"><w:abstractNumId w:val="6"/></w:num>'
        '<w:num w:numId="8"><w:abstractNumId w:val="5"/></w:num>'
    )
    styles = (
        '<w:style w:type="numbering" w:styleId="ListeJuridique"><w:name w:val="Liste"/>'
        '<w:pPr><w:numPr><w:numId w:val="7"/></w:numPr></w:pPr></w:style>'
    )
    path = write_docx(
        tmp_path / "style-liste.docx",
        p(r("Article premier"), props=num(8)) + p(r("Article second"), props=num(8)),
        numbering=numbering,
        styles=styles,
    )
    (doc,) = read_file(path)
    assert doc.text.split("\n\n") == ["A/ Article premier", "B/ Article second"]


def test_docx_alt_chunks_are_said_and_ruby_base_is_text(tmp_path: Path) -> None:
    ruby = (
        "<w:ruby><w:rubyPr/><w:rt>" + r("furigana") + "</w:rt>"
        "<w:rubyBase>" + r("Kanji") + "</w:rubyBase></w:ruby>"
    )
    path = write_docx(
        tmp_path / "morceaux.docx",
        p(r("Texte avec "), ruby, r(" lu.")) + '<w:altChunk r:id="rIdHtml"/>',
    )
    (doc,) = read_file(path)
    assert doc.text == "Texte avec Kanji lu."
    assert doc.warnings == [
        "1 embedded document part (altChunk) not imported; "
        "open the file in Word and save it to merge them"
    ]
    only = write_docx(tmp_path / "seul.docx", '<w:altChunk r:id="rIdHtml"/>')
    with pytest.raises(IngestError, match=r"seul\.docx: .*embedded parts \(altChunk\)"):
        read_file(only)
