"""The retrieval service on a real SQLite project: passages, their context and where they sit."""

from __future__ import annotations

from codage.services import Project
from codage.services.retrieval import Passage, context_around, matches, read_passages
from codage.services.selection import select_codings
from tests.conftest import SAMPLE_TEXT, sample_document


def test_context_keeps_whole_words_and_the_space_next_to_the_passage() -> None:
    text = "un deux trois quatre cinq six sept huit neuf dix onze douze treize"
    start = text.index("sept")
    end = start + len("sept")
    before, after = context_around(text, start, end, words=3)
    assert before == "quatre cinq six "
    assert after == " huit neuf dix"
    assert before + text[start:end] + after in text


def test_context_drops_a_word_cut_by_the_window() -> None:
    text = "abcdefghij " * 20 + "FIN"
    start = text.index("FIN")
    before, after = context_around(text, start, len(text), words=50)
    # the 80 characters before FIN begin inside a word ("hij"): it is left out, not shown half
    assert before.split(" ")[0] == "abcdefghij"
    assert set(before.split()) == {"abcdefghij"}
    assert after == ""


def test_read_passages_gives_text_context_place_speaker_case_and_code(project: Project) -> None:
    doc = project.add_document(sample_document())
    parent = project.create_code("Usages", coder="ana")
    child = project.create_code("Intranet", parent_id=parent.id, coder="ana")
    start = SAMPLE_TEXT.index("personne ne le lisait")
    project.add_coding(doc.id, child.id, start, start + len("personne ne le lisait"), coder="ana")
    start2 = SAMPLE_TEXT.index("une attaque")
    project.add_coding(doc.id, parent.id, start2, start2 + len("une attaque"), coder="bea")

    selection = select_codings(project, codes=[parent.id], include_subcodes=True)
    passages = read_passages(project, selection.records)

    # tree order: the parent's passages, then the sub-code's
    assert [p.text for p in passages] == ["une attaque", "personne ne le lisait"]
    by_text = {p.text: p for p in passages}
    lisait = by_text["personne ne le lisait"]
    assert lisait.document == "entretien-test" and lisait.document_id == doc.id
    assert lisait.code_id == child.id and lisait.code_path == "Usages/Intranet"
    assert lisait.coder == "ana"
    assert lisait.speaker == "M. Garnier"
    assert lisait.before.endswith("Au début, ")
    assert lisait.after.startswith(". Puis la crise")
    assert lisait.place is not None and lisait.place.kind == "turn"
    assert lisait.case == "DSI-01"
    assert lisait.attributes["type_collectivite"] == "Région"
    assert lisait.case_label().startswith("DSI-01 (")
    assert SAMPLE_TEXT[lisait.start : lisait.end] == lisait.text

    only_parent = read_passages(
        project, select_codings(project, codes=[parent.id], include_subcodes=False).records
    )
    assert [p.text for p in only_parent] == ["une attaque"]


def _passage(document_id: int, coder: str, attributes: dict[str, str]) -> Passage:
    return Passage(
        coding_id=1,
        document_id=document_id,
        document="d",
        code_id=1,
        code_path="c",
        colour="#fff",
        coder=coder,
        start=0,
        end=1,
        text="x",
        case="k" if attributes else None,
        attributes=attributes,
    )


def test_filters_apply_together() -> None:
    p = _passage(3, "ana", {"role": "DSI"})
    assert matches(p)
    assert matches(p, document_id=3, coder="ana", attribute=("role", "DSI"))
    assert not matches(p, document_id=4)
    assert not matches(p, coder="bea")
    assert not matches(p, attribute=("role", "agent"))
    assert not matches(_passage(3, "ana", {}), attribute=("role", "DSI"))
    assert _passage(3, "ana", {}).case_label() == ""
