"""The streaming merge writes what the merge before it wrote.

``merge_reference.py`` beside this file is the merge as it was before it streamed
(whole projects read into objects, written through ``add_document`` and one
``import_codings``). The same sources are merged by both into fresh targets, and every
table of the two targets is compared row for row, ids included; only the times of day
the rows were written differ. Sources: a generated project of three coders
(benchmarks.scale), a team member's project with a corrected transcript, codes that
differ by case and definition, documents of its own, suggested and automatic codings,
memos and cases; and the demo study.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from benchmarks.scale import build
from codage.analysis.merge import MergeReport, merge_projects
from codage.cli import app
from codage.domain import CodingImport, NewDocument, Unit
from codage.services import Project
from tests.analysis import merge_reference

ROOT = Path(__file__).resolve().parents[2]

# Columns that hold the time a row was written.
_TIMES = {"imported_at", "created_at", "updated_at", "at"}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k not in _TIMES}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


_CODING_KEYS = ("id", "document_id", "code_id", "coder_id", "start", "end", "text", "memo")


def _spelled_out(conn: sqlite3.Connection, entry_id: int, ops: list[Any]) -> list[Any]:
    """An entry's operations with each range of codings (one operation for a whole bulk
    write) spelled out as the operations of one insert each that it stands for: its
    rows read where they are, in ``codings`` (entry in force) or kept under the entry
    (undone)."""
    out: list[Any] = []
    names = ", ".join(f'"{k}"' for k in _CODING_KEYS) + ", automatic, suggested"
    for op in ops:
        if op.get("op") != "insert_range":
            out.append(op)
            continue
        rows = conn.execute(
            f"SELECT {names} FROM codings WHERE id BETWEEN ? AND ? ORDER BY id",
            (op["first"], op["last"]),
        ).fetchall()
        if not rows:
            rows = conn.execute(
                f"SELECT {names} FROM journal_codings WHERE entry_id = ?"
                " AND id BETWEEN ? AND ? ORDER BY id",
                (entry_id, op["first"], op["last"]),
            ).fetchall()
        assert len(rows) == op["count"] == op["last"] - op["first"] + 1
        for *values, automatic, suggested in rows:
            row = dict(zip(_CODING_KEYS, values, strict=True))
            row |= {"automatic": bool(automatic), "suggested": bool(suggested)}
            out.append({"t": "codings", "op": "insert", "row": row})
    return out


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table of a project, rows in key order, without the times they were written;
    the journal's JSON read as values (SQLite and Python spell non-ASCII differently),
    its ranges of codings spelled out (see ``_spelled_out``): ``journal_codings``, where
    an undone range keeps its rows, is read through them."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with sqlite3.connect(path) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        for table in sorted(tables):
            columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
            keep = [c for c in columns if c not in _TIMES]
            names = ", ".join(f'"{c}"' for c in keep)
            order = ", ".join(str(n + 1) for n in range(len(keep)))
            rows = conn.execute(f'SELECT {names} FROM "{table}" ORDER BY {order}').fetchall()
            if table == "journal_codings":
                continue
            if table == "journal":
                json_columns = {"details", "coders", "ops"}
                rows = [
                    tuple(
                        _plain(json.loads(v)) if c in json_columns and v is not None else v
                        for c, v in zip(keep, row, strict=True)
                    )
                    for row in rows
                ]
                at = keep.index("ops")
                rows = [
                    (*row[:at], _plain(_spelled_out(conn, row[0], row[at])), *row[at + 1 :])
                    for row in rows
                ]
            out[table] = rows
    return out


def _report(report: MergeReport) -> dict[str, Any]:
    data = report.to_dict()
    data.pop("backup")
    data.pop("target")
    return data


def _turns(text: str) -> list[Unit]:
    units, pos = [], 0
    for block in text.split("\n\n"):
        start = text.index(block, pos)
        units.append(Unit("turn", start, start + len(block), speaker=block.split(" : ")[0]))
        pos = start + len(block)
    return units


def _team_member(path: Path, generated: Path) -> Path:
    """A second coder's project: one transcript of the generated project as it is, one
    corrected, one of their own; codes that match by case only, that differ in
    definition, that are new; codings by hand, suggested and automatic; memos; cases."""
    with Project.open(str(generated), create=False) as g:
        docs = g.documents()[:2]
        texts = [g.document(d.id).text for d in docs]
        units = [g.units(d.id, with_lemmas=True) for d in docs]
        codes = g.codes()
    corrected = "Bonjour à tous. " + texts[1][: len(texts[1]) // 2].replace(" le ", " la ", 5)
    own = (
        "Dana : Le tableau de bord de la mairie a changé notre façon de travailler.\n\n"
        "Eve : Je n'utilise plus le courrier papier.\n\n"
        "Dana : La formation à l'outil a duré deux jours."
    )
    with Project.open(str(path)) as p:
        p.set_cases({"R-1": {"role": "DSI", "age": 40}, "R-2": {"role": "agent"}})
        same = p.add_document(
            NewDocument(
                docs[0].name,
                "interview",
                texts[0],
                [Unit(u.kind, u.start, u.end, u.speaker, u.timestamp, u.lemmas) for u in units[0]],
                case="R-1",
            )
        )
        changed = p.add_document(
            NewDocument(docs[1].name, "interview", corrected, _turns(corrected))
        )
        mine = p.add_document(
            NewDocument("entretien-dana", "interview", own, _turns(own), unit_cases={1: "R-2"})
        )
        # a code spelled with other capitals, one with another definition, new ones
        first = codes[0]
        p.create_code(first.name.upper(), coder="dana")
        # the same path as a code that has a definition, with another one
        defined = next(c for c in codes if c.description and c.parent_id is not None)
        parent_id = None
        for level in defined.path[:-1]:
            parent_id = p.create_code(level, parent_id=parent_id, coder="dana").id
        differing = p.create_code(
            defined.name, parent_id=parent_id, coder="dana", description="autre définition"
        )
        fresh = p.create_code("Nouveau thème", coder="dana", colour="#112233")
        child = p.create_code("Sous-thème", parent_id=fresh.id, coder="dana", description="d")
        made = []
        for doc, text in ((same, texts[0]), (changed, corrected), (mine, own)):
            step = max(len(text) // 12, 40)
            for n, at in enumerate(range(0, len(text) - 40, step)):
                code = (differing, fresh, child)[n % 3]
                made.append(
                    CodingImport(
                        doc.id,
                        code.id,
                        "dana",
                        at,
                        at + 35,
                        suggested=n % 4 == 1,
                        automatic=n % 5 == 2,
                    )
                )
        made.append(CodingImport(same.id, fresh.id, "eve", 10, 60))
        ids = [i for i in p.import_codings(made, actor="dana") if i is not None]
        p.add_memo("coding", ids[0], "un mémo sur un codage", coder="dana")
        p.add_memo("coding", ids[len(ids) // 2], "un mémo au milieu", coder="dana")
        p.add_memo("document", mine.id, "mémo du document", coder="dana")
        p.add_memo("code", fresh.id, "mémo du code", coder="eve")
    return path


def _merge_both(
    tmp_path: Path, sources: list[Path], rounds: int = 2
) -> tuple[Path, Path, list[Any], list[Any]]:
    old_target, new_target = tmp_path / "old.db", tmp_path / "new.db"
    reports: dict[str, list[Any]] = {"old": [], "new": []}
    for name, target_path, merge in (
        ("old", old_target, merge_reference.merge_projects),
        ("new", new_target, merge_projects),
    ):
        opened = [Project.open(str(s), create=False) for s in sources]
        with Project.open(str(target_path)) as target:
            for _ in range(rounds):
                reports[name].append(_report(merge(target, opened, coder="lead")))
        for project in opened:
            project.close()
    return old_target, new_target, reports["old"], reports["new"]


def _same(old: Path, new: Path) -> None:
    before, after = dump(old), dump(new)
    assert before.keys() == after.keys()
    for table in before:
        assert before[table] == after[table], table


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build("20k", tmp_path_factory.mktemp("scale"))


def test_a_generated_study_merges_as_before(tmp_path: Path, generated: Path) -> None:
    member = _team_member(tmp_path / "dana.db", generated)
    old, new, old_reports, new_reports = _merge_both(tmp_path, [generated, member])
    assert old_reports == new_reports
    first = new_reports[0]["sources"]
    # what the sources hold is all there: documents matched both ways, codes matched by
    # case, definitions in conflict, codings re-anchored and kept aside, duplicates
    assert first[0]["codings_added"] > 900
    assert first[1]["documents_matched_sha"] and first[1]["documents_matched_name"]
    assert first[1]["documents_added"] == ["entretien-dana"]
    assert first[1]["code_conflicts"] and first[1]["codings_reanchored"]
    assert first[1]["codings_aside"]
    assert new_reports[1]["sources"][0]["codings_duplicates"] > 900
    _same(old, new)
    # the journal entry holds the rows: one undo of each takes the merges back alike
    for path in (old, new):
        with Project.open(str(path)) as target:
            target.undo(coder="lead")
            target.undo(coder="lead")
    _same(old, new)
    with Project.open(str(new), create=False) as target:
        assert target.codings() == []
    # redone, the merges bring the very rows back; undone again, take them again
    for step in ("redo", "undo"):
        for path in (old, new):
            with Project.open(str(path)) as target:
                getattr(target, step)(coder="lead")
                getattr(target, step)(coder="lead")
        _same(old, new)
        with Project.open(str(new), create=False) as target:
            assert bool(target.codings()) == (step == "redo")


def test_the_demo_merges_as_before(tmp_path: Path) -> None:
    demo = tmp_path / "demo.db"
    result = CliRunner().invoke(app, ["demo", "--no-tui", "-p", str(demo), "--sources", str(ROOT)])
    assert result.exit_code == 0, result.output
    old, new, old_reports, new_reports = _merge_both(tmp_path, [demo], rounds=2)
    assert old_reports == new_reports
    assert new_reports[0]["sources"][0]["codings_added"] > 100
    _same(old, new)
