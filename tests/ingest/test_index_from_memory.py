"""The search index built at import from the sentences just written, not read back, and
the lemma column set from the Doc's arrays: the same entries and lemmas as before."""

from __future__ import annotations

import sqlite3
from array import array
from collections.abc import Iterable
from pathlib import Path

from codage.domain import decode_lemmas, encode_lemmas
from codage.folding import fold_text
from codage.ingest import import_files
from codage.ingest.model_process import spell_lemma
from codage.store.index_format import unpack_postings
from codage.store.project import Project
from codage.store.search_index import IndexEntry, _fold_all, build_entry

DEMO = Path(__file__).resolve().parents[2] / "transcripts"


def build_entry_before(text: str, sentences: Iterable[tuple[int, int, str | None]]) -> IndexEntry:
    """build_entry as it was before it read the packed lemmas itself (kept verbatim)."""
    entry = IndexEntry(folded=fold_text(text), sentences=array("i"))
    tokens: list[tuple[int, int, int, str]] = []
    ordinal = 0
    for start, end, packed in sentences:
        entry.sentences.extend((start, end))
        for s, e, lemma in decode_lemmas(packed):
            tokens.append((ordinal, s, e, lemma))
            ordinal += 1
        ordinal += 1
    lemmas = _fold_all({t[3] for t in tokens})
    folded = entry.folded
    words = None if folded.back is None else _fold_all({text[t[1] : t[2]] for t in tokens})
    for ordinal, s, e, lemma in tokens:
        key = lemmas[lemma]
        postings = entry.lemmas.get(key)
        if postings is None:
            postings = entry.lemmas[key] = array("i")
        postings.extend((ordinal, s, e))
        form = folded.text[s:e] if words is None else words[text[s:e]]
        entry.forms.add((form, key))
    return entry


def _same(a: IndexEntry, b: IndexEntry) -> None:
    assert a.folded == b.folded
    assert a.sentences == b.sentences
    assert list(a.lemmas.items()) == list(b.lemmas.items())  # same order, same triples
    assert a.forms == b.forms


def _sentences(text: str, pieces: list[list[tuple[str, str]]]) -> list[tuple[int, int, str | None]]:
    """Sentences of ``text`` from (word, lemma) lists, the words found in order."""
    out: list[tuple[int, int, str | None]] = []
    at = 0
    for words in pieces:
        tokens = []
        for word, lemma in words:
            start = text.index(word, at)
            at = start + len(word)
            tokens.append((start, at, lemma))
        out.append((tokens[0][0], at, encode_lemmas(tokens)))
    return out


def test_lemmas_that_fold_alike_keep_their_token_order() -> None:
    # "Été" and "été" and "ete" are three lemmas of the model, one key of the index
    text = "Été chaud. L'été passe, ete dit-il. Été ! Rien."
    pieces = [
        [("Été", "Été"), ("chaud", "chaud")],
        [("L'", "le"), ("été", "été"), ("passe", "passer"), ("ete", "ete"), ("dit", "dire")],
        [("Été", "Été")],
    ]
    sentences = [*_sentences(text, pieces), (text.index("Rien"), len(text), None)]
    new, old = build_entry(text, sentences), build_entry_before(text, sentences)
    _same(new, old)
    assert len(new.lemmas["ete"]) == 4 * 3


def test_a_text_whose_folding_changes_lengths() -> None:
    # "ß" folds to "ss" and "ﬁ" to "fi": forms are then folded word by word
    text = "Die Straße ist ﬁnie. Une lemme a b, deux."
    pieces = [
        [("Straße", "strasse"), ("ist", "sein"), ("ﬁnie", "finir")],
        [("lemme", "lemme a b"), ("deux", "2")],
    ]
    sentences = _sentences(text, pieces)
    assert fold_text(text).back is not None
    _same(build_entry(text, sentences), build_entry_before(text, sentences))


def test_lemmas_holding_commas_and_underscores() -> None:
    # "1,5" and "a,b" hold commas: the packed lemmas are then read by the slower split
    text = "Il a pris 1,5 kg. Puis a,b et c_d, enfin 2,0,1 ! Rien ici."
    pieces = [
        [("Il", "il"), ("pris", "prendre"), ("1,5", "1,5"), ("kg", "kg")],
        [("Puis", "puis"), ("a,b", "a,b"), ("c_d", "c d"), ("2,0,1", "2,0,1")],
        [("Rien", "rien"), ("ici", "ici")],
    ]
    sentences = _sentences(text, pieces)
    _same(build_entry(text, sentences), build_entry_before(text, sentences))
    without = [(a, b, p if i != 1 else None) for i, (a, b, p) in enumerate(sentences)]
    _same(build_entry(text, without), build_entry_before(text, without))


def test_an_imported_corpus_is_indexed_as_from_its_rows_read_back(tmp_path: Path) -> None:
    project = Project.open(str(tmp_path / "p.db"))
    paths = [*sorted(DEMO.glob("entretien-*.txt"))[:3], DEMO / "commentaires-agents.csv"]
    assert import_files(project, paths).ok
    project.close()
    connection = sqlite3.connect(tmp_path / "p.db")
    try:
        documents = connection.execute("SELECT id, text FROM documents").fetchall()
        assert len(documents) >= 4
        for doc_id, text in documents:
            rows = connection.execute(
                'SELECT start, "end", lemmas FROM units WHERE document_id = ? '
                "AND kind = 'sentence' ORDER BY start, \"end\" DESC, position",
                (doc_id,),
            ).fetchall()
            assert rows
            entry = build_entry_before(text, rows)
            stored = dict(
                connection.execute(
                    "SELECT lemma, postings FROM search_lemmas WHERE document_id = ?", (doc_id,)
                ).fetchall()
            )
            assert sorted(stored) == sorted(entry.lemmas)
            forms = set(
                connection.execute(
                    "SELECT form, lemma FROM search_forms WHERE document_id = ?", (doc_id,)
                ).fetchall()
            )
            assert forms == entry.forms
            for lemma, postings in entry.lemmas.items():
                assert unpack_postings(stored[lemma]) == postings
    finally:
        connection.close()


def test_lemmas_are_spelt_as_encode_lemmas_spells_them() -> None:
    for lemma in ["intranet", "a b", "", " ", "x\u00a0y", "a,b", "c'est-à-dire", "\tz\n"]:
        assert f"0,0,{spell_lemma(lemma)}" == encode_lemmas([(0, 0, lemma)])


def test_the_lemma_column_equals_spacys_walk(nlp) -> None:
    texts = [
        "Les agents utilisaient l'intranet depuis des années.",
        "Nous avons déployé les parapheurs électroniques, puis on a formé les élus.",
        "",
        "Les agents utilisaient l'intranet depuis des années.",  # pairs met before
    ]
    piped = [[(t.pos_, t.lemma_) for t in doc] for doc in nlp.pipe(texts)]
    one_by_one = [[(t.pos_, t.lemma_) for t in nlp(text)] for text in texts]
    assert piped == one_by_one
    assert piped[0][1] == ("NOUN", "agent")


def test_rows_of_equal_a_walk_of_the_tokens(nlp) -> None:
    from codage.ingest.model_process import rows_of

    texts = [
        "Les agents utilisaient l'intranet depuis des années.  Puis , rien !",
        "M. Garnier a dit : « 1,5 % » … et puis\n\nvoilà.",
        "",
        " ",
        "Les agents utilisaient l'intranet depuis des années.",  # words met before
        "ÉTÉ 2024 : l'Été, c'est-à-dire 3 mois.",
    ]
    for doc in nlp.pipe(texts):
        walked = [
            (
                t.idx,
                t.idx + len(t.text),
                None if t.is_punct or t.is_space else spell_lemma((t.lemma_ or t.text).lower()),
                t.is_space,
            )
            for t in doc
        ]
        rows = rows_of(doc)
        assert [r[:4] for r in rows] == walked
        starts = doc.to_array(["SENT_START"]).tolist() if len(doc) else []
        assert [r[4] for r in rows] == [s == 1 for s in starts]
        assert all(type(v) is bool for r in rows for v in r[3:])
