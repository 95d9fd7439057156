"""Lanes on the command line: changing another coder's memo or coding is one clear line
naming the owner, a non-zero exit, and nothing changed."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from codage.cli import app
from codage.services import Project
from tests.conftest import sample_document


def test_another_coders_memo_is_refused_in_one_line(tmp_path: Path) -> None:
    path = str(tmp_path / "p.db")
    with Project.open(path) as p:
        doc = p.add_document(sample_document())
        memo = p.add_memo("document", doc.id, "ana's memo", coder="ana")
    runner = CliRunner()
    for verb in (["delete", str(memo.id)], ["edit", str(memo.id), "--text", "ben's words"]):
        result = runner.invoke(app, ["memo", *verb, "-p", path, "--coder", "ben"])
        assert result.exit_code == 2, result.output
        assert result.stderr.strip().splitlines() == [
            f"codage: error: memo {memo.id} is ana's: only ana may {verb[0]} it (you are ben)"
        ]
    with Project.open(path, create=False) as p:
        assert [(m.text, m.author) for m in p.memos()] == [("ana's memo", "ana")]
