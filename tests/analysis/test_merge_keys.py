"""A merge's foreign keys are checked once at its end (``store.deferred_keys``), not row
by row: a merge whose rows name a missing parent fails whole, the target untouched to
the byte, and the connection goes back to the pool with its keys on; a source whose own
keys are broken is refused before anything is written, in one clear line."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from benchmarks.scale import build
from codage.analysis.merge import MergeError, merge_projects
from codage.domain import NewDocument
from codage.services import Project
from codage.store.base import Conflict
from codage.store.merging import Merging
from tests.analysis.test_merge_identity import dump
from tests.analysis.test_merge_linked import _coders_project, _merge


def _target(path: Path) -> Path:
    with Project.open(str(path)) as target:
        target.add_document(NewDocument("à part", "interview", "Un texte.", []))
    return path


def _file_bytes(path: Path) -> bytes:
    # the committed state: the file once its write-ahead log is folded in
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path.read_bytes()


@pytest.mark.parametrize(
    ("table", "damage", "said"),
    [
        ("codes", "UPDATE codings SET code_id = 999 WHERE id = 4", "names codes 999 (code_id)"),
        ("coders", "UPDATE codings SET coder_id = 77 WHERE id = 2", "names coders 77 (coder_id)"),
        (
            "documents",
            "UPDATE codings SET document_id = 55 WHERE id = 6",
            "names documents 55 (document_id)",
        ),
        ("units", "UPDATE units SET document_id = 56 WHERE id = 1", "names documents 56"),
    ],
)
def test_a_source_with_broken_keys_is_refused_in_one_line_and_the_target_is_untouched(
    tmp_path: Path, table: str, damage: str, said: str
) -> None:
    source = _coders_project(tmp_path / "source.db")
    with sqlite3.connect(source) as conn:
        # another program wrote it with its keys off
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute(damage)
    for linked in (False, True):
        name = "linked" if linked else "rows"
        target_path = _target(tmp_path / f"{name}.db")
        before, before_rows = _file_bytes(target_path), dump(target_path)
        with pytest.raises(MergeError) as caught:
            _merge(tmp_path, name, [source], linked=linked, rounds=1)
        message = str(caught.value)
        assert message.startswith(f"{source}: the project is damaged (a row of ")
        assert said in message and "nothing of it was merged" in message
        assert "\n" not in message
        assert dump(target_path) == before_rows
        assert _file_bytes(target_path) == before


def test_a_row_written_without_its_parent_fails_the_merge_at_its_end(tmp_path: Path) -> None:
    """A merge that wrote a row naming a missing parent (here a code taken out of the
    code map by a planted fault) fails whole at the check, on both paths."""
    source = _coders_project(tmp_path / "source.db")
    real = Merging.linked_source

    def broken_map(self: Merging, source_: Merging, code_map: dict[int, int], memo_ids: object):
        return real(self, source_, {k: 4242 for k in code_map}, memo_ids)  # type: ignore[arg-type]

    target_path = _target(tmp_path / "target.db")
    before, before_rows = _file_bytes(target_path), dump(target_path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Merging, "linked_source", broken_map)
        with (
            Project.open(str(source), create=False) as opened,
            Project.open(str(target_path)) as target,
        ):
            with pytest.raises(MergeError) as caught:
                merge_projects(target, [opened], coder="lead")
            # the pooled connection has its keys on again: a bad row is refused at once
            with target.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    message = str(caught.value)
    assert "names codes 4242 (code_id)" in message and "nothing of it was kept" in message
    assert dump(target_path) == before_rows
    assert _file_bytes(target_path) == before


def test_a_batch_with_keys_at_the_end_checks_only_the_rows_it_wrote(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    with Project.open(str(path)) as project:
        doc = project.add_document(NewDocument("d", "interview", "Un texte assez long.", []))
        code = project.create_code("C", coder="ana")
        with project.batch(coder="ana", keys_at_end=True):
            project.create_code("D", coder="ana")
        assert [c.name for c in project.codes()] == ["C", "D"]
        with (
            pytest.raises(Conflict, match=r"names documents 9 .*nothing was written"),
            project.batch(coder="ana", keys_at_end=True),
            project._tx() as s,
        ):
            s.connection().exec_driver_sql(
                'INSERT INTO codings (document_id, code_id, coder_id, start, "end", text,'
                " created_at, updated_at) VALUES (9, ?, 1, 0, 2, 'Un', '2026', '2026')",
                (code.id,),
            )
        assert [c.name for c in project.codes()] == ["C", "D"]
        assert project.coding_counts() == {}
        # outside such a batch the keys are checked row by row, as always
        with pytest.raises(Exception, match="FOREIGN KEY"), project._tx() as s:
            s.connection().exec_driver_sql(
                'INSERT INTO codings (document_id, code_id, coder_id, start, "end", text,'
                " created_at, updated_at) VALUES (?, 999, 1, 0, 2, 'Un', '2026', '2026')",
                (doc.id,),
            )


def test_index_rows_written_in_key_order_are_the_rows_written_per_document(
    tmp_path: Path,
) -> None:
    """A merge stages the built index's lemma and form rows and writes them sorted at
    the end of its documents (``SearchIndex.index_rows_in_order``): the same tables as
    without staging, into an empty target and into one holding indexed documents; a
    failure after staging leaves neither rows nor TEMP tables."""
    from contextlib import nullcontext

    source = build("20k", tmp_path / "scale")
    other = _coders_project(tmp_path / "other.db")
    with sqlite3.connect(source) as conn:
        for table in ("search_texts", "search_lemmas", "search_forms"):
            conn.execute(f"DELETE FROM {table}")
    results = []
    for staged in (True, False):
        target_path = tmp_path / f"target-{staged}.db"
        with pytest.MonkeyPatch.context() as patch:
            if not staged:
                patch.setattr(Merging, "index_rows_in_order", lambda self: nullcontext())
            with (
                Project.open(str(source), create=False) as a,
                Project.open(str(other), create=False) as b,
                Project.open(str(target_path)) as target,
            ):
                merge_projects(target, [b, a], coder="lead")
        results.append(dump(target_path))
    assert results[0] == results[1]
    assert len(results[0]["search_lemmas"]) > 100
    target_path = _target(tmp_path / "failed.db")
    before = dump(target_path)
    with Project.open(str(target_path)) as target, Project.open(str(source), create=False) as a:
        with pytest.raises(MergeError), target.batch(coder="lead"):
            with target.index_rows_in_order():
                target.copy_document(a, a.documents()[0])
            raise MergeError("planted", None)  # type: ignore[arg-type]
        with target.engine.connect() as conn:
            temp = conn.exec_driver_sql("SELECT name FROM temp.sqlite_master").all()
        assert temp == []
    assert dump(target_path) == before
