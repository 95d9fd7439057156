"""Start-up time of the `codage` command: what a person waits for before anything is read.

Times each command as a fresh process on a demo project, each run paired with a run of
``python -c pass`` (the two in alternate order, so that a change of load falls on both),
and prints the median of the differences (wall clock, and CPU time user + system) against
the goal of issues 13 and 19: a command that needs no language model and no interface
starts in under 0.3 s more than ``python -c pass``. The light commands are the listings
(``documents``, ``segments``, ``codebook show``, ``history``), ``codage --help`` and
``codage X --help`` for every command ``codage --help`` lists; ``stats`` and ``search``
are timed beside them.

    .venv/bin/python benchmarks/start_bench.py [--project demo.db] [--repeat 7] [--code DIR]

``--code`` times another checkout of codage (say, the main branch) on the same project,
to compare before and after on a machine whose load changes from minute to minute; on a
loaded machine read the CPU column, which waiting for a core does not inflate.
``--instructions`` counts what each command executes with Valgrind instead of timing it:
the count does not move with the load, nor with this virtual machine's speed, which
drifts by tens of percent within an hour (``--only`` narrows the commands: a count takes
a few seconds of a core per command).

Without ``--project`` the demo study is built once in a temporary folder (about a minute:
its import runs the language model). Not a test: it prints figures, a line per command.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL = 0.3
# The listings and the help, which must start within the goal; stats and search after.
LIGHT: tuple[tuple[str, ...], ...] = (
    ("--help",),
    ("documents",),
    ("documents", "--json"),
    ("segments",),
    ("segments", "--json"),
    ("codebook", "show"),
    ("history",),
    ("history", "--json"),
)
OTHERS: tuple[tuple[str, ...], ...] = (("stats",), ("search", "intranet"))
COMMANDS = LIGHT + OTHERS


def every_help() -> tuple[tuple[str, ...], ...]:
    """``X --help`` for every command ``codage --help`` lists (codage.cli.help_table)."""
    sys.path.insert(0, str(ROOT))
    from codage.cli.help_table import COMMAND_HELP

    return tuple((name, "--help") for name in COMMAND_HELP)


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


def _once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one run of ``argv`` as a new process."""
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
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.decode()[-400:]}")
    return wall, _children_cpu() - cpu


def timed(argv: list[str], env: dict[str, str], repeat: int) -> tuple[float, float, float]:
    """Median wall time of ``argv``, and the medians of its wall and CPU time beyond
    ``python -c pass``, over ``repeat`` pairs of runs in alternate order. CPU time tells
    more than wall time on a loaded machine, where a process waits for a core as long as
    it runs."""
    base = [sys.executable, "-c", "pass"]
    _once(argv, env)  # the bytecode is written, the files are in the page cache
    walls, extra_walls, extra_cpus = [], [], []
    for i in range(repeat):
        if i % 2:
            (wall, cpu), (base_wall, base_cpu) = _once(argv, env), _once(base, env)
        else:
            (base_wall, base_cpu), (wall, cpu) = _once(base, env), _once(argv, env)
        walls.append(wall)
        extra_walls.append(wall - base_wall)
        extra_cpus.append(cpu - base_cpu)
    return statistics.median(walls), statistics.median(extra_walls), statistics.median(extra_cpus)


def instructions(argv: list[str], env: dict[str, str]) -> int:
    """Instructions ``argv`` executes, counted by Valgrind (cachegrind, no cache model),
    string hashing seeded: the same count at any load, where times on a shared machine
    drift by tens of percent within the hour. Run once before, so that its bytecode is
    written and only the start-up is counted."""
    subprocess.run(argv, env=env, cwd=Path(env["CODAGE_PROJECT"]).parent, capture_output=True)
    done = subprocess.run(
        [
            "valgrind",
            "--tool=cachegrind",
            "--cache-sim=no",
            "--cachegrind-out-file=/dev/null",
            *argv,
        ],
        env={**env, "PYTHONHASHSEED": "0"},
        cwd=Path(env["CODAGE_PROJECT"]).parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if found is None:
        raise SystemExit(f"valgrind counted nothing for {' '.join(argv)}: {done.stderr[-400:]}")
    return int(found.group(1).replace(",", ""))


def count_instructions(commands: tuple[tuple[str, ...], ...], env: dict[str, str]) -> None:
    """Print each command's instructions beyond ``python -c pass`` (millions)."""
    if shutil.which("valgrind") is None:
        raise SystemExit("--instructions needs valgrind on the PATH")
    base = instructions([sys.executable, "-c", "pass"], env)
    print(f"{'python -c pass':<30} {base / 1e6:9.1f} M instructions")
    for command in commands:
        count = instructions([sys.executable, "-m", "codage", *command], env)
        name = "codage " + " ".join(command)
        print(f"{name:<30} {count / 1e6:9.1f} M, {(count - base) / 1e6:7.1f} M beyond")


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
    wall time beyond ``python -c pass`` against the 0.3 s goal. Quick: 3 pairs of runs
    each on a project of one interview, ``segments`` on the smallest scale project
    (1,000 codings by three coders: the one-interview project holds none, and a table
    of no rows times nothing of its drawing); otherwise 7 on the demo study (1,373
    codings), with every command's --help."""
    from benchmarks.report import Figure

    repeat = 3 if quick else 7
    commands = COMMANDS if quick else COMMANDS + every_help()
    figures: list[object] = []
    with tempfile.TemporaryDirectory() as tmp:
        project = (Path(tmp) / "demo.db").resolve()
        env = _environment(project, ROOT, Path(tmp) / "pycache")
        coded_env, coded_note = env, ""
        if quick:
            _small_project(project, env)
            from benchmarks.scale import build

            coded = build("20k", Path(tmp) / "scale").resolve()
            coded_env = _environment(coded, ROOT, Path(tmp) / "pycache")
            coded_note = " on the 20k scale project (1,000 codings)"
        else:
            build_demo(project, env)
        for command in commands:
            segments = command[0] == "segments"
            took, extra, cpu = timed(
                [sys.executable, "-m", "codage", *command],
                coded_env if segments else env,
                repeat,
            )
            figures.append(
                Figure(
                    "codage " + " ".join(command),
                    extra,
                    "s",
                    goal=GOAL,
                    issue_goal="start-up",
                    note=f"beyond python -c pass (median of {repeat} alternate pairs)"
                    f"{coded_note if segments else ''}; "
                    f"wall {took:.3f} s, CPU {cpu:.3f} s beyond",
                )
            )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--project", type=Path, help="Reuse (or build once) this demo project.")
    parser.add_argument("--repeat", type=int, default=7, help="Pairs of runs per command.")
    parser.add_argument("--code", type=Path, default=ROOT, help="The codage checkout to time.")
    parser.add_argument(
        "--no-every-help", action="store_true", help="Leave out `X --help` for each command."
    )
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="Count instructions with valgrind instead of timing (the same at any load).",
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="COMMAND",
        help="Time only this command line (repeatable), e.g. --only segments --only 'code --help'.",
    )
    args = parser.parse_args()
    commands = COMMANDS if args.no_every_help else COMMANDS + every_help()
    if args.only:
        commands = tuple(tuple(line.split()) for line in args.only)
    with tempfile.TemporaryDirectory() as tmp:
        project = (args.project or Path(tmp) / "demo.db").resolve()
        env = _environment(project, args.code.resolve(), Path(tmp) / "pycache")
        print(f"codage from {args.code.resolve()}, project {project}")
        if not project.exists():
            build_demo(project, env)
        if args.instructions:
            count_instructions(commands, env)
            return
        load = os.getloadavg()
        print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, {os.cpu_count()} cores")
        base = statistics.median(
            _once([sys.executable, "-c", "pass"], env)[0] for _ in range(args.repeat)
        )
        print(
            f"medians of {args.repeat} pairs of runs (command, python -c pass) in alternate "
            "order, in seconds; the goal is on wall time"
        )
        print(
            f"{'command':<30} {'wall':>7} {'- pass':>7} {'cpu-pass':>8}  "
            f"goal: < {GOAL} s more than python -c pass"
        )
        print(f"{'python -c pass':<30} {base:7.3f}")
        failures = light_failures = 0
        for command in commands:
            took, extra, cpu = timed([sys.executable, "-m", "codage", *command], env, args.repeat)
            ok = extra < GOAL
            failures += not ok
            light_failures += not ok and command not in OTHERS
            name = "codage " + " ".join(command)
            print(f"{name:<30} {took:7.3f} {extra:7.3f} {cpu:8.3f}  {'pass' if ok else 'FAIL'}")
        load = os.getloadavg()
        print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at the end")
        print(
            f"{len(commands) - failures} of {len(commands)} commands within the goal "
            f"({light_failures} light command(s) outside it)"
        )


if __name__ == "__main__":
    main()
