"""A disk that fills up during an import or an export, and a project file that cannot be
written: one clear line, a non-zero exit, and the project as it was.

The full disk is a real one where the machine allows it: a small tmpfs mounted for the
test (root only). Everywhere, the same runs also meet a real write error from the
kernel: a file-size limit (RLIMIT_FSIZE, EFBIG) set in the process that writes, which
needs no rights. A read-only project is made so with `chattr +i` (root's chmod does not
stop root) and with a read-only mount; each skips, saying why, where it cannot be done.
"""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codage.cli import app
from codage.services import Project
from codage.store.backup import make_backup
from tests.conftest import SAMPLE_TEXT, sample_document
from tests.faults.harness import ROOT, fork_and_kill, integrity, snapshot

TRANSCRIPT = ROOT / "transcripts" / "entretien-01-region.txt"
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _project(path: Path, codings: int = 1) -> Path:
    text = "\n\n".join([SAMPLE_TEXT] * max(1, codings // 4))
    with Project.open(str(path)) as p:
        doc = p.add_document(sample_document(text=text))
        code = p.create_code("Intranet", coder="alice")
        for k in range(codings):
            p.add_coding(doc.id, code.id, k * 40, k * 40 + 120, coder="alice")
    return path


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def _mount(folder: Path, *options: str) -> None:
    subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs", str(folder)],
                   check=True, capture_output=True)  # fmt: skip


@contextlib.contextmanager
def small_disk(tmp_path: Path, size: str) -> Iterator[Path]:
    """A real file system of ``size`` (tmpfs), mounted for the block; skips without rights."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a small file system needs root (mount -t tmpfs); the file-size limit "
                    "tests below cover the same write error without it")  # fmt: skip
    folder = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    folder.mkdir()
    try:
        _mount(folder, f"size={size}")
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"cannot mount a tmpfs here: {exc.stderr.decode(errors='replace').strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _fill(folder: Path, leave: int) -> None:
    """Fill the file system of ``folder`` up to ``leave`` bytes free."""
    free = shutil.disk_usage(folder).free
    with (folder / "filler").open("wb") as handle, contextlib.suppress(OSError):
        handle.write(b"\0" * max(0, free - leave))


def _one_clear_line(err: str, *words: str) -> None:
    """One line says what went wrong, in words, without a traceback or a library's noise."""
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert "Traceback" not in err and "sqlalche.me" not in err and "unexpected" not in err, err
    assert any(any(w in line.lower() for w in words) for line in lines), err


# -- a full disk -------------------------------------------------------------------------


def test_an_import_onto_a_full_disk_leaves_the_project_whole(tmp_path: Path) -> None:
    with small_disk(tmp_path, "2m") as disk:
        path = _project(disk / "study.db")
        before = snapshot(path)
        _fill(disk, 48 * 1024)
        code, _out, err = run("import", str(TRANSCRIPT), "-p", str(path))
        assert code != 0
        _one_clear_line(err, "full", "space")
        (disk / "filler").unlink()
        integrity(path)
        assert snapshot(path) == before  # no half-imported document
        # with room again, the same import goes through
        code, _out, err = run("import", str(TRANSCRIPT), "-p", str(path))
        assert code == 0, err
        assert len(snapshot(path)["documents"]) == 2  # type: ignore[arg-type]


def test_an_export_onto_a_full_disk_leaves_nothing_behind(tmp_path: Path) -> None:
    path = _project(tmp_path / "study.db")
    with small_disk(tmp_path, "1m") as disk:
        old = disk / "dossier.docx"
        assert run("export", "docx", str(old), "-p", str(path))[0] == 0
        yesterday = old.read_bytes()
        _fill(disk, 4 * 1024)
        for kind in ("docx", "xlsx"):
            out = disk / f"dossier.{kind}"
            before = _files(disk)
            code, _out, err = run("export", kind, str(out), "-p", str(path))
            assert code != 0
            _one_clear_line(err, "no space", "full")
            assert _files(disk) == before  # no partial file, yesterday's dossier intact
        assert old.read_bytes() == yesterday


def _limited(limit: int) -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_an_import_stopped_by_a_file_size_limit_leaves_the_project_whole(
    tmp_path: Path,
) -> None:
    """The write error without a small disk: the kernel refuses to grow any file past a
    limit set in the importing process (EFBIG), as a full disk refuses with ENOSPC."""
    path = _project(tmp_path / "study.db")
    before = snapshot(path)
    # room for SQLite's 32 KB shared-memory file, not for the import's write-ahead log
    limit = 48 * 1024
    outcome = fork_and_kill(
        [["import", str(TRANSCRIPT), "-p", str(path)]], None, before=lambda: _limited(limit),
        stderr=True,
    )  # fmt: skip
    ((code, _out),) = outcome.returned
    assert code != 0
    _one_clear_line(outcome.stderr, "too large", "file")
    integrity(path)
    assert snapshot(path) == before


def test_an_export_stopped_by_a_file_size_limit_leaves_nothing_behind(tmp_path: Path) -> None:
    path = _project(tmp_path / "study.db", codings=800)
    folder = tmp_path / "out"
    folder.mkdir()
    for kind in ("docx", "xlsx"):
        whole = tmp_path / f"whole.{kind}"
        assert run("export", kind, str(whole), "-p", str(path))[0] == 0
        # room for SQLite's 32 KB shared-memory file, not for the export
        limit = whole.stat().st_size - 4096
        assert limit > 36 * 1024, whole.stat().st_size
        outcome = fork_and_kill(
            [["export", kind, str(folder / f"dossier.{kind}"), "-p", str(path)]], None,
            before=lambda limit=limit: _limited(limit), stderr=True,
        )  # fmt: skip
        ((code, _out),) = outcome.returned
        assert code != 0
        _one_clear_line(outcome.stderr, "too large")
        assert list(folder.iterdir()) == []


# -- a project that cannot be written ----------------------------------------------------


WRITES = [
    ("code", "entretien-test", "Intranet", "--start", "20", "--end", "30", "--coder", "bob"),
    ("codebook", "add", "Sécurité"),
    ("import", str(TRANSCRIPT)),
    ("restore", "--yes"),
]


def _check_refused(path: Path, folder: Path) -> None:
    before = path.read_bytes()
    around = {p.name for p in folder.iterdir()}
    for args in WRITES:
        code, _out, err = run(*args, "-p", str(path))
        assert code != 0, args
        lines = [line for line in err.strip().splitlines() if line.strip()]
        assert "Traceback" not in err
        assert any("read-only" in line or "cannot be written" in line for line in lines), err
        assert path.read_bytes() == before, args  # nothing changed
        # nothing added but SQLite's empty side files of a read-only look
        assert {p.name for p in folder.iterdir()} - around <= {
            f"{path.name}-wal",
            f"{path.name}-shm",
        }, args


def test_an_immutable_project_file_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not available")
    folder = tmp_path / "study"
    folder.mkdir()
    path = _project(folder / "study.db")
    make_backup(path, "merge")  # so that restore has something to refuse to bring back
    made = subprocess.run(["chattr", "+i", str(path)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot set the immutable attribute here: {made.stderr!r}")
    try:
        _check_refused(path, folder)
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)
    integrity(path)


def test_a_project_on_a_read_only_mount_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    with small_disk(tmp_path, "4m") as disk:
        path = _project(disk / "study.db")
        make_backup(path, "merge")
        try:
            subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True,
                           capture_output=True)  # fmt: skip
        except subprocess.CalledProcessError as exc:
            pytest.skip(f"cannot remount read-only: {exc.stderr!r}")
        _check_refused(path, disk)
        integrity(path)
