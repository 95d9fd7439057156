"""Search speed on the one-million-word corpus of the import benchmark.

Builds the corpus with ``import_bench.make_corpus`` and imports it into a SQLite project
(or reuses one given with ``--project``), then times each mode of the corpus search
(exact, words, lemma, regex, fuzzy): the first query of the process, which reads the
corpus into the search's in-memory index (and, for lemma and fuzzy, builds their part of
it), apart from the following ones (median of ``--repeat`` runs of several queries).

    .venv/bin/python benchmarks/search_bench.py [--words 1000000] [--project bench.db]

Not a test: it prints figures. Goals: exact and lemma under 200 ms, fuzzy under 2 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_bench import make_corpus

from codage.ingest import import_files
from codage.ingest.nlp import query_lemmas
from codage.services.search import search_corpus
from codage.services.search.index import _CACHE
from codage.store.project import Project

QUERIES = {
    "exact": ["intranet", "rançongiciel", "télétravail", "la direction"],
    "words": ["intranet agents", "logiciel métier", "sécurité formation"],
    "lemma": ["dématérialiser", "intranets", "former", "agent"],
    "regex": [r"\b20\d\d\b", r"intran\w+", r"(?:télé)?travail"],
    "fuzzy": ["rançongicel", "dématérialisation", "messagerie"],
}
GOALS = {"exact": 200, "lemma": 200, "fuzzy": 2000}


def build(path: Path, words: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        files = make_corpus(Path(tmp), words)
        with Project.open(str(path)) as project:
            report = import_files(project, files)
            assert report.ok, [f.message for f in report.failed]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--project", type=Path, help="Reuse (or build once) this project.")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.project or Path(tmp) / "search.db"
        if not path.exists():
            started = time.perf_counter()
            build(path, args.words)
            print(f"corpus built and imported in {time.perf_counter() - started:.1f} s")
        query_lemmas("échauffement")  # the model's load is not the search's
        print(f"load average at start  {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        with Project.open(str(path), create=False) as project:
            words = sum(d.words for d in project.documents())
            print(f"documents {len(project.documents())}, words {words}")
            _CACHE.clear()
            started = time.perf_counter()
            search_corpus(project, "intranet")
            print(
                f"first query (reads the corpus)  {1000 * (time.perf_counter() - started):8.0f} ms"
            )
            for mode, queries in QUERIES.items():
                lemmatize = query_lemmas if mode == "lemma" else None
                started = time.perf_counter()
                first = search_corpus(project, queries[0], mode, lemmatize=lemmatize)
                first_ms = 1000 * (time.perf_counter() - started)
                times = []
                hits = []
                for _ in range(args.repeat):
                    for query in queries:
                        started = time.perf_counter()
                        result = search_corpus(project, query, mode, lemmatize=lemmatize)
                        times.append(1000 * (time.perf_counter() - started))
                        hits.append(result.total)
                median = statistics.median(times)
                goal = GOALS.get(mode)
                verdict = (
                    ""
                    if goal is None
                    else f"  goal < {goal} ms: {'met' if median < goal else 'MISSED'}"
                )
                print(
                    f"{mode:6s} first {first_ms:8.0f} ms ({first.total} hits)  "
                    f"then median {median:7.1f} ms, max {max(times):7.1f} ms "
                    f"over {len(times)} queries ({min(hits)}-{max(hits)} hits){verdict}"
                )
        print(f"load average at end    {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
