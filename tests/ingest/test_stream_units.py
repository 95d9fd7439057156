"""A document's units are handed to the store as the model reads them (issue 11).

A 50 MB transcript has hundreds of thousands of sentences: holding them all
before writing made the import's memory grow with the transcript. The units now
come in their final order while the model is still reading, and are written in
slices; these tests check the order against the merge of all sentences at the
end (the way it was done before), and that writing starts before reading ends.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from codage.domain import NewDocument, Unit
from codage.ingest import import_files
from codage.ingest import nlp as lang
from codage.services import Project
from codage.store import documents as store_documents


def _streamed(document: NewDocument) -> tuple[list[Unit], dict[int, str]]:
    [(_, _, units)] = list_units([document])
    return units


def list_units(documents: list[NewDocument]) -> list[tuple[int, NewDocument, tuple]]:
    out = []
    for key, document, units in lang.stream_units(enumerate(documents), batch_size=3):
        pairs = list(units)
        out.append(
            (
                key,
                document,
                ([u for u, _ in pairs], {i: c for i, (_, c) in enumerate(pairs) if c is not None}),
            )
        )
    return out


def _merged_at_the_end(document: NewDocument, units: list[Unit]) -> NewDocument:
    return lang._with_sentences(document, [u for u in units if u.kind == "sentence"])


INTERVIEW = (
    "Entretien avec la DSI\n\n"
    "E : Bonjour. Depuis quand dirigez-vous le service ?\n\n"
    "R : Depuis 2019. Nous sommes treize.\n\nEt nous recrutons encore !\n\n"
    "E :\n\n"
    "R : M. Garnier a lancé l'intranet. Personne ne le lisait au début."
)


def _interview() -> NewDocument:
    text = INTERVIEW
    units = []
    for block in text.split("\n\n"):
        start = text.index(block)
        if ":" in block[:4]:
            units.append(Unit("turn", start, start + len(block), block[0]))
        else:
            units.append(Unit("paragraph", start, start + len(block)))
    return NewDocument("entretien", "interview", text, units)


def test_units_come_in_the_order_of_a_merge_at_the_end(nlp: object) -> None:
    document = _interview()
    units, cases = _streamed(document)
    merged = _merged_at_the_end(document, units)
    assert units == merged.units
    assert cases == merged.unit_cases == {}
    assert [u.position for u in units] == list(range(len(units)))
    assert sum(u.kind == "sentence" for u in units) == 8


def test_answers_keep_their_respondents(nlp: object) -> None:
    answers = ["Trop de courriels.", "RAS", "Le télétravail a tout changé. Vraiment."]
    text, units, unit_cases = "", [], {}
    for i, answer in enumerate(answers):
        if text:
            text += "\n\n"
        units.append(Unit("answer", len(text), len(text) + len(answer)))
        unit_cases[i] = f"R{i + 1}"
        text += answer
    document = NewDocument("q1", "survey", text, units, unit_cases=unit_cases)
    streamed, cases = _streamed(document)
    merged = _merged_at_the_end(document, streamed)
    assert streamed == merged.units
    assert cases == merged.unit_cases
    assert sorted(cases.values()) == ["R1", "R2", "R3"]
    assert {streamed[i].kind for i in cases} == {"answer"}


def test_nested_units_are_merged_at_the_end(nlp: object) -> None:
    text = "Titre du rapport. Première phrase du corps. Deuxième phrase."
    document = NewDocument(
        "rapport",
        "text",
        text,
        [Unit("paragraph", 0, len(text)), Unit("heading", 0, len("Titre du rapport."))],
    )
    units, _ = _streamed(document)
    assert units == _merged_at_the_end(document, units).units


def test_documents_without_text_to_analyse_keep_their_place(nlp: object) -> None:
    documents = [
        NewDocument("vide", "text", "   ", [Unit("paragraph", 0, 3)]),
        _interview(),
        NewDocument("rien", "text", "\n", []),
    ]
    out = list_units(documents)
    assert [key for key, _, _ in out] == [0, 1, 2]
    assert [u.kind for u in out[0][2][0]] == ["paragraph"]
    assert out[2][2][0] == []


def test_abandoned_units_are_skipped(nlp: object) -> None:
    documents = [_interview(), _interview()]
    seen = []
    for key, _, units in lang.stream_units(enumerate(documents), batch_size=2):
        if key == 0:
            next(units)  # a document whose writing failed after one unit
            continue
        seen = list(units)
    assert seen and seen[0][0].kind == "paragraph" and seen[0][0].position == 0


def test_writing_starts_before_the_model_has_read_the_whole_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, nlp: object
) -> None:
    events: list[str] = []
    sentence_units = lang._sentence_units

    def analysed(*args, **kwargs):
        events.append("analysed")
        return sentence_units(*args, **kwargs)

    def statement(conn, cursor, sql, parameters, context, executemany) -> None:
        if sql.startswith("INSERT INTO units"):
            events.append("written")

    monkeypatch.setattr(lang, "_sentence_units", analysed)
    monkeypatch.setattr(store_documents, "_UNIT_SLICE", 10)
    source = tmp_path / "long.txt"
    source.write_text(
        "\n\n".join(f"{'E' if i % 2 else 'R'} : Réponse {i}. Elle continue." for i in range(80)),
        encoding="utf-8",
    )
    project = Project.open(str(tmp_path / "p.db"))
    event.listen(Engine, "before_cursor_execute", statement)
    try:
        report = import_files(project, [source])
    finally:
        event.remove(Engine, "before_cursor_execute", statement)
    try:
        assert [f.status for f in report.files] == ["imported"]
        assert report.files[0].units == {"turn": 80, "sentence": 160}
        assert len(project.units(project.documents()[0].id)) == 240
    finally:
        project.close()
    last_analysis = len(events) - 1 - events[::-1].index("analysed")
    assert "written" in events[:last_analysis]
    assert events.count("written") >= 20


def test_units_are_placed_with_every_field_of_a_unit() -> None:
    # _UnitStream._hand builds a placed unit from Unit's fields in order (faster than
    # dataclasses.replace): a field added to Unit must be added there too
    from dataclasses import fields

    from codage.domain import Unit

    assert [f.name for f in fields(Unit)] == [
        "kind",
        "start",
        "end",
        "speaker",
        "timestamp",
        "lemmas",
        "id",
        "document_id",
        "position",
    ]
