"""The selection service: which codings an export covers, read once, as plain records.

Runs on the small real project of the export tests (tests/exchange/corpus.py),
whose codings are listed, with their passages, in its ``build_corpus``.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from codage.services import NotFound, PathError, case_finder
from codage.services.selection import (
    CodingRecord,
    select_codings,
    select_for_dossier,
    select_transcript,
)
from tests.conftest import ROOT
from tests.exchange.corpus import Corpus, build_corpus


@pytest.fixture
def corpus(tmp_path: Path) -> Iterator[Corpus]:
    built = build_corpus(tmp_path / "selection.db")
    yield built
    built.project.close()


def _record(records: list[CodingRecord], passage: str, coder: str | None = None) -> CodingRecord:
    found = [
        r
        for r in records
        if r.coding.text == passage and (coder is None or r.coding.coder == coder)
    ]
    assert len(found) == 1, [r.coding.text for r in records]
    return found[0]


def test_records_say_where_each_coding_sits(corpus: Corpus) -> None:
    selection = select_codings(corpus.project)
    assert selection.project == corpus.project.name
    assert len(selection.records) == 11
    assert selection.coders == ["alice", "bob"]
    # tree order first: Outils, Intranet, Messagerie, Organisation, Télétravail, Sécurité
    paths = [r.code.path_str for r in selection.records]
    assert paths[0] == "Outils/Intranet" and paths[-1] == "Sécurité"
    first = _record(selection.records, "Au début, personne ne le lisait.", "bob")
    assert (first.speaker, first.timestamp, first.paragraph) == ("M. Garnier", 65.0, 2)
    assert first.place is not None and first.place.kind == "turn"
    assert first.case is not None and first.case.name == "DSI-01"
    answer = _record(selection.records, "Le télétravail me convient.")
    assert answer.case is not None and answer.case.name == "R1"
    assert answer.speaker is None and answer.paragraph == 1
    # nothing a dossier alone needs is read unless asked
    assert all(not r.memos and not r.overlapping and not r.before for r in selection.records)


def test_filters_and_what_was_asked(corpus: Corpus) -> None:
    selection = select_codings(
        corpus.project, codes=["Outils"], coders=["bob"], cases={"type": "Région"}
    )
    assert {(r.document.name, r.code.path_str) for r in selection.records} == {
        ("entretien-a", "Outils/Intranet"),
        ("enquete", "Outils/Intranet"),
    }
    assert selection.filters == {
        "codes": ["Outils"],
        "coders": ["bob"],
        "cases": ["type=Région"],
    }
    assert selection.code_ids == {
        corpus.codes[p].id for p in ("Outils", "Outils/Intranet", "Outils/Messagerie")
    }
    only = select_codings(corpus.project, codes=["Outils"], include_subcodes=False)
    assert only.records == [] and only.include_subcodes is False


@pytest.mark.parametrize(
    ("asked", "message"),
    [
        ({"coders": ["carol"]}, "no coder 'carol'"),
        ({"cases": {"region": "Nord"}}, "no case attribute 'region'"),
        ({"codes": ["Nulle part"]}, "Nulle part"),
        ({"documents": ["absent"]}, "no document 'absent'"),
    ],
)
def test_unknown_names_are_refused(corpus: Corpus, asked: dict, message: str) -> None:
    with pytest.raises((NotFound, PathError), match=message):
        select_codings(corpus.project, **asked)


def test_negative_context_is_refused(corpus: Corpus) -> None:
    with pytest.raises(ValueError, match="context"):
        select_for_dossier(corpus.project, context=-1)


def test_dossier_records_carry_memos_overlaps_and_context(corpus: Corpus) -> None:
    records = select_for_dossier(corpus.project, context=1).records
    attack = _record(records, "Nous avons subi une attaque en 2024.")
    assert attack.memos == (("alice", "Rançongiciel"),)
    assert attack.overlapping == {corpus.codes["Organisation/Télétravail"].id}
    # the first sentence of its turn: no context before (the question is another turn)
    assert (attack.before, attack.after) == ("", "Le télétravail a compliqué les choses.")
    crisis = _record(records, "Puis la crise est arrivée. Tout a changé.")
    assert crisis.memos == (("alice", "crise = covid"),)
    assert crisis.before == "Au début, personne ne le lisait."


def test_overlaps_follow_the_coders_not_the_code_filter(corpus: Corpus) -> None:
    both = select_for_dossier(corpus.project, codes=["Sécurité"]).records
    assert [r.overlapping for r in both] == [{corpus.codes["Organisation/Télétravail"].id}]
    alone = select_for_dossier(corpus.project, codes=["Sécurité"], coders=["alice"]).records
    assert [r.overlapping for r in alone] == [frozenset()]


def _count_statements(run: object) -> int:
    seen: Counter[str] = Counter()

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen[statement.split(None, 1)[0].upper()] += 1

    event.listen(Engine, "before_cursor_execute", count)
    try:
        run()  # type: ignore[operator]
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    return sum(seen.values())


def test_reads_do_not_grow_with_the_codings(corpus: Corpus) -> None:
    def select() -> None:
        select_for_dossier(corpus.project, context=1)

    before = _count_statements(select)
    text = corpus.texts["entretien-a"]
    code = corpus.codes["Organisation"].id
    doc = corpus.docs["entretien-a"]
    added = [(doc, code, start, start + 5) for start in range(0, len(text) - 5, 7)]
    assert corpus.project.add_codings(added, coder="carol") == len(added) > 20
    records = select_for_dossier(corpus.project, context=1).records
    assert len(records) == 11 + len(added)
    assert _count_statements(select) == before


def test_transcript_source(corpus: Corpus) -> None:
    source = select_transcript(corpus.project, "entretien-a")
    assert source.name == "entretien-a" and source.text == corpus.texts["entretien-a"]
    assert [c.coder for c in source.codings] == ["alice", "bob", "alice", "alice", "bob"]
    attack = next(c for c in source.codings if c.text.startswith("Nous avons"))
    assert source.memos[attack.id] == (("alice", "Rançongiciel"),)
    assert source.paths[attack.code_id] == "Sécurité"
    assert [p.number for p in source.places] == [1, 2, 3, 4]
    bob = select_transcript(corpus.project, corpus.docs["entretien-a"], coders=["bob"])
    assert [c.coder for c in bob.codings] == ["bob", "bob"] and bob.memos == {}


def test_writers_hold_no_project() -> None:
    """The writers in exchange/ import neither the store nor a Project, nor call one."""
    for path in sorted((ROOT / "codage" / "exchange").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith("codage.store"), path.name
                assert "Project" not in {a.name for a in node.names}, path.name
            if isinstance(node, ast.Name):
                assert node.id not in ("Project", "project"), (path.name, node.lineno)


def test_cases_follow_the_rule_of_case_finder(corpus: Corpus) -> None:
    """The selection reads cases once; each record's case is still the one case_finder gives."""
    project = corpus.project
    # a passage between two answers and one across two: the rule's edge cases
    survey = corpus.docs["enquete"]
    text = corpus.texts["enquete"]
    gap = text.index("\n")
    code = corpus.codes["Sécurité"].id
    project.add_coding(survey, code, gap, gap + 5, coder="carol")
    project.add_coding(survey, code, 3, len(text) - 3, coder="carol")
    last_gap = text.rindex("\n")
    project.add_coding(survey, code, last_gap, last_gap + 3, coder="carol")
    records = select_codings(project).records
    assert len(records) == 14
    for record in records:
        finder = case_finder(project, record.document.id)
        assert record.case == finder(record.coding.span), record.coding
    assert {r.case.name for r in records if r.case} == {"DSI-01", "DSI-02", "R1", "R2", "R3"}
