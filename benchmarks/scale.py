"""A whole lab's study on one machine: commands on projects of 20k to 10M words.

Builds (once, cached in a folder given on the command line) projects of

    size   words        codings      (three coders)
    20k    20,000       1,000
    200k   200,000      10,000
    2M     2,000,000    100,000
    10M    10,000,000   1,000,000

and runs on each, in a process of its own, ``segments --json``, ``stats``, ``agreement``
at sentence and at character level, ``export docx`` and ``export xlsx``, ``merge`` into
an empty project, opening the interface (Pilot, until the document list is shown) and
the retrieval screen on the largest code. For each it prints wall time and peak memory
(the child's own ``ru_maxrss``, read with ``os.wait4``) and the growth factor from the
size before.

    python -m benchmarks.scale --cache /tmp/scale [--sizes 20k,200k] [--commands stats,...]

How the projects are built: the texts are the demo interviews shuffled into new
transcripts (:func:`benchmarks.import_bench.make_corpus`) and read by codage's own
readers (turns, speakers); spaCy is not run, which would take hours at ten million
words: sentences are cut after ``.``, ``?``, ``!`` and ``…`` and each word's lemma is the
word lower-cased, written through the store's bulk path (``Project.add_document`` with
its units). Codings go in through ``Project.import_codings`` (the bulk path merges use),
a third of them per coder: passages of one to three sentences that the second and third
coder code like the first with probability 0.7, with shifted bounds now and then, else
with another code. The codebook is the bundled one. The 10M project's documents are the
2M project's, five times over under other names, copied with their units and lemmas
through the same bulk path (reading and cutting the texts again took most of an hour
on a busy machine). Figures, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.import_bench import make_corpus  # noqa: E402
from benchmarks.report import measured_argv, read_measured  # noqa: E402
from codage.codebook import load_codebook  # noqa: E402
from codage.domain import CodingImport, NewDocument, Unit, encode_lemmas  # noqa: E402
from codage.ingest import read_file  # noqa: E402
from codage.services import Project, import_codebook  # noqa: E402

SIZES: dict[str, tuple[int, int]] = {
    "20k": (20_000, 1_000),
    "200k": (200_000, 10_000),
    "2M": (2_000_000, 100_000),
    "10M": (10_000_000, 1_000_000),
}
CODERS = ("ana", "bruno", "chloe")
CODEBOOK = ROOT / "codebooks" / "collectivites-numeriques.yaml"
COMMANDS = (
    "segments",
    "stats",
    "agreement-sentence",
    "agreement-character",
    "export-docx",
    "export-xlsx",
    "merge",
    "tui-open",
    "tui-retrieval",
)
# The goals of issue 20, at the largest size.
GOAL_SECONDS = 30.0
GOAL_MB = 1024.0
GOAL_TUI_SECONDS = 2.0

_SENTENCE_END = re.compile(r"(?<=[.?!…])\s+")
_WORD = re.compile(r"\w+", re.UNICODE)
_BUILT = ".built"


def _sentences(text: str, turn: Unit) -> Iterator[Unit]:
    """Sentence units of a turn, cut after final punctuation, with word lemmas."""
    # Leave the speaker's label out, as the readers and spaCy do.
    body = turn.start
    colon = text.find(" : ", turn.start, turn.end)
    if turn.speaker and colon != -1:
        body = colon + 3
    piece = text[body : turn.end]
    offset = 0
    for part in _SENTENCE_END.split(piece):
        at = piece.find(part, offset)
        offset = at + len(part)
        stripped = part.strip()
        if not stripped:
            continue
        start = body + at + (len(part) - len(part.lstrip()))
        end = start + len(stripped)
        lemmas = encode_lemmas(
            (start + m.start(), start + m.end(), m.group().lower())
            for m in _WORD.finditer(stripped)
        )
        yield Unit("sentence", start, end, speaker=turn.speaker, lemmas=lemmas or None)


def _documents(project: Project, words: int, folder: Path) -> list[tuple[int, int, list[Unit]]]:
    """Write the corpus into the project; returns each document's id, length and sentences."""
    files = make_corpus(folder, words)
    out = []
    for path in files:
        (doc,) = read_file(path)
        units: list[Unit] = []
        sentences: list[Unit] = []
        for unit in doc.units:
            units.append(unit)
            if unit.kind == "turn":
                found = list(_sentences(doc.text, unit))
                units.extend(found)
                sentences.extend(found)
        info = project.add_document(doc, ((u, None) for u in units))
        out.append((info.id, info.length, sentences))
        path.unlink()
    return out


def _copied_documents(
    project: Project, source: Path, times: int
) -> list[tuple[int, int, list[Unit]]]:
    """The documents of a built project, ``times`` over under new names, with their units
    and lemmas: the largest size is five copies of the one below, which spares reading
    and cutting ten million words again (an hour on a busy machine)."""
    out = []
    with Project.open(str(source), create=False) as src:
        infos = src.documents()
        for copy in range(1, times + 1):
            for info in infos:
                doc = src.document(info.id)
                units = src.units(info.id, with_lemmas=True)
                new = NewDocument(
                    name=f"{info.name}-{copy}", kind=doc.kind, text=doc.text, metadata=doc.metadata
                )
                plain = [
                    Unit(u.kind, u.start, u.end, u.speaker, u.timestamp, u.lemmas) for u in units
                ]
                added = project.add_document(new, ((u, None) for u in plain))
                out.append((added.id, added.length, [u for u in plain if u.kind == "sentence"]))
    return out


def _passages(
    docs: list[tuple[int, int, list[Unit]]], codings: int, codes: Sequence[int], seed: int
) -> Iterator[CodingImport]:
    """About ``codings`` codings, three coders, spread over the documents by length."""
    rng = random.Random(seed)
    total = sum(len(s) for _, _, s in docs)
    passages = codings // len(CODERS)
    for doc_id, length, sentences in docs:
        share = round(passages * len(sentences) / total) if total else 0
        for _ in range(share):
            first = rng.randrange(len(sentences))
            last = min(len(sentences) - 1, first + rng.choice((0, 0, 0, 1, 2)))
            start, end = sentences[first].start, sentences[last].end
            code = rng.choice(codes)
            for n, coder in enumerate(CODERS):
                mine, a, b = code, start, end
                if n and rng.random() > 0.7:
                    mine = rng.choice(codes)
                if n and rng.random() < 0.2:
                    a = min(max(0, start + rng.randint(-15, 15)), length - 1)
                    b = min(max(a + 1, end + rng.randint(-15, 15)), length)
                yield CodingImport(doc_id, mine, coder, a, b)


def build(size: str, cache: Path) -> Path:
    """The project of ``size`` in ``cache``, built unless it is there already."""
    words, codings = SIZES[size]
    path = cache / f"scale-{size}.db"
    done = cache / f"scale-{size}{_BUILT}"
    if path.exists() and done.exists():
        return path
    for stale in cache.glob(f"scale-{size}.db*"):
        stale.unlink()
    cache.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    project = Project.open(str(path))
    try:
        import_codebook(project, load_codebook(CODEBOOK), coder=CODERS[0])
        codes = [c.id for c in project.codes()]
        below = cache / "scale-2M.db"
        if size == "10M" and (cache / f"scale-2M{_BUILT}").exists():
            docs = _copied_documents(project, below, 5)
        else:
            with tempfile.TemporaryDirectory(dir=cache) as tmp:
                docs = _documents(project, words, Path(tmp))
        written = time.perf_counter() - began
        batch: list[CodingImport] = []
        added = 0
        for record in _passages(docs, codings, codes, seed=20):
            batch.append(record)
            if len(batch) >= 50_000:
                added += sum(i is not None for i in project.import_codings(batch))
                batch = []
        if batch:
            added += sum(i is not None for i in project.import_codings(batch))
    finally:
        project.close()
    done.write_text(json.dumps({"words": words, "codings": added}), encoding="utf-8")
    print(
        f"built {size}: {len(docs)} documents, {added} codings "
        f"(texts {written:.0f} s, total {time.perf_counter() - began:.0f} s)",
        flush=True,
    )
    return path


# ---------------------------------------------------------------- measuring


@dataclass(frozen=True)
class Measure:
    """One command on one project: wall seconds, the child's processor seconds (user
    and system: what the command costs, whatever else the machine runs) and its peak
    memory."""

    size: str
    command: str
    seconds: float
    peak_mb: float
    ok: bool
    error: str = ""
    cpu: float = 0.0


# A command past these is stopped and reported as failed: the machine is shared, and
# before issue 20 sentence-level agreement asked for many gigabytes. Time is limited in
# processor seconds (what the command costs) and, much further, in wall seconds: on a
# machine shared by many, waiting is not the command's doing.
LIMIT_SECONDS = 3600
LIMIT_CPU_SECONDS = 600
LIMIT_MB = 4096


def _limit_memory() -> None:
    limit = LIMIT_MB * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CPU, (LIMIT_CPU_SECONDS, LIMIT_CPU_SECONDS + 5))


def _child(argv: list[str], env: dict[str, str], out: Path) -> tuple[float, float, float, int, str]:
    """Run ``argv``; wall, processor seconds and peak MB of the command's own program.

    The command runs under :func:`benchmarks.report.measured_argv`'s small intermediate:
    Linux carries ``ru_maxrss`` across ``exec``, so a command started straight from this
    process (which may have built a project of hundreds of MB) would report this
    process's size as its own peak. The limits are inherited by the command; a command
    past the wall limit is stopped with its intermediate (one process group)."""
    began = time.perf_counter()
    with (
        out.open("wb") as sink,
        tempfile.TemporaryFile() as err,
        tempfile.TemporaryDirectory() as scratch,
    ):
        usage_file = str(Path(scratch) / "usage")
        proc = subprocess.Popen(
            measured_argv(argv, usage_file),
            stdout=sink,
            stderr=err,
            env=env,
            cwd=ROOT,
            preexec_fn=_limit_memory,
            start_new_session=True,
        )
        timer = threading.Timer(LIMIT_SECONDS, lambda: os.killpg(proc.pid, signal.SIGKILL))
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        elapsed = time.perf_counter() - began
        proc.returncode = os.waitstatus_to_exitcode(status)
        try:
            cpu, peak = read_measured(usage_file)
        except (OSError, ValueError):
            # the intermediate was stopped before it could write: its own figures
            cpu, peak = usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024
        err.seek(0)
        lines = err.read().decode("utf-8", "replace").strip().splitlines()
    last = lines[-1] if lines else ""
    if elapsed >= LIMIT_SECONDS:
        last = f"stopped after {LIMIT_SECONDS} s"
    elif cpu >= LIMIT_CPU_SECONDS:
        last = f"stopped after {LIMIT_CPU_SECONDS} s of processor time"
    return elapsed, cpu, peak, proc.returncode, last


def _argv(command: str, project: Path, work: Path, largest: int) -> list[str]:
    codage = [sys.executable, "-m", "codage"]
    tui = [sys.executable, "-m", "benchmarks._scale_tui"]
    p = ["--project", str(project)]
    return {
        "segments": [*codage, "segments", "--json", *p],
        "stats": [*codage, "stats", *p],
        "agreement-sentence": [*codage, "agreement", "--unit", "sentence", *p],
        "agreement-character": [*codage, "agreement", "--unit", "character", *p],
        "export-docx": [*codage, "export", "docx", str(work / "out.docx"), *p],
        "export-xlsx": [*codage, "export", "xlsx", str(work / "out.xlsx"), *p],
        "merge": [*codage, "merge", str(work / "merged.db"), str(project)],
        # the interface's runs in a module of their own: this one loads the full store
        # to build projects, which the interface no longer loads before its first screen
        "tui-open": [*tui, "open", str(project), CODERS[0]],
        "tui-retrieval": [*tui, "retrieval", str(project), CODERS[0], str(largest)],
    }[command]


def _largest_code(project: Path) -> int:
    with Project.open(str(project), create=False) as p:
        counts = p.coding_counts()
    return max(counts, key=lambda c: counts[c])


def measure(size: str, project: Path, commands: Sequence[str]) -> list[Measure]:
    """Run each command once on ``project``, each in a child process."""
    env = {
        **os.environ,
        "CODAGE_CODER": CODERS[0],
        "CODAGE_LANG": "en",
        "PYTHONPATH": str(ROOT),
    }
    largest = _largest_code(project)
    out = []
    with tempfile.TemporaryDirectory(dir=project.parent) as tmp:
        work = Path(tmp)
        for command in commands:
            # the merged project of the last run, and the backups merging into it made
            for leftover in work.glob("merged.db*"):
                if leftover.is_dir():
                    shutil.rmtree(leftover)
                else:
                    leftover.unlink()
            seconds, cpu, peak, code, last = _child(
                _argv(command, project, work, largest), env, work / "stdout"
            )
            # Only the interface's answer is read back: a child forked from this process
            # starts with its memory, and ``segments``' half a gigabyte of JSON, read
            # here, counted in the peak of every command measured after it.
            said: list[str] = []
            if command.startswith("tui-"):
                told = (work / "stdout").read_text(encoding="utf-8", errors="replace")
                kept = [line for line in told.splitlines() if line.strip()]
                # the last line is the figure ("open: 1.234 s"); the opening's steps before
                said = kept[-1].split() if kept else []
            if code == 0 and said:
                # opening: from the process's start (Python's, the imports', Textual's
                # start-up included) to the document list shown; retrieval: from the
                # screen's push to its list
                seconds = float(said[1])
            out.append(
                Measure(size, command, seconds, peak, code == 0, "" if code == 0 else last, cpu)
            )
            shown = f"{seconds:8.2f} s {cpu:8.2f} s cpu {peak:8.0f} MB"
            if command == "tui-open" and code == 0:
                # the opening's steps, as the child saw them (see _tui)
                steps = (work / "stdout").read_text(encoding="utf-8", errors="replace")
                shown += "  (" + steps.strip().splitlines()[0] + ")"
            print(f"  {size:>5} {command:<20} {shown}{'' if code == 0 else '  FAILED: ' + last}")
            sys.stdout.flush()
    return out


def growth(measures: Sequence[Measure], sizes: Sequence[str]) -> list[str]:
    """Lines: per command, time and memory at each size and the factor from the one before."""
    lines = []
    by = {(m.size, m.command): m for m in measures}
    for command in COMMANDS:
        cells = []
        before: Measure | None = None
        for size in sizes:
            m = by.get((size, command))
            if m is None:
                continue
            cell = f"{size}: {m.seconds:.2f} s ({m.cpu:.2f} cpu) {m.peak_mb:.0f} MB"
            if not m.ok:
                cell += " (failed)"
            elif before is not None and before.ok and before.cpu > 0:
                times, memory = m.cpu / before.cpu, m.peak_mb / before.peak_mb
                cell += f" (×{times:.1f} cpu, ×{memory:.1f} mem)"
            cells.append(cell)
            before = m
        if cells:
            lines.append(f"{command:<20} " + " | ".join(cells))
    return lines


# ---------------------------------------------------------------- the interface


# ---------------------------------------------------------------- entry points


def run(quick: bool) -> list[object]:
    """Figures for ``python -m benchmarks`` (see benchmarks/report.py): the smallest
    size when ``quick``, else every size, in a cache under the temporary folder."""
    from benchmarks.report import Figure

    sizes = ["20k"] if quick else list(SIZES)
    cache = Path(os.environ.get("CODAGE_SCALE_CACHE", Path(tempfile.gettempdir()) / "codage-scale"))
    figures: list[object] = []
    for size in sizes:
        project = build(size, cache)
        for m in measure(size, project, COMMANDS):
            seconds_goal = GOAL_TUI_SECONDS if m.command == "tui-open" else GOAL_SECONDS
            note = "" if m.ok else f"failed: {m.error}"
            figures.append(Figure(f"{m.command}, {size}", m.seconds, "s", seconds_goal, note=note))
            figures.append(Figure(f"{m.command} cpu, {size}", m.cpu, "s"))
            figures.append(Figure(f"{m.command} peak, {size}", m.peak_mb, "MB", GOAL_MB))
    return figures


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, help="folder where the projects are kept")
    parser.add_argument("--sizes", default="20k,200k", help=f"of {', '.join(SIZES)}")
    parser.add_argument("--commands", default=",".join(COMMANDS))
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    if args.cache is None:
        parser.error("--cache FOLDER is needed (the projects are built there once)")
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    commands = [c.strip() for c in args.commands.split(",") if c.strip()]
    for name in sizes:
        if name not in SIZES:
            parser.error(f"unknown size {name!r}; known: {', '.join(SIZES)}")
    for name in commands:
        if name not in COMMANDS:
            parser.error(f"unknown command {name!r}; known: {', '.join(COMMANDS)}")
    measures: list[Measure] = []
    for size in sizes:
        project = build(size, args.cache)
        if not args.build_only:
            measures.extend(measure(size, project, commands))
    if measures:
        print()
        for line in growth(measures, sizes):
            print(line)
        if args.json:
            args.json.write_text(
                json.dumps([m.__dict__ for m in measures], indent=1), encoding="utf-8"
            )
    if shutil.which("uptime"):
        print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
