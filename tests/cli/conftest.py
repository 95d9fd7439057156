"""What several command-line test modules share."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def demo_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo study as `codage demo` builds it (its import runs the language model):
    built once for every module that reads it."""
    location = tmp_path_factory.mktemp("demo") / "demo.db"
    done = subprocess.run(
        [sys.executable, "-m", "codage", "demo", "--no-tui", "-p", str(location)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr.decode()
    return location
