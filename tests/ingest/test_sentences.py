"""Sentence units against the hand-marked gold set, and inside the demo's units."""

from __future__ import annotations

import pytest

from codage.domain import NewDocument, Unit, decode_lemmas
from codage.ingest.nlp import CONTAINER_KINDS, add_sentences, chunks, sentence_starts
from codage.ingest.reader import read_file
from tests.conftest import ROOT
from tests.ingest.conftest import texts_of, units_of

GOLD = ROOT / "benchmarks" / "data" / "sentences-gold.txt"
OPTIONAL = " | "
# Passages of the gold set the chosen method still gets wrong (see
# benchmarks/sentences_bench.py --errors senter+rules): a single capital before a
# full stop is read as an initial ("salle B. On peut" stays one sentence).
KNOWN_MISSES = frozenset({"hard: times, urls and emails"})


def gold_passages() -> list[tuple[str, list[str]]]:
    """``(source, sentences)`` per passage; a sentence may hold an optional boundary."""
    passages: list[tuple[str, list[str]]] = []
    source, lines = "", []
    for raw in [*GOLD.read_text(encoding="utf-8").splitlines(), ""]:
        if raw.startswith("#") or not raw.strip():
            if lines:
                passages.append((source, lines))
                lines = []
            if raw.startswith("#"):
                source = raw.lstrip("# ").strip()
        else:
            lines.append(raw.strip())
    return passages


def readings(sentences: list[str]) -> list[list[str]]:
    """Every right segmentation of a passage: optional boundaries taken or not."""
    options: list[list[str]] = [[]]
    for sentence in sentences:
        pieces = sentence.split(OPTIONAL)
        if len(pieces) == 1:
            options = [[*o, sentence] for o in options]
        else:
            options = [[*o, " ".join(pieces)] for o in options] + [o + pieces for o in options]
    return options


def test_gold_file_is_large_and_covers_the_hard_cases() -> None:
    passages = gold_passages()
    sentences = sum(len(s) for _, s in passages)
    assert sentences >= 300
    hard = {source for source, _ in passages if source.startswith("hard:")}
    assert len(hard) >= 15


@pytest.mark.parametrize(
    ("source", "sentences"),
    [p for p in gold_passages() if p[0] not in KNOWN_MISSES],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_sentences_of_the_gold_set(source: str, sentences: list[str], nlp) -> None:
    text = " ".join(sentences).replace(OPTIONAL, " ")
    document = NewDocument("g", "text", text, [Unit("paragraph", 0, len(text))])
    (done,) = add_sentences([document], nlp=nlp)
    assert texts_of(done, "sentence") in readings(sentences)


def test_the_named_hard_cases(nlp) -> None:
    """The splits the senter alone made, which the rules undo (issue 9)."""
    text = (
        "Marine Le Pen a commenté la réforme. Depuis août 2024 DiaLog utilise la "
        "plateforme. Les agents des routes - surtout les plus anciens - ont résisté. "
        "J'en ai parlé à M. Garnier. Elle a dit : « Je peux ? » et elle est partie."
    )
    document = NewDocument("h", "text", text, [Unit("paragraph", 0, len(text))])
    (done,) = add_sentences([document], nlp=nlp)
    assert texts_of(done, "sentence") == [
        "Marine Le Pen a commenté la réforme.",
        "Depuis août 2024 DiaLog utilise la plateforme.",
        "Les agents des routes - surtout les plus anciens - ont résisté.",
        "J'en ai parlé à M. Garnier.",
        "Elle a dit : « Je peux ? » et elle est partie.",
    ]


def test_rules_keep_a_model_start_at_a_line_break_only() -> None:
    text = "Ligne sans point\nSuite Marine Le Pen\nsuite en minuscules"
    words = [(0, 5), (6, 4), (11, 5), (17, 5), (23, 6), (30, 2), (33, 3), (37, 5), (43, 2)]
    tokens = [(i, n, False, True) for i, n in words]  # the model sees starts everywhere
    assert [text[words[i][0] :].split()[0] for i in sentence_starts(text, tokens)] == [
        "Ligne",
        "Suite",
    ]
    tokens = [(i, n, False, False) for i, n in words]  # and here nowhere
    assert sentence_starts(text, tokens) == [0]
    assert sentence_starts("", []) == []


DEMO_INTERVIEWS = sorted(
    p for p in (ROOT / "transcripts").iterdir() if p.name.startswith("entretien-")
)


def test_demo_sentences_nest_inside_their_units(nlp) -> None:
    documents = [d for path in DEMO_INTERVIEWS for d in read_file(path)]
    assert len(documents) == 7
    for document in add_sentences(documents, nlp=nlp):
        containers = [u for u in document.units if u.kind in CONTAINER_KINDS]
        sentences = units_of(document, "sentence")
        assert len(sentences) > 50, document.name
        previous_end = 0
        for sentence in sentences:
            text = document.text[sentence.start : sentence.end]
            assert text and text == text.strip()
            assert sentence.start >= previous_end  # in order, never overlapping
            previous_end = sentence.end
            holders = [u for u in containers if u.span.contains(sentence.span)]
            assert holders, (document.name, text)
            assert all(sentence.speaker == u.speaker for u in holders)
            lemmas = decode_lemmas(sentence.lemmas) if sentence.lemmas else []
            assert all(sentence.start <= s < e <= sentence.end for s, e, _ in lemmas)
        # Nothing spaCy read is left out of the sentences (turn labels are not read).
        covered = {i for u in sentences for i in range(u.start, u.end)}
        for start, end, _ in chunks(document):
            missing = [i for i in range(start, end) if i not in covered]
            assert all(document.text[i].isspace() for i in missing), document.name
