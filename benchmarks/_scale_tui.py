"""The interface's runs of :mod:`benchmarks.scale`, each in a process of its own.

``open PROJECT CODER``: from the process's start (Python's, the imports' and Textual's
start-up included) to the document list shown, then on to the documents' coded shares;
prints the processor time at both and, last, the seconds to the list. ``retrieval
PROJECT CODER CODE_ID``: from the retrieval screen's push to its list. Kept apart from
``benchmarks.scale``, which loads the full store to build projects: what the interface
loads before its first screen is part of what is measured.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time


def since_process_start() -> float | None:
    """Seconds since this process started (Linux: /proc), None where unknown."""
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            # the fields after the command's name; the 22nd field is the start time
            fields = f.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime", encoding="ascii") as f:
            up = float(f.read().split()[0])
    except (OSError, IndexError, ValueError):
        return None
    return up - int(fields[19]) / os.sysconf("SC_CLK_TCK")


async def _tui(what: str, location: str, coder: str, code_id: int | None) -> float:
    from textual.widgets import OptionList

    from codage.tui.app import CodageApp
    from codage.tui.screens.workbench import WorkbenchScreen

    began = time.perf_counter()
    # what the person waits for: from the process's start, not from the app's creation
    started = since_process_start()
    if started is not None:
        began -= started
    # The list is on screen when the workbench hears that its first state was drawn
    # (called after the refresh that painted it). Polling for the list from here came
    # late whenever the work that follows the list held the interpreter.
    drawn: list[tuple[float, float]] = []
    first_state_drawn = WorkbenchScreen.first_state_drawn

    def noted(screen: WorkbenchScreen) -> None:
        if not drawn:
            drawn.append((time.perf_counter() - began, time.process_time()))
        first_state_drawn(screen)

    WorkbenchScreen.first_state_drawn = noted  # type: ignore[method-assign,assignment]
    app = CodageApp(location, coder, language="en")
    async with app.run_test(size=(160, 50)) as pilot:
        if what == "open":
            while True:
                try:
                    options = app.screen.query_one("#documents", OptionList)
                except Exception:
                    options = None
                if drawn and options is not None and options.option_count:
                    shown, cpu = drawn[0]
                    print(f"list shown: {shown:.3f} s, {cpu:.2f} s cpu", file=sys.stderr)
                    listed = f"list shown at {cpu:.2f} s cpu"
                    # the shares and latest codes follow the list: wait for them too, so
                    # that the processor time covers the whole opening
                    # (slept on, not Pilot's pause: its forced repaints, a hundred a
                    # second, were billed to the opening's processor time)
                    while not getattr(app.screen, "_shares_known", True):
                        await asyncio.sleep(0.01)
                    complete = time.perf_counter() - began
                    cpu = time.process_time()
                    print(f"complete: {complete:.3f} s, {cpu:.2f} s cpu", file=sys.stderr)
                    print(f"{listed}; shares shown at {complete:.2f} s, {cpu:.2f} s cpu")
                    return shown
                await asyncio.sleep(0.01)
        from codage.tui.screens.retrieval import RetrievalScreen

        screen = RetrievalScreen(code_id)
        began = time.perf_counter()
        await app.push_screen(screen)
        while not screen.passages:
            await pilot.pause(0.01)
        return time.perf_counter() - began
    return 0.0


def main(argv: list[str]) -> None:
    """``open PROJECT CODER`` or ``retrieval PROJECT CODER CODE_ID``."""
    what, location, coder = argv[:3]
    code = argv[3] if len(argv) > 3 else None
    seconds = asyncio.run(_tui(what, location, coder, int(code) if code else None))
    print(f"{what}: {seconds:.3f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
