"""The French rule lemmatizer made cheap, the same lemmas: what :func:`codage.ingest.nlp.
load_nlp` puts in place of spaCy's own walk (``tests/ingest/test_lemma_index.py`` and
``tests/ingest/test_index_from_memory.py`` compare with stock spaCy)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc


def index_as_sets(lemmatizer: object) -> None:
    """Hold the rule lemmatizer's index of known lemmas (per part of speech) as sets.

    spaCy's lookups data stores each part of speech's known lemmas as a list
    (66,000 nouns), and the French rule lemmatizer asks ``word in index`` for
    every word it has not met yet, once for the word and once per suffix rule
    that applies: a linear scan each time, which was 40 % of the model's whole
    time on varied text. The lemmatizer only ever tests membership in these
    lists, so the same members as a set give the same lemmas
    (``tests/ingest/test_lemma_index.py`` compares with stock spaCy).
    """
    lookups = getattr(lemmatizer, "lookups", None)
    if lookups is None or not lookups.has_table("lemma_index"):
        return
    table = lookups.get_table("lemma_index")
    for key in list(table.keys()):
        members = table[key]
        if isinstance(members, list):
            table[key] = frozenset(members)


class CachedLemmas:
    """Memoise the French rule lemmatizer on (word, part of speech).

    spaCy's French lemmatizer caches only words found in its index and walks
    its whole suffix-rule list for every other token, which made lemmas the
    largest cost of an import. The result depends on nothing but the word and
    its part of speech, so a full cache changes no lemma.
    """

    def __init__(self, lemmatize: object) -> None:
        self._lemmatize = lemmatize
        self._cache: dict[tuple[int, int], list[str]] = {}

    def __call__(self, token: object) -> list[str]:
        key = (token.orth, token.pos)  # type: ignore[attr-defined]
        forms = self._cache.get(key)
        if forms is None:
            forms = self._lemmatize(token)  # type: ignore[operator]
            self._cache[key] = forms
        return forms


class LemmaColumn:
    """The lemmatizer's ``pipe``: each Doc's lemmas set from columns of its arrays.

    spaCy's lemmatizer walks a Doc token by token (a Token object each, an attribute
    read and a lemma written through it) although the lemma depends on the word and
    its part of speech alone (see :class:`CachedLemmas`). Here the (word, part of
    speech) columns are read at once, each pair's lemma is looked up once per process,
    and the column is written back; a token that already has a lemma keeps it, as with
    spaCy (``overwrite`` is off in the French model), and the rule lemmatizer still
    decides every pair met for the first time, on that token.
    """

    def __init__(self, lemmatizer: object) -> None:
        self._lemmatizer = lemmatizer
        self._hashes: dict[tuple[int, int], int] = {}

    def __call__(self, docs: Iterable[Doc], **_: object) -> Iterator[Doc]:
        from spacy.attrs import LEMMA, ORTH, POS

        lemmatizer = self._lemmatizer
        if getattr(lemmatizer, "overwrite", False):
            # not the French model's setting: spaCy's own walk, as configured
            for doc in docs:
                yield lemmatizer(doc)  # type: ignore[operator]
            return
        if not lemmatizer._validated:  # type: ignore[attr-defined]
            from spacy.errors import Errors

            lemmatizer._validate_tables(Errors.E1004)  # type: ignore[attr-defined]
        lemmatize = lemmatizer.lemmatize  # type: ignore[attr-defined]
        hashes = self._hashes
        for doc in docs:
            if len(doc):
                table = doc.to_array([ORTH, POS, LEMMA])
                column = table[:, 2]
                strings = doc.vocab.strings
                for i, (orth, pos, lemma) in enumerate(table.tolist()):
                    if lemma:
                        continue
                    known = hashes.get((orth, pos))
                    if known is None:
                        known = hashes[(orth, pos)] = strings.add(lemmatize(doc[i])[0])
                    column[i] = known
                # to_array gives uint64 (spaCy's stub says floats)
                doc.from_array([LEMMA], column)  # type: ignore[arg-type]
            yield doc
