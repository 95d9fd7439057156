"""Import codebooks of growing size: the cost per code must stay flat (linear import).

    .venv/bin/python benchmarks/codebook_bench.py [--sizes 1000,10000,100000]

Each codebook has themes of 100 codes (one theme, 99 sub-codes). For each size
it prints the parse time, the import time into a new SQLite project and the
time per thousand codes; the last line is the ratio of the largest size's
per-code cost to the smallest's (1.0 is perfectly linear). Not a test.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.report import Figure
from codage.codebook import parse_codebook
from codage.services import Project, import_codebook


def codebook_text(size: int) -> str:
    lines = ["name: bench", "codes:"]
    for i in range(max(1, size // 100)):
        lines += [f"  - name: thème {i}", f"    definition: définition {i}", "    codes:"]
        lines += [f"      - name: sous-code {i}.{j}" for j in range(99)]
    return "\n".join(lines)


def measure(sizes: list[int]) -> list[tuple[int, float, float]]:
    """(codes, parse seconds, import seconds) for codebooks of each size."""
    rows: list[tuple[int, float, float]] = []
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            text = codebook_text(size)
            began = time.perf_counter()
            book = parse_codebook(text, "bench.yaml")
            parsed = time.perf_counter() - began
            with Project.open(str(Path(folder) / f"p{size}.db")) as project:
                began = time.perf_counter()
                report = import_codebook(project, book, coder="bench")
                imported = time.perf_counter() - began
            rows.append((len(report.added), parsed, imported))
    return rows


def run(quick: bool) -> list[Figure]:
    """Per-1,000-code cost at the smallest and largest size, and their ratio (linearity)."""
    rows = measure([1000, 10_000] if quick else [1000, 10_000, 100_000])
    (small, *_), (large, *_) = rows[0], rows[-1]
    per = [1000 * (p + i) / n for n, p, i in rows]
    return [
        Figure(f"{small:,} codes, per 1,000 codes", per[0], "s"),
        Figure(
            f"{large:,} codes, per 1,000 codes",
            per[-1],
            "s",
            goal=1.5,
            goal_on="ratio",
            baseline=f"per 1,000 codes at {small:,} codes",
            baseline_value=per[0],
            note="linear import: the cost per code stays flat",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    args = parser.parse_args()
    rows = measure([int(s) for s in args.sizes.split(",")])
    for codes, parsed, imported in rows:
        total = parsed + imported
        print(
            f"{codes:>7} codes: parse {parsed:6.2f} s, import {imported:6.2f} s, "
            f"{1000 * total / codes:6.3f} s per 1,000 codes"
        )
    if len(rows) > 1:
        (n0, p0, i0), (n1, p1, i1) = rows[0], rows[-1]
        print(f"per-code cost, largest / smallest: {((p1 + i1) / n1) / ((p0 + i0) / n0):.2f}")


if __name__ == "__main__":
    main()
