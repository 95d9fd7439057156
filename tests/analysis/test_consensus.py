"""Consensus layers on hand-made spans, with results worked out by hand."""

from __future__ import annotations

import pytest

from codage.analysis.consensus import ConsensusError, build_consensus, consensus_spans
from codage.domain import NewDocument, Span
from codage.services import Project

TEXT = "".join(chr(ord("a") + i % 26) for i in range(100))

# Code X, on [0, 100):
#   A: [0,10) [20,30)    B: [5,25)    C: [8,12) [40,50)
# coverage: [0,5) 1 · [5,8) 2 · [8,10) 3 · [10,12) 2 · [12,20) 1 · [20,25) 2 · [25,30) 1 · [40,50) 1
SPANS = {
    "A": [(0, 10), (20, 30)],
    "B": [(5, 25)],
    "C": [(8, 12), (40, 50)],
}


def _spans(pairs: list[tuple[int, int]]) -> list[Span]:
    return [Span(s, e) for s, e in pairs]


def test_rules_on_spans() -> None:
    layers = [_spans(v) for v in SPANS.values()]
    assert consensus_spans(layers, "union") == _spans([(0, 30), (40, 50)])
    assert consensus_spans(layers, "intersection") == _spans([(8, 10)])
    assert consensus_spans(layers, "majority") == _spans([(5, 12), (20, 25)])
    # With two coders a majority is both of them.
    two = layers[:2]
    assert consensus_spans(two, "majority") == consensus_spans(two, "intersection")
    assert consensus_spans(two, "intersection") == _spans([(5, 10), (20, 25)])
    # The intersection of three is a 2-character sliver: dropped at min length 3.
    assert consensus_spans(layers, "intersection", min_length=3) == []
    with pytest.raises(ConsensusError):
        consensus_spans(layers, "vote")


@pytest.fixture
def coded(project: Project) -> tuple[Project, int, int, int]:
    doc = project.add_document(NewDocument("d1", "text", TEXT))
    other = project.add_document(NewDocument("d2", "text", TEXT))
    x = project.create_code("X", coder="lead")
    y = project.create_code("Y", coder="lead")
    for coder, spans in SPANS.items():
        for start, end in spans:
            project.add_coding(doc.id, x.id, start, end, coder=coder)
    # Code Y: a 2-character union sliver and a real agreement.
    project.add_coding(doc.id, y.id, 60, 62, coder="A")
    project.add_coding(doc.id, y.id, 70, 80, coder="A")
    project.add_coding(doc.id, y.id, 72, 80, coder="B")
    # d2 was coded by A only: B and C are missing there, not in disagreement.
    project.add_coding(other.id, x.id, 0, 50, coder="A")
    return project, doc.id, x.id, y.id


def _layer(project: Project, coder: str = "consensus") -> set[tuple[int, int, int, int]]:
    return {(c.document_id, c.code_id, c.start, c.end) for c in project.codings(coders=[coder])}


def test_union_with_min_length(coded) -> None:
    project, doc, x, y = coded
    report = build_consensus(project, coders=["A", "B", "C"], rule="union", as_coder="consensus")
    d2 = project.document_info("d2").id
    assert _layer(project) == {
        (doc, x, 0, 30),
        (doc, x, 40, 50),
        (doc, y, 70, 80),
        (d2, x, 0, 50),  # a union needs one coder present
    }
    assert report.slivers_dropped == 1  # Y [60, 62)
    assert report.added == 4
    assert report.characters == 30 + 10 + 10 + 50


def test_intersection_and_majority(coded) -> None:
    project, doc, x, y = coded
    report = build_consensus(
        project, coders=["A", "B", "C"], rule="intersection", as_coder="consensus", min_length=1
    )
    # C coded nothing with Y but coded the document, so Y has no intersection.
    assert _layer(project) == {(doc, x, 8, 10)}
    assert report.skipped_documents == ["d2"]

    report = build_consensus(project, coders=["A", "B", "C"], rule="majority", as_coder="consensus")
    assert _layer(project) == {(doc, x, 5, 12), (doc, x, 20, 25), (doc, y, 72, 80)}
    assert report.replaced == 1  # the intersection's [8, 10) is replaced
    assert report.added == 3


def test_rerunning_replaces_only_what_changed_and_one_undo_takes_it_back(coded) -> None:
    project, *_ = coded
    build_consensus(project, coders=["A", "B"], rule="intersection", as_coder="consensus")
    first = _layer(project)
    again = build_consensus(project, coders=["A", "B"], rule="intersection", as_coder="consensus")
    assert (again.added, again.replaced, again.kept) == (0, 0, len(first))
    others = {c.id for c in project.codings() if c.coder != "consensus"}

    entry = project.undo(coder="consensus")
    assert entry is not None and entry.action == "consensus"
    assert _layer(project) == set()
    assert {c.id for c in project.codings()} == others


def test_limits_to_codes_and_documents(coded) -> None:
    project, doc, x, y = coded
    build_consensus(project, coders=["A", "B", "C"], rule="union", as_coder="consensus")
    report = build_consensus(
        project,
        coders=["A", "B", "C"],
        rule="intersection",
        as_coder="consensus",
        codes=[x],
        documents=[doc],
    )
    d2 = project.document_info("d2").id
    # X on d1 is replaced by its intersection (a sliver, dropped); Y and d2 untouched.
    assert _layer(project) == {(doc, y, 70, 80), (d2, x, 0, 50)}
    assert report.replaced == 2


def test_bad_options_are_refused(coded) -> None:
    project, *_ = coded
    with pytest.raises(ConsensusError, match="two coders"):
        build_consensus(project, coders=["A"], rule="union", as_coder="c")
    with pytest.raises(ConsensusError, match="one of the coders"):
        build_consensus(project, coders=["A", "B"], rule="union", as_coder="A")
    with pytest.raises(ConsensusError, match="unknown rule"):
        build_consensus(project, coders=["A", "B"], rule="vote", as_coder="c")
    with pytest.raises(ConsensusError, match="Zed"):
        build_consensus(project, coders=["A", "Zed"], rule="union", as_coder="c")
