"""Nothing vanishes: every word of a Word or OpenDocument source reaches the stored text.

Each file is written XML by XML with the constructs real documents use (content
controls, text boxes, fields, tracked changes, notes, lists, frames...). The
stored text is compared with an independent XPath reading of the same XML: each
source word must appear exactly as often (missing means dropped, more means a
doubled copy such as a text box's fallback).
"""

from __future__ import annotations

from pathlib import Path

from codage.ingest.reader import read_file
from codage.ingest.service import import_files
from codage.services import Project
from tests.ingest.conftest import texts_of
from tests.ingest.office_files import (
    docx_source_words,
    field,
    missing_or_doubled,
    num,
    odt_source_words,
    p,
    r,
    stored_words,
    write_docx,
    write_odt,
)

_TEXT_BOX = (
    '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor>'
    '<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/'
    'wordprocessingShape"><wps:wsp><wps:txbx><w:txbxContent>'
    "{inner}"
    "</w:txbxContent></wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor>"
    "</w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>"
    "{inner}"
    "</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>"
)


NUMBERING = (
    '<w:abstractNum w:abstractNumId="0">'
    '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
    '<w:lvlText w:val="%1."/></w:lvl>'
    '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/>'
    '<w:lvlText w:val="%2)"/></w:lvl>'
    '<w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="lowerRoman"/>'
    '<w:lvlText w:val="%3."/></w:lvl>'
    "</w:abstractNum>"
    '<w:abstractNum w:abstractNumId="1">'
    '<w:lvl w:ilvl="0"><w:start w:val="3"/><w:numFmt w:val="upperRoman"/>'
    '<w:lvlText w:val="%1 -"/><w:suff w:val="space"/></w:lvl>'
    '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="upperLetter"/>'
    '<w:lvlText w:val="%1.%2"/></w:lvl></w:abstractNum>'
    '<w:abstractNum w:abstractNumId="2">'
    '<w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/><w:lvlText w:val="\uf0b7"/></w:lvl>'
    "</w:abstractNum>"
    '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>'
    '<w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>'
    '<w:num w:numId="3"><w:abstractNumId w:val="2"/></w:num>'
    '<w:num w:numId="4"><w:abstractNumId w:val="0"/>'
    '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>'
)

NOTES = (
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
    '<w:footnote w:id="0" w:type="continuationSeparator"><w:p><w:r>'
    "<w:continuationSeparator/></w:r></w:p></w:footnote>"
    '<w:footnote w:id="2"><w:p><w:r><w:footnoteRef/></w:r>'
    f"{r(' Source ministérielle publiée')}</w:p></w:footnote>"
    '<w:footnote w:id="1"><w:p><w:r><w:footnoteRef/></w:r>'
    f"{r(' Selon la direction informatique')}</w:p>"
    f"{p(r('Deuxième paragraphe de cette note'))}</w:footnote>"
    '<w:footnote w:id="7"><w:p><w:r><w:footnoteRef/></w:r>'
    f"{r(' Note orpheline conservée')}</w:p></w:footnote>"
)
ENDNOTES = (
    '<w:endnote w:id="1"><w:p><w:r><w:endnoteRef/></w:r>'
    f"{r(' Entretien réalisé par téléphone')}</w:p></w:endnote>"
)


def _rich_docx(path: Path) -> Path:
    body = "".join(
        [
            p(
                r("Enquêtrice :", bold=True),
                r(" Parlez-moi de "),
                '<w:smartTag w:uri="x" w:element="place">' + r("Rennes") + "</w:smartTag>",
                r(" et de la mairie."),
            ),
            # A block content control holding another, inline one.
            "<w:sdt><w:sdtPr/><w:sdtContent>"
            + p(
                r("Réponse dans un "),
                "<w:sdt><w:sdtContent>" + r("contrôle imbriqué") + "</w:sdtContent></w:sdt>",
                r(" bien rempli."),
            )
            + "</w:sdtContent></w:sdt>",
            p(
                r("Voir "),
                '<w:hyperlink r:id="rIdLien"><w:r><w:t>le portail citoyen</w:t></w:r>'
                "</w:hyperlink>",
                r(" et "),
                '<w:fldSimple w:instr=" DATE \\@ &quot;d MMMM&quot; ">'
                + r("mardi matin")
                + "</w:fldSimple>",
                r(" puis "),
                field('HYPERLINK "https://exemple.invalid/intranet"', "intranet départemental"),
                r(" page "),
                field("PAGE", "douze"),
            ),
            p(
                r("Le texte ancré "),
                _TEXT_BOX.format(inner=p(r("Encadré latéral unique"))),
                r("continue ici."),
            ),
            p(
                r("Nous avons "),
                '<w:ins w:id="1" w:author="A">' + r("finalement ") + "</w:ins>",
                '<w:del w:id="2" w:author="A"><w:r><w:delText>jamais </w:delText></w:r></w:del>',
                r("adopté l'outil"),
                '<w:moveFrom w:id="3" w:author="A">' + r("déplacéAvant ") + "</w:moveFrom>",
                r(" en "),
                '<w:moveTo w:id="4" w:author="A">' + r("décembre") + "</w:moveTo>",
                r("."),
            ),
            p(
                r("Le budget baissait"),
                '<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr>'
                '<w:footnoteReference w:id="1"/></w:r>',
                r(" puis remonté"),
                '<w:r><w:footnoteReference w:id="2"/></w:r>',
                r(" enfin"),
                '<w:r><w:endnoteReference w:id="1"/></w:r>',
                r("."),
            ),
            p(r("Premier point"), props=num(1)),
            p(r("Sous-point alpha"), props=num(1, 1)),
            p(r("Sous-point bravo"), props=num(1, 1)),
            p(r("Détail romain"), props=num(1, 2)),
            p(r("Second point"), props=num(1)),
            p(r("Sous-point relancé"), props=num(1, 1)),
            p(r("Partie romaine"), props=num(2)),
            p(r("Section lettrée"), props=num(2, 1)),
            p(r("Une puce"), props=num(3)),
            p(r("Liste reprise"), props=num(4)),
            p(
                '<w:commentRangeStart w:id="0"/>',
                r("Phrase commentée"),
                '<w:commentRangeEnd w:id="0"/><w:r><w:commentReference w:id="0"/></w:r>',
            ),
            "<w:tbl><w:tr><w:tc>"
            + p(r("Cellule gauche"))
            + "</w:tc><w:sdt><w:sdtContent><w:tc>"
            + p(r("Cellule contrôlée"))
            + "</w:tc></w:sdtContent></w:sdt><w:tc>"
            + p(r("Cellule droite"))
            + "</w:tc></w:tr></w:tbl>",
            "<w:sectPr/>",
        ]
    )
    return write_docx(
        path,
        body,
        numbering=NUMBERING,
        footnotes=NOTES,
        endnotes=ENDNOTES,
        comments='<w:comment w:id="0" w:author="B"><w:p>'
        + r("Remarque de relecture")
        + "</w:p></w:comment>",
        header1=p(r("Rapport interne confidentiel")),
    )


def test_every_word_of_a_rich_docx_is_stored_once(tmp_path: Path) -> None:
    path = _rich_docx(tmp_path / "riche.docx")
    (doc,) = read_file(path)
    source = docx_source_words(path)
    assert sum(source.values()) > 80
    assert missing_or_doubled(source, stored_words(doc.text)) == {}
    # Deleted and moved-away text, field instructions, comments and headers are not text.
    for gone in ("jamais", "déplacéAvant", "HYPERLINK", "exemple", "PAGE", "DATE", "Remarque"):
        assert gone not in doc.text
    assert "Rapport interne" not in doc.text


def test_docx_revisions_fields_and_boxes_read_in_place(tmp_path: Path) -> None:
    (doc,) = read_file(_rich_docx(tmp_path / "riche.docx"))
    paragraphs = doc.text.split("\n\n")
    assert "Enquêtrice : Parlez-moi de Rennes et de la mairie." in paragraphs
    assert "Réponse dans un contrôle imbriqué bien rempli." in paragraphs
    assert (
        "Voir le portail citoyen et mardi matin puis intranet départemental page douze"
        in paragraphs
    )
    # The text box comes once, as its own paragraph after the one that anchors it.
    index = paragraphs.index("Le texte ancré continue ici.")
    assert paragraphs[index + 1] == "Encadré latéral unique"
    assert "Nous avons finalement adopté l'outil en décembre." in paragraphs
    assert "Cellule gauche | Cellule contrôlée | Cellule droite" in paragraphs
    assert doc.units[0].speaker == "Enquêtrice"


def test_docx_notes_become_markers_and_a_notes_section(tmp_path: Path) -> None:
    (doc,) = read_file(_rich_docx(tmp_path / "riche.docx"))
    assert "Le budget baissait[1] puis remonté[2] enfin[i]." in doc.text
    assert texts_of(doc, "heading")[-1] == "Notes"
    notes = doc.text[doc.text.rindex("Notes") :].split("\n\n")[1:]
    # Numbered in order of reference (not by id), footnotes then endnotes; a note
    # that nothing references is kept, with the next number.
    assert notes == [
        "[1] Selon la direction informatique\nDeuxième paragraphe de cette note",
        "[2] Source ministérielle publiée",
        "[3] Note orpheline conservée",
        "[i] Entretien réalisé par téléphone",
    ]


def test_docx_list_numbers_computed_from_numbering(tmp_path: Path) -> None:
    (doc,) = read_file(_rich_docx(tmp_path / "riche.docx"))
    paragraphs = doc.text.split("\n\n")
    start = paragraphs.index("1. Premier point")
    assert paragraphs[start : start + 10] == [
        "1. Premier point",
        "a) Sous-point alpha",
        "b) Sous-point bravo",
        "i. Détail romain",
        "2. Second point",
        # A higher level advancing restarts the levels under it.
        "a) Sous-point relancé",
        "III - Partie romaine",
        "III.A Section lettrée",
        "• Une puce",
        # Another instance of the first list that restarts it.
        "1. Liste reprise",
    ]


def test_docx_warnings_say_what_is_not_text(tmp_path: Path) -> None:
    (doc,) = read_file(_rich_docx(tmp_path / "riche.docx"))
    assert doc.warnings == [
        "4 tracked changes were not yet accepted; "
        "read as accepted (insertions kept, deletions dropped)",
        "1 comment in the margin not imported (comments are not document text)",
        "page headers and footers not imported: «Rapport interne confidentiel»",
    ]


def test_docx_with_text_only_in_a_text_box_or_control_is_imported(tmp_path: Path) -> None:
    boxed = write_docx(
        tmp_path / "encadre.docx",
        p(_TEXT_BOX.format(inner=p(r("Seul texte dans un encadré")))),
    )
    (doc,) = read_file(boxed)
    assert doc.text == "Seul texte dans un encadré"
    controlled = write_docx(
        tmp_path / "formulaire.docx",
        "<w:sdt><w:sdtContent><w:sdt><w:sdtContent>"
        + p(r("Réponse du formulaire"))
        + "</w:sdtContent></w:sdt></w:sdtContent></w:sdt>",
    )
    (doc,) = read_file(controlled)
    assert doc.text == "Réponse du formulaire"
    assert doc.warnings == []


def test_docx_embedded_chart_is_said(tmp_path: Path) -> None:
    path = write_docx(tmp_path / "graphique.docx", p(r("Texte principal")), chart1="")
    (doc,) = read_file(path)
    assert doc.warnings == ["1 embedded object (charts, diagrams, spreadsheets...) not imported"]


def test_docx_page_numbers_in_footer_are_not_worth_a_warning(tmp_path: Path) -> None:
    path = write_docx(
        tmp_path / "pied.docx",
        p(r("Texte principal")),
        header1=p(field("PAGE", "3")),
    )
    (doc,) = read_file(path)
    assert doc.text == "Texte principal"
    assert doc.warnings == []


def test_import_summary_carries_the_warnings(tmp_path: Path, project: Project) -> None:
    docx_path = _rich_docx(tmp_path / "riche.docx")
    odt_path = write_odt(
        tmp_path / "annote.odt",
        "<text:p>Texte annoté<office:annotation><dc:creator>B</dc:creator>"
        "<text:p>Avis du relecteur</text:p></office:annotation> ici.</text:p>",
    )
    report = import_files(project, [docx_path, odt_path])
    assert report.ok
    by_file = {f.file: f for f in report.files}
    assert by_file["riche.docx"].warnings[1] == (
        "1 comment in the margin not imported (comments are not document text)"
    )
    assert by_file["riche.docx"].warnings[0].startswith("4 tracked changes")
    assert by_file["annote.odt"].warnings == [
        "1 comment in the margin not imported (comments are not document text)"
    ]
    stored = project.document("riche").text
    assert missing_or_doubled(docx_source_words(docx_path), stored_words(stored)) == {}
    assert project.document("annote").text == "Texte annoté ici."
    assert odt_source_words(odt_path) == stored_words("Texte annoté ici.")


_ODT_BODY = (
    '<text:sequence-decls><text:sequence-decl text:display-outline-level="0" '
    'text:name="Illustration"/></text:sequence-decls>'
    "<text:tracked-changes>"
    '<text:changed-region text:id="ct1"><text:deletion><office:change-info>'
    "<dc:creator>A</dc:creator></office:change-info>"
    "<text:p>phrase supprimée définitivement</text:p></text:deletion></text:changed-region>"
    '<text:changed-region text:id="ct2"><text:insertion><office:change-info>'
    "<dc:creator>A</dc:creator></office:change-info></text:insertion></text:changed-region>"
    "</text:tracked-changes>"
    "<text:table-of-content><text:table-of-content-source>"
    "<text:index-title-template>Modèle sommaire</text:index-title-template>"
    "</text:table-of-content-source><text:index-body>"
    "<text:p>Sommaire entrée unique</text:p></text:index-body></text:table-of-content>"
    '<text:h text:outline-level="1">Entretien<text:s/>au<text:tab/>service</text:h>'
    "<text:p>Enquêtrice : Bonjour<text:line-break/>et bienvenue.</text:p>"
    '<text:p>Nous avons <text:change text:change-id="ct1"/>'
    '<text:change-start text:change-id="ct2"/>vraiment<text:change-end text:change-id="ct2"/>'
    " adopté la plateforme.</text:p>"
    "<text:p>Le texte ancré "
    '<draw:frame draw:name="cadre"><draw:text-box><text:p>Encadré flottant</text:p>'
    "</draw:text-box></draw:frame>continue ici.</text:p>"
    '<text:p>Une forme <draw:custom-shape draw:name="forme"><text:p>Bulle dessinée</text:p>'
    "</draw:custom-shape>suit.</text:p>"
    '<text:p>Le budget baissait<text:note text:id="n1" text:note-class="footnote">'
    "<text:note-citation>1</text:note-citation><text:note-body>"
    "<text:p>Selon la direction informatique</text:p></text:note-body></text:note>"
    ' enfin<text:note text:id="n2" text:note-class="endnote">'
    "<text:note-citation>i</text:note-citation><text:note-body>"
    "<text:p>Entretien réalisé par téléphone</text:p></text:note-body></text:note>.</text:p>"
    "<text:list><text:list-item><text:p>Premier élément</text:p>"
    "<text:list><text:list-item><text:p>Élément imbriqué</text:p></text:list-item>"
    "</text:list></text:list-item><text:list-item><text:p>Dernier élément</text:p>"
    "</text:list-item></text:list>"
    "<text:p>Phrase <office:annotation><dc:creator>B</dc:creator><dc:date>2024</dc:date>"
    "<text:p>Remarque de relecture</text:p></office:annotation>commentée.</text:p>"
    '<table:table table:name="T"><table:table-row><table:table-cell>'
    "<text:p>Cellule gauche</text:p></table:table-cell><table:table-cell>"
    "<text:list><text:list-item><text:p>Cellule listée</text:p></text:list-item></text:list>"
    "</table:table-cell></table:table-row></table:table>"
    '<text:p>Graphique<draw:frame draw:name="g"><draw:object/><draw:image/></draw:frame></text:p>'
)


def test_every_word_of_a_rich_odt_is_stored_once(tmp_path: Path) -> None:
    path = write_odt(
        tmp_path / "riche.odt",
        _ODT_BODY,
        styles='<style:master-page style:name="Standard"><style:header>'
        "<text:p>Rapport interne confidentiel</text:p></style:header>"
        "<style:footer><text:p><text:page-number>4</text:page-number></text:p></style:footer>"
        "</style:master-page>",
    )
    (doc,) = read_file(path)
    source = odt_source_words(path)
    assert sum(source.values()) > 40
    assert missing_or_doubled(source, stored_words(doc.text)) == {}
    for gone in ("supprimée", "Modèle", "Remarque", "Rapport"):
        assert gone not in doc.text
    paragraphs = doc.text.split("\n\n")
    assert paragraphs[:2] == ["Sommaire entrée unique", "Entretien au\tservice"]
    assert "Enquêtrice : Bonjour\net bienvenue." in paragraphs
    assert "Nous avons vraiment adopté la plateforme." in paragraphs
    index = paragraphs.index("Le texte ancré continue ici.")
    assert paragraphs[index + 1] == "Encadré flottant"
    index = paragraphs.index("Une forme suit.")
    assert paragraphs[index + 1] == "Bulle dessinée"
    assert "Le budget baissait[1] enfin[i]." in paragraphs
    assert paragraphs[-3:] == [
        "Notes",
        "[1] Selon la direction informatique",
        "[i] Entretien réalisé par téléphone",
    ]
    assert "Cellule gauche | Cellule listée" in paragraphs
    assert doc.warnings == [
        "2 tracked changes were not yet accepted; "
        "read as accepted (insertions kept, deletions dropped)",
        "1 comment in the margin not imported (comments are not document text)",
        "1 embedded object (charts, diagrams, spreadsheets...) not imported",
        "page headers and footers not imported: «Rapport interne confidentiel»",
    ]


# Each piece of RTF beside the plain text it holds: the independent reading of
# the file is the plain text the test wrote.
_RTF_PIECES = [
    (r"{\b Enqu\'eatrice :} Parlez-moi de la mairie.\par", "Enquêtrice : Parlez-moi de la mairie."),
    (r"Avant{\tab}apr\'e8s\line suite {\i en italique}.\par", "Avant après suite en italique."),
    (r"L\u8217?intranet d\u233?partemental \{accolade\}.\par", "L’intranet départemental accolade"),
    (
        r"Le budget baissait{\super\chftn}{\footnote\pard\plain{\super\chftn} Selon {\b la} "
        r"direction.\par Seconde ligne de note.}.\par",
        "Le budget baissait Selon la direction Seconde ligne de note",
    ),
    (
        r"Enfin{\super\chftn}{\footnote\ftnalt\pard\plain{\super\chftn} Appel t\'e9l\'e9phonique.}"
        r" termin\'e9.\par",
        "Enfin Appel téléphonique terminé",
    ),
    (
        # A Word text box: its text in shptxt, a drawn copy in shprslt for old readers.
        r"Ancre{\shp{\*\shpinst\shpleft0{\sp{\sn shapeType}{\sv 202}}"
        r"{\shptxt \pard Encadr\'e9 lat\'e9ral\par}}{\shprslt{\*\do\dobxcolumn"
        r"\dptxbx{\dptxbxtext\pard Encadr\'e9 lat\'e9ral\par}}}} suite.\par",
        "Ancre Encadré latéral suite",
    ),
    (
        r"Vieux dessin{\*\do\dobxcolumn\dptxbx{\dptxbxtext\pard Bulle ancienne\par}} fini.\par",
        "Vieux dessin Bulle ancienne fini",
    ),
]


def test_every_word_of_an_rtf_is_stored_once(tmp_path: Path) -> None:
    source = (
        r"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Arial;}}"
        r"{\header\pard\plain Rapport interne\par}"
        + "\n".join(rtf for rtf, _ in _RTF_PIECES)
        + "\n"
        + r"Phrase{\*\annotation\pard\plain Remarque de relecture} comment\'e9e.\par}"
    )
    path = tmp_path / "riche.rtf"
    path.write_bytes(source.encode("ascii"))
    (doc,) = read_file(path)
    expected = stored_words(" ".join(plain for _, plain in _RTF_PIECES) + " Phrase commentée")
    assert missing_or_doubled(expected, stored_words(doc.text)) == {}
    for gone in ("Rapport", "Remarque", "footnote", "chftn"):
        assert gone not in doc.text
    assert "Le budget baissait[1]." in doc.text
    assert doc.text.endswith(
        "Notes\n\n[1] Selon la direction.\nSeconde ligne de note.\n[i] Appel téléphonique."
    )
