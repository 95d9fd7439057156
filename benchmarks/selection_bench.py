"""The read side of the exports alone: a selection's records read without writing them.

Each export reads its records through ``codage.services.selection.stream_codings``
(tables) or ``stream_for_dossier`` (the Word dossier). This iterates those streams on a
generated project (``benchmarks.scale``) and reports processor seconds per 1,000 records
and peak memory, each read in a fresh process, against the read as it was before plain
rows (``tests/services/selection_before.py``, kept as the tests' reference) measured in
the same run. Processor time, not wall time: on a shared machine wall time measures the
others.

Run: ``.venv/bin/python -m benchmarks.selection_bench [--cache DIR] [--sizes 2M,10M]``
(``--cache`` reads the projects ``benchmarks.scale`` keeps there; without it the sizes
are built in a temporary folder).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.report import Figure, own_peak_mb  # noqa: E402

# what is read: (name, arguments of the stream)
READS = {
    "tables": {},
    "dossier": {"memos": True, "overlaps": True},
    "dossier, context 1": {"memos": True, "overlaps": True, "context": 1},
}


def child(location: str, read: str, before: bool) -> dict[str, float]:
    """In a fresh process: read every record of ``location`` and measure it."""
    from codage.services import Project
    from codage.services.selection import stream_codings

    stream = stream_codings
    if before:
        from tests.services.selection_before import stream_before

        stream = stream_before
    with Project.open(location, create=False) as project:
        cpu = time.process_time()
        records = sum(len(b.records) for b in stream(project, **READS[read]).batches)
        cpu = time.process_time() - cpu
    peak = own_peak_mb()  # not the parent's, which built the project
    return {"cpu": cpu, "records": records, "peak_mb": peak}


def measure(location: str, read: str, before: bool) -> dict[str, float]:
    argv = [sys.executable, __file__, "--child", location, "--read", read]
    done = subprocess.run(
        [*argv, "--before"] if before else argv, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr else "failed")
    result: dict[str, float] = json.loads(done.stdout)
    return result


def figures(size: str, location: str) -> list[Figure]:
    out: list[Figure] = []
    for read in READS:
        old = measure(location, read, before=True)
        new = measure(location, read, before=False)
        if old["records"] != new["records"]:
            raise RuntimeError(f"{read}: {new['records']} records, {old['records']} before")
        per = 1000 / max(new["records"], 1)
        out.append(
            Figure(
                f"{size}: {read}, processor time per 1,000 records",
                new["cpu"] * per * 1000,
                "ms",
                baseline="the read before plain rows, same run",
                baseline_value=old["cpu"] * per * 1000,
                note=f"{new['records']:,} records; {new['cpu']:.2f} s against {old['cpu']:.2f} s",
            )
        )
        out.append(
            Figure(
                f"{size}: {read}, peak memory",
                new["peak_mb"],
                "MB",
                baseline="the read before plain rows, same run",
                baseline_value=old["peak_mb"],
            )
        )
    return out


def run(quick: bool) -> list[Figure]:
    from benchmarks.scale import build

    size = "20k" if quick else "200k"
    with tempfile.TemporaryDirectory(prefix="codage-selection-bench-") as tmp:
        return figures(size, str(build(size, Path(tmp))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, help="where benchmarks.scale keeps its projects")
    parser.add_argument("--sizes", default="20k,200k")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--read", help=argparse.SUPPRESS)
    parser.add_argument("--before", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.read, args.before)))
        return
    from benchmarks.scale import build

    with tempfile.TemporaryDirectory(prefix="codage-selection-bench-") as tmp:
        for size in args.sizes.split(","):
            location = build(size, args.cache or Path(tmp))
            for f in figures(size, str(location)):
                ratio = f" ({f.ratio:.2f}x the read before)" if f.ratio is not None else ""
                print(f"{f.name}: {f.value:,.1f} {f.unit}{ratio}; {f.note}", flush=True)


if __name__ == "__main__":
    main()
