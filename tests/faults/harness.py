"""Running real `codage` commands in processes of their own and killing them with SIGKILL.

Two kinds of victims:

- a *forked* victim: a child of the test process, which has imported codage (and
  loaded the language model) once, runs command lines through the real command
  line application one after another, as `codage` would, and prints a marker after
  each command that returned. Forking costs milliseconds where starting Python and
  codage costs seconds on a busy machine: that is what makes hundreds of kills fit
  in a few minutes. The kill lands in the commands' own work, not in start-up.
- a *spawned* victim: `python -m codage ...` as a person types it (start-up, the
  model process an import starts in the background, everything), killed with its
  whole process group.

Delays are real timing, drawn from a seeded random generator (``CODAGE_FAULT_SEED``,
printed with every failure) between zero and the time an unkilled run takes.
``CODAGE_FAULT_KILLS`` sets how many kills the suite makes (default 48; CI asks for
300), shared out between the scenarios.
"""

from __future__ import annotations

import io
import os
import random
import select
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
MARK = "\x1edone"
DEFAULT_KILLS = 48


# One seed for the session, printed at its end with what the kills found
SEED = int(os.environ.get("CODAGE_FAULT_SEED") or random.SystemRandom().randrange(10**6))
# scenario -> where the kills landed (what the project held after them) -> how many times
TALLY: dict[str, dict[str, int]] = {}


def kill_budget(share: float) -> int:
    """This scenario's part of the suite's kills (at least 2)."""
    total = int(os.environ.get("CODAGE_FAULT_KILLS", DEFAULT_KILLS))
    return max(2, round(total * share))


def seeded(scenario: str) -> tuple[int, random.Random]:
    """The session's seed, and this scenario's generator drawn from it."""
    return SEED, random.Random(f"{SEED}-{scenario}")


def tally(scenario: str, point: str) -> None:
    """Count one kill of ``scenario`` that left the project at ``point``."""
    points = TALLY.setdefault(scenario, {})
    points[point] = points.get(point, 0) + 1


@dataclass
class Outcome:
    """What a victim printed before it died: the commands that returned, with their exit codes
    and output; ``finished`` when it ran to the end before the kill came."""

    returned: list[tuple[int, str]] = field(default_factory=list)
    tail: str = ""
    finished: bool = False
    delay: float = 0.0
    elapsed: float = 0.0
    stderr: str = ""

    @property
    def succeeded(self) -> list[str]:
        return [out for code, out in self.returned if code == 0]


_COMMAND: list[Any] = []


def prepare() -> Any:
    """The whole command line, imported and built into its click command here, once, so
    that forked victims start at once (Typer rebuilds it at every call otherwise)."""
    if not _COMMAND:
        import typer

        from codage.cli import load_commands

        _COMMAND.append(typer.main.get_command(load_commands()))
    return _COMMAND[0]


def _run_commands(commands: Sequence[Sequence[str]]) -> None:
    """In the forked child: each command line through the real application, then a marker."""
    application = prepare()
    for args in commands:
        try:
            result = application.main(list(args), standalone_mode=False)
            code = result if isinstance(result, int) else 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            code = 99
        sys.stdout.flush()
        sys.stdout.write(f"\n{MARK} {code}\n")
        sys.stdout.flush()


def _parse(text: str) -> tuple[list[tuple[int, str]], str]:
    parts = text.split(f"\n{MARK} ")
    # every part but the last is a command's output; each following part starts with its code
    outputs = [parts[0]]
    codes: list[int] = []
    for part in parts[1:]:
        line, _, rest = part.partition("\n")
        codes.append(int(line.strip()))
        outputs.append(rest)
    returned = list(zip(codes, outputs[:-1], strict=True))
    return returned, outputs[-1]


def _collect(fd: int, deadline: float | None, pid_done: callable) -> bytes:  # type: ignore[valid-type]
    chunks = []
    while True:
        timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            return b"".join(chunks)
        data = os.read(fd, 65536)
        if not data:
            pid_done()
            return b"".join(chunks)
        chunks.append(data)


def fork_and_kill(
    commands: Sequence[Sequence[str]],
    delay: float | None,
    *,
    before: Callable[[], None] | None = None,
    stderr: bool = False,
) -> Outcome:
    """Run ``commands`` in a forked child and SIGKILL it after ``delay`` seconds
    (never, with None: the child runs to its end). ``before`` runs in the child first
    (a resource limit); with ``stderr`` what the child said there is kept."""
    prepare()
    err_file = tempfile.TemporaryFile() if stderr else None  # noqa: SIM115 - closed below
    read_fd, write_fd = os.pipe()
    began = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the victim
        try:
            os.close(read_fd)
            os.dup2(write_fd, 1)
            err_fd = err_file.fileno() if err_file else os.open(os.devnull, os.O_WRONLY)
            os.dup2(err_fd, 2)
            sys.stdout = io.TextIOWrapper(
                os.fdopen(1, "wb", closefd=False), encoding="utf-8", write_through=True
            )
            sys.stderr = io.TextIOWrapper(os.fdopen(2, "wb", closefd=False), encoding="utf-8")
            if before is not None:
                before()
            _run_commands(commands)
        finally:
            os._exit(0)
    os.close(write_fd)
    finished = []
    deadline = None if delay is None else began + delay
    data = _collect(read_fd, deadline, lambda: finished.append(True))
    if not finished:
        os.kill(pid, signal.SIGKILL)
        data += _collect(read_fd, None, lambda: None)
    os.close(read_fd)
    os.waitpid(pid, 0)
    returned, tail = _parse(data.decode("utf-8", "replace"))
    said = ""
    if err_file is not None:
        err_file.seek(0)
        said = err_file.read().decode("utf-8", "replace")
        err_file.close()
    elapsed = time.monotonic() - began
    return Outcome(returned, tail, bool(finished), delay or 0.0, elapsed, said)


def codage_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "codage", *args]


def spawn_and_kill(args: Sequence[str], delay: float | None, env: dict[str, str]) -> Outcome:
    """`python -m codage ARGS` as a person runs it, killed (with everything it started)
    after ``delay`` seconds."""
    began = time.monotonic()
    proc = subprocess.Popen(
        codage_command(*args),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=delay)
        finished = True
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        finished = False
    text = out.decode("utf-8", "replace")
    returned = [(proc.returncode, text)] if finished else []
    elapsed = time.monotonic() - began
    return Outcome(returned, "" if finished else text, finished, delay or 0.0, elapsed)


# -- what must hold after every kill -------------------------------------------------------


def integrity(path: Path) -> None:
    """The file is a whole SQLite database whose foreign keys hold."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()


def snapshot(path: Path) -> dict[str, object]:
    """The project's content, in terms that do not depend on ids or times."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        documents = sorted(conn.execute("SELECT name, sha256 FROM documents").fetchall())
        units = sorted(
            conn.execute(
                "SELECT d.sha256, u.kind, count(*) FROM units u JOIN documents d "
                "ON d.id = u.document_id GROUP BY d.sha256, u.kind"
            ).fetchall()
        )
        codes = sorted(r[0] for r in conn.execute("SELECT name FROM codes"))
        codings = sorted(
            conn.execute(
                'SELECT d.sha256, k.name, c.name, g.start, g."end" FROM codings g '
                "JOIN documents d ON d.id = g.document_id JOIN codes k ON k.id = g.code_id "
                "JOIN coders c ON c.id = g.coder_id"
            ).fetchall()
        )
        memos = sorted(r[0] for r in conn.execute("SELECT text FROM memos"))
    conn.close()
    return {
        "documents": documents,
        "units": units,
        "codes": codes,
        "codings": codings,
        "memos": memos,
    }
