"""Real `codage` commands killed with SIGKILL at random moments (see harness.py), then the
project checked: it opens, `PRAGMA integrity_check` is ok, every command that reported
success is there, no document is half imported, no merge or copy half made, no export
half written under its final name.

The seed of the delays is printed in every failure message: CODAGE_FAULT_SEED=N replays
the same delays (the moments they land in still vary with the machine's load).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from docx import Document as WordDocument

from codage.ingest.nlp import load_nlp
from codage.services import Project
from codage.store.backup import list_backups
from tests.faults.harness import (
    ROOT,
    fork_and_kill,
    integrity,
    kill_budget,
    seeded,
    snapshot,
    spawn_and_kill,
    tally,
)

TRANSCRIPTS = ROOT / "transcripts"
FILES = [
    "entretien-01-region.txt",
    "entretien-02-departement.txt",
    "entretien-04-commune.txt",
    "entretien-06-metropole.srt",
    "entretien-07-syndicat.txt",
]
CODES = ["Intranet", "Sécurité", "Télétravail"]


@dataclass
class Demo:
    """A project made by `codage import` of demo transcripts, and what each document holds."""

    path: Path
    units: dict[str, dict[str, int]]  # sha -> unit kind -> count
    documents: dict[str, int]  # name -> length of its text
    import_seconds: float  # how long an unkilled victim takes to import FILES


def _units_by_sha(path: Path) -> dict[str, dict[str, int]]:
    found: dict[str, dict[str, int]] = {}
    for sha, kind, n in snapshot(path)["units"]:  # type: ignore[union-attr]
        found.setdefault(sha, {})[kind] = n
    return found


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    load_nlp()  # once, here: every forked victim has the model at once
    folder = tmp_path_factory.mktemp("demo")
    path = folder / "demo.db"
    commands = [["import", str(TRANSCRIPTS / name), "-p", str(path)] for name in FILES]
    outcome = fork_and_kill(commands, None)
    assert outcome.finished and [c for c, _ in outcome.returned] == [0] * len(FILES), outcome
    with sqlite3.connect(path) as conn:
        documents = dict(conn.execute("SELECT name, length FROM documents").fetchall())
    conn.close()
    with Project.open(str(path), create=False) as p:
        for code in CODES:
            p.create_code(code, coder="lead")
    return Demo(path, _units_by_sha(path), documents, outcome.elapsed)


def check_opens(path: Path, why: str) -> None:
    integrity(path)
    with Project.open(str(path), create=False) as p:
        p.documents()
        p.codes()
    assert not path.with_name(path.name + "-journal").exists(), why


def check_whole_documents(path: Path, demo: Demo, why: str) -> None:
    """A document is there with all its units, or not at all."""
    for sha, kinds in _units_by_sha(path).items():
        assert kinds == demo.units[sha], why
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        empty = conn.execute(
            "SELECT name FROM documents d WHERE NOT EXISTS "
            "(SELECT 1 FROM units u WHERE u.document_id = d.id)"
        ).fetchall()
    conn.close()
    assert empty == [], why


# -- a coder's loop of code / undo ----------------------------------------------------------


def _coding_ops(document: str, length: int, count: int) -> list[list[str]]:
    """code, code, code, code, undo, ...: every span distinct, so no code is a duplicate."""
    ops = []
    for k in range(count):
        if k % 5 == 4:
            ops.append(["undo", "--coder", "alice", "--json"])
            continue
        start = (k * 37) % (length - 40)
        code = CODES[k % len(CODES)]
        ops.append(
            [
                "code", document, code, "--start", str(start), "--end", str(start + 9 + k % 20),
                "--coder", "alice", "--json",
            ]
        )  # fmt: skip
    return ops


def _model(ops: list[list[str]], upto: int) -> list[tuple[str, int, int]]:
    """alice's codings after the first ``upto`` ops (undo takes back the last code not undone)."""
    stack: list[tuple[str, int, int]] = []
    for op in ops[:upto]:
        if op[0] == "undo":
            stack.pop()
        else:
            stack.append((op[2], int(op[4]), int(op[6])))
    return sorted(stack)


def _alices(path: Path) -> list[tuple[str, int, int]]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            'SELECT k.name, g.start, g."end" FROM codings g JOIN codes k ON k.id = g.code_id '
            "JOIN coders c ON c.id = g.coder_id WHERE c.name = 'alice'"
        ).fetchall()
    conn.close()
    return sorted(rows)


def test_coding_loop_killed(demo: Demo, tmp_path: Path) -> None:
    seed, rng = seeded("coding")
    path = tmp_path / "coding.db"
    shutil.copyfile(demo.path, path)
    name, length = sorted(demo.documents.items())[0]
    ops = _coding_ops(name, length, 4000)
    per_victim = 6
    # an unkilled run measures how long the victim lives: delays are drawn within it
    first = fork_and_kill([[*op, "-p", str(path)] for op in ops[:per_victim]], None)
    assert [c for c, _ in first.returned] == [0] * per_victim, first.returned[-1]
    span = first.elapsed
    done = per_victim
    kills = kill_budget(0.45)
    for trial in range(kills):
        delay = rng.uniform(0.01, span)
        why = f"CODAGE_FAULT_SEED={seed} coding loop, kill {trial} after {delay:.3f} s"
        batch = [[*op, "-p", str(path)] for op in ops[done : done + per_victim]]
        outcome = fork_and_kill(batch, delay)
        assert all(code == 0 for code, _ in outcome.returned), (why, outcome.returned)
        reported = len(outcome.returned)
        for out in outcome.succeeded:  # what the victim said it did is what it did
            json.loads(out)
        check_opens(path, why)
        found = _alices(path)
        # the op in flight when the kill came committed, or left nothing
        in_flight = ops[done + reported][0] if done + reported < len(ops) else "-"
        if found == _model(ops, done + reported):
            done += reported
            tally("coding loop, forked", f"{in_flight} in flight, not committed")
        else:
            assert found == _model(ops, done + reported + 1), why
            done += reported + 1
            tally("coding loop, forked", f"{in_flight} committed, killed before it said so")
    # the same loop as a person types it: one `codage` process per command
    spawned = max(1, kills // 20)
    for _ in range(spawned):
        op = ops[done]
        delay = rng.uniform(0.05, 4.0)
        why = f"CODAGE_FAULT_SEED={seed} codage {' '.join(op)} killed after {delay:.3f} s"
        outcome = spawn_and_kill([*op, "-p", str(path)], delay, {})
        check_opens(path, why)
        found = _alices(path)
        if outcome.finished:
            assert outcome.returned[0][0] == 0, why
            assert found == _model(ops, done + 1), why
            done += 1
            tally("coding loop, spawned", "finished before the kill")
        elif found == _model(ops, done + 1):
            done += 1
            tally("coding loop, spawned", "committed, killed before it said so")
        else:
            assert found == _model(ops, done), why
            tally("coding loop, spawned", "killed before committing")


# -- import of the demo transcripts -----------------------------------------------------------


def test_import_killed(demo: Demo, tmp_path: Path) -> None:
    seed, rng = seeded("import")
    commands = [["import", str(TRANSCRIPTS / name), "--json"] for name in FILES]
    kills = kill_budget(0.1)
    projects = 0
    path = tmp_path / "import-0.db"
    for trial in range(kills):
        delay = rng.uniform(0.01, demo.import_seconds)
        why = f"CODAGE_FAULT_SEED={seed} import, kill {trial} after {delay:.3f} s"
        outcome = fork_and_kill([[*c, "-p", str(path)] for c in commands], delay)
        reported = {
            document
            for out in outcome.succeeded
            for row in json.loads(out)
            if row["status"] in ("imported", "skipped")
            for document in row["documents"]
        }
        if not path.exists():
            assert not reported, why
            tally("import, forked", "before the project file was made")
            continue
        if _schema_never_written(path):
            # killed between SQLite making the file and the schema's commit: nothing was
            # reported done and nothing is lost; the next import into it creates the
            # project (the next trial imports into this very file)
            assert not reported, why
            tally("import, forked", "before the schema was written")
            continue
        check_opens(path, why)
        check_whole_documents(path, demo, why)
        present = {name for name, _sha in snapshot(path)["documents"]}  # type: ignore[union-attr]
        assert reported <= present, why
        tally("import, forked", f"{len(present)} of {len(FILES)} documents in, whole")
        if len(present) == len(FILES):  # all in: the next kills start a new project
            projects += 1
            path = tmp_path / f"import-{projects}.db"
    # as a person runs it: `codage import` of a folder, with its model process, killed
    spawned = max(1, kills // 10)
    for trial in range(spawned):
        path = tmp_path / f"spawned-{trial}.db"
        delay = rng.uniform(0.5, 8.0)
        why = f"CODAGE_FAULT_SEED={seed} codage import killed after {delay:.3f} s"
        args = ["import", *(str(TRANSCRIPTS / n) for n in FILES[:3]), "-p", str(path), "--json"]
        outcome = spawn_and_kill(args, delay, {})
        if path.exists() and not (not outcome.finished and _schema_never_written(path)):
            check_opens(path, why)
            check_whole_documents(path, demo, why)
        if outcome.finished:
            assert outcome.returned[0][0] == 0, why
            assert len(snapshot(path)["documents"]) == 3, why  # type: ignore[arg-type]
        made = path.exists() and not _schema_never_written(path)
        count = len(snapshot(path)["documents"]) if made else 0  # type: ignore[arg-type]
        tally("import, spawned", f"{count} of 3 documents in, whole")


# -- merge, copy, exports --------------------------------------------------------------------


@dataclass
class Team:
    target: Path  # the lead's project before the merge
    sources: list[Path]
    states: list[dict[str, object]]  # the target after 0, 1, 2 sources merged
    merged: Path  # the target after the merge, for copies and exports
    merge_seconds: float


def _coder_copy(demo: Demo, path: Path, coder: str, offset: int) -> Path:
    shutil.copyfile(demo.path, path)
    with Project.open(str(path), create=False) as p:
        code = p.create_code(f"Thème de {coder}", coder=coder)
        for doc in p.documents():
            for k in range(12):
                start = offset + k * 53
                p.add_coding(doc.id, code.id, start, start + 17, coder=coder)
            p.add_memo("document", doc.id, f"{coder} a lu {doc.name}", coder=coder)
    return path


@pytest.fixture(scope="module")
def team(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Team:
    folder = tmp_path_factory.mktemp("team")
    target = _coder_copy(demo, folder / "lead.db", "lead", 3)
    sources = [_coder_copy(demo, folder / f"{c}.db", c, 11 * i) for i, c in enumerate(["b", "c"])]
    states = [snapshot(target)]
    for upto in (1, 2):
        merged = folder / f"merged-{upto}.db"
        shutil.copyfile(target, merged)
        args = ["merge", str(merged), *map(str, sources[:upto]), "--coder", "lead", "--json"]
        outcome = fork_and_kill([args], None)
        assert outcome.returned[0][0] == 0, outcome
        states.append(snapshot(merged))
    assert states[0] != states[1] != states[2]
    return Team(target, sources, states, merged, outcome.elapsed)


def test_merge_killed(team: Team, tmp_path: Path) -> None:
    seed, rng = seeded("merge")
    kills = kill_budget(0.2)
    for trial in range(kills):
        target = tmp_path / f"target-{trial}.db"
        shutil.copyfile(team.target, target)
        delay = rng.uniform(0.01, team.merge_seconds)
        why = f"CODAGE_FAULT_SEED={seed} merge, kill {trial} after {delay:.3f} s"
        args = ["merge", str(target), *map(str, team.sources), "--coder", "lead", "--json"]
        outcome = fork_and_kill([args], delay)
        check_opens(target, why)
        state = snapshot(target)
        # each source wholly merged or not at all, and a merge that said so is all there
        assert state in team.states, why
        if outcome.succeeded:
            assert state == team.states[2], why
        backups = list_backups(target)
        for backup in backups:  # a backup under its name is a whole one
            integrity(backup.path)
            assert snapshot(backup.path) == team.states[0], why
        merged = team.states.index(state)
        tally("merge, forked", f"{merged} of 2 sources merged, {len(backups)} backup")
    spawned = max(1, kills // 10)
    for trial in range(spawned):
        target = tmp_path / f"spawned-{trial}.db"
        shutil.copyfile(team.target, target)
        delay = rng.uniform(0.3, 6.0)
        why = f"CODAGE_FAULT_SEED={seed} codage merge killed after {delay:.3f} s"
        args = ["merge", str(target), *map(str, team.sources), "--coder", "lead", "--json"]
        outcome = spawn_and_kill(args, delay, {})
        check_opens(target, why)
        assert snapshot(target) in team.states, why
        if outcome.finished:
            assert snapshot(target) == team.states[2], why
        merged = team.states.index(snapshot(target))
        tally("merge, spawned", f"{merged} of 2 sources merged")


def test_copy_killed(team: Team, tmp_path: Path) -> None:
    seed, rng = seeded("copy")
    whole = team.states[2]
    measured = fork_and_kill([["copy", str(team.merged), str(tmp_path / "measured.db")]], None)
    assert measured.returned[0][0] == 0, measured
    kills = kill_budget(0.1)
    for trial in range(kills):
        copy = tmp_path / f"copy-{trial}.db"
        delay = rng.uniform(0.01, measured.elapsed)
        why = f"CODAGE_FAULT_SEED={seed} copy, kill {trial} after {delay:.3f} s"
        outcome = fork_and_kill([["copy", str(team.merged), str(copy), "--json"]], delay)
        if outcome.succeeded:
            assert copy.exists(), why
        if copy.exists():  # under its final name, a copy is a whole project
            check_opens(copy, why)
            assert snapshot(copy) == whole, why
            tally("copy SQLite to SQLite, forked", "copy whole under its name")
        else:
            # where none was made, the copy can be made again
            tally("copy SQLite to SQLite, forked", "no copy under its name, made again")
            assert fork_and_kill([["copy", str(team.merged), str(copy)]], None).succeeded, why
            assert snapshot(copy) == whole, why
        assert snapshot(team.merged) == whole, why  # the source is only read


def _docx_text(path: Path) -> list[str]:
    return [p.text for p in WordDocument(str(path)).paragraphs]


def _xlsx_rows(path: Path) -> list[tuple[object, ...]]:
    book = openpyxl.load_workbook(path, read_only=True)
    rows = [row for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]
    book.close()
    return rows


@pytest.mark.parametrize("kind", ["docx", "xlsx"])
def test_export_killed(team: Team, tmp_path: Path, kind: str) -> None:
    seed, rng = seeded(f"export {kind}")
    read = _docx_text if kind == "docx" else _xlsx_rows
    reference = tmp_path / f"reference.{kind}"
    measured = fork_and_kill([["export", kind, str(reference), "-p", str(team.merged)]], None)
    assert measured.returned[0][0] == 0, measured
    expected = read(reference)
    out = tmp_path / f"out.{kind}"
    kills = kill_budget(0.075)
    for trial in range(kills):
        delay = rng.uniform(0.01, measured.elapsed)
        why = f"CODAGE_FAULT_SEED={seed} export {kind}, kill {trial} after {delay:.3f} s"
        outcome = fork_and_kill([["export", kind, str(out), "-p", str(team.merged)]], delay)
        if outcome.succeeded:
            assert out.exists(), why
        if out.exists():  # the file under its name is whole (this run's or an earlier one)
            assert read(out) == expected, why
        point = "written" if outcome.succeeded else "killed before the rename"
        tally(f"export {kind}, forked", f"{point}, file {'whole' if out.exists() else 'absent'}")
    leftovers = sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".part"))
    # what a kill leaves is a hidden temporary file, cleaned by the next export
    assert len(leftovers) <= 1, leftovers


def _schema_never_written(path: Path) -> bool:
    """Whether ``path`` is an SQLite file without a single table (or empty): what a
    process killed while creating the project leaves, and what creating opens again."""
    if path.stat().st_size == 0:
        return True
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        return conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
