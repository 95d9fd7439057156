"""Quotation dossier of 10,000 extracts, timed against python-docx alone.

The reference writes exactly the paragraphs the dossier holds (same texts,
same styles, read back from the dossier) with ``Document.add_paragraph`` and
saves; both runs start from the same template with the dossier's styles. The
goal of issue 5: the dossier (database reads included) within 1.5 times the
reference, and peak memory under 1 GB.

Run: ``.venv/bin/python benchmarks/export_bench.py [--extracts 10000]``.
Prints figures; it is not a pass/fail test.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import docx

from codage.domain import NewDocument, Unit
from codage.exchange.docx_report import export_dossier
from codage.exchange.dossier_layout import add_styles
from codage.services import Project
from codage.services.selection import select_for_dossier

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


def reference(paragraphs: list[tuple[str, str]], out: Path, *, by_name: bool = False) -> float:
    """python-docx alone writing the same paragraphs with the same styles.

    By default the style objects are resolved once (the best plain use of
    python-docx); ``by_name`` passes style names, which python-docx looks up on
    every call, as most scripts do.
    """
    began = time.perf_counter()
    doc = docx.Document()
    add_styles(doc)
    styles = {name: doc.styles[name] for name in {s for s, _ in paragraphs}}
    for style, text in paragraphs:
        doc.add_paragraph(text, style=style if by_name else styles[style])
    doc.save(str(out))
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--extracts", type=int, default=10_000)
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python peaks")
    parser.add_argument(
        "--by-name", action="store_true", help="also time python-docx looking styles up by name"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        began = time.perf_counter()
        project = build(root / "bench.db", args.extracts)
        print(f"project built in {time.perf_counter() - began:.1f} s")
        if args.tracemalloc:
            tracemalloc.start()
        out = root / "dossier.docx"
        began = time.perf_counter()
        report = export_dossier(select_for_dossier(project, context=1), out)
        dossier = time.perf_counter() - began
        traced = tracemalloc.get_traced_memory()[1] if args.tracemalloc else None
        peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
        if args.tracemalloc:
            tracemalloc.stop()
        written = docx.Document(str(out))
        first = next(
            i for i, p in enumerate(written.paragraphs) if p.style.name.startswith("Heading")
        )
        paragraphs = [(p.style.name, p.text) for p in written.paragraphs[first:]]
        base = reference(paragraphs, root / "reference.docx")
        named = reference(paragraphs, root / "named.docx", by_name=True) if args.by_name else None
        project.close()
    print(
        f"dossier: {report.extracts} extracts ({report.codings} codings), "
        f"{len(paragraphs)} body paragraphs, context 1 sentence"
    )
    print(f"  export_dossier (reads included): {dossier:.2f} s")
    print(f"  python-docx alone, same paragraphs and styles: {base:.2f} s")
    print(f"  ratio: {dossier / base:.2f} (goal: at most 1.5)")
    if named is not None:
        print(f"  python-docx alone, styles by name: {named:.2f} s (ratio {dossier / named:.2f})")
    print(f"  peak RSS of the process: {peak_rss:.0f} MiB (goal: under 1024)")
    if traced is not None:
        print(f"  peak traced Python memory during the export: {traced / 2**20:.0f} MiB")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
