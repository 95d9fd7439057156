"""Quotation dossier export, timed against python-docx opening and saving the same dossier.

The floor is what python-docx alone needs to handle the finished dossier: opening the
.docx codage wrote and saving it again (parsing and serialising the same XML). No writer
of that document through python-docx can go below it. The export runs in a fresh process,
database reads included, so that its peak memory is its own: the figure is the peak
resident memory during the export minus the memory the process held just before it.
Both sides are timed in processor seconds (and in wall seconds, shown beside): on a
machine shared with others, wall time measures the others.

Run: ``.venv/bin/python benchmarks/export_bench.py [--extracts 10000,100000] [--keep DIR]``
(``--keep`` builds each project once in DIR and measures it again on later runs).

Goals (issue 19): 10,000 extracts within 3× the floor; 100,000 extracts in 10 s under
500 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import docx  # noqa: E402

from benchmarks.report import Figure, own_peak_mb  # noqa: E402
from codage.domain import NewDocument, Unit  # noqa: E402
from codage.services import Project  # noqa: E402

WORDS = """agents intranet messagerie télétravail formation réseau sécurité logiciel
direction service usagers collectivité numérique outil changement équipe""".split()  # noqa: SIM905


def build(path: Path, extracts: int, seed: int = 5) -> Project:
    """Documents of speaker turns, ten codes, ``extracts`` codings on distinct turns."""
    rng = random.Random(seed)
    project = Project.open(str(path))
    parents = [project.create_code(f"Thème {i}", coder="bench") for i in range(3)]
    codes = [
        project.create_code(
            f"Code {i}",
            parent_id=parents[i % 3].id,
            coder="bench",
            description=f"Définition du code {i}.",
        )
        for i in range(9)
    ]
    turns_per_doc = 500
    documents = (extracts + turns_per_doc - 1) // turns_per_doc
    planned: list[tuple[int, int, int, int]] = []
    for d in range(documents):
        parts, units, pos = [], [], 0
        for turn in range(turns_per_doc):
            speaker = "ENQ" if turn % 2 == 0 else f"Agent {d}"
            body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 40))).capitalize()
            text = f"{speaker} : {body}."
            units.append(Unit("turn", pos, pos + len(text), speaker=speaker, timestamp=12.0 * turn))
            parts.append(text)
            pos += len(text) + 2
        doc = project.add_document(
            NewDocument(
                f"entretien-{d:03d}",
                "interview",
                "\n\n".join(parts),
                units,
                case=f"DSI-{d:03d}",
                cases={f"DSI-{d:03d}": {"type": rng.choice(["Région", "Commune"]), "n": d}},
            )
        )
        for unit in units:
            if len(planned) >= extracts:
                break
            start = unit.start + len(unit.speaker or "") + 3
            planned.append((doc.id, rng.choice(codes).id, start, unit.end))
    for coder, share in (("alice", planned), ("bob", planned[: len(planned) // 5])):
        project.add_codings(share, coder=coder)
    return project


def _rss_mb() -> float:
    """Resident memory now, in MB (Linux /proc; 0 where it cannot be read)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def child(location: Path, out: Path) -> dict[str, float]:
    """In a fresh process: export the dossier of ``location`` and measure it."""
    from codage.exchange.docx_report import export_dossier
    from codage.services.selection import stream_for_dossier
    from codage.services.selection_dossier import DossierRows

    project = Project.open(str(location))
    before = _rss_mb()
    began, cpu = time.perf_counter(), time.process_time()
    # the plain rows, as `codage export docx` reads them
    report = export_dossier(stream_for_dossier(project, context=1, plain=True), out)
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    peak = own_peak_mb()  # not the parent's, which built the project
    # the writer alone: the same rows read first into lists, then written (what the
    # writers in exchange/ cost, apart from the reads in services/)
    stream = stream_for_dossier(project, context=1, plain=True)
    assert stream.dossier is not None
    read = replace(stream, dossier=DossierRows(iter(list(stream.dossier.batches))))
    writing = time.process_time()
    export_dossier(read, out.with_name("again-" + out.name))
    writing = time.process_time() - writing
    project.close()
    return {
        "writer_cpu": writing,
        "seconds": seconds,
        "cpu": cpu,
        "memory_mb": peak - before,
        "peak_mb": peak,
        "extracts": report.extracts,
    }


def floor(dossier: Path, again: Path) -> tuple[float, float]:
    """python-docx alone opening the finished dossier and saving it: the best of three,
    in wall seconds and in processor seconds (what counts on a shared machine)."""
    times, cpus = [], []
    for _ in range(3):
        began, cpu = time.perf_counter(), time.process_time()
        docx.Document(str(dossier)).save(str(again))
        times.append(time.perf_counter() - began)
        cpus.append(time.process_time() - cpu)
    return min(times), min(cpus)


def measure(extracts: int, keep: Path | None = None) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="codage-export-bench-") as tmp:
        root = Path(tmp)
        location = root / "bench.db"
        if keep is not None:
            # the project built once and kept, for measuring again without building
            location = keep / f"export-bench-{extracts}.db"
            if not location.exists():
                keep.mkdir(parents=True, exist_ok=True)
                build(location, extracts).close()
        else:
            build(location, extracts).close()
        out = root / "dossier.docx"
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(location), "--out", str(out)],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        if done.returncode != 0:
            raise RuntimeError(f"export failed: {done.stderr.strip().splitlines()[-1:]}")
        m = json.loads(done.stdout.strip().splitlines()[-1])
        m["floor"], m["floor_cpu"] = floor(out, root / "again.docx")
        m["paragraphs"] = len(docx.Document(str(out)).paragraphs)
    return m


def figures(extracts: int, m: dict[str, float]) -> list[Figure]:
    size = f"{extracts:,} extracts"
    made = [
        Figure(
            f"dossier of {size}, processor time",
            m["cpu"],
            "s",
            goal=3.0,
            goal_on="ratio",
            baseline="python-docx opening and saving the finished dossier (processor time)",
            baseline_value=m["floor_cpu"],
            note=f"{int(m['paragraphs']):,} paragraphs; database reads included; "
            f"wall {m['seconds']:.2f} s against {m['floor']:.2f} s",
            issue_goal="dossier-10k" if extracts == 10_000 else "",
        ),
        Figure(
            f"peak memory of the export, {size}",
            m["memory_mb"],
            "MB",
            goal=500 if extracts >= 100_000 else None,
            issue_goal="dossier-100k" if extracts >= 100_000 else "",
        ),
    ]
    made.append(
        Figure(
            f"dossier of {size}, the writer alone, processor time",
            m["writer_cpu"],
            "s",
            baseline="python-docx opening and saving the finished dossier (processor time)",
            baseline_value=m["floor_cpu"],
            note="records read into lists first: the database reads left out",
        )
    )
    if extracts >= 100_000:
        made[0] = replace(made[0], goal=10.0, goal_on="value", issue_goal="dossier-100k")
    return made


def run(quick: bool) -> list[Figure]:
    """1,000 extracts quick; 10,000 and 100,000 full."""
    sizes = [1000] if quick else [10_000, 100_000]
    return [f for n in sizes for f in figures(n, measure(n))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extracts", default="10000,100000")
    parser.add_argument("--keep", type=Path, help="build the projects once, in this folder")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.out)))
        return
    for n in (int(x) for x in args.extracts.split(",")):
        m = measure(n, args.keep)
        print(f"{n:,} extracts, {int(m['paragraphs']):,} paragraphs (wall / processor seconds)")
        print(f"  export_dossier (reads included): {m['seconds']:.2f} s / {m['cpu']:.2f} s")
        print(f"  python-docx open and save:       {m['floor']:.2f} s / {m['floor_cpu']:.2f} s")
        print(f"  the writer alone (rows read first):        {m['writer_cpu']:.2f} s")
        print(f"  ratio, processor time: {m['cpu'] / m['floor_cpu']:.2f} (goal: at most 3)")
        print(f"  ratio, wall time:      {m['seconds'] / m['floor']:.2f}")
        print(f"  peak memory of the export alone: {m['memory_mb']:.0f} MB")
        print(f"  peak memory of the process:      {m['peak_mb']:.0f} MB")
        print(f"  load: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
