"""Import speed: codage's import against a bare ``nlp.pipe`` over the same texts.

Generates a corpus of interview transcripts from the demo material (varied by
shuffling turns and numbering speakers), imports it into a fresh SQLite project
and reports import time, words per second, peak memory (ru_maxrss) and the ratio
to a bare ``nlp.pipe`` with the same lean pipeline over the same turn texts.

    .venv/bin/python benchmarks/import_bench.py [--words 1000000] [--processes 1]

Not a test: it prints figures; the goals are an overhead of at most 15 % over the
bare pipeline, peak memory under 1.5 GB and the demo table in under 5 s.
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
from pathlib import Path

from codage.ingest import import_files, read_file
from codage.ingest.nlp import chunks, load_nlp
from codage.store.project import Project

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "transcripts"


def make_corpus(folder: Path, words: int, seed: int = 7) -> list[Path]:
    """Write varied copies of the demo interviews until ``words`` words are written."""
    rng = random.Random(seed)
    paragraphs: list[str] = []
    for path in sorted(DEMO.glob("entretien-*.txt")):
        text = path.read_bytes().decode("utf-8", errors="replace")
        paragraphs.extend(p for p in text.split("\n\n") if p.strip())
    files: list[Path] = []
    total = 0
    n = 0
    while total < words:
        n += 1
        rng.shuffle(paragraphs)
        body = "\n\n".join(paragraphs[:120]) + f"\n\nE : Fin de l'entretien {n}.\n"
        path = folder / f"entretien-{n:04d}.txt"
        path.write_text(body, encoding="utf-8")
        files.append(path)
        total += len(body.split())
    return files


def cold_lemmas(nlp: object) -> None:
    """Empty codage's memo of French lemmas (see codage.ingest.nlp)."""
    memo = getattr(nlp.get_pipe("lemmatizer"), "lemmatize", None)  # type: ignore[attr-defined]
    cache = getattr(memo, "_cache", None)
    if isinstance(cache, dict):
        cache.clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--processes", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    nlp = load_nlp()
    print(f"model load            {time.perf_counter() - started:8.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = make_corpus(folder, args.words)
        texts = []
        for path in files:
            (doc,) = read_file(path)
            texts.extend(doc.text[s:e] for s, e, _ in chunks(doc))
        words = sum(len(p.read_text(encoding="utf-8").split()) for p in files)
        cold_lemmas(nlp)
        started = time.perf_counter()
        for _ in nlp.pipe(texts, batch_size=256, n_process=args.processes):
            pass
        bare = time.perf_counter() - started
        project = Project.open(str(folder / "bench.db"))
        # Both runs start with an empty lemma memo, or the second would profit from the first.
        cold_lemmas(nlp)
        started = time.perf_counter()
        report = import_files(project, files, n_process=args.processes)
        full = time.perf_counter() - started
        assert report.ok, [f.message for f in report.failed]
        project.close()
        cold_lemmas(nlp)
        table_started = time.perf_counter()
        table_project = Project.open(str(folder / "table.db"))
        import_files(table_project, [DEMO / "commentaires-agents.csv"])
        table = time.perf_counter() - table_started
        table_project.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"files                 {len(files):8d}")
    print(f"words                 {words:8d}")
    print(f"bare nlp.pipe         {bare:8.2f} s  {words / bare:10.0f} words/s")
    print(f"codage import         {full:8.2f} s  {words / full:10.0f} words/s")
    print(f"overhead              {100 * (full / bare - 1):8.1f} %  (goal <= 15 %)")
    print(f"peak memory           {peak:8.0f} MB (goal < 1536 MB)")
    print(f"demo table import     {table:8.2f} s  (goal < 5 s)")


if __name__ == "__main__":
    main()
