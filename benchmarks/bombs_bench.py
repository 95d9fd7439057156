"""Hostile inputs: the time and peak memory codage takes to import or refuse each one.

    .venv/bin/python benchmarks/bombs_bench.py [--only NAME ...] [--keep DIR]

Each input is generated here, then handed to a fresh `python -m codage` process
(import into a new project, or init with a codebook); the figures are that
process's wall time, the peak resident memory of its largest process, the peak
proportional memory of its whole process tree (the model processes an import
starts included), and how it ended (exit code and the last line it printed).
Not a test: figures only. The issue that asked for the bounds (issue 11) gave
these figures before them: a 5 MB line ~12 GB and death; an xlsx declaring
A1:XFD1048576 8 GB in 34 s; an odt repeat count of two billion 4 GB in 461 s; a
230 MB document.xml > 15 min and 2.9 GB; a 100,000-code codebook > 10 min.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from benchmarks.report import Figure

ROOT = Path(__file__).resolve().parent.parent
WORDS = (
    "agent", "intranet", "mairie", "télétravail", "messagerie", "usager", "service",
    "données", "sécurité", "portail", "dématérialisation", "formation", "logiciel",
    "réseau", "élus", "citoyen", "démarche",
)  # fmt: skip


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(6, 18))]
    return " ".join(words).capitalize() + "."


def long_line(folder: Path) -> list[str]:
    rng = random.Random(1)
    path = folder / "ligne-5mo.txt"
    with path.open("w", encoding="utf-8") as out:
        size = 0
        while size < 5_000_000:
            piece = _sentence(rng) + " "
            out.write(piece)
            size += len(piece.encode())
    return ["import", str(path)]


def big_transcript(folder: Path) -> list[str]:
    rng = random.Random(2)
    path = folder / "entretien-50mo.txt"
    with path.open("w", encoding="utf-8") as out:
        size, turn = 0, 0
        while size < 50_000_000:
            who = "Enquêtrice" if turn % 2 == 0 else "M. Garnier"
            piece = f"{who} : " + " ".join(_sentence(rng) for _ in range(4)) + "\n\n"
            out.write(piece)
            size += len(piece.encode())
            turn += 1
    return ["import", str(path)]


def far_cell_xlsx(folder: Path) -> list[str]:
    path = folder / "dimension.xlsx"
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<dimension ref="A1:XFD1048576"/><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>commentaire</t></is></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>R1</t></is></c>'
        '<c r="B2" t="inlineStr"><is><t>Une réponse ouverte.</t></is></c></row>'
        '<row r="1048576"><c r="XFD1048576" s="1"/></row>'
        "</sheetData></worksheet>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
            'sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>",
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="r1" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>',
        )
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    return ["import", str(path)]


def repeat_odt(folder: Path) -> list[str]:
    from tests.ingest.office_files import write_odt

    path = write_odt(
        folder / "espaces.odt", '<text:p>Avant<text:s text:c="2000000000"/>après.</text:p>'
    )
    return ["import", str(path)]


def huge_docx(folder: Path) -> list[str]:
    """A document.xml of ~230 MB of varied text, compressed at a ratio the zip guard allows."""
    rng = random.Random(3)
    path = folder / "enorme.docx"
    from tests.ingest.office_files import write_docx

    write_docx(path, "<w:p><w:r><w:t>petit</w:t></w:r></w:p>")
    with zipfile.ZipFile(path) as small:
        parts = {n: small.read(n) for n in small.namelist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            if name != "word/document.xml":
                z.writestr(name, data)
        head, tail = parts["word/document.xml"].split(b"<w:body>")
        with z.open("word/document.xml", "w", force_zip64=True) as out:
            out.write(head + b"<w:body>")
            written = 0
            while written < 230_000_000:
                text = " ".join(_sentence(rng) for _ in range(50)).encode()
                chunk = b"<w:p><w:r><w:t>" + text + b"</w:t></w:r></w:p>"
                out.write(chunk)
                written += len(chunk)
            out.write(b"</w:body>" + tail.split(b"</w:body>", 1)[-1])
    return ["import", str(path)]


def big_codebook(folder: Path) -> list[str]:
    path = folder / "codes-100k.yaml"
    lines = ["name: énorme", "codes:"]
    for i in range(1000):
        lines += [f"  - name: thème {i}", "    codes:"]
        lines += [f"      - name: sous-code {i}.{j}" for j in range(99)]
    path.write_text("\n".join(lines), encoding="utf-8")
    return ["init", "--codebook", str(path)]


BOMBS: dict[str, Callable[[Path], list[str]]] = {
    "5 MB line": long_line,
    "xlsx A1:XFD1048576": far_cell_xlsx,
    "odt text:c=2e9": repeat_odt,
    "230 MB document.xml": huge_docx,
    "100,000-code codebook": big_codebook,
    "50 MB transcript": big_transcript,
}

# Runs the command, samples the memory of its whole process tree (the import's
# model processes included) every 0.2 s, and prints: seconds, the peak resident
# memory of its largest process, the peak of the tree's proportional memory
# (PSS: pages shared by forked processes counted once), exit code, last line.
_MEASURE = """
import os, resource, subprocess, sys, threading, time

def tree(root):
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parent = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found

def pss(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0

began = time.perf_counter()
process = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
peak_tree = [0]
def watch():
    while process.poll() is None:
        peak_tree[0] = max(peak_tree[0], sum(pss(p) for p in tree(process.pid)))
        time.sleep(0.2)
threading.Thread(target=watch, daemon=True).start()
out, err = process.communicate()
took = time.perf_counter() - began
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
last = (err.strip() or out.strip()).splitlines()[-1:] or ['']
print(f'{took:.1f}\t{peak:.0f}\t{peak_tree[0]}\t{process.returncode}\t{last[0][:110]}')
"""


def measure(names: list[str]) -> dict[str, list[str]]:
    """Each named input's figures: seconds, peak MB, tree MB, exit code, last line."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CODAGE_CODER": "bench"}
    rows: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory(prefix="codage-bombs-bench-") as scratch:
        folder = Path(scratch)
        for name in names:
            command = BOMBS[name](folder)
            project = folder / f"{name.split()[0]}.db"
            codage = [sys.executable, "-m", "codage", *command, "-p", str(project)]
            line = subprocess.run(
                [sys.executable, "-c", _MEASURE, *codage],
                capture_output=True,
                text=True,
                env=env,
                cwd=folder,
                check=False,
            ).stdout.strip()
            rows[name] = line.split("\t")
    return rows


def run(quick: bool) -> list[Figure]:
    """The bounded inputs (quick: the two refused before any text is analysed)."""
    sys.path.insert(0, str(ROOT))
    from benchmarks.report import Figure

    names = ["xlsx A1:XFD1048576", "odt text:c=2e9"] if quick else list(BOMBS)
    figures = []
    for name, row in measure(names).items():
        if len(row) < 5:
            raise RuntimeError(f"{name}: no figures ({row})")
        seconds, _, tree, code, last = row[:5]
        note = f"exit {code}: {last}"
        figures.append(Figure(f"{name}: time", float(seconds), "s", note=note))
        figures.append(Figure(f"{name}: peak memory of the tree", float(tree), "MB", goal=1024))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="names (or prefixes) of the inputs to run")
    parser.add_argument("--keep", type=Path, help="write the inputs and projects here")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CODAGE_CODER": "bench"}
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        print("input\tseconds\tpeak MB (largest process)\ttree MB (PSS)\texit\tlast line")
        for name, make in BOMBS.items():
            if args.only and not any(name.startswith(o) for o in args.only):
                continue
            command = make(folder)
            project = folder / f"{name.split()[0]}.db"
            project.unlink(missing_ok=True)
            codage = [sys.executable, "-m", "codage", *command, "-p", str(project)]
            line = subprocess.run(
                [sys.executable, "-c", _MEASURE, *codage],
                capture_output=True,
                text=True,
                env=env,
                cwd=folder,
            ).stdout.strip()
            print(f"{name}\t{line}", flush=True)


if __name__ == "__main__":
    main()
