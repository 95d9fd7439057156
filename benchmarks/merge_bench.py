"""Merge three coders' projects into one (goal: 3 × 200,000 codings in at most 10 s).

Each coder's project holds the same 20 documents of about 20,000 characters
and 50 codes; the third coder worked on a corrected copy of two documents, so
that part of the merge goes through alignment and re-anchoring.

    .venv/bin/python benchmarks/merge_bench.py [--codings N] [--keep DIR]

Prints the processor time (user + system), wall time and peak memory of the merge, run
as ``codage merge`` in a process of its own, its counts, and the same for a second merge
of the same sources (which must add nothing). The projects live in a temporary folder
removed at the end, unless ``--keep DIR`` names a folder to keep them in (and to use
them again from). Not a test: figures only.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.report import Figure, measured_argv, read_measured  # noqa: E402
from codage.domain import CodingImport, NewDocument, Unit  # noqa: E402
from codage.store.project import Project  # noqa: E402

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


def _merge_child(target: Path, sources: list[Path]) -> tuple[float, float, float, dict]:
    """``codage merge --json`` in a process of its own, as a person runs it: wall seconds,
    processor seconds (user + system), peak memory in MB (the merge's own ``ru_maxrss``,
    measured by a small intermediate process) and the report."""
    env = {**os.environ, "CODAGE_LANG": "en", "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-m", "codage", "merge", str(target), *map(str, sources)]
    argv += ["--coder", "lead", "--json"]
    began = time.perf_counter()
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.TemporaryDirectory() as tmp,
    ):
        # through a small process: the merge's own peak, not this builder's (own_peak_mb)
        usage_file = str(Path(tmp) / "usage")
        proc = subprocess.Popen(
            measured_argv(argv, usage_file), stdout=out, stderr=err, env=env, cwd=ROOT
        )
        status = proc.wait()
        elapsed = time.perf_counter() - began
        out.seek(0)
        err.seek(0)
        if status != 0:
            raise SystemExit(f"merge failed: {err.read().decode('utf-8', 'replace')[-2000:]}")
        report = json.loads(out.read().decode("utf-8"))
        cpu, peak = read_measured(usage_file)
    return elapsed, cpu, peak, report


def measure(codings: int, keep: Path | None = None) -> dict[str, Any]:
    """Build three coders' projects, merge them, merge again, each merge in a process of
    its own; the projects are removed afterwards unless ``keep`` names a folder for them
    (where projects already built for the same size are used again)."""
    rng = random.Random(7)
    texts = [_text(rng) for _ in range(N_DOCS)]
    corrected = list(texts)
    corrected[0] = _corrected(texts[0], rng)
    corrected[1] = _corrected(texts[1], rng)
    with tempfile.TemporaryDirectory(prefix="codage-merge-bench-") as tmp:
        folder = keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        paths = [folder / f"coder-{name}-{codings}.db" for name in "abc"]
        plans = (("A", texts, 1), ("B", texts, 2), ("C", corrected, 3))
        for path, (coder, made, seed) in zip(paths, plans, strict=True):
            if not path.exists():
                build(path, coder, made, codings, seed).close()
        built = time.perf_counter() - t0
        target = folder / "team.db"
        for old in folder.glob("team.db*"):
            shutil.rmtree(old) if old.is_dir() else old.unlink()
        elapsed, cpu, peak, report = _merge_child(target, paths)
        elapsed2, cpu2, peak2, again = _merge_child(target, paths)
    return {
        "built": built,
        "merge": elapsed,
        "merge_cpu": cpu,
        "merge_mb": peak,
        "added": sum(s["codings_added"] for s in report["sources"]),
        "again": elapsed2,
        "again_cpu": cpu2,
        "again_mb": peak2,
        "added_again": sum(s["codings_added"] for s in again["sources"]),
        "rows": [
            {k: (len(v) if isinstance(v, list) else v) for k, v in s.items() if k != "source"}
            for s in report["sources"]
        ],
    }


def run(quick: bool) -> list[Figure]:
    """3 × 5,000 codings quick; 3 × 200,000 (the goal's size) full. The figure is the
    merge's processor time (user + system): on a shared machine wall time measures the
    neighbours."""
    codings = 5000 if quick else 200_000
    m = measure(codings)
    return [
        Figure(
            f"merge of 3 × {codings:,} codings (processor time)",
            m["merge_cpu"],
            "s",
            goal=10.0 if codings >= 200_000 else None,
            issue_goal="merge-600k" if codings >= 200_000 else "",
            note=(
                f"{m['added']:,.0f} codings added; {m['merge']:.1f} s wall, "
                f"peak {m['merge_mb']:.0f} MB"
            ),
        ),
        Figure(
            "merge again, same sources (processor time)",
            m["again_cpu"],
            "s",
            note=f"{m['added_again']:.0f} codings added (must be 0); peak {m['again_mb']:.0f} MB",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--codings", type=int, default=200_000)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()
    m = measure(args.codings, args.keep)
    print(f"built 3 projects of {args.codings} codings in {m['built']:.1f} s")
    print(
        f"merge: {m['merge_cpu']:.2f} s processor time ({m['merge']:.2f} s wall, peak "
        f"{m['merge_mb']:.0f} MB) for {3 * args.codings} codings (goal ≤ 10 s at 200,000)"
    )
    print(f"  {m['added'] / m['merge_cpu']:,.0f} codings per processor second")
    for row in m["rows"]:
        print("  " + ", ".join(f"{k}={v}" for k, v in row.items()))
    print(
        f"merge again: {m['again_cpu']:.2f} s processor time ({m['again']:.2f} s wall, peak "
        f"{m['again_mb']:.0f} MB), {m['added_again']:.0f} codings added (must be 0)"
    )
    if args.keep is not None:
        print(f"(projects kept in {args.keep})")


if __name__ == "__main__":
    main()
