"""Several coders at once, on PostgreSQL and on SQLite: throughput, nothing lost.

N processes, each a coder applying and undoing codings on the same documents of one
project.

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

Each line gives throughput, latency percentiles of every operation, the CPU the
coders' processes spent per operation (client), the CPU their server processes
spent per operation and the whole server's (read from /proc when the server runs
on this machine: backends, WAL writer and the rest, connections' start included,
and whatever else it serves meanwhile), what
the benchmark's own loop costs per operation, and the load averages of the
machine, which other work skews: on an idle machine,

    uptime; python benchmarks/concurrent_coders.py --backend postgresql --levels 8 \
        --url postgresql+psycopg://postgres@127.0.0.1:PORT/postgres

gives the goal's figure (500 codings per second in total with 8 coders).

``run(quick)`` (for ``python -m benchmarks``) measures the lean write path against the
ordinary (ORM) one as its baseline: SQLite with 2 coders (4 in full), and PostgreSQL
with 8 coders when ``CODAGE_TEST_POSTGRES`` names a server (otherwise the PostgreSQL
part is skipped and the figures say so). A wrong final state or a lock error fails the
run (:class:`WrongState`), it is not only printed.
"""

from __future__ import annotations

import argparse
import contextlib
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.report import Figure
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


_TICK = os.sysconf("SC_CLK_TCK")


def _proc_cpu(pid: int, *, children: bool = False) -> float:
    """CPU seconds of a process (with its reaped children's), from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / _TICK


def _postmaster(url: str) -> int | None:
    """The pid of the server's postmaster when it runs on this machine and /proc shows it."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            backend = int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
            parent = int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
            _proc_cpu(parent, children=True)
            return parent
    except (OSError, ValueError, IndexError):
        return None  # a server elsewhere (or another namespace): no server CPU figure
    finally:
        engine.dispose()


def _server_cpu(postmaster: int | None) -> float | None:
    """CPU seconds of the whole server so far: the postmaster, the backends and helpers
    it reaped (cutime) and those still running; None when it cannot be seen."""
    if postmaster is None:
        return None
    total = _proc_cpu(postmaster, children=True)
    for child in Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split():
        with contextlib.suppress(OSError):  # exited between the listing and the read
            total += _proc_cpu(int(child))
    return total


def _backend_pid(project: Project) -> int | None:
    """The server process of this coder's connection (one: the coder works in turn), or
    None on SQLite or when the server's processes cannot be seen from here."""
    if project.is_sqlite:
        return None
    with project.engine.connect() as conn:
        pid = int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
    return pid if _own_backend_cpu(pid) is not None else None


def _own_backend_cpu(pid: int | None) -> float | None:
    if pid is None:
        return None
    try:
        return _proc_cpu(pid)
    except OSError:
        return None


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


def _is_lock_error(exc: BaseException) -> bool:
    words = str(exc).lower()
    return any(w in words for w in ("locked", "busy", "deadlock", "could not serialize"))


def _coder(
    location: str, worker: int, codings: int, barrier: Any, lean: bool = True
) -> dict[str, Any]:
    """One coder: apply ``codings`` codings, undo every fourth at once; time each step."""
    coder = f"coder-{worker:02d}"
    rng = random.Random(worker)
    kept: set[tuple[int, int, int, int]] = set()
    applies: list[float] = []
    undos: list[float] = []
    errors: list[str] = []
    lock_errors = 0
    with Project.open(location, create=False) as project:
        project.lean_writes = lean
        docs = [(d.id, d.length) for d in project.documents()]
        codes = [c.id for c in project.codes()]
        project.coder(coder)  # registered before the clock starts, as a login would
        backend = _backend_pid(project)
        barrier.wait()
        started = time.perf_counter()
        cpu = resource.getrusage(resource.RUSAGE_SELF)
        backend_cpu = _own_backend_cpu(backend)
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
        backend_end = _own_backend_cpu(backend)
    return {
        "cpu": end.ru_utime + end.ru_stime - cpu.ru_utime - cpu.ru_stime,
        "backend_cpu": None
        if backend_cpu is None or backend_end is None
        else backend_end - backend_cpu,
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


def run_level(location: str, processes: int, codings: int, lean: bool = True) -> dict[str, Any]:
    _prepare(location)
    postmaster = None if "://" not in location else _postmaster(location)
    context = multiprocessing.get_context("fork")
    with context.Manager() as manager:
        barrier = manager.Barrier(processes)
        with context.Pool(processes) as pool:
            server_before = _server_cpu(postmaster)
            reports = pool.starmap(
                _coder, [(location, w, codings, barrier, lean) for w in range(processes)]
            )
            server_after = _server_cpu(postmaster)
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
        # CPU time of the whole server (backends and helpers: WAL writer, ...) per
        # operation; includes opening each coder's connection, a few ms per coder
        "server_cpu_ms": None
        if server_before is None or server_after is None
        else 1000 * (server_after - server_before) / max(1, len(steps)),
        # CPU time of the coders' own server processes per operation: the server's
        # direct cost, whatever else the server serves meanwhile
        "backend_cpu_ms": None
        if any(r["backend_cpu"] is None for r in reports)
        else 1000 * sum(r["backend_cpu"] for r in reports) / max(1, len(steps)),
        # what the benchmark's own loop (drawing spans, timing) costs per operation
        "bench_us": _own_overhead(codings),
        "load": _load(),
        "errors": [e for r in reports for e in r["errors"]],
        "problems": _check(location, reports),
        "applied": len(applies),
        "undone": len(undos),
    }


def _own_overhead(codings: int) -> float:
    """Microseconds per operation of the coders' loop without the project: drawing a
    span, the bookkeeping and the clock, so that the figures say what the benchmark
    itself takes from the cores it shares with the coders."""
    rng = random.Random(0)
    docs = [(1, 36_000), (2, 36_000), (3, 36_000)]
    codes = list(range(CODES))
    kept: set[tuple[int, int, int, int]] = set()
    times: list[float] = []
    cpu = time.process_time()
    for n in range(codings):
        while True:
            doc_id, length = rng.choice(docs)
            start = rng.randrange(0, length - 200)
            key = (doc_id, rng.choice(codes), start, start + rng.randrange(5, 200))
            if key not in kept:
                break
        t0 = time.perf_counter()
        times.append(time.perf_counter() - t0)
        kept.add(key)
        if n % UNDO_EVERY == UNDO_EVERY - 1:
            t0 = time.perf_counter()
            times.append(time.perf_counter() - t0)
            kept.discard(key)
    return 1e6 * (time.process_time() - cpu) / max(1, len(times))


def _print(backend: str, result: dict[str, Any]) -> None:
    verdict = "exact" if not result["problems"] else "; ".join(result["problems"][:3])
    server = "n/a" if result["server_cpu_ms"] is None else f"{result['server_cpu_ms']:4.2f}"
    backends = "n/a" if result["backend_cpu_ms"] is None else f"{result['backend_cpu_ms']:4.2f}"
    print(
        f"{backend:10} {result['processes']:>3} coders  {result['applied']:>6} codings "
        f"{result['undone']:>5} undos in {result['wall']:6.1f}s  "
        f"{result['codings_per_s']:7.0f} codings/s ({result['operations_per_s']:5.0f} ops/s)  "
        f"p50 {result['p50']:6.1f} ms  p95 {result['p95']:6.1f} ms  p99 {result['p99']:6.1f} ms  "
        f"client CPU {result['client_cpu_ms']:4.2f} ms/op  server CPU {backends} ms/op "
        f"(whole server {server})  "
        f"bench loop {result['bench_us']:.0f} us/op  "
        f"lock errors {result['lock_errors']}  other errors "
        f"{len(result['errors']) - result['lock_errors']}  final state: {verdict}  "
        f"({result['load']})",
        flush=True,
    )
    for error in result["errors"][:3]:
        print(f"           {error}")


class WrongState(RuntimeError):
    """The project does not hold what the coders did, or a coder met a lock error."""


# The goal of issue 15: codings per second in total with 8 coders on PostgreSQL.
GOAL_CODINGS_PER_S = 500.0
PG_CODERS = 8


def _measure(
    backend: str, url: str | None, processes: int, codings: int, lean: bool
) -> dict[str, Any]:
    """One level on a fresh database (PostgreSQL) or project file (SQLite)."""
    if backend == "postgresql":
        assert url is not None
        with _postgres_database(url) as database:
            return run_level(database, processes, codings, lean)
    with tempfile.TemporaryDirectory() as folder:
        return run_level(str(Path(folder) / "bench.db"), processes, codings, lean)


def _verify(backend: str, path: str, result: dict[str, Any]) -> None:
    """Raise when a coding was lost or duplicated, the journal disagrees, or a lock error
    was seen: a benchmark that measured a wrong result measured nothing."""
    wrong = list(result["problems"])
    if result["lock_errors"]:
        wrong.append(f"{result['lock_errors']} lock errors ({result['errors'][0]})")
    if wrong:
        raise WrongState(
            f"{backend}, {result['processes']} coders, {path} path: " + "; ".join(wrong[:3])
        )


def _figures(
    backend: str, lean: dict[str, Any], ordinary: dict[str, Any], note: str
) -> list[Figure]:
    n = lean["processes"]
    goal = GOAL_CODINGS_PER_S if backend == "postgresql" and n == PG_CODERS else None
    base = "the ordinary (ORM) write path, same coders"
    where = f"{backend}, {n} coders"
    checked = (
        f"{lean['applied']} codings, {lean['undone']} undone, checked: none lost nor "
        f"duplicated, journal exact, no lock error; {lean['load']}"
    )
    figures = [
        Figure(
            f"{where}: codings per second in total (lean path)",
            lean["codings_per_s"],
            "codings/s",
            goal=goal,
            baseline=base,
            baseline_value=ordinary["codings_per_s"],
            higher_is_better=True,
            note="; ".join(x for x in (checked, note) if x),
        ),
        Figure(
            f"{where}: p95 latency of one apply or undo",
            lean["p95"],
            "ms",
            baseline=base,
            baseline_value=ordinary["p95"],
            note=f"p50 {lean['p50']:.1f} ms, p99 {lean['p99']:.1f} ms",
        ),
        Figure(
            f"{where}: coders' own CPU per operation",
            lean["client_cpu_ms"],
            "ms",
            baseline=base,
            baseline_value=ordinary["client_cpu_ms"],
            note=f"the benchmark's own loop {lean['bench_us']:.0f} us/op",
        ),
    ]
    if lean["backend_cpu_ms"] is not None and ordinary["backend_cpu_ms"] is not None:
        server = lean["server_cpu_ms"]
        figures.append(
            Figure(
                f"{where}: server CPU per operation (the coders' backends)",
                lean["backend_cpu_ms"],
                "ms",
                baseline=base,
                baseline_value=ordinary["backend_cpu_ms"],
                note="" if server is None else f"whole server {server:.2f} ms/op",
            )
        )
    return figures


def run(quick: bool) -> list[Figure]:
    """Lean against ordinary write path: SQLite 2 coders (4 full), PostgreSQL 8 coders
    when ``CODAGE_TEST_POSTGRES`` is set; 150 codings per coder quick, 1,000 full."""
    codings = 150 if quick else 1000
    url = os.environ.get("CODAGE_TEST_POSTGRES")
    plan = [("sqlite", 2 if quick else 4)]
    if url:
        plan.append(("postgresql", PG_CODERS))
    skipped = "" if url else "PostgreSQL part skipped: no server: set CODAGE_TEST_POSTGRES"
    if skipped:
        print(skipped, flush=True)
    figures: list[Figure] = []
    for backend, processes in plan:
        results = {}
        for path, lean in (("lean", True), ("ordinary", False)):
            result = _measure(backend, url, processes, codings, lean)
            _print(f"{backend}/{path}", result)
            _verify(backend, path, result)
            results[path] = result
        figures += _figures(backend, results["lean"], results["ordinary"], skipped)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("CODAGE_TEST_POSTGRES"))
    parser.add_argument("--backend", choices=("both", "postgresql", "sqlite"), default="both")
    parser.add_argument("--levels", default="", help="process counts, e.g. 4,8,16")
    parser.add_argument("--codings", type=int, default=1000, help="codings per coder")
    parser.add_argument(
        "--ordinary",
        action="store_true",
        help="write through the ordinary (ORM) path, not the lean one: for comparison",
    )
    args = parser.parse_args()
    backends = ["postgresql", "sqlite"] if args.backend == "both" else [args.backend]
    print(f"{_load()} on {os.cpu_count()} cores before", flush=True)
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
                    result = run_level(url, processes, args.codings, not args.ordinary)
            else:
                with tempfile.TemporaryDirectory() as folder:
                    result = run_level(
                        str(Path(folder) / "bench.db"), processes, args.codings, not args.ordinary
                    )
            _print(backend, result)
            bad = bad or bool(result["problems"]) or result["lock_errors"] > 0
    print(f"{_load()} after", flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
