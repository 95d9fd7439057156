"""The streaming dossier writer against the python-docx writer it replaced.

Both dossiers are read back with python-docx and compared block by block: every
paragraph (style, text, and each run's text, bold, italic and colour), every table
(cell texts and runs), the contents' links and the core properties. The reference is
the writer as it was (``tests/exchange/legacy``), fed by the selection read whole.
"""

from __future__ import annotations

import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.oxml.ns import qn
from lxml import etree
from typer.testing import CliRunner

from benchmarks.scale import build as build_scale
from codage.cli import app
from codage.domain import Pseudonym
from codage.exchange.docx_report import export_dossier
from codage.services import Project
from codage.services.selection import select_for_dossier, stream_for_dossier
from tests.conftest import ROOT
from tests.exchange.legacy.dossier import export_dossier as legacy_export

from .corpus import Corpus
from .docx_parts import same_parts


def _runs(paragraph: Any) -> list[tuple[str, Any, Any, str | None]]:
    return [
        (
            r.text,
            r.bold,
            r.italic,
            str(r.font.color.rgb) if r.font.color and r.font.color.type else None,
        )
        for r in paragraph.runs
    ]


def _blocks(path: Path) -> list[tuple]:
    """The document as python-docx reads it, block by block."""
    doc = docx.Document(str(path))
    blocks: list[tuple] = []
    for block in doc.iter_inner_content():
        if isinstance(block, docx.table.Table):
            blocks.append(
                (
                    "table",
                    block.style.name if block.style else None,
                    [
                        [(c.text, [_runs(p) for p in c.paragraphs]) for c in row.cells]
                        for row in block.rows
                    ],
                )
            )
        else:
            blocks.append(("p", block.style.name, block.text, _runs(block)))
    body = doc.element.body
    links = [h.get(qn("w:anchor")) for h in body.iter(qn("w:hyperlink"))]
    marks = [b.get(qn("w:name")) for b in body.iter(qn("w:bookmarkStart"))]
    props = (doc.core_properties.title, doc.core_properties.author)
    return [*blocks, ("links", links), ("bookmarks", marks), ("properties", props)]


def _both(
    project: Project, tmp_path: Path, *, group_by: str = "code", language: str = "en", **kw: Any
) -> tuple[list[tuple], list[tuple], Path]:
    old, new = tmp_path / "old.docx", tmp_path / "new.docx"
    before = legacy_export(
        select_for_dossier(project, **kw), old, group_by=group_by, language=language
    )
    after = export_dossier(
        stream_for_dossier(project, **kw), new, group_by=group_by, language=language
    )
    # the plain path (rows, no record per coding) writes the record path's bytes
    plain = tmp_path / "plain.docx"
    stream = stream_for_dossier(project, plain=True, **kw)
    assert (stream.dossier is not None) == (not kw.get("pseudonymised"))
    again = export_dossier(stream, plain, group_by=group_by, language=language)
    assert again == replace(after, path=plain, seconds=again.seconds)
    assert same_parts(plain, new)
    assert (after.extracts, after.codings, after.codes, after.documents, after.coders) == (
        before.extracts,
        before.codings,
        before.codes,
        before.documents,
        before.coders,
    )
    return _blocks(old), _blocks(new), new


def _valid_package(path: Path) -> None:
    """Every part parses as XML and has a content type; the body ends with its section."""
    with zipfile.ZipFile(path) as package:
        assert package.testzip() is None
        names = package.namelist()
        types = etree.fromstring(package.read("[Content_Types].xml"))
        ns = "{http://schemas.openxmlformats.org/package/2006/content-types}"
        overrides = {o.get("PartName").lstrip("/") for o in types.iter(ns + "Override")}
        defaults = {d.get("Extension") for d in types.iter(ns + "Default")}
        for name in names:
            assert name in overrides or name.rsplit(".", 1)[-1] in defaults, name
            if name.endswith((".xml", ".rels")):
                etree.fromstring(package.read(name))
        body = etree.fromstring(package.read("word/document.xml")).find(qn("w:body"))
        assert body is not None and body[-1].tag == qn("w:sectPr")


@pytest.mark.parametrize(
    ("group_by", "language", "filters"),
    [
        ("code", "en", {}),
        ("code", "fr", {"context": 1}),
        ("document", "en", {"context": 1}),
        ("case", "fr", {}),
        ("code", "en", {"codes": ["Outils"], "coders": ["alice"]}),
        ("code", "en", {"codes": ["Outils"], "include_subcodes": False}),
        ("code", "en", {"cases": {"type": "Région"}}),
        ("code", "en", {"codes": ["Jamais utilisé"]}),
    ],
)
def test_the_streamed_dossier_reads_as_the_old_one(
    corpus: Corpus, tmp_path: Path, group_by: str, language: str, filters: dict
) -> None:
    # a code without codings: the dossier says that nothing matches
    corpus.project.create_code("Jamais utilisé", coder="alice")
    old, new, path = _both(
        corpus.project, tmp_path, group_by=group_by, language=language, **filters
    )
    assert new == old
    _valid_package(path)


def test_pseudonymised_dossiers_agree(corpus: Corpus, tmp_path: Path) -> None:
    project = corpus.project
    # "enquete" becomes a name sorted after the interviews: groups follow the new names
    project.set_pseudonyms(
        [
            Pseudonym("garnier", "Garnier", "PER", "[Agent 1]"),
            Pseudonym("enquete", "enquete", "LOC", "zz-lieu"),
        ],
        coder="alice",
    )
    for group_by in ("document", "code"):
        old, new, _ = _both(project, tmp_path, group_by=group_by, pseudonymised=True, context=1)
        assert new == old
        texts = " ".join(b[2] for b in new if b[0] == "p")
        assert "[Agent 1]" in texts and "Garnier" not in texts and "zz-lieu" in texts


def test_a_generated_project_gives_the_same_dossier(tmp_path: Path) -> None:
    location = build_scale("20k", tmp_path)
    with Project.open(str(location), create=False) as project:
        old, new, path = _both(project, tmp_path, context=1)
        case_old, case_new, _ = _both(project, tmp_path, group_by="case")
    assert len([b for b in new if b[0] == "p" and b[1] == "Quote"]) > 500
    assert new == old
    assert case_new == case_old
    _valid_package(path)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    built = CliRunner().invoke(app, ["demo", "--no-tui", "-p", str(db), "--sources", str(ROOT)])
    assert built.exit_code == 0, built.output
    return db


def test_the_demo_gives_the_same_dossier(demo: Path, tmp_path: Path) -> None:
    with Project.open(str(demo), create=False) as project:
        old, new, path = _both(project, tmp_path, language="fr", context=1)
    assert sum(1 for b in new if b[0] == "p" and b[1] == "Quote") > 900
    assert new == old
    _valid_package(path)
