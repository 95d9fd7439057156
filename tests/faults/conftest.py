"""The kill harness's account: how many kills, where they landed, and the seed."""

from __future__ import annotations

import pytest

from tests.faults.harness import SEED, TALLY


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not TALLY:
        return
    total = sum(sum(points.values()) for points in TALLY.values())
    write = terminalreporter.write_line
    terminalreporter.section(f"kills: {total} (CODAGE_FAULT_SEED={SEED})")
    for scenario, points in TALLY.items():
        write(f"{scenario}: {sum(points.values())}")
        for point, count in sorted(points.items()):
            write(f"    {count:4d}  {point}")
