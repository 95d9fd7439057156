"""Exports of hostile text: control characters, formulas, and writes that fail half-way."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document as WordDocument
from openpyxl import load_workbook

from codage.domain import NewDocument, Unit
from codage.exchange.atomic import ExportWriteError, atomic_path
from codage.exchange.docx_report import export_dossier
from codage.exchange.tables import cell_safe, export_codings
from codage.exchange.transcript_docx import export_transcript
from codage.services import Project
from codage.services.selection import select_codings, select_for_dossier, select_transcript

ROOT = Path(__file__).resolve().parents[2]
FORMULAS = ['=HYPERLINK("http://x","clic")', "+33 1 23", "-2+3", "@SUM(A1)", "\tx", "\rx"]


@pytest.fixture
def hostile(project: Project) -> Project:
    text = "\n\n".join(
        [
            "Marie\x1b[31m : une phrase avec une cloche\x07 et un échappement.",
            *FORMULAS,
            "Fin normale.",
        ]
    )
    units, pos = [], 0
    for block in text.split("\n\n"):
        start = text.index(block, pos)
        units.append(Unit("paragraph", start, start + len(block)))
        pos = start + len(block)
    doc = project.add_document(NewDocument("doc\x1b[2Jnom\x07", "interview", text, units=units))
    code = project.create_code("Code", coder="ana\x1b")
    # New code names with control characters are refused; a project written by an
    # older codage may still hold one, and exports must not break on it.
    import sqlite3

    with sqlite3.connect(project.location) as db:
        db.execute("UPDATE codes SET name = ? WHERE id = ?", ("Code\x1b]0;titre\x07", code.id))
    for unit in units:
        coding = project.add_coding(doc.id, code.id, unit.start, unit.end, coder="ana\x1b")
        project.set_coding_memo(coding.id, "mémo\x0b avec \x01 contrôle", coder="ana\x1b")
    project.set_case("cas\x1b", {"rôle\x07": "DSI\x1b"})
    project.link_case("cas\x1b", document_id=doc.id)
    return project


def test_word_exports_survive_control_characters(hostile: Project, tmp_path: Path) -> None:
    dossier = tmp_path / "dossier.docx"
    report = export_dossier(select_for_dossier(hostile, context=1), dossier, group_by="case")
    assert report.extracts == len(FORMULAS) + 2
    body = "\n".join(p.text for p in WordDocument(str(dossier)).paragraphs)
    assert "une cloche et un échappement" in body
    assert "\x1b" not in body and "\x07" not in body
    transcript = tmp_path / "transcript.docx"
    export_transcript(select_transcript(hostile, hostile.documents()[0].id), transcript)
    word = WordDocument(str(transcript))
    assert len(word.comments) == len(FORMULAS) + 2
    assert all("\x1b" not in c.author for c in word.comments)


def test_formula_cells_are_written_as_text(hostile: Project, tmp_path: Path) -> None:
    export_codings(select_codings(hostile), tmp_path / "c.csv", "csv")
    with open(tmp_path / "c.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    texts = {row[rows[0].index("text")] for row in rows[1:]}
    for formula in FORMULAS:
        assert "'" + formula in texts
    export_codings(select_codings(hostile), tmp_path / "c.xlsx", "xlsx")
    sheet = load_workbook(tmp_path / "c.xlsx").worksheets[0]
    header = [c.value for c in sheet[1]]
    col = header.index("text")
    cells = [row[col] for row in sheet.iter_rows(min_row=2)]
    assert all(c.data_type == "s" for c in cells)  # never "f": no formula
    assert {c.value for c in cells} >= {"'" + f for f in FORMULAS if "\r" not in f}
    assert cell_safe(-2) == -2 and cell_safe("ordinaire") == "ordinaire"


def test_a_failed_write_leaves_the_previous_file(tmp_path: Path) -> None:
    out = tmp_path / "dossier.docx"
    out.write_bytes(b"yesterday")
    with pytest.raises(ExportWriteError, match="previous file is unchanged"), atomic_path(out) as p:
        p.write_bytes(b"half")
        raise OSError(28, "No space left on device")
    assert out.read_bytes() == b"yesterday"
    assert [f.name for f in tmp_path.iterdir()] == ["dossier.docx"]  # no temporary left


def test_a_full_disk_during_an_export_is_one_line(hostile: Project, tmp_path: Path) -> None:
    """A real process whose writes fail past 4 kB (RLIMIT_FSIZE), as on a full disk."""
    out = tmp_path / "dossier.docx"
    out.write_bytes(b"yesterday's dossier")
    script = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))\n"
        "from codage.cli import main\n"
        "sys.argv = ['codage'] + sys.argv[1:]\n"
        "main()\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script, "export", "docx", str(out), "-p", hostile.location],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "previous file is unchanged" in done.stderr
    assert out.read_bytes() == b"yesterday's dossier"
    assert sorted(f.name for f in tmp_path.iterdir() if "dossier" in f.name) == ["dossier.docx"]


def test_what_a_killed_export_left_is_removed_by_the_next(tmp_path: Path) -> None:
    """A killed export leaves its temporary file; the next export to that name removes
    it, but not one that a living export (another process) is still writing."""
    import fcntl

    out = tmp_path / "dossier.docx"
    abandoned = tmp_path / ".dossier.docx.abcd1234.part"
    abandoned.write_bytes(b"half a dossier")
    living = tmp_path / ".dossier.docx.efgh5678.part"
    living.write_bytes(b"being written")
    other = tmp_path / ".autre.docx.ijkl9012.part"  # another export's name: not ours
    other.write_bytes(b"another file")
    # a living export holds its file locked from another process, as atomic_path does
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys; h = os.open(sys.argv[1], os.O_RDONLY); "
            "fcntl.flock(h, fcntl.LOCK_EX); print('held', flush=True); sys.stdin.read()",
            str(living),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with atomic_path(out) as part:
            part.write_bytes(b"whole")
            # while it writes, its own file is locked: a second export would keep it
            handle = os.open(part, os.O_RDONLY)
            try:
                with pytest.raises(OSError):
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            finally:
                os.close(handle)
    finally:
        holder.communicate("")
    assert out.read_bytes() == b"whole"
    assert not abandoned.exists()
    assert living.exists() and other.exists()


def test_an_export_killed_as_it_makes_its_file_leaves_one_temporary_file(tmp_path: Path) -> None:
    """The worst moment for a kill: just after an export made its temporary file. What
    an earlier killed export left is gone by then, so one temporary file is left at most
    (the kill harness once found two after a run of kills)."""
    abandoned = tmp_path / ".dossier.docx.abcd1234.part"
    abandoned.write_bytes(b"half a dossier")
    killed_at_its_file = (
        "import os, signal, sys, tempfile\n"
        "from codage.exchange.atomic import atomic_path\n"
        "made = tempfile.mkstemp\n"
        "def make_then_die(*args, **kwargs):\n"
        "    made(*args, **kwargs)\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "tempfile.mkstemp = make_then_die\n"
        "with atomic_path(sys.argv[1]) as part:\n"
        "    part.write_bytes(b'never')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", killed_at_its_file, str(tmp_path / "dossier.docx")],
        capture_output=True,
        check=False,
    )
    assert done.returncode == -9, done.stderr
    left = [p.name for p in tmp_path.iterdir()]
    assert len(left) == 1 and left[0] != abandoned.name, left
    assert left[0].startswith(".dossier.docx.") and left[0].endswith(".part")
