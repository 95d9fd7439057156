"""A merge copies the search index of the documents it copies in one pass over each of
the source's lemma and form tables (``DocumentCopy.index_copied_at_end``), not one
scan of them per document: the same tables as the copy per document, into an empty
target and into one holding indexed documents, the index copied rather than built; a
failure leaves the target as it was."""

from __future__ import annotations

import sqlite3
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path

import pytest

from benchmarks.scale import build
from codage.analysis.merge import MergeError, merge_projects
from codage.services import Project
from codage.store import document_copy
from codage.store.merging import Merging
from tests.analysis.test_merge_identity import dump
from tests.analysis.test_merge_keys import _target
from tests.analysis.test_merge_linked import _coders_project


def _index_rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """The lemma and form rows, each named by its document's name."""
    with sqlite3.connect(path) as conn:
        return {
            table: conn.execute(
                f"SELECT d.name, t.{a}, t.{b} FROM {table} AS t"
                f" JOIN documents AS d ON d.id = t.document_id ORDER BY 1, 2, 3"
            ).fetchall()
            for table, a, b in (
                ("search_lemmas", "lemma", "postings"),
                ("search_forms", "form", "lemma"),
            )
        }


# holding: the target holds an indexed document already; listed: the most documents
# asked for by their ids (beyond, the source's rows are read whole and sorted out)
@pytest.mark.parametrize(("holding", "listed"), [(False, 500), (True, 1)])
def test_the_index_copied_at_the_end_is_the_index_copied_per_document(
    tmp_path: Path, holding: bool, listed: int
) -> None:
    source = build("20k", tmp_path / "scale")
    other = _coders_project(tmp_path / "other.db")
    results = []
    for at_end in (True, False):
        target_path = tmp_path / f"target-{at_end}.db"
        if holding:
            # one of the source's documents is there already: its rows are not copied
            _target(target_path)
            with (
                Project.open(str(source), create=False) as a,
                Project.open(str(target_path)) as target,
            ):
                target.copy_document(a, a.documents()[0])
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(document_copy, "_LISTED", listed)
            if not at_end:
                # the copy per document, as before
                patch.setattr(Merging, "index_copied_at_end", lambda self, source: nullcontext())
            with (
                Project.open(str(source), create=False) as a,
                Project.open(str(other), create=False) as b,
                Project.open(str(target_path)) as target,
            ):
                # the index's builder refuses: every entry must come from the source
                patch.setattr(
                    Merging,
                    "_index_document",
                    lambda *args, **kwargs: pytest.fail("index built, not copied"),
                )
                merge_projects(target, [b, a], coder="lead")
        results.append(dump(target_path))
    assert results[0] == results[1]
    # each copied document's rows are its rows in its source
    copied = _index_rows(tmp_path / "target-True.db")
    theirs = _index_rows(source)
    mine = _index_rows(other)
    for table in ("search_lemmas", "search_forms"):
        names = {r[0] for r in copied[table]} - {"à part"}
        assert len(names) == 3
        assert [r[0] for r in copied[table]].count("entretien-0001") == len(
            [r for r in theirs[table] if r[0] == "entretien-0001"]
        )
        expected = [r for r in [*theirs[table], *mine[table]] if r[0] in names]
        assert [r for r in copied[table] if r[0] in names] == sorted(expected)


def test_a_failure_after_documents_copied_leaves_no_index_rows(tmp_path: Path) -> None:
    source = build("20k", tmp_path / "scale")
    target_path = _target(tmp_path / "failed.db")
    before = dump(target_path)
    with Project.open(str(target_path)) as target, Project.open(str(source), create=False) as a:
        with pytest.raises(MergeError), target.batch(coder="lead"):
            with target.index_rows_in_order(), target.index_copied_at_end(a):
                for info in a.documents()[:3]:
                    target.copy_document(a, info)
            raise MergeError("planted", None)  # type: ignore[arg-type]
        with target.engine.connect() as conn:
            temp = conn.exec_driver_sql("SELECT name FROM temp.sqlite_master").all()
        assert temp == []
    assert dump(target_path) == before


def test_a_copy_that_fails_inside_the_block_leaves_no_index_rows_to_copy(
    tmp_path: Path,
) -> None:
    """A copy that fails after its index was put off (its writes rolled back to their
    savepoint, the batch going on) is not copied at the end: the rows copied are those
    of the documents the target holds."""
    source = build("20k", tmp_path / "scale")
    target_path = _target(tmp_path / "target.db")
    with Project.open(str(target_path)) as target, Project.open(str(source), create=False) as a:
        first, second = a.documents()[:2]
        with target.batch(coder="lead"), target.index_copied_at_end(a):
            target.copy_document(a, first)
            with pytest.MonkeyPatch.context() as patch:
                # the disk refuses the case link written after the document's index
                def refused(*args: object, **kwargs: object) -> None:
                    raise OSError("disk I/O error")

                patch.setattr(Merging, "_link_case", refused)
                with pytest.raises(OSError):
                    target.copy_document(a, replace(second, case="R-1"))
    with sqlite3.connect(target_path) as conn:
        named = {
            table: {
                r[0]
                for r in conn.execute(
                    f"SELECT DISTINCT d.name FROM {table} AS t"
                    " JOIN documents AS d ON d.id = t.document_id"
                )
            }
            for table in ("search_lemmas", "search_forms")
        }
        orphans = conn.execute(
            "SELECT count(*) FROM search_lemmas WHERE document_id NOT IN (SELECT id FROM documents)"
        ).fetchone()[0]
    assert named == {"search_lemmas": {first.name}, "search_forms": {first.name}}
    assert orphans == 0
