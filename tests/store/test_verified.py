"""A project file whose pages passed ``quick_check`` is not read whole again while it is
unchanged (store/verified.py); any write, by codage or not, makes it checked again.

The files are made once and left to settle (a check is recorded only for a file last
changed some seconds before): one wait for the module.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path

import pytest

from codage.services import Project, StoreError
from codage.store.verified import SETTLED_NS, file_identity, record_verified, was_verified
from tests.store.test_engine import _damage, make_project

NAMES = ("recorded", "damaged-later", "rotten", "fresh", "no-cache", "logged")


@pytest.fixture(scope="module")
def settled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("settled")
    made = {}
    for name in NAMES:
        made[name] = folder / f"{name}.db"
        make_project(made[name], documents=12)
    _damage(made["rotten"])
    time.sleep(SETTLED_NS / 1e9 + 0.2)
    return made


def _cache() -> Path:
    return Path(os.environ["CODAGE_CACHE"]) / "verified.json"


def test_a_settled_file_is_recorded_once_its_check_passes(settled: dict[str, Path]) -> None:
    path = settled["recorded"]
    assert not was_verified(path, file_identity(path))
    Project.open(str(path), create=False).close()
    assert was_verified(path, file_identity(path))
    assert str(path.resolve()) in json.loads(_cache().read_text(encoding="utf-8"))
    # opened again, read and closed without a write: still the file that was checked
    with Project.open(str(path), create=False) as project:
        assert len(project.documents()) == 12
    assert was_verified(path, file_identity(path))


def test_a_file_written_after_its_check_is_checked_again(settled: dict[str, Path]) -> None:
    path = settled["damaged-later"]
    Project.open(str(path), create=False).close()
    before = path.stat()
    assert was_verified(path, file_identity(path))
    _damage(path)
    # even with its times set back, its change time says it was written
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert not was_verified(path, file_identity(path))
    with pytest.raises(StoreError, match="the project file is damaged"):
        Project.open(str(path), create=False)


def test_the_record_is_what_spares_the_check(settled: dict[str, Path]) -> None:
    # a damaged file recorded as passed (as if the disk had rotted it since, unwritten):
    # its pages are not read whole, and the record alone decides it
    path = settled["rotten"]
    with pytest.raises(StoreError, match="the project file is damaged"):
        Project.open(str(path), create=False)
    record_verified(path, file_identity(path))
    assert was_verified(path, file_identity(path))
    Project.open(str(path), create=False).close()
    os.utime(path)  # touched: checked again, and refused
    with pytest.raises(StoreError, match="the project file is damaged"):
        Project.open(str(path), create=False)


def test_a_file_changed_moments_before_its_check_is_not_recorded(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    make_project(path)
    Project.open(str(path), create=False).close()
    assert not was_verified(path, file_identity(path))
    assert not _cache().exists()


def test_a_cache_that_cannot_be_written_only_means_checking_again(
    settled: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("CODAGE_CACHE", str(blocker))
    path = settled["no-cache"]
    Project.open(str(path), create=False).close()
    assert not was_verified(path, file_identity(path))
    assert blocker.read_text(encoding="utf-8") == "x"


def test_a_write_ahead_log_with_frames_is_part_of_the_identity(settled: dict[str, Path]) -> None:
    path = settled["logged"]
    before = file_identity(path)
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA wal_autocheckpoint=0")
        conn.execute("UPDATE documents SET name = name")
        conn.commit()
        assert path.with_name(path.name + "-wal").stat().st_size > 0
        assert file_identity(path) != before
    finally:
        conn.close()
