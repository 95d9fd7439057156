"""Agreement: Krippendorff's alpha against the krippendorff package, on several shapes.

Run: ``.venv/bin/python benchmarks/agreement_bench.py``

1. Unit-level Krippendorff's alpha against ``krippendorff.alpha`` on the same array, on
   three shapes: large (3 coders × 100,000 units × 50 values, 10 % missing, where the
   package is slowest), small (2 coders × 200 units × 4 values) and binary
   (2 coders × 10,000 units × 2 values); all levels on the large shape.
2. ``unitized_alpha`` on 3 coders × 1,000,000 characters × 50 codes.
3. ``codage agreement`` as a user runs it, through a real project (goal: at most 2 s).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

import numpy as np

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent))

from benchmarks.report import Figure
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


SHAPES = {
    # name: (coders, units, values, missing share)
    "large": (3, 100_000, 50, 0.1),
    "small": (2, 200, 4, 0.0),
    "binary": (2, 10_000, 2, 0.05),
}


def shape_data(coders: int, units: int, values: int, missing: float) -> np.ndarray:
    """Coders who agree four times in five with a hidden truth, some values missing."""
    rng = np.random.default_rng(42)
    truth = rng.integers(1, values + 1, size=units)
    noise = rng.integers(1, values + 1, size=(coders, units))
    data = np.where(rng.random((coders, units)) < 0.8, truth, noise).astype(float)
    data[rng.random((coders, units)) < missing] = np.nan
    return data


def compare(data: np.ndarray, level: str, repeat: int) -> tuple[float, float | None]:
    """Best-of times (seconds) of codage and of the krippendorff package on ``data``."""
    ours, alpha = best_of(lambda: krippendorff_alpha(data, level), repeat)
    try:
        import krippendorff
    except ImportError:  # the test extra installs it; without it, no baseline
        return ours, None
    theirs, reference = best_of(
        lambda: krippendorff.alpha(reliability_data=data, level_of_measurement=level), repeat
    )
    if abs(float(alpha) - float(reference)) > 1e-9:  # type: ignore[arg-type]
        raise RuntimeError(f"alpha differs from the package's: {alpha} vs {reference}")
    return ours, theirs


def run(quick: bool) -> list[Figure]:
    """Every shape against the package; the project path at a smaller size when quick."""
    figures: list[Figure] = []
    for name, (m, n, v, missing) in SHAPES.items():
        if quick and name == "large":
            n = 2000  # the package takes seconds per call at this shape
        data = shape_data(m, n, v, missing)
        # small arrays: many repeats, or timer noise decides the ratio
        repeat = 200 if n <= 1000 else (1 if name == "large" else 5)
        for level in LEVELS if name == "large" else ("nominal",):
            ours, theirs = compare(data, level, repeat)
            figures.append(
                Figure(
                    f"alpha, {name} ({m}×{n:,}×{v}), {level}",
                    ours * 1000,
                    "ms",
                    goal=1.0,
                    goal_on="ratio",
                    baseline="krippendorff package, same array",
                    baseline_value=None if theirs is None else theirs * 1000,
                )
            )
    seconds = through_the_project(documents=10 if quick else 50, passages=1000 if quick else 8000)
    for unit, elapsed in seconds.items():
        figures.append(
            Figure(f"codage agreement, {unit} level, through a project", elapsed, "s", goal=2.0)
        )
    return figures


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


def through_the_project(documents: int = 50, passages: int = 8000) -> dict[str, float]:
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
            texts = [_text(rng) for _ in range(documents)]
            docs = [
                project.add_document(NewDocument(f"doc-{i:02d}", "interview", t, _paragraphs(t)))
                for i, t in enumerate(texts)
            ]
            codes = [project.create_code(f"Code {c}", coder="A") for c in range(50)]
            records: dict[tuple[int, int, str, int, int], CodingImport] = {}
            for _ in range(passages):
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
        seconds: dict[str, float] = {}
        for unit in ("character", "paragraph"):
            t0 = time.perf_counter()
            report = compute_agreement(project, unit=unit)
            elapsed = time.perf_counter() - t0
            overall = report.overall
            alpha = overall.u_alpha if unit == "character" else overall.krippendorff_alpha
            print(f"  {unit:9s} level: {elapsed:6.2f} s (goal <= 2 s)  overall α = {alpha}")
            seconds[unit] = elapsed
        project.close()
    return seconds


if __name__ == "__main__":
    through_the_project()
    print()
    unit_level()
    print()
    unitized(20, 400, 300, "passages of 20-400 characters")
    print()
    unitized(3, 40, 30, "dense: units of 3-40 characters")
    print()
    for name, shape in SHAPES.items():
        ours, theirs = compare(shape_data(*shape), "nominal", 200 if shape[1] <= 1000 else 5)
        vs = (
            "" if theirs is None else f" | krippendorff {theirs * 1000:.2f} ms ×{theirs / ours:.1f}"
        )
        print(f"{name:<7} {shape}: codage {ours * 1000:.2f} ms{vs}")
