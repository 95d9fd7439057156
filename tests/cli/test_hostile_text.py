"""Names, passages, memos and headers that look like markup or carry terminal controls
are printed literally by every command, and a committed write never exits non-zero
because its report could not be printed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codage.cli import app
from codage.domain import NewDocument
from codage.services import Project
from tests.hostile_project import (
    ATTRIBUTE,
    CODE_BOLD,
    CODE_DEFINITION,
    CODE_RIRES,
    CODER,
    CODER_ESC,
    CODER_ESC_SHOWN,
    DOC_NAME,
    DOC_SHOWN,
    ESC,
    MEMO,
    PASSAGE,
    SURVEY_NAME,
    Hostile,
    build_hostile_project,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Hostile:
    return build_hostile_project(tmp_path_factory.mktemp("hostile"))


@pytest.fixture
def copy(hostile: Hostile, tmp_path: Path) -> Path:
    """A copy of the hostile project that a test may write to."""
    target = tmp_path / "copy.db"
    shutil.copy(hostile.project, target)
    return target


def run(*args: str | Path) -> tuple[int, str, str]:
    # wide enough that no table folds a name over two lines
    result = CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "300"})
    return result.exit_code, result.stdout, result.stderr


def shown(*args: str | Path) -> str:
    """The output of a command that must succeed and send no raw control to the terminal."""
    code, out, err = run(*args)
    assert code == 0, (out, err)
    for stream in (out, err):
        assert ESC not in stream and "\x07" not in stream
    return out + err


def test_documents_list_names_literally(hostile: Hostile) -> None:
    out = shown("documents", "-p", hostile.project)
    assert DOC_SHOWN in out
    assert SURVEY_NAME in out


def test_codebook_show_keeps_brackets_of_names_and_definitions(hostile: Hostile) -> None:
    out = shown("codebook", "show", "-p", hostile.project)
    assert CODE_RIRES in out
    assert "[bold]x[" in out and "bold]" in out
    assert CODE_DEFINITION in out


def test_segments_of_a_transcript_with_brackets(hostile: Hostile) -> None:
    out = shown("segments", "-p", hostile.project)
    for text in (DOC_SHOWN, CODER, CODER_ESC_SHOWN, CODE_BOLD, CODE_RIRES, PASSAGE, SURVEY_NAME):
        assert text in out, text


def test_segments_json_stays_exact(hostile: Hostile) -> None:
    code, out, _ = run("segments", "-p", hostile.project, "--json")
    assert code == 0
    rows = json.loads(out)
    assert {r["document"] for r in rows} == {DOC_NAME, SURVEY_NAME}
    assert {r["coder"] for r in rows} == {CODER, CODER_ESC}
    assert MEMO in {r["memo"] for r in rows}
    # json escapes the control characters itself: none reaches the terminal raw
    assert ESC not in out and "\\u001b" in out


def test_stats_show_attribute_values_and_headers_literally(hostile: Hostile) -> None:
    out = shown("stats", "-p", hostile.project)
    for text in (ATTRIBUTE, DOC_SHOWN, SURVEY_NAME, CODE_RIRES, "[bold]x["):
        assert text in out, text


def test_agreement_names_coders_and_documents_literally(hostile: Hostile) -> None:
    out = shown("agreement", "-p", hostile.project)
    for text in (CODER, CODER_ESC_SHOWN, DOC_SHOWN, CODE_RIRES, PASSAGE):
        assert text in out, text


def test_merge_report_conflicts_and_aside(hostile: Hostile, tmp_path: Path) -> None:
    folder = tmp_path / "[red]cible"
    folder.mkdir()
    target = folder / "team [@click=app.quit].db"
    with Project.open(str(target)) as project:
        # same name, another text: the codings cannot be placed and go aside
        project.add_document(NewDocument(DOC_NAME, "text", "Un tout autre texte, sans rires."))
        project.create_code(CODE_RIRES, coder="lead", description="[i]autre[/i] définition")
    out = shown("merge", target, hostile.project, "--coder", "lead")
    assert str(target) in out
    assert str(hostile.project) in out
    assert f"{CODE_RIRES}: description differ" in out  # the conflict line
    out = shown("aside", "-p", target)
    for text in (DOC_SHOWN, CODER, CODER_ESC_SHOWN, CODE_RIRES, PASSAGE):
        assert text in out, text


def test_code_uncode_undo_redo_messages(copy: Path) -> None:
    out = shown("code", DOC_NAME, CODE_RIRES, "--text", "Dites-moi", "-p", copy, "--coder", CODER)
    assert DOC_SHOWN in out and CODE_RIRES in out and CODER in out
    out = shown("uncode", DOC_NAME, CODE_RIRES, "--text", "Dites-moi", "-p", copy, "--coder", CODER)
    assert "1" in out
    out = shown("undo", "-p", copy, "--coder", CODER)
    assert DOC_SHOWN in out
    out = shown("redo", "-p", copy, "--coder", CODER)
    assert DOC_SHOWN in out


def test_consensus_message(copy: Path) -> None:
    out = shown("consensus", "--coders", f"{CODER},{CODER_ESC}", "--as", "[b]tous[/b]", "-p", copy)
    assert CODER in out and CODER_ESC_SHOWN in out and "[b]tous[/b]" in out


def test_codebook_import_conflicts_are_literal(copy: Path, tmp_path: Path) -> None:
    book = tmp_path / "autre.yaml"
    book.write_text(
        f'name: "[/autre]"\ncodes:\n  - name: "{CODE_RIRES}"\n    definition: "[red]neuf[/red]"\n',
        encoding="utf-8",
    )
    out = shown("codebook", "import", book, "-p", copy)
    assert "[/autre]" in out and CODE_RIRES in out


def test_import_summary_shows_file_names_and_cleans_document_names(tmp_path: Path) -> None:
    source = tmp_path / f"note [bold]gras {ESC}[2Jfin.txt"
    source.write_text("Une note [rires] sur l'intranet [/] et ses outils.", encoding="utf-8")
    project = tmp_path / "p.db"
    out = shown("import", source, "-p", project)
    assert "note [bold]gras ␛[2Jfin.txt" in out
    assert "control characters" in out  # the renaming is reported, not silent
    code, listing, _ = run("documents", "-p", project, "--json")
    assert code == 0
    assert [d["name"] for d in json.loads(listing)] == ["note [bold]gras ␛[2Jfin"]


@pytest.mark.parametrize(
    "args",
    [
        ("code", DOC_NAME, CODE_RIRES, "--text", "Dites-moi", "--coder", f"eve{ESC}[31m"),
        ("consensus", "--coders", f"{CODER},{CODER_ESC}", "--as", "x\x07"),
    ],
)
def test_new_coder_names_with_controls_are_refused(copy: Path, args: tuple[str, ...]) -> None:
    code, out, err = run(*args, "-p", copy)
    assert code == 2
    assert "U+001B" in err or "U+0007" in err
    assert len(err.strip().splitlines()) == 1
    assert ESC not in out + err


def test_new_code_names_with_controls_are_refused(copy: Path, tmp_path: Path) -> None:
    book = tmp_path / "b.yaml"
    book.write_text('name: b\ncodes:\n  - name: "rouge\\e[31m"\n', encoding="utf-8")
    code, out, err = run("codebook", "import", book, "-p", copy)
    assert code == 2
    assert "U+001B" in err and ESC not in out + err
    with Project.open(str(copy)) as project:
        assert not [c for c in project.codes() if ESC in c.name]


def _subprocess(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    env.pop("CODAGE_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "codage", *map(str, args)],
        capture_output=True,
        text=True,
        encoding="ascii",
        errors="replace",
        env=env,
        timeout=120,
    )


def test_a_committed_write_exits_zero_on_an_ascii_terminal(copy: Path) -> None:
    """The report names a document with a dash and a code in brackets the terminal cannot
    all encode: the coding is kept and the command says so plainly, exit 0."""
    done = _subprocess(
        "code", SURVEY_NAME, CODE_RIRES, "--text", "Finances", "-p", copy, "--coder", CODER
    )
    # "Finances" is an attribute, not a passage: an error of the person, one line, exit 2
    assert done.returncode == 2 and "Traceback" not in done.stderr
    done = _subprocess(
        "code", SURVEY_NAME, CODE_RIRES, "--text", "documents dont", "-p", copy, "--coder", CODER
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "enquete ? [/x] Commentaire" in done.stdout and CODE_RIRES in done.stdout
    with Project.open(str(copy)) as project:
        assert [c.text for c in project.codings(coders=[CODER]) if c.text == "documents dont"]
    listing = _subprocess("documents", "-p", copy)
    assert listing.returncode == 0 and "[/oops] ?[31mrouge" in listing.stdout
    exact = _subprocess("segments", "--json", "-p", copy)
    assert exact.returncode == 0
    assert {r["document"] for r in json.loads(exact.stdout)} == {DOC_NAME, SURVEY_NAME}


# ---------------------------------------------------------------------- the pure module


def test_controls_are_made_visible() -> None:
    from codage.display import control_characters, visible

    assert visible(f"a{ESC}[31mb\x07c\x7fd") == "a␛[31mb␇c␡d"
    assert visible("\x00\x1f") == "\u2400\u241f"
    assert visible("x\x85y\u202ez") == "x\\u0085y\\u202ez"
    assert visible("l1\n\tl2") == "l1␊␉l2"
    assert visible("l1\n\tl2", multiline=True) == "l1\n\tl2"
    assert visible("Enquêtrice — « ok »") == "Enquêtrice — « ok »"
    assert control_characters(f"a{ESC}b{ESC}\x07") == ["U+001B", "U+0007"]


@pytest.mark.parametrize(
    "name", ["[/oops]", "[bold]x[/bold]", "[@click=app.quit]c[/]", "a\\[b]x", "fin\\", "[$v]"]
)
def test_rich_markup_pieces_render_as_written(name: str) -> None:
    from rich.markup import render

    from codage.display import markup_safe

    assert render(f"[bold]{markup_safe(name)}[/bold]").plain == name


def test_a_print_that_breaks_falls_back_to_plain_text() -> None:
    """A markup string that slipped through unescaped still prints, literally."""
    import io

    from rich.table import Table

    from codage.cli.output import SafeConsole

    page = io.StringIO()
    console = SafeConsole(file=page, width=100)
    console.print(f"[yellow]done:[/] [/oops] {ESC}[2J")
    table = Table("Name")
    table.add_row("[/x] Commentaire")
    console.print(table)
    out = page.getvalue()
    # the broken string is shown as written, its own tags included
    assert "[yellow]done:[/] [/oops] ␛[2J" in out
    assert "[/x] Commentaire" in out and ESC not in out
