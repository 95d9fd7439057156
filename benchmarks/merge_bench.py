"""Merge three coders' projects into one (goal: 3 × 200,000 codings in at most 10 s).

Each coder's project holds the same 20 documents of about 20,000 characters
and 50 codes; the third coder worked on a corrected copy of two documents, so
that part of the merge goes through alignment and re-anchoring.

    .venv/bin/python benchmarks/merge_bench.py [--codings N] [--keep DIR]

Prints the time of the merge, its counts and a second merge of the same
sources (which must add nothing). The projects live in a temporary folder removed at
the end, unless ``--keep DIR`` names a folder to keep them in. Not a test: figures only.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.report import Figure
from codage.analysis.merge import merge_projects, summary_rows
from codage.domain import CodingImport, NewDocument, Unit
from codage.store.project import Project

WORDS = (
    "agent",
    "intranet",
    "messagerie",
    "télétravail",
    "logiciel",
    "service",
    "mairie",
    "direction",
    "formation",
    "usager",
    "dématérialisation",
    "outil",
    "réunion",
    "cybersécurité",
    "données",
    "poste",
    "équipe",
    "procédure",
    "courrier",
    "tableau",
    "application",
    "signature",
    "plateforme",
)
N_DOCS = 20
N_CODES = 50
DOC_CHARS = 20_000


def _text(rng: random.Random) -> str:
    paragraphs, size = [], 0
    while size < DOC_CHARS:
        sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20))).capitalize()
        paragraph = f"{sentence}. {sentence[::-1].lower()}."
        paragraphs.append(paragraph)
        size += len(paragraph) + 2
    return "\n\n".join(paragraphs)


def _corrected(text: str, rng: random.Random) -> str:
    # A transcriber's corrections: a few insertions and deletions here and there.
    chars = list(text)
    for _ in range(40):
        at = rng.randrange(len(chars))
        if rng.random() < 0.5:
            chars[at:at] = list(" [inaudible]")
        else:
            del chars[at : at + rng.randint(1, 6)]
    return "".join(chars)


def _paragraphs(text: str) -> list[Unit]:
    units, pos = [], 0
    for block in text.split("\n\n"):
        start = text.index(block, pos)
        units.append(Unit("paragraph", start, start + len(block)))
        pos = start + len(block)
    return units


def build(path: Path, coder: str, texts: list[str], n_codings: int, seed: int) -> Project:
    rng = random.Random(seed)
    path.unlink(missing_ok=True)
    project = Project.open(str(path))
    with project.batch():
        docs = [
            project.add_document(NewDocument(f"doc-{i:02d}", "interview", t, _paragraphs(t)))
            for i, t in enumerate(texts)
        ]
        parents = [project.create_code(f"Thème {p}", coder=coder) for p in range(5)]
        codes = [
            project.create_code(
                f"Code {c}", parent_id=parents[c % 5].id, coder=coder, description=f"def {c}"
            )
            for c in range(N_CODES - 5)
        ] + parents
        records = []
        seen = set()
        while len(records) < n_codings:
            doc = rng.choice(docs)
            start = rng.randrange(doc.length - 400)
            end = start + rng.randint(20, 400)
            key = (doc.id, rng.choice(codes).id, start, end)
            if key in seen:
                continue
            seen.add(key)
            records.append(CodingImport(key[0], key[1], coder, start, end))
        project.import_codings(records, actor=coder)
    return project


def measure(codings: int, keep: Path | None = None) -> dict[str, float]:
    """Build three coders' projects, merge them, merge again; the projects are removed
    afterwards unless ``keep`` names a folder for them."""
    rng = random.Random(7)
    texts = [_text(rng) for _ in range(N_DOCS)]
    corrected = list(texts)
    corrected[0] = _corrected(texts[0], rng)
    corrected[1] = _corrected(texts[1], rng)
    with tempfile.TemporaryDirectory(prefix="codage-merge-bench-") as tmp:
        folder = keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        sources = [
            build(folder / "coder-a.db", "A", texts, codings, 1),
            build(folder / "coder-b.db", "B", texts, codings, 2),
            build(folder / "coder-c.db", "C", corrected, codings, 3),
        ]
        built = time.perf_counter() - t0
        target_path = folder / "team.db"
        target_path.unlink(missing_ok=True)
        target = Project.open(str(target_path))
        try:
            t0 = time.perf_counter()
            report = merge_projects(target, sources, coder="lead")
            elapsed = time.perf_counter() - t0
            rows = summary_rows(report)
            t0 = time.perf_counter()
            again = merge_projects(target, sources, coder="lead")
            elapsed2 = time.perf_counter() - t0
        finally:
            for project in (*sources, target):
                project.close()
    return {
        "built": built,
        "merge": elapsed,
        "added": sum(s.codings_added for s in report.sources),
        "again": elapsed2,
        "added_again": sum(s.codings_added for s in again.sources),
        "rows": rows,  # type: ignore[dict-item]
    }


def run(quick: bool) -> list[Figure]:
    """3 × 5,000 codings quick; 3 × 200,000 (the goal's size) full."""
    codings = 5000 if quick else 200_000
    m = measure(codings)
    return [
        Figure(
            f"merge of 3 × {codings:,} codings",
            m["merge"],
            "s",
            goal=10.0 if codings >= 200_000 else None,
            issue_goal="merge-600k" if codings >= 200_000 else "",
            note=f"{m['added']:,.0f} codings added; {m['added'] / m['merge']:,.0f} per second",
        ),
        Figure(
            "merge again, same sources",
            m["again"],
            "s",
            note=f"{m['added_again']:.0f} codings added (must be 0)",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--codings", type=int, default=200_000)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()
    m = measure(args.codings, args.keep)
    print(f"built 3 projects of {args.codings} codings in {m['built']:.1f} s")
    print(f"merge: {m['merge']:.2f} s for {3 * args.codings} codings (goal ≤ 10 s at 200,000)")
    print(f"  {m['added'] / m['merge']:,.0f} codings per second")
    for row in m["rows"]:  # type: ignore[attr-defined]
        print("  " + ", ".join(f"{k}={v}" for k, v in row.items() if k != "source"))
    print(f"merge again: {m['again']:.2f} s, {m['added_again']:.0f} codings added (must be 0)")
    if args.keep is not None:
        print(f"(projects kept in {args.keep})")


if __name__ == "__main__":
    main()
