"""The command line on a real project file: Typer's runner, and the installed command."""

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
from codage.services import Project
from tests.conftest import ROOT, SAMPLE_TEXT, sample_document

CODEBOOK = ROOT / "codebooks" / "collectivites-numeriques.yaml"
INTRANET = "Partie 1 : Le numérique au travail/Espace numérique de travail et intranet"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def ready(project_path: Path, runner: CliRunner) -> Path:
    """A project with the bundled codebook and one interview."""
    result = runner.invoke(app, ["init", "-p", str(project_path), "--codebook", str(CODEBOOK)])
    assert result.exit_code == 0, result.output
    with Project.open(str(project_path)) as p:
        p.add_document(sample_document())
    return project_path


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_init_creates_a_project_with_the_codebook(ready: Path, runner: CliRunner) -> None:
    code, out, _ = run(runner, "codebook", "show", "-p", str(ready), "--json")
    assert code == 0
    rows = json.loads(out)
    assert rows[0]["path"].startswith("Partie 1")
    assert {"path", "name", "description", "colour"} <= set(rows[0])
    assert len(rows) == 49
    assert any(r["path"] == INTRANET + "/Usages" for r in rows)


def test_documents_json_shape(ready: Path, runner: CliRunner) -> None:
    code, out, _ = run(runner, "documents", "-p", str(ready), "--json")
    assert code == 0
    [doc] = json.loads(out)
    assert doc["name"] == "entretien-test"
    assert doc["kind"] == "interview"
    assert doc["units"] == {"turn": 4}
    assert doc["speakers"] == ["Enquêtrice", "M. Garnier"]
    assert doc["case"] == "DSI-01"
    assert doc["words"] == len(SAMPLE_TEXT.split())


def test_code_segments_uncode_undo_redo(ready: Path, runner: CliRunner) -> None:
    p = str(ready)
    code, out, err = run(
        runner, "code", "entretien-test", "partie 1/espace/usages", "--text",
        "personne ne le lisait", "-p", p, "--coder", "ana",
    )  # fmt: skip
    assert code == 0, err
    start = SAMPLE_TEXT.index("personne ne le lisait")
    code, out, _ = run(runner, "segments", "-p", p, "--json")
    assert json.loads(out) == [
        {
            "id": 1,
            "document": "entretien-test",
            "code": INTRANET + "/Usages",
            "coder": "ana",
            "start": start,
            "end": start + 21,
            "text": "personne ne le lisait",
            "memo": None,
            "automatic": False,
            "suggested": False,
        }
    ]
    # a code includes its sub-codes unless asked otherwise
    assert len(json.loads(run(runner, "segments", "-p", p, "--json", "--code", INTRANET)[1])) == 1
    assert (
        run(runner, "segments", "-p", p, "--json", "--code", INTRANET, "--no-subcodes")[1].strip()
        == "[]"
    )
    assert run(runner, "undo", "-p", p, "--coder", "ana")[0] == 0
    assert json.loads(run(runner, "segments", "-p", p, "--json")[1]) == []
    assert run(runner, "redo", "-p", p, "--coder", "ana")[0] == 0
    assert len(json.loads(run(runner, "segments", "-p", p, "--json")[1])) == 1
    code, _, err = run(
        runner, "uncode", "entretien-test", INTRANET + "/Usages", "--all", "-p", p, "--coder", "ana"
    )
    assert code == 0, err
    assert json.loads(run(runner, "segments", "-p", p, "--json")[1]) == []
    code, _, err = run(runner, "redo", "-p", p, "--coder", "ana")
    assert code == 1 and "Nothing to redo" in err


def test_code_by_offsets_with_the_coder_from_the_environment(
    ready: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODAGE_CODER", "bruno")
    monkeypatch.setenv("CODAGE_PROJECT", str(ready))
    code, out, _ = run(
        runner, "code", "entretien", "partie 3", "--start", "0", "--end", "11", "--json"
    )
    assert code == 0
    assert json.loads(out)["coder"] == "bruno"
    assert json.loads(out)["text"] == "Enquêtrice "[:11]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["code", "absent", INTRANET, "--start", "0", "--end", "3"], "no document 'absent'"),
        (["code", "entretien-test", "Partie 9", "--start", "0", "--end", "3"], "no code matches"),
        (["code", "entretien-test", "partie", "--start", "0", "--end", "3"], "ambiguous"),
        (
            ["code", "entretien-test", INTRANET, "--start", "0", "--end", "99999"],
            "outside the text",
        ),
        (["code", "entretien-test", INTRANET, "--text", "introuvable"], "passage not found"),
        (["code", "entretien-test", INTRANET], "give either --start and --end, or --text"),
    ],
)
def test_bad_coding_requests_get_one_line_and_exit_2(
    ready: Path, runner: CliRunner, args: list[str], message: str
) -> None:
    code, out, err = run(runner, *args, "-p", str(ready))
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in out + err
    with Project.open(str(ready)) as p:
        assert p.codings() == []


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("codes:\n  - name: A\n    colour: [", ":3: YAML syntax error"),
        ("codes:\n  - name: A\n  - name: A\n", ":3: duplicate code"),
        ("codes:\n  - name: A\n    couleur: '#FFFFFF'\n", ":3: unknown key 'couleur'"),
        ("codes:\n  - &a\n    name: A\n    codes:\n      - *a\n", "cycle"),
    ],
)
def test_bad_codebook_files_exit_2_and_leave_the_project_unchanged(
    ready: Path, runner: CliRunner, tmp_path: Path, text: str, where: str
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    code, _, err = run(runner, "codebook", "import", str(bad), "-p", str(ready))
    assert code == 2
    assert "bad.yaml" in err and where in err
    assert len(err.strip().splitlines()) == 1
    with Project.open(str(ready)) as p:
        assert len(p.codes()) == 49


def test_codebook_export_and_reimport_changes_nothing(
    ready: Path, runner: CliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "book.yaml"
    assert run(runner, "codebook", "export", str(out), "-p", str(ready))[0] == 0
    code, stdout, _ = run(runner, "codebook", "import", str(out), "-p", str(ready), "--json")
    assert code == 0
    report = json.loads(stdout)
    assert report["added"] == [] and report["conflicts"] == [] and len(report["unchanged"]) == 49


def test_french_output_by_setting(
    ready: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from codage import i18n

    monkeypatch.setenv("CODAGE_LANG", "fr")
    i18n.set_language(None)
    code, _, err = run(runner, "undo", "-p", str(ready), "--coder", "zoé")
    assert code == 1
    assert "Rien à annuler pour zoé" in err
    i18n.set_language(None)


def test_every_command_has_help(runner: CliRunner) -> None:
    for args in (
        ["--help"],
        ["init", "--help"],
        ["codebook", "import", "--help"],
        ["segments", "--help"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 0
        assert "Usage" in result.stdout


def test_the_installed_command_runs_in_a_real_process(tmp_path: Path) -> None:
    exe = shutil.which("codage", path=str(Path(sys.executable).parent)) or shutil.which("codage")
    assert exe, "the codage command is not installed"
    env = {**os.environ, "CODAGE_PROJECT": str(tmp_path / "p.db"), "CODAGE_CODER": "ana"}
    done = subprocess.run(
        [exe, "init", "--codebook", str(CODEBOOK)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    shown = subprocess.run(
        [sys.executable, "-m", "codage", "codebook", "show", "--json"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert shown.returncode == 0
    assert len(json.loads(shown.stdout)) == 49
    bad = subprocess.run([exe, "documents", "-p", str(tmp_path / "nope" / "x.db")], env=env,
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr


TYPOGRAPHIC = (
    "Enquêtrice : Qu’est-ce que l’intranet a changé\u00a0?\n\n"
    "M. Garnier : On disait «\u202fça ne marchera jamais\u202f», et puis\n"
    "la crise est arrivée. Drapeau 🇫🇷 en tête.\n\n"
    "Enquêtrice : Et l’intranet\u00a0?"
)


@pytest.fixture
def typographic(ready: Path) -> Path:
    with Project.open(str(ready)) as p:
        p.add_document(sample_document("typographie", TYPOGRAPHIC))
    return ready


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Qu'est-ce que l'intranet", "Qu’est-ce que l’intranet"),
        ('disait "ça ne marchera jamais", et puis\r\nla crise', None),
        ("a change\u0301 ?", "a changé\u00a0?"),
        ("et  puis la   crise", "et puis\nla crise"),
    ],
)
def test_code_by_text_as_a_person_types_it(
    typographic: Path, runner: CliRunner, typed: str, expected: str | None
) -> None:
    code, out, err = run(
        runner, "code", "typographie", INTRANET, "--text", typed,
        "-p", str(typographic), "--coder", "ana", "--json",
    )  # fmt: skip
    assert code == 0, err
    coding = json.loads(out)
    # the stored offsets are those of the document's own text
    assert TYPOGRAPHIC[coding["start"] : coding["end"]] == coding["text"]
    if expected is None:
        expected = "disait «\u202fça ne marchera jamais\u202f», et puis\nla crise"
    assert coding["text"] == expected
    code, _, err = run(
        runner, "uncode", "typographie", INTRANET, "--text", typed,
        "-p", str(typographic), "--coder", "ana",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(run(runner, "segments", "-p", str(typographic), "--json")[1]) == []


def test_an_ambiguous_passage_lists_where_in_one_line(typographic: Path, runner: CliRunner) -> None:
    code, out, err = run(
        runner, "code", "typographie", INTRANET, "--text", "l'intranet", "-p", str(typographic)
    )
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    first, second = TYPOGRAPHIC.index("l’intranet"), TYPOGRAPHIC.rindex("l’intranet")
    assert f"{first}–{first + 10} turn 1" in err
    assert f"{second}–{second + 10} turn 3" in err
    assert "--start/--end" in err and "Traceback" not in out + err


def test_offsets_inside_a_flag_are_widened_to_the_whole_flag(
    typographic: Path, runner: CliRunner
) -> None:
    flag = TYPOGRAPHIC.index("🇫🇷")
    code, out, err = run(
        runner, "code", "typographie", INTRANET, "--start", str(flag - 8),
        "--end", str(flag + 1), "-p", str(typographic), "--json",
    )  # fmt: skip
    assert code == 0, err
    coding = json.loads(out)
    assert (coding["start"], coding["end"]) == (flag - 8, flag + 2)
    assert coding["text"] == "Drapeau 🇫🇷"
    assert "widened" in err


def test_uncode_a_passage_said_twice_when_only_one_is_coded(
    typographic: Path, runner: CliRunner
) -> None:
    p = str(typographic)
    second = TYPOGRAPHIC.rindex("l’intranet")
    code, _, err = run(
        runner, "code", "typographie", INTRANET, "--start", str(second),
        "--end", str(second + 10), "-p", p, "--coder", "ana",
    )  # fmt: skip
    assert code == 0, err
    code, _, err = run(
        runner, "uncode", "typographie", INTRANET, "--text", "l'intranet", "-p", p, "--coder", "ana"
    )
    assert code == 0, err
    assert json.loads(run(runner, "segments", "-p", p, "--json")[1]) == []
    # with both occurrences coded, the passage is ambiguous again: nothing is removed
    for at in (TYPOGRAPHIC.index("l’intranet"), second):
        run(runner, "code", "typographie", INTRANET, "--start", str(at), "--end", str(at + 10),
            "-p", p, "--coder", "ana")  # fmt: skip
    code, _, err = run(
        runner, "uncode", "typographie", INTRANET, "--text", "l'intranet", "-p", p, "--coder", "ana"
    )
    assert code == 2 and "2 times" in err
    assert len(json.loads(run(runner, "segments", "-p", p, "--json")[1])) == 2
