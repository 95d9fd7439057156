"""Every bad input of the corpus, handed to a real ``codage`` process.

Each must end with one clear line on stderr (no traceback), a non-zero exit, and
the project byte-for-byte as before (or, for a command that would create one, no
project left behind). The processes run a few at a time: each one starts Python,
and an import also starts the language model in the background.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from codage.ingest.reader import ReadOptions, read_file
from codage.services import Project
from tests.conftest import ROOT, sample_document
from tests.hostile import corpus_documents, corpus_projects, corpus_tables
from tests.hostile.corpus import CASES, NEW, PROJECT, TOLERATED, Call

# the corpus modules register their cases when imported
assert corpus_documents and corpus_projects and corpus_tables

# REFI-QDA projects imported for what they hold, with what could not be placed reported
REPORTED = {"qdpx_bad_offsets", "qdpx_missing_source", "qdpx_offsets_not_numbers"}

# Enough processes to keep two cores busy while others wait on the disk.
WORKERS = 3


@dataclass
class Outcome:
    call: Call
    folder: Path
    before: str | None
    after: str | None
    returncode: int
    stdout: str
    stderr: str


def _digest(path: Path) -> str | None:
    if not path.is_file():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run(name: str, root: Path, base: Path, env: dict[str, str]) -> Outcome:
    folder = root / name
    folder.mkdir()
    shutil.copyfile(base, folder / PROJECT)
    call = CASES[name](folder)
    subject = folder / call.subject
    before = _digest(subject)
    done = subprocess.run(
        [sys.executable, "-m", "codage", *call.argv],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return Outcome(
        call, folder, before, _digest(subject), done.returncode, done.stdout, done.stderr
    )


@pytest.fixture(scope="module")
def outcomes(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Outcome]:
    """Run the cases this session selected, a few processes at a time."""
    wanted = [
        item.callspec.params["name"]
        for item in request.session.items
        if isinstance(item, pytest.Function)
        and item.originalname == "test_bad_input_is_refused_cleanly"
    ]
    root = tmp_path_factory.mktemp("hostile")
    base = root / "base.db"
    with Project.open(str(base)) as project:
        project.add_document(sample_document())
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "CODAGE_CONFIG": str(root / "settings.toml"),
        "CODAGE_LANG": "en",
        "CODAGE_CODER": "amelie",
        "COLUMNS": "100",
    }
    env.pop("CODAGE_PROJECT", None)
    with ThreadPoolExecutor(WORKERS) as pool:
        futures = {name: pool.submit(_run, name, root, base, env) for name in wanted}
        done = {name: future.result() for name, future in futures.items()}
    # what each command said, to read when a case fails
    summary = {
        name: {"exit": o.returncode, "stderr": o.stderr[-2000:], "same": o.before == o.after}
        for name, o in done.items()
    }
    (root / "outcomes.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False))
    return done


def test_the_corpus_is_large_enough() -> None:
    refused = [name for name, build in CASES.items() if name not in REPORTED]
    assert len(refused) >= 60


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_refused_cleanly(name: str, outcomes: dict[str, Outcome]) -> None:
    """One clear line, a non-zero exit, the project as it was (or none left behind)."""
    outcome = outcomes[name]
    said = f"exit {outcome.returncode}\nstdout: {outcome.stdout}\nstderr: {outcome.stderr}"
    assert "Traceback" not in outcome.stderr + outcome.stdout, said
    if outcome.call.reported is not None:
        # imported for what it holds; what could not be placed is said, not dropped
        assert outcome.returncode == 0, said
        assert outcome.call.reported in outcome.stdout, said
        return
    assert outcome.returncode != 0, said
    lines = [line for line in outcome.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, said
    if outcome.call.mode == "new":
        leftovers = sorted(p.name for p in outcome.folder.iterdir() if p.name.startswith(NEW))
        assert leftovers == [], said
    else:
        assert outcome.before is not None
        assert outcome.after == outcome.before, said


@pytest.mark.parametrize("name", sorted(TOLERATED))
def test_odd_but_readable_input_is_read_whole(name: str, tmp_path: Path) -> None:
    builder, kept = TOLERATED[name]
    call = builder(tmp_path)
    argv = call.argv
    options = ReadOptions(
        id_column=argv[argv.index("--id-column") + 1] if "--id-column" in argv else None,
        text_columns=[argv[argv.index("--text-column") + 1]] if "--text-column" in argv else None,
    )
    documents = read_file(Path(argv[-1]), options)
    text = "\n".join(d.text for d in documents)
    for word in kept:
        assert word in text, (word, text)
