"""What the kill harness found, each pinned by a test that kills at a chosen moment."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from codage.services import Project, StoreError
from codage.store.copy import copy_project
from tests.conftest import sample_document
from tests.faults.harness import snapshot


def _project(path: Path) -> Path:
    with Project.open(str(path)) as p:
        doc = p.add_document(sample_document())
        code = p.create_code("Intranet", coder="alice")
        p.add_coding(doc.id, code.id, 0, 12, coder="alice")
    return path


def test_a_copy_killed_halfway_leaves_no_file_under_the_final_name(tmp_path: Path) -> None:
    """Found by test_copy_killed: the copy was built in the destination file itself, so a
    kill left an empty database there, which codage then refused to open ("not a codage
    project") and refused to copy onto again ("already exists")."""
    source = _project(tmp_path / "source.db")
    final = tmp_path / "copy.db"
    pid = os.fork()
    if pid == 0:  # killed by itself while the first table's rows are being written

        def die(table: str, done: int, total: int) -> None:
            if done:
                os.kill(os.getpid(), signal.SIGKILL)

        try:
            copy_project(str(source), str(final), progress=die)
        finally:
            os._exit(3)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    assert not final.exists()
    (left,) = [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]
    # the next copy makes the project, and clears what the killed one left
    report = copy_project(str(source), str(final))
    assert report.total > 0 and snapshot(final) == snapshot(source)
    assert not left.exists()
    assert not [p for p in tmp_path.iterdir() if ".partial" in p.name]


def test_a_copy_never_replaces_a_file_made_meanwhile(tmp_path: Path) -> None:
    source = _project(tmp_path / "source.db")
    final = tmp_path / "copy.db"

    def someone_else(table: str, done: int, total: int) -> None:
        if not final.exists():
            final.write_bytes(b"theirs")

    with pytest.raises(StoreError, match="already exists"):
        copy_project(str(source), str(final), progress=someone_else)
    assert final.read_bytes() == b"theirs"
    assert not [p for p in tmp_path.iterdir() if ".partial" in p.name]
