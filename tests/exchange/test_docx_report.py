"""The quotation dossier read back with python-docx."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from codage.exchange.docx_report import export_dossier
from codage.services.selection import select_for_dossier

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
    export_dossier(select_for_dossier(corpus.project), out)
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
    report = export_dossier(select_for_dossier(corpus.project), out)
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
    export_dossier(select_for_dossier(corpus.project), out)
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
    export_dossier(select_for_dossier(corpus.project), out)
    body = _body(_read(out))
    start = body.index(("Heading 2", "■ Télétravail"))
    quotes = [t for s, t in body[start:] if s == "Quote"][:3]
    assert quotes == [
        "Le télétravail me convient.",  # enquete
        "attaque en 2024. Le télétravail a compliqué les choses.",  # entretien-a
        "Le télétravail progresse.",  # entretien-b
    ]
    again = tmp_path / "again.docx"
    export_dossier(select_for_dossier(corpus.project), again)
    assert _body(_read(again)) == body


def test_summary_counts_match_the_database(corpus: Corpus, tmp_path: Path) -> None:
    """Each code with extracts, under its parents; a parent row counts its whole branch."""
    out = tmp_path / "d.docx"
    export_dossier(select_for_dossier(corpus.project), out)
    table = docx.Document(str(out)).tables[0]
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[0] == ["Code", "Extracts", "Codings", "Documents", "Cases", "Coders"]
    project = corpus.project
    case_of = {"entretien-a": "DSI-01", "entretien-b": "DSI-02"}
    answer_case = {"Le télétravail me convient.": "R1", "L'intranet est lent.": "R2"}
    names = {d.id: d.name for d in project.documents()}
    codes = project.codes()
    for code, row in zip(codes, rows[1:], strict=True):
        branch = [c.id for c in codes if c.path[: len(code.path)] == code.path]
        mine = project.codings(code_ids=branch)
        cases = {case_of.get(names[c.document_id]) or answer_case[c.text] for c in mine}
        assert row == [
            code.name,
            str(len({(c.code_id, c.document_id, c.start, c.end) for c in mine})),
            str(len(mine)),
            str(len({c.document_id for c in mine})),
            str(len(cases)),
            str(len({c.coder for c in mine})),
        ]
    assert rows[1][:3] == ["Outils", "4", "6"]  # Intranet 3 extracts (5 codings) + Messagerie 1
    indents = [row.cells[0].paragraphs[0].paragraph_format.left_indent for row in table.rows[1:]]
    assert [round(i.inches / 0.15) for i in indents] == [c.depth for c in codes]


def test_summary_lists_only_codes_with_extracts(corpus: Corpus, tmp_path: Path) -> None:
    corpus.project.create_code("Jamais utilisé", coder="alice")
    corpus.project.create_code("Vide", parent_id=corpus.codes["Outils"].id, coder="alice")
    out = tmp_path / "d.docx"
    export_dossier(select_for_dossier(corpus.project), out)
    names = [row.cells[0].text.strip("\u2003") for row in docx.Document(str(out)).tables[0].rows]
    assert "Jamais utilisé" not in names and "Vide" not in names
    assert names[1:] == [
        "Outils",
        "Intranet",
        "Messagerie",
        "Organisation",
        "Télétravail",
        "Sécurité",
    ]


def test_summary_columns_are_sized_to_their_content(corpus: Corpus, tmp_path: Path) -> None:
    long_name = "Relations avec les autres usagers, collectivités et partenaires"
    code = corpus.project.create_code(long_name, coder="alice")
    doc_id = corpus.docs["entretien-b"]
    corpus.project.add_coding(doc_id, code.id, 0, 10, coder="alice")
    out = tmp_path / "d.docx"
    export_dossier(select_for_dossier(corpus.project), out, language="fr")
    doc = docx.Document(str(out))
    table = doc.tables[0]
    layout = table._tbl.tblPr.find(qn("w:tblLayout"))
    assert layout is not None and layout.get(qn("w:type")) == "fixed"
    widths = [cell.width.inches for cell in table.rows[0].cells]
    section = doc.sections[0]
    usable = (section.page_width - section.left_margin - section.right_margin) / 914400
    assert sum(widths) <= usable + 0.01
    # The longest word of any label fits its column (about 0.075 in per character at 9 pt).
    longest_word = max(
        (w for row in table.rows for w in row.cells[0].text.split()), key=len, default=""
    )
    assert widths[0] >= len(longest_word) * 0.075
    for i, head in enumerate(["Extraits", "Codages", "Documents", "Cas", "Codeurs"], start=1):
        assert table.rows[0].cells[i].text == head
        assert widths[i] >= len(head) * 0.075  # no header breaks inside its word
    assert widths[0] > widths[1]


def test_bar_chart_has_labels_and_values_sorted(corpus: Corpus, tmp_path: Path) -> None:
    out = tmp_path / "d.docx"
    export_dossier(select_for_dossier(corpus.project), out)
    doc = docx.Document(str(out))
    chart = doc.tables[1]
    rows = [(r.cells[0].text, r.cells[1].text, r.cells[2].text) for r in chart.rows]
    # Leaf codes with their parent, most extracts first, ties in tree order.
    assert [(label, value) for label, _, value in rows] == [
        ("Intranet (Outils)", "3"),
        ("Télétravail (Organisation)", "3"),
        ("Messagerie (Outils)", "1"),
        ("Organisation", "1"),
        ("Sécurité", "1"),
    ]
    lengths = [len(bar) for _, bar, _ in rows]
    assert all(set(bar) == {"\u2588"} for _, bar, _ in rows)
    assert lengths[0] == lengths[1] and lengths[2] == lengths[3] == lengths[4]
    assert lengths[0] == pytest.approx(3 * lengths[2], abs=1)
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    assert captions[0] == "Extracts per code, most first"


def test_title_page_toc_field_and_chart(corpus: Corpus, tmp_path: Path) -> None:
    out = tmp_path / "d.docx"
    export_dossier(select_for_dossier(corpus.project, coders=["alice"], codes=["Outils"]), out)
    doc = docx.Document(str(out))
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "Quotation dossier"
    assert "Codes: Outils" in texts
    assert "Coders: alice" in texts
    instr = [el.text for el in doc.element.body.iter(qn("w:instrText"))]
    assert instr == [' TOC \\o "1-3" \\h \\z \\u ']
    assert doc.settings.element.find(qn("w:updateFields")).get(qn("w:val")) == "true"
    assert len(doc.inline_shapes) == 0  # the chart is a table: it prints in black and white


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
    report = export_dossier(select_for_dossier(corpus.project, **filters), out)
    body = _body(_read(out)) if report.extracts else _read(out)
    assert sum(1 for s, _ in body if s == "Quote") == quotes == report.extracts


def test_group_by_document_and_case(corpus: Corpus, tmp_path: Path) -> None:
    out = tmp_path / "d.docx"
    export_dossier(select_for_dossier(corpus.project), out, group_by="document")
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
    export_dossier(select_for_dossier(corpus.project), out, group_by="case")
    heads = _headings(_read(out))
    assert [t for s, t in heads if s == "Heading 1"] == ["DSI-01", "DSI-02", "R1", "R2"]
    assert sum(1 for s, _ in _body(_read(out)) if s == "Quote") == 9


def test_context_and_french_labels(corpus: Corpus, tmp_path: Path) -> None:
    out = tmp_path / "d.docx"
    export_dossier(
        select_for_dossier(corpus.project, codes=["Sécurité"], context=1), out, language="fr"
    )
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
