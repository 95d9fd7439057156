"""What the workbench reads after an undo, a redo or a codebook edit (issue 13).

Run ``python benchmarks/refresh_bench.py [codings]`` (default 200,000). It builds a SQLite
project of 100 documents, 60 codes and three coders holding that many codings, then times
the work of the workbench's ``load_project`` worker:

* before: every coding read into objects, recent codes, shares and coders computed from
  them (the worker as it was before issue 13);
* after, full: the same figures from the database's aggregates (counts by code and by
  coder, latest codes, covered lengths by window functions), as on opening the project;
* after, incremental: the reload that follows an undo touching one document, which asks
  the database for that document's coverage only (and no longer for the latest codes,
  which the screen takes from its first load only).

It checks that the three give the same figures, and prints times and ratios. Figures, not
a pass/fail test.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.report import Figure
from codage.domain import CodingImport, NewDocument
from codage.services import Project
from codage.services.workbench_state import Coverage, ProjectState, project_state
from codage.tui.screens.workbench_support import coded_shares

N_DOCS = 100
N_CODES = 60
DOC_CHARS = 40_000
CODERS = ("anne", "bruno", "chloé")
WORDS = ("agent", "outil", "réunion", "données", "poste", "équipe", "courrier", "plateforme")


def _text(rng: random.Random) -> str:
    words: list[str] = []
    size = 0
    while size < DOC_CHARS:
        word = rng.choice(WORDS)
        words.append(word)
        size += len(word) + 1
    return " ".join(words)


def build(path: Path, n_codings: int) -> None:
    rng = random.Random(13)
    with Project.open(str(path)) as project:
        codes = [project.create_code(f"Code {i}", coder="anne").id for i in range(N_CODES)]
        docs = [
            project.add_document(NewDocument(f"doc{i:03}", "interview", _text(rng))).id
            for i in range(N_DOCS)
        ]
        # In slices, each its own journal entry and timestamp, as merges would leave them.
        per_slice = 20_000
        for first in range(0, n_codings, per_slice):
            records = []
            for _ in range(min(per_slice, n_codings - first)):
                start = rng.randrange(DOC_CHARS - 400)
                records.append(
                    CodingImport(
                        rng.choice(docs),
                        rng.choice(codes),
                        rng.choice(CODERS),
                        start,
                        start + rng.randint(20, 400),
                    )
                )
            project.import_codings(records, actor="anne")


def before(project: Project, coder: str) -> ProjectState:
    """The worker's reads before issue 13, word for word."""
    documents = project.documents()
    codings = project.codings()
    mine = sorted(
        (c for c in codings if c.coder == coder),
        key=lambda c: (c.updated_at or c.created_at) or 0,  # type: ignore[arg-type,return-value]
        reverse=True,
    )
    recent: list[int] = []
    for c in mine:
        if c.code_id not in recent:
            recent.append(c.code_id)
        if len(recent) >= 12:
            break
    return ProjectState(
        name=project.name,
        documents=documents,
        shares=coded_shares(documents, codings),
        cases={c.name: c for c in project.cases()},
        codes=project.codes(),
        project_counts=project.coding_counts(),
        recent=recent,
        coders=sorted({c.coder for c in codings} | {coder}),
    )


def timed(work: Callable[[], ProjectState], rounds: int) -> tuple[float, ProjectState]:
    times, result = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    assert result is not None
    return statistics.median(times), result


def same(a: ProjectState, b: ProjectState, *, recent: bool = True) -> bool:
    fields = ("documents", "shares", "codes", "project_counts", "coders", "cases")
    return all(getattr(a, f) == getattr(b, f) for f in fields) and (
        not recent or a.recent == b.recent
    )


def measure(n_codings: int) -> dict[str, float]:
    """Times (seconds) of the old reload, the full and the incremental one."""
    with tempfile.TemporaryDirectory(prefix="codage-refresh-bench-") as folder:
        path = Path(folder) / "bench.db"
        build(path, n_codings)
        with Project.open(str(path)) as project:
            coder = "anne"
            old_time, old = timed(lambda: before(project, coder), 3)
            full_time, new = timed(lambda: project_state(project, coder, Coverage()), 5)
            coverage = Coverage()
            project_state(project, coder, coverage)
            one_document = project.documents()[0].id

            def incremental() -> ProjectState:
                coverage.forget([one_document])
                return project_state(project, coder, coverage, with_recent=False)

            inc_time, inc = timed(incremental, 5)
    if not (same(old, new) and same(old, inc, recent=False)):
        raise RuntimeError("the reloads disagree with reading every coding")
    return {"old": old_time, "full": full_time, "incremental": inc_time}


def run(quick: bool) -> list[Figure]:
    """20,000 codings quick, 200,000 full; against reading every coding."""
    n = 20_000 if quick else 200_000
    m = measure(n)
    return [
        Figure(
            f"workbench reload, {n:,} codings, {name}",
            m[name] * 1000,
            "ms",
            goal=1.0,
            goal_on="ratio",
            baseline="every coding read (before issue 13)",
            baseline_value=m["old"] * 1000,
        )
        for name in ("full", "incremental")
    ]


def main() -> None:
    n_codings = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        started = time.perf_counter()
        build(path, n_codings)
        print(f"built {n_codings:,} codings in {time.perf_counter() - started:.1f} s")
        with Project.open(str(path)) as project:
            coder = "anne"
            old_time, old = timed(lambda: before(project, coder), 3)

            def full() -> ProjectState:
                return project_state(project, coder, Coverage())

            full_time, new = timed(full, 5)
            coverage = Coverage()
            project_state(project, coder, coverage)
            one_document = project.documents()[0].id

            def incremental() -> ProjectState:
                coverage.forget([one_document])
                return project_state(project, coder, coverage, with_recent=False)

            inc_time, inc = timed(incremental, 5)
        print(f"same figures: full {same(old, new)}, incremental {same(old, inc, recent=False)}")
        print(f"before (every coding read):    {old_time * 1000:8.0f} ms")
        print(
            f"after, full (SQL aggregates):  {full_time * 1000:8.0f} ms  "
            f"({old_time / full_time:.1f}x faster)"
        )
        print(
            f"after, one document changed:   {inc_time * 1000:8.0f} ms  "
            f"({old_time / inc_time:.1f}x faster)"
        )


if __name__ == "__main__":
    main()
