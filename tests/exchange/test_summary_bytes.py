"""The dossier's summary table and bar chart, written with lxml, against the python-docx
writer they replace (``tests/exchange/legacy/summary.py``): the same bytes in the body
and in the saved document, for the rows of real projects and for hostile code names
and colours."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

from docx import Document as new_docx
from docx.document import Document as DocxDocument
from lxml import etree

from codage.domain import Code
from codage.exchange.docx_report import _labeller
from codage.exchange.dossier_layout import add_styles
from codage.exchange.dossier_summary import BranchCounts, BranchTally, write_summary
from codage.services.selection import select_for_dossier
from tests.exchange.legacy.dossier import build_extracts
from tests.exchange.legacy.summary import write_rows

from .corpus import Corpus


def _written(
    write: Callable[[DocxDocument, list[BranchCounts], Callable[..., str]], object],
    rows: list[BranchCounts],
    language: str,
) -> tuple[bytes, bytes]:
    """The body as lxml serialises it, and word/document.xml once python-docx saved it."""
    doc = new_docx()
    add_styles(doc)
    doc.add_paragraph("before")
    write(doc, rows, _labeller(language))
    doc.add_paragraph("after")
    saved = io.BytesIO()
    doc.save(saved)
    with zipfile.ZipFile(saved) as package:
        part = package.read("word/document.xml")
    return etree.tostring(doc.element.body), part


def _same(rows: list[BranchCounts], language: str = "en") -> None:
    old_body, old_part = _written(write_rows, rows, language)
    new_body, new_part = _written(write_summary, rows, language)
    assert new_body == old_body
    assert new_part == old_part
    assert b"<w:tbl>" in new_part  # the tables are there, not both sides empty


def test_rows_of_a_real_project(corpus: Corpus) -> None:
    # one project, several selections of it: building the corpus is the slow part
    for filters in ({}, {"context": 1}, {"codes": ["Outils"]}, {"coders": ["alice"]}):
        selection = select_for_dossier(corpus.project, **filters)
        tally = BranchTally(selection.codes, selection.code_ids)
        for extract in build_extracts(selection):
            tally.add(extract)
        rows = tally.rows()
        assert rows, filters
        for language in ("en", "fr"):
            _same(rows, language)


def _code(id_: int, name: str, parent: Code | None, colour: str) -> Code:
    path = (*(parent.path if parent else ()), name)
    parent_id = parent.id if parent else None
    return Code(id=id_, name=name, parent_id=parent_id, colour=colour, path=path)


def test_hostile_names_colours_and_counts() -> None:
    top = _code(1, "  Thème\tà tabulation  ", None, "#FFFFFF")
    mid = _code(2, "Ligne\nsur deux\r\nlignes", top, "not a colour")
    leaf = _code(3, "", mid, "#e6194b")
    long = _code(4, "Un nom de code très long " * 12 + "\x07\x1b", top, "#FFFF99")
    lone = _code(5, " ", None, "#000000")
    rows = [
        BranchCounts(top, 0, 1_234_567, 0, 2_000_000, {1, 2, 3}, {"a", "b"}, {"x"}),
        BranchCounts(mid, 1, 30, 5, 31, {1}, set(), {"x", "y"}),
        BranchCounts(leaf, 2, 25, 25, 25, {1}, {"a"}, {"x"}),
        BranchCounts(long, 1, 1_234_537, 1_234_537, 1_999_944, {2, 3}, {"b"}, {"x"}),
        BranchCounts(lone, 0, 7, 7, 7, set(), set(), set()),
    ]
    _same(rows)
    _same(rows, "fr")
    # a single row, its code holding every extract itself
    _same([BranchCounts(_code(9, "Seul", None, "#3cb44b"), 0, 1, 1, 1, {1}, set(), {"x"})])


def test_no_rows_writes_nothing() -> None:
    body, part = _written(write_summary, [], "en")
    assert b"<w:tbl>" not in part and b"<w:tbl" not in body
