"""The dossier's front matter against the python-docx calls it replaces, byte for byte.

The summary table and bar chart, written with lxml, against the python-docx writer
(``tests/exchange/legacy/summary.py``), for the rows of real projects and for hostile
code names and colours; the styles, added without python-docx's name scans, against
``tests/exchange/legacy/styles.py``; and the whole front matter of an export (title
page, contents, summary) against the dossier writer as it was (``legacy/dossier.py``).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

from docx import Document as new_docx
from docx.document import Document as DocxDocument
from lxml import etree

from codage.domain import Code
from codage.exchange.docx_report import _labeller, export_dossier
from codage.exchange.dossier_layout import add_styles
from codage.exchange.dossier_summary import BranchCounts, BranchTally, write_summary
from codage.services.selection import select_for_dossier, stream_for_dossier
from tests.exchange.legacy.dossier import build_extracts
from tests.exchange.legacy.dossier import export_dossier as legacy_export
from tests.exchange.legacy.styles import add_styles as legacy_add_styles
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


def _parts(source: Path | io.BytesIO) -> dict[str, bytes]:
    with zipfile.ZipFile(source) as package:
        return {name: package.read(name) for name in package.namelist()}


def test_styles_as_python_docx_added_them() -> None:
    saved = []
    for add in (legacy_add_styles, add_styles):
        doc = new_docx()
        add(doc)
        out = io.BytesIO()
        doc.save(out)
        saved.append(_parts(out))
    old, new = saved
    assert b"ExtractContext" in new["word/styles.xml"]
    assert b"toc3" in new["word/styles.xml"]
    assert new == old


def _front(part: bytes) -> bytes:
    """document.xml up to the body's first heading: the title page, contents and summary."""
    head, found, _ = part.partition(b'<w:p><w:pPr><w:pStyle w:val="Heading')
    assert found
    return head


def test_front_matter_of_an_export(corpus: Corpus, tmp_path: Path) -> None:
    for language, filters in (("en", {}), ("fr", {"context": 1}), ("en", {"codes": ["Outils"]})):
        old, new = tmp_path / "old.docx", tmp_path / "new.docx"
        selection = select_for_dossier(corpus.project, **filters)
        legacy_export(selection, old, language=language)
        export_dossier(stream_for_dossier(corpus.project, **filters), new, language=language)
        old_parts, new_parts = _parts(old), _parts(new)
        front = _front(new_parts["word/document.xml"])
        assert b"<w:tbl>" in front and b"TOCHeading" in front
        assert front == _front(old_parts["word/document.xml"])
        for name in ("word/styles.xml", "word/settings.xml", "word/numbering.xml"):
            assert new_parts[name] == old_parts[name], name
