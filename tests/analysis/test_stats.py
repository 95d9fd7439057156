"""Stats against counts worked out by hand on the small project of tests/exchange/corpus.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from codage.analysis.stats import (
    CodingFacts,
    compute_stats,
    cooccurrence_passage,
    cooccurrence_unit,
    frequencies,
)
from codage.domain import Code, Coding

from ..exchange.corpus import Corpus, build_corpus


@pytest.fixture
def corpus(tmp_path: Path) -> Iterator[Corpus]:
    built = build_corpus(tmp_path / "stats.db")
    yield built
    built.project.close()


def _coding(i: int, code: int, start: int, end: int, coder: str = "a", doc: int = 1) -> Coding:
    return Coding(i, doc, code, coder, start, end, "")


def test_frequencies_by_hand(corpus: Corpus) -> None:
    stats = compute_stats(corpus.project)
    got = {f.path: (f.codings, f.documents, f.cases, f.coders) for f in stats.frequencies}
    assert got == {
        "Outils": (0, 0, 0, 0),
        "Outils/Intranet": (5, 3, 3, 2),
        "Outils/Messagerie": (1, 1, 1, 1),
        "Organisation": (1, 1, 1, 1),
        "Organisation/Télétravail": (3, 3, 3, 2),
        "Sécurité": (1, 1, 1, 1),
    }
    total = sum(len(t) for t in corpus.texts.values())
    assert stats.total_characters == total
    intranet = next(f for f in stats.frequencies if f.path == "Outils/Intranet")
    # alice and bob on the same passage count once
    chars = (
        len("Au début, personne ne le lisait.")
        + len("L'intranet est peu utilisé.\n\nLe télétravail progresse.")
        + len("L'intranet est lent.")
    )
    assert intranet.characters == chars
    assert intranet.share == pytest.approx(chars / total)


def test_crosstabs_by_hand(corpus: Corpus) -> None:
    stats = compute_stats(corpus.project)
    ids = {p: c.id for p, c in corpus.codes.items()}
    assert stats.by_document[ids["Outils/Intranet"]] == {
        "entretien-a": 2,
        "entretien-b": 1,
        "enquete": 2,
    }
    assert stats.by_attribute["type"][ids["Outils/Intranet"]] == {"Région": 4, "Commune": 1}
    assert stats.by_attribute["type"][ids["Organisation/Télétravail"]] == {
        "Région": 1,
        "Commune": 2,
    }
    assert stats.cases_by_attribute["type"][ids["Outils/Intranet"]] == {"Région": 2, "Commune": 1}
    assert stats.by_attribute["grade"] == {
        ids["Organisation/Télétravail"]: {"A": 1},
        ids["Outils/Intranet"]: {"B": 2},
    }


def test_cooccurrence_by_hand(corpus: Corpus) -> None:
    stats = compute_stats(corpus.project)
    ids = {p: c.id for p, c in corpus.codes.items()}
    tele, intranet = ids["Organisation/Télétravail"], ids["Outils/Intranet"]
    assert stats.cooccurrence_passage == {(intranet, tele): 1, (tele, ids["Sécurité"]): 1}
    assert stats.cooccurrence_unit == {
        (intranet, ids["Organisation"]): 1,  # turn 2 of entretien-a
        (intranet, tele): 1,  # third paragraph of entretien-b
        (tele, ids["Sécurité"]): 1,  # turn 4 of entretien-a
    }
    assert stats.unit_kinds == {
        "entretien-a": "turn",
        "entretien-b": "paragraph",
        "enquete": "answer",
    }


def test_filters(corpus: Corpus) -> None:
    ids = {p: c.id for p, c in corpus.codes.items()}
    stats = compute_stats(corpus.project, coders=["bob"], document_ids=[corpus.docs["entretien-a"]])
    got = {f.path: f.codings for f in stats.frequencies if f.codings}
    assert got == {"Outils/Intranet": 1, "Organisation/Télétravail": 1}
    assert stats.total_characters == len(corpus.texts["entretien-a"])
    assert stats.cooccurrence_passage == {}
    only = compute_stats(corpus.project, code_ids=[ids["Sécurité"]])
    assert [f.path for f in only.frequencies] == ["Sécurité"]


def test_pure_cooccurrence_counts_passages_not_coders() -> None:
    facts = [
        CodingFacts(_coding(1, 1, 0, 10, "a"), None, (100,)),
        CodingFacts(_coding(2, 1, 0, 10, "b"), None, (100,)),
        CodingFacts(_coding(3, 2, 5, 15, "a"), None, (100, 101)),
        CodingFacts(_coding(4, 2, 30, 40, "a"), None, (102,)),
        CodingFacts(_coding(5, 1, 35, 50, "b"), "X", (102,)),
        CodingFacts(_coding(6, 1, 35, 50, "b", doc=2), "X", (200,)),
    ]
    assert cooccurrence_passage(facts) == {(1, 2): 2}
    assert cooccurrence_unit(facts) == {(1, 2): 2}
    codes = [Code(1, "A", ("A",)), Code(2, "B", ("B",))]
    freq = frequencies(codes, facts, 100)
    assert (freq[0].codings, freq[0].documents, freq[0].cases, freq[0].coders) == (4, 2, 1, 2)
    assert freq[0].characters == 10 + 15 + 15
    assert freq[1].share == pytest.approx(0.2)


def test_json_and_sheets(corpus: Corpus) -> None:
    stats = compute_stats(corpus.project)
    data = stats.to_json()
    assert data["frequencies"][1]["code"] == "Outils/Intranet"
    assert {"code_a": "Outils/Intranet", "code_b": "Organisation", "count": 1} in data[
        "cooccurrence_unit"
    ]
    titles = [title for title, _ in stats.sheets()]
    assert titles[0] == "Frequencies" and titles[-1] == "Co-occurrence"
