"""From a SQLite file into a SQLite file, SQLite moves a merge's codings itself
(``codage.store.merge_link``); the row-by-row path stays for every other case. Both
paths merge the same sources into fresh targets, and the two targets are compared
table by table, ids included (``test_merge_identity.dump``): generated projects with
several coders, memos, suggested and automatic codings, codings that repeat the
target's or one another once codes are matched, and a hostile source whose spans lie
outside its text (one clear error, the target untouched).
"""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import pytest

from benchmarks.scale import build
from codage.analysis.merge import MergeError, merge_projects
from codage.domain import CodingImport, NewDocument, Unit
from codage.services import Project
from codage.store import merge_link
from codage.store.merging import Merging
from tests.analysis.test_merge_identity import _merge_both, _report, _team_member, dump

TEXT = (
    "Alice : Nous avons installé l'intranet en 2019. Les agents ne le lisaient pas.\n\n"
    "Bruno : La messagerie a tout changé, même le télétravail."
)


def _merge(
    tmp_path: Path, name: str, sources: list[Path], *, linked: bool, rounds: int = 2
) -> tuple[Path, list[Any], list[bool]]:
    """Merge ``sources`` into a fresh target by one path; returns the target, the
    reports and, per source merged, whether SQLite moved its codings."""
    used: list[bool] = []
    real = Merging.linked_source

    def spy(self: Merging, *args: Any) -> Any:
        if not linked:
            used.append(False)
            return nullcontext(None)
        context = real(self, *args)
        return _Noting(context, used)

    target_path = tmp_path / f"{name}.db"
    reports = []
    opened = [Project.open(str(s), create=False) for s in sources]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Merging, "linked_source", spy)
        with Project.open(str(target_path)) as target:
            for _ in range(rounds):
                reports.append(_report(merge_projects(target, opened, coder="lead")))
    for project in opened:
        project.close()
    return target_path, reports, used


class _Noting:
    def __init__(self, context: Any, used: list[bool]) -> None:
        self.context, self.used = context, used

    def __enter__(self) -> Any:
        link = self.context.__enter__()
        self.used.append(link is not None)
        return link

    def __exit__(self, *exc: Any) -> Any:
        return self.context.__exit__(*exc)


def _same(a: Path, b: Path) -> None:
    before, after = dump(a), dump(b)
    assert before.keys() == after.keys()
    for table in before:
        assert before[table] == after[table], table


def _coders_project(path: Path) -> Path:
    """Three coders on one text, memos on codings, suggested and automatic codings, and
    two codes that fold to one path (their codings repeat one another once merged)."""
    with Project.open(str(path)) as p:
        doc = p.add_document(
            NewDocument(
                "entretien", "interview", TEXT, [Unit("turn", 0, 78), Unit("turn", 80, 135)]
            )
        )
        other = p.add_document(NewDocument("notes", "interview", TEXT[:78], [Unit("turn", 0, 78)]))
        intranet = p.create_code("Intranet", coder="ana")
        folded = p.create_code("intranet", coder="ana")
        outils = p.create_code("Outils", coder="ana", description="les outils")
        made = []
        for n, (start, end) in enumerate([(0, 10), (8, 47), (48, 78), (80, 135), (88, 100)]):
            for coder in ("ana", "bruno", "chloé"):
                code = (intranet, folded, outils)[(n + len(coder)) % 3]
                made.append(
                    CodingImport(
                        doc.id,
                        code.id,
                        coder,
                        start,
                        end,
                        memo="un mémo" if n == 2 else None,
                        suggested=n % 2 == 1,
                        automatic=n % 3 == 2,
                    )
                )
        # the same spans with the two codes that become one in the target
        made += [CodingImport(doc.id, c.id, "ana", 20, 30) for c in (folded, intranet)]
        made += [CodingImport(other.id, outils.id, "bruno", 0, 12)]
        ids = [i for i in p.import_codings(made, actor="ana") if i is not None]
        p.add_memo("coding", ids[0], "mémo du premier codage", coder="ana")
        p.add_memo("coding", ids[-2], "mémo d'un doublon", coder="bruno")
    return path


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build("20k", tmp_path_factory.mktemp("scale"))


def test_sqlite_moves_the_codings_as_the_row_by_row_path_writes_them(
    tmp_path: Path, generated: Path
) -> None:
    member = _team_member(tmp_path / "dana.db", generated)
    coders = _coders_project(tmp_path / "coders.db")
    sources = [generated, member, coders]
    old, old_reports, old_used = _merge(tmp_path, "rows", sources, linked=False)
    new, new_reports, new_used = _merge(tmp_path, "linked", sources, linked=True)
    assert new_used == [True] * 6 and old_used == [False] * 6
    assert old_reports == new_reports
    first, second = new_reports
    # the sources hold what the comparison must cover
    assert first["sources"][0]["codings_added"] > 900
    assert first["sources"][2]["codings_duplicates"] >= 1  # two codes became one
    assert all(s["codings_added"] == 0 for s in second["sources"])
    assert second["sources"][0]["codings_duplicates"] == first["sources"][0]["codings_added"]
    _same(old, new)
    with sqlite3.connect(new) as conn:
        flags = conn.execute("SELECT sum(automatic), sum(suggested) FROM codings").fetchone()
        memos = conn.execute("SELECT count(*) FROM memos WHERE target = 'coding'").fetchone()
    assert flags[0] > 0 and flags[1] > 0 and memos[0] >= 4
    # one undo of each merge takes it back alike by both paths
    for path in (old, new):
        with Project.open(str(path)) as target:
            for _ in range(6):
                target.undo(coder="lead")
    _same(old, new)


def test_a_span_outside_the_text_is_one_clear_error_and_the_target_is_untouched(
    tmp_path: Path,
) -> None:
    source = _coders_project(tmp_path / "hostile.db")
    with sqlite3.connect(source) as conn:
        # a hostile source: spans past the end of the text, empty, negative
        conn.execute('UPDATE codings SET "end" = 9000 WHERE id = 3')
        conn.execute('UPDATE codings SET start = 40, "end" = 40 WHERE id = 7')
        conn.execute("UPDATE codings SET start = -2 WHERE id = 9")
    messages = []
    for linked in (False, True):
        name = "linked" if linked else "rows"
        target_path = tmp_path / f"{name}.db"
        with Project.open(str(target_path)) as target:
            target.add_document(NewDocument("à part", "interview", "Un texte.", []))
        before = dump(target_path)
        with pytest.raises(MergeError) as caught:
            _merge(tmp_path, name, [source], linked=linked, rounds=1)
        messages.append(str(caught.value))
        after = dump(target_path)
        # nothing of the merge was kept (the backup is beside the project, not in it)
        assert {t: r for t, r in after.items() if t != "journal"} == {
            t: r for t, r in before.items() if t != "journal"
        }
        assert after["journal"] == before["journal"]
    assert messages[0] == messages[1]
    assert "nothing of it was kept" in messages[1] and "outside document" in messages[1]
    assert "\n" not in messages[1]


def test_the_source_is_attached_read_only_and_detached_after_the_merge(tmp_path: Path) -> None:
    source = _coders_project(tmp_path / "source.db")
    before = source.read_bytes()
    with (
        Project.open(str(source), create=False) as opened,
        Project.open(str(tmp_path / "target.db")) as target,
    ):
        with target.batch(coder="lead"), target.linked_source(opened, {}, []) as link:
            assert link is not None
            with pytest.raises(Exception, match="readonly"):
                link.execute(f"DELETE FROM {merge_link.ALIAS}.codings")
        merge_projects(target, [opened], coder="lead")
        # every pooled connection is back without the source attached
        with target.engine.connect() as conn:
            names = [row[1] for row in conn.exec_driver_sql("PRAGMA database_list")]
        assert merge_link.ALIAS not in names
    assert source.read_bytes() == before


def test_a_source_without_a_search_index_gets_the_index_the_reference_merge_builds(
    tmp_path: Path, generated: Path
) -> None:
    # the copied documents' index is built from the sentences as they are copied,
    # not read back: the same rows as the merge before (add_document of each)
    bare = tmp_path / "bare.db"
    shutil.copy(generated, bare)
    with sqlite3.connect(bare) as conn:
        for table in ("search_texts", "search_lemmas", "search_forms"):
            conn.execute(f"DELETE FROM {table}")
        sentences = conn.execute("SELECT count(*) FROM units WHERE kind = 'sentence'").fetchone()
    assert sentences[0] > 100
    old, new, old_reports, new_reports = _merge_both(tmp_path, [bare], rounds=1)
    assert old_reports == new_reports
    _same(old, new)
    with sqlite3.connect(new) as conn:
        assert conn.execute("SELECT count(*) FROM search_lemmas").fetchone()[0] > 100
