"""Several coders at once: N processes, each a coder applying and undoing codings on the
same documents of one project, on PostgreSQL and on SQLite.

Each process opens the project itself and, between a start barrier and the end,
applies ``--codings`` codings (spans drawn at random, the same few documents for
everyone) and undoes every fourth right after applying it. It times every
operation. At the end the project must hold, for each coder, exactly the codings
applied and not undone: nothing lost, nothing duplicated; and each coder's
journal must say so (as many entries done and undone as operations).

    python benchmarks/concurrent_coders.py                      # both back ends
    python benchmarks/concurrent_coders.py --url postgresql+psycopg://postgres@127.0.0.1:55433/postgres
    python benchmarks/concurrent_coders.py --backend sqlite --levels 2,4

PostgreSQL comes from ``--url`` or ``CODAGE_TEST_POSTGRES``: a server on which a
fresh database is created for each run and dropped after. SQLite runs up to 4
processes (one writer at a time by design). Prints figures; not a pass/fail test
(the exit code is 1 only when the final state is wrong or a lock error was seen).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import resource
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from codage.domain import NewDocument, Unit
from codage.services import Project, StoreError, UndoConflict

DOCUMENTS = 3
CODES = 12
UNDO_EVERY = 4
PARAGRAPH = (
    "M. Garnier : Au début, personne ne lisait l'intranet. Puis la crise sanitaire est "
    "arrivée, et tout le monde a dû travailler à distance, avec des outils que nous "
    "n'avions jamais vraiment choisis. "
)


def _document(n: int) -> NewDocument:
    text_ = "\n\n".join(f"{PARAGRAPH}({n}.{i})" for i in range(60))
    return NewDocument(name=f"entretien-{n:02d}", kind="interview", text=text_, units=[
        Unit("paragraph", 0, len(text_))
    ])  # fmt: skip


@contextmanager
def _postgres_database(base: str) -> Iterator[str]:
    """A fresh database on the server, dropped after the run."""
    name = f"codage_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _is_lock_error(exc: BaseException) -> bool:
    words = str(exc).lower()
    return any(w in words for w in ("locked", "busy", "deadlock", "could not serialize"))


def _coder(location: str, worker: int, codings: int, barrier: Any) -> dict[str, Any]:
    """One coder: apply ``codings`` codings, undo every fourth at once; time each step."""
    coder = f"coder-{worker:02d}"
    rng = random.Random(worker)
    kept: set[tuple[int, int, int, int]] = set()
    applies: list[float] = []
    undos: list[float] = []
    errors: list[str] = []
    lock_errors = 0
    with Project.open(location, create=False) as project:
        docs = [(d.id, d.length) for d in project.documents()]
        codes = [c.id for c in project.codes()]
        project.coder(coder)  # registered before the clock starts, as a login would
        barrier.wait()
        started = time.perf_counter()
        cpu = resource.getrusage(resource.RUSAGE_SELF)
        for n in range(codings):
            while True:
                doc_id, length = rng.choice(docs)
                start = rng.randrange(0, length - 200)
                key = (doc_id, rng.choice(codes), start, start + rng.randrange(5, 200))
                if key not in kept:
                    break
            try:
                t0 = time.perf_counter()
                project.add_coding(*key, coder=coder)
                applies.append(time.perf_counter() - t0)
                kept.add(key)
                if n % UNDO_EVERY == UNDO_EVERY - 1:
                    t0 = time.perf_counter()
                    entry = project.undo(coder=coder)
                    undos.append(time.perf_counter() - t0)
                    if entry is None or entry.action != "add_coding":
                        errors.append(f"undo took back {entry}")
                    else:
                        kept.discard(key)
            except (StoreError, UndoConflict) as exc:
                lock_errors += _is_lock_error(exc)
                errors.append(f"{exc.__class__.__name__}: {exc}")
        elapsed = time.perf_counter() - started
        end = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "cpu": end.ru_utime + end.ru_stime - cpu.ru_utime - cpu.ru_stime,
        "coder": coder,
        "kept": sorted(kept),
        "applies": applies,
        "undos": undos,
        "errors": errors,
        "lock_errors": lock_errors,
        "elapsed": elapsed,
    }


def _prepare(location: str) -> None:
    with Project.open(location) as project:
        for n in range(DOCUMENTS):
            project.add_document(_document(n))
        for n in range(CODES):
            project.create_code(f"Thème {n:02d}", coder="lead")


def _check(location: str, reports: list[dict[str, Any]]) -> list[str]:
    """What is wrong with the final state, given what every coder did."""
    problems: list[str] = []
    with Project.open(location, create=False) as project:
        rows = project.codings()
        keys = [(c.coder, c.document_id, c.code_id, c.start, c.end) for c in rows]
        if len(keys) != len(set(keys)):
            problems.append(f"{len(keys) - len(set(keys))} duplicated codings")
        for r in reports:
            held = {k[1:] for k in keys if k[0] == r["coder"]}
            wanted = {tuple(k) for k in r["kept"]}
            if held != wanted:
                problems.append(
                    f"{r['coder']}: {len(wanted - held)} lost, {len(held - wanted)} unexpected"
                )
            history = project.history(coder=r["coder"], limit=None)
            done = sum(1 for e in history if e.state == "done")
            undone = sum(
                1 for e in history if e.state != "done"
            )  # undone, or dropped by a new change
            if (done, undone) != (len(r["applies"]) - len(r["undos"]), len(r["undos"])):
                problems.append(f"{r['coder']}: journal says {done} done, {undone} undone")
    return problems


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    cut = statistics.quantiles(values, n=100, method="inclusive")
    return cut[int(q) - 1]


def run_level(location: str, processes: int, codings: int) -> dict[str, Any]:
    _prepare(location)
    context = multiprocessing.get_context("fork")
    with context.Manager() as manager:
        barrier = manager.Barrier(processes)
        with context.Pool(processes) as pool:
            started = time.perf_counter()
            reports = pool.starmap(
                _coder, [(location, w, codings, barrier) for w in range(processes)]
            )
            wall = time.perf_counter() - started
    wall = max(r["elapsed"] for r in reports)  # from the barrier, not the forks
    applies = [x for r in reports for x in r["applies"]]
    undos = [x for r in reports for x in r["undos"]]
    steps = applies + undos
    return {
        "processes": processes,
        "wall": wall,
        "codings_per_s": len(applies) / wall,
        "operations_per_s": len(steps) / wall,
        "p50": _percentile(steps, 50) * 1000,
        "p95": _percentile(steps, 95) * 1000,
        "p99": _percentile(steps, 99) * 1000,
        "lock_errors": sum(r["lock_errors"] for r in reports),
        # CPU time of the coders' own processes (not the server's) per operation
        "client_cpu_ms": 1000 * sum(r["cpu"] for r in reports) / max(1, len(steps)),
        "errors": [e for r in reports for e in r["errors"]],
        "problems": _check(location, reports),
        "applied": len(applies),
        "undone": len(undos),
    }


def _print(backend: str, result: dict[str, Any]) -> None:
    verdict = "exact" if not result["problems"] else "; ".join(result["problems"][:3])
    print(
        f"{backend:10} {result['processes']:>3} coders  {result['applied']:>6} codings "
        f"{result['undone']:>5} undos in {result['wall']:6.1f}s  "
        f"{result['codings_per_s']:7.0f} codings/s ({result['operations_per_s']:5.0f} ops/s)  "
        f"p50 {result['p50']:6.1f} ms  p95 {result['p95']:6.1f} ms  p99 {result['p99']:6.1f} ms  "
        f"client CPU {result['client_cpu_ms']:4.1f} ms/op  "
        f"lock errors {result['lock_errors']}  other errors "
        f"{len(result['errors']) - result['lock_errors']}  final state: {verdict}",
        flush=True,
    )
    for error in result["errors"][:3]:
        print(f"           {error}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("CODAGE_TEST_POSTGRES"))
    parser.add_argument("--backend", choices=("both", "postgresql", "sqlite"), default="both")
    parser.add_argument("--levels", default="", help="process counts, e.g. 4,8,16")
    parser.add_argument("--codings", type=int, default=1000, help="codings per coder")
    args = parser.parse_args()
    backends = ["postgresql", "sqlite"] if args.backend == "both" else [args.backend]
    print(f"load before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", flush=True)
    bad = False
    for backend in backends:
        default = "4,8,16" if backend == "postgresql" else "2,4"
        levels = [int(x) for x in (args.levels or default).split(",")]
        if backend == "postgresql" and not args.url:
            print("postgresql: skipped (give --url or set CODAGE_TEST_POSTGRES)")
            continue
        for processes in levels:
            if backend == "sqlite" and processes > 4:
                print(f"sqlite: {processes} processes skipped (SQLite runs up to 4)")
                continue
            if backend == "postgresql":
                with _postgres_database(args.url) as url:
                    result = run_level(url, processes, args.codings)
            else:
                with tempfile.TemporaryDirectory() as folder:
                    result = run_level(str(Path(folder) / "bench.db"), processes, args.codings)
            _print(backend, result)
            bad = bad or bool(result["problems"]) or result["lock_errors"] > 0
    print(f"load after: {os.getloadavg()[0]:.2f}", flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
