"""A small real project for the assistance tests: three of the demo's interviews
imported with the real French model, the demo's codebook, coded by the demo's two
coders. Built once per session; each test works on its own copy of the file."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from codage import codebook
from codage.demo import CODEBOOK_FILE, CODERS, code_demo
from codage.ingest.service import import_files
from codage.services import Project, import_codebook, open_project

ROOT = Path(__file__).resolve().parents[2]
FILES = ("entretien-01-region.txt", "entretien-04-commune.txt", "entretien-07-syndicat.txt")


@pytest.fixture(scope="session")
def assist_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("assist") / "source.db"
    project = open_project(str(path))
    try:
        book = codebook.load_codebook(ROOT / "codebooks" / CODEBOOK_FILE)
        import_codebook(project, book, coder=CODERS[0])
        report = import_files(project, [ROOT / "transcripts" / name for name in FILES])
        assert not report.failed
        assert code_demo(project) > 20
    finally:
        project.close()
    return path


@pytest.fixture
def assist_path(assist_source: Path, tmp_path: Path) -> Path:
    path = tmp_path / "assist.db"
    shutil.copy(assist_source, path)
    return path


@pytest.fixture
def assist_project(assist_path: Path) -> Iterator[Project]:
    project = open_project(str(assist_path))
    try:
        yield project
    finally:
        project.close()
