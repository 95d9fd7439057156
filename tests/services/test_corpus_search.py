"""The corpus search on a real project: each mode, each filter, ranking, the regex time
limit, and auto-coding at each scope with its one-step undo."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from codage.domain import NewDocument, Unit
from codage.ingest.nlp import query_lemmas
from codage.services import NotFound, Project
from codage.services.search import (
    SearchError,
    SearchFilters,
    apply_autocode,
    plan_autocode,
    search_corpus,
)
from tests.services.search_corpus import INTERVIEW_A, INTERVIEW_B, build_project


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_project(tmp_path_factory.mktemp("search"))


@pytest.fixture
def project(built: Path, tmp_path: Path) -> Iterator[Project]:
    # each test works on its own copy, so that codings made by one do not leak
    copy = tmp_path / "project.db"
    copy.write_bytes(built.read_bytes())
    with Project.open(str(copy)) as proj:
        yield proj


def texts(result: object) -> list[str]:
    return [h.text for h in result.hits]  # type: ignore[attr-defined]


def test_exact_is_blind_to_case_and_accents_and_hits_are_stored_spans(project: Project) -> None:
    result = search_corpus(project, "Sécurité")
    # "sécurité" and the unaccented "securite" of the transcript
    assert texts(result) == ["sécurité", "securite"]
    for hit in result.hits:
        doc = project.document(hit.document_id)
        assert doc.text[hit.start : hit.end] == hit.text
    strict = search_corpus(project, "sécurité", accent_blind=False)
    assert texts(strict) == ["sécurité"]


def test_exact_hits_carry_unit_speaker_and_case(project: Project) -> None:
    result = search_corpus(project, "intranet")
    assert result.total == 4
    # document order, then text order
    assert [h.document for h in result.hits] == ["entretien-a"] * 2 + ["entretien-b"] * 2
    first = result.hits[0]
    assert first.speaker == "Enquêtrice"
    assert first.unit is not None and first.unit.kind == "turn"
    assert first.case is not None and first.case.name == "DSI-A"
    assert first.before.endswith("Comment l'") and first.after.startswith(" a-t-il")
    assert result.hits[2].text == "INTRANET" and result.hits[2].speaker == "Mme Roux"


def test_words_finds_all_words_in_one_unit_in_any_order(project: Project) -> None:
    result = search_corpus(project, "agents intranet", "words")
    # only the last turn of B holds both words; A's "agents" and "intranet" are in
    # different turns
    assert [(h.document, h.speaker) for h in result.hits] == [("entretien-b", "Mme Roux")]
    hit = result.hits[0]
    assert hit.text.startswith("agents") and hit.text.endswith("intranet")
    with pytest.raises(SearchError):
        search_corpus(project, "?!", "words")


def test_words_ranks_close_words_first(project: Project) -> None:
    result = search_corpus(project, "nous démarches", "words")
    assert {h.document for h in result.hits} == {"entretien-a", "entretien-b"}
    scores = [h.score for h in result.hits]
    assert scores == sorted(scores, reverse=True) and scores[0] > scores[-1]
    # A: "Nous voulons dématérialiser les démarches" is tighter than B's span
    assert result.hits[0].document == "entretien-a"


def test_lemma_finds_inflected_forms(project: Project) -> None:
    result = search_corpus(project, "dématérialiser", "lemma", lemmatize=query_lemmas)
    found = {h.text for h in result.hits}
    assert {"dématérialiser", "dématérialisons"} <= found
    plural = search_corpus(project, "intranets", "lemma", lemmatize=query_lemmas)
    assert {h.text.lower() for h in plural.hits} == {"intranet", "intranets"}
    assert plural.total == 4
    # words the corpus knows are lemmatised from it, without the model
    assert search_corpus(project, "intranets", "lemma").total == 4
    with pytest.raises(SearchError, match="language model"):
        search_corpus(project, "xylophones", "lemma")


def test_regex_mode_and_its_errors(project: Project) -> None:
    result = search_corpus(project, r"\b20\d\d\b", "regex")
    assert texts(result) == ["2024", "2022"]
    with pytest.raises(SearchError, match="not a valid regular expression"):
        search_corpus(project, "(unclosed", "regex")


def test_a_catastrophic_regex_is_stopped(tmp_path: Path) -> None:
    with Project.open(str(tmp_path / "slow.db")) as project:
        text = "a" * 40 + "!"
        project.add_document(
            NewDocument(name="slow", kind="text", text=text, units=[Unit("paragraph", 0, 41)])
        )
        began = time.monotonic()
        with pytest.raises(SearchError, match="took longer than"):
            search_corpus(project, r"(a|aa)+$", "regex", regex_timeout=0.3)
        assert time.monotonic() - began < 5


def test_fuzzy_finds_misspellings_ranked_by_score(project: Project) -> None:
    result = search_corpus(project, "rançongiciel", "fuzzy")
    assert [h.text for h in result.hits] == ["rançongiciel", "ransongiciel"]
    assert result.hits[0].score == 100 and result.hits[1].score < 100
    assert not search_corpus(project, "rançongiciel", "fuzzy", threshold=99).hits[1:]
    with pytest.raises(SearchError, match="threshold"):
        search_corpus(project, "x", "fuzzy", threshold=120)


def test_document_filter(project: Project) -> None:
    result = search_corpus(project, "intranet", filters=SearchFilters(documents=("entretien-b",)))
    assert {h.document for h in result.hits} == {"entretien-b"}
    assert result.total == 2 and result.filtered_out == 2
    with pytest.raises(NotFound):
        search_corpus(project, "intranet", filters=SearchFilters(documents=("nowhere",)))


def test_case_filter(project: Project) -> None:
    result = search_corpus(
        project, "intranet", filters=SearchFilters(cases=("type_collectivite=commune",))
    )
    assert {h.case.name for h in result.hits if h.case} == {"DSI-B"} and result.total == 2
    with pytest.raises(SearchError, match="KEY=VALUE"):
        search_corpus(project, "intranet", filters=SearchFilters(cases=("oops",)))


def test_code_filter_searches_inside_the_code_and_its_children(project: Project) -> None:
    doc = project.document("entretien-b")
    codes = {c.path_str: c for c in project.codes()}
    turn = INTERVIEW_B.index("Mme Roux : Jamais")
    project.add_coding(doc.id, codes["Outils/Intranet"].id, turn, len(doc.text) - 1, coder="bob")
    result = search_corpus(project, "intranet", filters=SearchFilters(code="Outils"))
    assert [(h.document, h.start) for h in result.hits] == [
        ("entretien-b", doc.text.index("intranet tous"))
    ]


def test_limit_keeps_the_best_and_total_counts_all(project: Project) -> None:
    result = search_corpus(project, "les", limit=2)
    assert len(result.hits) == 2 and result.total > 2


def test_autocode_match_scope_is_one_undoable_step(project: Project) -> None:
    result = search_corpus(project, "intranet")
    plan = plan_autocode(project, result, "Outils/Intranet", coder="alice")
    assert len(plan.new) == 4 and not plan.already
    assert not project.codings()  # planning writes nothing
    apply_autocode(project, plan, query="intranet", mode="exact")
    codings = project.codings()
    assert len(codings) == 4 and all(c.automatic and c.coder == "alice" for c in codings)
    assert {c.text.lower() for c in codings} == {"intranet"}
    entry = project.history(limit=1)[0]
    assert entry.action == "autocode"
    # a second run skips what alice already has
    again = plan_autocode(
        project, search_corpus(project, "intranet"), "Outils/Intranet", coder="alice"
    )
    assert not again.new and len(again.already) == 4
    project.undo(coder="alice")
    assert project.codings() == []
    project.redo(coder="alice")
    assert len(project.codings()) == 4 and all(c.automatic for c in project.codings())


@pytest.mark.parametrize(("scope", "kind"), [("sentence", "sentence"), ("turn", "turn")])
def test_autocode_whole_units(project: Project, scope: str, kind: str) -> None:
    result = search_corpus(project, "intranet")
    plan = plan_autocode(project, result, "Outils", coder="alice", scope=scope)
    apply_autocode(project, plan, query="intranet", mode="exact")
    codings = project.codings()
    assert codings and len(codings) == len(plan.new)
    for coding in codings:
        units = project.units(coding.document_id, [kind])
        assert any((u.start, u.end) == (coding.start, coding.end) for u in units)
        assert "intranet" in coding.text.lower()


def test_autocode_reports_hits_without_a_unit_of_the_scope(project: Project) -> None:
    # interviews have turns but no survey answers: nothing is coded, all is reported
    plan = plan_autocode(
        project, search_corpus(project, "intranet"), "Outils", coder="alice", scope="answer"
    )
    assert not plan.new and len(plan.without_unit) == 4


def test_interview_text_is_as_imported(project: Project) -> None:
    # the fixture's offsets assume the text is stored as written
    assert project.document("entretien-a").text.rstrip("\n") == INTERVIEW_A.rstrip("\n")


def test_find_lemmas_reads_stored_triples_as_text() -> None:
    from codage.domain import encode_lemmas
    from codage.services.search.index import find_lemmas

    first = encode_lemmas([(0, 2, "le"), (3, 10, "intranet"), (11, 14, "2024"), (15, 20, "a,b")])
    second = encode_lemmas([(30, 38, "intranet"), (39, 45, "vieux")])
    packed = first + "\n" + second
    assert find_lemmas(packed, ["intranet"]) == [(3, 10), (30, 38)]
    assert find_lemmas(packed, ["le", "intranet"]) == [(0, 10)]
    # a phrase never runs over the end of a sentence
    assert find_lemmas(packed, ["a,b", "intranet"]) == []
    assert find_lemmas(packed, ["intranet", "vieux"]) == [(30, 45)]
    # numbers of the offsets are not lemmas, nor is a lemma's prefix
    assert find_lemmas(packed, ["2"]) == [] and find_lemmas(packed, ["intra"]) == []
    assert find_lemmas(packed, ["2024"]) == [(11, 14)] and find_lemmas(packed, ["a,b"]) == [
        (15, 20)
    ]
