"""Code suggestions (issue 18): precision against two baselines, and their speed.

Leave-one-document-out on the demo project, and one suggestion on a project of a million
words.

For each document of the demo in turn, its codings are hidden; every unit it holds that
was coded (by either coder) is a question, its codes the answer. The suggestions are
built from the other documents' codings only. Reported: hit@1 (the first suggested code
is one of the unit's codes) and hit@3 (one of the first three is), which the issue calls
precision@1 and @3, against two baselines: the three most frequent codes of the other
documents, and the codes of the lexically nearest coded unit (rapidfuzz token-set ratio
on the folded texts). Both methods run: the fr_core_news_md vectors where installed,
and the TF-IDF fallback. Also timed: embedding the demo corpus (vectors computed and
stored), one suggestion, and, on the million-word corpus of import_bench.py (imported
with the real model, coded by the demo's keyword rules), building the index and one
suggestion.

    .venv/bin/python benchmarks/assist_bench.py [--demo PATH] [--words 1000000]
        [--million PATH] [--skip-million]

Not a test: it prints figures. Goals: suggestions beat both baselines; one suggestion
in under 100 ms on a million words.

``run(quick)`` (for ``python -m benchmarks``) gives the same figures, each hit@k against
each baseline: both methods, the demo and the million words in full; quick, the demo
only, with the TF-IDF fallback and the md vectors where installed. A suggestion list
that holds a code twice, or a leave-one-out without a single question, fails the run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.import_bench import make_corpus
from benchmarks.report import Figure
from codage import codebook
from codage.demo import CODEBOOK_FILE, CODERS, code_demo, ensure_demo
from codage.domain import fold
from codage.services import Project, import_codebook, open_project
from codage.services.assist import build_index, build_suggester, model_installed

ROOT = Path(__file__).resolve().parent.parent


def _questions(project: Project, index, document_id: int) -> dict[int, set[int]]:  # type: ignore[no-untyped-def]
    """Coded units of a document: unit index -> the codes on it (any coder)."""
    out: dict[int, set[int]] = {}
    for c in project.codings_bulk(document_ids=[document_id]):
        unit = index.locate(c.document_id, c.start, c.end)
        if unit is not None:
            out.setdefault(unit, set()).add(c.code_id)
    return out


def _first_codes(ranked: list[int], k: int) -> list[int]:
    seen: list[int] = []
    for code in ranked:
        if code not in seen:
            seen.append(code)
        if len(seen) == k:
            break
    return seen


class WrongSuggestions(RuntimeError):
    """The suggestions cannot be scored: nothing to ask, or a code suggested twice."""


def leave_one_out(project: Project, method: str) -> dict[str, float]:
    began = time.perf_counter()
    index = build_index(project, method)
    load = time.perf_counter() - began
    texts = {d.id: project.document(d.id).text for d in project.documents()}
    codings = project.codings_bulk()
    hits = Counter()
    questions = 0
    timings: list[float] = []
    for doc in project.documents():
        asked = _questions(project, index, doc.id)
        if not asked:
            continue
        suggester = build_suggester(project, index, exclude_documents=[doc.id])
        train = [c for c in codings if c.document_id != doc.id]
        frequent = [code for code, _ in Counter(c.code_id for c in train).most_common(3)]
        # the lexical baseline: coded units of the other documents, by their text
        coded_units: dict[int, list[int]] = {}
        for c in train:
            unit = index.locate(c.document_id, c.start, c.end)
            if unit is not None:
                coded_units.setdefault(unit, []).append(c.code_id)
        keys = list(coded_units)
        choices = [
            fold(texts[int(index.document_ids[u])][int(index.starts[u]) : int(index.ends[u])])
            for u in keys
        ]
        for unit, gold in asked.items():
            questions += 1
            t0 = time.perf_counter()
            found = suggester.suggest(
                index.query_unit(unit),
                document_id=doc.id,
                start=int(index.starts[unit]),
                end=int(index.ends[unit]),
                top=3,
            )
            timings.append(time.perf_counter() - t0)
            codes = [s.code_id for s in found]
            if len(codes) != len(set(codes)):
                raise WrongSuggestions(f"unit {unit}: a code suggested twice: {codes}")
            hits["s1"] += bool(codes[:1] and codes[0] in gold)
            hits["s3"] += bool(set(codes[:3]) & gold)
            hits["f1"] += frequent[0] in gold
            hits["f3"] += bool(set(frequent) & gold)
            query = fold(texts[doc.id][int(index.starts[unit]) : int(index.ends[unit])])
            near = process.extract(query, choices, scorer=fuzz.token_set_ratio, limit=10)
            lexical = _first_codes([c for _, _, i in near for c in coded_units[keys[i]]], 3)
            hits["l1"] += bool(lexical[:1] and lexical[0] in gold)
            hits["l3"] += bool(set(lexical) & gold)
    if not questions:
        raise WrongSuggestions("no coded unit to ask about: the demo holds no codings")
    return {
        "method": index.method.model,
        "questions": questions,
        "units": len(index),
        "load_s": load,
        **{k: v / max(questions, 1) for k, v in hits.items()},
        "suggest_ms_median": 1000 * statistics.median(timings),
        "suggest_ms_p95": 1000 * sorted(timings)[int(0.95 * (len(timings) - 1))],
    }


def embed_time(source: Path, method: str, folder: Path) -> tuple[float, int, int]:
    """Seconds to compute and store every unit's vectors of a fresh copy."""
    copy = folder / f"embed-{method}.db"
    shutil.copy(source, copy)
    project = open_project(str(copy))
    try:
        index = build_index(project, method)  # warm the model, then time a cold project
    finally:
        project.close()
    shutil.copy(source, copy)
    project = open_project(str(copy))
    try:
        t0 = time.perf_counter()
        index = build_index(project, method)
        return time.perf_counter() - t0, index.embedded, len(index)
    finally:
        project.close()


def build_million(path: Path, words: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        files = make_corpus(Path(tmp), words)
        from codage.ingest.service import import_files

        project = open_project(str(path))
        try:
            book = codebook.load_codebook(ROOT / "codebooks" / CODEBOOK_FILE)
            import_codebook(project, book, coder=CODERS[0])
            t0 = time.perf_counter()
            import_files(project, files)
            print(f"  imported {words:,} words in {time.perf_counter() - t0:.0f} s", flush=True)
            code_demo(project)
        finally:
            project.close()


def million(path: Path, method: str) -> dict[str, Any]:
    """Index and one suggestion on the million-word project: the figures, printed too."""
    project = open_project(str(path))
    try:
        words = sum(d.words for d in project.documents())
        t0 = time.perf_counter()
        index = build_index(project, method)
        first = time.perf_counter() - t0
        embedded = index.embedded
        t0 = time.perf_counter()
        index = build_index(project, method)
        again = time.perf_counter() - t0
        t0 = time.perf_counter()
        suggester = build_suggester(project, index)
        prepare = time.perf_counter() - t0
        doc = project.documents()[len(project.documents()) // 2]
        units = index.document_units(doc.id)[:50].tolist()
        timings = []
        for u in units:
            t0 = time.perf_counter()
            found = suggester.suggest(
                index.query_unit(u),
                document_id=doc.id,
                start=int(index.starts[u]),
                end=int(index.ends[u]),
                top=3,
            )
            timings.append(time.perf_counter() - t0)
            assert found is not None
        print(
            f"  {index.method.model:>22}: {words:,} words, {len(index):,} units, "
            f"{len(suggester.unit_codings):,} coded units; index built (embedded "
            f"{embedded:,}) {first:.1f} s, read back {again:.2f} s, suggester "
            f"{prepare:.2f} s; one suggestion median "
            f"{1000 * statistics.median(timings):.1f} ms, max {1000 * max(timings):.1f} ms",
            flush=True,
        )
        return {
            "method": index.method.model,
            "words": words,
            "units": len(index),
            "first_s": first,
            "again_s": again,
            "prepare_s": prepare,
            "median_ms": 1000 * statistics.median(timings),
            "max_ms": 1000 * max(timings),
        }
    finally:
        project.close()


def _demo_figures(r: dict[str, Any], embed_s: float, embedded: int) -> list[Figure]:
    """hit@1 and hit@3 of one method, each against both baselines, and its timings."""
    name = r["method"]
    out: list[Figure] = []
    for k in (1, 3):
        for key, baseline in (("f", "most frequent codes"), ("l", "lexically nearest unit")):
            out.append(
                Figure(
                    f"{name}: precision@{k} on the demo (leave one document out) vs {baseline}",
                    r[f"s{k}"],
                    "",
                    goal=1.0,
                    goal_on="ratio",
                    higher_is_better=True,
                    baseline=baseline,
                    baseline_value=r[f"{key}{k}"],
                    note=f"{r['questions']} coded units; goal: beat the baseline",
                )
            )
    out += [
        Figure(
            f"{name}: one suggestion on the demo, median",
            r["suggest_ms_median"],
            "ms",
            note=f"p95 {r['suggest_ms_p95']:.1f} ms; the 100 ms goal is for a million words",
        ),
        Figure(
            f"{name}: embedding the demo (vectors computed and stored)",
            embed_s,
            "s",
            note=f"{embedded:,} of {r['units']:,} units",
        ),
    ]
    return out


def run(quick: bool) -> list[Figure]:
    """The demo with both methods (quick too, where md is installed), and the million
    words in full only."""
    methods = (["vectors"] if model_installed() else []) + ["tfidf"]
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        demo = folder / "demo.db"
        ensure_demo(str(demo))
        for method in methods:
            seconds, embedded, _units = embed_time(demo, method, folder)
            copy = folder / f"loo-{method}.db"
            shutil.copy(demo, copy)
            project = open_project(str(copy))
            try:
                r = leave_one_out(project, method)
            finally:
                project.close()
            print(f"{method}: {r}", flush=True)
            figures += _demo_figures(r, seconds, embedded)
        if quick:
            return figures
        path = folder / "million.db"
        build_million(path, 1_000_000)
        for method in methods:
            m = million(path, method)
            figures += [
                Figure(
                    f"{m['method']}: one suggestion on {m['words']:,} words, median",
                    m["median_ms"],
                    "ms",
                    goal=100.0,
                    note=f"max {m['max_ms']:.1f} ms over 50 units; {m['units']:,} units",
                ),
                Figure(
                    f"{m['method']}: building the index of {m['words']:,} words",
                    m["first_s"],
                    "s",
                    note=f"read back {m['again_s']:.2f} s, suggester {m['prepare_s']:.2f} s",
                ),
            ]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--demo", type=Path, help="the demo project (built there if absent)")
    parser.add_argument("--million", type=Path, help="the 1M-word project (built if absent)")
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--skip-million", action="store_true")
    parser.add_argument("--skip-demo", action="store_true")
    args = parser.parse_args()
    methods = (["vectors"] if model_installed() else []) + ["tfidf"]
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if not args.skip_demo:
            demo = args.demo or folder / "demo.db"
            ensure_demo(str(demo))
            print("Demo, leave one document out (hit@k: a unit's code among the first k):")
            for method in methods:
                seconds, embedded, units = embed_time(demo, method, folder)
                print(
                    f"  embedding the demo ({method}): {embedded:,} of {units:,} units "
                    f"in {seconds:.2f} s",
                    flush=True,
                )
            for method in methods:
                copy = folder / f"loo-{method}.db"
                shutil.copy(demo, copy)
                project = open_project(str(copy))
                try:
                    r = leave_one_out(project, method)
                finally:
                    project.close()
                print(
                    f"  {r['method']:>22}: {r['questions']} coded units | suggestions "
                    f"@1 {r['s1']:.3f} @3 {r['s3']:.3f} | most frequent @1 {r['f1']:.3f} "
                    f"@3 {r['f3']:.3f} | lexically nearest @1 {r['l1']:.3f} @3 {r['l3']:.3f}"
                    f" | one suggestion median {r['suggest_ms_median']:.1f} ms, p95 "
                    f"{r['suggest_ms_p95']:.1f} ms",
                    flush=True,
                )
        if not args.skip_million:
            path = args.million or folder / "million.db"
            if not path.exists():
                build_million(path, args.words)
            print(f"A project of {args.words:,} words (import_bench's corpus):")
            for method in methods:
                million(path, method)


if __name__ == "__main__":
    main()
