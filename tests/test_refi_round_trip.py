"""A project exported to REFI-QDA and imported again is the same project (issue 14).

Built on the demo study (seven interviews, 343 survey answers linked to their
respondents, two coders), with a memo of every kind, a coding memo, an emoji and
full code definitions added, so that everything the exchange carries is exercised.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from codage.cli import app
from codage.services import Project
from tests.conftest import ROOT


def _run(*args: str) -> Any:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("roundtrip")
    location = folder / "demo.db"
    _run("demo", "--no-tui", "-p", str(location), "--sources", str(ROOT))
    with Project.open(str(location), create=False) as p:
        docs = p.documents()
        codes = [c for c in p.codes() if len(c.path) > 1]
        coding = p.codings(document_id=docs[0].id)[0]
        p.add_memo("project", None, "Relire les entretiens 3 et 5.", coder="amelie")
        p.add_memo("document", docs[0].id, "Entretien mené en visio 🎧.", coder="bastien")
        p.add_memo("code", codes[0].id, "Code à scinder ?", coder="amelie")
        p.set_coding_memo(coding.id, "Passage très clair.", coder=coding.coder)
        p.update_code(
            codes[1].id,
            coder="amelie",
            description="Ce que disent les agents.",
            inclusion="toute mention explicite",
            exclusion="les rumeurs",
            example="« on nous a imposé l'outil »",
        )
    out = folder / "demo.qdpx"
    _run("export", "qdpx", str(out), "-p", str(location))
    return location, out


def _snapshot(location: Path) -> dict[str, Any]:
    """Everything the exchange must carry, keyed by names rather than ids."""
    with Project.open(str(location), create=False) as p:
        docs = {d.id: d for d in p.documents()}
        codes = {c.id: c for c in p.codes()}
        codings = {
            (docs[c.document_id].name, codes[c.code_id].path_str, c.coder, c.start, c.end): (
                c.text,
                c.memo,
            )
            for c in p.codings()
        }
        memos = set()
        for m in p.memos():
            assert m.target in ("project", "document", "code")
            where = None
            if m.target == "document" and m.target_id is not None:
                where = docs[m.target_id].name
            elif m.target == "code" and m.target_id is not None:
                where = codes[m.target_id].path_str
            memos.add((m.target, where, m.text, m.author))
        members = {}
        for d in docs.values():
            case = p.document_case(d.id)
            units = {u.id: u for u in p.units(d.id)}
            linked = p.unit_cases(d.id)
            members[d.name] = (
                case.name if case else None,
                sorted((units[uid].start, units[uid].end, c.name) for uid, c in linked.items()),
            )
        return {
            "texts": {d.name: p.document(d.id).text for d in docs.values()},
            "codebook": sorted(
                (c.path_str, c.colour.lower(), c.description, c.inclusion, c.exclusion, c.example)
                for c in codes.values()
            ),
            "codings": codings,
            "memos": memos,
            "cases": sorted((c.name, sorted(c.attributes.items())) for c in p.cases()),
            "members": members,
        }


def test_the_demo_project_survives_export_and_import(
    exported: tuple[Path, Path], tmp_path: Path
) -> None:
    demo, out = exported
    again = tmp_path / "again.db"
    _run("import", str(out), "-p", str(again), "--coder", "amelie")
    before, after = _snapshot(demo), _snapshot(again)
    # What the comparison rests on is really there.
    assert len(before["texts"]) == 9 and len(before["codings"]) > 1000
    assert sum(len(units) for _, units in before["members"].values()) > 300
    assert any(memo for _, memo in before["codings"].values())
    assert len(before["memos"]) == 3
    for part in ("texts", "codebook", "codings", "memos", "cases", "members"):
        assert after[part] == before[part], part


def test_importing_the_export_into_the_project_it_came_from_adds_nothing(
    exported: tuple[Path, Path], tmp_path: Path
) -> None:
    demo, out = exported
    copy = tmp_path / "copy.db"
    shutil.copyfile(demo, copy)
    before = _snapshot(copy)
    result = _run("import", str(out), "-p", str(copy), "--coder", "amelie", "--json")
    report = json.loads(result.stdout)
    assert _snapshot(copy) == before
    text = json.dumps(report)
    assert '"codings_added": 0' in text and '"documents_added": []' in text, text[:2000]
