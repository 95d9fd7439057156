"""codage's benchmarks: `python -m benchmarks` runs them all and writes the report.

Importing this package makes every figure time codage as an installation runs it, with
its bytecode compiled. The shells of some machines set ``PYTHONDONTWRITEBYTECODE``; a
``codage`` child process started from such a shell compiles codage's modules from
source at every start (0.2 to 0.7 s on the development machine), which each figure
would then count. The variable is dropped for every child a benchmark starts, and
codage's modules are compiled once here (a check of file times when they already are).
"""

import compileall
import os
import sys
from pathlib import Path

os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False
compileall.compile_dir(Path(__file__).resolve().parent.parent / "codage", quiet=2)
