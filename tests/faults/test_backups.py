"""Automatic backups before risky changes, `codage backups` and `codage restore`, on real
SQLite files: each trigger, the bound, a restore, and the restore of a restore."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codage.analysis.reanchor import replace_document_text
from codage.cli import app
from codage.config import Settings, save_settings
from codage.domain import NewDocument, Unit
from codage.services import Project
from codage.store.backup import backup_folder, list_backups
from tests.conftest import SAMPLE_TEXT, sample_document
from tests.old_schema import downgrade

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def codings_on_disk(path: Path) -> list[tuple[int, int, int]]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute('SELECT code_id, start, "end" FROM codings ORDER BY id').fetchall()
    conn.close()
    return rows


def coded_project(path: Path, coder: str = "alice", spans: int = 2) -> Path:
    with Project.open(str(path)) as p:
        doc = p.add_document(sample_document())
        code = p.create_code("Intranet", coder=coder)
        for i in range(spans):
            p.add_coding(doc.id, code.id, i * 10, i * 10 + 5, coder=coder)
    return path


def reasons(path: Path) -> list[str]:
    return [b.reason for b in list_backups(path)]


def test_a_merge_backs_the_target_up_first(tmp_path: Path) -> None:
    target = coded_project(tmp_path / "team.db", "alice", spans=1)
    source = coded_project(tmp_path / "bob.db", "bob", spans=2)
    before = codings_on_disk(target)
    code, out, err = run("merge", str(target), str(source), "--coder", "lead", "--json")
    assert code == 0, err
    (backup,) = list_backups(target)
    assert backup.reason == "merge"
    assert backup.path.parent == backup_folder(target) == tmp_path / "team.db.backups"
    assert json.loads(out)["backup"] == str(backup.path)
    # the copy is the target as it was before the merge, whole
    assert codings_on_disk(backup.path) == before
    assert len(codings_on_disk(target)) == 3
    with sqlite3.connect(backup.path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    conn.close()
    assert not list(tmp_path.glob("bob.db.backups"))  # sources are only read


def test_a_text_replacement_backs_up_but_a_dry_run_does_not(tmp_path: Path) -> None:
    path = coded_project(tmp_path / "study.db")
    corrected = SAMPLE_TEXT.replace("2024", "2023")
    new = NewDocument(
        "entretien-test", "interview", corrected, units=[Unit("paragraph", 0, len(corrected))]
    )
    with Project.open(str(path), create=False) as p:
        dry = replace_document_text(p, "entretien-test", new, coder="alice", dry_run=True)
        assert dry.backup is None and reasons(path) == []
        report = replace_document_text(p, "entretien-test", new, coder="alice")
    (backup,) = list_backups(path)
    assert report.backup == backup.path and backup.reason == "replace"
    with sqlite3.connect(backup.path) as conn:
        (text,) = conn.execute("SELECT text FROM documents").fetchone()
    conn.close()
    assert text == SAMPLE_TEXT  # the text before the correction


def test_an_upgrade_backs_up_into_the_folder(tmp_path: Path) -> None:
    path = coded_project(tmp_path / "old.db")
    downgrade(path, "0001")  # as an older codage left it
    with Project.open(str(path), create=False) as p:
        p.create_code("Sécurité", coder="alice")
    (backup,) = list_backups(path)
    assert backup.reason == "upgrade"
    with sqlite3.connect(backup.path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
    conn.close()


def test_a_qdpx_import_into_an_existing_project_backs_it_up(tmp_path: Path) -> None:
    source = coded_project(tmp_path / "source.db", "bob")
    exported = tmp_path / "source.qdpx"
    code, _out, err = run("export", "qdpx", str(exported), "-p", str(source))
    assert code == 0, err
    # into a new project: nothing to back up
    fresh = tmp_path / "fresh.db"
    code, _out, err = run("import", str(exported), "-p", str(fresh), "--coder", "lead")
    assert code == 0, err
    assert reasons(fresh) == []
    # into a project with work in it: backed up first
    existing = coded_project(tmp_path / "existing.db", "alice", spans=1)
    before = codings_on_disk(existing)
    code, _out, err = run("import", str(exported), "-p", str(existing), "--coder", "lead")
    assert code == 0, err
    (backup,) = list_backups(existing)
    assert backup.reason == "import-qdpx"
    assert codings_on_disk(backup.path) == before


def test_a_copy_never_writes_into_an_existing_project_so_needs_no_backup(tmp_path: Path) -> None:
    source = coded_project(tmp_path / "a.db")
    existing = coded_project(tmp_path / "b.db", "bob")
    before = existing.read_bytes()
    code, _out, err = run("copy", str(source), str(existing))
    assert code != 0 and "already exists" in err
    assert existing.read_bytes() == before
    assert not backup_folder(existing).exists()


def test_the_number_kept_is_bounded_and_configurable(tmp_path: Path) -> None:
    target = coded_project(tmp_path / "team.db", "alice", spans=1)
    sources = [coded_project(tmp_path / f"s{i}.db", f"c{i}", spans=1) for i in range(7)]
    for source in sources:
        code, _out, err = run("merge", str(target), str(source), "--coder", "lead")
        assert code == 0, err
    kept = list_backups(target)
    assert len(kept) == 5  # the default bound
    # the newest are kept: the last one holds every source but the last
    assert len(codings_on_disk(kept[0].path)) == 7
    assert [b.reason for b in kept] == ["merge"] * 5
    save_settings(Settings(backups=2))
    code, _out, err = run("merge", str(target), str(sources[0]), "--coder", "lead")
    assert code == 0, err
    assert len(list_backups(target)) == 2
    save_settings(Settings(backups=0))
    code, _out, err = run("merge", str(target), str(sources[1]), "--coder", "lead")
    assert code == 0, err
    assert len(list_backups(target)) == 2  # none made, none pruned


def test_a_bad_bound_in_the_settings_is_one_line(tmp_path: Path) -> None:
    import os

    Path(os.environ["CODAGE_CONFIG"]).write_text("backups = -1\n", encoding="utf-8")
    code, _out, err = run("backups", "-p", str(coded_project(tmp_path / "p.db")))
    # listing does not read the bound; a change that backs up does, and says why
    assert code == 0, err
    target = coded_project(tmp_path / "t.db")
    code, _out, err = run("merge", str(target), str(tmp_path / "p.db"), "--coder", "lead")
    assert code == 2 and "backups must be a whole number" in err
    assert len(err.strip().splitlines()) == 1


def test_backups_lists_them_newest_first(tmp_path: Path) -> None:
    target = coded_project(tmp_path / "team.db", "alice", spans=1)
    code, out, _err = run("backups", "-p", str(target))
    assert code == 0 and "No backup" in out
    for i in range(2):
        source = coded_project(tmp_path / f"s{i}.db", f"c{i}", spans=1)
        assert run("merge", str(target), str(source), "--coder", "lead")[0] == 0
    code, out, err = run("backups", "-p", str(target), "--json")
    assert code == 0, err
    rows = json.loads(out)["backups"]
    assert [r["reason"] for r in rows] == ["merge", "merge"]
    assert rows[0]["name"] > rows[1]["name"] or rows[0]["made"] >= rows[1]["made"]
    assert len(codings_on_disk(Path(rows[0]["path"]))) == 2
    code, out, _err = run("backups", "-p", str(target))
    assert code == 0 and rows[0]["name"][:20] in out


def test_backups_made_in_one_second_list_in_the_order_they_were_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # CI met a merge and two restores in one second: the folder's listing order then
    # decided which came "first". Numbered across reasons, the order is the making's.
    import codage.store.backup as backup

    target = coded_project(tmp_path / "team.db", "alice", spans=1)
    frozen = backup.datetime(2026, 11, 30, 1, 2, 3, tzinfo=backup.UTC)

    class Clock(backup.datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[no-untyped-def, override]
            return frozen

    monkeypatch.setattr(backup, "datetime", Clock)
    made = [backup.make_backup(target, why, keep=10) for why in ("restore", "merge", "restore")]
    made.append(backup.make_backup(target, "merge", keep=10))
    assert [b.n for b in made if b] == [1, 2, 3, 4]
    assert reasons(target) == ["merge", "restore", "merge", "restore"]
    assert [b.name for b in list_backups(target)] == [b.name for b in reversed(made) if b]


def test_restore_and_the_restore_of_a_restore(tmp_path: Path) -> None:
    target = coded_project(tmp_path / "team.db", "alice", spans=1)
    source = coded_project(tmp_path / "bob.db", "bob", spans=2)
    assert run("merge", str(target), str(source), "--coder", "lead")[0] == 0
    merged = codings_on_disk(target)
    assert len(merged) == 3
    # without --yes: one line, nothing changed
    code, _out, err = run("restore", "-p", str(target))
    assert code == 2 and "--yes" in err
    assert codings_on_disk(target) == merged
    code, out, err = run("restore", "--yes", "-p", str(target), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert len(codings_on_disk(target)) == 1  # as before the merge
    saved = Path(report["saved"])
    assert re.search(r"-restore(-\d+)?\.db$", saved.name) and codings_on_disk(saved) == merged
    # the project is whole and codage goes on writing to it
    with sqlite3.connect(target) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
    with Project.open(str(target), create=False) as p:
        assert [c.coder for c in p.codings()] == ["alice"]
    # the restore undone: bring back what it saved
    code, _out, err = run("restore", saved.name, "--yes", "-p", str(target))
    assert code == 0, err
    assert codings_on_disk(target) == merged
    assert [b.reason for b in list_backups(target)][:2] == ["restore", "restore"]


def test_restore_brings_back_a_damaged_project(tmp_path: Path) -> None:
    target = coded_project(tmp_path / "team.db", "alice", spans=1)
    source = coded_project(tmp_path / "bob.db", "bob", spans=2)
    assert run("merge", str(target), str(source), "--coder", "lead")[0] == 0
    data = bytearray(target.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # the schema page overwritten
    target.write_bytes(bytes(data))
    code, _out, err = run("documents", "-p", str(target))
    assert code == 2 and "damaged" in err and "codage restore" in err
    code, out, err = run("restore", "--yes", "-p", str(target), "--json")
    assert code == 0, err
    assert len(codings_on_disk(target)) == 1
    # what was there is kept byte for byte, not thrown away
    assert Path(json.loads(out)["saved"]).read_bytes() == bytes(data)


def test_bad_restores_are_one_line_and_change_nothing(tmp_path: Path) -> None:
    target = coded_project(tmp_path / "team.db")
    before = target.read_bytes()
    code, _out, err = run("restore", "--yes", "-p", str(target))
    assert code == 2 and "no backup of this project" in err
    code, _out, err = run("restore", "nowhere.db", "--yes", "-p", str(target))
    assert code == 2 and "no such backup" in err
    not_a_project = tmp_path / "notes.txt"
    not_a_project.write_text("hello", encoding="utf-8")
    code, _out, err = run("restore", str(not_a_project), "--yes", "-p", str(target))
    assert code == 2 and "not a SQLite database" in err
    assert len(err.strip().splitlines()) == 1
    assert target.read_bytes() == before
    assert not backup_folder(target).exists()


def test_a_half_written_backup_is_not_a_backup(tmp_path: Path) -> None:
    target = coded_project(tmp_path / "team.db")
    folder = backup_folder(target)
    folder.mkdir()
    # what a backup killed mid-copy leaves: its process (this pid is no process) is gone
    partial = folder / "team-20261129-100000-merge.db.999999999.partial"
    partial.write_bytes(b"SQLite format 3\x00")
    assert list_backups(target) == []
    source = coded_project(tmp_path / "bob.db", "bob")
    assert run("merge", str(target), str(source), "--coder", "lead")[0] == 0
    assert not partial.exists() and len(list_backups(target)) == 1


@pytest.mark.parametrize("command", [("backups",), ("restore", "--yes")])
def test_on_postgresql_backups_are_the_servers_job(command: tuple[str, ...]) -> None:
    url = "postgresql+psycopg://someone@127.0.0.1:1/nowhere"
    code, _out, err = run(*command, "-p", url)
    assert "pg_dump" in err and len(err.strip().splitlines()) == 1
    assert code == (0 if command == ("backups",) else 1)
