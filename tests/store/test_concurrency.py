"""Concurrent writers on one project, SQLite file or PostgreSQL database: every operation
waits its turn, none is lost.

Four real processes code, uncode, write memos, undo and redo on the same project at once. Each keeps
its own account of what it did; the project must end up holding exactly that.

An undo may be refused (UndoConflict) when SQLite gave the id of a removed coding to another
process's new coding in between (codings ids are reused without AUTOINCREMENT): the refusal is
whole, so the account keeps the change in force.
"""

from __future__ import annotations

import multiprocessing
import random
import time
from typing import Any

from codage.services import Project, UndoConflict
from tests.conftest import sample_document

WORKERS = 4
OPERATIONS = 300


def _replay(
    kind: str,
    row_id: int,
    value: Any,
    codings: dict[int, tuple[int, int, int]],
    memos: dict[int, str],
    *,
    undo: bool,
) -> None:
    """What undoing (or redoing) one change does to a coder's own account."""
    present = (kind != "remove") != undo
    held: dict[int, Any] = memos if kind == "memo" else codings
    if present:
        held[row_id] = value
    else:
        del held[row_id]


def _work(location: str, worker: int, operations: int) -> dict[str, Any]:
    """Run mixed operations as one coder; report what the project should now hold."""
    coder = f"worker-{worker}"
    rng = random.Random(worker)
    codings: dict[int, tuple[int, int, int]] = {}  # id -> (code, start, end)
    memos: dict[int, str] = {}
    done: list[tuple[str, int, Any]] = []  # this coder's journal, as the undo stack
    undone: list[tuple[str, int, Any]] = []  # the redo stack, emptied by a new change
    errors: list[str] = []
    counts = {"add": 0, "remove": 0, "memo": 0, "undo": 0, "redo": 0, "undo refused": 0}
    with Project.open(location, create=False) as project:
        doc = project.documents()[0]
        code_ids = [c.id for c in project.codes()]
        for n in range(operations):
            roll = rng.random()
            # what was just undone is redone often enough for redo to be exercised
            if undone and rng.random() < 0.35:
                roll = 1.0
            try:
                if roll < 0.45 or (roll < 0.65 and not codings):
                    while True:
                        start = rng.randrange(0, doc.length - 20)
                        span = (rng.choice(code_ids), start, start + rng.randrange(1, 20))
                        if span not in codings.values():
                            break
                    made = project.add_coding(doc.id, span[0], span[1], span[2], coder=coder)
                    codings[made.id] = span
                    done.append(("add", made.id, span))
                    undone.clear()
                    counts["add"] += 1
                elif roll < 0.65:
                    coding_id = rng.choice(sorted(codings))
                    project.remove_coding(coding_id, coder=coder)
                    done.append(("remove", coding_id, codings.pop(coding_id)))
                    undone.clear()
                    counts["remove"] += 1
                elif roll < 0.85:
                    memo = project.add_memo("document", doc.id, f"{coder} note {n}", coder=coder)
                    memos[memo.id] = memo.text
                    done.append(("memo", memo.id, memo.text))
                    undone.clear()
                    counts["memo"] += 1
                elif roll < 1.0 or not undone:
                    entry = project.undo(coder=coder)
                    if (entry is None) != (not done):
                        errors.append(f"undo answered {entry} with {len(done)} changes in force")
                    if done:
                        kind, row_id, value = done.pop()
                        _replay(kind, row_id, value, codings, memos, undo=True)
                        undone.append((kind, row_id, value))
                    counts["undo"] += 1
                else:
                    entry = project.redo(coder=coder)
                    if entry is None:
                        errors.append(f"redo answered None with {len(undone)} changes undone")
                    else:
                        kind, row_id, value = undone.pop()
                        _replay(kind, row_id, value, codings, memos, undo=False)
                        done.append((kind, row_id, value))
                    counts["redo"] += 1
            except UndoConflict:
                # Refused whole: the change stays in force and on the undo stack.
                counts["undo refused"] += 1
            except Exception as exc:  # every failure is reported, none stops the count
                errors.append(f"{exc.__class__.__name__}: {exc}")
    return {
        "coder": coder,
        "codings": codings,
        "memos": memos,
        "errors": errors,
        "counts": counts,
    }


def test_four_processes_writing_at_once_lose_nothing_and_never_see_a_lock(
    backend_url: str,
) -> None:
    path = backend_url
    with Project.open(str(path)) as project:
        project.add_document(sample_document())
        for name in ("Intranet", "Sécurité", "Télétravail"):
            project.create_code(name, coder="lead")

    started = time.monotonic()
    # fork: the workers inherit the imports (a cheap start); no engine is open here now
    context = multiprocessing.get_context("fork")
    with context.Pool(WORKERS) as pool:
        reports = pool.starmap(_work, [(str(path), w, OPERATIONS) for w in range(WORKERS)])
    elapsed = time.monotonic() - started
    print(f"{WORKERS} x {OPERATIONS} operations in {elapsed:.1f}s:", [r["counts"] for r in reports])

    assert [r["errors"] for r in reports] == [[]] * WORKERS
    assert all(sum(r["counts"].values()) == OPERATIONS for r in reports)
    # the mix really exercised every kind of operation in every process
    kinds = ("add", "remove", "memo", "undo", "redo")
    assert all(min(r["counts"][k] for k in kinds) > 5 for r in reports)
    with Project.open(str(path), create=False) as project:
        for report in reports:
            held = {
                c.id: (c.code_id, c.start, c.end) for c in project.codings(coders=[report["coder"]])
            }
            assert held == report["codings"]
            memos = {m.id: m.text for m in project.memos() if m.author == report["coder"]}
            assert memos == report["memos"]
    assert elapsed < 60


def _same_coder(location: str, worker: int, barrier: Any) -> list[int]:
    """One person's several windows: the same new coder codes from each at once."""
    with Project.open(location, create=False) as project:
        doc = project.documents()[0]
        code = project.codes()[0]
        barrier.wait()
        return [
            project.add_coding(
                doc.id, code.id, worker * 40 + i, worker * 40 + i + 3, coder="newbie"
            ).id
            for i in range(10)
        ]


def test_a_coder_seen_first_in_several_processes_at_once_is_one_coder(backend_url: str) -> None:
    with Project.open(backend_url) as project:
        project.add_document(sample_document())
        project.create_code("Intranet", coder="lead")
    context = multiprocessing.get_context("fork")
    barrier = context.Manager().Barrier(WORKERS)
    with context.Pool(WORKERS) as pool:
        made = pool.starmap(_same_coder, [(backend_url, w, barrier) for w in range(WORKERS)])
    with Project.open(backend_url, create=False) as project:
        assert [c.name for c in project.coders()] == ["lead", "newbie"]
        held = sorted(c.id for c in project.codings(coders=["newbie"]))
    assert held == sorted(i for ids in made for i in ids) and len(held) == WORKERS * 10
