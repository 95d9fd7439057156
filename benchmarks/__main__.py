"""Run every benchmark of this folder and write the Markdown report.

    python -m benchmarks [--quick] [--only NAME ...] [--report PATH]

Each module that exposes ``run(quick: bool) -> list[Figure]`` (see benchmarks/report.py)
runs in a process of its own, so that one benchmark's memory, caches and loaded models
neither help nor burden the next, and a peak memory figure is that benchmark's own. A
module without ``run`` yet is listed as skipped, with a line saying so; one that fails
gets its one-line error in the report and the run goes on. The exit code is non-zero
only when a benchmark failed to run (a missed goal is a figure, not a failure).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.report import Figure, Outcome, Skipped, markdown  # noqa: E402

NOT_BENCHMARKS = {"__init__", "__main__", "report"}
# A benchmark that runs longer than this is stopped and reported as failed.
TIMEOUT = {True: 600, False: 3600}


def discover() -> list[str]:
    """The benchmark modules of this folder, by name, in order."""
    return sorted(
        p.stem for p in HERE.glob("*.py") if p.stem not in NOT_BENCHMARKS and p.stem[0] != "_"
    )


def resolve(names: list[str], known: list[str]) -> list[str]:
    """``--only`` names matched to modules: ``import``, ``import_bench``, ``import_bench.py``."""
    chosen: list[str] = []
    for name in names:
        stem = Path(name).stem
        match = [m for m in known if m in (stem, f"{stem}_bench")]
        if not match:
            raise SystemExit(f"benchmarks: no benchmark named {name!r}; known: {', '.join(known)}")
        chosen.extend(m for m in match if m not in chosen)
    return chosen


def title_of(module: str) -> str:
    """The first line of the module's docstring, read without importing it."""
    import ast

    tree = ast.parse((HERE / f"{module}.py").read_text(encoding="utf-8"))
    doc = ast.get_docstring(tree) or module
    return doc.strip().splitlines()[0]


def child(module: str, quick: bool, out: Path) -> None:
    """In the child process: run one module and write what it gave as JSON."""
    result: dict[str, object] = {}
    try:
        mod = importlib.import_module(f"benchmarks.{module}")
        run = getattr(mod, "run", None)
        if not callable(run):
            result["skipped"] = "no run(quick) function yet: not wired into the report"
        else:
            figures = run(quick)
            result["figures"] = [asdict(f) for f in figures]
    except Skipped as why:
        result["skipped"] = str(why)
    except Exception as error:  # one benchmark's failure must not stop the report
        result["error"] = f"{type(error).__name__}: {error}".splitlines()[0]
        import traceback

        traceback.print_exc()
    out.write_text(json.dumps(result), encoding="utf-8")


def run_one(module: str, quick: bool, log: Path) -> Outcome:
    """Run one module in its own process; its output goes to ``log``."""
    outcome = Outcome(module=module, title=title_of(module))
    with tempfile.TemporaryDirectory(prefix="codage-bench-") as tmp:
        out = Path(tmp) / "figures.json"
        command = [sys.executable, "-m", "benchmarks", "--child", module, "--out", str(out)]
        path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
        # its temporary files go under this folder, removed afterwards even when the
        # benchmark was stopped before it could clean up
        env = {**os.environ, "PYTHONPATH": path, "TMPDIR": tmp}
        began = time.perf_counter()
        with log.open("a", encoding="utf-8") as sink:
            sink.write(f"\n===== {module} =====\n")
            sink.flush()
            # a session of its own, so that a benchmark stopped for its time is stopped
            # with every process it started (model processes, the commands it measures)
            process = subprocess.Popen(
                [*command, *(["--quick"] if quick else [])],
                stdout=sink,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=ROOT,
                start_new_session=True,
            )
            try:
                returncode = process.wait(timeout=TIMEOUT[quick])
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                outcome.error = f"stopped after {TIMEOUT[quick]} s"
                return outcome
            finally:
                outcome.seconds = time.perf_counter() - began
        if not out.exists():
            outcome.error = f"the benchmark's process ended with code {returncode}"
            return outcome
        data = json.loads(out.read_text(encoding="utf-8"))
    outcome.skipped = data.get("skipped")
    outcome.error = data.get("error")
    outcome.figures = [Figure(**f) for f in data.get("figures", [])]
    return outcome


def machine() -> str:
    import platform

    cores = os.cpu_count() or 0
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages / 2**30:.0f} GB memory"
    except (ValueError, OSError, AttributeError):
        memory = ""
    return f"{cores} cores{memory}, Python {platform.python_version()}, {platform.system()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these benchmarks")
    parser.add_argument("--report", type=Path, default=Path("benchmark-report/report.md"))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.quick, args.out)
        return 0
    known = discover()
    modules = resolve(args.only, known) if args.only else known
    report: Path = args.report
    try:
        report.parent.mkdir(parents=True, exist_ok=True)
        log = report.with_suffix(".log")
        log.write_text("", encoding="utf-8")
    except OSError as error:
        print(f"benchmarks: cannot write the report at {report}: {error.strerror}", file=sys.stderr)
        return 2
    outcomes: list[Outcome] = []
    for module in modules:
        print(f"{module:<24} ", end="", flush=True)
        outcome = run_one(module, args.quick, log)
        outcomes.append(outcome)
        if outcome.skipped:
            state = f"skipped: {outcome.skipped}"
        elif outcome.error:
            state = f"FAILED: {outcome.error}"
        else:
            goals = [f.passed for f in outcome.figures if f.passed is not None]
            state = f"{len(outcome.figures)} figures, {sum(goals)}/{len(goals)} goals met"
        print(f"{outcome.seconds:6.1f} s  {state}", flush=True)
        # written after each benchmark, so that a stopped run still leaves what it measured
        report.write_text(markdown(outcomes, quick=args.quick, machine=machine()), encoding="utf-8")
    print(f"report: {report.resolve()}")
    print(f"log:    {log.resolve()}")
    return 1 if any(o.error for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
