"""`codage export docx` and `codage export csv` on the demo study: time and SQL statements.

Runs the real commands in this process (Typer's runner) on the demo project
(built first into the folder given, if it is not there yet), counting every
statement SQLite is sent with a SQLAlchemy ``before_cursor_execute`` event.
Each export runs ``--repeat`` times; the best time is printed, and the
statement count of one run (it does not vary between runs).

Run: ``PYTHONPATH=$PWD .venv/bin/python benchmarks/export_sql_bench.py [--demo DIR]``.
Prints figures; it is not a pass/fail test.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from benchmarks.report import Figure
from codage.cli import app, load_commands
from codage.demo import ensure_demo

EXPORTS: dict[str, list[str]] = {
    "docx": ["export", "docx"],
    "docx --context 1": ["export", "docx", "--context", "1"],
    "docx --group-by case": ["export", "docx", "--group-by", "case"],
    "csv": ["export", "csv"],
    "xlsx": ["export", "xlsx"],
}
SUFFIX = {"docx": ".docx", "csv": ".csv", "xlsx": ".xlsx"}


class StatementCounter:
    """Counts the statements every engine sends, by their first word (SELECT, PRAGMA...)."""

    def __init__(self) -> None:
        self.kinds: Counter[str] = Counter()

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.kinds[statement.split(None, 1)[0].upper()] += 1

    @property
    def total(self) -> int:
        return sum(self.kinds.values())


def measure(folder: Path, repeat: int) -> dict[str, tuple[float, Counter[str]]]:
    """Best time and statements of each export of the demo study built in ``folder``."""
    location = str(folder / "demo.db")
    ensure_demo(location)
    load_commands()
    runner = CliRunner()
    counter = StatementCounter()
    found: dict[str, tuple[float, Counter[str]]] = {}
    event.listen(Engine, "before_cursor_execute", counter)
    try:
        for name, command in EXPORTS.items():
            out = folder / f"out{SUFFIX[command[1]]}"
            best = float("inf")
            statements: Counter[str] = Counter()
            for _ in range(repeat):
                counter.kinds.clear()
                began = time.perf_counter()
                result = runner.invoke(app, [*command, str(out), "--project", location, "--json"])
                best = min(best, time.perf_counter() - began)
                if result.exit_code != 0:
                    raise RuntimeError(f"{name}: exit {result.exit_code}: {result.output}")
                statements = Counter(counter.kinds)
            found[name] = (best, statements)
    finally:
        event.remove(Engine, "before_cursor_execute", counter)
    return found


def run(quick: bool) -> list[Figure]:
    """Every export of the demo study: best of 1 quick, of 3 full."""
    with tempfile.TemporaryDirectory(prefix="codage-export-sql-") as tmp:
        found = measure(Path(tmp), 1 if quick else 3)
    return [
        Figure(
            f"codage export {name}, demo study",
            best,
            "s",
            note=f"{sum(kinds.values())} SQL statements",
        )
        for name, (best, kinds) in found.items()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--demo", type=Path, help="folder for the demo project (kept)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    folder = args.demo or Path(tempfile.mkdtemp(prefix="codage-export-sql-"))
    folder.mkdir(parents=True, exist_ok=True)
    location = str(folder / "demo.db")
    report = ensure_demo(location)
    print(f"demo: {report.documents} documents, {report.codes} codes, {report.codings} codings")
    load_commands()
    runner = CliRunner()
    counter = StatementCounter()
    event.listen(Engine, "before_cursor_execute", counter)
    try:
        for name, command in EXPORTS.items():
            out = folder / f"out{SUFFIX[command[1]]}"
            best = float("inf")
            statements: Counter[str] = Counter()
            for _ in range(args.repeat):
                counter.kinds.clear()
                began = time.perf_counter()
                result = runner.invoke(app, [*command, str(out), "--project", location, "--json"])
                best = min(best, time.perf_counter() - began)
                if result.exit_code != 0:
                    raise SystemExit(f"{name}: exit {result.exit_code}: {result.output}")
                statements = Counter(counter.kinds)
            kinds = ", ".join(f"{k} {n}" for k, n in statements.most_common())
            print(
                f"  export {name:<22} {best:6.3f} s  {sum(statements.values()):5d} statements"
                f"  ({kinds})"
            )
    finally:
        event.remove(Engine, "before_cursor_execute", counter)


if __name__ == "__main__":
    main()
