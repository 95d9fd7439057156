"""The workbook written from sheet rows (plain tuples) against the one from records.

``stream_codings(..., sheet=True)`` reads the codings as the tuples the Codings sheet
prints, and the writer files them by code and renders them as they come back; the
record path (a ``Coding`` and a ``CodingRecord`` per coding, rendered before filing) is
the oracle: every part of the package must be the same bytes (but the creation time
openpyxl stamps), statistics sheets included, on the corpus with each filter, a
generated project and hostile text.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest

from benchmarks.scale import build as build_scale
from codage.analysis.stats import StatsCollector
from codage.cli.export_cmds import _sheet_labels
from codage.domain import Code, DocumentInfo, NewDocument, Pseudonym, Unit
from codage.exchange.coding_sheet import text_body, utf8_body
from codage.exchange.tables import coding_rows, export_codings
from codage.services import Project
from codage.services.selection import stream_codings
from codage.store.copy import copy_project

from .corpus import Corpus, build_corpus
from .test_sheet_rows import HOSTILE

FILTERS: list[dict[str, Any]] = [
    {},
    {"coders": ["bob"]},
    {"codes": ["Outils"], "coders": ["alice"]},
    {"codes": ["Outils"], "include_subcodes": False},
    {"documents": ["enquete", "entretien-b"]},
    {"cases": {"type": "Région"}},
    {"cases": {"grade": "A"}, "coders": ["alice"]},
]

_STAMPED = "docProps/core.xml"  # openpyxl writes the time of writing there


def _workbook(project: Project, out: Path, sheet: bool, **filters: Any) -> dict[str, bytes]:
    made: list[StatsCollector] = []

    def observe(
        codes: list[Code], documents: list[DocumentInfo], code_ids: set[int] | None
    ) -> StatsCollector:
        made.append(StatsCollector(project, codes, documents, code_ids))
        return made[0]

    stream = stream_codings(project, **filters, observe=observe, sheet=sheet)
    # the path asked for is the path taken
    assert (stream.sheet is not None) == sheet
    report = export_codings(
        stream, out, "xlsx", sheets=lambda: made[0].stats().sheets(_sheet_labels())
    )
    with zipfile.ZipFile(out) as package:
        parts = {name: package.read(name) for name in package.namelist() if name != _STAMPED}
    assert report.rows == parts["xl/worksheets/sheet1.xml"].count(b"<row ") - 1
    return parts


def _same(project: Project, tmp_path: Path, **filters: Any) -> int:
    old = _workbook(project, tmp_path / "records.xlsx", False, **filters)
    new = _workbook(project, tmp_path / "rows.xlsx", True, **filters)
    assert list(new) == list(old)
    for name, data in old.items():
        assert new[name] == data, name
    return old["xl/worksheets/sheet1.xml"].count(b"<row ") - 1


@pytest.mark.parametrize("filters", FILTERS, ids=[str(f) for f in FILTERS])
def test_sheet_rows_write_the_records_workbook(
    corpus: Corpus, tmp_path: Path, filters: dict[str, Any]
) -> None:
    rows = _same(corpus.project, tmp_path, **filters)
    if not filters:
        assert rows > 10


def test_a_pseudonymised_stream_keeps_its_records(corpus: Corpus, tmp_path: Path) -> None:
    corpus.project.set_pseudonyms(
        [Pseudonym("garnier", "Garnier", "PER", "[Agent 1]")], coder="alice"
    )
    # the map applies to records: asked for sheet rows, the stream reads records
    stream = stream_codings(corpus.project, pseudonymised=True, sheet=True)
    assert stream.sheet is None
    assert sum(len(b.records) for b in stream.batches) > 10


def test_a_generated_project_gives_the_same_workbook(tmp_path: Path) -> None:
    location = build_scale("20k", tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    with Project.open(str(location), create=False) as project:
        assert _same(project, out) >= 900
        assert _same(project, out, coders=["ana", "chloe"]) >= 500


def test_a_hostile_project_gives_the_same_workbook(project: Project, tmp_path: Path) -> None:
    text = "\n\n".join(HOSTILE[:-1])
    units, pos = [], 0
    for i, block in enumerate(text.split("\n\n")):
        start = text.index(block, pos)
        units.append(
            Unit("turn", start, start + len(block), speaker=HOSTILE[i % 5], timestamp=-5.0 * i)
        )
        pos = start + len(block)
    doc = project.add_document(NewDocument("=doc\x07", "interview", text, units=units))
    other = project.add_document(NewDocument("<b>", "interview", "sans tour\nligne deux"))
    code = project.create_code("-Code", coder="=ana")
    child = project.create_code("#REF!", parent_id=code.id, coder="=ana")
    for i, unit in enumerate(units):
        for coder in HOSTILE[:3]:
            coding = project.add_coding(doc.id, code.id, unit.start, unit.end, coder=coder)
            project.set_coding_memo(coding.id, HOSTILE[(i + 3) % len(HOSTILE)], coder=coder)
        shorter = unit.end - 1 if unit.end - unit.start > 1 else unit.end
        project.add_coding(doc.id, child.id, unit.start, shorter, coder=HOSTILE[i % 4])
    project.add_coding(other.id, child.id, 0, 4, coder="zoé")
    project.add_coding(other.id, code.id, 10, 15, coder="ana")
    project.set_case("@cas", {"rôle": "=DSI", "n": 3.0, "x": 2.5, "ok": True, "vide": None})
    project.link_case("@cas", document_id=doc.id)
    assert _same(project, tmp_path) == 3 * len(units) + len(units) + 2


def test_csv_refuses_a_stream_read_as_sheet_rows(corpus: Corpus) -> None:
    # its codings are in the sheet rows: a CSV written from its records would be empty
    stream = stream_codings(corpus.project, sheet=True)
    with pytest.raises(ValueError, match="xlsx"):
        coding_rows(stream)


EDGES = [
    *HOSTILE,
    "",
    "plain",
    "fin accentuée é",
    "é au début",
    "\u00a0insécable devant",
    "insécable derrière\u00a0",
    "\u2003cadratin",
    "tab\tdedans",
    "ligne\nfin\n",
    "x\uffffy",
    "x\ufffdy",
    "fin\u3000",
    "\u3000début",
    "points…",
    "…début",
    "\U0001f600 fin \U0001f600",
    "fin insécable\u202f",
    "x\uff01y",
    "a" * 32767,
    "a" * 32768,
    "é" * 20000,
    "#REF!",
    "#",
    "=",
    "&",
]


def test_utf8_text_is_written_as_text_body() -> None:
    for text in EDGES:
        assert utf8_body(text.encode()) == text_body(text).encode(), text[:20]


def test_a_project_on_postgresql_gives_the_same_workbook(tmp_path: Path, pg_url: str) -> None:
    """A server gives text, not UTF-8 bytes: the rows are encoded once, the same sheet."""
    built = build_corpus(tmp_path / "sheet.db")
    built.project.close()
    copy_project(str(tmp_path / "sheet.db"), pg_url)
    with Project.open(pg_url, create=False) as project:
        assert _same(project, tmp_path) > 10
        assert _same(project, tmp_path, cases={"type": "Région"}) > 0
