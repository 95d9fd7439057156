"""The benchmarks' common protocol and the Markdown report ``python -m benchmarks`` writes.

Every benchmark module of this folder exposes::

    def run(quick: bool) -> list[Figure]: ...

``quick`` sizes the work small (the whole quick run stays within a few minutes for CI);
otherwise the sizes are the ones the goals are stated for. A benchmark that cannot run
here (no PostgreSQL server, say) raises :class:`Skipped` with the reason, and the report
says so instead of dropping it. Each module stays runnable on its own as a script.

A :class:`Figure` is one measured value, the goal it is held to and the baseline it is
compared with, measured in the same run. A goal is an upper bound unless
``higher_is_better``; it applies to the value itself, or to the ratio to the baseline when
``goal_on == "ratio"`` (an overhead of at most 1.05× over stock spaCy, say).
"""

from __future__ import annotations

import math
import platform
import resource
import time
from dataclasses import dataclass, field
from typing import Literal

# The speed goals of issue 19, by the id a Figure names in ``issue_goal``: the report opens
# with a table of them, each next to the figures that measure it, and says which ones no
# benchmark of the run measured.
ISSUE_GOALS: dict[str, str] = {
    "import-overhead": "import at most 1.05× stock spaCy with the same components, cold, "
    "varied text",
    "import-processes": "automatic worker processes never slower nor heavier than one process",
    "apply-picker": "applying a code with the picker at most 30 ms above a cursor key, "
    "keypress to repaint",
    "tree-key": "the codebook tree's key stays under 30 ms (above a cursor key)",
    "open-10mb": "a 10 MB transcript opens in the full app in 0.5 s",
    "open-50mb": "a 50 MB transcript opens in the full app in 2 s",
    "dossier-10k": "a dossier of 10,000 extracts within 3× python-docx opening and saving it",
    "dossier-100k": "a dossier of 100,000 extracts in 10 s under 500 MB",
    "merge-600k": "merge of 3 × 200,000 codings in 10 s",
    "start-up": "every command that needs no model nor interface starts in under 0.3 s more "
    "than python -c pass",
}


class Skipped(Exception):
    """A benchmark that cannot run here; its message says why (``no server``)."""


@dataclass(frozen=True)
class Figure:
    """One measured figure next to its goal and its baseline of the same run."""

    name: str
    value: float
    unit: str
    goal: float | None = None
    baseline: str | None = None  # what the ratio compares with, in words
    baseline_value: float | None = None  # in the same unit as ``value``
    goal_on: Literal["value", "ratio"] = "value"
    higher_is_better: bool = False
    note: str = ""
    issue_goal: str = ""  # a key of ISSUE_GOALS when this figure measures one of them

    @property
    def ratio(self) -> float | None:
        """``value / baseline_value``, or None without a (non-zero) baseline."""
        if self.baseline_value is None or self.baseline_value == 0:
            return None
        return self.value / self.baseline_value

    @property
    def passed(self) -> bool | None:
        """Whether the goal is met; None when the figure has no goal."""
        if self.goal is None:
            return None
        measured = self.ratio if self.goal_on == "ratio" else self.value
        if measured is None or math.isnan(measured):
            return False
        return measured >= self.goal if self.higher_is_better else measured <= self.goal


@dataclass
class Outcome:
    """What one benchmark module gave: its figures, or why it gave none."""

    module: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    seconds: float = 0.0
    skipped: str | None = None  # "skipped: no server", "no run(quick) yet", ...
    error: str | None = None  # one line: the exception that stopped it


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux counts ru_maxrss in KB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if platform.system() == "Darwin" else peak / 1024


def own_peak_mb() -> float:
    """Peak resident memory of this process's own program, in MB.

    Linux carries a process's ``ru_maxrss`` across ``exec``: a child started by a
    benchmark that has built a project of hundreds of MB reports the builder's size
    as its own peak. ``VmHWM`` is the high-water mark of the memory the program
    mapped since its ``exec``; ``ru_maxrss`` where there is no ``/proc``."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return peak_rss_mb()


# Runs a command as its own child and writes the command's rusage (processor seconds,
# peak memory in KB) to the file named first: a child of this small process inherits
# none of a large benchmark's peak memory (see own_peak_mb).
_MEASURED = (
    "import os, subprocess, sys\n"
    "proc = subprocess.Popen(sys.argv[2:])\n"
    "_, status, usage = os.wait4(proc.pid, 0)\n"
    "with open(sys.argv[1], 'w') as out:\n"
    "    out.write(f'{usage.ru_utime + usage.ru_stime} {usage.ru_maxrss}')\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


def measured_argv(argv: list[str], usage_file: str) -> list[str]:
    """``argv`` run through a small intermediate process that writes the command's own
    processor seconds and peak memory to ``usage_file`` (read it with
    :func:`read_measured`); the intermediate's exit code is the command's."""
    import sys

    return [sys.executable, "-c", _MEASURED, usage_file, *argv]


def read_measured(usage_file: str) -> tuple[float, float]:
    """Processor seconds and peak memory (MB) that :func:`measured_argv` wrote."""
    with open(usage_file, encoding="ascii") as handle:
        cpu, peak = handle.read().split()
    return float(cpu), int(peak) / 1024


def timed(fn: object) -> float:
    """Wall seconds of one call of ``fn()``."""
    began = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - began


def _number(value: float | None) -> str:
    if value is None:
        return ""
    if value == 0 or 0.01 <= abs(value) < 1e6:
        return f"{value:,.3g}" if abs(value) < 100 else f"{value:,.0f}"
    return f"{value:.3g}"


def _goal(figure: Figure) -> str:
    if figure.goal is None:
        return ""
    sign = "≥" if figure.higher_is_better else "≤"
    if figure.goal_on == "ratio":
        return f"{sign} {_number(figure.goal)}× baseline"
    return f"{sign} {_number(figure.goal)} {figure.unit}"


def _verdict(figure: Figure) -> str:
    return {True: "pass", False: "**FAIL**", None: "–"}[figure.passed]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def figure_row(figure: Figure) -> str:
    """One Markdown table row: figure, value, goal, baseline, ratio, verdict, note."""
    ratio = figure.ratio
    baseline = ""
    if figure.baseline:
        baseline = figure.baseline
        if figure.baseline_value is not None:
            baseline += f" ({_number(figure.baseline_value)} {figure.unit})"
    cells = [
        figure.name,
        f"{_number(figure.value)} {figure.unit}",
        _goal(figure),
        baseline,
        ("" if ratio is None else f"{ratio:.2f}×" if ratio >= 0.01 else f"{ratio:.1g}×"),
        _verdict(figure),
        figure.note,
    ]
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


HEADER = (
    "| figure | value | goal | baseline | ratio | verdict | note |\n|---|---:|---|---|---:|---|---|"
)


def goals_table(outcomes: list[Outcome]) -> list[str]:
    """The issue's speed goals, each with the figures of this run that measure it."""
    lines = [
        "## Speed goals of issue 19",
        "",
        "| goal | benchmark | figure | value | goal | baseline | ratio | verdict | note |",
        "|---|---|---|---:|---|---|---:|---|---|",
    ]
    for key, goal in ISSUE_GOALS.items():
        found = [(o.module, f) for o in outcomes for f in o.figures if f.issue_goal == key]
        if not found:
            lines.append(f"| {_cell(goal)} | not measured in this run |" + " |" * 7)
        for module, figure in found:
            lines.append(f"| {_cell(goal)} | {module} " + figure_row(figure))
    return [*lines, ""]


def markdown(outcomes: list[Outcome], *, quick: bool, machine: str) -> str:
    """The whole report: a summary, then one table per benchmark."""
    figures = [f for o in outcomes for f in o.figures]
    with_goal = [f for f in figures if f.passed is not None]
    met = sum(1 for f in with_goal if f.passed)
    lines = [
        "# codage benchmark report",
        "",
        f"Size: {'quick (CI)' if quick else 'full'}. Machine: {machine}.",
        "",
        f"{len(outcomes)} benchmarks, {len(figures)} figures; "
        f"{met} of {len(with_goal)} goals met; "
        f"{sum(1 for o in outcomes if o.skipped)} skipped, "
        f"{sum(1 for o in outcomes if o.error)} failed to run.",
        "",
        "Each baseline is measured in the same run as the figure it is compared with. "
        "A quick run uses small sizes: its verdicts are indicative, the goals are stated "
        "for the full sizes.",
        "",
    ]
    lines += goals_table(outcomes)
    for outcome in outcomes:
        lines += [f"## {outcome.module}", "", outcome.title, ""]
        if outcome.skipped:
            lines += [f"Skipped: {outcome.skipped}", ""]
            continue
        if outcome.error:
            lines += [f"Failed to run: `{_cell(outcome.error)}`", ""]
        if outcome.figures:
            lines += [HEADER, *(figure_row(f) for f in outcome.figures), ""]
        lines += [f"Ran in {outcome.seconds:.1f} s.", ""]
    return "\n".join(lines)
