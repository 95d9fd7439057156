"""Merging coders' projects: real SQLite files through the Project API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from codage.analysis.align import align_texts, place_anchor
from codage.analysis.merge import MergeError, merge_projects, summary_rows
from codage.domain import NewDocument, Unit, text_sha256
from codage.services import Project

ORIGINAL = (
    "Alice : Nous avons installé l'intranet en 2019. Les agents ne le lisaient pas.\n\n"
    "Bob : La crise sanitaire a tout changé pour le télétravail.\n\n"
    "Alice : Une phrase qui disparaîtra de la version corrigée, entièrement.\n\n"
    "Bob : Merci."
)
CORRECTED = (
    "Bonjour. Alice : Nous avons installé l'intranet communal en 2019. "
    "Les agents ne le lisaient pas.\n\n"
    "Bob : La crise sanitaire a changé pour le télétravail.\n\n"
    "Bob : Merci."
)


@pytest.fixture
def open_project(tmp_path: Path) -> Iterator:
    opened: list[Project] = []

    def make(name: str) -> Project:
        project = Project.open(str(tmp_path / f"{name}.db"))
        opened.append(project)
        return project

    yield make
    for project in opened:
        project.close()


def _turns(text: str) -> list[Unit]:
    units, pos = [], 0
    for block in text.split("\n\n"):
        start = text.index(block, pos)
        units.append(Unit("turn", start, start + len(block), speaker=block.split(" : ")[0]))
        pos = start + len(block)
    return units


def _code(project: Project, text: str, passage: str, code_id: int, coder: str, doc_id: int):
    start = text.index(passage)
    return project.add_coding(doc_id, code_id, start, start + len(passage), coder=coder)


def _snapshot(project: Project) -> dict:
    return {
        "documents": [(d.name, d.sha256) for d in project.documents()],
        "codes": [(c.path_str, c.description, c.colour) for c in project.codes()],
        "codings": [(c.document_id, c.code_id, c.coder, c.start, c.end) for c in project.codings()],
        "cases": [(c.name, c.attributes) for c in project.cases()],
        "memos": [(m.target, m.target_id, m.text) for m in project.memos()],
        "aside": [(a.document_name, a.start, a.end) for a in project.codings_aside()],
        "history": [(h.id, h.undone) for h in project.history(limit=1000)],
    }


def test_alignment_maps_offsets_around_insertions_and_deletions() -> None:
    offsets = align_texts("abc def ghi", "XX abc ghi")
    assert offsets.start(0) == 3  # inserted text before a passage goes before it
    assert offsets.end(3) == 6
    assert offsets.start(8) == 7
    # a passage whose text is gone entirely cannot be placed
    placed = place_anchor("def", 4, 7, "XX abc ghi", offsets)
    assert isinstance(placed, tuple)


def test_documents_match_by_sha_and_codings_keep_their_coders(open_project) -> None:
    target, source = open_project("target"), open_project("source")
    target.add_document(NewDocument("entretien-1", "interview", ORIGINAL))
    # The coder's copy has another name but the very same text.
    doc = source.add_document(NewDocument("copie-de-bob", "interview", ORIGINAL))
    code = source.create_code("Intranet", coder="bob")
    _code(source, ORIGINAL, "l'intranet en 2019", code.id, "bob", doc.id)
    _code(source, ORIGINAL, "Les agents", code.id, "carla", doc.id)

    report = merge_projects(target, [source], coder="lead")

    part = report.sources[0]
    assert part.documents_matched_sha == ["copie-de-bob"]
    assert part.documents_added == []
    assert part.codes_added == ["Intranet"]
    assert part.codings_added == 2
    assert part.codings_reanchored == 0
    got = {(c.coder, c.text) for c in target.codings()}
    assert got == {("bob", "l'intranet en 2019"), ("carla", "Les agents")}
    assert [d.name for d in target.documents()] == ["entretien-1"]
    assert summary_rows(report)[0]["codings_added"] == 2


def test_new_documents_come_with_units_and_cases(open_project) -> None:
    target, source = open_project("target"), open_project("source")
    survey = "Réponse un.\nRéponse deux."
    doc = source.add_document(
        NewDocument(
            "entretien-1",
            "interview",
            ORIGINAL,
            units=_turns(ORIGINAL),
            case="DSI-01",
            cases={"DSI-01": {"type": "Région", "taille": 1200}},
        )
    )
    source.add_document(
        NewDocument(
            "enquete",
            "survey",
            survey,
            units=[Unit("answer", 0, 11), Unit("answer", 12, 25)],
            unit_cases={0: "R1", 1: "R2"},
        )
    )
    source.add_memo("document", doc.id, "à relire", coder="bob")

    report = merge_projects(target, [source], coder="lead")

    part = report.sources[0]
    assert sorted(part.documents_added) == ["enquete", "entretien-1"]
    assert sorted(part.cases_added) == ["DSI-01", "R1", "R2"]
    added = target.document_info("entretien-1")
    assert added.case == "DSI-01"
    assert target.case("DSI-01").attributes == {"type": "Région", "taille": 1200}
    assert [(u.start, u.end, u.speaker) for u in target.units(added.id)] == [
        (u.start, u.end, u.speaker) for u in _turns(ORIGINAL)
    ]
    enquete = target.document_info("enquete")
    linked = target.unit_cases(enquete.id)
    assert sorted(case.name for case in linked.values()) == ["R1", "R2"]
    assert [(m.target, m.target_id, m.text) for m in target.memos()] == [
        ("document", added.id, "à relire")
    ]
    assert part.memos_added == 1


def test_corrected_text_reanchors_codings_and_sets_aside_what_is_gone(open_project) -> None:
    target, source = open_project("target"), open_project("source")
    tdoc = target.add_document(NewDocument("entretien-1", "interview", CORRECTED))
    doc = source.add_document(NewDocument("entretien-1", "interview", ORIGINAL))
    code = source.create_code("Usages", coder="bob")
    _code(source, ORIGINAL, "Nous avons installé l'intranet en 2019.", code.id, "bob", doc.id)
    _code(source, ORIGINAL, "Les agents ne le lisaient pas.", code.id, "bob", doc.id)
    _code(source, ORIGINAL, "La crise sanitaire a tout changé", code.id, "bob", doc.id)
    _code(source, ORIGINAL, "Merci.", code.id, "bob", doc.id)
    gone = _code(
        source,
        ORIGINAL,
        "Une phrase qui disparaîtra de la version corrigée, entièrement.",
        code.id,
        "bob",
        doc.id,
    )
    source.set_coding_memo(gone.id, "important", coder="bob")
    source.add_memo("coding", gone.id, "à discuter", coder="bob")

    report = merge_projects(target, [source], coder="lead")

    part = report.sources[0]
    assert part.documents_matched_name == ["entretien-1"]
    assert part.codings_added == 4
    assert part.codings_reanchored == 4
    texts = sorted(c.text for c in target.codings(document_id=tdoc.id))
    assert texts == sorted(
        [
            "Nous avons installé l'intranet communal en 2019.",
            "Les agents ne le lisaient pas.",
            "La crise sanitaire a changé",
            "Merci.",
        ]
    )
    for coding in target.codings():
        assert CORRECTED[coding.start : coding.end] == coding.text
    # The passage removed from the corrected text is kept aside, never dropped.
    assert [(a.document, a.coder, a.text) for a in part.codings_aside] == [
        ("entretien-1", "bob", gone.text)
    ]
    [aside] = target.codings_aside()
    assert (aside.document_id, aside.code_path, aside.coder) == (tdoc.id, "Usages", "bob")
    assert (aside.start, aside.end, aside.text) == (gone.start, gone.end, gone.text)
    assert aside.memo == "important\n\nà discuter"
    assert aside.source == source.location
    # A person can place it; it becomes bob's coding.
    placed = target.place_aside(aside.id, 0, 8, coder="lead")
    assert (placed.coder, placed.text) == ("bob", "Bonjour.")
    assert target.codings_aside() == []


def test_code_conflicts_are_reported_and_not_overwritten(open_project) -> None:
    target, source = open_project("target"), open_project("source")
    part1 = target.create_code("Partie 1", coder="lead", description="Usages", colour="#111111")
    target.create_code("Intranet", parent_id=part1.id, coder="lead", description="")
    s1 = source.create_code("partie 1", coder="bob", description="Autre chose", colour="#222222")
    source.create_code("INTRANET", parent_id=s1.id, coder="bob", description="Le portail")
    source.create_code("Messagerie", parent_id=s1.id, coder="bob", colour="#ABCDEF")

    report = merge_projects(target, [source], coder="lead")

    part = report.sources[0]
    assert part.codes_added == ["Partie 1/Messagerie"]
    assert part.codes_matched == 2
    assert part.code_conflicts == ["Partie 1: description differ (kept the target's)"]
    assert part.codes_completed == ["Partie 1/Intranet"]
    codes = {c.path_str: c for c in target.codes()}
    assert codes["Partie 1"].description == "Usages"
    assert codes["Partie 1"].colour == "#111111"
    assert codes["Partie 1/Intranet"].description == "Le portail"
    assert codes["Partie 1/Messagerie"].colour == "#ABCDEF"


def test_case_attributes_are_added_and_conflicts_reported(open_project) -> None:
    target, source = open_project("target"), open_project("source")
    target.set_case("DSI-01", {"type": "Région"})
    source.set_case("DSI-01", {"type": "Département", "taille": 300})
    report = merge_projects(target, [source], coder="lead")
    part = report.sources[0]
    assert part.cases_updated == ["DSI-01"]
    assert part.case_conflicts and "type" in part.case_conflicts[0]
    assert target.case("DSI-01").attributes == {"type": "Région", "taille": 300}


def _coded_source(source: Project) -> None:
    doc = source.add_document(NewDocument("entretien-1", "interview", ORIGINAL, case="DSI-01"))
    code = source.create_code("Usages", coder="bob", description="d")
    source.add_memo("code", code.id, "définition à revoir", coder="bob")
    for passage in ("Nous avons installé", "Les agents", "Une phrase qui disparaîtra"):
        coding = _code(source, ORIGINAL, passage, code.id, "bob", doc.id)
    source.add_memo("coding", coding.id, "mémo", coder="bob")
    _code(source, ORIGINAL, "La crise", code.id, "alice", doc.id)
    source.add_memo("project", None, "note", coder="alice")


def test_merging_twice_adds_nothing_the_second_time(open_project) -> None:
    target, source = open_project("target"), open_project("source")
    target.add_document(NewDocument("entretien-1", "interview", CORRECTED))
    _coded_source(source)

    first = merge_projects(target, [source], coder="lead").sources[0]
    assert first.codings_added == 3
    assert len(first.codings_aside) == 1
    assert first.memos_added == 2  # on the code and on the project; the coding's is aside
    before = _snapshot(target)

    second = merge_projects(target, [source], coder="lead").sources[0]
    assert second.codings_added == 0
    assert second.codings_duplicates == 3
    assert second.codings_aside_known == 1
    assert second.codes_added == [] and second.documents_added == []
    assert second.cases_added == [] and second.cases_updated == []
    assert second.memos_added == 0 and second.memos_known == 2
    after = _snapshot(target)
    # Nothing changed but, possibly, an empty journal entry (none is written).
    assert after == before


def test_a_failing_source_leaves_the_target_as_it_was(open_project) -> None:
    target, source = open_project("target"), open_project("source")
    target.add_document(NewDocument("entretien-1", "interview", CORRECTED))
    target.create_code("Existant", coder="lead")
    _coded_source(source)
    source.add_document(NewDocument("entretien-2", "interview", "Un autre texte."))
    source.set_case("R9", {"grade": "A"})
    before = _snapshot(target)

    def explode(stage: str, done: int, total: int) -> None:
        if stage == "memos":
            raise RuntimeError("disk full")

    with pytest.raises(MergeError, match="disk full") as caught:
        merge_projects(target, [source], coder="lead", progress=explode)
    assert caught.value.report.sources == []
    assert _snapshot(target) == before


def test_earlier_sources_stay_merged_when_a_later_one_fails(open_project) -> None:
    target, good, bad = open_project("target"), open_project("good"), open_project("bad")
    _coded_source(good)
    bad.add_document(NewDocument("autre", "text", "Texte."))
    calls = {"n": 0}

    def explode(stage: str, done: int, total: int) -> None:
        if stage == "codes":
            calls["n"] += 1
            if calls["n"] == 2:
                raise RuntimeError("boom")

    with pytest.raises(MergeError) as caught:
        merge_projects(target, [good, bad], coder="lead", progress=explode)
    assert len(caught.value.report.sources) == 1
    assert [d.name for d in target.documents()] == ["entretien-1"]


def test_one_undo_takes_back_a_merge(open_project) -> None:
    target, source = open_project("target"), open_project("source")
    target.add_document(NewDocument("entretien-1", "interview", CORRECTED))
    _coded_source(source)
    merge_projects(target, [source], coder="lead")
    assert target.codings() and target.codings_aside()
    entry = target.undo(coder="lead")
    assert entry is not None and entry.action == "merge"
    assert target.codings() == []
    assert target.codings_aside() == []
    assert target.codes() == []


def test_a_project_cannot_be_merged_into_itself(open_project, tmp_path: Path) -> None:
    target = open_project("target")
    same = Project.open(str(tmp_path / "target.db"))
    try:
        with pytest.raises(MergeError, match="itself"):
            merge_projects(target, [same], coder="lead")
    finally:
        same.close()


def test_sha_is_of_the_stored_text(open_project) -> None:
    source = open_project("source")
    info = source.add_document(NewDocument("a", "text", ORIGINAL))
    assert info.sha256 == text_sha256(ORIGINAL)


def test_codings_aside_survive_their_code_and_can_be_discarded(open_project) -> None:
    project = open_project("p")
    doc = project.add_document(NewDocument("d", "text", ORIGINAL))
    code = project.create_code("Usages", coder="lead")
    kept = project.set_aside(
        document_name="d", document_id=doc.id, code_id=code.id, coder="bob",
        start=0, end=5, text="perdu", reason="test", actor="lead",
    )  # fmt: skip
    project.delete_code(code.id, coder="lead")
    [aside] = project.codings_aside()
    assert (aside.code_id, aside.code_path) == (None, "Usages")
    project.undo(coder="lead")  # the code comes back; the aside finds it by path
    placed = project.place_aside(kept.id, 0, 5, coder="lead")
    assert (placed.code_id, placed.coder) == (code.id, "bob")
    project.undo(coder="lead")
    assert [a.id for a in project.codings_aside()] == [kept.id]
    project.discard_aside(kept.id, coder="lead")
    assert project.codings_aside() == []
    project.undo(coder="lead")
    assert [a.id for a in project.codings_aside()] == [kept.id]
