"""The quotation dossier read back with python-docx."""

from __future__ import annotations

import struct
import zlib
from collections import Counter
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from codage.exchange.docx_report import bar_chart_png, export_dossier

from .corpus import Corpus

TREE = [
    ("Heading 1", "Outils"),
    ("Heading 2", "Intranet"),
    ("Heading 2", "Messagerie"),
    ("Heading 1", "Organisation"),
    ("Heading 2", "Télétravail"),
    ("Heading 1", "Sécurité"),
]


def _read(path: Path) -> list[tuple[str, str]]:
    doc = docx.Document(str(path))
    return [(p.style.name, p.text) for p in doc.paragraphs]


def _body(paragraphs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The paragraphs after the summary (headings and extracts)."""
    first = next(i for i, (style, _) in enumerate(paragraphs) if style.startswith("Heading"))
    return paragraphs[first:]


def _headings(paragraphs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(s, t.removeprefix("■ ")) for s, t in _body(paragraphs) if s.startswith("Heading")]


def test_headings_follow_the_tree_with_colour_markers(corpus: Corpus, tmp_path: Path) -> None:
    out = tmp_path / "d.docx"
    export_dossier(corpus.project, out)
    assert _headings(_read(out)) == TREE
    doc = docx.Document(str(out))
    colours = {
        p.runs[1].text: str(p.runs[0].font.color.rgb)
        for p in doc.paragraphs
        if p.style.name.startswith("Heading") and p.runs and p.runs[0].text == "■ "
    }
    assert colours == {code.name: code.colour.lstrip("#").upper() for code in corpus.codes.values()}


def test_every_coding_appears_once_with_its_coders(corpus: Corpus, tmp_path: Path) -> None:
    out = tmp_path / "d.docx"
    report = export_dossier(corpus.project, out)
    body = _body(_read(out))
    quotes = [t for s, t in body if s == "Quote"]
    distinct = {(c.code_id, c.document_id, c.start, c.end) for c in corpus.codings}
    assert len(quotes) == len(distinct) == report.extracts == 9
    assert report.codings == len(corpus.codings) == 11
    assert Counter(quotes) == Counter(
        corpus.project.coding(c.id).text
        for c in {(c.code_id, c.document_id, c.start, c.end): c for c in corpus.codings}.values()
    )
    # each attribution line lists the coders of its passage: 11 codings in all
    attributions = [t for s, t in body if s == "Extract Attribution"]
    listed = sum(
        len(part.split(": ", 1)[1].split(", "))
        for line in attributions
        for part in line.split(" · ")
        if part.startswith(("coder: ", "coders: "))
    )
    assert listed == 11


def test_attribution_lines(corpus: Corpus, tmp_path: Path) -> None:
    out = tmp_path / "d.docx"
    export_dossier(corpus.project, out)
    body = _body(_read(out))
    after = {body[i][1]: body[i + 1][1] for i in range(len(body) - 1) if body[i][0] == "Quote"}
    assert after["Au début, personne ne le lisait."] == (
        "— entretien-a · M. Garnier · turn 2 · [00:01:05] · "
        "case DSI-01 (taille: 1200, type: Région) · coders: alice, bob"
    )
    assert after["Nous avons subi une attaque en 2024."] == (
        "— entretien-a · M. Garnier · turn 4 · [01:03:10] · "
        "case DSI-01 (taille: 1200, type: Région) · coder: alice · "
        "also coded: Organisation/Télétravail"
    )
    assert after["L'intranet est lent."] == (
        "— enquete · answer 2 · case R2 (grade: B, type: Région) · coders: alice, bob"
    )
    # memos under their extract: the coding's own memo and a memo object
    memos = [t for s, t in body if s == "Extract Memo"]
    assert memos == ["Memo (alice): crise = covid", "Memo (alice): Rançongiciel"]


def test_order_is_tree_then_document_then_position(corpus: Corpus, tmp_path: Path) -> None:
    out = tmp_path / "d.docx"
    export_dossier(corpus.project, out)
    body = _body(_read(out))
    start = body.index(("Heading 2", "■ Télétravail"))
    quotes = [t for s, t in body[start:] if s == "Quote"][:3]
    assert quotes == [
        "Le télétravail me convient.",  # enquete
        "attaque en 2024. Le télétravail a compliqué les choses.",  # entretien-a
        "Le télétravail progresse.",  # entretien-b
    ]
    again = tmp_path / "again.docx"
    export_dossier(corpus.project, again)
    assert _body(_read(again)) == body


def test_summary_counts_match_the_database(corpus: Corpus, tmp_path: Path) -> None:
    out = tmp_path / "d.docx"
    export_dossier(corpus.project, out)
    table = docx.Document(str(out)).tables[0]
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[0] == ["Code", "Extracts", "Codings", "Documents", "Cases", "Coders"]
    project = corpus.project
    case_of = {"entretien-a": "DSI-01", "entretien-b": "DSI-02"}
    answer_case = {"Le télétravail me convient.": "R1", "L'intranet est lent.": "R2"}
    names = {d.id: d.name for d in project.documents()}
    for code, row in zip(project.codes(), rows[1:], strict=True):
        mine = project.codings(code_ids=[code.id])
        cases = {case_of.get(names[c.document_id]) or answer_case[c.text] for c in mine}
        assert row == [
            "\u2003" * code.depth + code.name,
            str(len({(c.document_id, c.start, c.end) for c in mine})),
            str(len(mine)),
            str(len({c.document_id for c in mine})),
            str(len(cases)),
            str(len({c.coder for c in mine})),
        ]


def test_title_page_toc_field_and_chart(corpus: Corpus, tmp_path: Path) -> None:
    out = tmp_path / "d.docx"
    export_dossier(corpus.project, out, coders=["alice"], codes=["Outils"])
    doc = docx.Document(str(out))
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "Quotation dossier"
    assert "Codes: Outils" in texts
    assert "Coders: alice" in texts
    instr = [el.text for el in doc.element.body.iter(qn("w:instrText"))]
    assert instr == [' TOC \\o "1-3" \\h \\z \\u ']
    assert doc.settings.element.find(qn("w:updateFields")).get(qn("w:val")) == "true"
    assert len(doc.inline_shapes) == 1
    blip = doc.inline_shapes[0]._inline.graphic.graphicData.pic.blipFill.blip
    image = doc.part.related_parts[blip.embed].blob
    assert image.startswith(b"\x89PNG")


def test_bar_chart_png_is_a_valid_image() -> None:
    png = bar_chart_png([(3, "#FF0000"), (1, "#00FF00")], width=100)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width == 100
    idat = png.index(b"IDAT")
    length = struct.unpack(">I", png[idat - 4 : idat])[0]
    raw = zlib.decompress(png[idat + 4 : idat + 4 + length])
    assert len(raw) == height * (1 + 3 * width)
    rows = [raw[i * (1 + 3 * width) + 1 : (i + 1) * (1 + 3 * width)] for i in range(height)]

    def pixels(row: bytes, rgb: bytes) -> int:
        return sum(1 for i in range(0, len(row), 3) if row[i : i + 3] == rgb)

    red = [pixels(r, b"\xff\x00\x00") for r in rows]
    green = [pixels(r, b"\x00\xff\x00") for r in rows]
    assert max(red) > 2 * max(green) > 0  # the bar of 3 is about three times the bar of 1


@pytest.mark.parametrize(
    ("filters", "quotes"),
    [
        ({"codes": ["Outils/Intranet"], "coders": ["bob"]}, 2),
        ({"codes": ["Outils"], "include_subcodes": False}, 0),
        ({"codes": ["Organisation"]}, 4),
        ({"codes": ["Organisation"], "include_subcodes": False}, 1),
        ({"documents": ["enquete"]}, 2),
        ({"cases": {"type": "Commune"}}, 4),  # B: 3 extracts; enquete R1: 1
        ({"cases": {"type": ["Commune", "Région"], "grade": "B"}}, 1),
        ({"cases": {"taille": "1200"}}, 4),
    ],
)
def test_filters(corpus: Corpus, tmp_path: Path, filters: dict, quotes: int) -> None:
    out = tmp_path / "d.docx"
    report = export_dossier(corpus.project, out, **filters)
    body = _body(_read(out)) if report.extracts else _read(out)
    assert sum(1 for s, _ in body if s == "Quote") == quotes == report.extracts


def test_group_by_document_and_case(corpus: Corpus, tmp_path: Path) -> None:
    out = tmp_path / "d.docx"
    export_dossier(corpus.project, out, group_by="document")
    heads = _headings(_read(out))
    tops = [t for s, t in heads if s == "Heading 1"]
    assert tops == ["enquete", "entretien-a", "entretien-b"]
    b = heads[heads.index(("Heading 1", "entretien-b")) :]
    assert b == [
        ("Heading 1", "entretien-b"),
        ("Heading 2", "Outils"),
        ("Heading 3", "Intranet"),
        ("Heading 3", "Messagerie"),
        ("Heading 2", "Organisation"),
        ("Heading 3", "Télétravail"),
    ]
    out = tmp_path / "c.docx"
    export_dossier(corpus.project, out, group_by="case")
    heads = _headings(_read(out))
    assert [t for s, t in heads if s == "Heading 1"] == ["DSI-01", "DSI-02", "R1", "R2"]
    assert sum(1 for s, _ in _body(_read(out)) if s == "Quote") == 9


def test_context_and_french_labels(corpus: Corpus, tmp_path: Path) -> None:
    out = tmp_path / "d.docx"
    export_dossier(corpus.project, out, codes=["Sécurité"], context=1, language="fr")
    paragraphs = _read(out)
    assert paragraphs[0] == ("Title", "Dossier de citations")
    body = _body(paragraphs)
    styles = [s for s, _ in body]
    i = styles.index("Quote")
    # the passage opens its turn: context never reaches into the interviewer's question
    assert body[i - 1][0] != "Extract Context"
    assert body[i + 1] == ("Extract Context", "Le télétravail a compliqué les choses. …")
    assert body[i + 2][1].startswith(
        "— entretien-a · M. Garnier · tour 4 · [01:03:10] · cas DSI-01"
    )
    assert "aussi codé : Organisation/Télétravail" in body[i + 2][1] or (
        "aussi codé: Organisation/Télétravail" in body[i + 2][1]
    )
