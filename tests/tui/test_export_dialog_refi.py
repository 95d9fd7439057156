"""The export dialog writes a REFI-QDA project and codebook that read back from the zip."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from lxml import etree
from textual.widgets import Input, Select, Static

from codage.services import Project
from codage.tui.screens.export_dialog import ExportDialog, default_output
from tests.tui.screens_study import HostApp, settle

pytestmark = pytest.mark.anyio
NS = {"q": "urn:QDA-XML:project:1.0", "c": "urn:QDA-XML:codebook:1.0"}


def result_line(dialog: ExportDialog) -> str:
    return str(dialog.query_one("#export-result", Static).render())


async def test_writes_a_qdpx_that_reads_back(study: Project, tmp_path: Path) -> None:
    dialog = ExportDialog()
    app = HostApp(study, dialog)
    out = tmp_path / "projet.qdpx"
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        output = dialog.query_one("#export-output", Input)
        dialog.query_one("#export-format", Select).value = "qdpx"
        await pilot.pause()
        # the filters are the dossier's: a project export carries everything
        assert not dialog.query_one("#export-filters").display
        whole = dialog.query_one("#export-whole", Static)
        assert whole.display and "codebook" in str(whole.render())
        assert output.value == str(default_output(study, "qdpx"))
        output.value = str(out)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert dialog.result is not None and not dialog.result.error, result_line(dialog)
        assert str(out) in result_line(dialog)
    codings = study.codings()
    assert dialog.result.extracts == len(codings)
    with zipfile.ZipFile(out) as archive:
        root = etree.fromstring(archive.read("project.qde"))
        sources = root.findall("q:Sources/q:TextSource", NS)
        assert sorted(s.get("name") for s in sources) == sorted(d.name for d in study.documents())
        for source in sources:
            path = "Sources/" + source.get("plainTextPath").removeprefix("internal://")
            text = archive.read(path).decode("utf-8")
            assert text == study.document(source.get("name")).text
            spans = sorted(
                (int(s.get("startPosition")), int(s.get("endPosition")))
                for s in source.iterfind("q:PlainTextSelection", NS)
                if s.find("q:Coding", NS) is not None
            )
            document_id = study.document(source.get("name")).id
            assert spans == sorted(
                (c.start, c.end) for c in codings if c.document_id == document_id
            )
    assert len(root.findall(".//q:Coding", NS)) == len(codings)


async def test_writes_a_codebook_and_refuses_a_wrong_suffix(study: Project, tmp_path: Path) -> None:
    dialog = ExportDialog()
    app = HostApp(study, dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        dialog.query_one("#export-format", Select).value = "qdc"
        await pilot.pause()
        output = dialog.query_one("#export-output", Input)
        output.value = str(tmp_path / "livre.docx")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "should end with .qdc" in result_line(dialog)
        assert not (tmp_path / "livre.docx").exists()
        output.value = str(tmp_path / "livre.qdc")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert dialog.result is not None and not dialog.result.error, result_line(dialog)
        # back to the dossier: the filters come back, a typed name keeps its stem
        dialog.query_one("#export-format", Select).value = "docx"
        await pilot.pause()
        assert dialog.query_one("#export-filters").display
        assert not dialog.query_one("#export-whole").display
        assert output.value == str(tmp_path / "livre.docx")
    book = etree.parse(str(tmp_path / "livre.qdc"))
    names = [c.get("name") for c in book.iterfind(".//c:Code", NS)]
    assert names == [c.name for c in study.codes()]
