"""Search speed on the one-million-word corpus of the import benchmark.

Builds the corpus with ``import_bench.make_corpus`` and imports it into a SQLite project
(or reuses one given with ``--project``), then reports, for each mode of the corpus
search (exact, words, lemma, regex, fuzzy):

- the first query of a process, run in a fresh subprocess (``codage search`` is one
  process: its first query is the one a person waits for), end to end in the service
  (``search_corpus``, the language model not loaded beforehand), apart from the time the
  process took to import codage and open the project;
- the following queries of that process (median and max of ``--repeat`` rounds);
- the wall time of ``codage search`` itself, start to exit;
- the same first query in a fresh process that reads the documents themselves instead
  of the stored index (``stored_index=False``: the reference path, close to what the
  search did before the index);

and what the stored index costs: its share of the project file (SQLite's dbstat) and the
time to build it for every document (what an import spends on it, measured apart by
rebuilding it).

    .venv/bin/python benchmarks/search_bench.py [--words 1000000] [--project bench.db]

Not a test: it prints figures. Goals: exact and lemma under 200 ms, fuzzy under 2 s,
for the first query of a process (judged on wall time; the CPU time beside it tells what
a machine shared with other work made of it).

``run(quick)`` (for ``python -m benchmarks``) gives the same figures, each first query
against the reference path without the stored index as its baseline: 1M words and every
mode in full; quick, a corpus of 20,000 words and the three modes that have a goal. The
stored index and the reference path must find as many hits for the same first query,
or the run fails.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from benchmarks.report import Figure  # noqa: E402

QUERIES = {
    "exact": ["intranet", "rançongiciel", "télétravail", "la direction"],
    "words": ["intranet agents", "logiciel métier", "sécurité formation"],
    "lemma": ["dématérialiser", "intranets", "former", "agent"],
    "regex": [r"\b20\d\d\b", r"intran\w+", r"(?:télé)?travail"],
    "fuzzy": ["rançongicel", "dématérialisation", "messagerie"],
}
GOALS = {"exact": 200, "lemma": 200, "fuzzy": 2000}


def build(path: Path, words: int) -> float:
    """Import the corpus into ``path``; the seconds it took."""
    from import_bench import make_corpus

    from codage.ingest import import_files
    from codage.store.project import Project

    with tempfile.TemporaryDirectory() as tmp:
        files = make_corpus(Path(tmp), words)
        started = time.perf_counter()
        with Project.open(str(path)) as project:
            report = import_files(project, files)
            assert report.ok, [f.message for f in report.failed]
        return time.perf_counter() - started


def child(path: str, mode: str, repeat: int, stored: bool) -> None:
    """One fresh process: the first query of ``mode``, then the following ones."""
    started = time.perf_counter()
    from codage.ingest.nlp import query_lemmas
    from codage.services.search import search_corpus
    from codage.store.project import Project

    imported = time.perf_counter()
    queries = QUERIES[mode]
    lemmatize = query_lemmas if mode == "lemma" else None
    with Project.open(path, create=False) as project:
        opened = time.perf_counter()
        cpu = time.process_time()
        first = search_corpus(project, queries[0], mode, lemmatize=lemmatize, stored_index=stored)
        first_ms = 1000 * (time.perf_counter() - opened)
        first_cpu_ms = 1000 * (time.process_time() - cpu)
        times: list[float] = []
        hits: list[int] = []
        for _ in range(repeat):
            for query in queries:
                at = time.perf_counter()
                result = search_corpus(
                    project, query, mode, lemmatize=lemmatize, stored_index=stored
                )
                times.append(1000 * (time.perf_counter() - at))
                hits.append(result.total)
    print(
        json.dumps(
            {
                "import_ms": 1000 * (imported - started),
                "open_ms": 1000 * (opened - imported),
                "first_ms": first_ms,
                "first_cpu_ms": first_cpu_ms,
                "first_hits": first.total,
                "times": times,
                "hits": hits,
            }
        )
    )


def _run_child(path: Path, mode: str, repeat: int, stored: bool) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(path), mode, str(repeat), str(int(stored))],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _cli_wall(path: Path, mode: str, query: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "codage", "search", query, "--mode", mode, "-p", str(path)],
        check=True,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return 1000 * (time.perf_counter() - started)


def index_cost(path: Path) -> tuple[float, float, float]:
    """The file's size, the index's share of it (MB) and the seconds to rebuild it."""
    from codage.store.project import Project

    with sqlite3.connect(path) as conn:
        try:
            rows = conn.execute(
                "SELECT name, SUM(pgsize) FROM dbstat WHERE name LIKE 'search_%' "
                "OR name LIKE 'sqlite_autoindex_search_%' GROUP BY name"
            ).fetchall()
            index_mb = sum(size for _, size in rows) / 1e6
        except sqlite3.OperationalError:  # SQLite built without dbstat
            index_mb = float("nan")
    size_mb = path.stat().st_size / 1e6
    with Project.open(str(path)) as project:
        ids = [d.id for d in project.documents()]
        started, cpu = time.perf_counter(), time.process_time()
        project.index_documents(ids)
        seconds = time.perf_counter() - started
        print(f"(building the index: {time.process_time() - cpu:.1f} s of CPU time)")
    return size_mb, index_mb, seconds


class WrongHits(RuntimeError):
    """The stored index and the reference path disagree on a query's hits."""


def measure(path: Path, mode: str, repeat: int) -> dict[str, float]:
    """One mode's figures, each first query in a fresh process (see the docstring)."""
    queries = QUERIES[mode]
    run = _run_child(path, mode, repeat, True)
    before = _run_child(path, mode, 0, False)
    if run["first_hits"] != before["first_hits"]:
        raise WrongHits(
            f"{mode} {queries[0]!r}: {run['first_hits']} hits with the stored index, "
            f"{before['first_hits']} without"
        )
    times = [float(x) for x in run["times"]]  # type: ignore[attr-defined]
    return {
        "first": float(run["first_ms"]),  # type: ignore[arg-type]
        "first_cpu": float(run["first_cpu_ms"]),  # type: ignore[arg-type]
        "hits": float(run["first_hits"]),  # type: ignore[arg-type]
        "reference": float(before["first_ms"]),  # type: ignore[arg-type]
        "python": float(run["import_ms"]),  # type: ignore[arg-type]
        "opening": float(run["open_ms"]),  # type: ignore[arg-type]
        "median": statistics.median(times) if times else float("nan"),
        "max": max(times) if times else float("nan"),
        "following": float(len(times)),
        "wall": _cli_wall(path, mode, queries[0]),
    }


def run(quick: bool) -> list[Figure]:
    """Every mode on 1M words; quick: exact, lemma and fuzzy on 20,000 words."""
    words = 20_000 if quick else 1_000_000
    modes = list(GOALS) if quick else list(QUERIES)
    size = f"{words:,} words"
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "search.db"
        imported = build(path, words)
        print(f"corpus of {size} imported in {imported:.1f} s; load {_load()}", flush=True)
        size_mb, index_mb, seconds = index_cost(path)
        for mode in modes:
            m = measure(path, mode, 1 if quick else 3)
            query = QUERIES[mode][0]
            print(f"{mode}: {m}", flush=True)
            figures += [
                Figure(
                    f"{mode}: first query of a process, {size}",
                    m["first"],
                    "ms",
                    goal=GOALS.get(mode),
                    baseline="the same query without the stored index",
                    baseline_value=m["reference"],
                    note=f"{query!r}, {m['hits']:.0f} hits (as many without the index); "
                    f"CPU {m['first_cpu']:.0f} ms; load {_load()}",
                ),
                Figure(
                    f"{mode}: following queries of the process, median, {size}",
                    m["median"],
                    "ms",
                    note=f"max {m['max']:.1f} ms over {m['following']:.0f}",
                ),
                Figure(
                    f"{mode}: `codage search` start to exit, {size}",
                    m["wall"],
                    "ms",
                    note=f"importing codage {m['python']:.0f} ms, opening the project "
                    f"{m['opening']:.0f} ms (in the first query's process)",
                ),
            ]
    figures += [
        Figure(
            f"stored index's share of the project file, {size}",
            index_mb,
            "MB",
            baseline="the whole project file",
            baseline_value=size_mb,
        ),
        Figure(f"building the stored index for every document, {size}", seconds, "s"),
    ]
    return figures


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--project", type=Path, help="Reuse (or build once) this project.")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--modes", default=",".join(QUERIES))
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        path, mode, repeat, stored = args.child
        child(path, mode, int(repeat), stored == "1")
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = args.project or Path(tmp) / "search.db"
        if not path.exists():
            seconds = build(path, args.words)
            print(f"corpus imported (stored index included) in {seconds:.1f} s")
        print(f"load average at start  {_load()}")
        size_mb, index_mb, seconds = index_cost(path)
        print(
            f"project {size_mb:.1f} MB, of which the stored index {index_mb:.1f} MB; "
            f"building it for every document: {seconds:.1f} s"
        )
        for mode in args.modes.split(","):
            m = measure(path, mode, args.repeat)
            first = m["first"]
            goal = GOALS.get(mode)
            verdict = (
                "" if goal is None else f" goal < {goal} ms: {'met' if first < goal else 'MISSED'}"
            )
            print(
                f"{mode:6s} first query of a process {first:6.0f} ms ({m['hits']:.0f} hits)"
                f"{verdict}\n"
                f"       of which CPU time          {m['first_cpu']:6.0f} ms (what a busy "
                "machine does not inflate)\n"
                f"       without the stored index   {m['reference']:6.0f} ms\n"
                f"       following queries          median {m['median']:6.1f} ms, "
                f"max {m['max']:6.1f} ms over {m['following']:.0f}\n"
                f"       `codage search` wall time  {m['wall']:6.0f} ms "
                f"(of a process: importing codage {m['python']:.0f} ms, opening "
                f"{m['opening']:.0f} ms)"
            )
        print(f"load average at end    {_load()}")


if __name__ == "__main__":
    main()
