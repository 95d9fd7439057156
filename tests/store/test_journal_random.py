"""Interleaved code, uncode, memo, undo and redo by several coders on a real SQLite
file: each undo restores exactly the state before the step it takes back (or is
refused with UndoConflict and changes nothing), and undo never gets stuck."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from pathlib import Path

from codage.services import Conflict, Project, UndoConflict
from tests.conftest import SAMPLE_TEXT, sample_document

Row = tuple[int, int, str, int, int, str, str | None]
State = dict[int, Row]
CODERS = ("ana", "ben", "chloe")
LEAD = "lead"  # removes other people's codings: an explicit, journaled decision


def state(p: Project) -> State:
    return {
        c.id: (c.document_id, c.code_id, c.coder, c.start, c.end, c.text, c.memo)
        for c in p.codings_bulk()
    }


@dataclass
class Step:
    before: State
    after: State


@dataclass
class Person:
    done: list[Step] = field(default_factory=list)
    undone: list[Step] = field(default_factory=list)


def reverted(current: State, step: Step, *, undo: bool) -> State:
    """``current`` with the rows ``step`` changed set back (undo) or forward (redo)."""
    old, new = (step.after, step.before) if undo else (step.before, step.after)
    out = dict(current)
    for row_id in old.keys() - new.keys():
        del out[row_id]
    for row_id in new.keys() - old.keys():
        out[row_id] = new[row_id]
    for row_id in old.keys() & new.keys():
        if old[row_id] != new[row_id]:
            out[row_id] = new[row_id]
    return out


class Run:
    def __init__(self, p: Project, seed: int) -> None:
        self.p = p
        self.rng = random.Random(seed)
        self.people = {name: Person() for name in (*CODERS, LEAD)}
        self.doc = p.add_document(sample_document()).id
        self.codes = [p.create_code(n, coder="setup").id for n in ("A", "B", "C")]
        self.base = state(p)
        self.now = self.base  # the state after the last step, read back from the file
        self.conflicts = 0
        self.undos = 0
        self.redos = 0

    def change(self, who: str, act) -> None:  # type: ignore[no-untyped-def]
        before = self.now
        try:
            act()
        except Conflict:
            assert state(self.p) == before
            return
        self.now = state(self.p)
        self.people[who].done.append(Step(before, self.now))
        self.people[who].undone.clear()

    def code(self, who: str) -> None:
        start = self.rng.randrange(0, len(SAMPLE_TEXT) - 1)
        end = self.rng.randrange(start + 1, min(len(SAMPLE_TEXT), start + 40) + 1)
        code = self.rng.choice(self.codes)
        self.change(who, lambda: self.p.add_coding(self.doc, code, start, end, coder=who))

    def pick(self, owner: str | None, exclude: str | None = None) -> int | None:
        ids = [
            i
            for i, row in self.now.items()
            if (owner is None or row[2] == owner) and row[2] != exclude
        ]
        return self.rng.choice(sorted(ids)) if ids else None

    def uncode(self, who: str, owner: str | None) -> None:
        target = self.pick(owner, exclude=None if owner else who)
        if target is not None:
            self.change(who, lambda: self.p.remove_coding(target, coder=who))

    def memo(self, who: str) -> None:
        target = self.pick(who)
        if target is not None:
            text = self.rng.choice([None, "à revoir", "clé", f"note {self.rng.random():.3f}"])
            self.change(who, lambda: self.p.set_coding_memo(target, text, coder=who))

    def step_back(self, who: str, *, undo: bool) -> bool:
        """Undo (or redo) ``who``'s last step; True when it went through."""
        person = self.people[who]
        stack = person.done if undo else person.undone
        current = self.now
        try:
            entry = self.p.undo(coder=who) if undo else self.p.redo(coder=who)
        except UndoConflict as exc:
            assert stack, "a refusal with nothing to undo"
            assert exc.entry is not None
            assert state(self.p) == current  # refused: nothing changed
            self.conflicts += 1
            return False
        if not stack:
            assert entry is None
            return False
        assert entry is not None and entry.coder == who
        step = stack.pop()
        self.now = state(self.p)
        assert self.now == reverted(current, step, undo=undo)
        if undo:
            person.undone.append(step)
            self.undos += 1
        else:
            person.done.append(step)
            self.redos += 1
        return True

    def play(self, steps: int, *, lead: bool) -> None:
        for _ in range(steps):
            who = LEAD if lead and self.rng.random() < 0.12 else self.rng.choice(CODERS)
            roll = self.rng.random()
            if who == LEAD:
                if roll < 0.6:
                    self.uncode(LEAD, owner=None)
                else:
                    self.step_back(LEAD, undo=roll < 0.85)
            elif roll < 0.38:
                self.code(who)
            elif roll < 0.52:
                self.uncode(who, owner=who)
            elif roll < 0.6:
                self.memo(who)
            elif roll < 0.85:
                self.step_back(who, undo=True)
            else:
                self.step_back(who, undo=False)

    def unwind(self) -> None:
        """Everyone undoes everything: each round someone must get through."""
        while any(person.done for person in self.people.values()):
            moved = False
            for name in (LEAD, *CODERS):
                while self.people[name].done and self.step_back(name, undo=True):
                    moved = True
            assert moved, "undo is stuck for everyone"


def test_interleaved_coders_never_get_stuck(tmp_path: Path) -> None:
    with Project.open(str(tmp_path / "random.db")) as p:
        began = time.perf_counter()
        run = Run(p, seed=20261129)
        # Each coder touches only their own codings: no undo may be refused.
        run.play(1200, lead=False)
        assert run.conflicts == 0
        assert run.undos > 200 and run.redos > 50
        # A lead removes other people's codings: refusals are allowed, and change nothing.
        run.play(800, lead=True)
        run.unwind()
        assert state(p) == run.base
        assert all(p.undo(coder=name) is None for name in (*CODERS, LEAD))
        elapsed = time.perf_counter() - began
    print(
        f"\n2000 steps: {run.undos} undos, {run.redos} redos, "
        f"{run.conflicts} refused, {elapsed:.1f}s"
    )
