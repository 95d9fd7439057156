"""Sentences and lemmas from the real fr_core_news_sm, inside units, offsets exact."""

from __future__ import annotations

from pathlib import Path

from codage.domain import NewDocument, Unit, decode_lemmas
from codage.ingest.nlp import LEAN_EXCLUDE, add_sentences, chunks
from codage.ingest.reader import read_file
from tests.ingest.conftest import texts_of, units_of


def test_lean_pipeline(nlp) -> None:
    assert not set(LEAN_EXCLUDE) & set(nlp.pipe_names)
    assert "senter" in nlp.pipe_names
    assert {"tok2vec", "morphologizer", "lemmatizer"} <= set(nlp.pipe_names)


def test_sentences_inside_turns_after_the_label(tmp_path: Path, nlp) -> None:
    path = tmp_path / "e.txt"
    path.write_text(
        "[00:00:05] Enquêtrice : Bonjour. Pouvez-vous vous présenter ?\n\n"
        "M. Garnier : Je dirige la DSI. Les agents lisaient peu l'intranet.\n\n"
        "Ensuite la crise est arrivée.\n\n"
        "Enquêtrice : Merci.\n",
        encoding="utf-8",
    )
    (document,) = add_sentences(read_file(path), nlp=nlp)
    sentences = texts_of(document, "sentence")
    assert sentences == [
        "Bonjour.",
        "Pouvez-vous vous présenter ?",
        "Je dirige la DSI.",
        "Les agents lisaient peu l'intranet.",
        "Ensuite la crise est arrivée.",
        "Merci.",
    ]
    turns = units_of(document, "turn")
    for sentence in units_of(document, "sentence"):
        container = [t for t in turns if t.span.contains(sentence.span)]
        assert len(container) == 1
        assert sentence.speaker == container[0].speaker
    # Units come in text order, containers before what they contain, positions renumbered.
    assert [u.position for u in document.units] == list(range(len(document.units)))
    assert document.units[0].kind == "turn" and document.units[1].kind == "sentence"


def test_lemmas_are_encoded_with_document_offsets(tmp_path: Path, nlp) -> None:
    path = tmp_path / "l.txt"
    path.write_text("Titre\n\nLes agents lisaient les courriels.", encoding="utf-8")
    (document,) = add_sentences(read_file(path), nlp=nlp)
    sentence = units_of(document, "sentence")[-1]
    lemmas = decode_lemmas(sentence.lemmas)
    for start, end, _ in lemmas:
        assert document.text[start:end].strip() == document.text[start:end]
    by_word = {document.text[s:e]: lemma for s, e, lemma in lemmas}
    assert by_word["agents"] == "agent"
    assert by_word["lisaient"] == "lire"
    assert "." not in by_word  # punctuation is left out


def test_sentences_never_cross_units(nlp) -> None:
    text = "Première réponse sans point\n\nSeconde réponse. Avec deux phrases."
    document = NewDocument(
        "s",
        "survey",
        text,
        [Unit("answer", 0, 27), Unit("answer", 29, len(text))],
        unit_cases={0: "A", 1: "B"},
    )
    (done,) = add_sentences([document], nlp=nlp)
    assert texts_of(done, "sentence") == [
        "Première réponse sans point",
        "Seconde réponse.",
        "Avec deux phrases.",
    ]
    # unit_cases follow their answer units through the renumbering.
    answers = [i for i, u in enumerate(done.units) if u.kind == "answer"]
    assert done.unit_cases == {answers[0]: "A", answers[1]: "B"}


def test_chunks_split_turns_at_blank_lines_and_skip_labels() -> None:
    text = "E : a b\n\n  c d  \n\nR : e"
    document = NewDocument(
        "c", "interview", text, [Unit("turn", 0, 16, "E"), Unit("turn", 18, 23, "R")]
    )
    assert [text[s:e] for s, e, _ in chunks(document)] == ["a b", "c d", "e"]


def test_several_processes_give_the_same_result(tmp_path: Path, nlp) -> None:
    documents = [
        NewDocument(
            f"d{i}",
            "text",
            f"Phrase numéro {i}. Les agents travaillent.",
            [Unit("paragraph", 0, len(f"Phrase numéro {i}. Les agents travaillent."))],
        )
        for i in range(8)
    ]
    single = add_sentences(documents, nlp=nlp)
    multi = add_sentences(documents, nlp=nlp, n_process=2, batch_size=2)
    assert [d.units for d in single] == [d.units for d in multi]
