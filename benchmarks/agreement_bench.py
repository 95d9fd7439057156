"""Benchmark of the pure agreement functions (prints figures; not a test).

Run: ``.venv/bin/python benchmarks/agreement_bench.py``

1. Unit-level Krippendorff's alpha on 3 coders × 100,000 units × 50 values
   (10 % missing), against ``krippendorff.alpha`` on the same array, all levels.
2. ``unitized_alpha`` on 3 coders × 1,000,000 characters × 50 codes.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

import numpy as np

from codage.analysis.agreement import LEVELS, krippendorff_alpha
from codage.analysis.unitizing import unitized_alpha


def best_of(fn: Callable[[], object], repeat: int = 5) -> tuple[float, object]:
    times = []
    result: object = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def unit_level() -> None:
    try:
        import krippendorff
    except ImportError:  # pragma: no cover - the test extra installs it
        krippendorff = None
    rng = np.random.default_rng(42)
    m, n, v = 3, 100_000, 50
    truth = rng.integers(1, v + 1, size=n)
    data = np.where(rng.random((m, n)) < 0.8, truth, rng.integers(1, v + 1, size=(m, n)))
    data = data.astype(float)
    data[rng.random((m, n)) < 0.1] = np.nan
    print(f"unit-level alpha: {m} coders × {n:,} units × {v} values, 10 % missing")
    for level in LEVELS:
        ours_t, ours = best_of(lambda level=level: krippendorff_alpha(data, level))
        line = f"  {level:<8} codage {ours_t * 1000:7.1f} ms  α = {ours:.6f}"
        if krippendorff is not None:
            theirs_t, theirs = best_of(
                lambda level=level: krippendorff.alpha(
                    reliability_data=data, level_of_measurement=level
                )
            )
            line += (
                f" | krippendorff {theirs_t * 1000:7.1f} ms  α = {theirs:.6f}"
                f" | speed-up ×{theirs_t / ours_t:.1f}"
            )
        print(line)
    # The nominal path with string labels goes through a dictionary, not numpy.
    labels = [[None if np.isnan(x) else f"code{int(x)}" for x in row] for row in data]
    t, a = best_of(lambda: krippendorff_alpha(labels), repeat=3)
    print(f"  nominal, string labels from Python lists: {t * 1000:.1f} ms  α = {a:.6f}")


def unitized(min_seg: int, max_seg: int, max_gap: int, label: str) -> None:
    rng = np.random.default_rng(7)
    length, n_codes = 1_000_000, 50
    # A reference unitization with segments of min_seg..max_seg characters
    # and gaps of 0..max_gap, which each coder follows with noise.
    ref = []
    pos = 0
    while pos < length:
        pos += int(rng.integers(0, max_gap))
        seg = int(rng.integers(min_seg, max_seg))
        if pos + seg > length:
            break
        ref.append((pos, pos + seg, int(rng.integers(0, n_codes))))
        pos += seg
    codings = []
    for coder in ("ann", "bob", "cyd"):
        for s, e, v in ref:
            if rng.random() < 0.1:
                continue  # missed
            jitter = max(1, (e - s) // 8)
            s2 = max(0, s + int(rng.integers(-jitter, jitter + 1)))
            e2 = min(length, max(s2 + 1, e + int(rng.integers(-jitter, jitter + 1))))
            value = v if rng.random() < 0.85 else int(rng.integers(0, n_codes))
            codings.append((coder, s2, e2, value))
            if rng.random() < 0.05:  # a second code on part of the passage
                codings.append((coder, s2, (s2 + e2) // 2, int(rng.integers(0, n_codes))))
    print(
        f"unitized alpha ({label}): 3 coders × {length:,} characters × {n_codes} codes, "
        f"{len(codings):,} codings"
    )
    times = []
    result = None
    for _ in range(5):
        t0 = time.perf_counter()
        result = unitized_alpha(length, codings)
        times.append(time.perf_counter() - t0)
    assert result is not None
    print(
        f"  time: best {min(times) * 1000:.0f} ms, median {statistics.median(times) * 1000:.0f} ms"
    )
    print(
        f"  uα = {result.u_alpha:.4f}  |uα = {result.binary_u_alpha:.4f}  "
        f"cuα = {result.cu_alpha:.4f}  overlap excluded = {result.overlap_length:,} chars"
    )
    per_value = [f.alpha for f in result.per_value.values()]
    print(f"  per-value |uα: min {min(per_value):.4f}, max {max(per_value):.4f}")


def through_the_project() -> None:
    """`codage agreement` as a user runs it: a real SQLite project, three coders,
    about one million characters in 50 documents, 50 codes; goal: at most 2 s."""
    import random
    import tempfile
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from merge_bench import _paragraphs, _text

    from codage.analysis.agreement_service import compute_agreement
    from codage.domain import CodingImport, NewDocument
    from codage.store.project import Project

    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as tmp:
        project = Project.open(str(Path(tmp) / "team.db"))
        with project.batch():
            texts = [_text(rng) for _ in range(50)]
            docs = [
                project.add_document(NewDocument(f"doc-{i:02d}", "interview", t, _paragraphs(t)))
                for i, t in enumerate(texts)
            ]
            codes = [project.create_code(f"Code {c}", coder="A") for c in range(50)]
            records: dict[tuple[int, int, str, int, int], CodingImport] = {}
            for _ in range(8000):
                doc = rng.choice(docs)
                start = rng.randrange(doc.length - 400)
                end = start + rng.randint(20, 400)
                code = rng.choice(codes).id
                for coder in ("A", "B", "C"):
                    if rng.random() < 0.15:
                        continue  # this coder missed it
                    s2 = max(0, start + rng.randint(-15, 15))
                    e2 = min(doc.length, max(s2 + 1, end + rng.randint(-15, 15)))
                    c2 = code if rng.random() < 0.85 else rng.choice(codes).id
                    records[(doc.id, c2, coder, s2, e2)] = CodingImport(doc.id, c2, coder, s2, e2)
            project.import_codings(list(records.values()), actor="A")
        total = sum(d.length for d in project.documents())
        print(
            f"through the project: 3 coders × {total:,} characters × 50 codes, "
            f"{len(records):,} codings"
        )
        for unit in ("character", "paragraph"):
            t0 = time.perf_counter()
            report = compute_agreement(project, unit=unit)
            elapsed = time.perf_counter() - t0
            overall = report.overall
            alpha = overall.u_alpha if unit == "character" else overall.krippendorff_alpha
            print(f"  {unit:9s} level: {elapsed:6.2f} s (goal <= 2 s)  overall α = {alpha}")
        project.close()


if __name__ == "__main__":
    through_the_project()
    print()
    unit_level()
    print()
    unitized(20, 400, 300, "passages of 20-400 characters")
    print()
    unitized(3, 40, 30, "dense: units of 3-40 characters")
