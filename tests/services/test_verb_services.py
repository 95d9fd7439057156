"""The services behind the shared verbs, called as a face calls them."""

from __future__ import annotations

import pytest

from codage.codebook import CodebookError
from codage.services import NotFound, Project, StoreError, memos
from codage.services import cases as case_service
from codage.services import codebook_edits as edits
from codage.services import documents as docs
from tests.conftest import sample_document


@pytest.fixture
def filled(project: Project) -> Project:
    doc = project.add_document(sample_document())
    code = project.create_code("Outils", coder="ana")
    project.add_coding(doc.id, code.id, 13, 22, coder="ben")
    return project


def test_attributes_keep_numbers_as_numbers() -> None:
    assert case_service.parse_attributes(["taille=1200", "ratio=0.5", "type=Commune"]) == {
        "taille": 1200,
        "ratio": 0.5,
        "type": "Commune",
    }
    # "nan" and "inf" are words here, not numbers a crosstab would choke on
    assert case_service.parse_attributes(["note=nan", "x=inf"]) == {"note": "nan", "x": "inf"}
    with pytest.raises(case_service.AttributeParseError):
        case_service.parse_attributes([])


def test_a_typo_does_not_make_a_case(filled: Project) -> None:
    with pytest.raises(NotFound):
        case_service.set_case_attributes(filled, "DSI-1", {"grade": "A"})
    assert [c.name for c in filled.cases()] == ["DSI-01"]
    [record] = case_service.list_cases(filled)
    assert record.documents == ["entretien-test"]


def test_codebook_edits_resolve_typed_paths(filled: Project) -> None:
    made = edits.add_code(filled, "outils/Intranet", coder="ana")
    assert made.path_str == "Outils/Intranet"  # the parent as the project spells it
    with pytest.raises(CodebookError):
        edits.merge_codes(filled, "Outils", "outils", coder="ana")
    moved = edits.move_code(filled, "Outils/Intranet", None, coder="ana", position=0)
    assert next(c.path_str for c in filled.codes()) == moved.path_str == "Intranet"


def test_a_memo_on_anothers_coding_is_refused(filled: Project) -> None:
    [coding] = filled.codings()
    target = memos.memo_target(filled, coding=coding.id)
    with pytest.raises(memos.MemoRefused):
        memos.add_memo(filled, target, "mine?", coder="ana")
    assert filled.coding(coding.id).memo is None
    record = memos.add_memo(filled, target, "Exemple", coder="ben")
    assert record.target.label.startswith("Outils on entretien-test")
    assert [r.text for r in memos.list_memos(filled)] == ["Exemple"]


def test_document_show_and_rename(filled: Project) -> None:
    view = docs.show_document(filled, "entretien")
    assert [u.locator for u in view.units] == ["turn 1", "turn 2", "turn 3", "turn 4"]
    assert view.units[1].speaker == "M. Garnier"
    assert docs.rename_document(filled, "entretien", " DSI-01 ") == ("entretien-test", "DSI-01")
    with pytest.raises(StoreError):
        docs.rename_document(filled, "DSI-01", "a\x07b")
    assert docs.delete_document(filled, "DSI-01") == ("DSI-01", 1)
    assert filled.documents() == []
