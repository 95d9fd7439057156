"""codage's pipeline gives every token the lemma stock spaCy gives it: the lemma index
held as sets (and the lemma memo) change the speed of the lemmatizer, not its answers."""

from __future__ import annotations

from pathlib import Path

import spacy

from codage.ingest.nlp import LEAN_EXCLUDE, MODEL, chunks
from codage.ingest.reader import read_file

DEMO = Path(__file__).resolve().parents[2] / "transcripts"


def _demo_texts(words: int) -> list[str]:
    """What the import gives the model, from the demo's survey and interviews."""
    texts: list[str] = []
    paths = [DEMO / "commentaires-agents.csv", *sorted(DEMO.glob("entretien-*.txt"))]
    for path in paths:
        for document in read_file(path):
            texts.extend(document.text[s:e] for s, e, _ in chunks(document))
            if sum(len(t.split()) for t in texts) >= words:
                return texts
    return texts


def test_lemmas_are_stock_spacys(nlp) -> None:
    stock = spacy.load(MODEL, exclude=list(LEAN_EXCLUDE))
    stock.enable_pipe("senter")
    index = stock.get_pipe("lemmatizer").lookups.get_table("lemma_index")
    assert all(isinstance(members, list) for members in index.values())  # untouched
    texts = _demo_texts(12_000)
    ours = [[(t.idx, t.pos_, t.lemma_) for t in doc] for doc in nlp.pipe(texts)]
    theirs = [[(t.idx, t.pos_, t.lemma_) for t in doc] for doc in stock.pipe(texts)]
    assert sum(map(len, ours)) > 10_000
    assert ours == theirs
    # the lemmatizer met words outside its index, where the rules (and sets) matter
    ruled = {lemma for doc in theirs for _, pos, lemma in doc if pos in ("NOUN", "VERB", "ADJ")}
    assert len(ruled) > 500


def test_the_index_is_held_as_sets(nlp) -> None:
    index = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_index")
    assert index and all(isinstance(members, frozenset) for members in index.values())
