"""The demo study is built from the bundled files, once, and reopened after."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codage.cli import app
from codage.services import Project
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    location = folder / "demo.db"
    result = CliRunner().invoke(
        app, ["demo", "--no-tui", "-p", str(location), "--sources", str(ROOT)]
    )
    assert result.exit_code == 0, result.output
    assert "Demo project ready" in result.stderr
    return location


def test_demo_holds_the_corpus_the_codebook_and_two_coders(demo_db: Path) -> None:
    with Project.open(str(demo_db), create=False) as p:
        docs = p.documents()
        interviews = [d for d in docs if d.kind in ("interview", "subtitles")]
        surveys = [d for d in docs if d.kind == "survey"]
        assert len(interviews) >= 6
        assert all(1500 <= d.words <= 4000 for d in interviews)
        assert all(d.case for d in interviews)
        assert len(surveys) == 2  # one document per open question
        answers = p.units(surveys[0].id, kinds=["answer"])
        assert len(answers) >= 300
        respondent = p.unit_cases(surveys[0].id)[answers[0].id]
        assert {"type_collectivite", "grade", "tranche_age", "anciennete"} <= set(
            respondent.attributes
        )
        assert len(p.codes()) == 49
        codings = p.codings()
        by_coder = {c.coder for c in codings}
        assert by_coder == {"amelie", "bastien"}
        assert len(codings) >= 300
        doc_text = {d.id: p.document(d.id).text for d in docs}
        assert all(doc_text[c.document_id][c.start : c.end] == c.text for c in codings)


def test_demo_is_reopened_not_rebuilt(demo_db: Path) -> None:
    before = demo_db.stat().st_mtime_ns
    with Project.open(str(demo_db)) as p:
        count = len(p.codings())
    result = CliRunner().invoke(app, ["demo", "--no-tui", "-p", str(demo_db)])
    assert result.exit_code == 0
    assert "Reopening" in result.stderr
    with Project.open(str(demo_db)) as p:
        assert len(p.codings()) == count
    assert not demo_db.with_name(demo_db.name + ".building").exists()
    assert demo_db.stat().st_mtime_ns >= before


def test_demo_documents_json(demo_db: Path) -> None:
    result = CliRunner().invoke(app, ["documents", "-p", str(demo_db), "--json"])
    docs = json.loads(result.stdout)
    region = next(d for d in docs if d["name"] == "entretien-01-region")
    assert region["units"]["turn"] > 20 and region["units"]["sentence"] > 100
    assert "M. Garnier" in region["speakers"]
    assert region["case"] == "DSI-01"


def test_a_failed_demo_build_leaves_no_project(tmp_path: Path) -> None:
    empty = tmp_path / "sources"
    (empty / "transcripts").mkdir(parents=True)
    (empty / "codebooks").mkdir()
    (empty / "codebooks" / "collectivites-numeriques.yaml").write_text("codes: [", encoding="utf-8")
    location = tmp_path / "demo.db"
    result = CliRunner().invoke(
        app, ["demo", "--no-tui", "-p", str(location), "--sources", str(empty)]
    )
    assert result.exit_code == 2
    assert "YAML syntax error" in result.stderr
    assert not location.exists()
    assert list(tmp_path.glob("demo.db*")) == []
