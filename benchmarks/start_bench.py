"""Start-up time of the `codage` command: what a person waits for before anything is read.

Times each command as a fresh process (wall clock, median of ``--repeat`` runs) on a demo
project, beside ``python -c pass``, and prints how much each one costs beyond Python's own
start-up against the goal of issues 13 and 19: a command that needs no language model and
no interface starts in under 0.3 s more than ``python -c pass``.

    .venv/bin/python benchmarks/start_bench.py [--project demo.db] [--repeat 5] [--code DIR]

``--code`` times another checkout of codage (say, the main branch) on the same project,
to compare before and after on a machine whose load changes from minute to minute.

Without ``--project`` the demo study is built once in a temporary folder (about a minute:
its import runs the language model). Not a test: it prints figures, a line per command.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL = 0.3
COMMANDS: tuple[tuple[str, ...], ...] = (
    ("--help",),
    ("documents",),
    ("segments", "--json"),
    ("codebook", "show"),
    ("history",),
    ("stats",),
    ("search", "intranet"),
)


def _environment(project: Path, code: Path, cache: Path) -> dict[str, str]:
    env = dict(os.environ)
    # An installed codage has its bytecode: time that, not compiling every module at
    # each start (PYTHONDONTWRITEBYTECODE), with the bytecode kept apart from the checkout.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(code), env.get("PYTHONPATH")]))
    env["CODAGE_PROJECT"] = str(project)
    env.setdefault("CODAGE_CODER", "bench")
    # a wide terminal, so that tables are not folded differently from one run to the next
    env["COLUMNS"] = "200"
    return env


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], env: dict[str, str], repeat: int) -> tuple[float, float]:
    """Median wall and CPU (user + system) time of ``argv`` run ``repeat`` times as a new
    process, in seconds. CPU time tells more than wall time on a loaded machine, where
    a process waits for a core as long as it runs."""
    walls, cpus = [], []
    subprocess.run(argv, env=env, cwd=Path(env["CODAGE_PROJECT"]).parent, capture_output=True)
    for _ in range(repeat):
        cpu = _children_cpu()
        start = time.perf_counter()
        # run from the project's folder: `python -m` puts the working folder first on
        # sys.path, and a checkout there would be timed instead of --code
        done = subprocess.run(
            argv,
            env=env,
            cwd=Path(env["CODAGE_PROJECT"]).parent,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        walls.append(time.perf_counter() - start)
        cpus.append(_children_cpu() - cpu)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.decode()[-400:]}")
    return statistics.median(walls), statistics.median(cpus)


def build_demo(path: Path, env: dict[str, str]) -> None:
    print(f"building the demo project in {path} (about a minute)…", flush=True)
    command = [sys.executable, "-m", "codage", "demo", "--no-tui", "-p", str(path)]
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)


def _small_project(path: Path, env: dict[str, str]) -> None:
    """A project of one demo interview and the codebook: what the light commands read
    costs little beside their start, so a small project times them as well as the demo."""
    first = sorted((ROOT / "transcripts").glob("entretien-*"))[0]
    for argv in (
        ["init", "-p", str(path)],
        ["codebook", "import", str(ROOT / "codebooks" / "collectivites-numeriques.yaml")],
        ["import", str(first)],
    ):
        subprocess.run(
            [sys.executable, "-m", "codage", *argv],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            cwd=path.parent,
        )


def run(quick: bool) -> list[object]:
    """Figures for ``python -m benchmarks`` (see benchmarks/report.py): each command's
    wall time beyond ``python -c pass`` against the 0.3 s goal. Quick: 3 runs each on a
    project of one interview; otherwise 5 on the demo study."""
    from benchmarks.report import Figure

    repeat = 3 if quick else 5
    figures: list[object] = []
    with tempfile.TemporaryDirectory() as tmp:
        project = (Path(tmp) / "demo.db").resolve()
        env = _environment(project, ROOT, Path(tmp) / "pycache")
        if quick:
            _small_project(project, env)
        else:
            build_demo(project, env)
        base, base_cpu = timed([sys.executable, "-c", "pass"], env, repeat)
        figures.append(Figure("python -c pass", base, "s"))
        for command in COMMANDS:
            took, cpu = timed([sys.executable, "-m", "codage", *command], env, repeat)
            figures.append(
                Figure(
                    "codage " + " ".join(command),
                    took - base,
                    "s",
                    goal=GOAL,
                    issue_goal="start-up",
                    note=f"beyond python -c pass; wall {took:.3f} s, CPU {cpu - base_cpu:.3f} s "
                    "beyond",
                )
            )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--project", type=Path, help="Reuse (or build once) this demo project.")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--code", type=Path, default=ROOT, help="The codage checkout to time.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = (args.project or Path(tmp) / "demo.db").resolve()
        env = _environment(project, args.code.resolve(), Path(tmp) / "pycache")
        print(f"codage from {args.code.resolve()}, project {project}")
        if not project.exists():
            build_demo(project, env)
        load = os.getloadavg()
        print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, {os.cpu_count()} cores")
        base, base_cpu = timed([sys.executable, "-c", "pass"], env, args.repeat)
        print(f"medians of {args.repeat} runs, in seconds; the goal is on wall time")
        print(
            f"{'command':<28} {'wall':>7} {'- pass':>7} {'cpu':>7} {'- pass':>7}  "
            f"goal: < {GOAL} s more than python -c pass"
        )
        print(f"{'python -c pass':<28} {base:7.3f} {0:7.3f} {base_cpu:7.3f} {0:7.3f}")
        failures = 0
        for command in COMMANDS:
            took, cpu = timed([sys.executable, "-m", "codage", *command], env, args.repeat)
            extra = took - base
            ok = extra < GOAL
            failures += not ok
            name = "codage " + " ".join(command)
            print(
                f"{name:<28} {took:7.3f} {extra:7.3f} {cpu:7.3f} {cpu - base_cpu:7.3f}  "
                f"{'pass' if ok else 'FAIL'}"
            )
        print(f"{len(COMMANDS) - failures} of {len(COMMANDS)} commands within the goal")


if __name__ == "__main__":
    main()
