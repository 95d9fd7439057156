"""Commands that need no language model never import spaCy (issue 9).

Each command runs in a fresh interpreter, as from a terminal, and the test reads
that interpreter's ``sys.modules`` afterwards: an import of spaCy anywhere on a
command's path (a module-level import in a service, an exporter, the CLI) would
cost seconds on every call.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from codage import cli
from codage.cli import app
from tests.conftest import ROOT

# Runs command lines through `codage`'s entry point, as the shell does, and reports
# their exit codes and which costly modules the interpreter holds afterwards.
RUN_AND_REPORT = """
import contextlib, io, json, multiprocessing, sys
from codage.cli import main
codes = []
for args in json.loads(sys.argv[1]):
    sys.argv = ["codage", *args]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            main()
        except SystemExit as exit:
            codes.append(exit.code or 0)
watched = ("spacy", "thinc", "textual", "docx", "openpyxl", "codage.analysis.agreement")
children = sorted(p.name for p in multiprocessing.active_children())
print(json.dumps({"codes": codes, "heavy": sorted(m for m in watched if m in sys.modules),
                  "children": children}))
"""


def run_commands(commands: list[list[str]], folder: Path) -> dict:  # type: ignore[type-arg]
    done = subprocess.run(
        [sys.executable, "-c", RUN_AND_REPORT, json.dumps(commands)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=folder,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_commands_without_language_model_never_import_spacy(tmp_path: Path) -> None:
    project = str(tmp_path / "p.db")
    source = tmp_path / "entretien.txt"
    source.write_text("E : Bonjour. Vous dirigez le service ?\n\nR : Oui, depuis 2019.\n")
    runner = CliRunner()
    codebook = ROOT / "codebooks" / "collectivites-numeriques.yaml"
    for args in (
        ["init", "-p", project, "--codebook", str(codebook)],
        ["import", str(source), "-p", project],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    commands = [
        ["--help"],
        ["documents", "-p", project],
        ["segments", "-p", project],
        ["codebook", "show", "-p", project],
        ["stats", "-p", project],
        ["export", "csv", f"{out}.csv", "-p", project],
        ["export", "xlsx", f"{out}.xlsx", "-p", project],
        ["export", "docx", f"{out}.docx", "-p", project],
        ["export", "transcript", "entretien", f"{out}-t.docx", "-p", project],
    ]
    report = run_commands(commands, tmp_path)
    assert report["codes"] == [0] * len(commands)
    # Word and spreadsheet writers are loaded by the exports that use them, never spaCy.
    assert not {"spacy", "thinc", "textual"} & set(report["heavy"])
    assert Path(f"{out}.csv").exists() and Path(f"{out}-t.docx").exists()


def test_import_loads_the_model_in_a_process_of_its_own(tmp_path: Path) -> None:
    """An import does need the model: loaded by a process of its own while the command starts."""
    source = tmp_path / "e.txt"
    source.write_text("Bonjour. Au revoir.\n")
    report = run_commands([["import", str(source), "-p", str(tmp_path / "p.db")]], tmp_path)
    assert report["codes"] == [0]
    # sentences were found, by a process that has stopped since, not by the command's
    with sqlite3.connect(tmp_path / "p.db") as connection:
        kinds = [k for (k,) in connection.execute("SELECT kind FROM units ORDER BY position")]
    assert kinds == ["paragraph", "sentence", "sentence"]
    assert report["heavy"] == []
    assert report["children"] == []


def test_a_listing_loads_neither_word_nor_agreement_code(tmp_path: Path) -> None:
    project = str(tmp_path / "p.db")
    report = run_commands([["init", "-p", project], ["documents", "-p", project]], tmp_path)
    assert report["codes"] == [0, 0]
    assert report["heavy"] == []
    assert report["children"] == []


def test_every_command_is_mapped_to_the_module_that_registers_it() -> None:
    """main() imports one command module by name; a wrong entry would lose a command."""
    full = cli.load_commands()
    registered = {
        (c.name or c.callback.__name__): c.callback.__module__ for c in full.registered_commands
    }
    for group in full.registered_groups:
        modules = {c.callback.__module__ for c in group.typer_instance.registered_commands}
        (registered[group.name],) = modules
    assert set(registered) == set(cli.COMMAND_MODULE)
    for name, module in registered.items():
        assert module == f"codage.cli.{cli.COMMAND_MODULE[name]}", name
    assert set(cli.COMMAND_MODULE.values()) <= set(cli.COMMAND_MODULES)
